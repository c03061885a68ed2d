/**
 * Regional latency creep: a gradual rise of latency for one country or ASN over hours — the "rising tide" no single
 * bucket shows. Per region, the p95 of each 15-minute bucket divided by the p95 of all other traffic in that bucket
 * (so a slowdown everyone sees, or a late incident on one endpoint, cancels out); the trend of that ratio is the Theil–Sen
 * slope and its significance the Mann–Kendall test; it fires when one region's p95 rises significantly (p < 0.001)
 * and against the others too (p < 0.1), while the median region stays flat.
 * An ASN that creeps with its country (90%+ of its requests from a country that creeps too) is named in the
 * country's finding instead of a finding of its own: one incident, one finding.
 * A bucket counts only with 5+ distinct clients: a hosting ASN whose traffic is a monitor and, for a while, a few
 * scripts changes its mix, not its latency.
 * Silent without geo data. The counting is the RegionLatency aggregate (aggregate/region-latency.ts: per country,
 * per ASN and for all traffic, per bucket a 160-bin histogram and, per region, the 16 smallest client hashes, as many
 * distinct clients as there are up to 16); this file is its judge, a pure function of that state: every country and
 * the busiest 800 ASNs are judged (ties by key), whatever order the input came in.
 */
import { count, requests } from '../core/capped';
import { aggregateState, defineDetector, type Finding, type Severity } from './types';
import { fmt, r2 } from './shared';
import { mannKendall, median, theilSen } from './stats/robust';
import type { CoarseHistogram } from '../core/histogram';
import { ALL, RegionLatency } from '../aggregate/region-latency';
import type { LatencySeries } from '../aggregate/latency-buckets';

/** Distinct clients a bucket counts up to (enough to tell many users from a monitor and a few scripts). */
const CLIENT_CAP = 16;
/** ASNs judged (the busiest). */
const MAX_ASNS = 800;

/** Options of the judge. */
export interface RegionalCreepOptions {
  readonly bucketMinutes: number;
  readonly minBuckets: number;
  readonly minRequests: number;
  readonly minClients: number;
  readonly maxP: number;
  readonly maxRelativeP: number;
  readonly minRise: number;
  readonly maxOtherRise: number;
}

export default defineDetector({
  id: 'regional-creep',
  title: 'Regional latency creep',
  description: 'Flags a country or ASN whose latency rises steadily over hours (Theil–Sen slope, Mann–Kendall test) while other regions stay flat.',
  defaultOptions: { bucketMinutes: 15, minBuckets: 8, minRequests: 30, minClients: 5, maxP: 0.001, maxRelativeP: 0.1, minRise: 0.5, maxOtherRise: 0.15 },
  optionDocs: {
    bucketMinutes: 'bucket length in minutes',
    minBuckets: 'buckets (with enough requests) a region needs',
    minRequests: 'requests a bucket needs to count',
    minClients: 'distinct clients a bucket needs to count (a region is its users, not a monitor and a few scripts)',
    maxP: 'Mann–Kendall p-value below which the trend of the region\'s p95 is significant',
    maxRelativeP: 'Mann–Kendall p-value below which its trend against all other traffic is significant too',
    minRise: 'relative p95 rise over the period (fitted by the slope), of the region and against all traffic, to fire, e.g. 0.5 = +50%',
    maxOtherRise: 'rise of the median region tolerated as noise; beyond it, a region must out-rise the median by minRise (a global slowdown is not regional)',
  },
  create(o, ctx) {
    // Four times the judged ASNs are kept, so the busiest keep their whole series while lighter ones come and go.
    const state = RegionLatency.create({ bucketMs: o.bucketMinutes * 60_000, maxAsns: MAX_ASNS * 4, clients: CLIENT_CAP });
    ctx.caps.watch(() => {
      const { evicted, maxCut } = state.asns.series.stats;
      if (evicted === 0) return null;
      return `regional-creep: per-bucket latency kept for at most ${count(MAX_ASNS * 4)} ASNs (the busiest ${count(MAX_ASNS)} are judged); ${count(evicted)} lighter series evicted (each with at most ${requests(maxCut)} when evicted)`;
    });
    return {
      state: aggregateState(state, RegionLatency.fromJSON),
      observe(r) {
        if (ctx.geo) state.add(r);
      },
      finish: () => judgeRegionalCreep(state, o),
    };
  },
});

/** Theil–Sen fit of ys over xs: its start (median of the first quarter), slope and relative rise. */
function fit(xs: readonly number[], ys: readonly number[], floor: number): { start: number; slope: number; rise: number } {
  const slope = theilSen(xs, ys);
  const start = Math.max(median(ys.slice(0, Math.max(2, Math.floor(ys.length / 4)))), floor);
  return { start, slope, rise: (slope * ((xs[xs.length - 1] ?? 0) - (xs[0] ?? 0))) / start };
}

/** The findings of a region-latency state. */
export function judgeRegionalCreep(state: RegionLatency, o: RegionalCreepOptions): Finding[] {
  const bucketMs = state.bucketMs;
  const out: Finding[] = [];
  const all = state.all.get(ALL)?.cells ?? new Map<number, never>();
  const byKey = (a: [string, LatencySeries], b: [string, LatencySeries]): number => (a[0] < b[0] ? -1 : 1);
  // Regions: every country, and the busiest ASNs (keyed "AS" and their number).
  const regions: [boolean, string, LatencySeries][] = [
    ...state.countries.busiest(state.countries.series.size).sort(byKey).map(([c, s]): [boolean, string, LatencySeries] => [false, c, s]),
    ...state.asns.busiest(MAX_ASNS).sort(byKey).map(([asn, s]): [boolean, string, LatencySeries] => [true, `AS${asn}`, s]),
  ];
  const trends: { isAsn: boolean; key: string; countries: ReadonlyMap<string, number> | null; rise: number; relRise: number; allRise: number; slope: number; rawSlope: number; p: number; relP: number; first: number; last: number; buckets: number; start: number; end: number }[] = [];
  for (const [isAsn, key, { cells, countries }] of regions) {
    // The reference of each bucket: all other traffic (the region's own requests taken out of the total).
    const bs = [...cells.entries()]
      .filter(([, c]) => c.hist.count >= o.minRequests && (c.clients?.length ?? 0) >= Math.min(o.minClients, CLIENT_CAP))
      .map(([b, c]): [number, CoarseHistogram, number] => [b, c.hist, all.get(b)?.hist.without(c.hist).quantile(0.95) ?? 0])
      .filter(([, , ref]) => ref > 0)
      .sort((a, b) => a[0] - b[0]);
    if (bs.length < o.minBuckets) continue;
    const xs = bs.map(([b]) => b);
    const ys = bs.map(([, h]) => h.quantile(0.95) ?? 0);
    const refs = bs.map(([, , ref]) => ref);
    const ratios = ys.map((y, i) => y / (refs[i] ?? 1));
    const raw = fit(xs, ys, 1);
    const rel = fit(xs, ratios, 0.01);
    const ref = fit(xs, refs, 1);
    const span = (xs[xs.length - 1] ?? 0) - (xs[0] ?? 0);
    trends.push({ isAsn, key, countries, rise: raw.rise, relRise: rel.rise, allRise: ref.rise, slope: rel.slope, rawSlope: raw.slope, p: mannKendall(ys).p, relP: mannKendall(ratios).p, first: raw.start, last: raw.start + raw.slope * span, buckets: bs.length, start: (xs[0] ?? 0) * bucketMs, end: ((xs[xs.length - 1] ?? 0) + 1) * bucketMs });
  }
  const countryRises = trends.filter((t) => !t.isAsn).map((t) => t.relRise);
  const typical = median(countryRises);
  // When every region drifts (a global slowdown, other incidents), a region must rise that much more.
  const required = o.minRise + Math.max(0, typical - o.maxOtherRise);
  const firing = trends.filter((t) => !(t.p > o.maxP || t.relP > o.maxRelativeP || t.relRise < required || t.slope <= 0 || t.rise < o.minRise));
  const firingCountries = new Set(firing.filter((t) => !t.isAsn).map((t) => t.key));
  /** The creeping country an ASN belongs to (90%+ of its requests), if any. */
  const homeOf = (byCountry: ReadonlyMap<string, number> | null): string | null => {
    if (byCountry === null) return null;
    const total = [...byCountry.values()].reduce((a, b) => a + b, 0);
    for (const [country, n] of byCountry) if (firingCountries.has(country) && n >= 0.9 * total) return country;
    return null;
  };
  const homes = new Map<string, string>();
  const withCountry = new Map<string, string[]>();
  for (const t of firing) {
    const home = t.isAsn ? homeOf(t.countries) : null;
    if (home === null) continue;
    homes.set(t.key, home);
    withCountry.set(home, [...(withCountry.get(home) ?? []), t.key]);
  }
  for (const t of firing) {
    const isAsn = t.isAsn;
    if (homes.has(t.key)) continue;
    const asns = isAsn ? [] : (withCountry.get(t.key) ?? []).sort();
    const severity: Severity = t.rise >= 2 ? 'high' : 'medium';
    out.push({
      detector: 'regional-creep', severity, confidence: r2(Math.min(0.99, 0.6 + (1 - t.p) / 5 + Math.min(t.rise, 4) / 20)),
      title: `${t.key}: p95 latency crept from ~${fmt(t.first, 0)} ms to ~${fmt(t.last, 0)} ms (+${fmt(t.rise * 100, 0)}%) over ${fmt((t.end - t.start) / 3_600_000)} h, +${fmt(t.relRise * 100, 0)}% against all other traffic (whose p95 moved ${fmt(t.allRise * 100, 0)}%)${asns.length > 0 ? `; its networks ${asns.join(', ')} crept with it` : ''}`,
      subject: { type: isAsn ? 'asn' : 'country', value: isAsn ? t.key.slice(2) : t.key },
      startMs: t.start, endMs: t.end,
      metrics: { p95_start_ms: r2(t.first), p95_end_ms: r2(t.last), rise: r2(t.rise), relative_rise: r2(t.relRise), all_traffic_rise: r2(t.allRise), slope_ms_per_hour: r2((t.rawSlope * 3_600_000) / bucketMs), mann_kendall_p: t.p, relative_mann_kendall_p: t.relP, buckets: t.buckets, median_region_rise: r2(typical), ...(asns.length > 0 ? { asns: asns.map((a) => a.slice(2)).join(', ') } : {}) },
      explanation: `p95 per ${o.bucketMinutes}-minute bucket divided by the p95 of all other traffic in the same bucket; Theil–Sen slope (median of pairwise slopes) and the Mann–Kendall trend test of the p95 and of that ratio, compared with the median country's.`,
      evidence: [],
      actions: [{ type: 'capacity', subject: isAsn ? `AS${t.key.slice(2)}` : t.key, why: 'latency for this region/network rose steadily: check the CDN/edge or regional capacity and routing (peering) toward it' }],
    });
  }
  return out;
}
