import { detach, longKey } from './text';
import { CappedMap, type CapStats } from './capped';

/** A mutable count cell, so an existing key costs one map lookup, not a get and a set. */
interface Cell {
  n: number;
}

/** A TopCounter as plain data. */
export interface TopSnapshot {
  readonly entries: readonly (readonly [string, number])[];
  readonly maxError: number;
  readonly stats: CapStats;
}

/** A TopCounter as plain JSON: entries sorted by key, the undercount bound, and what the cap did. */
export interface TopCounterJson {
  readonly entries: readonly (readonly [string, number])[];
  readonly maxError: number;
  /** The cap's statistics but `inserted` (which depends on where a run was cut, not on what it counted). */
  readonly evicted: number;
  readonly evictedWeight: number;
  readonly prunes: number;
  readonly maxCut: number;
}

/**
 * Bounded heavy-hitter counter. Exact while the number of distinct keys stays under `capacity` (and their total
 * length under `maxKeyChars`); beyond that the least frequent keys are evicted (Misra–Gries style, see
 * core/capped.ts), so memory is bounded and every key counted more than `maxError` times is still counted, low by at
 * most `maxError`.
 */
export class TopCounter {
  private readonly counts: CappedMap<Cell>;
  /** Counts merged in from pruned partial counters (worker threads). */
  private mergedError = 0;

  /**
   * `copyKeys` false: the caller passes standalone strings (an EnrichedRecord's shared copies, never slices of an
   * input line), kept as they are.
   */
  constructor(capacity = 100_000, private readonly copyKeys = true, maxKeyChars = Number.POSITIVE_INFINITY) {
    this.counts = new CappedMap<Cell>({ cap: capacity, weight: (c) => c.n, maxKeyChars });
  }

  /** The last key added and its cell: consecutive records often share a host, backend or agent. */
  private lastKey: string | null = null;
  private lastCell: Cell | null = null;

  /**
   * Adds `n` (default 1) to `value` (counted under its longKey: a value past LONG_KEY_CHARS is cut and hashed); true
   * when the key was not held (new, or evicted earlier).
   */
  add(value: string, n = 1): boolean {
    const key = longKey(value);
    if (key === this.lastKey && this.lastCell !== null) {
      this.lastCell.n += n;
      return false;
    }
    let c = this.counts.get(key);
    if (c !== undefined) {
      c.n += n;
      this.lastKey = key;
      this.lastCell = c;
      return false;
    }
    c = { n };
    const before = this.counts.stats.prunes;
    this.counts.add(this.copyKeys ? detach(key) : key, c);
    // A pruning may have evicted the cached cell.
    if (this.counts.stats.prunes !== before) {
      this.lastKey = null;
      this.lastCell = null;
    } else {
      this.lastKey = key;
      this.lastCell = c;
    }
    return true;
  }

  /** Number of distinct keys currently held. */
  get size(): number {
    return this.counts.size;
  }

  /** Upper bound of the undercount of any key, after pruning. */
  get maxError(): number {
    return this.counts.stats.maxError + this.mergedError;
  }

  /** What the cap did (keys inserted and evicted, with their counts). */
  get stats(): CapStats {
    return this.counts.stats;
  }

  /** True once pruning happened (counts are then lower bounds). */
  get approximate(): boolean {
    return this.maxError > 0;
  }

  /** Count for one value (0 when absent). */
  get(value: string): number {
    return this.counts.get(longKey(value))?.n ?? 0;
  }

  /**
   * The top `n` keys by count, ties broken by key (deterministic): topEntries' result, read from the cells in place,
   * so that a large table (100,000 clients) does not become a pair per key first.
   */
  top(n: number): [string, number][] {
    const size = this.counts.size;
    if (size <= n * 4 || n <= 0) return topEntries(this.entries(), n);
    const counts = new Float64Array(size);
    let i = 0;
    this.counts.forEach((c) => {
      counts[i++] = c.n;
    });
    counts.sort();
    const threshold = counts[size - n] ?? 0;
    const above: [string, number][] = [];
    const ties: string[] = [];
    this.counts.forEach((c, k) => {
      if (c.n > threshold) above.push([k, c.n]);
      else if (c.n === threshold) ties.push(k);
    });
    for (const k of smallestStrings(ties, n - above.length)) above.push([k, threshold]);
    return sortTop(above).slice(0, n);
  }

  /** All entries (unsorted). */
  *entries(): IterableIterator<[string, number]> {
    for (const [k, c] of this.counts) yield [k, c.n];
  }

  /** Plain-data form (for merging partial counts made in worker threads). */
  snapshot(): TopSnapshot {
    return { entries: [...this.entries()], maxError: this.maxError, stats: { ...this.counts.stats } };
  }

  /** Plain JSON (entries sorted by key): deterministic, and the same for merged parts as for one pass below the cap. */
  toJSON(): TopCounterJson {
    const st = this.counts.stats;
    const entries = [...this.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return { entries, maxError: this.maxError, evicted: st.evicted, evictedWeight: st.evictedWeight, prunes: st.prunes, maxCut: st.maxCut };
  }

  /** A counter (with this capacity and key handling) holding what `toJSON` wrote. */
  static fromJSON(j: TopCounterJson, capacity = 100_000, copyKeys = true, maxKeyChars = Number.POSITIVE_INFINITY): TopCounter {
    const t = new TopCounter(capacity, copyKeys, maxKeyChars);
    t.merge({ entries: j.entries, maxError: j.maxError, stats: { inserted: 0, evicted: j.evicted, evictedWeight: j.evictedWeight, maxError: 0, prunes: j.prunes, maxCut: j.maxCut } });
    return t;
  }

  /** Adds another counter's counts. Exact while no pruning happens; otherwise within the summed maxError. */
  merge(s: TopSnapshot): void {
    for (const [k, n] of s.entries) this.add(k, n);
    this.mergedError += s.maxError;
    const st = this.counts.stats;
    // What the part evicted, the run evicted.
    st.evicted += s.stats.evicted;
    st.evictedWeight += s.stats.evictedWeight;
    st.prunes += s.stats.prunes;
    st.maxCut = Math.max(st.maxCut, s.stats.maxCut);
    this.lastKey = null;
    this.lastCell = null;
  }
}

/**
 * The `n` largest entries by count, ties broken by key. Linear-time pre-filter before sorting; when many keys tie at
 * the threshold (200,000 clients of one request each) only the smallest keys among the ties are sorted.
 */
export function topEntries(entries: Iterable<[string, number]>, n: number): [string, number][] {
  const all = [...entries];
  if (all.length > n * 4 && n > 0) {
    const counts = Float64Array.from(all, (e) => e[1]).sort();
    const threshold = counts[counts.length - n] ?? 0;
    const above = all.filter((e) => e[1] > threshold);
    const ties = smallestKeys(all.filter((e) => e[1] === threshold), n - above.length);
    for (const t of ties) above.push(t);
    return sortTop(above).slice(0, n);
  }
  return sortTop(all).slice(0, n);
}

/** The `k` entries with the smallest keys, in key order. */
function smallestKeys(xs: [string, number][], k: number): [string, number][] {
  if (xs.length <= 4 * k) return xs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, k);
  const best: [string, number][] = [];
  for (const x of xs) {
    const last = best[best.length - 1];
    if (best.length >= k && last !== undefined && x[0] >= last[0]) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((best[mid]?.[0] ?? '') < x[0]) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, x);
    if (best.length > k) best.pop();
  }
  return best;
}

/** The `k` smallest of distinct strings, ascending (smallestKeys over keys alone). */
function smallestStrings(xs: string[], k: number): string[] {
  if (xs.length <= 4 * k) return xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, k);
  const best: string[] = [];
  for (const x of xs) {
    const last = best[best.length - 1];
    if (best.length >= k && last !== undefined && x >= last) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((best[mid] ?? '') < x) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, x);
    if (best.length > k) best.pop();
  }
  return best;
}

function sortTop(xs: [string, number][]): [string, number][] {
  return xs.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
