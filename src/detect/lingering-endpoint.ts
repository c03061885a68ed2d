/**
 * Lingering endpoints: endpoints whose latency (p95 of total and backend time) rises against their own earlier
 * level — p95 per 5-minute bucket compared with the median of the endpoint's earlier buckets.
 * With geo data, a rise that only clients of one country see (a minority of the endpoint's requests, most of its
 * slow ones, and elsewhere under the threshold) is named as that region's and kept as context (low): the endpoint
 * is not slower for anyone else, and a regional latency finding is where the action is.
 * The counting is the EndpointLatency aggregate (aggregate/endpoint-latency.ts: per endpoint per bucket a 160-bin
 * coarse latency histogram, ±5%, the earliest slow requests and, with geo data, 7 counts per country); this file is
 * its judge, a pure function of that state: the busiest `maxEndpoints` endpoints are judged (ties by name), and in
 * each bucket its busiest 16 countries are named (the rest counted together), whatever order the input came in.
 */
import { isoTime } from '../core/units';
import type { SourceRef } from '../core/types';
import { count, requests } from '../core/capped';
import { aggregateState, defineDetector, type Finding, type Severity } from './types';
import { fmt, pushEvidence, r2, sortEvidence } from './shared';
import { median } from './stats/robust';
import { EndpointLatency } from '../aggregate/endpoint-latency';
import { LADDER, LADDER_COUNTRIES, OTHER } from '../aggregate/ladder';
import type { LatencyCell } from '../aggregate/latency-buckets';

/** Options of the judge. */
export interface LingeringEndpointOptions {
  readonly bucketMinutes: number;
  readonly factor: number;
  readonly minIncreaseMs: number;
  readonly minRequests: number;
  readonly minBuckets: number;
  readonly warmupBuckets: number;
  readonly maxEndpoints: number;
}

/** Countries named per bucket (its busiest; the others are counted together, never named). */
const MAX_COUNTRIES = 16;

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
function regionalCause(buckets: readonly LatencyCell[], threshold: number): Regional | null {
  let step = -1;
  for (let i = 0; i < LADDER.length; i++) if ((LADDER[i] ?? Infinity) <= threshold) step = i;
  if (step < 0) return null;
  const byCountry = new Map<string, { n: number; slow: number }>();
  let n = 0;
  let slow = 0;
  for (const b of buckets) {
    const ladder = b.ladder;
    if (ladder === null) return null;
    const named = namedCountries(ladder);
    for (let i = 0; i < ladder.size; i++) {
      const c = named.has(i) ? ladder.code(i) : OTHER;
      const e = byCountry.get(c) ?? { n: 0, slow: 0 };
      e.n += ladder.at(i, 0);
      e.slow += ladder.at(i, step + 1);
      byCountry.set(c, e);
    }
    n += b.hist.count;
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

/** Indices of a bucket's named countries: its busiest MAX_COUNTRIES (ties: by code). */
function namedCountries(ladder: NonNullable<LatencyCell['ladder']>): Set<number> {
  const idx: number[] = [];
  for (let i = 0; i < ladder.size; i++) if (ladder.code(i) !== OTHER) idx.push(i);
  if (idx.length > MAX_COUNTRIES) {
    idx.sort((a, b) => ladder.at(b, 0) - ladder.at(a, 0) || (ladder.code(a) < ladder.code(b) ? -1 : 1));
    idx.length = MAX_COUNTRIES;
  }
  return new Set(idx);
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
    maxEndpoints: 'endpoints judged (the busiest)',
  },
  create(o, ctx) {
    // Four times the judged endpoints are kept, so the busiest keep their whole series while lighter ones come and go.
    const state = EndpointLatency.create({ bucketMs: o.bucketMinutes * 60_000, maxEndpoints: o.maxEndpoints * 4, evidenceLimit: ctx.evidenceLimit, geo: ctx.geo });
    ctx.caps.watch(() => {
      const { evicted, maxCut } = state.endpoints.series.stats;
      const folded = state.endpoints.ladderEvictions;
      if (evicted === 0 && folded === 0) return null;
      return `lingering-endpoint: ` + [
        evicted === 0 ? null : `per-bucket latency kept for at most ${count(o.maxEndpoints * 4)} endpoints (the busiest ${count(o.maxEndpoints)} are judged); ${count(evicted)} lighter series evicted (each with at most ${requests(maxCut)} when evicted)`,
        folded === 0 ? null : `${count(folded)} times a bucket had more than ${count(LADDER_COUNTRIES)} client countries, its lightest was counted with the unnamed rest`,
      ].filter((x) => x !== null).join('; ');
    });
    return {
      state: aggregateState(state, EndpointLatency.fromJSON),
      observe: (r) => state.add(r),
      rekey: (map, order) => state.rekey(map, order),
      finish: () => judgeLingeringEndpoints(state, o, ctx.evidenceLimit),
    };
  },
});

/** The findings of an endpoint-latency state. */
export function judgeLingeringEndpoints(state: EndpointLatency, o: LingeringEndpointOptions, evidenceLimit: number): Finding[] {
  const bucketMs = state.bucketMs;
  const out: Finding[] = [];
  const endpoints = state.endpoints.busiest(o.maxEndpoints).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (const [endpoint, { cells: buckets }] of endpoints) {
    const keys = [...buckets.keys()].sort((a, b) => a - b);
    const history: number[] = [];
    let run: { start: number; last: number; peak: number; base: number; count: number; evidence: SourceRef[]; buckets: LatencyCell[] } | null = null;
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
          evidence: sortEvidence(run.evidence).slice(0, evidenceLimit),
          actions: [regional === null
            ? { type: 'investigate', subject: endpoint, window, why: 'latency of this endpoint rose against its own level: check releases, slow queries and dependencies in this window' }
            : { type: 'investigate', subject: regional.country, window, why: `only clients in ${regional.country} see this endpoint slower: look at the path from that region (see a regional latency finding for ${regional.country}), not at the endpoint` }],
        });
      }
      run = null;
    };
    for (const b of keys) {
      const bk = buckets.get(b);
      if (!bk || bk.hist.count < o.minRequests) continue;
      const p95 = bk.hist.quantile(0.95) ?? 0;
      const base = history.length >= o.warmupBuckets ? median(history) : null;
      const slow = base !== null && p95 >= o.factor * base && p95 - base >= o.minIncreaseMs;
      if (slow && base !== null) {
        if (run && run.last >= b - 1) {
          run.last = b;
          run.count++;
          run.peak = Math.max(run.peak, p95);
          run.buckets.push(bk);
          for (const e of bk.evidence ?? []) pushEvidence(run.evidence, e, evidenceLimit);
        } else {
          flush();
          run = { start: b, last: b, peak: p95, base, count: 1, evidence: [...(bk.evidence ?? [])], buckets: [bk] };
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
}
