/**
 * Release impact (`lbua analyze --change-at T`): what got worse in the window after a change (a deploy) against the
 * same length of time before it (aggregate/change.ts counts both; default an hour each). Silent without --change-at.
 *
 * - An endpoint's server errors (5xx) rose: a two-proportion z-test on the counts (before x0/n0, after x1/n1, the
 *   pooled rate under the null), with at least `minRequests` requests on each side and `minErrors` 5xx after; the
 *   rate must at least double and rise by `minRateRise`.
 * - An endpoint got slower: its p95 after is `latencyFactor` times its p95 before or more, with `minSamples` timed
 *   requests on each side, and the share of requests after slower than the p95 before (5% before, by definition)
 *   differs from it by the same two-proportion test — a test of the quantile, not of two noisy p95s.
 * - A flow broke: the probability of a transition A → B (transitions A → B among all out of A, in sessions) fell
 *   to `flowDrop` of what it was or less, with `minTransitions` out of A on each side and `minRequests`/10 A → B
 *   before, by the same test.
 * - Sessions bounced or looped more: the bounce rate (and the loop rate) by the same test over the sessions that
 *   started in each window, at least `minSessions` on each side.
 * Every finding's window is the after window, and its title and metrics cite the change time.
 */
import type { SourceRef } from '../core/types';
import { isoTime } from '../core/units';
import type { QuantileSketch } from '../core/quantile';
import { ChangeAggregate, type ChangeJson, type ChangeSide } from '../aggregate/change';
import { defineDetector, type Finding, type Severity } from './types';
import { fmt, pushEvidence, r2 } from './shared';
import { appendAll } from '../core/arrays';

/** Options of the judge. */
export type ReleaseImpactOptions = {
  readonly zScore: number;
  readonly minRequests: number;
  readonly minErrors: number;
  readonly minRateRise: number;
  readonly minSamples: number;
  readonly latencyFactor: number;
  readonly minTransitions: number;
  readonly flowDrop: number;
  readonly minSessions: number;
};

/** One-sided z of a rise from x0/n0 to x1/n1 (pooled standard error); 0 when there is nothing to test. */
export function twoProportionZ(x0: number, n0: number, x1: number, n1: number): number {
  if (n0 <= 0 || n1 <= 0) return 0;
  const p = (x0 + x1) / (n0 + n1);
  const se = Math.sqrt(p * (1 - p) * (1 / n0 + 1 / n1));
  if (se === 0) return 0;
  return (x1 / n1 - x0 / n0) / se;
}

/** Share of a sketch's values above `v` (by bisection on its quantiles, to the sketch's accuracy). */
function shareAbove(s: QuantileSketch, v: number): number {
  if (s.count === 0) return 0;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if ((s.quantile(mid) ?? 0) <= v) lo = mid;
    else hi = mid;
  }
  return 1 - lo;
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/** Judges the aggregate: findings sorted by kind then subject (deterministic). */
export function judgeRelease(agg: ChangeAggregate, o: ReleaseImpactOptions, evidence: ReadonlyMap<string, readonly SourceRef[]>): Finding[] {
  const [b, a] = agg.sides;
  const { atMs, windowMs } = agg.window;
  const at = isoTime(atMs);
  const endMs = atMs + windowMs;
  const out: Finding[] = [];
  const base = { detector: 'release-impact', startMs: atMs, endMs, actions: [] };
  const endpoints = [...new Set([...b.endpoints.keys(), ...a.endpoints.keys()])].sort();
  for (const ep of endpoints) {
    const x = b.endpoints.get(ep);
    const y = a.endpoints.get(ep);
    if (x === undefined || y === undefined || x.requests < o.minRequests || y.requests < o.minRequests) continue;
    const r0 = x.serverErrors / x.requests;
    const r1 = y.serverErrors / y.requests;
    const z = twoProportionZ(x.serverErrors, x.requests, y.serverErrors, y.requests);
    if (y.serverErrors >= o.minErrors && z >= o.zScore && r1 >= 2 * r0 && r1 - r0 >= o.minRateRise) {
      const severity: Severity = r1 >= 0.05 ? 'high' : 'medium';
      out.push({
        ...base, severity, confidence: Math.min(0.99, r2(0.5 + z / 20)),
        title: `${ep}: server errors ${pct(r0)} → ${pct(r1)} after the change at ${at}`,
        subject: { type: 'endpoint', value: ep },
        metrics: { change_at: at, kind: 'errors', requestsBefore: x.requests, requestsAfter: y.requests, errorsBefore: x.serverErrors, errorsAfter: y.serverErrors, errorRateBefore: r2(r0 * 100) / 100, errorRateAfter: r2(r1 * 100) / 100, zScore: r2(z) },
        explanation: `5xx share of ${fmt(y.requests)} requests in the ${windowMs / 60_000} min after ${at} against ${fmt(x.requests)} in the ${windowMs / 60_000} min before: two-proportion z = ${r2(z)} (threshold ${o.zScore}).`,
        evidence: evidence.get(ep) ?? [],
      });
    }
    const nx = x.latency.count;
    const ny = y.latency.count;
    const p95b = x.latency.quantile(0.95);
    const p95a = y.latency.quantile(0.95);
    if (nx < o.minSamples || ny < o.minSamples || p95b === null || p95a === null || p95b <= 0 || p95a < o.latencyFactor * p95b) continue;
    const above = shareAbove(y.latency, p95b);
    const zl = twoProportionZ(Math.round(0.05 * nx), nx, Math.round(above * ny), ny);
    if (zl < o.zScore) continue;
    out.push({
      ...base, severity: p95a >= 2 * p95b ? 'high' : 'medium', confidence: Math.min(0.99, r2(0.5 + zl / 20)),
      title: `${ep}: p95 ${fmt(r2(p95b))} ms → ${fmt(r2(p95a))} ms after the change at ${at}`,
      subject: { type: 'endpoint', value: ep },
      metrics: { change_at: at, kind: 'latency', samplesBefore: nx, samplesAfter: ny, p95MsBefore: r2(p95b), p95MsAfter: r2(p95a), p50MsBefore: r2(x.latency.quantile(0.5) ?? 0), p50MsAfter: r2(y.latency.quantile(0.5) ?? 0), shareAboveOldP95: r2(above * 100) / 100, zScore: r2(zl) },
      explanation: `${pct(above)} of the requests after ${at} took longer than the p95 before it (${fmt(r2(p95b))} ms; 5% by definition): two-proportion z = ${r2(zl)} (threshold ${o.zScore}).`,
      evidence: [],
    });
  }
  appendAll(out, flows(b, a, o, base, at));
  for (const [kind, x0, x1, label] of [['bounce', b.bounces, a.bounces, 'bounce rate'], ['loop', b.loops, a.loops, 'loop rate']] as const) {
    if (b.sessions < o.minSessions || a.sessions < o.minSessions) break;
    const r0 = x0 / b.sessions;
    const r1 = x1 / a.sessions;
    const z = twoProportionZ(x0, b.sessions, x1, a.sessions);
    if (z < o.zScore || r1 - r0 < o.minRateRise * 5 || x1 < o.minErrors) continue;
    out.push({
      ...base, severity: 'medium', confidence: Math.min(0.99, r2(0.5 + z / 20)),
      title: `Session ${label} ${pct(r0)} → ${pct(r1)} after the change at ${at}`,
      subject: { type: 'global', value: `${kind} rate` },
      metrics: { change_at: at, kind, sessionsBefore: b.sessions, sessionsAfter: a.sessions, rateBefore: r2(r0 * 100) / 100, rateAfter: r2(r1 * 100) / 100, zScore: r2(z) },
      explanation: `Sessions are counted by their start (one spanning the change counts as before): two-proportion z = ${r2(z)} (threshold ${o.zScore}).`,
      evidence: [],
    });
  }
  return out;
}

function flows(b: ChangeSide, a: ChangeSide, o: ReleaseImpactOptions, base: Pick<Finding, 'detector' | 'startMs' | 'endMs' | 'actions'>, at: string): Finding[] {
  const out: Finding[] = [];
  for (const key of [...b.transitions.keys()].sort()) {
    const [from = '', to = ''] = key.split('\u0000');
    const c0 = b.transitions.get(key) ?? 0;
    const c1 = a.transitions.get(key) ?? 0;
    const o0 = b.outgoing.get(from) ?? 0;
    const o1 = a.outgoing.get(from) ?? 0;
    if (o0 < o.minTransitions || o1 < o.minTransitions || c0 < o.minRequests / 10) continue;
    const p0 = c0 / o0;
    const p1 = c1 / o1;
    // A fall is a rise of the other outcome: the test of "not A → B" rising.
    const z = twoProportionZ(o0 - c0, o0, o1 - c1, o1);
    if (p1 > p0 * o.flowDrop || z < o.zScore) continue;
    out.push({
      ...base, severity: p1 <= p0 / 4 ? 'high' : 'medium', confidence: Math.min(0.99, r2(0.5 + z / 20)),
      title: `Flow ${from} → ${to}: ${pct(p0)} → ${pct(p1)} of the steps out of ${from} after the change at ${at}`,
      subject: { type: 'flow', value: `${from} → ${to}` },
      metrics: { change_at: at, kind: 'flow', from, to, transitionsBefore: c0, transitionsAfter: c1, outBefore: o0, outAfter: o1, probabilityBefore: r2(p0 * 100) / 100, probabilityAfter: r2(p1 * 100) / 100, zScore: r2(z) },
      explanation: `Transition probability = steps ${from} → ${to} / all steps out of ${from}, in sessions by their start: two-proportion z = ${r2(z)} (threshold ${o.zScore}).`,
      evidence: [],
    });
  }
  return out;
}

/** The detector's state as plain JSON: the aggregate and, per endpoint, the first 5xx lines after the change. */
interface ReleaseJson {
  readonly change: ChangeJson | null;
  readonly evidence: readonly (readonly [string, readonly SourceRef[]])[];
}

export default defineDetector<ReleaseImpactOptions>({
  id: 'release-impact',
  needsChange: true,
  title: 'Release impact',
  description: 'With --change-at: endpoints whose 5xx rate or p95 rose, flows that broke and bounce or loop rates that rose in the window after the change, against the window before it.',
  defaultOptions: { zScore: 4, minRequests: 50, minErrors: 5, minRateRise: 0.01, minSamples: 100, latencyFactor: 1.5, minTransitions: 30, flowDrop: 0.5, minSessions: 50 },
  optionDocs: {
    zScore: 'one-sided two-proportion z-score a rise must reach',
    minRequests: 'requests an endpoint needs on each side (and /10: steps A → B before, for a flow)',
    minErrors: '5xx (or bounced/looping sessions) needed after the change',
    minRateRise: 'least rise of the 5xx rate (x5 for bounce and loop rates), as a fraction',
    minSamples: 'timed requests an endpoint needs on each side for its p95 to be compared',
    latencyFactor: 'p95 after / p95 before that counts as slower',
    minTransitions: 'steps out of an endpoint needed on each side for its flows to be judged',
    flowDrop: 'a flow broke when its probability fell to this fraction of what it was or less',
    minSessions: 'sessions needed on each side for bounce and loop rates to be compared',
  },
  create(options, ctx) {
    const window = ctx.change ?? null;
    const agg = window === null ? null : new ChangeAggregate(window);
    const evidence = new Map<string, SourceRef[]>();
    return {
      observe(r) {
        if (agg === null) return;
        agg.observe(r);
        if (r.status !== null && r.status >= 500 && r.status < 600 && agg.sideOf(r.startMs) === 1) {
          let list = evidence.get(r.endpoint);
          if (list === undefined) {
            if (evidence.size >= 5_000) return;
            list = [];
            evidence.set(r.endpoint, list);
          }
          pushEvidence(list, r.source, ctx.evidenceLimit);
        }
      },
      observeSession(s) {
        agg?.observeSession(s);
      },
      state: {
        toJSON: (): ReleaseJson => ({ change: agg?.toJSON() ?? null, evidence: [...evidence.entries()] }),
        merge(json, order) {
          const j = json as ReleaseJson;
          if (agg !== null && j.change !== null) agg.merge(j.change);
          for (const [ep, refs] of j.evidence) {
            const list = evidence.get(ep) ?? [];
            evidence.set(ep, [...list, ...refs].sort(order).slice(0, ctx.evidenceLimit));
          }
        },
      },
      rekey(map, order) {
        agg?.rekey(map);
        const all = [...evidence.entries()];
        evidence.clear();
        for (const [ep, refs] of all) {
          const k = map(ep);
          evidence.set(k, [...(evidence.get(k) ?? []), ...refs].sort(order).slice(0, ctx.evidenceLimit));
        }
      },
      finish: () => (agg === null ? [] : judgeRelease(agg, options, evidence)),
    };
  },
});
