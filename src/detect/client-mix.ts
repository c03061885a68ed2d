/**
 * Client-mix shifts: the share of user-agent families, device types, HTTP protocol versions and TLS versions in the
 * first vs the last third of the period, with a chi-square test of homogeneity and the Jensen–Shannon divergence.
 * A new browser version gaining share is information; a scripted tool or unknown client gaining share is suspicious.
 * A device type that gains what a family gained (the same sessions) is not reported twice.
 * Memory: per dimension per 10-minute bucket a count per category (categories capped at MAX_CATEGORIES per
 * dimension, the rest counted as "(other)": family names and protocol strings are input; said as CAP_REACHED).
 */
import { isoTime } from '../core/units';
import type { EnrichedRecord } from '../enrich/types';
import type { Session } from '../sessions/types';
import { aggregateState, defineDetector, type Finding, type Severity, type SubjectType } from './types';
import { fmt, r2 } from './shared';
import { chiSquare2, jensenShannon } from './stats/robust';
import { CategoryBuckets, MIX_BUCKET_MS, OTHER } from '../aggregate/category-buckets';

type Dim = 'family' | 'device' | 'protocol' | 'tls';
const DIMS: readonly Dim[] = ['family', 'device', 'protocol', 'tls'];
const BUCKET_MS = MIX_BUCKET_MS;
/** Categories per dimension (the rest count as OTHER). */
const MAX_CATEGORIES = 200;

export default defineDetector({
  id: 'client-mix',
  title: 'Client-mix shifts',
  description: 'Flags significant changes in the share of user-agent families, device types, HTTP versions or TLS versions between the start and the end of the period.',
  defaultOptions: { maxP: 1e-6, minJs: 0.02, minShareChange: 0.05, minRequests: 200 },
  optionDocs: {
    maxP: 'chi-square p-value below which the mix changed',
    minJs: 'Jensen–Shannon divergence (0..1) the change must reach',
    minShareChange: 'share points a category must gain to be named',
    minRequests: 'requests (sessions, for families and devices) needed in each third',
  },
  create(o, ctx) {
    // Four times the categories named are kept per dimension (the busiest); the judge names the busiest MAX_CATEGORIES.
    const state = new CategoryBuckets(MAX_CATEGORIES * 4);
    ctx.caps.watch(() => {
      let folded = 0;
      for (const dim of DIMS) folded += state.series(dim, MAX_CATEGORIES).folded;
      return folded === 0 ? null
        : `client-mix: categories named up to ${MAX_CATEGORIES} per dimension (family, device, protocol, TLS; the busiest); ${folded.toLocaleString('en-US')} requests or sessions of the others are counted as "${OTHER}", which can itself be named as a shift`;
    });
    return {
      state: aggregateState(state, CategoryBuckets.fromJSON),
      observe: (r: EnrichedRecord) => state.addRecord(r),
      // Families and devices are counted per session, so one busy client cannot tilt the mix.
      observeSession: (s: Session) => state.addSession(s),
      finish: () => judgeClientMix(state, o),
    };
  },
});

/** Options of the judge. */
export interface ClientMixOptions {
  readonly maxP: number;
  readonly minJs: number;
  readonly minShareChange: number;
  readonly minRequests: number;
}

/** The findings of a client-mix state (pure). */
export function judgeClientMix(state: CategoryBuckets, o: ClientMixOptions): Finding[] {
  const minB = state.minBucket;
  const maxB = state.maxBucket;
  const out: Finding[] = [];
  if (!Number.isFinite(minB)) return out;
  const span = maxB - minB + 1;
  if (span < 3) return out;
  const firstEnd = minB + Math.floor(span / 3);
  const lastStart = maxB - Math.floor(span / 3) + 1;
  let familyGain: number | null = null;
  for (const dim of DIMS) {
    const byBucket = state.series(dim, MAX_CATEGORIES).buckets;
    const first = new Map<string, number>();
    const last = new Map<string, number>();
    for (const [b, counts] of byBucket) {
      const target = b < firstEnd ? first : b >= lastStart ? last : null;
      if (!target) continue;
      for (const [k, n] of counts) target.set(k, (target.get(k) ?? 0) + n);
    }
    const keys = [...new Set([...first.keys(), ...last.keys()])].sort();
    const a = keys.map((k) => first.get(k) ?? 0);
    const b = keys.map((k) => last.get(k) ?? 0);
    const ta = a.reduce((x, y) => x + y, 0);
    const tb = b.reduce((x, y) => x + y, 0);
    if (ta < o.minRequests || tb < o.minRequests) continue;
    const { chi2, df, p } = chiSquare2(a, b);
    const js = jensenShannon(a, b);
    if (p > o.maxP || js < o.minJs) continue;
    const changes = keys.map((k, i) => ({ key: k, before: (a[i] ?? 0) / ta, after: (b[i] ?? 0) / tb })).sort((x, y) => y.after - y.before - (x.after - x.before) || (x.key < y.key ? -1 : 1));
    const riser = changes[0];
    if (!riser || riser.after - riser.before < o.minShareChange) continue;
    // The same sessions seen twice: a device type gaining what one family gained (a tool's sessions are
    // device "tool") is that family's shift, already reported (families are judged first).
    const gain = riser.after - riser.before;
    if (dim === 'device' && familyGain !== null && Math.abs(gain - familyGain) <= 0.3 * familyGain) continue;
    if (dim === 'family') familyGain = gain;
    const suspicious = riser.key.startsWith('tool:') || ['Unknown', 'Other', 'none', 'tool', 'unknown'].includes(riser.key);
    const severity: Severity = suspicious ? 'medium' : 'info';
    const subjectType: SubjectType = dim === 'tls' ? 'tls' : dim === 'protocol' ? 'protocol' : 'user_agent';
    out.push({
      detector: 'client-mix', severity, confidence: r2(Math.min(0.99, 0.6 + js * 2)),
      title: `${dim === 'family' ? 'user-agent family' : dim} mix shifted: ${riser.key} ${fmt(riser.before * 100)}% → ${fmt(riser.after * 100)}% of ${dim === 'family' || dim === 'device' ? 'sessions' : 'requests'}${suspicious ? ' — a scripted or unknown client gaining share' : ''}`,
      subject: { type: subjectType, value: riser.key.replace(/^tool:/, '') },
      startMs: minB * BUCKET_MS, endMs: (maxB + 1) * BUCKET_MS,
      metrics: { dimension: dim, share_before: r2(riser.before), share_after: r2(riser.after), chi2: r2(chi2), df, p_value: p, js_divergence: r2(js) },
      explanation: 'Category counts in the first vs the last third of the period: chi-square test of homogeneity and Jensen–Shannon divergence of the two distributions.',
      evidence: [],
      actions: suspicious ? [{ type: 'investigate', subject: riser.key.replace(/^tool:/, ''), window: `${isoTime(lastStart * BUCKET_MS)}/${isoTime((maxB + 1) * BUCKET_MS)}`, why: 'a client type that was rare became common: check who runs it and what it fetches' }] : [],
    });
  }
  return out;
}
