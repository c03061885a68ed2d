/**
 * --trust-proxy in the pipeline: an input's format, wrapped so that each record whose peer is a trusted proxy and
 * that carries a forwarded chain gets the real client (enrich/trusted-proxy.ts), the peer kept in `peerIp`. Without
 * the option, the wrapper only tallies the peers of records that carry a forwarded address, so that an input whose
 * traffic mostly comes from one such peer can be named once with the option to use (the traffic arrives through a
 * proxy, and the detectors would judge the proxy as one client).
 */
import type { Diagnostic } from './core/types';
import type { FormatParser, ParseResult } from './formats/types';
import type { FreshRecord } from './formats/shared/record';
import { parseTrustedProxies, realClient, type TrustedProxies } from './enrich/trusted-proxy';
import { detach } from './core/text';
import { hash32 } from './core/hll';
import { parseIp, specialRange } from './enrich/geo/ip';

/** One peer's tally: its records, those carrying a forwarded address, and its distinct agents (hashes, at most AGENTS). */
export interface PeerTally {
  requests: number;
  forwarded: number;
  readonly agents: Set<number>;
}

/**
 * The first PEERS distinct peers of an input, tallied on every record (a proxy carrying most of the traffic is
 * among an input's first peers), and the records that carry a forwarded address.
 */
export interface ForwardedTally {
  forwarded: number;
  readonly peers: Map<string, PeerTally>;
}

/** A peer's tally as an input summary carries it: [address, requests, forwarded, distinct agents]. */
export type PeerRow = readonly [string, number, number, number];

export const PEERS = 16;
/** Distinct agents tallied per peer: "many agents" is this many. */
export const AGENTS = 8;

export function newTally(): ForwardedTally {
  return { forwarded: 0, peers: new Map() };
}

/** The tally's peers as rows, sorted by address (plain data: it travels in the input summary). */
export function peerRows(tally: ForwardedTally): PeerRow[] {
  return [...tally.peers].map(([ip, p]): PeerRow => [ip, p.requests, p.forwarded, p.agents.size]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function tallyPeer(tally: ForwardedTally, peer: string | null, agent: string | null, forwarded: boolean): void {
  if (peer === null) return;
  let p = tally.peers.get(peer);
  if (p === undefined) {
    if (tally.peers.size >= PEERS) return;
    p = { requests: 0, forwarded: 0, agents: new Set() };
    tally.peers.set(detach(peer), p);
  }
  p.requests++;
  if (forwarded) p.forwarded++;
  if (agent !== null && p.agents.size < AGENTS) p.agents.add(hash32(agent));
}

/** The trusted ranges of --trust-proxy, parsed once per input (null without the option). */
export function trustedOf(spec: string | undefined): TrustedProxies | null {
  return spec === undefined ? null : parseTrustedProxies(spec);
}

/** `format` rewriting clients behind `trusted` proxies, or tallying forwarded peers into `tally` when not trusting. */
export function withTrust(format: FormatParser, trusted: TrustedProxies | null, tally: ForwardedTally): FormatParser {
  const parse = (line: string, ctx: Parameters<FormatParser['parse']>[1]): ParseResult => {
    const r = format.parse(line, ctx);
    if (r.kind !== 'record' || ctx.detecting === true) return r;
    const rec = r.record;
    const fwd = rec.forwardedFor ?? null;
    // A forwarded value that is the peer itself (Traefik's X-Real-Ip for a client that connected directly) names no
    // other client: the line says nothing about a proxy.
    const forwards = fwd !== null && fwd !== rec.clientIp;
    if (trusted === null) tallyPeer(tally, rec.clientIp, rec.userAgent, forwards);
    if (fwd === null || !forwards) return r;
    tally.forwarded++;
    if (trusted === null) return r;
    const client = realClient(rec.clientIp, fwd, trusted);
    if (client !== rec.clientIp) {
      const w = rec as FreshRecord;
      w.peerIp = rec.clientIp;
      w.clientIp = client;
      w.clientHost = null;
      w.clientPort = null;
    }
    return r;
  };
  return { ...format, parse };
}

/**
 * The hint for an input whose records mostly carry a forwarded address and mostly come from one peer, when
 * --trust-proxy was not given: its detectors would judge the proxy as one client. Null otherwise.
 */
export function behindProxyDiagnostic(file: string, tally: ForwardedTally, records: number): Diagnostic | null {
  if (records < 20 || tally.forwarded * 2 <= records) return null;
  // The peers tallied (at most PEERS: a load balancer's node per zone, a CDN's edges) carrying most of the traffic.
  const peers = [...tally.peers].map(([ip, p]): [string, number] => [ip, p.forwarded]).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const carried = peers.reduce((s, [, n]) => s + n, 0);
  if (peers.length === 0 || carried * 5 <= records * 4) return null;
  const share = Math.round((carried / records) * 100);
  const shown = peers.slice(0, 3).map(([ip]) => ip);
  const more = peers.length > 3 ? ` and ${peers.length - 3} more` : '';
  return {
    code: 'INPUT_BEHIND_PROXY', severity: 'warning', source: null,
    message: `${file}: ${share}% of the requests come from ${peers.length === 1 ? shown[0] : `${peers.length} addresses (${shown.join(', ')}${more})`} and carry a forwarded client address: the traffic arrives through proxies, which without --trust-proxy are judged as the clients`,
    hint: `lbua analyze --trust-proxy ${peers.length <= 3 ? shown.join(',') : "<the proxies' CIDR ranges>"} (or --trust-proxy private) reads the client from the forwarded address`,
  };
}

/**
 * The proxies of a run read without --trust-proxy, from its inputs' peer rows (summed per address; agents: the most
 * any input saw), address → why. A peer is a proxy when
 *   - it made 20 requests or more, at least half of them carry a forwarded address, and it is a private (loopback,
 *     link-local, CGNAT) address or sent 3 agents or more (one client that adds its own header is not a proxy); or
 *   - it carries at least half of all requests with AGENTS agents or more (a proxy that logs no forwarded address);
 *   - or it is a private address carrying 5% of all requests or more with AGENTS agents or more.
 * Sorted by address.
 */
export function runProxies(rows: readonly PeerRow[], total: number): Map<string, string> {
  const sum = new Map<string, { requests: number; forwarded: number; agents: number }>();
  for (const [ip, requests, forwarded, agents] of rows) {
    const s = sum.get(ip) ?? { requests: 0, forwarded: 0, agents: 0 };
    s.requests += requests;
    s.forwarded += forwarded;
    s.agents = Math.max(s.agents, agents);
    sum.set(ip, s);
  }
  const out = new Map<string, string>();
  for (const [ip, s] of [...sum].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (s.requests < 20) continue;
    const parsed = parseIp(ip);
    const special = parsed === null ? null : specialRange(parsed);
    const inside = special === 'private' || special === 'loopback' || special === 'link-local' || special === 'cgnat';
    const agents = s.agents >= AGENTS ? `${AGENTS}+ agents` : `${s.agents} agent${s.agents === 1 ? '' : 's'}`;
    const share = total > 0 ? s.requests / total : 0;
    const pct = `${Math.round(share * 1000) / 10}% of all requests`;
    if (s.forwarded * 2 >= s.requests && (inside || s.agents >= 3)) {
      out.set(ip, `${Math.round((s.forwarded / s.requests) * 100)}% of its requests carry a forwarded client address; ${pct}, ${agents}`);
    } else if (s.agents >= AGENTS && (share >= 0.5 || (inside && share >= 0.05))) {
      out.set(ip, `${inside ? `a ${special === 'cgnat' ? 'CGNAT' : special} address carrying` : 'carries'} ${pct} with ${agents}`);
    }
  }
  return out;
}
