/**
 * Distinct 32-bit hashes in first-seen order, without an object of their own: the scanner state's distinct paths
 * per client (aggregate/client-probes.ts), one such list for each of tens of thousands of clients. Callers store
 * what addHash returns (a new value when the list grows). A plain array is never changed (shared freely); the packed
 * form is changed in place: copyHashes before adding to a list someone else keeps.
 * Memory: up to FEW_HASHES hashes a plain array of exactly their length (int32 values: small integers, never boxed);
 * past that one Int32Array holding the count, the hashes in first-seen order and the same hashes sorted (binary
 * search), its capacity doubling: 8 bytes a hash, where a first-seen list with a hash index at four times its size
 * (the FirstSeenHashes class this replaced) took 20 and a third and a fourth object per client. Callers bound the size.
 */

/** Hashes kept in a plain array before the packed form. */
const FEW_HASHES = 16;

/** No hashes, a plain array of int32 hashes, or the packed form: [count, first-seen (capacity), sorted (capacity)]. */
export type PathHashes = readonly number[] | Int32Array;

/** The empty list (frozen: shared). */
export const NO_HASHES: PathHashes = Object.freeze([]);

/** How many hashes are kept. */
export function hashCount(p: PathHashes): number {
  return Array.isArray(p) ? p.length : (p[0] ?? 0);
}

/** Where `x` is in the sorted half of packed `p` (its index), or where it goes (-1 - index). */
function search(p: Int32Array, x: number): number {
  const cap = (p.length - 1) >>> 1;
  let lo = 1 + cap;
  let hi = lo + (p[0] ?? 0) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = p[mid] ?? 0;
    if (v < x) lo = mid + 1;
    else if (v > x) hi = mid - 1;
    else return mid;
  }
  return -1 - lo;
}

/** Whether hash `h` is kept. */
export function hasHash(p: PathHashes, h: number): boolean {
  const x = h | 0;
  return Array.isArray(p) ? p.includes(x) : search(p as Int32Array, x) >= 0;
}

/** The list with hash `h` added (`p` itself when it was there already). */
export function addHash(p: PathHashes, h: number): PathHashes {
  const x = h | 0;
  if (Array.isArray(p)) {
    const list = p as readonly number[];
    if (list.includes(x)) return p;
    if (list.length < FEW_HASHES) return list.concat([x]);
    return addHash(pack(list, FEW_HASHES * 2), x);
  }
  let q = p as Int32Array;
  const at = search(q, x);
  if (at >= 0) return q;
  let n = q[0] ?? 0;
  let cap = (q.length - 1) >>> 1;
  let slot = -1 - at;
  if (n === cap) {
    const grown = new Int32Array(1 + cap * 4);
    grown.set(q.subarray(0, 1 + n), 0);
    grown.set(q.subarray(1 + cap, 1 + cap + n), 1 + cap * 2);
    slot += cap;
    cap *= 2;
    q = grown;
  }
  q.copyWithin(slot + 1, slot, 1 + cap + n);
  q[slot] = x;
  q[1 + n] = x;
  q[0] = ++n;
  return q;
}

/** Packed form of a plain list, with room for `cap` hashes. */
function pack(list: readonly number[], cap: number): Int32Array {
  const q = new Int32Array(1 + cap * 2);
  q[0] = list.length;
  for (let k = 0; k < list.length; k++) q[1 + k] = list[k] ?? 0;
  const sorted = q.subarray(1 + cap, 1 + cap + list.length);
  sorted.set(list);
  sorted.sort();
  return q;
}

/** The hashes (unsigned) in first-seen order. */
export function hashValues(p: PathHashes): number[] {
  const n = hashCount(p);
  const out = new Array<number>(n);
  for (let k = 0; k < n; k++) out[k] = ((Array.isArray(p) ? p[k] : p[1 + k]) ?? 0) >>> 0;
  return out;
}

/** A copy that adding to leaves `p` as it is. */
export function copyHashes(p: PathHashes): PathHashes {
  return Array.isArray(p) ? p : (p as Int32Array).slice();
}

/** A list of `hashes` (first seen first; repeats kept once). */
export function hashesOf(hashes: Iterable<number>): PathHashes {
  let p: PathHashes = NO_HASHES;
  for (const h of hashes) p = addHash(p, h);
  return p;
}
