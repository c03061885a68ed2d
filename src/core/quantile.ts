/**
 * A mergeable, serializable streaming quantile sketch with a relative-error guarantee (the DDSketch idea,
 * Masson et al., VLDB 2019): values fall into logarithmic buckets of ratio γ = (1+α)/(1−α), so any quantile
 * it returns is within ±α (default 1%) of the true value at that rank. Memory is O(log(max/min)/log γ) buckets:
 * about 1,400 buckets cover 1 µs .. 1 hour at 1%, whatever the number of values.
 * The sum is kept in whole thousandths of the unit (µs for milliseconds), an integer: exact and the same in any
 * order of addition, so sketches merged from parts equal one sketch of every value, to the last bit.
 */

/** Serialized form: counts per bucket index, plus exact count/min/max/sum. */
export interface QuantileSketchJson {
  readonly alpha: number;
  readonly count: number;
  readonly zeros: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly sum: number;
  /** [bucketIndex, count] pairs, sorted by index. */
  readonly buckets: readonly (readonly [number, number])[];
}

/** The default relative error. */
const DEFAULT_ALPHA = 0.01;
/** Whole values below this find their bucket in INDEX_01 (65,535 ms: a minute covers most request durations). */
const INDEX_SIZE = 1 << 16;

/**
 * The bucket index of v = 1 .. INDEX_SIZE − 1 at the default alpha, computed once by the expression add() uses
 * (so the same index to the last bit): durations are mostly whole milliseconds, and a table read is several times
 * cheaper than a logarithm and a division per value. A constant, filled when the module loads (~1 ms, 128 KB).
 */
const INDEX_01: Int16Array = ((): Int16Array => {
  const logGamma = Math.log((1 + DEFAULT_ALPHA) / (1 - DEFAULT_ALPHA));
  const t = new Int16Array(INDEX_SIZE);
  for (let v = 1; v < INDEX_SIZE; v++) t[v] = Math.ceil(Math.log(v) / logGamma);
  return t;
})();

/** Relative-error quantile sketch for non-negative values. */
export class QuantileSketch {
  private readonly logGamma: number;
  private readonly gamma: number;
  /** Counts per bucket index k, stored densely at k - offset (grown on demand; ~1,200 slots cover 1 µs..1 h). */
  private bins = new Float64Array(0);
  private offset = 0;
  count = 0;
  zeros = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** Sum of the values in thousandths (an integer). */
  private sumMilli = 0;

  /** INDEX_01 when alpha is the default (its indexes are this sketch's), else null. */
  private readonly index: Int16Array | null;

  constructor(readonly alpha = DEFAULT_ALPHA) {
    this.gamma = (1 + alpha) / (1 - alpha);
    this.logGamma = Math.log(this.gamma);
    this.index = alpha === DEFAULT_ALPHA ? INDEX_01 : null;
  }

  /** Adds one non-negative value (negative and NaN values are ignored). */
  add(v: number): void {
    if (!(v >= 0)) return;
    this.count++;
    this.sumMilli += Math.round(v * 1000);
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (v < 1e-9) {
      this.zeros++;
      return;
    }
    const t = this.index;
    const k = t !== null && v < INDEX_SIZE && (v | 0) === v ? (t[v] as number) : Math.ceil(Math.log(v) / this.logGamma);
    const i = k - this.offset;
    if (i >= 0 && i < this.bins.length) this.bins[i] = (this.bins[i] ?? 0) + 1;
    else this.addAt(k, 1);
  }

  private addAt(k: number, n: number): void {
    if (this.bins.length === 0) {
      this.offset = k - 64;
      this.bins = new Float64Array(256);
    }
    let i = k - this.offset;
    if (i < 0 || i >= this.bins.length) {
      const lo = Math.min(this.offset, k - 64);
      const hi = Math.max(this.offset + this.bins.length, k + 65);
      const next = new Float64Array(hi - lo);
      next.set(this.bins, this.offset - lo);
      this.bins = next;
      this.offset = lo;
      i = k - lo;
    }
    this.bins[i] = (this.bins[i] ?? 0) + n;
  }

  /** Non-empty buckets as [k, count], ascending. */
  private entries(): [number, number][] {
    const out: [number, number][] = [];
    this.bins.forEach((c, i) => {
      if (c !== 0) out.push([i + this.offset, c]);
    });
    return out;
  }

  /** The value at quantile q (0..1), within relative error alpha; null when empty. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const rank = q * (this.count - 1);
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    // The non-empty buckets in ascending order, read in place (no [k, count] pairs: sketches are asked often).
    const bins = this.bins;
    for (let i = 0; i < bins.length; i++) {
      const c = bins[i] ?? 0;
      if (c === 0) continue;
      seen += c;
      if (seen > rank) {
        const v = (2 * Math.pow(this.gamma, i + this.offset)) / (this.gamma + 1);
        return Math.min(this.max, Math.max(this.min, v));
      }
    }
    return this.max;
  }

  /** Adds another sketch's counts (same alpha) into this one. */
  merge(other: QuantileSketch): void {
    if (other.alpha !== this.alpha) throw new Error('cannot merge sketches with different alpha');
    // The other's non-empty buckets in ascending order, read in place (sketches are merged often: no pairs).
    const bins = other.bins;
    for (let i = 0; i < bins.length; i++) {
      const c = bins[i] ?? 0;
      if (c !== 0) this.addAt(i + other.offset, c);
    }
    this.count += other.count;
    this.zeros += other.zeros;
    this.sumMilli += other.sumMilli;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** Plain-data form for JSON (deterministic: buckets sorted). */
  toJSON(): QuantileSketchJson {
    return {
      alpha: this.alpha,
      count: this.count,
      zeros: this.zeros,
      min: this.count ? this.min : null,
      max: this.count ? this.max : null,
      sum: this.sumMilli / 1000,
      buckets: this.entries(),
    };
  }

  /** Rebuilds a sketch from its JSON form. */
  static fromJSON(j: QuantileSketchJson): QuantileSketch {
    const s = new QuantileSketch(j.alpha);
    for (const [k, c] of j.buckets) s.addAt(k, c);
    s.count = j.count;
    s.zeros = j.zeros;
    s.sumMilli = Math.round(j.sum * 1000);
    s.min = j.min ?? Number.POSITIVE_INFINITY;
    s.max = j.max ?? Number.NEGATIVE_INFINITY;
    return s;
  }
}

/** p50/p95/p99/max of a sketch, rounded to 0.1 ms; nulls when empty. */
export function percentiles(s: QuantileSketch): { p50: number | null; p95: number | null; p99: number | null; max: number | null; count: number } {
  const r = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);
  return { p50: r(s.quantile(0.5)), p95: r(s.quantile(0.95)), p99: r(s.quantile(0.99)), max: r(s.count ? s.max : null), count: s.count };
}
