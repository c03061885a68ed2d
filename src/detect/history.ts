/**
 * `history`: judges the run against a learned baseline (`lbua analyze --baseline baseline.json`; without one it is
 * not selected). The run counts into the same per-day aggregate as `lbua baseline build` (aggregate/baseline.ts),
 * and the judge compares each hour of it with the same hour of the baseline's days: the same hour of the same
 * weekday when the baseline holds 14 days or more (hour of week), else the same hour of every day (hour of day).
 * A day of the run that the baseline also holds is left out of its own reference.
 *
 * Kinds (metrics.kind):
 * - `new-endpoint`, `new-asn`, `new-country`, `new-agent-family`, `new-tls`: a key no baseline day holds, taking
 *   `newMinRequests` requests or more (endpoints: not counting paths that do not exist, answered 400/404/...);
 *   a new ASN or country whose error rate is `errorFactor`× the baseline's is high;
 * - `traffic` (up or down), `error-rate`, `latency` (geometric mean): an hour, for all traffic and per endpoint, far
 *   from the reference hours: median and spread (1.4826·MAD over the reference days, at least `spreadFloor` of the
 *   median; for counts also the Poisson spread); consecutive hours of one kind and subject are one finding.
 * Each finding says what the baseline expected (`expected`, `expected_spread`), what was seen (`observed`) and how
 * many days it was learned from (`baseline_days`).
 *
 * Memory: the run's state is per day × hour × endpoint (capped as the baseline is, aggregate/baseline.ts).
 */
import { aggregateState, defineDetector, type Finding, type Severity } from './types';
import { fmt, r2 } from './shared';
import { median } from './stats/robust';
import { Baseline, latencyOf, OTHER, UNROUTED, dateOf, type BaselineDay, type Stat } from '../aggregate/baseline';

/** Options of the judge. */
export interface HistoryOptions {
  readonly minDays: number;
  readonly newMinRequests: number;
  readonly hourMinRequests: number;
  readonly trafficFactor: number;
  readonly latencyFactor: number;
  readonly errorFactor: number;
  readonly minErrors: number;
  readonly z: number;
  readonly spreadFloor: number;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export default defineDetector({
  id: 'history',
  title: 'Against the learned baseline',
  description: 'With --baseline: flags endpoints, networks, countries and agents never seen before taking real traffic, and hours whose traffic, error rate or latency is far from the same hour of the learned days.',
  needsBaseline: true,
  defaultOptions: { minDays: 3, newMinRequests: 200, hourMinRequests: 200, trafficFactor: 1.5, latencyFactor: 1.3, errorFactor: 2, minErrors: 20, z: 4, spreadFloor: 0.1 },
  optionDocs: {
    minDays: 'reference days needed for an hour to be judged (hour of week needs 2 of the same weekday)',
    newMinRequests: 'requests a never-seen endpoint, ASN, country, agent family or TLS version needs to be a finding',
    hourMinRequests: 'requests an hour (or an endpoint\'s hour) needs, today or in the reference, to be judged',
    trafficFactor: 'times above (or below 1/x of) the reference median an hour\'s requests must be',
    latencyFactor: 'times the reference median an hour\'s geometric-mean latency must be',
    errorFactor: 'times the reference error rate an hour\'s (or a new network\'s) error rate must be',
    minErrors: 'errors needed for an error-rate finding',
    z: 'robust z-score (distance from the reference median in spreads) needed',
    spreadFloor: 'least spread, as a fraction of the reference median',
  },
  create(o, ctx) {
    const today = new Baseline({ geo: ctx.geo, routes: [] });
    return {
      state: aggregateState(today, (j) => Baseline.fromJSON(j)),
      observe: (r) => today.add(r),
      observeSession: (s) => today.addSession(s),
      rekey: (map) => today.rekey(map),
      finish: () => (ctx.baseline ? judgeHistory(today, ctx.baseline, o) : []),
    };
  },
});

/** A reference: values over days, their median and spread. */
interface Reference {
  readonly values: number[];
  readonly median: number;
  readonly spread: number;
}

function reference(values: number[], floor: number, minAbs = 0): Reference {
  const m = median(values);
  const mad = median(values.map((v) => Math.abs(v - m)));
  return { values, median: m, spread: Math.max(1.4826 * mad, floor * m, minAbs) };
}

/** One hour out of line. */
interface Hit {
  readonly kind: 'traffic' | 'error-rate' | 'latency';
  readonly subject: { readonly type: 'global' | 'endpoint'; readonly value: string };
  readonly startMs: number;
  readonly observed: number;
  readonly expected: number;
  readonly spread: number;
  readonly z: number;
  readonly requests: number;
  readonly days: number;
}

/** The findings of a run's state against a baseline (pure). */
export function judgeHistory(today: Baseline, base: Baseline, o: HistoryOptions): Finding[] {
  const baseDays = base.sortedDays();
  const out: Finding[] = [];
  const hits: Hit[] = [];
  for (const { startMs: dayMs, date, day } of today.sortedDays()) {
    const others = baseDays.filter((b) => b.date !== date);
    if (others.length < Math.min(o.minDays, 2)) continue;
    const weekly = others.length >= 14;
    const weekday = new Date(dayMs).getUTCDay();
    const refDays = weekly ? others.filter((b) => new Date(b.startMs).getUTCDay() === weekday) : others;
    const need = weekly ? 2 : o.minDays;
    for (let h = 0; h < 24; h++) {
      const refs = refDays.filter((b) => b.day.covers(b.startMs, h));
      if (refs.length < need) continue;
      const t0 = dayMs + h * HOUR_MS;
      const judge = (subject: Hit['subject'], now: Stat | undefined, past: (d: BaselineDay) => Stat | undefined, fullHour: boolean): void => {
        const x = now ?? [0, 0, 0, 0];
        const ref = refs.map((r) => past(r.day) ?? [0, 0, 0, 0]);
        const req = x[0] ?? 0;
        const hit = (kind: Hit['kind'], observed: number, r: Reference, z: number): void => {
          hits.push({ kind, subject, startMs: t0, observed, expected: r.median, spread: r.spread, z, requests: req, days: refs.length });
        };
        // Traffic, up or down (only for hours the run covers whole).
        const counts = reference(ref.map((s) => s[0] ?? 0), o.spreadFloor);
        const cSpread = Math.max(counts.spread, Math.sqrt(counts.median));
        if (fullHour && Math.max(req, counts.median) >= o.hourMinRequests) {
          const z = (req - counts.median) / Math.max(1, cSpread);
          const far = req >= counts.median * o.trafficFactor || req * o.trafficFactor <= counts.median;
          if (far && Math.abs(z) >= o.z) hit('traffic', req, { ...counts, spread: cSpread }, z);
        }
        if (req < o.hourMinRequests) return;
        // Error rate: the errors over what the reference rate expects of this hour's requests.
        const rates = reference(ref.filter((s) => (s[0] ?? 0) > 0).map((s) => (s[1] ?? 0) / (s[0] ?? 1)), o.spreadFloor);
        const errors = x[1] ?? 0;
        const expectedErrors = rates.median * req;
        const eSpread = Math.sqrt(Math.max(1, expectedErrors) + (rates.spread * req) ** 2);
        const ez = (errors - expectedErrors) / eSpread;
        if (rates.values.length >= need && errors >= o.minErrors && errors >= o.errorFactor * expectedErrors && ez >= o.z) {
          hit('error-rate', errors / req, rates, ez);
        }
        // Latency level (geometric mean).
        const lat = latencyOf(x);
        const lats = ref.filter((s) => (s[2] ?? 0) >= o.hourMinRequests / 2).map((s) => latencyOf(s) ?? 0);
        if (lat !== null && lats.length >= need) {
          const r = reference(lats, o.spreadFloor);
          const z = (lat - r.median) / Math.max(1e-9, r.spread);
          if (lat >= r.median * o.latencyFactor && z >= o.z) hit('latency', lat, r, z);
        }
      };
      const fullHour = day.covers(dayMs, h);
      judge({ type: 'global', value: 'all' }, day.hours[h], (d) => d.hours[h], fullHour);
      for (const [ep, hours] of day.endpoints) {
        if (ep === OTHER || ep === UNROUTED) continue;
        judge({ type: 'endpoint', value: ep }, hours[h], (d) => d.endpoints.get(ep)?.[h], fullHour);
      }
    }
    for (const f of newKeys(day, dayMs, others.map((b) => b.day), o)) out.push(f);
  }
  for (const f of spans(hits, o)) out.push(f);
  return out.sort((a, b) => a.startMs - b.startMs || (a.subject.value < b.subject.value ? -1 : a.subject.value > b.subject.value ? 1 : 0));
}

/** Consecutive hours of one kind and subject → one finding each. */
function spans(hits: readonly Hit[], o: HistoryOptions): Finding[] {
  const groups = new Map<string, Hit[]>();
  for (const h of hits) {
    const k = `${h.kind}|${h.subject.type}|${h.subject.value}|${h.z > 0 ? 'up' : 'down'}`;
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [h]);
    else g.push(h);
  }
  const out: Finding[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => a.startMs - b.startMs);
    let run: Hit[] = [];
    const close = (): void => {
      if (run.length > 0) out.push(spanFinding(run, o));
      run = [];
    };
    for (const h of g) {
      const prev = run[run.length - 1];
      if (prev !== undefined && h.startMs - prev.startMs > HOUR_MS) close();
      run.push(h);
    }
    close();
  }
  return out;
}

function spanFinding(run: readonly Hit[], o: HistoryOptions): Finding {
  const worst = run.reduce((a, b) => (Math.abs(b.z) > Math.abs(a.z) ? b : a));
  const first = run[0] ?? worst;
  const last = run[run.length - 1] ?? worst;
  const ratio = worst.expected > 0 ? worst.observed / worst.expected : Number.POSITIVE_INFINITY;
  const up = worst.z > 0;
  const where = worst.subject.type === 'global' ? 'all traffic' : worst.subject.value;
  const hours = `${run.length} hour${run.length === 1 ? '' : 's'}`;
  const value = (v: number): string => (worst.kind === 'error-rate' ? `${fmt(v * 100, 2)}%` : worst.kind === 'latency' ? `${fmt(v, 0)} ms` : `${fmt(v, 0)} req/h`);
  const what = worst.kind === 'traffic' ? (up ? 'traffic above' : 'traffic below') : worst.kind === 'error-rate' ? 'error rate above' : 'latency above';
  const big = Math.abs(worst.z) >= 2 * o.z && (up ? ratio >= 2 : ratio <= 0.5) && run.length >= 2;
  const severity: Severity = worst.kind === 'traffic' && !up ? (big ? 'high' : 'medium') : big && worst.kind !== 'traffic' ? 'high' : 'medium';
  return {
    detector: 'history',
    severity,
    confidence: Math.min(0.95, 0.5 + Math.abs(worst.z) / 40),
    title: `${where}: ${what} the same hour of ${worst.days} learned days — ${value(worst.observed)} vs ${value(worst.expected)} expected (±${value(worst.spread)}) for ${hours}`,
    subject: worst.subject,
    startMs: first.startMs,
    endMs: last.startMs + HOUR_MS,
    metrics: {
      kind: worst.kind, direction: up ? 'up' : 'down', observed: r2(worst.observed), expected: r2(worst.expected), expected_spread: r2(worst.spread),
      ratio: Number.isFinite(ratio) ? r2(ratio) : null, z: r2(worst.z), hours: run.length, requests: worst.requests, baseline_days: worst.days,
    },
    explanation: `Each hour is compared with the same hour of the baseline's days (median and spread over ${worst.days} days: 1.4826·MAD, at least ${fmt(o.spreadFloor * 100, 0)}% of the median); the worst hour is shown.`,
    evidence: [],
    actions: [{ type: 'investigate', subject: where, window: `${dateOf(first.startMs)} ${hours}`, why: `${what} its learned level` }],
  };
}

/** Keys no baseline day holds that take real traffic today. */
function newKeys(day: BaselineDay, dayMs: number, past: readonly BaselineDay[], o: HistoryOptions): Finding[] {
  const out: Finding[] = [];
  const totalOf = (d: BaselineDay): { requests: number; errors: number } => {
    let requests = 0;
    let errors = 0;
    for (const s of d.hours) {
      requests += s[0] ?? 0;
      errors += s[1] ?? 0;
    }
    return { requests, errors };
  };
  const total = totalOf(day);
  const rates = past.map(totalOf).filter((t) => t.requests > 0).map((t) => t.errors / t.requests);
  const rate = reference(rates, o.spreadFloor);
  const window = { startMs: Number.isFinite(day.firstMs) ? day.firstMs : dayMs, endMs: Number.isFinite(day.lastMs) ? day.lastMs + 1 : dayMs + DAY_MS };
  const add = (type: Finding['subject']['type'], kind: string, value: string, label: string, s: Stat, startMs = window.startMs, endMs = window.endMs): void => {
    const req = s[0] ?? 0;
    const errors = s[1] ?? 0;
    const expectedErrors = rate.median * req;
    const errorZ = (errors - expectedErrors) / Math.sqrt(Math.max(1, expectedErrors) + (rate.spread * req) ** 2);
    const erring = errors >= o.minErrors && errors >= o.errorFactor * expectedErrors && errorZ >= o.z;
    const lat = latencyOf(s);
    const share = total.requests > 0 ? req / total.requests : 0;
    out.push({
      detector: 'history',
      severity: erring ? 'high' : 'medium',
      confidence: 0.8,
      title: `${label}: never seen in ${past.length} learned days, now ${fmt(req, 0)} requests (${fmt(share * 100, 1)}% of the day)${erring ? `, ${fmt((errors / req) * 100, 2)}% errors vs ${fmt(rate.median * 100, 2)}% expected` : ''}`,
      subject: { type, value },
      startMs,
      endMs,
      metrics: {
        kind, requests: req, share: r2(share), errors, error_rate: r2(req > 0 ? errors / req : 0) , observed: req, expected: 0, expected_spread: 0,
        expected_error_rate: Math.round(rate.median * 1e6) / 1e6, expected_error_rate_spread: Math.round(rate.spread * 1e6) / 1e6, error_z: r2(errorZ),
        latency_ms: lat === null ? null : r2(lat), baseline_days: past.length,
      },
      explanation: `A key none of the baseline's ${past.length} days holds, with ${fmt(o.newMinRequests, 0)} requests or more; its error rate is judged against the baseline's daily error rate (median and spread over the days).`,
      evidence: [],
      actions: [{ type: 'investigate', subject: label, window: dateOf(dayMs), why: `new ${kind.slice(4)} taking traffic` }],
    });
  };
  const seen = (pick: (d: BaselineDay) => ReadonlyMap<string, unknown>, k: string): boolean => past.some((d) => pick(d).has(k));
  for (const [ep, hours] of day.endpoints) {
    if (ep === OTHER || ep === UNROUTED || seen((d) => d.endpoints, ep)) continue;
    const s = day.endpointTotal(ep);
    if ((s[0] ?? 0) < o.newMinRequests) continue;
    const active = hours.flatMap((x, h) => (x === undefined ? [] : [h]));
    add('endpoint', 'new-endpoint', ep, ep, s, dayMs + (active[0] ?? 0) * HOUR_MS, dayMs + ((active[active.length - 1] ?? 23) + 1) * HOUR_MS);
  }
  for (const [asn, s] of day.asns) if (asn !== OTHER && (s[0] ?? 0) >= o.newMinRequests && !seen((d) => d.asns, asn)) add('asn', 'new-asn', asn, `AS${asn}`, s);
  for (const [cc, s] of day.countries) if (cc !== OTHER && (s[0] ?? 0) >= o.newMinRequests && !seen((d) => d.countries, cc)) add('country', 'new-country', cc, cc, s);
  for (const [f, n] of day.families) if (f !== OTHER && n >= o.newMinRequests && !seen((d) => d.families, f)) add('user_agent', 'new-agent-family', f, f, [n, 0, 0, 0]);
  for (const [t, n] of day.tls) if (t !== OTHER && n >= o.newMinRequests && !seen((d) => d.tls, t)) add('tls', 'new-tls', t, t, [n, 0, 0, 0]);
  return out;
}
