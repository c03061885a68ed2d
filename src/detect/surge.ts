/**
 * Traffic surges and drops overall: minutes far above or below the recent level (robust baseline: median of the
 * previous hour's minutes). A surge is `minMinutes` consecutive minutes at `factor` x the baseline, or a sustained
 * rise: `sustainedMinutes` or more whose 5-minute centred mean reaches `sustainedFactor` x (and 5 standard errors
 * above the baseline, by the spread of the previous hour's minutes) and stays at 80% of that
 * (a campaign that keeps traffic near 3x for 20 minutes, with noisy minutes, may never hold 3x three minutes in a
 * row); a sustained rise around a run at `factor` x is reported as that run. A surge spread over many countries, networks and ordinary clients is reported as a
 * likely legitimate surge (campaign, launch), not as an attack; a concentrated one points at the sources.
 * The counting is the NetworkMinutes aggregate (aggregate/network-minutes.ts: per minute, requests, exact requests
 * per /24 or /64, countries, a client sketch); this file is its judge, a pure function of that state.
 */
import { isoTime } from '../core/units';
import type { EnrichedRecord } from '../enrich/types';
import { aggregateState, defineDetector, type Finding, type Severity } from './types';
import { fmt, r2 } from './shared';
import { count } from '../core/capped';
import { NetworkMinutes } from '../aggregate/network-minutes';
import type { Baseline } from '../aggregate/baseline';
import { HyperLogLog } from '../core/hll';
import { countsMedianMad } from './stats/robust';

/** Networks counted per minute at most (hostile input); the rest count in the minute's total. */
const MAX_NETWORKS_PER_MINUTE = 65_536;

/** Options of the judge. */
export interface SurgeOptions {
  readonly factor: number;
  readonly sustainedFactor: number;
  readonly sustainedMinutes: number;
  readonly dropFactor: number;
  readonly minMinutes: number;
  readonly baselineMinutes: number;
  readonly minBaseline: number;
  readonly organicTopShare: number;
}

export default defineDetector({
  id: 'surge',
  title: 'Traffic surges and drops',
  description: 'Flags minutes where total traffic rises far above or falls far below its recent level, and says whether a surge looks organic or concentrated.',
  defaultOptions: { factor: 3, sustainedFactor: 2, sustainedMinutes: 10, dropFactor: 0.25, minMinutes: 3, baselineMinutes: 60, minBaseline: 20, organicTopShare: 0.1 },
  optionDocs: {
    factor: 'times the baseline (median of the previous hour) a surge minute reaches',
    sustainedFactor: 'times the baseline the 5-minute mean of a sustained surge reaches',
    sustainedMinutes: 'minutes a sustained surge lasts at least',
    dropFactor: 'fraction of the baseline below which a minute is a drop',
    minMinutes: 'consecutive minutes needed',
    baselineMinutes: 'minutes of history in the baseline',
    minBaseline: 'baseline requests per minute needed to judge (quiet sites are skipped)',
    organicTopShare: 'largest single-network share of the rise below which a surge looks organic',
  },
  create(o, ctx) {
    const state = new NetworkMinutes(MAX_NETWORKS_PER_MINUTE, ctx.geo);
    ctx.caps.watch(() => (state.cappedMinutes === 0 ? null
      : `surge: networks counted per minute capped at ${count(MAX_NETWORKS_PER_MINUTE)}; in ${count(state.cappedMinutes)} minutes later networks count in the minute's total only (not in who made a rise)`));
    return {
      state: aggregateState(state, (j) => NetworkMinutes.fromJSON(j, ctx.geo)),
      observe: (r: EnrichedRecord) => state.add(r),
      finish: () => judgeSurges(state, o, ctx.baseline ?? null),
    };
  },
});

/** The findings of a traffic-per-minute state (pure). */
export function judgeSurges(state: NetworkMinutes, o: SurgeOptions, baseline: Baseline | null = null): Finding[] {
  const minutes = state.minutes;
  const out: Finding[] = [];
  const ms = [...minutes.keys()].sort((a, b) => a - b);
  if (ms.length === 0) return out;
  const first = ms[0] ?? 0;
  const last = ms[ms.length - 1] ?? 0;
  // Sparse walk: minutes far from any traffic are skipped, so a stray timestamp years away costs nothing.
  const count = (m: number): number => minutes.get(m)?.n ?? 0;
  /** What a finding is made of. */
  type Span = { kind: 'surge' | 'drop'; start: number; end: number; peak: number; base: number };
  /** Minutes at factor x (or dropFactor x): `streak` hot minutes in a row up to `end`, `longest` the longest (a run bridges one quiet minute). */
  type Run = Span & { streak: number; longest: number };
  /** A sustained rise: `threshold` is the 5-minute mean it started above (it goes on while above 80% of it). */
  type Held = Span & { threshold: number };
  const runs: Run[] = [];
  const sustained: Held[] = [];
  let run: Run | null = null;
  let held: Held | null = null;
  const flush = (): void => {
    if (run && run.longest >= o.minMinutes) runs.push(run);
    run = null;
  };
  const flushHeld = (): void => {
    if (held && held.end - held.start + 1 >= o.sustainedMinutes) sustained.push(held);
    held = null;
  };
  const emit = (r: Span): void => {
    const netCounts = new Map<string, number>();
    const countries = new Set<string>();
    const clients = new HyperLogLog();
    let total = 0;
    const byId = new Map<number, number>();
    for (let m = r.start; m <= r.end; m++) {
      const s = minutes.get(m);
      if (!s) continue;
      total += s.n;
      state.forEachNetwork(s, (id, n) => byId.set(id, (byId.get(id) ?? 0) + n));
      for (const c of s.countries) countries.add(c);
      clients.merge(s.clients);
    }
    for (const [id, n] of byId) netCounts.set(state.names[id] as string, n);
    // Who made the rise: each network's requests in the run beyond its own rate in the hour before (a steady
    // client that was there all along is not part of a surge). The network with the largest rise is named.
    const before = new Map<string, number>();
    let beforeMinutes = 0;
    for (let m = Math.max(first, r.start - o.baselineMinutes); m < r.start; m++) {
      beforeMinutes++;
      const bm = minutes.get(m);
      if (bm !== undefined) state.forEachNetwork(bm, (id, n) => {
        const k = state.names[id] as string;
        before.set(k, (before.get(k) ?? 0) + n);
      });
    }
    const len = r.end - r.start + 1;
    const rises = [...netCounts.entries()].map(([k, n]): [string, number] => [k, n - (beforeMinutes > 0 ? ((before.get(k) ?? 0) * len) / beforeMinutes : 0)]);
    const risen = rises.reduce((sum, [, d]) => sum + Math.max(d, 0), 0);
    const top = rises.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    const topShare = top && total ? (netCounts.get(top[0]) ?? 0) / total : 0;
    const topRiseShare = top && risen > 0 ? Math.max(top[1], 0) / risen : 0;
    const organic = r.kind === 'surge' && topRiseShare <= o.organicTopShare && netCounts.size >= 20;
    // A drop is high only on a site busy enough (100+ requests a minute) that minutes of near silence are not
    // the lulls of ordinary traffic, whose requests come in sessions.
    const severity: Severity = r.kind === 'drop' ? (r.peak / Math.max(r.base, 1) < 0.1 && r.base >= 100 ? 'high' : 'medium') : organic ? 'info' : 'medium';
    const ratio = r.peak / Math.max(r.base, 1);
    // With a learned baseline (--baseline), as well as the previous hour: a level the same time of day reached on
    // the learned days (inside their 0.5–99.5% range of requests per minute) is the site's rhythm, not an incident.
    const season = baseline?.seasonalMinutes(r.start, r.end) ?? null;
    const usual = season !== null && (r.kind === 'surge' ? r.peak <= season.high : r.peak >= season.low);
    const seasonText = season === null ? ''
      : usual ? ` — usual for this time of day (${fmt(season.low, 0)}–${fmt(season.high, 0)} req/min on ${season.days} learned days)`
        : ` (${fmt(season.low, 0)}–${fmt(season.high, 0)} req/min at this time on ${season.days} learned days)`;
    out.push({
      detector: 'surge', severity: usual ? 'info' : severity, confidence: r2(Math.min(0.95, 0.55 + (r.end - r.start) / 60 + (r.kind === 'surge' ? Math.min(ratio, 10) / 40 : 0.2))),
      title: `${r.kind === 'drop'
        ? `traffic dropped to ${fmt(r.peak, 0)} req/min from a baseline of ${fmt(r.base, 0)} (${fmt(ratio * 100, 0)}%) for ${r.end - r.start + 1} min`
        : `traffic surge: ${fmt(r.peak, 0)} req/min, ${fmt(ratio)}x the baseline, ${organic ? `spread over ${fmt(netCounts.size, 0)} networks${countries.size ? ` in ${countries.size} countries` : ''} and ~${fmt(clients.count(), 0)} clients — likely legitimate (campaign, launch)` : `largest network ${top?.[0] ?? '?'} with ${fmt(topShare * 100, 0)}% of it${topRiseShare > topShare + 0.05 ? ` (${fmt(topRiseShare * 100, 0)}% of the rise)` : ''}`}`}${seasonText}`,
      subject: { type: 'global', value: 'all' },
      startMs: r.start * 60_000, endMs: (r.end + 1) * 60_000,
      metrics: { kind: r.kind, peak_rpm: r.peak, baseline_rpm: r2(r.base), ratio: r2(ratio), networks: netCounts.size, countries: countries.size, clients: clients.count(), top_network: top?.[0] ?? null, top_network_share: r2(topShare), top_network_rise_share: r2(topRiseShare),
        ...(season === null ? {} : { seasonal_low_rpm: season.low, seasonal_high_rpm: season.high, baseline_days: season.days }) },
      explanation: 'Requests per minute against the median of the previous hour; a surge is organic when no single /24 (or /64) carries more than a small share of the rise (its requests beyond its own rate in the hour before).',
      evidence: [],
      actions: usual ? [] : r.kind === 'drop'
        ? [{ type: 'investigate', subject: 'all traffic', window: `${isoTime(r.start * 60_000)}/${isoTime((r.end + 1) * 60_000)}`, why: 'traffic fell sharply: check DNS, the load balancer, upstream outages or a broken release' }]
        : organic ? [{ type: 'capacity', subject: 'all targets', why: 'organic surge: make sure capacity (autoscaling) keeps up' }] : [],
    });
  };
  let next = 0; // index in ms of the first active minute >= m
  for (let m = first; m <= last; m++) {
    while ((ms[next] ?? Number.POSITIVE_INFINITY) < m) next++;
    const nextActive = ms[next] ?? last;
    const prevActive = next > 0 ? (ms[next - 1] ?? first) : first;
    if (m < nextActive && m - prevActive > o.baselineMinutes) {
      // Inside a gap whose baseline window holds no traffic: nothing can start here. A drop run lasts to the
      // gap's end (every minute in it is 0); anything else ends.
      const cur = run as Run | null;
      if (cur !== null && cur.kind === 'drop' && m - cur.end <= 2) {
        cur.streak = (m - cur.end === 1 ? cur.streak : 0) + (nextActive - m);
        cur.longest = Math.max(cur.longest, cur.streak);
        cur.end = nextActive - 1;
      } else flush();
      flushHeld();
      m = nextActive - 1;
      continue;
    }
    const span = Math.min(o.baselineMinutes, m - first);
    if (span < o.baselineMinutes / 2) continue;
    let fresh: { median: number; spread: number } | null = null;
    const history = (): { median: number; spread: number } => {
      if (fresh === null) {
        // Request counts: non-negative integers, so the typed-array sort orders them as median() would.
        const xs: number[] = [];
        for (let h = m - span; h < m; h++) xs.push(count(h));
        const stats = countsMedianMad(Float64Array.from(xs));
        fresh = { median: stats.median, spread: 1.4826 * stats.mad };
      }
      return fresh;
    };
    const n = count(m);
    const mean = (count(m - 2) + count(m - 1) + n + count(m + 1) + count(m + 2)) / 5;
    // A sustained run starts where the 5-minute mean reaches sustainedFactor x the baseline and 5 standard
    // errors above it (sigma / sqrt 5, sigma = 1.4826 MAD of the previous hour's minutes: a small site's minutes
    // swing 2x on their own), and goes on while the mean stays at 80% of that.
    const held0 = held as Held | null;
    if (held0 !== null && held0.end === m - 1 && mean >= 0.8 * held0.threshold) {
      held0.end = m;
      held0.peak = Math.max(held0.peak, n);
    } else {
      flushHeld();
      const h = history();
      const threshold = Math.max(o.sustainedFactor * h.median, h.median + (5 * h.spread) / Math.sqrt(5));
      if (h.median >= o.minBaseline && mean >= threshold) held = { kind: 'surge', start: m, end: m, peak: n, base: h.median, threshold };
    }
    const base: number = run !== null ? (run as Run).base : history().median;
    if (base < o.minBaseline) {
      flush();
      continue;
    }
    const kind: 'surge' | 'drop' | null = n >= o.factor * base ? 'surge' : n <= o.dropFactor * base ? 'drop' : null;
    // A run bridges one quiet minute: a lull with one busier minute in it is one drop, not two.
    const cur = run as Run | null;
    if (kind && cur && cur.kind === kind && m - cur.end <= 2) {
      cur.streak = m - cur.end === 1 ? cur.streak + 1 : 1;
      cur.longest = Math.max(cur.longest, cur.streak);
      cur.end = m;
      cur.peak = kind === 'surge' ? Math.max(cur.peak, n) : Math.min(cur.peak, n);
    } else if (cur === null || kind !== null || m - cur.end >= 2) {
      flush();
      if (kind) run = { kind, start: m, end: m, peak: n, base, streak: 1, longest: 1 };
    }
  }
  flush();
  flushHeld();
  // A sustained rise that holds a run at `factor` x is that run's incident: the run, with its sharper window,
  // is the finding (one incident, one finding).
  const all: Span[] = [...runs, ...sustained.filter((h) => !runs.some((r) => r.kind === 'surge' && r.start <= h.end && h.start <= r.end))];
  all.sort((a, b) => a.start - b.start || (a.kind < b.kind ? -1 : 1));
  for (const r of all) emit(r);
  return out;
}
