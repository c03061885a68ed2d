/** The quantile sketch keeps its stated relative-error bound, merges and round-trips. */
import { QuantileSketch } from '../../src/core/quantile';
import { TopCounter } from '../../src/core/top';
import { Rng } from '../../src/generate/random';

/** Exact quantile by nearest rank on the (n-1)-scaled index, the definition the sketch approximates. */
function quantileSorted(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] ?? NaN;
}

describe('QuantileSketch', () => {
  const rng = new Rng(7);
  const values = Array.from({ length: 50_000 }, () => rng.logNormal(40, 1.2));
  const sorted = [...values].sort((a, b) => a - b);
  const sketch = new QuantileSketch(0.01);
  values.forEach((v) => sketch.add(v));

  it.each([0.5, 0.9, 0.95, 0.99, 0.999])('p%s is within 1%% of the exact value', (q) => {
    const exact = quantileSorted(sorted, q);
    const got = sketch.quantile(q) ?? NaN;
    expect(Math.abs(got - exact) / exact).toBeLessThanOrEqual(0.0101);
  });

  it('keeps exact count, min and max, and bounded buckets', () => {
    expect(sketch.count).toBe(values.length);
    expect(sketch.quantile(0)).toBe(sorted[0]);
    expect(sketch.quantile(1)).toBe(sorted[sorted.length - 1]);
    expect(sketch.toJSON().buckets.length).toBeLessThan(1500);
  });

  it('merges and round-trips through JSON', () => {
    const a = new QuantileSketch();
    const b = new QuantileSketch();
    values.forEach((v, i) => (i % 2 ? a : b).add(v));
    a.merge(b);
    expect(a.quantile(0.95)).toBe(sketch.quantile(0.95));
    const back = QuantileSketch.fromJSON(JSON.parse(JSON.stringify(sketch.toJSON())));
    expect(back.quantile(0.99)).toBe(sketch.quantile(0.99));
  });

  it('puts a whole value in the bucket the logarithm gives (the table of whole values agrees with it)', () => {
    // Whole milliseconds are the common case (ALB and nginx log milliseconds) and read a table; a value a hair
    // above takes the logarithm: both must land where ceil(log(v) / log(γ)) says, at and around every bucket edge.
    const logGamma = Math.log(1.01 / 0.99);
    const whole = new QuantileSketch();
    const expected = new Map<number, number>();
    for (let v = 1; v < 70_000; v++) {
      whole.add(v);
      const k = Math.ceil(Math.log(v) / logGamma);
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    expect(whole.toJSON().buckets).toEqual([...expected].sort((a, b) => a[0] - b[0]));
    // The same whole values as fractions (v + 0.5 − 0.5 is v; v · (1 + 1e-15) is not whole) land beside them.
    for (const v of [1, 2, 3, 100, 1000, 12_345, 65_535, 65_536]) {
      const a = new QuantileSketch();
      a.add(v);
      const b = new QuantileSketch();
      b.add(v * (1 + 1e-15));
      const [ka] = a.toJSON().buckets[0] ?? [];
      const [kb] = b.toJSON().buckets[0] ?? [];
      expect(ka).toBe(Math.ceil(Math.log(v) / logGamma));
      expect(kb).toBe(Math.ceil(Math.log(v * (1 + 1e-15)) / logGamma));
    }
  });

  it('handles zeros and empty sketches', () => {
    const s = new QuantileSketch();
    expect(s.quantile(0.5)).toBeNull();
    s.add(0);
    s.add(0);
    s.add(10);
    expect(s.quantile(0.5)).toBe(0);
  });
});

describe('TopCounter', () => {
  it('is exact under capacity and keeps heavy hitters beyond it', () => {
    const t = new TopCounter(100);
    for (let i = 0; i < 5000; i++) t.add(`rare-${i}`);
    for (let i = 0; i < 1000; i++) t.add('heavy');
    expect(t.top(1)[0]?.[0]).toBe('heavy');
    expect(t.size).toBeLessThanOrEqual(101);
    expect(t.approximate).toBe(true);
  });

  it('breaks ties by key for deterministic output', () => {
    const t = new TopCounter();
    ['b', 'a', 'c'].forEach((k) => t.add(k));
    expect(t.top(3).map((e) => e[0])).toEqual(['a', 'b', 'c']);
  });
});
