/**
 * A small fixed-size latency histogram: 160 logarithmic bins of ×1.1 from 0.1 ms (±5% per bin), 640 bytes. The one
 * coarse histogram of lbua: the geo view (profile/) and the latency detectors (detect/) both count with it.
 */
const BINS = 160;
const BASE = 0.1;
const RATIO = Math.log(1.1);

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
