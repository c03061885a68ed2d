/** The timeline accumulator: bucket width adapts to the period, counts are conserved, gaps are filled. */
import { BUCKET_LADDER, MAX_BUCKETS, Timeline } from '../../src/profile/timeline';
import type { LogRecord } from '../../src/core/types';

function rec(startMs: number, status: number | null, durationMs: number | null): LogRecord {
  return { startMs, status, durationMs } as unknown as LogRecord;
}

const T0 = Date.parse('2026-03-10T06:00:00Z');

describe('Timeline', () => {
  it('uses 1-minute buckets for a few hours, stacked by status class, with latency percentiles', () => {
    const t = new Timeline();
    for (let i = 0; i < 100; i++) t.observe(rec(T0 + i * 100, 200, i + 1));
    t.observe(rec(T0 + 30_000, 503, 5000));
    t.observe(rec(T0 + 3 * 60_000 + 1, 404, null));
    t.observe(rec(T0 + 3 * 60_000 + 2, null, null));
    const r = t.result();
    expect(r.bucket_seconds).toBe(60);
    expect(r.start).toBe('2026-03-10T06:00:00.000Z');
    expect(r.end).toBe('2026-03-10T06:04:00.000Z');
    expect(r.buckets.map((b) => b.requests)).toEqual([101, 0, 0, 2]);
    expect(r.buckets[0]?.status).toEqual({ '2xx': 100, '3xx': 0, '4xx': 0, '5xx': 1, other: 0 });
    expect(r.buckets[3]?.status).toEqual({ '2xx': 0, '3xx': 0, '4xx': 1, '5xx': 0, other: 1 });
    expect(r.buckets[0]?.p50_ms).toBeGreaterThan(49 * 0.98);
    expect(r.buckets[0]?.p50_ms).toBeLessThan(52 * 1.02);
    expect(r.buckets[1]?.p95_ms).toBeNull();
  });

  it('coarsens to keep at most MAX_BUCKETS buckets over a week, conserving every count', () => {
    const t = new Timeline();
    let n = 0;
    let errors = 0;
    // Out of order on purpose: the last day first, then the rest.
    for (const day of [6, 0, 1, 2, 3, 4, 5]) {
      for (let m = 0; m < 24 * 60; m += 7) {
        t.observe(rec(T0 + day * 86_400_000 + m * 60_000, m % 2 ? 200 : 500, 10));
        n++;
        if (m % 2 === 0) errors++;
      }
    }
    const r = t.result();
    expect(r.buckets.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(BUCKET_LADDER).toContain(r.bucket_seconds);
    expect(r.bucket_seconds).toBe(900);
    expect(r.buckets.reduce((a, b) => a + b.requests, 0)).toBe(n);
    expect(r.buckets.reduce((a, b) => a + b.status['5xx'], 0)).toBe(errors);
    expect(r.buckets.every((b) => b.p50_ms === null || Math.abs(b.p50_ms - 10) < 0.2)).toBe(true);
  });

  it('is empty for no records', () => {
    expect(new Timeline().result()).toEqual({ bucket_seconds: 60, start: null, end: null, buckets: [] });
  });

  it('puts every request in the bucket of its own time when coarsening crosses widths that do not divide (120 s → 300 s), in any order', () => {
    // 36 hours, one request a minute: every 5-minute bucket holds exactly 5. Merging whole 2-minute buckets into
    // 5-minute ones by their start would put the minute at 5:00 of [4:00, 6:00) into the bucket before it.
    const records = Array.from({ length: 36 * 60 }, (_, m) => rec(T0 + m * 60_000, 200, 10));
    const run = (rs: readonly LogRecord[]): ReturnType<Timeline['result']> => {
      const t = new Timeline();
      for (const r of rs) t.observe(r);
      return t.result();
    };
    const forward = run(records);
    expect(forward.bucket_seconds).toBe(300);
    expect(new Set(forward.buckets.map((b) => b.requests))).toEqual(new Set([5]));
    expect(run([...records].reverse())).toEqual(forward);
  });
});
