/**
 * API abuse below rate limits: clients that hold a steady, high request rate for a long time (what a typical
 * 10 r/s limit never trips), walk identifiers sequentially (/items/1000, /items/1001, ...), or fetch far more
 * distinct resources than their peers. Memory: per client (at most Limits.apiAbuseClients; the least active evicted,
 * said once as CAP_REACHED) per-minute counts for the period (at most one entry per active minute) and, for at most
 * Limits.apiAbuseRoutesPerClient routes (those with the fewest identifiers evicted), the last identifier and up to
 * 2,000 distinct identifiers. Counting is the ClientActivity aggregate (aggregate/client-activity.ts); this file is
 * its pure judge (judgeApiAbuse).
 */
import { defineDetector, type Finding, type Severity } from './types';
import { fmt, r2, sortEvidence } from './shared';
import { capMessage, count } from '../core/capped';
import { ClientActivity, agentCount, clientRoutes, idCount, minuteCounts, minutesWithin, type ActiveClient, type ClientActivityJson, type ClientActivityPacked } from '../aggregate/client-activity';
import { median } from './stats/robust';

export interface ApiAbuseOptions {
  readonly steadyMinRpm: number;
  readonly steadyMaxRpm: number;
  readonly steadyMinutes: number;
  readonly steadyMaxCv: number;
  readonly minSequential: number;
  readonly minDistinctIds: number;
  readonly distinctFactor: number;
}

export default defineDetector({
  id: 'api-abuse',
  title: 'API abuse below rate limits',
  description: 'Flags clients holding a steady high rate for a long time, walking identifiers sequentially, or fetching unusually many distinct resources.',
  defaultOptions: { steadyMinRpm: 30, steadyMaxRpm: 600, steadyMinutes: 45, steadyMaxCv: 0.35, minSequential: 50, minDistinctIds: 300, distinctFactor: 20 },
  optionDocs: {
    steadyMinRpm: 'per-minute rate a steady client holds at least',
    steadyMaxRpm: 'above this per-minute rate it is a burst, not low-and-slow',
    steadyMinutes: 'active minutes (each at the steady rate) needed',
    steadyMaxCv: 'coefficient of variation of per-minute counts below which the rate is steady',
    minSequential: 'consecutive-identifier steps (id, id+1) on one route to call it enumeration',
    minDistinctIds: 'distinct identifiers on one route needed for the many-resources rule',
    distinctFactor: 'times the peer median of distinct identifiers for the many-resources rule',
  },
  create(o, ctx) {
    // Counting is the ClientActivity aggregate; judgeApiAbuse reads it at the end.
    const state = new ClientActivity({ clients: ctx.limits.apiAbuseClients, routesPerClient: ctx.limits.apiAbuseRoutesPerClient, evidenceLimit: ctx.evidenceLimit });
    ctx.caps.watch(() => {
      const clients = state.clients;
      const routesCapped = state.routesCapped;
      const m = capMessage('api-abuse: per-client state', `${count(ctx.limits.apiAbuseClients)} clients`, clients.stats, 'requests',
        `a client is judged on all its requests only if it has more than ${count(clients.stats.maxError)} (every steady, enumerating or many-resource client does), and the peer median of distinct identifiers is over the clients kept`);
      const r = routesCapped.evicted === 0 ? null
        : `${count(routesCapped.evicted)} routes of clients with more than ${count(ctx.limits.apiAbuseRoutesPerClient)} routes were dropped (each with at most ${count(routesCapped.maxCut)} identifiers)`;
      if (m === null && r === null) return null;
      return m === null ? `api-abuse: per-client routes capped; ${r}` : r === null ? m : `${m}; ${r}`;
    });
    return {
      // A task's state read back from JSON is merged without copying its clients.
      state: {
        toJSON: () => state.toJSON(),
        pack: () => state.pack(),
        merge: (json, order) => {
          const j = json as ClientActivityJson | ClientActivityPacked;
          if (j.kind === 'client-activity/packed') state.mergePacked(j, order);
          else state.mergeJSON(j, order);
        },
      },
      observe: (r) => state.add(r),
      rekey: (map, order) => state.rekey(map, order),
      finish: () => judgeApiAbuse(state, o, ctx.evidenceLimit),
    };
  },
});

/**
 * The findings of a client-activity state: steady rates, enumeration and many resources per route. Most clients
 * find nothing: the rules are tested on plain counts first, and a client's sorted per-minute counts, its window and
 * its findings are built only for a client whose steady minutes or routes pass.
 */
export function judgeApiAbuse(state: ClientActivity, o: ApiAbuseOptions, evidenceLimit: number): Finding[] {
  const out: Finding[] = [];
  const distinctPerRoute = new Map<string, number[]>();
  for (const c of state.clients.values()) {
    for (const [route, ri] of clientRoutes(c)) {
      const xs = distinctPerRoute.get(route);
      if (xs) xs.push(idCount(ri));
      else distinctPerRoute.set(route, [idCount(ri)]);
    }
  }
  const peerMedian = new Map<string, number>();
  for (const [route, xs] of distinctPerRoute) peerMedian.set(route, median(xs));
  for (const [ip, c] of state.clients) {
    const from = out.length;
    // Many agents fetching static assets is people behind one address (NAT, office), not a script.
    const peopleLike = agentCount(c) >= 5 && c.statics >= c.requests * 0.1;
    const steadyMinutes = minutesWithin(c, o.steadyMinRpm, o.steadyMaxRpm);
    if (!peopleLike && steadyMinutes >= o.steadyMinutes) {
      // By minute: the order one pass over time-ordered input counts them in, whichever shards they came from
      // (the sums of squares below add in that order).
      const counts = minuteCounts(c);
      let total = 0;
      for (const n of counts) total += n;
      const mean = total / Math.max(counts.length, 1);
      let squares = 0;
      for (const n of counts) squares += (n - mean) ** 2;
      const sd = Math.sqrt(squares / Math.max(counts.length, 1));
      const cv = mean ? sd / mean : 0;
      if (cv <= o.steadyMaxCv && mean >= o.steadyMinRpm) {
        const severity: Severity = steadyMinutes >= 120 ? 'high' : 'medium';
        out.push({
          ...findingBase(ip, c), severity, confidence: r2(Math.min(0.95, 0.6 + steadyMinutes / 600)),
          title: `${ip}: steady ${fmt(mean, 0)} req/min for ${fmt(steadyMinutes, 0)} minutes (CV ${fmt(cv, 2)}) — under a 10 r/s limit, far above people`,
          metrics: { kind: 'steady', mean_rpm: r2(mean), steady_minutes: steadyMinutes, cv: r2(cv), requests: total, user_agent: c.agent },
          explanation: 'Per-minute counts of one client: many minutes at a high, nearly constant rate (low coefficient of variation) that no burst rule sees.',
          evidence: sortEvidence(c.evidence).slice(0, evidenceLimit),
          actions: [{ type: 'rate-limit', key: 'ip', limit_per_minute: Math.max(10, Math.floor(o.steadyMinRpm / 2)), window_seconds: 60, scope: ip, why: `a sliding quota below ${fmt(mean, 0)}/min (e.g. per hour) catches low-and-slow scraping that per-second limits miss` }],
        });
      }
    }
    for (const [route, ri] of clientRoutes(c)) {
      const distinct = idCount(ri);
      const enumerating = ri.sequential >= o.minSequential;
      if (!enumerating && distinct < o.minDistinctIds) continue;
      const peers = peerMedian.get(route) ?? 0;
      const many = distinct >= o.minDistinctIds && distinct >= o.distinctFactor * Math.max(peers, 1);
      if (!enumerating && !many) continue;
      // Many people behind one address browse many products between them: context, not abuse (a sequential
      // walk is still one, whoever sits behind the address).
      const nat = !enumerating && peopleLike;
      out.push({
        ...findingBase(ip, c), severity: nat ? 'low' : enumerating && ri.sequential >= o.minSequential * 4 ? 'high' : 'medium', confidence: r2(Math.min(0.97, 0.6 + ri.sequential / 500 + (many ? 0.1 : 0))),
        title: enumerating
          ? `${ip}: enumerates ${route} — ${fmt(ri.sequential, 0)} sequential identifiers (${fmt(distinct, 0)} distinct)`
          : `${ip}: ${fmt(distinct, 0)} distinct ${route} resources, ${fmt(distinct / Math.max(peers, 1))}x the peer median${nat ? ` — ${fmt(agentCount(c), 0)} user agents with static assets: looks like people behind one NAT` : ''}`,
        metrics: { kind: enumerating ? 'enumeration' : 'many-resources', route, sequential_steps: ri.sequential, distinct_ids: distinct, peer_median_distinct: peers, user_agent: c.agent },
        explanation: enumerating ? 'Consecutive requests for identifier n then n+1 on the same route: an enumeration walk.' : 'Distinct identifiers fetched on one route against the median client on that route.',
        evidence: sortEvidence(c.evidence).slice(0, evidenceLimit),
        actions: nat ? [] : [{ type: 'rate-limit', key: 'ip', limit_per_minute: 60, window_seconds: 60, scope: route, why: 'cap per-client reads of this resource; check authorization on sequential identifiers' }],
      });
    }
    // One client, one incident: a many-resources finding is folded into the steady or enumeration finding of the
    // same address (the client's findings are the ones just pushed).
    if (out.length - from > 1) {
      const mine = out.splice(from);
      for (const f of mine) if (!(String(f.title).includes('distinct') && !String(f.title).includes('enumerates'))) out.push(f);
    }
  }
  return out;
}

/** The subject, window and detector of a client's finding. */
function findingBase(ip: string, c: ActiveClient): { subject: { type: 'ip'; value: string }; startMs: number; endMs: number; detector: string } {
  return { subject: { type: 'ip' as const, value: ip }, startMs: Math.min(c.t0, c.first), endMs: Math.max(c.t0, c.last) + 1, detector: 'api-abuse' };
}
