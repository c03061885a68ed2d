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
