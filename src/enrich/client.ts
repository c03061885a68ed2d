/**
 * Facts about a client address, computed once per distinct address (the enricher caches them) instead of once per
 * record by every stage that needs them: its networks (IPv4 /24 and /16, IPv6 /64 and /48) and its geo facts.
 * The network strings are interned, so every address of one network shares one string (maps keyed by it hash it
 * once and compare by identity).
 */
import { parseIp } from './geo/ip';
import type { GeoInfo } from './types';
import { hash32 } from '../core/hll';

/** A client address and what is known about it. */
export interface ClientFacts {
  /** The address (a standalone string). */
  readonly ip: string;
  /** Its /24 (IPv6 /64), or null for a value that is not an address. */
  readonly narrow: string | null;
  /** Its /16 (IPv6 /48), or null. */
  readonly wide: string | null;
  /** Geo/ASN facts, null when no geo data is loaded. */
  readonly geo: GeoInfo | null;
  /** The ASN as a decimal string (the key ASN series use), or null. */
  readonly asnKey: string | null;
  /** hash32 of the address (distinct-client sketches add it without hashing the address again). */
  readonly hash: number;
  /** The address's cell in the api-abuse state (aggregate/client-activity.ts), see ClientCell. */
  activity: ClientCell | null;
  /** The address's cell in the scanner state (aggregate/client-probes.ts), see ClientCell. */
  probes: ClientCell | null;
  /** The cell of the address's country in the geo view (profile/geo-view.ts), see ClientCell. */
  country: ClientCell | null;
}

/**
 * A per-client aggregate's cell of one address, cached on the address's facts so that the aggregate reaches it by a
 * field read instead of a map lookup per record. The cache is only a shortcut: the cell is used while `owner` is the
 * map the aggregate looks the address up in (eviction clears it; a merge or another instance has another map), and
 * the aggregate looks in its map otherwise.
 */
export interface ClientCell {
  owner: object | null;
  /**
   * The facts the cell is cached on (null: none, or a cell of many addresses that is never evicted, like a country).
   * An aggregate that evicts the cell clears that slot, so the enricher's cache of facts keeps no evicted cell alive.
   */
  cachedOn: ClientFacts | null;
}

/** Networks of an address: IPv4 /24 and /16, IPv6 /64 and /48; null parts for non-addresses. */
export function networksOf(ip: string): { narrow: string | null; wide: string | null } {
  if (!ip.includes(':')) {
    const a = ip.lastIndexOf('.');
    const b = a > 0 ? ip.lastIndexOf('.', a - 1) : -1;
    if (a < 0 || b < 0) return { narrow: null, wide: null };
    return { narrow: `${ip.slice(0, a)}.0/24`, wide: `${ip.slice(0, b)}.0.0/16` };
  }
  const p = parseIp(ip);
  if (p === null) return { narrow: null, wide: null };
  if (p.v === 4) return networksOf([24, 16, 8, 0].map((s) => (p.n >>> s) & 255).join('.'));
  const hex = (bits: number): string => {
    const groups: string[] = [];
    for (let i = 0; i < bits / 16; i++) groups.push(Number((p.n >> BigInt(112 - i * 16)) & 0xffffn).toString(16));
    return `${groups.join(':')}::/${bits}`;
  };
  return { narrow: hex(64), wide: hex(48) };
}

/** The facts of `ip`; `intern` shares one copy of each network and ASN string (identity when absent). */
export function clientFacts(ip: string, geo: GeoInfo | null, intern: (s: string) => string = (s) => s): ClientFacts {
  const { narrow, wide } = networksOf(ip);
  const asn = geo?.asn ?? null;
  return {
    ip,
    narrow: narrow === null ? null : intern(narrow),
    wide: wide === null ? null : intern(wide),
    geo,
    asnKey: asn === null ? null : intern(String(asn)),
    hash: hash32(ip),
    activity: null,
    probes: null,
    country: null,
  };
}
