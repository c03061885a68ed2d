/**
 * Lingering endpoints: endpoints whose latency (p95 of total and backend time) rises against their own earlier
 * level — p95 per 5-minute bucket compared with the median of the endpoint's earlier buckets.
 * Memory: per endpoint (capped at 300) per bucket a 160-bin coarse latency histogram (±5%).
 */
import { detach } from '../core/text';
import type { SourceRef } from '../core/types';
import type { EnrichedRecord } from '../enrich/types';
import { defineDetector, type Finding, type Severity } from './types';
import { fmt, pushEvidence, r2, sortEvidence } from './shared';
import { median } from './stats/robust';
import { CoarseHistogram } from './stats/histogram';

interface Bucket {
  hist: CoarseHistogram;
  n: number;
  slow: SourceRef[];
}

export default defineDetector({
  id: 'lingering-endpoint',
  title: 'Lingering endpoints',
  description: 'Flags endpoints whose p95 latency rises well above their own earlier level for several buckets in a row.',
  defaultOptions: { bucketMinutes: 5, factor: 3, minIncreaseMs: 150, minRequests: 30, minBuckets: 3, warmupBuckets: 3, maxEndpoints: 300 },
  optionDocs: {
    bucketMinutes: 'bucket length in minutes',
    factor: 'times the earlier median p95 a bucket p95 must reach',
    minIncreaseMs: 'minimum absolute p95 increase in ms',
    minRequests: 'requests a bucket needs to be judged',
    minBuckets: 'consecutive slow buckets to fire',
    warmupBuckets: 'judged buckets needed before a baseline exists',
    maxEndpoints: 'endpoints tracked',
  },
  create(o, ctx) {
    const bucketMs = o.bucketMinutes * 60_000;
    const endpoints = new Map<string, Map<number, Bucket>>();
    return {
      observe(r: EnrichedRecord) {
        const ms = r.backendMs ?? r.durationMs;
        if (ms === null || r.isStatic) return;
        let e = endpoints.get(r.endpoint);
        if (!e) {
          if (endpoints.size >= o.maxEndpoints) return;
          e = new Map();
          endpoints.set(detach(r.endpoint), e);
        }
        const b = Math.floor(r.startMs / bucketMs);
        let bk = e.get(b);
        if (!bk) {
          bk = { hist: new CoarseHistogram(), n: 0, slow: [] };
          e.set(b, bk);
        }
        bk.n++;
        bk.hist.add(ms);
        if (ms >= 1000) pushEvidence(bk.slow, r.source, ctx.evidenceLimit);
      },
      finish() {
        const out: Finding[] = [];
        for (const [endpoint, buckets] of endpoints) {
          const keys = [...buckets.keys()].sort((a, b) => a - b);
          const history: number[] = [];
          let run: { start: number; last: number; peak: number; base: number; count: number; evidence: SourceRef[] } | null = null;
          const flush = (): void => {
            if (run && run.count >= o.minBuckets) {
              const ratio = run.peak / Math.max(run.base, 1);
              const severity: Severity = ratio >= 5 ? 'high' : 'medium';
              out.push({
                detector: 'lingering-endpoint', severity, confidence: r2(Math.min(0.95, 0.5 + run.count / 20 + Math.min(ratio, 10) / 40)),
                title: `${endpoint}: p95 ${fmt(run.peak, 0)} ms, ${fmt(ratio)}x its earlier ${fmt(run.base, 0)} ms for ${run.count * o.bucketMinutes} min`,
                subject: { type: 'endpoint', value: endpoint }, startMs: run.start * bucketMs, endMs: (run.last + 1) * bucketMs,
                metrics: { peak_p95_ms: r2(run.peak), baseline_p95_ms: r2(run.base), ratio: r2(ratio), buckets: run.count },
                explanation: `p95 of backend time per ${o.bucketMinutes}-minute bucket against the median p95 of the endpoint's earlier buckets.`,
                evidence: sortEvidence(run.evidence).slice(0, ctx.evidenceLimit),
                actions: [{ type: 'investigate', subject: endpoint, window: `${new Date(run.start * bucketMs).toISOString()}/${new Date((run.last + 1) * bucketMs).toISOString()}`, why: 'latency of this endpoint rose against its own level: check releases, slow queries and dependencies in this window' }],
              });
            }
            run = null;
          };
          for (const b of keys) {
            const bk = buckets.get(b);
            if (!bk || bk.n < o.minRequests) continue;
            const p95 = bk.hist.quantile(0.95) ?? 0;
            const base = history.length >= o.warmupBuckets ? median(history) : null;
            const slow = base !== null && p95 >= o.factor * base && p95 - base >= o.minIncreaseMs;
            if (slow && base !== null) {
              if (run && run.last >= b - 1) {
                run.last = b;
                run.count++;
                run.peak = Math.max(run.peak, p95);
                for (const e of bk.slow) pushEvidence(run.evidence, e, ctx.evidenceLimit);
              } else {
                flush();
                run = { start: b, last: b, peak: p95, base, count: 1, evidence: [...bk.slow] };
              }
            } else {
              flush();
              history.push(p95);
              if (history.length > 48) history.shift();
            }
          }
          flush();
        }
        return out;
      },
    };
  },
});
