/**
 * `--trust-proxy <cidr,...>`: behind another proxy or load balancer (nginx behind an ELB, Traefik behind
 * Cloudflare) the logged peer is the proxy. When the peer is trusted and the line carries the forwarded chain
 * (X-Forwarded-For, CF-Connecting-IP, Envoy's downstream address), the client is the rightmost address of the chain
 * that is not trusted — nginx's `real_ip_recursive on` (http://nginx.org/en/docs/http/ngx_http_realip_module.html):
 * the chain is read from the peer leftwards, skipping trusted hops; when every hop is trusted, the leftmost one.
 * `private` stands for RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 4193 (fc00::/7) and loopback.
 */
import { parseIp, type ParsedIp } from './geo/ip';

/** A parsed trusted range. */
interface Range {
  readonly v: 4 | 6;
  /** The network's first address, and its prefix length. */
  readonly base: number | bigint;
  readonly bits: number;
}

/** The ranges `private` stands for. */
export const PRIVATE_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', 'fc00::/7', '::1/128'];

/** Trusted proxy ranges, parsed once. */
export interface TrustedProxies {
  /** The ranges as given (after `private` is expanded), for reports. */
  readonly ranges: readonly string[];
  /** Whether an address (no port) lies in a trusted range; false for anything that is not an address. */
  has(ip: string): boolean;
}

/** Parses `--trust-proxy` ("10.0.0.0/8,private,203.0.113.5"); throws Error naming the entry that is not a range. */
export function parseTrustedProxies(spec: string): TrustedProxies {
  const ranges: string[] = [];
  for (const raw of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (raw === 'private') for (const r of PRIVATE_RANGES) ranges.push(r);
    else ranges.push(raw.includes('/') ? raw : `${raw}/${raw.includes(':') ? 128 : 32}`);
  }
  if (ranges.length === 0) throw new Error('no range given');
  const parsed: Range[] = ranges.map((r) => {
    const slash = r.indexOf('/');
    const net = parseIp(r.slice(0, slash));
    const bits = Number(r.slice(slash + 1));
    const max = net?.v === 6 ? 128 : 32;
    if (net === null || !Number.isInteger(bits) || bits < 0 || bits > max || r.slice(slash + 1) === '') throw new Error(`"${r}" is not an address or a CIDR range`);
    return net.v === 4 ? { v: 4, base: net.n - (net.n % 2 ** (32 - bits)), bits } : { v: 6, base: (net.n >> BigInt(128 - bits)) << BigInt(128 - bits), bits };
  });
  return { ranges, has: (ip) => inRanges(parsed, parseIp(ip)) };
}

function inRanges(ranges: readonly Range[], ip: ParsedIp | null): boolean {
  if (ip === null) return false;
  for (const r of ranges) {
    if (r.v !== ip.v) continue;
    if (ip.v === 4) {
      const size = 2 ** (32 - r.bits);
      if (ip.n - (ip.n % size) === r.base) return true;
    } else if (((ip.n >> BigInt(128 - r.bits)) << BigInt(128 - r.bits)) === r.base) return true;
  }
  return false;
}

/**
 * The client behind trusted proxies: `peer` when it is not trusted (or the chain is absent), else the rightmost
 * hop of `forwarded` ("client, proxy1, proxy2"; ports and brackets removed, "unknown"/"-" and garbage skipped) not in
 * the trusted ranges, else the leftmost valid hop. Null peer (a Unix socket): the chain alone decides.
 */
export function realClient(peer: string | null, forwarded: string | null, trusted: TrustedProxies): string | null {
  if (forwarded === null || (peer !== null && !trusted.has(peer))) return peer;
  const hops = forwarded.split(',');
  let leftmost: string | null = null;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = address(hops[i] ?? '');
    if (hop === null) continue;
    if (!trusted.has(hop)) return hop;
    leftmost = hop;
  }
  return leftmost ?? peer;
}

/** A hop of a forwarded chain as a bare address (no port, no brackets, no quotes); null when it is not one. */
function address(hop: string): string | null {
  let s = hop.trim().replace(/^"|"$/g, '');
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    s = close > 0 ? s.slice(1, close) : s;
  } else if (s.indexOf(':') === s.lastIndexOf(':') && s.includes('.')) s = s.slice(0, s.indexOf(':') < 0 ? s.length : s.indexOf(':'));
  return parseIp(s) === null ? null : s;
}
