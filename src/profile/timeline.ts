/**
 * The report's timeline: requests per bucket stacked by status class, with latency p50/p95 per bucket.
 *
 * Bucket width adapts to the period so the series stays at most MAX_BUCKETS long (a 6-hour log gets 1-minute
 * buckets, a week 15-minute ones, decades yearly ones): when the span outgrows the current width, buckets are
 * merged into the next width on the ladder (counts add, latency sketches merge). Memory is bounded by MAX_BUCKETS
 * sketches, whatever the input size or period.
 */
import type { EpochMs, LogRecord } from '../core/types';
import { QuantileSketch } from '../core/quantile';
import { isoTime } from '../core/units';
import { TIMELINE_CLASSES, type TimelineBucket, type TimelineClass, type TimelineSection } from '../core/report-types';

export { TIMELINE_CLASSES, type TimelineBucket, type TimelineClass, type TimelineSection } from '../core/report-types';

/** Bucket widths in seconds, finest first. */
export const BUCKET_LADDER = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 604_800, 2_592_000, 31_536_000] as const;

/** Longest series kept (12 hours of minutes). */
export const MAX_BUCKETS = 720;

interface Bucket {
  /** Counts by TIMELINE_CLASSES index. */
  readonly counts: number[];
  latency: QuantileSketch | null;
}

function classIndex(status: number | null): number {
  if (status === null || status < 200 || status >= 600) return 4;
  return Math.floor(status / 100) - 2;
}

/** Accumulates the timeline; feed with observe(), read with result(). */
export class Timeline {
  private step = 0;
  private buckets = new Map<number, Bucket>();
  private minMs = Number.POSITIVE_INFINITY;
  private maxMs = Number.NEGATIVE_INFINITY;
  /** Cache of the last bucket touched (records mostly arrive in time order). */
  private lastKey = Number.NaN;
  private last: Bucket | null = null;

  /** Width in ms of the current buckets. */
  private get widthMs(): number {
    return (BUCKET_LADDER[this.step] ?? 604_800) * 1000;
  }

  observe(r: LogRecord): void {
    const t = r.startMs;
    if (t < this.minMs || t > this.maxMs) {
      this.minMs = Math.min(this.minMs, t);
      this.maxMs = Math.max(this.maxMs, t);
      this.coarsenIfNeeded();
    }
    const key = Math.floor(t / this.widthMs);
    let b = key === this.lastKey ? this.last : this.buckets.get(key);
    if (b === undefined || b === null) {
      b = { counts: [0, 0, 0, 0, 0], latency: null };
      this.buckets.set(key, b);
    }
    this.lastKey = key;
    this.last = b;
    const i = classIndex(r.status);
    b.counts[i] = (b.counts[i] ?? 0) + 1;
    if (r.durationMs !== null) (b.latency ??= new QuantileSketch()).add(r.durationMs);
  }

  private coarsenIfNeeded(): void {
    while (this.step < BUCKET_LADDER.length - 1 && Math.floor(this.maxMs / this.widthMs) - Math.floor(this.minMs / this.widthMs) + 1 > MAX_BUCKETS) {
      this.step++;
      const width = this.widthMs;
      const merged = new Map<number, Bucket>();
      for (const [key, b] of this.buckets) {
        const k = Math.floor((key * (BUCKET_LADDER[this.step - 1] ?? 60) * 1000) / width);
        const into = merged.get(k);
        if (into === undefined) {
          merged.set(k, b);
          continue;
        }
        for (let i = 0; i < into.counts.length; i++) into.counts[i] = (into.counts[i] ?? 0) + (b.counts[i] ?? 0);
        if (b.latency !== null) {
          if (into.latency === null) into.latency = b.latency;
          else into.latency.merge(b.latency);
        }
      }
      this.buckets = merged;
      this.lastKey = Number.NaN;
      this.last = null;
    }
  }

  result(): TimelineSection {
    const seconds = BUCKET_LADDER[this.step] ?? 604_800;
    if (this.buckets.size === 0) return { bucket_seconds: seconds, start: null, end: null, buckets: [] };
    const width = this.widthMs;
    const first = Math.floor(this.minMs / width);
    const lastKey = Math.floor(this.maxMs / width);
    const out: TimelineBucket[] = [];
    for (let k = first; k <= lastKey; k++) {
      const b = this.buckets.get(k);
      const counts = b?.counts ?? [0, 0, 0, 0, 0];
      const status = Object.fromEntries(TIMELINE_CLASSES.map((c, i) => [c, counts[i] ?? 0])) as Record<TimelineClass, number>;
      const q = (p: number): number | null => {
        const v = b?.latency?.quantile(p) ?? null;
        return v === null ? null : Math.round(v * 10) / 10;
      };
      out.push({ start: isoTime((k * width) as EpochMs), requests: counts.reduce((a, n) => a + n, 0), status, p50_ms: q(0.5), p95_ms: q(0.95) });
    }
    return { bucket_seconds: seconds, start: isoTime((first * width) as EpochMs), end: isoTime(((lastKey + 1) * width) as EpochMs), buckets: out };
  }
}
