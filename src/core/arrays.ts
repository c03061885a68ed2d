/**
 * Helpers for arrays and iterables of any size. A spread in a call (`out.push(...items)`, `Math.max(...xs)`) passes
 * each element as an argument and throws RangeError past ~120,000 of them: a botnet log's sessions or clients are
 * exactly that many. These loop instead (test/core/arrays.test.ts scans src/ for the spread forms).
 */

/** Appends every item to `target` (in order) and returns it. */
export function appendAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const x of items) target.push(x);
  return target;
}

/** The largest value, or `empty` when there is none. */
export function maxOf(values: Iterable<number>, empty = Number.NEGATIVE_INFINITY): number {
  let m = empty;
  let any = false;
  for (const v of values) {
    if (!any || v > m) m = v;
    any = true;
  }
  return m;
}

/** The smallest value, or `empty` when there is none. */
export function minOf(values: Iterable<number>, empty = Number.POSITIVE_INFINITY): number {
  let m = empty;
  let any = false;
  for (const v of values) {
    if (!any || v < m) m = v;
    any = true;
  }
  return m;
}
