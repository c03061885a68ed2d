/**
 * HyperLogLog distinct counter (Flajolet et al. 2007) with 2^p one-byte registers (default p = 10: 1 KB, standard
 * error 1.04/sqrt(1024) ≈ 3.3%; p = 14: 16 KB, ≈ 0.8%), exact-ish small-range correction (linear counting).
 * Sparse while few registers are set (see SPARSE_MAX). Mergeable (same p) and serializable.
 */

const P = 10;

/** 32-bit FNV-1a over UTF-16 code units, with a final avalanche (murmur3 fmix32). */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Registers a sketch keeps as a list before it allocates all 2^p of them (at most a quarter of them). Most keys
 * (an endpoint, a minute, an ASN) see a few clients: 64 small numbers instead of 1 KB.
 */
const SPARSE_MAX = 64;

/**
 * A HyperLogLog sketch. Until more than SPARSE_MAX registers are set it keeps only those, as a list, and allocates
 * all 2^p of them when the list grows past that: the estimate, merges and the serialized form are the same either
 * way (count() sums 2^-rank over the registers, an exact sum in any order: every term is a multiple of 2^-(33-p)).
 */
export class HyperLogLog {
  /** All registers (null while sparse). */
  private dense: Uint8Array | null;
  /** While sparse: one entry per register set, index * 64 + rank. */
  private sparse: number[] | null;
  private readonly p: number;

  /** `registers`: 2^p of them (a sketch read back), else `p` gives the size of an empty one. */
  constructor(registers?: Uint8Array, p = P) {
    this.dense = registers ?? null;
    this.sparse = registers === undefined ? [] : null;
    this.p = registers === undefined ? p : Math.round(Math.log2(registers.length));
  }

  /** All 2^p registers (a sketch still sparse allocates them now). */
  get registers(): Uint8Array {
    return this.promote();
  }

  /** Number of registers. */
  private size(): number {
    return this.dense === null ? 1 << this.p : this.dense.length;
  }

  private promote(): Uint8Array {
    if (this.dense !== null) return this.dense;
    const d = this.materialize();
    this.dense = d;
    this.sparse = null;
    return d;
  }

  /** The registers as a new array (the sketch unchanged). */
  private materialize(): Uint8Array {
    if (this.dense !== null) return this.dense.slice();
    const d = new Uint8Array(1 << this.p);
    for (const e of this.sparse ?? []) d[e >>> 6] = e & 63;
    return d;
  }

  /** Raises register `idx` to `rank`. */
  private raise(idx: number, rank: number): void {
    const dense = this.dense;
    if (dense !== null) {
      if (rank > (dense[idx] ?? 0)) dense[idx] = rank;
      return;
    }
    const sparse = this.sparse ?? [];
    for (let i = 0; i < sparse.length; i++) {
      const e = sparse[i] ?? 0;
      if (e >>> 6 !== idx) continue;
      if (rank > (e & 63)) sparse[i] = idx * 64 + rank;
      return;
    }
    sparse.push(idx * 64 + rank);
    if (sparse.length > Math.min(SPARSE_MAX, (1 << this.p) >>> 2)) this.promote();
  }

  /** Adds a value. */
  add(value: string): void {
    this.addHash(hash32(value));
  }

  /** Adds a value by its hash32 (computed once per distinct value by whoever holds it). */
  addHash(h: number): void {
    const p = this.p;
    const idx = h >>> (32 - p);
    const rest = (h << p) | (1 << (p - 1));
    this.raise(idx, Math.clz32(rest) + 1);
  }

  /** Estimated number of distinct values. */
  count(): number {
    const M = this.size();
    let sum = 0;
    let zeros = 0;
    const dense = this.dense;
    if (dense === null) {
      // The registers not in the list are 0: each adds 2^0 to the sum.
      const sparse = this.sparse ?? [];
      zeros = M - sparse.length;
      sum = zeros;
      for (const e of sparse) sum += 2 ** -(e & 63);
    } else {
      for (let i = 0; i < M; i++) {
        const r = dense[i] ?? 0;
        sum += 2 ** -r;
        if (r === 0) zeros++;
      }
    }
    const alpha = 0.7213 / (1 + 1.079 / M);
    const est = (alpha * M * M) / sum;
    if (est <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
    return Math.round(est);
  }

  /** Takes the register-wise maximum of another sketch. */
  merge(other: HyperLogLog): void {
    const M = this.size();
    if (other.size() !== M) throw new Error(`HyperLogLog: cannot merge ${other.size()} registers into ${M}`);
    if (other.dense === null) {
      for (const e of other.sparse ?? []) this.raise(e >>> 6, e & 63);
      return;
    }
    const mine = this.promote();
    const theirs = other.dense;
    for (let i = 0; i < M; i++) {
      const o = theirs[i] ?? 0;
      if (o > (mine[i] ?? 0)) mine[i] = o;
    }
  }

  /**
   * The registers as text, a function of their values alone (the same sparse or dense): while fewer than an eighth
   * of them are set, `s<p>:` and the base64 of the set ones (index as two bytes, rank as one, by index); else the
   * base64 of all 2^p of them. An empty sketch is `s<p>:` (a task's hand-over holds thousands of small sketches).
   */
  toJSON(): string {
    const M = this.size();
    const set: number[] = [];
    if (this.dense === null) {
      for (const e of this.sparse ?? []) if ((e & 63) > 0) set.push(e);
      set.sort((a, b) => a - b);
    } else {
      const d = this.dense;
      for (let i = 0; i < d.length && set.length * 8 < M; i++) if ((d[i] ?? 0) > 0) set.push(i * 64 + (d[i] ?? 0));
    }
    if (set.length * 8 < M) {
      const b = Buffer.alloc(set.length * 3);
      set.forEach((e, k) => {
        const idx = e >>> 6;
        b[k * 3] = idx >>> 8;
        b[k * 3 + 1] = idx & 255;
        b[k * 3 + 2] = e & 63;
      });
      return `s${Math.round(Math.log2(M))}:${b.toString('base64')}`;
    }
    const d = this.dense ?? this.materialize();
    return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64');
  }

  /** From toJSON(). */
  static fromJSON(s: string, p = P): HyperLogLog {
    const sparse = /^s(\d{1,2}):/.exec(s);
    if (sparse !== null) {
      const q = Number(sparse[1]);
      if (q !== p) throw new Error(`HyperLogLog: expected ${1 << p} registers, got ${1 << q}`);
      const h = new HyperLogLog(undefined, q);
      const b = Buffer.from(s.slice(sparse[0].length), 'base64');
      for (let k = 0; k + 2 < b.length; k += 3) h.raise(((b[k] ?? 0) << 8) | (b[k + 1] ?? 0), b[k + 2] ?? 0);
      return h;
    }
    const b = Buffer.from(s, 'base64');
    const M = 1 << p;
    if (b.length !== M) throw new Error(`HyperLogLog: expected ${M} registers, got ${b.length}`);
    return new HyperLogLog(new Uint8Array(b));
  }
}
