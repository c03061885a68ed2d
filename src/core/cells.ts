/**
 * A capped, columnar table of counter cells keyed by string: the per-window state of a keyed series (one minute of
 * requests per address, per network, per ASN). Each cell is a slot: its counters live in typed arrays (one per
 * column), its few references (first addresses, agents) in plain arrays, its evidence in one flat array, `k` per slot.
 * Counting a request into an existing cell allocates nothing; a new cell allocates nothing either until a column
 * must grow (doubling). A table is reset and reused when its window is judged (see CellPool).
 *
 * The cap policy is CappedMap's (core/capped.ts), on column 0 as the weight: a full table evicts its lightest cells
 * (ties: the oldest inserted first) down to `keep` × the cap; the evicted cells' weights are kept as a histogram
 * (weight → cells) for statistics over all cells (a peer median), and counted (CapStats). Slots keep insertion order
 * (eviction compacts them in place), so iterating a table is iterating in first-seen order, as a Map would.
 */
import type { SourceRef } from './types';
import { noCapStats, type CapStats } from './capped';
import { hash32 } from './hll';

/** Shape of a table: integer columns (column 0 is the weight), reference columns, evidence kept per cell. */
export interface CellShape {
  readonly ints: number;
  readonly refs: number;
  readonly evidence: number;
  /** Cells kept at most. */
  readonly cap: number;
  /** Fraction of the cap kept after a pruning (default 0.5). */
  readonly keep?: number;
}

export class CellTable {
  /**
   * The index: an open-addressing table of slot + 1 (0: empty) by hash32 of the key, linear probing, at most half
   * full. A caller that has the key's hash already (an address's, on its facts) passes it: a lookup hashes nothing,
   * and neither inserting nor resetting allocates (a Map index was cleared and grown again every minute).
   */
  private idx = new Int32Array(128);
  /** hash32 of each slot's key (signed), to probe without comparing strings and to rebuild the index. */
  private hashes: Int32Array;
  /** Slot → key, in insertion order. */
  readonly keys: string[] = [];
  /** Integer columns; `ints[0][slot]` is the cell's weight (its requests). */
  readonly ints: Int32Array[];
  /** Reference columns (null when unset). */
  readonly refs: unknown[][];
  /** Evidence, `shape.evidence` per slot, and how many each slot holds. */
  private ev: (SourceRef | undefined)[] = [];
  private evN: Uint8Array;
  private capacity = 64;
  /** Weights of evicted cells: weight → cells (null until the first pruning). */
  evicted: Map<number, number> | null = null;
  readonly stats: CapStats = noCapStats();

  constructor(readonly shape: CellShape) {
    this.ints = Array.from({ length: shape.ints }, () => new Int32Array(this.capacity));
    this.refs = Array.from({ length: shape.refs }, () => []);
    this.evN = new Uint8Array(this.capacity);
    this.hashes = new Int32Array(this.capacity);
  }

  get size(): number {
    return this.keys.length;
  }

  /** The slot of `key`, or -1; `hash`: hash32(key), when the caller has it. */
  find(key: string, hash: number = hash32(key)): number {
    const idx = this.idx;
    const mask = idx.length - 1;
    const h = hash | 0;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const at = idx[i] ?? 0;
      if (at === 0) return -1;
      if (this.hashes[at - 1] === h && this.keys[at - 1] === key) return at - 1;
    }
  }

  /** Indexes slot `s` (its hash set), the index grown first when it would be more than half full. */
  private index(s: number, h: number): void {
    if ((this.keys.length + 1) * 2 > this.idx.length) this.reindex(this.idx.length * 2);
    const idx = this.idx;
    const mask = idx.length - 1;
    let i = h & mask;
    while ((idx[i] ?? 0) !== 0) i = (i + 1) & mask;
    idx[i] = s + 1;
    this.hashes[s] = h;
  }

  /** Rebuilds the index of the slots held (after a pruning moved them, or to grow it to `size`). */
  private reindex(size: number): void {
    if (size !== this.idx.length) this.idx = new Int32Array(size);
    else this.idx.fill(0);
    const idx = this.idx;
    const mask = size - 1;
    for (let s = 0; s < this.keys.length; s++) {
      let i = (this.hashes[s] ?? 0) & mask;
      while ((idx[i] ?? 0) !== 0) i = (i + 1) & mask;
      idx[i] = s + 1;
    }
  }

  /**
   * The key and slot of the last slot() (a client's requests often come one after another): reset with the table,
   * and by a pruning, which moves slots.
   */
  private lastKey: string | null = null;
  private lastSlot = -1;

  /**
   * The slot of `key`, added (its counters zero) when absent; a full table is pruned first. `hash`: hash32(key),
   * when the caller has it.
   */
  slot(key: string, hash?: number): number {
    if (key === this.lastKey) return this.lastSlot;
    const h = (hash ?? hash32(key)) | 0;
    let s = this.find(key, h);
    if (s < 0) {
      if (this.keys.length >= this.shape.cap) this.prune();
      s = this.keys.length;
      if (s >= this.capacity) this.grow();
      this.index(s, h);
      this.keys.push(key);
      for (const col of this.ints) col[s] = 0;
      for (const col of this.refs) col[s] = null;
      this.evN[s] = 0;
      this.stats.inserted++;
    }
    this.lastKey = key;
    this.lastSlot = s;
    return s;
  }

  /**
   * The slot of `key` given where it was (`hint`, a slot the caller remembered, -1 for none): the hint when that slot
   * still holds `key` (keys are distinct within a table, so it is the key's slot), else slot(key). Saves the lookup
   * for a cell reached through another one (an address's /24 in the same minute).
   */
  slotHint(hint: number, key: string, hash?: number): number {
    if (hint >= 0 && hint < this.keys.length && this.keys[hint] === key) return hint;
    return this.slot(key, hash);
  }

  /** Adds a source reference to a slot's evidence while it holds fewer than `shape.evidence` (the first kept). */
  addEvidence(s: number, ref: SourceRef): void {
    const k = this.shape.evidence;
    const n = this.evN[s] ?? 0;
    if (n < k) {
      this.ev[s * k + n] = ref;
      this.evN[s] = n + 1;
    }
  }

  /**
   * Adds a source reference to a slot's evidence keeping the `shape.evidence` earliest in `order` (the merged
   * evidence order of a run whose inputs are read interleaved). A reference of the same input as the last kept and a
   * later line is decided without calling `order` (an order sorts lines within one input), so reading one input in
   * line order costs one comparison of strings per full slot.
   */
  addEvidenceBy(s: number, ref: SourceRef, order: (a: SourceRef, b: SourceRef) => number): void {
    const k = this.shape.evidence;
    const n = this.evN[s] ?? 0;
    const base = s * k;
    const last = n > 0 ? this.ev[base + n - 1] : undefined;
    if (last === undefined || (last.file === ref.file ? last.line <= ref.line : order(last, ref) <= 0)) {
      if (n < k) {
        this.ev[base + n] = ref;
        this.evN[s] = n + 1;
      }
      return;
    }
    // Earlier than the last kept: insert in place, dropping the last when the slot is full.
    let i = n < k ? n : k - 1;
    while (i > 0) {
      const prev = this.ev[base + i - 1] as SourceRef;
      if (order(prev, ref) <= 0) break;
      this.ev[base + i] = prev;
      i--;
    }
    this.ev[base + i] = ref;
    if (n < k) this.evN[s] = n + 1;
  }

  /** Replaces a slot's evidence (at most `shape.evidence` references kept). */
  setEvidence(s: number, refs: readonly SourceRef[]): void {
    const k = this.shape.evidence;
    const n = Math.min(k, refs.length);
    for (let i = 0; i < n; i++) this.ev[s * k + i] = refs[i];
    this.evN[s] = n;
  }

  /** A slot's evidence, first kept first. */
  evidence(s: number): SourceRef[] {
    const k = this.shape.evidence;
    const out: SourceRef[] = [];
    for (let i = 0; i < (this.evN[s] ?? 0); i++) {
      const e = this.ev[s * k + i];
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  /**
   * Empties the table for reuse. Its columns keep their capacity (a minute's table is refilled to about the same size
   * the next minute): the reference columns and the evidence are cleared in place, not truncated, which would free
   * them to be grown again.
   */
  reset(): void {
    const n = this.keys.length;
    this.idx.fill(0);
    this.keys.length = 0;
    for (const col of this.refs) col.fill(null, 0, Math.min(n, col.length));
    this.ev.fill(undefined, 0, Math.min(n * this.shape.evidence, this.ev.length));
    this.lastKey = null;
    this.lastSlot = -1;
    this.evicted = null;
    Object.assign(this.stats, noCapStats());
  }

  private grow(): void {
    const cap = this.capacity * 2;
    for (let c = 0; c < this.ints.length; c++) {
      const next = new Int32Array(cap);
      next.set(this.ints[c] as Int32Array);
      this.ints[c] = next;
    }
    const evN = new Uint8Array(cap);
    evN.set(this.evN);
    this.evN = evN;
    const hashes = new Int32Array(cap);
    hashes.set(this.hashes);
    this.hashes = hashes;
    this.capacity = cap;
  }

  /** Evicts the lightest cells (ties: oldest first) down to keep × cap, compacting slots in order. */
  private prune(): void {
    const n = this.keys.length;
    if (n === 0) return;
    const w = this.ints[0] as Int32Array;
    const order = new Uint32Array(n);
    for (let j = 0; j < n; j++) order[j] = j;
    order.sort((a, b) => (w[a] ?? 0) - (w[b] ?? 0) || a - b);
    const target = Math.min(n - 1, Math.floor(this.shape.cap * (this.shape.keep ?? 0.5)));
    const evict = new Uint8Array(n);
    let cut = 0;
    for (let j = 0; j < n - target; j++) {
      const at = order[j] ?? 0;
      evict[at] = 1;
      cut = w[at] ?? 0;
    }
    // The histogram fills in slot order (first inserted first), as a Map's eviction callback would see them.
    const hist = (this.evicted ??= new Map());
    for (let at = 0; at < n; at++) {
      if (evict[at] !== 1) continue;
      const weight = w[at] ?? 0;
      hist.set(weight, (hist.get(weight) ?? 0) + 1);
      this.stats.evicted++;
      this.stats.evictedWeight += weight;
    }
    const k = this.shape.evidence;
    let to = 0;
    this.lastKey = null;
    this.lastSlot = -1;
    for (let from = 0; from < n; from++) {
      if (evict[from] === 1) continue;
      if (to !== from) {
        this.keys[to] = this.keys[from] as string;
        for (const col of this.ints) col[to] = col[from] ?? 0;
        for (const col of this.refs) col[to] = col[from];
        const en = this.evN[from] ?? 0;
        for (let i = 0; i < en; i++) this.ev[to * k + i] = this.ev[from * k + i];
        this.evN[to] = en;
        this.hashes[to] = this.hashes[from] ?? 0;
      }
      to++;
    }
    this.keys.length = to;
    this.reindex(this.idx.length);
    for (const col of this.refs) col.length = to;
    this.ev.length = to * k;
    this.stats.maxError += cut;
    this.stats.maxCut = Math.max(this.stats.maxCut, cut);
    this.stats.prunes++;
  }
}

/** Tables of one shape, reused: `take()` a reset table, `give()` it back when its window is judged. */
export class CellPool {
  private readonly free: CellTable[] = [];
  constructor(private readonly shape: CellShape) {}

  take(): CellTable {
    return this.free.pop() ?? new CellTable(this.shape);
  }

  give(t: CellTable): void {
    t.reset();
    if (this.free.length < 64) this.free.push(t);
  }
}
