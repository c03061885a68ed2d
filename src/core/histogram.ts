/**
 * A small fixed-size latency histogram: 160 logarithmic bins of ×1.1 from 0.1 ms (±5% per bin). The one
 * coarse histogram of lbua: the geo view (profile/) and the latency aggregates (aggregate/) both count with it.
 * Mergeable (adding bins) and serializable (`toJSON`: the non-empty bins as flat [bin, count] pairs).
 * Memory: a histogram holds its first SMALL distinct bins as [bin, count] pairs in 64 bytes (which V8 keeps inside
 * the object's heap page, no buffer of its own), and only from the SMALL + 1st distinct bin the 160 counts (640
 * bytes in a buffer of their own). Most histograms of the latency aggregates are of one key in one time bucket, and
 * about 40% of them never see more than SMALL distinct bins (1M-line bench file); the counts, and so every quantile
 * and JSON form, are the same either way.
 */
const BINS = 160;
const BASE = 0.1;
const RATIO = Math.log(1.1);
/** Distinct bins a histogram holds as pairs before it holds all 160 counts. */
const SMALL = 8;

/** The JSON form of a histogram: [bin, count, bin, count, ...] for its non-empty bins, bins ascending. */
export type CoarseHistogramJson = readonly number[];

/** Coarse latency histogram. */
export class CoarseHistogram {
  /** The counts of all BINS bins, once more than SMALL distinct bins were counted; null before. */
  private dense: Uint32Array | null = null;
  /** Before that: `used` [bin, count] pairs, in the order the bins were first counted (null once dense). */
  private pairs: Uint32Array | null = new Uint32Array(SMALL * 2);
  private used = 0;
  count = 0;

  /** The bin of a duration in ms (for adding one value to several histograms with one logarithm). */
  static binOf(ms: number): number {
    return ms <= BASE ? 0 : Math.min(BINS - 1, Math.floor(Math.log(ms / BASE) / RATIO) + 1);
  }

  /** Adds a duration in ms. */
  add(ms: number): void {
    this.addBin(CoarseHistogram.binOf(ms));
  }

  /** Adds a value by its bin (binOf). */
  addBin(i: number): void {
    this.put(i, 1);
    this.count++;
  }

  /** Adds `n` (> 0) to bin `i`, without counting it in `count`. */
  private put(i: number, n: number): void {
    const d = this.dense;
    if (d !== null) {
      d[i] = (d[i] ?? 0) + n;
      return;
    }
    const p = this.pairs as Uint32Array;
    const end = this.used * 2;
    for (let k = 0; k < end; k += 2) {
      if (p[k] === i) {
        p[k + 1] = (p[k + 1] ?? 0) + n;
        return;
      }
    }
    if (end < p.length) {
      p[end] = i;
      p[end + 1] = n;
      this.used++;
      return;
    }
    const all = this.densify();
    all[i] = (all[i] ?? 0) + n;
  }

  /** Moves the pairs into the 160 counts. */
  private densify(): Uint32Array {
    const all = new Uint32Array(BINS);
    const p = this.pairs;
    if (p !== null) for (let k = 0; k < this.used * 2; k += 2) all[p[k] ?? 0] = p[k + 1] ?? 0;
    this.dense = all;
    this.pairs = null;
    this.used = 0;
    return all;
  }

  /** The count of bin `i`. */
  private at(i: number): number {
    const d = this.dense;
    if (d !== null) return d[i] ?? 0;
    const p = this.pairs as Uint32Array;
    for (let k = 0; k < this.used * 2; k += 2) if (p[k] === i) return p[k + 1] ?? 0;
    return 0;
  }

  /** Adds another histogram. */
  merge(o: CoarseHistogram): void {
    const d = o.dense;
    if (d !== null) {
      const all = this.dense ?? this.densify();
      for (let i = 0; i < BINS; i++) all[i] = (all[i] ?? 0) + (d[i] ?? 0);
    } else {
      const p = o.pairs as Uint32Array;
      for (let k = 0; k < o.used * 2; k += 2) this.put(p[k] ?? 0, p[k + 1] ?? 0);
    }
    this.count += o.count;
  }

  /** A copy. */
  clone(): CoarseHistogram {
    const out = new CoarseHistogram();
    if (this.dense !== null) {
      out.dense = this.dense.slice();
      out.pairs = null;
    } else (out.pairs as Uint32Array).set(this.pairs as Uint32Array);
    out.used = this.used;
    out.count = this.count;
    return out;
  }

  /** The non-empty bins as flat [bin, count] pairs (see CoarseHistogramJson). */
  toJSON(): CoarseHistogramJson {
    const out: number[] = [];
    for (let i = 0; i < BINS; i++) {
      const n = this.at(i);
      if (n > 0) out.push(i, n);
    }
    return out;
  }

  /** The histogram of a `toJSON` form (bins outside the range are clamped to the last bin). */
  static fromJSON(j: CoarseHistogramJson): CoarseHistogram {
    const out = new CoarseHistogram();
    for (let k = 0; k + 1 < j.length; k += 2) {
      const i = Math.max(0, Math.min(BINS - 1, Math.floor(j[k] ?? 0)));
      const n = j[k + 1] ?? 0;
      if (n !== 0) out.put(i, n);
      out.count += n;
    }
    return out;
  }

  /** A new histogram of what this one holds beyond `part` (a histogram of a subset of the same values). */
  without(part: CoarseHistogram): CoarseHistogram {
    const out = new CoarseHistogram();
    for (let i = 0; i < BINS; i++) {
      const n = Math.max(0, this.at(i) - part.at(i));
      if (n > 0) out.put(i, n);
      out.count += n;
    }
    return out;
  }

  /** Value at quantile q (geometric bin midpoint); null when empty. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = q * (this.count - 1);
    let seen = 0;
    for (let i = 0; i < BINS; i++) {
      seen += this.at(i);
      if (seen > rank) return i === 0 ? BASE : BASE * Math.exp((i - 0.5) * RATIO);
    }
    return null;
  }
}
