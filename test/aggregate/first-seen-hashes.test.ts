import fc from 'fast-check';
import { FirstSeenHashes } from '../../src/aggregate/earliest';

/** The plain model: distinct values (unsigned), first seen first. */
function model(xs: readonly number[]): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  for (const x of xs) {
    const u = x >>> 0;
    if (!seen.has(u)) {
      seen.add(u);
      out.push(u);
    }
  }
  return out;
}

// Hashes of the whole unsigned range (above 2^31 too), few and many distinct, with repeats, and colliding low bits.
const hashes = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 300 }),
  fc.array(fc.integer({ min: 0, max: 40 }).map((x) => (x * 0x10000 + 7) >>> 0), { maxLength: 200 }),
  fc.array(fc.constantFrom(0, 1, 0x80000000, 0xffffffff), { maxLength: 30 }),
);

describe('FirstSeenHashes', () => {
  it('holds the distinct hashes in first-seen order, as a Set would, before and after it builds its index', () => {
    fc.assert(
      fc.property(hashes, fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 20 }), (xs, probes) => {
        const s = new FirstSeenHashes();
        for (const x of xs) s.add(x);
        const m = model(xs);
        expect(s.size).toBe(m.length);
        expect(s.values()).toEqual(m);
        const inModel = new Set(m);
        for (const x of [...xs, ...probes]) expect(s.has(x)).toBe(inModel.has(x >>> 0));
        expect(s.clone().values()).toEqual(m);
        expect(FirstSeenHashes.of(m).values()).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it('adding a hash it holds changes nothing, also past its first 16', () => {
    const s = new FirstSeenHashes();
    for (let i = 0; i < 100; i++) s.add((i * 2654435761) >>> 0);
    const before = s.values();
    for (let i = 99; i >= 0; i--) s.add((i * 2654435761) >>> 0);
    expect(s.size).toBe(100);
    expect(s.values()).toEqual(before);
    expect(s.has(((100 * 2654435761) >>> 0))).toBe(false);
  });
});
