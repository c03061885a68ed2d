/**
 * Error spikes: 5xx answers (and load-balancer-generated 460/463/502/503/504 where no target answered) per minute,
 * per target, per endpoint and overall, against the subject's own baseline (median error rate of its minutes). 501
 * and answers to methods a site does not serve are the client's doing and not counted (aggregate/subject-minutes.ts).
 * A spike whose errors at most 3 clients drew (80% of them) while the other clients' requests did not spike is those
 * clients' finding (subject ip, medium, one per client and window, naming its endpoints), not an outage. A
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
  byClient: Map<string, number>;
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
  // Errors one client (or a few) drew while the others were served normally are those clients' doing, not an outage.
  const outages: Run[] = [];
  const byClient = new Map<string, { dom: [string, number][]; run: Run }[]>();
  for (const run of kept) {
    const dom = clientCaused(run, o);
    if (dom === null) outages.push(run);
    else {
      const client = dom[0]?.[0] ?? '';
      const list = byClient.get(client) ?? [];
      list.push({ dom, run });
      byClient.set(client, list);
    }
  }
  const out = outages.map((run) => toFinding(run, folded.get(run) ?? [], evidenceLimit));
  for (const [client, list] of [...byClient].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    list.sort((a, b) => a.run.start - b.run.start || (a.run.kind < b.run.kind ? -1 : a.run.kind > b.run.kind ? 1 : 0));
    let group: { dom: [string, number][]; run: Run }[] = [];
    for (const x of list) {
      const last = group.length > 0 ? Math.max(...group.map((g) => g.run.last)) : Number.NEGATIVE_INFINITY;
      if (group.length > 0 && x.run.start > last + 2) {
        out.push(clientFinding(client, group, evidenceLimit));
        group = [];
      }
      group.push(x);
    }
    if (group.length > 0) out.push(clientFinding(client, group, evidenceLimit));
  }
  return out;
}

/** Clients that made most of a run's errors: the fewest making 80% or more of them, when at most this many do. */
const MAX_CAUSING_CLIENTS = 3;
/** Errors the other clients must have drawn, at a spiking rate, for an outage. */
const MIN_OTHER_ERRORS = 3;

/**
 * The clients whose requests drew a run's errors (errors by client, most first), when at most MAX_CAUSING_CLIENTS
 * made 80% of them and the other clients' requests in the run did not spike (fewer than MIN_OTHER_ERRORS errors, or
 * a rate under minRate or under factor × the baseline); null when the errors are spread (an outage).
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

/** One finding for the runs (all traffic, endpoints, targets) whose errors one client's requests drew. */
function clientFinding(client: string, group: readonly { dom: [string, number][]; run: Run }[], evidenceLimit: number): Finding {
  // The widest run (all traffic when there is one) gives the totals.
  const main = [...group].sort((a, b) => b.run.errors - a.run.errors || (a.run.kind === 'global' ? -1 : 1))[0] ?? group[0];
  if (main === undefined) throw new Error('empty group');
  const { run, dom } = main;
  const mine = dom[0]?.[1] ?? 0;
  const others = dom.slice(1).map(([ip]) => ip);
  const endpoints = [...new Set(group.filter((g) => g.run.kind === 'endpoint').map((g) => g.run.value))].sort();
  const targets = [...new Set(group.filter((g) => g.run.kind === 'target').map((g) => g.run.value))].sort();
  const start = Math.min(...group.map((g) => g.run.start));
  const last = Math.max(...group.map((g) => g.run.last));
  const otherErrors = run.errors - dom.reduce((sum, [, n]) => sum + n, 0);
  const otherRequests = run.requests - dom.reduce((sum, [, n]) => sum + n, 0);
  const share = run.errors ? mine / run.errors : 0;
  const evidence: SourceRef[] = [];
  for (const g of group) for (const e of g.run.evidence) if (!evidence.some((x) => x.file === e.file && x.line === e.line)) pushEvidence(evidence, e, evidenceLimit * 2);
  return {
    detector: 'error-spike', severity: 'medium', confidence: r2(Math.min(0.95, 0.6 + share * 0.3)),
    title: `${client}: its requests drew ${fmt(mine, 0)} server errors, ${fmt(share * 100)}% of the ${run.kind === 'global' ? "site's" : `${run.value}'s`} errors${others.length > 0 ? ` (with ${others.join(', ')})` : ''}${endpoints.length > 0 ? ` on ${fmt(endpoints.length, 0)} endpoint${endpoints.length === 1 ? '' : 's'}` : ''} — ${otherRequests > 0 ? `the other clients got ${fmt(otherErrors, 0)} errors in ${fmt(otherRequests, 0)} requests` : 'it was the only client then'}: not an outage`,
    subject: { type: 'ip', value: client }, startMs: start * 60_000, endMs: (last + 1) * 60_000,
    metrics: {
      client_errors: mine, client_error_share: r2(share), errors: run.errors, requests: run.requests, peak_error_rate: r2(run.peakRate),
      other_errors: otherErrors, other_requests: otherRequests, causing_clients: dom.map(([ip]) => ip).join(' '),
      endpoints_affected: endpoints.length, endpoints: endpoints.slice(0, 10).join(', ') || null, targets: targets.slice(0, 10).join(', ') || null,
    },
    explanation: `At most ${MAX_CAUSING_CLIENTS} clients made 80% or more of the spike's errors and the other clients' requests in the same minutes did not spike (under ${MIN_OTHER_ERRORS} errors, or under the error-rate thresholds): the errors are what these clients sent (input the site fails on, or a method it does not serve), not a failure of the site. An outage needs errors spread over more clients.`,
    evidence: sortEvidence(evidence).slice(0, evidenceLimit),
    actions: [{ type: 'investigate', subject: client, window: `${isoTime(start * 60_000)}/${isoTime((last + 1) * 60_000)}`, why: "look at what this client sent: requests the site fails on (a bug it may be probing for); see its other findings (scanner, burst) for what to do about it" }],
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
    },
    explanation: `Per-minute 5xx rate against the median per-minute rate of the same subject over the whole period.${folded.length > 0 ? ' The other targets stayed healthy in this window, and most errors of the endpoints listed came from this target: they are this incident, not separate ones.' : ''}`,
    evidence: sortEvidence(run.evidence).slice(0, evidenceLimit),
    actions: [kind === 'target'
      ? { type: 'capacity', subject: value, why: 'this target failed while others did not: check its health, deploys and capacity' }
      : { type: 'investigate', subject: label, window: `${isoTime(run.start * 60_000)}/${isoTime((run.last + 1) * 60_000)}`, why: 'look for a release or dependency failure in this window' }],
  };
}
