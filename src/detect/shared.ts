/** Helpers shared by detectors: networks of an address, evidence lists, runs of consecutive buckets, formatting. */
import type { SourceRef } from '../core/types';

/** Keeps the first `limit` source references (earliest seen). */
export function pushEvidence(list: SourceRef[], ref: SourceRef, limit: number): void {
  if (list.length < limit) list.push(ref);
}

/** Sorts evidence by file then line. */
export function sortEvidence(list: readonly SourceRef[]): SourceRef[] {
  return [...list].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

/** Number formatting lives in core (one set for detectors and reporters); re-exported for the detectors. */
export { fmt } from '../core/format';

/** Rounds to 2 decimals (metrics stay short in JSON). */
export function r2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Keeps at most `cap` entries in an insertion-ordered map by deleting the oldest. */
export function capMap<K, V>(m: Map<K, V>, cap: number): void {
  if (m.size <= cap) return;
  let excess = m.size - cap;
  for (const k of m.keys()) {
    if (excess-- <= 0) break;
    m.delete(k);
  }
}
