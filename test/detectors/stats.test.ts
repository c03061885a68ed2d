/** Tail probabilities behind the detectors' p-values (chi-square for client-mix, Mann–Kendall for regional-creep). */
import fc from 'fast-check';
import { chiSquare2, mannKendall, median, normalCdf, normalSf, theilSen } from '../../src/detect/stats/robust';

describe('normal tail', () => {
  it.each([
    [0, 0.5], [1, 0.158655], [1.96, 0.0249979], [3, 0.0013499],
  ])('1 − Φ(%s) ≈ %s', (z, want) => {
    expect(normalSf(z)).toBeCloseTo(want, 6);
    expect(normalCdf(z) + normalSf(z)).toBeCloseTo(1, 12);
    expect(normalCdf(-z)).toBeCloseTo(normalSf(z), 8);
  });

  it('stays a tiny positive number far in the tail instead of cancelling to 0 (true values: Q(8) = 6.22e-16, Q(12) = 1.78e-33)', () => {
    expect(normalSf(8) / 6.221e-16).toBeGreaterThan(0.95);
    expect(normalSf(8) / 6.221e-16).toBeLessThan(1.05);
    expect(normalSf(12) / 1.776e-33).toBeGreaterThan(0.95);
    expect(normalSf(12) / 1.776e-33).toBeLessThan(1.05);
    expect(1 - normalCdf(12)).toBe(0); // what a p-value computed as 1 − Φ would have said
  });

  it('gives a strong client-mix shift and a steady trend a positive p-value, and no shift p ≈ 1', () => {
    // chi² = 320 on 1 df: z ≈ 12.9 in the Wilson–Hilferty approximation, where 1 − Φ(z) is exactly 0 in doubles.
    const strong = chiSquare2([700, 300], [300, 700]);
    expect(strong.chi2).toBeCloseTo(320, 6);
    expect(strong.p).toBeGreaterThan(0);
    expect(strong.p).toBeLessThan(1e-30);
    expect(chiSquare2([500, 500], [500, 500]).p).toBe(1);
    // Rare categories (expected under 5) are pooled: three one-off agents on a 200-session sample are no shift.
    const sparse = chiSquare2([100, 100, 2, 0, 0], [100, 100, 0, 1, 1]);
    expect(sparse.df).toBe(2);
    expect(sparse.p).toBeGreaterThan(0.5);
    // A shift of a common category still shows.
    expect(chiSquare2([200, 0, 0], [100, 100, 0]).p).toBeLessThan(1e-15);
    const trend = mannKendall(Array.from({ length: 60 }, (_, i) => i));
    expect(trend.p).toBeGreaterThan(0);
    expect(trend.p).toBeLessThan(1e-10);
  });
});

describe('Theil–Sen slope', () => {
  /** The slope as median() of the pairwise slopes (the compared sort): what theilSen must give to the bit. */
  const reference = (xs: readonly number[], ys: readonly number[]): number => {
    const slopes: number[] = [];
    for (let i = 0; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) {
      const dx = (xs[j] ?? 0) - (xs[i] ?? 0);
      if (dx !== 0) slopes.push(((ys[j] ?? 0) - (ys[i] ?? 0)) / dx);
    }
    return median(slopes);
  };

  it('is the median of pairwise slopes, the sign of a zero included (flat runs, repeated and descending x)', () => {
    // Flat ys over descending xs make -0 slopes, over ascending ones +0: the median is the zero the stable sort keeps.
    const cases: [number[], number[]][] = [
      [[0, 1, 2, 3], [5, 5, 5, 5]],
      [[3, 2, 1, 0], [5, 5, 5, 5]],
      [[0, 2, 1, 3, 1], [4, 4, 4, 9, 4]],
      [[1, 0, 2, 0, 3], [7, 7, 1, 7, 7]],
      [[0, 1, 2], [1, Number.POSITIVE_INFINITY, 3]],
      [[0, 1], [0, 0]],
      [[0], [1]],
    ];
    for (const [xs, ys] of cases) expect(Object.is(theilSen(xs, ys), reference(xs, ys))).toBe(true);
    expect(Object.is(theilSen([3, 2, 1, 0], [5, 5, 5, 5]), -0)).toBe(true);
  });

  it('equals the compared-sort median on random series with ties', () => {
    const series = fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: -3, max: 3 })), { maxLength: 24 });
    fc.assert(fc.property(series, (pts) => {
      const xs = pts.map((p) => p[0]);
      const ys = pts.map((p) => p[1]);
      return Object.is(theilSen(xs, ys), reference(xs, ys));
    }), { numRuns: 2000 });
  });
});
