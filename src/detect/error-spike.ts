/**
 * Error spikes: 5xx answers (and load-balancer-generated 460/463/502/503/504 where no target answered) per minute,
 * per target, per endpoint and overall, against the subject's own baseline (median error rate of its minutes). 501
 * and answers to methods a site does not serve are the client's doing and not counted (aggregate/subject-minutes.ts).
 * A spike whose errors at most 3 clients drew (80% of them) while the rest of its requests did not spike carries
 * caused_by and the client's share (causedMetrics); the stage makes it that client's finding (guards/client-errors.ts). A
 * minute with fewer than minErrors errors (a quiet target at night) is judged with the 5 minutes around it.
 * One incident, one finding: when one target fails while the others do not, the endpoint (and overall) spikes whose
 * errors came mostly from it are folded into the target's finding, which names them.
 * The counting is the SubjectMinutes aggregate (aggregate/subject-minutes.ts); this file is its judge, a pure
 * function of that state: the busiest `maxSubjects` targets and endpoints are judged (ties by name), whatever order
 * the input came in.
 */
import { isoTime } from '../core/units';
import type { SourceRef } from '../core/types';
import { count, requests } from '../core/capped';
import { aggregateState, defineDetector, type Finding, type Severity, type SubjectType } from './types';
import { fmt, pushEvidence, r2, sortEvidence } from './shared';
import { median } from './stats/robust';
import { SubjectMinutes, type MinuteCell } from '../aggregate/subject-minutes';

/** Options of the judge. */
export interface ErrorSpikeOptions {
  readonly minErrors: number;
  readonly factor: number;
  readonly minRate: number;
  readonly maxSubjects: number;
}

/** Consecutive hot minutes of one subject. */
interface Run {
  readonly kind: 'global' | 'target' | 'endpoint';
  readonly value: string;
  readonly base: number;
  start: number;
  last: number;
  errors: number;
  requests: number;
  lb: number;
  peak: number;
  peakRate: number;
  evidence: SourceRef[];
  byTarget: Map<string, number>;
  /** Errors by client. */
  byClient: Map<string, number>;
  /** The clients whose requests drew the run's errors, when few did and the others were served normally (clientCaused). */
  causedBy?: [string, number][] | null;
}

export default defineDetector({
  id: 'error-spike',
  title: 'Error spikes',
  description: 'Flags minutes where a target, an endpoint or the whole site returns far more 5xx (or load-balancer-generated errors) than its own baseline.',
  defaultOptions: { minErrors: 20, factor: 5, minRate: 0.05, maxSubjects: 300 },
  optionDocs: {
    minErrors: 'errors in a minute (or in the 5 minutes around a quieter one) before it can be a spike',
    factor: 'times above the subject baseline error rate to fire',
    minRate: 'error rate a spike minute must reach at least',
    maxSubjects: 'targets, and endpoints, judged (each; the busiest)',
  },
  create(o, ctx) {
    // Four times the judged subjects are kept, so the busiest keep their whole series while lighter ones come and go.
    const state = new SubjectMinutes(o.maxSubjects * 4, ctx.evidenceLimit);
    ctx.caps.watch(() => {
      const ev = state.targets.stats.evicted + state.endpoints.stats.evicted;
      if (ev === 0) return null;
      return `error-spike: per-minute series kept for at most ${count(o.maxSubjects * 4)} targets and as many endpoints (the busiest ${count(o.maxSubjects)} of each are judged); ${count(ev)} lighter series evicted (each with at most ${requests(Math.max(state.targets.stats.maxCut, state.endpoints.stats.maxCut))} when evicted)`;
    });
    return {
      state: aggregateState(state, SubjectMinutes.fromJSON),
      observe: (r) => state.add(r),
      rekey: (map, order) => state.rekey(map, order),
      finish: () => judgeErrorSpikes(state, o, ctx.evidenceLimit),
    };
  },
});

/** The findings of an error-series state. */
export function judgeErrorSpikes(state: SubjectMinutes, o: ErrorSpikeOptions, evidenceLimit: number): Finding[] {
  const runs: Run[] = [];
  const targets = state.busiest('target', o.maxSubjects).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const endpoints = state.busiest('endpoint', o.maxSubjects).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const all: [Run['kind'], string, Map<number, MinuteCell>][] = [
    ...(state.global.cells.size > 0 ? [['global', 'all', state.global.cells] as [Run['kind'], string, Map<number, MinuteCell>]] : []),
    ...targets.map(([v, s]): [Run['kind'], string, Map<number, MinuteCell>] => ['target', v, s.cells]),
    ...endpoints.map(([v, s]): [Run['kind'], string, Map<number, MinuteCell>] => ['endpoint', v, s.cells]),
  ];
  for (const [kind, value, minutes] of all) {
    const ms = [...minutes.keys()].sort((a, b) => a - b);
    const base = median(ms.map((m) => {
      const c = minutes.get(m);
      return c && c.n ? c.e / c.n : 0;
    }));
    let run: Run | null = null;
    const spiking = (e: number, n: number): boolean => n > 0 && e >= o.minErrors && e / n >= o.minRate && e / n >= o.factor * base;
    for (const m of ms) {
      const c = minutes.get(m);
      if (!c) continue;
      const rate = c.n ? c.e / c.n : 0;
      // A minute with too few requests to reach minErrors alone (a target at night) is judged with the
      // 5 minutes around it: it must be a spiking minute by rate, in a spiking 5-minute window.
      if (!(c.e > 0 && rate >= o.minRate && rate >= o.factor * base)) continue;
      if (c.e < o.minErrors) {
        let we = 0;
        let wn = 0;
        for (let k = m - 2; k <= m + 2; k++) {
          const w = minutes.get(k);
          if (w) {
            we += w.e;
            wn += w.n;
          }
        }
        if (!spiking(we, wn)) continue;
      }
      if (run && run.last >= m - 2) {
        run.last = m;
        run.errors += c.e;
        run.requests += c.n;
        run.lb += c.lb;
        run.peak = Math.max(run.peak, c.e);
        run.peakRate = Math.max(run.peakRate, rate);
        for (const e of c.evidence ?? []) pushEvidence(run.evidence, e, evidenceLimit);
      } else {
        if (run) runs.push(run);
        run = { kind, value, base, start: m, last: m, errors: c.e, requests: c.n, lb: c.lb, peak: c.e, peakRate: rate, evidence: [...(c.evidence ?? [])], byTarget: new Map(), byClient: new Map() };
      }
      for (const [t, n] of c.byTarget ?? []) run.byTarget.set(t, (run.byTarget.get(t) ?? 0) + n);
      for (const [t, n] of c.byClient ?? []) run.byClient.set(t, (run.byClient.get(t) ?? 0) + n);
    }
    if (run) runs.push(run);
  }
  // A target that failed on its own: its error rate in its window is far above the median of the other
  // targets' rates in that window (a release that breaks an endpoint everywhere fails every target alike).
  const specific = runs.filter((t) => {
    if (t.kind !== 'target') return false;
    const others: number[] = [];
    for (const [v, { cells: series }] of targets) {
      if (v === t.value) continue;
      let e = 0;
      let n = 0;
      for (let m = t.start; m <= t.last; m++) {
        const c = series.get(m);
        if (c) {
          e += c.e;
          n += c.n;
        }
      }
      if (n > 0) others.push(e / n);
    }
    return others.length > 0 && t.errors / Math.max(t.requests, 1) >= 3 * median(others) + 0.02;
  });
  const folded = new Map<Run, Run[]>();
  const kept = runs.filter((r) => {
    if (r.kind === 'target') return true;
    const over = specific.filter((t) => t.start <= r.last && r.start <= t.last);
    const explained = over.reduce((sum, t) => sum + (r.byTarget.get(t.value) ?? 0), 0);
    if (over.length === 0 || explained < 0.7 * r.errors) return true;
    const into = over.reduce((a, b) => ((r.byTarget.get(b.value) ?? 0) > (r.byTarget.get(a.value) ?? 0) ? b : a));
    const list = folded.get(into);
    if (list) list.push(r);
    else folded.set(into, [r]);
    return false;
  });
  for (const run of kept) run.causedBy = clientCaused(run, o);
  return kept.map((run) => toFinding(run, folded.get(run) ?? [], evidenceLimit));
}

/** Clients that made most of a run's errors: the fewest making 80% or more of them, when at most this many do. */
const MAX_CAUSING_CLIENTS = 3;
/** Errors the other clients must have drawn, at a spiking rate, for an outage. */
const MIN_OTHER_ERRORS = 3;

/**
 * The clients whose requests drew a run's errors (errors by client, most first), when at most MAX_CAUSING_CLIENTS
 * made 80% of them and the rest of the run's requests did not spike (fewer than MIN_OTHER_ERRORS errors, or a rate
 * under minRate or under factor × the baseline); null when the errors are spread (an outage).
 */
function clientCaused(run: Run, o: ErrorSpikeOptions): [string, number][] | null {
  const ranked = [...run.byClient].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const dom: [string, number][] = [];
  let made = 0;
  for (const [ip, n] of ranked) {
    if (made >= 0.8 * run.errors) break;
    dom.push([ip, n]);
    made += n;
  }
  if (dom.length === 0 || dom.length > MAX_CAUSING_CLIENTS || made < 0.8 * run.errors) return null;
  const e = run.errors - made;
  const n = run.requests - made;
  const othersSpike = e >= MIN_OTHER_ERRORS && n > 0 && e / n >= o.minRate && e / n >= o.factor * run.base;
  return othersSpike ? null : dom;
}

/**
 * The metrics that say few clients drew a run's errors (the stage reframes such a finding as theirs unless the
 * client is a proxy of the run: detect/guards/client-errors.ts).
 */
function causedMetrics(run: Run, dom: readonly [string, number][]): Record<string, number | string> {
  const made = dom.reduce((sum, [, n]) => sum + n, 0);
  return {
    caused_by: dom.map(([ip]) => ip).join(' '), client_errors: dom[0]?.[1] ?? 0,
    client_error_share: r2(run.errors ? (dom[0]?.[1] ?? 0) / run.errors : 0), other_errors: run.errors - made, other_requests: run.requests - made,
  };
}

function toFinding(run: Run, folded: readonly Run[], evidenceLimit: number): Finding {
  const { kind, value, base } = run;
  const rate = run.errors / Math.max(run.requests, 1);
  const severity: Severity = run.peakRate >= 0.5 ? 'critical' : run.peakRate >= 0.2 ? 'high' : 'medium';
  const subjectType: SubjectType = kind === 'global' ? 'global' : kind === 'target' ? 'target' : 'endpoint';
  const label = kind === 'global' ? 'all traffic' : value;
  const lbShare = run.errors ? run.lb / run.errors : 0;
  const endpoints = [...new Set(folded.filter((f) => f.kind === 'endpoint').map((f) => f.value))].sort();
  const alsoGlobal = folded.some((f) => f.kind === 'global');
  const seen = endpoints.length > 0 ? `; it shows on ${fmt(endpoints.length, 0)} endpoint${endpoints.length === 1 ? '' : 's'}${alsoGlobal ? ' and in all traffic' : ''}` : alsoGlobal ? '; it shows in all traffic' : '';
  return {
    detector: 'error-spike', severity, confidence: r2(Math.min(0.99, 0.6 + Math.min(run.peakRate / Math.max(base, 0.001), 100) / 250 + Math.min(run.errors, 500) / 2000)),
    title: `${label}: ${fmt(run.peakRate * 100)}% errors at peak (${fmt(run.peak, 0)}/min), baseline ${fmt(base * 100, 2)}%${lbShare >= 0.5 ? ' — mostly generated by the load balancer (no target answered)' : ''}${seen}`,
    subject: { type: subjectType, value: kind === 'global' ? 'all' : value }, startMs: run.start * 60_000, endMs: (run.last + 1) * 60_000,
    metrics: {
      peak_errors_per_minute: run.peak, peak_error_rate: r2(run.peakRate), error_rate: r2(rate), baseline_error_rate: Math.round(base * 10_000) / 10_000, errors: run.errors, requests: run.requests, lb_generated_share: r2(lbShare),
      ...(folded.length > 0 ? { endpoints_affected: endpoints.length, endpoints: endpoints.slice(0, 10).join(', ') || null } : {}),
      ...(run.causedBy ? causedMetrics(run, run.causedBy) : {}),
    },
    explanation: `Per-minute 5xx rate against the median per-minute rate of the same subject over the whole period.${folded.length > 0 ? ' The other targets stayed healthy in this window, and most errors of the endpoints listed came from this target: they are this incident, not separate ones.' : ''}`,
    evidence: sortEvidence(run.evidence).slice(0, evidenceLimit),
    actions: [kind === 'target'
      ? { type: 'capacity', subject: value, why: 'this target failed while others did not: check its health, deploys and capacity' }
      : { type: 'investigate', subject: label, window: `${isoTime(run.start * 60_000)}/${isoTime((run.last + 1) * 60_000)}`, why: 'look for a release or dependency failure in this window' }],
  };
}
