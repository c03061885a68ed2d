/**
 * A small fixed-size latency histogram: 160 logarithmic bins of ×1.1 from 0.1 ms (±5% per bin), 640 bytes. The one
 * coarse histogram of lbua: the geo view (profile/) and the latency aggregates (aggregate/) both count with it.
 * Mergeable (adding bins) and serializable (`toJSON`: the non-empty bins as flat [bin, count] pairs).
 */
const BINS = 160;
const BASE = 0.1;
const RATIO = Math.log(1.1);

/** The JSON form of a histogram: [bin, count, bin, count, ...] for its non-empty bins, bins ascending. */
export type CoarseHistogramJson = readonly number[];

/** Coarse latency histogram. */
export class CoarseHistogram {
  readonly bins = new Uint32Array(BINS);
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
    this.bins[i] = (this.bins[i] ?? 0) + 1;
    this.count++;
  }

  /** Adds another histogram. */
  merge(o: CoarseHistogram): void {
    for (let i = 0; i < BINS; i++) this.bins[i] = (this.bins[i] ?? 0) + (o.bins[i] ?? 0);
    this.count += o.count;
  }

  /** A copy. */
  clone(): CoarseHistogram {
    const out = new CoarseHistogram();
    out.bins.set(this.bins);
    out.count = this.count;
    return out;
  }

  /** The non-empty bins as flat [bin, count] pairs (see CoarseHistogramJson). */
  toJSON(): CoarseHistogramJson {
    const out: number[] = [];
    for (let i = 0; i < BINS; i++) {
      const n = this.bins[i] ?? 0;
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
      out.bins[i] = (out.bins[i] ?? 0) + n;
      out.count += n;
    }
    return out;
  }

  /** A new histogram of what this one holds beyond `part` (a histogram of a subset of the same values). */
  without(part: CoarseHistogram): CoarseHistogram {
    const out = new CoarseHistogram();
    for (let i = 0; i < BINS; i++) {
      const n = Math.max(0, (this.bins[i] ?? 0) - (part.bins[i] ?? 0));
      out.bins[i] = n;
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
      seen += this.bins[i] ?? 0;
      if (seen > rank) return i === 0 ? BASE : BASE * Math.exp((i - 0.5) * RATIO);
    }
    return null;
  }
}
