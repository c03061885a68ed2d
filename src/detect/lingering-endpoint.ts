/**
 * Lingering endpoints: endpoints whose latency (p95 of total and backend time) rises against their own earlier
 * level — p95 per 5-minute bucket compared with the median of the endpoint's earlier buckets.
 * With geo data, a rise that only clients of one country see (a minority of the endpoint's requests, most of its
 * slow ones, and elsewhere under the threshold) is named as that region's and kept as context (low): the endpoint
 * is not slower for anyone else, and a regional latency finding is where the action is.
 * Memory: per endpoint (capped at 300) per bucket a 160-bin coarse latency histogram (±5%) and, with geo data,
 * 7 counts per country (the bucket's first 16 countries; the rest counted together).
 */
import { isoTime } from '../core/units';
import { detach } from '../core/text';
import type { SourceRef } from '../core/types';
import type { EnrichedRecord } from '../enrich/types';
import { defineDetector, type Finding, type Severity } from './types';
import { fmt, pushEvidence, r2, sortEvidence } from './shared';
import { median } from './stats/robust';
import { CoarseHistogram } from '../core/histogram';

interface Bucket {
  hist: CoarseHistogram;
  n: number;
  slow: SourceRef[];
  /** Per country: [requests, then requests at or above each LADDER step]; null without geo data. */
  countries: Map<string, Uint32Array> | null;
}

/** Latency steps (ms) at which requests are counted per country, to tell whose requests are the slow ones. */
const LADDER = [150, 300, 600, 1200, 2400, 4800] as const;
const MAX_COUNTRIES = 16;
/** Countries past the first MAX_COUNTRIES of a bucket (never named). */
const OTHER = '*';

/** Where a slow run's slow requests came from, when one country explains it. */
interface Regional {
  readonly country: string;
  readonly slowShare: number;
  readonly requestShare: number;
  readonly threshold: number;
}

/**
 * The country whose clients alone make the run slow: most (70%+) of the requests at or above the threshold step
 * are theirs, they sent at most half of the requests, and the other requests are under it 95% of the time (their
 * own p95 is under the threshold). Null when no country explains it, or without geo data.
 */
function regionalCause(buckets: readonly Bucket[], threshold: number): Regional | null {
  let step = -1;
  for (let i = 0; i < LADDER.length; i++) if ((LADDER[i] ?? Infinity) <= threshold) step = i;
  if (step < 0) return null;
  const byCountry = new Map<string, { n: number; slow: number }>();
  let n = 0;
  let slow = 0;
  for (const b of buckets) {
    if (b.countries === null) return null;
    for (const [c, counts] of b.countries) {
      const e = byCountry.get(c) ?? { n: 0, slow: 0 };
      e.n += counts[0] ?? 0;
      e.slow += counts[step + 1] ?? 0;
      byCountry.set(c, e);
    }
    n += b.n;
  }
  let top: string | null = null;
  for (const [c, e] of byCountry) {
    slow += e.slow;
    const best = top === null ? undefined : byCountry.get(top);
    if (c !== OTHER && (best === undefined || e.slow > best.slow || (e.slow === best.slow && c < (top ?? '')))) top = c;
  }
  const t = top === null ? undefined : byCountry.get(top);
  if (top === null || t === undefined || slow === 0 || n === 0) return null;
  const rest = n - t.n;
  if (t.slow < 0.7 * slow || t.n > 0.5 * n || rest <= 0 || (slow - t.slow) / rest >= 0.05) return null;
  return { country: top, slowShare: t.slow / slow, requestShare: t.n / n, threshold: LADDER[step] ?? threshold };
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
          bk = { hist: new CoarseHistogram(), n: 0, slow: [], countries: ctx.geo ? new Map() : null };
          e.set(b, bk);
        }
        bk.n++;
        bk.hist.add(ms);
        if (bk.countries !== null) {
          let key = r.geo?.country ?? OTHER;
          let counts = bk.countries.get(key);
          if (counts === undefined && bk.countries.size >= MAX_COUNTRIES) {
            key = OTHER;
            counts = bk.countries.get(key);
          }
          if (counts === undefined) {
            counts = new Uint32Array(LADDER.length + 1);
            bk.countries.set(key, counts);
          }
          counts[0] = (counts[0] ?? 0) + 1;
          for (let i = 0; i < LADDER.length && ms >= (LADDER[i] ?? Infinity); i++) counts[i + 1] = (counts[i + 1] ?? 0) + 1;
        }
        if (ms >= 1000) pushEvidence(bk.slow, r.source, ctx.evidenceLimit);
      },
      finish() {
        const out: Finding[] = [];
        for (const [endpoint, buckets] of endpoints) {
          const keys = [...buckets.keys()].sort((a, b) => a - b);
          const history: number[] = [];
          let run: { start: number; last: number; peak: number; base: number; count: number; evidence: SourceRef[]; buckets: Bucket[] } | null = null;
          const flush = (): void => {
            if (run && run.count >= o.minBuckets) {
              const ratio = run.peak / Math.max(run.base, 1);
              const threshold = Math.max(o.factor * run.base, run.base + o.minIncreaseMs);
              const regional = regionalCause(run.buckets, threshold);
              const severity: Severity = regional !== null ? 'low' : ratio >= 5 ? 'high' : 'medium';
              const window = `${isoTime(run.start * bucketMs)}/${isoTime((run.last + 1) * bucketMs)}`;
              out.push({
                detector: 'lingering-endpoint', severity, confidence: r2(Math.min(0.95, 0.5 + run.count / 20 + Math.min(ratio, 10) / 40)),
                title: `${endpoint}: p95 ${fmt(run.peak, 0)} ms, ${fmt(ratio)}x its earlier ${fmt(run.base, 0)} ms for ${run.count * o.bucketMinutes} min` +
                  (regional === null ? '' : ` — only for clients in ${regional.country} (${fmt(regional.slowShare * 100, 0)}% of the requests over ${fmt(regional.threshold, 0)} ms, ${fmt(regional.requestShare * 100, 0)}% of all)`),
                subject: { type: 'endpoint', value: endpoint }, startMs: run.start * bucketMs, endMs: (run.last + 1) * bucketMs,
                metrics: {
                  peak_p95_ms: r2(run.peak), baseline_p95_ms: r2(run.base), ratio: r2(ratio), buckets: run.count,
                  ...(regional === null ? {} : { country: regional.country, country_share_of_slow: r2(regional.slowShare), country_share_of_requests: r2(regional.requestShare) }),
                },
                explanation: `p95 of backend time per ${o.bucketMinutes}-minute bucket against the median p95 of the endpoint's earlier buckets.` +
                  (regional === null ? '' : ` Requests over ${fmt(regional.threshold, 0)} ms counted per client country: clients in ${regional.country} sent most of them, and the other requests stayed under it 95% of the time.`),
                evidence: sortEvidence(run.evidence).slice(0, ctx.evidenceLimit),
                actions: [regional === null
                  ? { type: 'investigate', subject: endpoint, window, why: 'latency of this endpoint rose against its own level: check releases, slow queries and dependencies in this window' }
                  : { type: 'investigate', subject: regional.country, window, why: `only clients in ${regional.country} see this endpoint slower: look at the path from that region (see a regional latency finding for ${regional.country}), not at the endpoint` }],
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
                run.buckets.push(bk);
                for (const e of bk.slow) pushEvidence(run.evidence, e, ctx.evidenceLimit);
              } else {
                flush();
                run = { start: b, last: b, peak: p95, base, count: 1, evidence: [...bk.slow], buckets: [bk] };
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
