/**
 * The report's timeline: requests per bucket stacked by status class, with latency p50/p95 per bucket.
 *
 * Bucket width adapts to the period so the series stays at most MAX_BUCKETS long (a 6-hour log gets 1-minute
 * buckets, a week 15-minute ones, decades yearly ones). Counts are kept at a storage width that divides every wider
 * width on the ladder (the gcd of the rest of the ladder: 60 s while showing 2 minutes, 5 minutes while showing 10),
 * so when the span outgrows the current width, storage buckets merge into whole wider ones (counts add, latency
 * sketches merge) and every request lands in the bucket of its own time, whatever order the input came in; the
 * shown buckets are sums of storage buckets. Memory: at most MAX_BUCKETS × (width ÷ storage width) sketches
 * (7× at most, for weeks kept as days), whatever the input size or period.
 * Mergeable (`merge`, `toJSON`, `fromJSON`): the width one pass ends at is the narrowest on the ladder whose series
 * of the whole period fits MAX_BUCKETS (a wider span never fits a narrower width), so a merge takes the wider of the
 * two widths, coarsens both sides' storage buckets to it and on as the joint period needs, and holds what one pass
 * over both parts holds.
 */
import type { EpochMs, LogRecord } from '../core/types';
import { QuantileSketch, type QuantileSketchJson } from '../core/quantile';
import { isoTime } from '../core/units';
import { TIMELINE_CLASSES, type CalendarRow, type TimelineBucket, type TimelineClass, type TimelineSection } from '../core/report-types';

export { TIMELINE_CLASSES, type TimelineBucket, type TimelineClass, type TimelineSection } from '../core/report-types';

/** Bucket widths in seconds, finest first. */
export const BUCKET_LADDER = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 604_800, 2_592_000, 31_536_000] as const;

/** Longest series kept (12 hours of minutes). */
export const MAX_BUCKETS = 720;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Storage width (seconds) for each ladder step: the gcd of that width and every wider one. */
const STORAGE: readonly number[] = BUCKET_LADDER.map((_, i) => BUCKET_LADDER.slice(i).reduce<number>((g, w) => gcd(g, w), BUCKET_LADDER[i] ?? 60));

interface Bucket {
  /** Counts by TIMELINE_CLASSES index. */
  readonly counts: number[];
  latency: QuantileSketch | null;
}

/** A timeline as plain JSON: buckets at the storage width, [key (start ÷ storage width), counts by class, latency]. */
export interface TimelineJson {
  readonly kind: 'timeline';
  readonly bucket_seconds: number;
  readonly storage_seconds: number;
  readonly min_ms: number | null;
  readonly max_ms: number | null;
  readonly buckets: readonly (readonly [number, readonly number[], QuantileSketchJson | null])[];
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

  /** Width in ms of the buckets shown. */
  private get widthMs(): number {
    return (BUCKET_LADDER[this.step] ?? 604_800) * 1000;
  }

  /** Width in ms of the buckets kept (divides every width from the current one on). */
  private get storageMs(): number {
    return (STORAGE[this.step] ?? 86_400) * 1000;
  }

  observe(r: LogRecord): void {
    const t = r.startMs;
    if (t < this.minMs || t > this.maxMs) {
      this.minMs = Math.min(this.minMs, t);
      this.maxMs = Math.max(this.maxMs, t);
      this.coarsenIfNeeded();
    }
    const key = Math.floor(t / this.storageMs);
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
    const before = this.storageMs;
    while (this.step < BUCKET_LADDER.length - 1 && Math.floor(this.maxMs / this.widthMs) - Math.floor(this.minMs / this.widthMs) + 1 > MAX_BUCKETS) this.step++;
    const storage = this.storageMs;
    if (storage === before) return;
    // The new storage width is a multiple of the old one: each old bucket lies inside one new bucket.
    this.buckets = mergeInto(this.buckets, before, storage);
    this.lastKey = Number.NaN;
    this.last = null;
  }

  /** Adds another timeline (any part of the run) into this one: what one pass over both would hold. */
  merge(other: Timeline): void {
    if (other.buckets.size === 0 && !Number.isFinite(other.minMs)) return;
    const before = this.storageMs;
    this.step = Math.max(this.step, other.step);
    const storage = this.storageMs;
    if (storage !== before) this.buckets = mergeInto(this.buckets, before, storage);
    const theirs = mergeInto(other.buckets, other.storageMs, storage, true);
    for (const [k, b] of theirs) {
      const mine = this.buckets.get(k);
      if (mine === undefined) this.buckets.set(k, b);
      else addBucket(mine, b);
    }
    this.lastKey = Number.NaN;
    this.last = null;
    this.minMs = Math.min(this.minMs, other.minMs);
    this.maxMs = Math.max(this.maxMs, other.maxMs);
    this.coarsenIfNeeded();
  }

  /** Plain JSON (buckets by key): `Timeline.fromJSON` of it gives an equal timeline. */
  toJSON(): TimelineJson {
    return {
      kind: 'timeline',
      bucket_seconds: BUCKET_LADDER[this.step] ?? 604_800,
      storage_seconds: this.storageMs / 1000,
      min_ms: Number.isFinite(this.minMs) ? this.minMs : null,
      max_ms: Number.isFinite(this.maxMs) ? this.maxMs : null,
      buckets: [...this.buckets].sort((a, b) => a[0] - b[0]).map(([k, b]) => [k, [...b.counts], b.latency === null ? null : b.latency.toJSON()]),
    };
  }

  static fromJSON(j: TimelineJson): Timeline {
    const t = new Timeline();
    const step = BUCKET_LADDER.indexOf(j.bucket_seconds as (typeof BUCKET_LADDER)[number]);
    if (step < 0 || (STORAGE[step] ?? 0) !== j.storage_seconds) throw new Error(`timeline: no ladder step of ${j.bucket_seconds} s stored as ${j.storage_seconds} s`);
    t.step = step;
    t.minMs = j.min_ms ?? Number.POSITIVE_INFINITY;
    t.maxMs = j.max_ms ?? Number.NEGATIVE_INFINITY;
    for (const [k, counts, latency] of j.buckets) t.buckets.set(k, { counts: [...counts], latency: latency === null ? null : QuantileSketch.fromJSON(latency) });
    return t;
  }

  result(): TimelineSection {
    const seconds = BUCKET_LADDER[this.step] ?? 604_800;
    if (this.buckets.size === 0) return { bucket_seconds: seconds, start: null, end: null, buckets: [] };
    const width = this.widthMs;
    const shown = mergeInto(this.buckets, this.storageMs, width, true);
    const first = Math.floor(this.minMs / width);
    const lastKey = Math.floor(this.maxMs / width);
    const out: TimelineBucket[] = [];
    for (let k = first; k <= lastKey; k++) {
      const b = shown.get(k);
      const counts = b?.counts ?? [0, 0, 0, 0, 0];
      const status = Object.fromEntries(TIMELINE_CLASSES.map((c, i) => [c, counts[i] ?? 0])) as Record<TimelineClass, number>;
      const q = (p: number): number | null => {
        const v = b?.latency?.quantile(p) ?? null;
        return v === null ? null : Math.round(v * 10) / 10;
      };
      out.push({ start: isoTime((k * width) as EpochMs), requests: counts.reduce((a, n) => a + n, 0), status, p50_ms: q(0.5), p95_ms: q(0.95) });
    }
    const section: TimelineSection = { bucket_seconds: seconds, start: isoTime((first * width) as EpochMs), end: isoTime(((lastKey + 1) * width) as EpochMs), buckets: out };
    return this.maxMs - this.minMs > DAY_MS ? { ...section, ...this.calendar() } : section;
  }

  /**
   * Rows per UTC day and per UTC hour of day, summed from the storage buckets (so a merged timeline gives the rows
   * one pass gives): days while the storage width divides a day, hours of day while it divides an hour.
   */
  private calendar(): Pick<TimelineSection, 'days' | 'hours_of_day'> {
    const storage = this.storageMs;
    const out: { days?: CalendarRow[]; hours_of_day?: CalendarRow[] } = {};
    if (DAY_MS % storage === 0) {
      const byDay = mergeInto(this.buckets, storage, DAY_MS, true);
      const first = Math.floor(this.minMs / DAY_MS);
      const last = Math.floor(this.maxMs / DAY_MS);
      const days: CalendarRow[] = [];
      for (let d = first; d <= last; d++) days.push(calendarRow(isoTime((d * DAY_MS) as EpochMs).slice(0, 10), byDay.get(d)));
      out.days = days;
    }
    if (HOUR_MS % storage === 0) {
      const byHour = new Map<number, Bucket>();
      for (const key of [...this.buckets.keys()].sort((a, b) => a - b)) {
        const b = this.buckets.get(key) as Bucket;
        const h = Math.floor(((key * storage) % DAY_MS) / HOUR_MS);
        const into = byHour.get(h);
        if (into === undefined) byHour.set(h, { counts: [...b.counts], latency: b.latency === null ? null : copySketch(b.latency) });
        else addBucket(into, b);
      }
      out.hours_of_day = Array.from({ length: 24 }, (_, h) => calendarRow(String(h).padStart(2, '0'), byHour.get(h)));
    }
    return out;
  }
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

function copySketch(q: QuantileSketch): QuantileSketch {
  const c = new QuantileSketch();
  c.merge(q);
  return c;
}

/** A day or hour-of-day row from its summed bucket (absent: no request). */
function calendarRow(key: string, b: Bucket | undefined): CalendarRow {
  const c = b?.counts ?? [0, 0, 0, 0, 0];
  const p95 = b?.latency?.quantile(0.95) ?? null;
  return { key, requests: c.reduce((a, n) => a + n, 0), errors_4xx: c[2] ?? 0, errors_5xx: c[3] ?? 0, p95_ms: p95 === null ? null : Math.round(p95 * 10) / 10 };
}

/**
 * Buckets of width `fromMs` merged into buckets of width `toMs` (a multiple of it); the keys are bucket starts ÷ width.
 * `copy`: leave the input buckets untouched (for a result read while counting goes on).
 */
function mergeInto(buckets: ReadonlyMap<number, Bucket>, fromMs: number, toMs: number, copy = false): Map<number, Bucket> {
  const merged = new Map<number, Bucket>();
  for (const key of [...buckets.keys()].sort((a, b) => a - b)) {
    const b = buckets.get(key) as Bucket;
    const k = Math.floor((key * fromMs) / toMs);
    let into = merged.get(k);
    if (into === undefined) {
      into = copy ? { counts: [...b.counts], latency: null } : b;
      if (copy && b.latency !== null) {
        into.latency = new QuantileSketch();
        into.latency.merge(b.latency);
      }
      merged.set(k, into);
      continue;
    }
    addBucket(into, b);
  }
  return merged;
}

/** Adds bucket `b`'s counts and latency into `into`. */
function addBucket(into: Bucket, b: Bucket): void {
  for (let i = 0; i < into.counts.length; i++) into.counts[i] = (into.counts[i] ?? 0) + (b.counts[i] ?? 0);
  if (b.latency !== null) {
    if (into.latency === null) {
      into.latency = new QuantileSketch();
      into.latency.merge(b.latency);
    } else into.latency.merge(b.latency);
  }
}
