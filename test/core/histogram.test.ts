import fc from 'fast-check';
import { CoarseHistogram } from '../../src/core/histogram';

const BINS = 160;

/** The plain model: 160 counts. */
function model(bins: readonly number[]): number[] {
  const m = new Array<number>(BINS).fill(0);
  for (const b of bins) m[b] = (m[b] ?? 0) + 1;
  return m;
}

function modelJSON(m: readonly number[]): number[] {
  const out: number[] = [];
  m.forEach((n, i) => {
    if (n > 0) out.push(i, n);
  });
  return out;
}

function modelQuantile(m: readonly number[], q: number): number | null {
  const count = m.reduce((a, b) => a + b, 0);
  if (count === 0) return null;
  const rank = q * (count - 1);
  let seen = 0;
  for (let i = 0; i < BINS; i++) {
    seen += m[i] ?? 0;
    if (seen > rank) return i === 0 ? 0.1 : 0.1 * Math.exp((i - 0.5) * Math.log(1.1));
  }
  return null;
}

function of(bins: readonly number[]): CoarseHistogram {
  const h = new CoarseHistogram();
  for (const b of bins) h.addBin(b);
  return h;
}

// Few distinct bins (held as pairs) and many (held as 160 counts), and the change from one to the other.
const binLists = fc.oneof(
  fc.array(fc.integer({ min: 0, max: BINS - 1 }), { maxLength: 60 }),
  fc.array(fc.integer({ min: 0, max: 8 }).map((x) => x * 17), { maxLength: 40 }),
  fc.array(fc.constantFrom(0, 3, 159), { maxLength: 20 }),
);
const qs = [0, 0.25, 0.5, 0.9, 0.95, 0.99, 1];

describe('CoarseHistogram', () => {
  it('counts, serializes and answers quantiles as 160 plain counts would, however many distinct bins it saw', () => {
    fc.assert(
      fc.property(binLists, (bins) => {
        const h = of(bins);
        const m = model(bins);
        expect(h.count).toBe(bins.length);
        expect(h.toJSON()).toEqual(modelJSON(m));
        for (const q of qs) expect(h.quantile(q)).toBe(modelQuantile(m, q));
        expect(CoarseHistogram.fromJSON(h.toJSON()).toJSON()).toEqual(modelJSON(m));
        expect(h.clone().toJSON()).toEqual(modelJSON(m));
      }),
      { numRuns: 300 },
    );
  });

  it('merges and subtracts like the counts they hold, in every mix of few and many bins', () => {
    fc.assert(
      fc.property(binLists, binLists, (a, b) => {
        const ha = of(a);
        const hb = of(b);
        const merged = ha.clone();
        merged.merge(hb);
        const mAll = model([...a, ...b]);
        expect(merged.toJSON()).toEqual(modelJSON(mAll));
        expect(merged.count).toBe(a.length + b.length);
        for (const q of qs) expect(merged.quantile(q)).toBe(modelQuantile(mAll, q));
        // A merged histogram keeps counting right, and the copy it came from is untouched.
        merged.addBin(a[0] ?? 5);
        expect(ha.toJSON()).toEqual(modelJSON(model(a)));
        const rest = merged.without(ha);
        expect(rest.toJSON()).toEqual(modelJSON(model([...b, a[0] ?? 5])));
        expect(rest.count).toBe(b.length + 1);
      }),
      { numRuns: 300 },
    );
  });

  it('adds durations into the bins of binOf, and reads back bins clamped from a JSON form', () => {
    const h = new CoarseHistogram();
    for (const ms of [0.05, 1, 1, 250, 250, 250, 1e9]) h.add(ms);
    expect(h.toJSON()).toEqual([0, 1, CoarseHistogram.binOf(1), 2, CoarseHistogram.binOf(250), 3, BINS - 1, 1]);
    expect(CoarseHistogram.fromJSON([500, 2, 3, 0, 3, 4]).toJSON()).toEqual([3, 4, BINS - 1, 2]);
    expect(new CoarseHistogram().quantile(0.5)).toBeNull();
  });
});
