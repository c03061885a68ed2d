import { detach, longKey } from './text';

/** A mutable count cell, so an existing key costs one map lookup, not a get and a set. */
interface Cell {
  n: number;
}

/** A TopCounter as plain data. */
export interface TopSnapshot {
  readonly entries: readonly (readonly [string, number])[];
  readonly maxError: number;
}

/**
 * Bounded heavy-hitter counter. Exact while the number of distinct keys stays under `capacity`; beyond that it
 * prunes the least frequent keys (Misra–Gries style), so memory is bounded and every key with a share above
 * 1/capacity is still counted, with counts low by at most the pruned amount (reported as `maxError`).
 */
export class TopCounter {
  private readonly counts = new Map<string, Cell>();
  /** Upper bound of the undercount of any key, after pruning. */
  maxError = 0;

  /**
   * `copyKeys` false: the caller passes standalone strings (an EnrichedRecord's shared copies, never slices of an
   * input line), kept as they are.
   */
  constructor(private readonly capacity = 100_000, private readonly copyKeys = true) {}

  /** The last key added and its cell: consecutive records often share a host, backend or agent. */
  private lastKey: string | null = null;
  private lastCell: Cell | null = null;

  /** Adds `n` (default 1) to `value` (counted under its longKey: a value past LONG_KEY_CHARS is cut and hashed). */
  add(value: string, n = 1): void {
    const key = longKey(value);
    if (key === this.lastKey && this.lastCell !== null) {
      this.lastCell.n += n;
      return;
    }
    let c = this.counts.get(key);
    if (c !== undefined) c.n += n;
    else {
      c = { n };
      this.counts.set(this.copyKeys ? detach(key) : key, c);
      if (this.counts.size > this.capacity) {
        this.prune();
        this.lastKey = null;
        this.lastCell = null;
        return;
      }
    }
    this.lastKey = key;
    this.lastCell = c;
  }

  /** Number of distinct keys currently held. */
  get size(): number {
    return this.counts.size;
  }

  /** True once pruning happened (counts are then lower bounds). */
  get approximate(): boolean {
    return this.maxError > 0;
  }

  /** Count for one value (0 when absent). */
  get(value: string): number {
    return this.counts.get(longKey(value))?.n ?? 0;
  }

  /** The top `n` keys by count, ties broken by key (deterministic). */
  top(n: number): [string, number][] {
    return topEntries(this.entries(), n);
  }

  /** All entries (unsorted). */
  *entries(): IterableIterator<[string, number]> {
    for (const [k, c] of this.counts) yield [k, c.n];
  }

  /** Plain-data form (for merging partial counts made in worker threads). */
  snapshot(): TopSnapshot {
    return { entries: [...this.entries()], maxError: this.maxError };
  }

  /** Adds another counter's counts. Exact while no pruning happens; otherwise within the summed maxError. */
  merge(s: TopSnapshot): void {
    for (const [k, n] of s.entries) this.add(k, n);
    this.maxError += s.maxError;
    this.lastKey = null;
    this.lastCell = null;
  }

  private prune(): void {
    const values = new Float64Array(this.counts.size);
    let i = 0;
    for (const c of this.counts.values()) values[i++] = c.n;
    values.sort();
    const cut = values[Math.floor(values.length / 2)] ?? 1;
    for (const [k, c] of this.counts) {
      if (c.n <= cut) this.counts.delete(k);
    }
    this.maxError += cut;
  }
}

/** The `n` largest entries by count, ties broken by key; linear-time pre-filter before sorting. */
export function topEntries(entries: Iterable<[string, number]>, n: number): [string, number][] {
  const all = [...entries];
  if (all.length > n * 4 && n > 0) {
    const counts = Float64Array.from(all, (e) => e[1]).sort();
    const threshold = counts[counts.length - n] ?? 0;
    const kept = all.filter((e) => e[1] >= threshold);
    return sortTop(kept).slice(0, n);
  }
  return sortTop(all).slice(0, n);
}

function sortTop(xs: [string, number][]): [string, number][] {
  return xs.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
