/** Shards for the aggregates' merge tests: input files, cuts, and the one-pass comparison. */
import fc from 'fast-check';
import type { EnrichedRecord } from '../../src/enrich/types';
import { evidenceOrder, type EvidenceOrder } from '../../src/aggregate/types';

/** The evidence order of a run that reads a.log, then b.log. */
export const TWO_FILES: EvidenceOrder = evidenceOrder(['a.log', 'b.log']);

/** The records of one input file, numbered from line 1. */
export function asFile(rs: readonly EnrichedRecord[], file: string): EnrichedRecord[] {
  return rs.map((r, i) => ({ ...r, source: { file, line: i + 1 } }));
}

/** Cuts `records` at i and j, counts each part, merges them (in order, or the last part first). */
export function mergedParts<S extends { merge(o: S, order: EvidenceOrder): void }>(
  records: readonly EnrichedRecord[], i: number, j: number, count: (rs: readonly EnrichedRecord[]) => S, reversed: boolean, order: EvidenceOrder = TWO_FILES,
): S {
  const [a, b] = [Math.min(i, j), Math.max(i, j)];
  const parts = [records.slice(0, a), records.slice(a, b), records.slice(b)].map((p) => count(p));
  if (reversed) parts.reverse();
  const [first, ...rest] = parts;
  for (const p of rest) first?.merge(p, order);
  return first as S;
}

/**
 * Checks that `records` cut anywhere into three parts, counted apart and merged in order or reversed, give the state
 * (toJSON) and the judgement of one pass.
 */
export function expectCutsMergeToOnePass<S extends { merge(o: S, order: EvidenceOrder): void; toJSON(): unknown }>(
  records: readonly EnrichedRecord[], count: (rs: readonly EnrichedRecord[]) => S, judge: (s: S) => unknown,
  options: { cut?: fc.Arbitrary<number>; numRuns: number },
): void {
  const whole = count(records);
  const cut = options.cut ?? fc.integer({ min: 0, max: records.length });
  fc.assert(
    fc.property(cut, cut, (i, j) => {
      for (const reversed of [false, true]) {
        const merged = mergedParts(records, i, j, count, reversed);
        expect(merged.toJSON()).toEqual(whole.toJSON());
        expect(judge(merged)).toEqual(judge(whole));
      }
    }),
    { numRuns: options.numRuns },
  );
}
