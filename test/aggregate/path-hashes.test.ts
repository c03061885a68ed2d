import fc from 'fast-check';
import { NO_HASHES, addHash, copyHashes, hashCount, hashValues, hashesOf, hasHash, type PathHashes } from '../../src/aggregate/path-hashes';

/** What the list must equal: distinct unsigned hashes, first seen first. */
function reference(hashes: readonly number[]): number[] {
  const seen = new Set<number>();
  for (const h of hashes) seen.add(h >>> 0);
  return [...seen];
}

describe('path hashes (the scanner state\'s distinct paths per client)', () => {
  it('keeps distinct hashes first seen first, across the plain and the packed form and its growth', () => {
    // Few distinct values (repeats) and many (growth to 16, 32, 64, 128, 256 and past).
    const hash = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }));
    fc.assert(fc.property(fc.array(hash, { maxLength: 600 }), (hashes) => {
      let p: PathHashes = NO_HASHES;
      for (const h of hashes) p = addHash(p, h);
      const want = reference(hashes);
      expect(hashValues(p)).toEqual(want);
      expect(hashCount(p)).toBe(want.length);
      for (const h of want) expect(hasHash(p, h)).toBe(true);
      for (const h of hashes) expect(hasHash(p, h + 1)).toBe(want.includes((h + 1) >>> 0));
      expect(hashValues(hashesOf(hashes))).toEqual(want);
    }), { numRuns: 200 });
  });

  it('leaves a copy (and the shared empty list) unchanged when the other grows', () => {
    const base = hashesOf(Array.from({ length: 40 }, (_, i) => i * 7919));
    const copy = copyHashes(base);
    let grown = base;
    for (let i = 0; i < 100; i++) grown = addHash(grown, 1_000_003 * i + 1);
    expect(hashCount(copy)).toBe(40);
    expect(hashValues(copy)).toEqual(Array.from({ length: 40 }, (_, i) => i * 7919));
    expect(hashCount(NO_HASHES)).toBe(0);
    expect(hashCount(grown)).toBe(140);
  });
});
