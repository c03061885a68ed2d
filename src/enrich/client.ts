/**
 * Facts about a client address, computed once per distinct address (the enricher caches them) instead of once per
 * record by every stage that needs them: its networks (IPv4 /24 and /16, IPv6 /64 and /48) and its geo facts.
 * The network strings are interned, so every address of one network shares one string (maps keyed by it hash it
 * once and compare by identity).
 */
import { ipv4Value, parseIp, type ParsedIp } from './geo/ip';
import type { GeoLookup } from './geo/index';
import type { GeoInfo } from './types';
import { hash32 } from '../core/hll';
import { createInterner, detach, FrontCache } from '../core/text';
import type { TopCell } from '../core/top';

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
  /** hash32 of `narrow`, `wide` and `asnKey` (0 when null): per-minute tables index them without hashing. */
  readonly narrowHash: number;
  readonly wideHash: number;
  readonly asnHash: number;
  /** The address's cell in the api-abuse state (aggregate/client-activity.ts), see ClientCell. */
  activity: ClientCell | null;
  /** The address's cell in the scanner state (aggregate/client-probes.ts), see ClientCell. */
  probes: ClientCell | null;
  /** The cell of the address's country in the geo view (profile/geo-view.ts), see ClientCell. */
  country: ClientCell | null;
  /** The address's cell in the traffic summary's clients table (core/top.ts TopSlot). */
  top: TopCell | null;
  /**
   * Integer hints of per-minute aggregates: where the address's state was last time, checked against the key stored
   * there before use (a stale or foreign hint only costs the lookup it would have saved). -1: none.
   * `ipSlot`: the address's cell in its minute's table (aggregate/entity-minutes.ts).
   */
  ipSlot: number;
  /** `narrowId`: the id of the address's /24 (IPv6 /64) in aggregate/network-minutes.ts. */
  narrowId: number;
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
  if (p.v === 4) return { narrow: net24(p.n), wide: net16(p.n) };
  return { narrow: net64(p.n), wide: net48(p.n) };
}

/** The /24 of IPv4 `n` as networksOf writes it ("a.b.c.0/24"). */
function net24(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.0/24`;
}

/** The /16 of IPv4 `n` ("a.b.0.0/16"). */
function net16(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.0.0/16`;
}

/** The /64 of IPv6 `n`: its first four groups in hex, uncompressed ("2001:db8:0:0::/64"). */
function net64(n: bigint): string {
  const a = Number(n >> 96n);
  const b = Number((n >> 64n) & 0xffffffffn);
  return `${(a >>> 16).toString(16)}:${(a & 0xffff).toString(16)}:${(b >>> 16).toString(16)}:${(b & 0xffff).toString(16)}::/64`;
}

/** The /48 of IPv6 `n` ("2001:db8:0::/48"). */
function net48(n: bigint): string {
  const a = Number(n >> 96n);
  const b = Number((n >> 64n) & 0xffffffffn);
  return `${(a >>> 16).toString(16)}:${(a & 0xffff).toString(16)}:${(b >>> 16).toString(16)}::/48`;
}

/** The facts of `ip`; `intern` shares one copy of each network and ASN string (identity when absent). */
export function clientFacts(ip: string, geo: GeoInfo | null, intern: (s: string) => string = (s) => s): ClientFacts {
  const { narrow, wide } = networksOf(ip);
  const asn = geo?.asn ?? null;
  const asnKey = asn === null ? null : intern(String(asn));
  return {
    ip,
    narrow: narrow === null ? null : intern(narrow),
    wide: wide === null ? null : intern(wide),
    geo,
    asnKey,
    hash: hash32(ip),
    narrowHash: hashOf(narrow),
    wideHash: hashOf(wide),
    asnHash: hashOf(asnKey),
    activity: null,
    probes: null,
    country: null,
    top: null,
    ipSlot: -1,
    narrowId: -1,
  };
}

function hashOf(s: string | null): number {
  return s === null ? 0 : hash32(s);
}

/** Bounds of a client table. */
export interface ClientTableLimits {
  /** Addresses kept with their facts (then the table is cleared). */
  readonly addressCache: number;
  /** Characters of the network strings shared through the text interner (IPv6 and odd values). */
  readonly cacheKeyChars: number;
}

/** The facts of an address (ClientFacts), from the table. */
export interface ClientTable {
  (ip: string): ClientFacts;
  /**
   * Drops every cell and hint the facts keep of aggregates (a table kept from one part of a run to the next: the
   * previous part's aggregates are not held alive by it). The facts themselves stay.
   */
  release(): void;
}

/**
 * The enricher's table of client facts: the facts of each distinct address computed once while the table holds it
 * (and equal to clientFacts of the address, with its geo lookup's resolve), with their network and ASN strings
 * shared between addresses. An IPv4 address's networks are found by number (its /24 and /16 as integers), so no
 * network string is built for an address of a network met before; other values go through a text interner.
 * Memory: at most `addressCache` addresses (4,096 of them also in a front memo), and a quarter as many networks and ASN strings in each of the sharing
 * tables (the text interner also within `cacheKeyChars` characters); a full table is cleared (a cache: that changes
 * no value, only speed).
 */
export function createClientTable(geo: GeoLookup | null, limits: ClientTableLimits): ClientTable {
  const clients = new Map<string, ClientFacts>();
  const shareCap = Math.max(1, Math.floor(limits.addressCache / 4));
  const internText = createInterner(shareCap, limits.cacheKeyChars);
  /** IPv4 networks by number: a /24 by its top 24 bits, a /16 by 2^24 plus its top 16 bits. */
  const v4Nets = new Map<number, string>();
  const asnKeys = new Map<number, string>();
  const v4Net = (key: number, n: number): string => {
    let s = v4Nets.get(key);
    if (s === undefined) {
      if (v4Nets.size >= shareCap) v4Nets.clear();
      s = key < 0x1000000 ? net24(n) : net16(n);
      v4Nets.set(key, s);
    }
    return s;
  };
  const text = (s: string | null): string | null => (s === null ? null : (internText(s) ?? s));
  const asnKeyOf = (asn: number): string => {
    let s = asnKeys.get(asn);
    if (s === undefined) {
      if (asnKeys.size >= shareCap) asnKeys.clear();
      s = String(asn);
      asnKeys.set(asn, s);
    }
    return s;
  };
  const factsOf = (ip: string): ClientFacts => {
    const g = geo ? geo.resolve(ip) : null;
    // An IPv4 address whose networks networksOf writes from its value: a canonical dotted quad (networksOf cuts
    // the text, which is the value's own text), or an IPv6-mapped one (networksOf writes the value).
    let v4 = ip.includes(':') ? -1 : ipv4Value(ip, 0, ip.length, true);
    let p: ParsedIp | null = null;
    if (v4 < 0 && ip.includes(':')) {
      p = parseIp(ip);
      if (p !== null && p.v === 4) v4 = p.n;
    }
    let narrow: string | null;
    let wide: string | null;
    if (v4 >= 0) {
      narrow = v4Net(v4 >>> 8, v4);
      wide = v4Net(0x1000000 + (v4 >>> 16), v4);
    } else if (p !== null && p.v === 6) {
      narrow = text(net64(p.n));
      wide = text(net48(p.n));
    } else {
      const nets = networksOf(ip);
      narrow = text(nets.narrow);
      wide = text(nets.wide);
    }
    const asn = g?.asn ?? null;
    const asnKey = asn === null ? null : asnKeyOf(asn);
    return {
      ip, narrow, wide, geo: g, asnKey, hash: hash32(ip), narrowHash: hashOf(narrow), wideHash: hashOf(wide), asnHash: hashOf(asnKey),
      activity: null, probes: null, country: null, top: null, ipSlot: -1, narrowId: -1,
    };
  };
  // Busy addresses are found here without hashing them (core/text.ts); cleared with the table.
  const front = new FrontCache<ClientFacts>(4096);
  const lookup = (ip: string): ClientFacts => {
    let c = front.get(ip);
    if (c !== undefined) return c;
    c = clients.get(ip);
    if (c === undefined) {
      if (clients.size >= limits.addressCache) {
        clients.clear();
        front.clear();
      }
      c = factsOf(detach(ip));
      clients.set(c.ip, c);
    }
    front.set(c.ip, c);
    return c;
  };
  return Object.assign(lookup, {
    release(): void {
      for (const c of clients.values()) {
        c.activity = null;
        c.probes = null;
        c.country = null;
        c.top = null;
        c.ipSlot = -1;
        c.narrowId = -1;
      }
    },
  });
}
