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

/** Peers of records that carry a forwarded address, counted for the hint (at most PEERS distinct ones). */
export interface ForwardedTally {
  forwarded: number;
  readonly peers: Map<string, number>;
}

const PEERS = 16;

export function newTally(): ForwardedTally {
  return { forwarded: 0, peers: new Map() };
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
    if (fwd === null) return r;
    tally.forwarded++;
    if (trusted === null) {
      const peer = rec.clientIp;
      if (peer !== null && (tally.peers.has(peer) || tally.peers.size < PEERS)) tally.peers.set(peer, (tally.peers.get(peer) ?? 0) + 1);
      return r;
    }
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
  const peers = [...tally.peers].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
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
