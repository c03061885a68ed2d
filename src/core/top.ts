import { detach, longKey } from './text';
import { CappedMap, type CapStats } from './capped';

/**
 * A TopCounter's count of one key: a mutable cell, so an existing key costs one map lookup, not a get and a set. A
 * cached entry that stands for the key (enrich's path entry, agent entry, client facts: a TopSlot) may keep the cell
 * and count into it with no lookup at all while it is live: `owner` is the counter while its map holds the cell, and
 * null from the moment the cap evicts it (an evicted key that comes back gets a new cell).
 */
export interface TopCell {
  n: number;
  owner: TopCounter | null;
  /** The key the counter holds the cell under (its own copy). */
  readonly key: string;
}

/** Where a cached entry keeps a TopCounter's cell of its key (see TopCounter.addAt). */
export interface TopSlot {
  top: TopCell | null;
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
  private readonly counts: CappedMap<TopCell>;
  /** Counts merged in from pruned partial counters (worker threads). */
  private mergedError = 0;

  /**
   * `copyKeys` false: the caller passes standalone strings (an EnrichedRecord's shared copies, never slices of an
   * input line), kept as they are.
   */
  constructor(capacity = 100_000, private readonly copyKeys = true, maxKeyChars = Number.POSITIVE_INFINITY) {
    // An evicted cell is no longer this counter's: a slot that kept it falls back to the map.
    this.counts = new CappedMap<TopCell>({ cap: capacity, weight: (c) => c.n, maxKeyChars, onEvict: (_k, c) => {
      c.owner = null;
    } });
  }

  /** The last key added and its cell: consecutive records often share a host, backend or agent. */
  private lastKey: string | null = null;
  private lastCell: TopCell | null = null;

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
    const own = this.copyKeys ? detach(key) : key;
    c = { n, owner: this, key: own };
    // A full map is pruned before the new cell goes in: the new cell is live, a cached one may not be.
    this.counts.add(own, c);
    this.lastKey = key;
    this.lastCell = c;
    return true;
  }

  /**
   * add(key, n) for a key whose cached entry `slot` keeps the counter's cell of it: while that cell is this counter's
   * live cell of `key`, it is counted into directly (no lookup, no hashing); otherwise add() counts the key and the
   * slot keeps its cell. The counts, evictions and bounds are exactly add()'s: a live cell is the one the map holds
   * for the key, and the map sees the same inserts in the same order. True when the key was not held.
   */
  addAt(slot: TopSlot, key: string, n = 1): boolean {
    const c = slot.top;
    if (c !== null && c.owner === this && c.key === key) {
      c.n += n;
      return false;
    }
    const added = this.add(key, n);
    slot.top = this.lastCell;
    return added;
  }

  /**
   * Adds `n` to `cell` when it is this counter's live cell (the caller vouches for its key), and says whether it did;
   * when not, the caller add()s the key and may keep `lastAdded` for next time.
   */
  addToCell(cell: TopCell | null, n = 1): boolean {
    if (cell === null || cell.owner !== this) return false;
    cell.n += n;
    return true;
  }

  /** The cell of the key add() counted last (live until the next add() of a new key). */
  get lastAdded(): TopCell | null {
    return this.lastCell;
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
    // The keys sorted by the built-in comparison (UTF-16 code units, as `<`), then paired with their counts: about twice
    // as fast as sorting the pairs with a comparator (a task's state in a sharded run writes 100,000-key tables).
    const entries = [...this.counts.keys()].sort().map((k): [string, number] => [k, (this.counts.get(k) as TopCell).n]);
    return { entries, maxError: this.maxError, evicted: st.evicted, evictedWeight: st.evictedWeight, prunes: st.prunes, maxCut: st.maxCut };
  }

  /** A counter (with this capacity and key handling) holding what `toJSON` wrote. */
  static fromJSON(j: TopCounterJson, capacity = 100_000, copyKeys = true, maxKeyChars = Number.POSITIVE_INFINITY): TopCounter {
    const t = new TopCounter(capacity, copyKeys, maxKeyChars);
    t.merge({ entries: j.entries, maxError: j.maxError, stats: { inserted: 0, evicted: j.evicted, evictedWeight: j.evictedWeight, maxError: 0, prunes: j.prunes, maxCut: j.maxCut } });
    return t;
  }

  /**
   * The snapshot of a counter made by `fromJSON(j, capacity, copyKeys, maxKeyChars)` and passed through `hops` - 1
   * more fresh counters like it (merge of the previous one's snapshot): read from the JSON directly when the entries
   * fit the cap (no counter on the way prunes: each holds the same entries in the same order, undercount bound and
   * cap statistics), else built that way.
   */
  static snapshotOfJSON(j: TopCounterJson, capacity = 100_000, copyKeys = true, maxKeyChars = Number.POSITIVE_INFINITY, hops = 1): TopSnapshot {
    let fits = j.entries.length <= capacity;
    if (fits && maxKeyChars !== Number.POSITIVE_INFINITY) {
      let chars = 0;
      for (const [k] of j.entries) chars += longKey(k).length;
      fits = chars <= maxKeyChars;
    }
    if (fits) {
      // A counter's map holds a key once: keys that are equal after longKey would share a cell (never in toJSON's output,
      // whose keys are the map's).
      return { entries: j.entries, maxError: j.maxError, stats: { inserted: j.entries.length, evicted: j.evicted, evictedWeight: j.evictedWeight, maxError: 0, prunes: j.prunes, maxCut: j.maxCut } };
    }
    let t = TopCounter.fromJSON(j, capacity, copyKeys, maxKeyChars);
    for (let i = 1; i < hops; i++) {
      const next = new TopCounter(capacity, copyKeys, maxKeyChars);
      next.merge(t.snapshot());
      t = next;
    }
    return t.snapshot();
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
