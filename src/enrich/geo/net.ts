/**
 * Addresses and networks in canonical form (what a rule may name), and the ranges no rule may name whatever the run:
 * special-purpose ranges (private, loopback, link-local, CGNAT…) and published crawler ranges. Shared by the action
 * guards (detect/action-guards.ts) and the rule emitters (report/rules.ts).
 */
import { formatIp, parseIp, parseIpv4, parseIpv6, specialRange } from './ip';

/** An address or network in canonical form (`text`: no "/32" or "/128" for one address). */
export interface Net {
  readonly text: string;
  readonly v: 4 | 6;
  readonly bits: number;
}

/** What an address or CIDR may be made of before it is parsed: hex digits, ':', '.', one "/bits". */
const ADDRESS_CHARS = /^[0-9A-Fa-f:.]{2,45}(?:\/\d{1,3})?$/;

/**
 * The canonical form of an address or network for a rule — IPv4 dotted quad, IPv6 lowercase and compressed, an
 * IPv4-mapped IPv6 address as IPv4, the host bits of a network cleared — or null for anything else: a zone id,
 * brackets, a port, whitespace, a prefix out of range, or /0 (every client: no rule lbua proposes is meant for the
 * whole internet, and AWS WAF refuses it).
 */
export function canonicalNet(text: string): Net | null {
  if (!ADDRESS_CHARS.test(text)) return null;
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bits = slash < 0 ? null : Number(text.slice(slash + 1));
  if (!addr.includes(':')) {
    const n = parseIpv4(addr);
    return n === null ? null : net4(n, bits ?? 32);
  }
  const n = parseIpv6(addr);
  if (n === null) return null;
  if (n >> 32n === 0xffffn) {
    // ::ffff:a.b.c.d is the IPv4 client a.b.c.d (a dual-stack listener logs it so): the rule names the IPv4 address.
    if (bits !== null && bits < 96) return null;
    return net4(Number(n & 0xffffffffn), bits === null ? 32 : bits - 96);
  }
  const b = bits ?? 128;
  if (b < 1 || b > 128) return null;
  const shift = BigInt(128 - b);
  const a = formatIp({ v: 6, n: (n >> shift) << shift });
  return { text: b === 128 ? a : `${a}/${b}`, v: 6, bits: b };
}

function net4(n: number, b: number): Net | null {
  if (b < 1 || b > 32) return null;
  const size = 2 ** (32 - b);
  const a = formatIp({ v: 4, n: Math.floor(n / size) * size });
  return { text: b === 32 ? a : `${a}/${b}`, v: 4, bits: b };
}

/** Special ranges no rule may name (the documentation and benchmarking ranges stay: tests and examples use them). */
const GUARDED_SPECIAL = new Set(['private', 'loopback', 'link-local', 'cgnat', 'unspecified', 'multicast', 'reserved']);

/**
 * Published crawler ranges (IPv4 prefixes from googlebot.json, bingbot.json and Apple's Applebot page), a static
 * list: an address there is a crawler's, whatever agent it sent. Not verified by DNS at run time.
 */
export const CRAWLER_RANGES: readonly (readonly [string, string])[] = [
  ['66.249.64.0/19', 'Googlebot'],
  ['157.55.39.0/24', 'Bingbot'],
  ['207.46.13.0/24', 'Bingbot'],
  ['40.77.167.0/24', 'Bingbot'],
  ['17.0.0.0/8', 'Applebot'],
];

/** A network's first and last address as numbers (IPv4) or bigints (IPv6). */
function bounds(net: Net): { v: 4 | 6; lo: bigint; hi: bigint } | null {
  const slash = net.text.indexOf('/');
  const ip = parseIp(slash < 0 ? net.text : net.text.slice(0, slash));
  if (ip === null) return null;
  const width = net.v === 4 ? 32 : 128;
  const lo = BigInt(ip.n);
  return { v: net.v, lo, hi: lo + (1n << BigInt(width - net.bits)) - 1n };
}

/** True when the two networks share an address. */
export function overlaps(a: Net, b: Net): boolean {
  const x = bounds(a);
  const y = bounds(b);
  return x !== null && y !== null && x.v === y.v && x.lo <= y.hi && y.lo <= x.hi;
}

const SPECIAL_NETS: readonly (readonly [Net, string])[] = (
  [['10.0.0.0/8', 'private'], ['172.16.0.0/12', 'private'], ['192.168.0.0/16', 'private'], ['127.0.0.0/8', 'loopback'],
    ['169.254.0.0/16', 'link-local'], ['100.64.0.0/10', 'CGNAT'], ['0.0.0.0/8', 'unspecified'], ['224.0.0.0/3', 'multicast or reserved'],
    ['fc00::/7', 'private'], ['fe80::/10', 'link-local'], ['::1', 'loopback'], ['ff00::/8', 'multicast']] as const
).map(([t, l]) => [canonicalNet(t) as Net, l] as const);

const CRAWLER_NETS: readonly (readonly [Net, string, string])[] = CRAWLER_RANGES.map(([t, name]) => [canonicalNet(t) as Net, t, name] as const);

/**
 * Why `net` must never be blocked or rate-limited whatever the run (a special range, a crawler range), or null.
 * Used by the emitters as well as by {@link guardReason}.
 */
export function staticGuard(net: Net): string | null {
  if (net.bits === (net.v === 4 ? 32 : 128)) {
    const ip = parseIp(net.text);
    const special = ip === null ? null : specialRange(ip);
    if (special !== null && GUARDED_SPECIAL.has(special)) return `a ${special === 'cgnat' ? 'CGNAT' : special} address: the site's own proxy or load balancer, in front of many clients`;
  }
  for (const [s, label] of SPECIAL_NETS) if (overlaps(net, s)) return `covers ${label} addresses (${s.text}): the site's own proxies or load balancers, in front of many clients`;
  for (const [c, text, name] of CRAWLER_NETS) if (overlaps(net, c)) return `inside ${name}'s published crawler range ${text}: slow a crawler with robots.txt or its search console, not a block`;
  return null;
}

