/**
 * Guards on the actions findings propose, that no finding can override: a block or a rate limit is never proposed
 * for an address, network or ASN
 *   - that carries more than `maxShare` of all requests (5% by default, --guard-share) besides the finding's own:
 *     blocking it would take a large part of the site's own traffic down (a proxy, a CDN edge, an office NAT, a big
 *     ISP). The finding's own requests (its `requests` metric, when the rule is on its subject) do not count: a flood
 *     that is 6% of a small site's day is the attack, not traffic the site depends on, while an office NAT that
 *     bursts keeps its share from the rest of the run;
 *   - in a private, loopback, link-local, CGNAT or unspecified range (RFC 1918/6598/3927/4193…): such a peer in a
 *     public-facing log is the site's own load balancer or proxy, and a rule on it blocks everyone behind it;
 *   - inside a published crawler range (Googlebot, Bingbot, Applebot: CRAWLER_RANGES, a static list, no DNS at run
 *     time): a misbehaving crawler is slowed with robots.txt or the search engine's console, not blocked;
 *   - that is a proxy of the run (trust.ts: a peer forwarding for clients, or one address in front of many agents).
 * In their place the finding gets a `no-block` action that names the value and says why; the rule emitters write
 * those as comments and refuse any value a `no-block` action names (report/rules.ts).
 */
import { canonicalNet, overlaps, staticGuard, type Net } from '../../enrich/geo/net';
import { ipv4Value } from '../../enrich/geo/ip';

export { CRAWLER_RANGES, staticGuard } from '../../enrich/geo/net';
import { fmt } from '../shared';
import type { Action, Finding } from '../types';

/** Default guard share: 5% of all requests. */
export const DEFAULT_GUARD_SHARE = 0.05;

/** What the guards know about the run. */
export interface GuardFacts {
  readonly maxShare: number;
  /** All requests of the run. */
  readonly total: number;
  /** Requests of an address or network (summed over the clients inside it). */
  requestsOf(net: Net): number;
  /** Requests of an ASN, or null when no geo data is loaded. */
  requestsOfAsn(asn: number): number | null;
  /** Proxy addresses of the run, with why each is one. */
  readonly proxies: ReadonlyMap<string, string>;
}

/** The requests a finding itself counted for its subject (not counted against the guard share). */
export interface OwnRequests {
  /** The finding's subject, as an address or network. */
  readonly net: Net;
  readonly requests: number;
}

/**
 * Why a block or limit on `net` is withheld in this run, or null when it may be proposed. `own`: the requests of the
 * finding that proposes it, subtracted when the rule is on the finding's subject.
 */
export function guardReason(net: Net, facts: GuardFacts, own: OwnRequests | null = null): string | null {
  const s = staticGuard(net);
  if (s !== null) return s;
  for (const [p, why] of facts.proxies) {
    const pn = canonicalNet(p);
    if (pn !== null && overlaps(net, pn)) return `${pn.text === net.text ? 'a' : `covers ${p}, a`} proxy of this run (${why}): its requests are many clients' (--trust-proxy reads them)`;
  }
  const mine = own !== null && own.net.text === net.text ? Math.min(own.requests, facts.requestsOf(net)) : 0;
  const share = facts.total > 0 ? (facts.requestsOf(net) - mine) / facts.total : 0;
  if (share > facts.maxShare) return shareText(share, facts.maxShare, mine > 0);
  return null;
}

function shareText(share: number, max: number, besides = false): string {
  return `carries ${fmt(share * 100)}% of all requests${besides ? " besides this finding's" : ''} (guard: ${fmt(max * 100)}%): a rule on it would take that share of the site's traffic down`;
}

/** Why a rule keyed or scoped on `asn` is withheld, or null. */
export function asnGuardReason(asn: number, facts: GuardFacts): string | null {
  const n = facts.requestsOfAsn(asn);
  if (n === null || facts.total === 0) return null;
  return n / facts.total > facts.maxShare ? shareText(n / facts.total, facts.maxShare) : null;
}

/** A `no-block` action: what was not proposed and why. */
function noBlock(subject: string, what: string, reason: string): Action {
  return { type: 'no-block', subject, why: `no ${what} on ${subject}: ${reason}` };
}

/** The actions of a finding with the guards applied. */
export function guardActions(actions: readonly Action[], facts: GuardFacts, own: OwnRequests | null = null): Action[] {
  const out: Action[] = [];
  // One no-block action per value, in order of first mention: "block", "rate limit", or both.
  const held = new Map<string, { what: Set<string>; reason: string }>();
  const hold = (subject: string, what: 'block' | 'rate limit', reason: string): void => {
    const h = held.get(subject);
    if (h === undefined) held.set(subject, { what: new Set([what]), reason });
    else h.what.add(what);
  };
  for (const a of actions) {
    if (a.type === 'block') {
      const keep = (list: readonly string[]): string[] => list.filter((v) => {
        const net = canonicalNet(v);
        const why = net === null ? null : guardReason(net, facts, own);
        if (why !== null) hold(v, 'block', why);
        return why === null;
      });
      const ips = keep(a.ips);
      const cidrs = keep(a.cidrs);
      if (ips.length + cidrs.length > 0) out.push({ ...a, ips, cidrs });
    } else if (a.type === 'rate-limit') {
      const asn = /^AS(\d{1,10})$/i.exec(a.scope);
      const net = asn ? null : canonicalNet(a.scope);
      const why = asn ? asnGuardReason(Number(asn[1]), facts) : net === null ? null : guardReason(net, facts, own);
      if (why === null) out.push(a);
      else hold(a.scope, 'rate limit', why);
    } else out.push(a);
  }
  return [...out, ...[...held].map(([subject, h]) => noBlock(subject, h.what.size === 2 ? 'block or rate limit' : [...h.what].join(''), h.reason))];
}

/** Findings with the guards applied to their actions. */
export function guardFindings(findings: readonly Finding[], facts: GuardFacts): Finding[] {
  return findings.map((f) => {
    const touches = f.actions.some((a) => a.type === 'block' || a.type === 'rate-limit');
    if (!touches) return f;
    const requests = f.metrics['requests'];
    const net = f.subject.type === 'ip' || f.subject.type === 'cidr' ? canonicalNet(f.subject.value) : null;
    const own = net !== null && typeof requests === 'number' && requests > 0 ? { net, requests } : null;
    return { ...f, actions: guardActions(f.actions, facts, own) };
  });
}

/**
 * Guard facts from the run's client counts (`clients`: address → requests, the traffic summary's table, exact for
 * heavy hitters) and an ASN lookup. Network sums are computed once per prefix length asked for.
 */
export function guardFactsOf(
  clients: readonly (readonly [string, number])[],
  total: number,
  maxShare: number,
  asnOf: ((ip: string) => number | null) | null,
  proxies: ReadonlyMap<string, string>,
): GuardFacts {
  const exact = new Map<string, number>();
  for (const [ip, n] of clients) {
    // A canonical dotted quad (what formatIp writes: most addresses of a log) is its own canonical form: no parse,
    // no new string per client (64k clients in the 1M-line bench log).
    const text = ipv4Value(ip, 0, ip.length, true) >= 0 ? ip : (canonicalNet(ip)?.text ?? null);
    if (text !== null) exact.set(text, (exact.get(text) ?? 0) + n);
  }
  const byPrefix = new Map<string, Map<string, number>>();
  let byAsn: Map<number, number> | null = null;
  return {
    maxShare, total, proxies,
    requestsOf(net) {
      if (net.bits === (net.v === 4 ? 32 : 128)) return exact.get(net.text) ?? 0;
      const key = `${net.v}/${net.bits}`;
      let sums = byPrefix.get(key);
      if (sums === undefined) {
        sums = new Map();
        for (const [ip, n] of exact) {
          const inNet = canonicalNet(`${ip}/${net.bits}`);
          if (inNet !== null && inNet.v === net.v) sums.set(inNet.text, (sums.get(inNet.text) ?? 0) + n);
        }
        byPrefix.set(key, sums);
      }
      return sums.get(net.text) ?? 0;
    },
    requestsOfAsn(asn) {
      if (asnOf === null) return null;
      if (byAsn === null) {
        byAsn = new Map();
        for (const [ip, n] of exact) {
          const a = asnOf(ip);
          if (a !== null) byAsn.set(a, (byAsn.get(a) ?? 0) + n);
        }
      }
      return byAsn.get(asn) ?? 0;
    },
  };
}
