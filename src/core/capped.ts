/**
 * Bounded state per key. Everything lbua keys by a value the input chooses (client address, network, path, agent,
 * route, session key) lives in a structure with an explicit cap, so memory is bounded whatever the input's
 * cardinality. One policy everywhere: keep the heavy hitters exactly, count the rest.
 *
 * A CappedMap holds at most `cap` entries (and, optionally, at most `maxKeyChars` characters of keys: a key the
 * input chooses can be 64 KB long). Each entry has a weight — its activity (requests, failures, a rate) — read only
 * when the map is full. Then the lightest entries are evicted down to `keep` × the cap (ties: the oldest inserted
 * first), counted (keys and summed weight), and handed to `onEvict` to be folded into an aggregate. An evicted key
 * that comes back starts again from nothing, so a kept entry's weight is low by at most `maxError`, the sum of the
 * largest weight evicted at each pruning (the Misra–Gries bound): every key whose true weight is above `maxError` is
 * in the map. Eviction depends only on the sequence of inserts and weights (never on timing or hashing), so the same
 * input gives the same state.
 */

/** How a capped map behaves. */
export interface CapOptions<V> {
  /** Entries kept at most. */
  readonly cap: number;
  /** An entry's activity (additive: requests, failures, ...); the lightest are evicted first. */
  readonly weight: (v: V) => number;
  /** Fraction of the cap (and of maxKeyChars) kept after a pruning (default 0.5: one pruning per cap/2 inserts). */
  readonly keep?: number;
  /** Total length of the keys kept at most (UTF-16 units; default: no limit). */
  readonly maxKeyChars?: number;
  /** Sees each evicted entry (to fold it into an aggregate). */
  readonly onEvict?: (key: string, v: V) => void;
  /**
   * Slots of a memo in front of the map (a power of two; default 0: none), for keys that come as the same string
   * object record after record (the enricher's interned endpoints and targets): see CappedMap.get.
   */
  readonly memo?: number;
}

/** What a capped structure did over the run (plain data, mergeable by adding). */
export interface CapStats {
  /** Keys inserted (an evicted key that comes back counts again). */
  inserted: number;
  /** Entries evicted. */
  evicted: number;
  /** Sum of the weights of the evicted entries. */
  evictedWeight: number;
  /** Sum over prunings of the largest weight evicted: the most a kept key's weight can be low by. */
  maxError: number;
  /** Prunings. */
  prunes: number;
  /** The largest weight an evicted entry had. */
  maxCut: number;
}

/** Empty statistics. */
export function noCapStats(): CapStats {
  return { inserted: 0, evicted: 0, evictedWeight: 0, maxError: 0, prunes: 0, maxCut: 0 };
}

/** Adds `b` into `a` (partial structures of worker threads). */
export function addCapStats(a: CapStats, b: CapStats): void {
  a.inserted += b.inserted;
  a.evicted += b.evicted;
  a.evictedWeight += b.evictedWeight;
  a.maxError += b.maxError;
  a.prunes += b.prunes;
  a.maxCut = Math.max(a.maxCut, b.maxCut);
}

/** A string-keyed map with a cap; see the file comment for the policy. */
export class CappedMap<V> {
  private readonly map = new Map<string, V>();
  private chars = 0;
  readonly stats: CapStats = noCapStats();
  // keep and maxKeyChars are read from the options when needed, not copied here: a fraction and Infinity would each
  // be a boxed number per map, and some maps exist once per client (api-abuse's routes of a client).

  /**
   * The memo: the last key object found in each slot (see memoSlot) and its entry. A key
   * the map holds as another string object (it keeps a standalone copy) costs the map a comparison of characters on
   * every lookup; the memo's hit is one comparison of references. Emptied whenever an entry is replaced or removed,
   * so it only ever holds entries of the map. Memory: `memo` of the callers' key objects (a key sliced from a line
   * would keep that line while in the memo: meant for the enricher's standalone strings).
   */
  private readonly memoKeys: (string | null)[] | null;
  private readonly memoVals: (V | null)[] | null;
  private readonly memoMask: number;

  constructor(private readonly options: CapOptions<V>) {
    const slots = options.memo ?? 0;
    this.memoMask = slots - 1;
    this.memoKeys = slots > 0 ? new Array<string | null>(slots).fill(null) : null;
    this.memoVals = slots > 0 ? new Array<V | null>(slots).fill(null) : null;
  }

  /** The entry of `key`, if kept. */
  get(key: string): V | undefined {
    const mk = this.memoKeys;
    if (mk === null) return this.map.get(key);
    const i = memoSlot(key) & this.memoMask;
    if (mk[i] === key) return (this.memoVals as V[])[i];
    const v = this.map.get(key);
    if (v !== undefined) {
      mk[i] = key;
      (this.memoVals as (V | null)[])[i] = v;
    }
    return v;
  }

  private clearMemo(): void {
    if (this.memoKeys === null) return;
    this.memoKeys.fill(null);
    (this.memoVals as (V | null)[]).fill(null);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /**
   * Adds an entry for a key that is not in the map. A full map is pruned first, so the new entry (whose weight the
   * caller has usually not counted yet) is never the one evicted.
   */
  add(key: string, v: V): void {
    const o = this.options;
    if (this.map.size >= o.cap || (o.maxKeyChars !== undefined && this.chars + key.length > o.maxKeyChars)) this.prune(key.length);
    this.map.set(key, v);
    this.chars += key.length;
    this.stats.inserted++;
  }

  /** Sets the entry of `key`: replaces a kept one, else adds it (see add). */
  set(key: string, v: V): void {
    if (this.map.has(key)) {
      this.map.set(key, v);
      this.clearMemo();
    } else this.add(key, v);
  }

  /** Removes an entry (not counted as an eviction). */
  delete(key: string): boolean {
    if (!this.map.delete(key)) return false;
    this.clearMemo();
    this.chars -= key.length;
    return true;
  }

  get size(): number {
    return this.map.size;
  }

  /** True once an entry was evicted. */
  get pruned(): boolean {
    return this.stats.evicted > 0;
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  /** Calls `f` on every entry, in insertion order (no [key, value] pair per entry, as iterating makes). */
  forEach(f: (v: V, key: string) => void): void {
    this.map.forEach(f);
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  /** Evicts the lightest entries (ties: oldest first) down to keep × cap entries and keep × maxKeyChars characters. */
  private prune(incomingChars: number): void {
    const n = this.map.size;
    if (n === 0) return;
    const weights = new Float64Array(n);
    const lengths = new Uint32Array(n);
    let i = 0;
    for (const [k, v] of this.map) {
      weights[i] = this.options.weight(v);
      lengths[i++] = k.length;
    }
    const order = new Uint32Array(n);
    for (let j = 0; j < n; j++) order[j] = j;
    order.sort((a, b) => (weights[a] ?? 0) - (weights[b] ?? 0) || a - b);
    const keep = this.options.keep ?? 0.5;
    const maxChars = this.options.maxKeyChars ?? Number.POSITIVE_INFINITY;
    const targetSize = Math.min(n - 1, Math.floor(this.options.cap * keep));
    const targetChars = maxChars === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : Math.floor(maxChars * keep) - incomingChars;
    const evict = new Uint8Array(n);
    let size = n;
    let chars = this.chars;
    let cut = 0;
    for (let j = 0; j < n && (size > targetSize || chars > targetChars); j++) {
      const at = order[j] ?? 0;
      evict[at] = 1;
      size--;
      chars -= lengths[at] ?? 0;
      cut = weights[at] ?? 0;
    }
    i = 0;
    this.clearMemo();
    const onEvict = this.options.onEvict;
    for (const [k, v] of this.map) {
      if (evict[i] === 1) {
        this.map.delete(k);
        this.stats.evicted++;
        this.stats.evictedWeight += weights[i] ?? 0;
        onEvict?.(k, v);
      }
      i++;
    }
    this.chars = chars;
    this.stats.maxError += cut;
    this.stats.maxCut = Math.max(this.stats.maxCut, cut);
    this.stats.prunes++;
  }
}

/**
 * A key's memo slot (before the mask): its length and two of its characters, the last and the middle one, which
 * tell apart keys of one length (countries, ASNs, targets that differ in one digit).
 */
function memoSlot(key: string): number {
  const n = key.length;
  return n === 0 ? 0 : n + key.charCodeAt(n - 1) * 3 + key.charCodeAt(n >> 1) * 17;
}

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** 1234567 → "1,234,567" (fractional weights keep two decimals). */
export function count(n: number): string {
  return COUNT.format(n);
}

/** "1 request", "2 requests", "1,234 requests". */
export function requests(n: number): string {
  return `${count(n)} ${n === 1 ? 'request' : 'requests'}`;
}

/**
 * The CAP_REACHED message of a structure whose cap was reached: what was capped, what was evicted and what it means
 * for the numbers, e.g. "burst: per-address baselines capped at 200,000 addresses; 812,000 evicted (each at most
 * 1 request/min when evicted); ...". Null when nothing was evicted.
 */
export function capMessage(structure: string, cap: string, stats: CapStats, weight: string, meaning: string): string | null {
  if (stats.evicted === 0) return null;
  return `${structure}: capped at ${cap}; ${count(stats.evicted)} evicted (the lightest, each with at most ${count(stats.maxCut)} ${weight} when evicted); ${meaning}`;
}

/**
 * The run's capped structures: each registers how to say what its cap did, read once when the run ends (the run's
 * CAP_REACHED notes, one per structure whose cap was reached).
 */
export class CapLog {
  private readonly sources: (() => string | null)[] = [];

  /** Registers a structure: `note` returns its CAP_REACHED message, or null while its cap was never reached. */
  watch(note: () => string | null): void {
    this.sources.push(note);
  }

  /** The messages of the structures whose cap was reached. */
  notes(): string[] {
    const out: string[] = [];
    for (const note of this.sources) {
      const m = note();
      if (m !== null) out.push(m);
    }
    return out;
  }
}
