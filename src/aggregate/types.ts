/**
 * Aggregates: the shared, mergeable state the analysis counts into, record by record, and its judges read.
 * An aggregate is filled by `add` (per record, allocating nothing that outlives the record in the common case),
 * combined with another of the same kind by `merge` (shards of a run: whole inputs or ranges of one input, merged
 * in input order), and written and read back by `toJSON` and its module's `fromJSON` (saved state). Counting into
 * two aggregates and merging them gives the state of counting everything into one: the property tests check it.
 *
 * Evidence (the log lines behind a finding) is the k earliest references in input order: within one input by line,
 * across inputs by the input's place in the run (`EvidenceOrder`), so merged shards keep exactly what one pass keeps.
 */
import type { SourceRef } from '../core/types';

/** Orders evidence references as one sequential pass meets them (input order, then line). */
export type EvidenceOrder = (a: SourceRef, b: SourceRef) => number;

/** Evidence order within one run whose inputs are `paths`, in the order the run reads them. */
export function evidenceOrder(paths: readonly string[]): EvidenceOrder {
  const rank = new Map<string, number>();
  paths.forEach((p, i) => {
    if (!rank.has(p)) rank.set(p, i);
  });
  // References of one input (most comparisons: a merge's sorts and evidence) compare by line alone.
  return (a, b) => (a.file === b.file ? a.line - b.line : (rank.get(a.file) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b.file) ?? Number.MAX_SAFE_INTEGER) || (a.file < b.file ? -1 : 1) || a.line - b.line);
}

/**
 * True when `values` come in `order` of their references (non-decreasing): a stable sort would leave them as they
 * are. A merge of parts in input order mostly finds its entries so (the later part's new keys come after the earlier
 * part's), and skips the sort and the rebuild of its map: n comparisons instead of n log n.
 */
export function inOrder<V>(values: Iterable<V>, ref: (v: V) => SourceRef, order: EvidenceOrder): boolean {
  let prev: SourceRef | null = null;
  for (const v of values) {
    const r = ref(v);
    if (prev !== null && order(prev, r) > 0) return false;
    prev = r;
  }
  return true;
}

/** The k earliest references of two lists that each hold their own k earliest (in `order`). */
export function mergeEvidence(a: readonly SourceRef[], b: readonly SourceRef[], k: number, order: EvidenceOrder): SourceRef[] {
  const out: SourceRef[] = [];
  let i = 0;
  let j = 0;
  while (out.length < k && (i < a.length || j < b.length)) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && order(x, y) <= 0)) {
      out.push(x as SourceRef);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

/** State that merges and persists (what a detector or profile counts into). */
export interface Mergeable<Self, Json> {
  /** Adds `other` (a shard counted over later input, or any other part of the run) into this. */
  merge(other: Self, order: EvidenceOrder): void;
  /** Plain JSON (numbers, strings, arrays, objects): `fromJSON` of it gives an equal aggregate. */
  toJSON(): Json;
}
