/**
 * "The first k seen" made mergeable: each kept item carries the SourceRef of the record that brought it, and a list
 * holds the k earliest of its items in input order (EvidenceOrder), like evidence. Two shards' lists merged keep
 * exactly what one pass over both keeps.
 */
import type { SourceRef } from '../core/types';
import type { EvidenceOrder } from './types';

/** A value with the reference of the record it was first seen in. */
export type Seen<T> = readonly [T, SourceRef];

/** The k earliest items of two lists that each hold their own k earliest, in `order` of their references. */
export function mergeEarliest<T>(a: readonly Seen<T>[], b: readonly Seen<T>[], k: number, order: EvidenceOrder): Seen<T>[] {
  const out: Seen<T>[] = [];
  let i = 0;
  let j = 0;
  while (out.length < k && (i < a.length || j < b.length)) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && order(x[1], y[1]) <= 0)) {
      out.push(x as Seen<T>);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

/** The earlier of two references (the first when equal). */
export function earlier(a: SourceRef, b: SourceRef, order: EvidenceOrder): SourceRef {
  return order(b, a) < 0 ? b : a;
}

/** A reference as JSON. */
export function refJSON(r: SourceRef): [string, number] {
  return [r.file, r.line];
}

/** A reference read back from JSON. */
export function refOf([file, line]: readonly [string, number]): SourceRef {
  return { file, line };
}

/**
 * Counts per key, each key with the reference of its first record, at most `cap` keys: the first seen (a key seen
 * after the map is full is not counted). Merging keeps the `cap` keys first seen earliest; below the cap that is
 * exactly one pass, at the cap a kept key may miss the counts of a shard that had no room for it.
 */
export class FirstSeenCounts {
  readonly counts = new Map<number, { n: number; ref: SourceRef }>();

  constructor(readonly cap: number) {}

  add(key: number, ref: SourceRef): void {
    const c = this.counts.get(key);
    if (c !== undefined) c.n++;
    else if (this.counts.size < this.cap) this.counts.set(key, { n: 1, ref });
  }

  merge(other: FirstSeenCounts, order: EvidenceOrder): void {
    const all = new Map<number, { n: number; ref: SourceRef }>();
    for (const [k, c] of this.counts) all.set(k, { n: c.n, ref: c.ref });
    for (const [k, c] of other.counts) {
      const mine = all.get(k);
      if (mine === undefined) all.set(k, { n: c.n, ref: c.ref });
      else {
        mine.n += c.n;
        mine.ref = earlier(mine.ref, c.ref, order);
      }
    }
    const kept = [...all].sort((x, y) => order(x[1].ref, y[1].ref) || x[0] - y[0]).slice(0, this.cap);
    this.counts.clear();
    for (const [k, c] of kept) this.counts.set(k, c);
  }

  /** [key, count, file, line] in first-seen order. */
  toJSON(): [number, number, string, number][] {
    return [...this.counts].map(([k, c]) => [k, c.n, c.ref.file, c.ref.line]);
  }

  static fromJSON(cap: number, j: readonly (readonly [number, number, string, number])[]): FirstSeenCounts {
    const out = new FirstSeenCounts(cap);
    for (const [k, n, file, line] of j) out.counts.set(k, { n, ref: { file, line } });
    return out;
  }

  /** Counts by key (first seen first). */
  entries(): Map<number, number> {
    return new Map([...this.counts].map(([k, c]) => [k, c.n]));
  }
}

/** Hashes a FirstSeenHashes looks through one by one before it builds an index. */
const LINEAR = 16;

/**
 * Distinct 32-bit hashes (unsigned) in first-seen order: a list of them as int32 searched one by one while short,
 * then through an open-addressing index (linear probing on the hash's low bits: the hashes are mixed already).
 * Adding a hash seen before allocates nothing and boxes no number, where a Set of hashes above 2^30 boxes each one it
 * is asked about. Memory: up to LINEAR hashes a plain array with room for 2, 4, 8 or 16 (a typed array costs about
 * 180 bytes before its first element, a plain array grown by push has room for 17 after the first); past that the
 * list and the index are Int32Arrays (4 bytes a hash and a slot, where a plain array takes 8), the list doubling,
 * the index a power of two at four times the list's size. Callers bound the size.
 */
export class FirstSeenHashes {
  /** The hashes as int32, first seen first: the first `n` of `list` (a plain array up to LINEAR, then typed). */
  private list: number[] | Int32Array = new Array<number>(2);
  private n = 0;
  /** Past LINEAR hashes: 1 + a hash's position in `list`, 0 for an empty slot; a power of two, over twice the size. */
  private index: Int32Array | null = null;

  get size(): number {
    return this.n;
  }

  /** The slot of `x` (an int32) in the index: where it is, or the empty slot where it goes. */
  private slot(index: Int32Array, x: number): number {
    const mask = index.length - 1;
    const list = this.list;
    for (let i = x & mask; ; i = (i + 1) & mask) {
      const at = index[i] ?? 0;
      if (at === 0 || list[at - 1] === x) return i;
    }
  }

  has(h: number): boolean {
    const x = h | 0;
    const index = this.index;
    if (index !== null) return index[this.slot(index, x)] !== 0;
    const list = this.list;
    for (let k = 0; k < this.n; k++) if (list[k] === x) return true;
    return false;
  }

  add(h: number): void {
    const x = h | 0;
    const index = this.index;
    if (index === null) {
      const list = this.list;
      for (let k = 0; k < this.n; k++) if (list[k] === x) return;
      this.push(x);
      if (this.n > LINEAR) this.reindex();
      return;
    }
    const i = this.slot(index, x);
    if (index[i] !== 0) return;
    this.push(x);
    if (this.n * 2 > index.length) this.reindex();
    else index[i] = this.n;
  }

  /** Appends to the list (twice the room when full; an Int32Array from LINEAR + 1 hashes). */
  private push(x: number): void {
    const list = this.list;
    if (this.n === list.length) {
      const grown = list.length < LINEAR ? new Array<number>(list.length * 2) : new Int32Array(list.length * 2);
      for (let k = 0; k < this.n; k++) grown[k] = list[k] ?? 0;
      this.list = grown;
    }
    this.list[this.n++] = x;
  }

  /** Builds the index at four times the size. */
  private reindex(): void {
    let n = 8;
    while (n < this.n * 4) n *= 2;
    const index = new Int32Array(n);
    for (let k = 0; k < this.n; k++) index[this.slot(index, this.list[k] ?? 0)] = k + 1;
    this.index = index;
  }

  /** The hashes (unsigned) in first-seen order. */
  values(): number[] {
    const out = new Array<number>(this.n);
    for (let k = 0; k < this.n; k++) out[k] = (this.list[k] ?? 0) >>> 0;
    return out;
  }

  clone(): FirstSeenHashes {
    return FirstSeenHashes.of(this.values());
  }

  static of(hashes: readonly number[]): FirstSeenHashes {
    const out = new FirstSeenHashes();
    for (const h of hashes) out.add(h);
    return out;
  }
}
