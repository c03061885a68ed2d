/**
 * Geo/ASN lookup for every client: user MaxMind databases when given (--geoip/--asn or LBUA_GEOIP/LBUA_ASN) win
 * over the bundled offline data; private, loopback, documentation and other special ranges are labelled, not
 * located. Results are cached per address (bounded: the cache is cleared at 200,000 entries); the bundled data's
 * facts are shared per (ASN, country).
 */
import { appendAll } from '../../core/arrays';
import { detach } from '../../core/text';
import type { GeoInfo } from '../types';
import { loadBundled, bundledInfo, type BundledGeo, type BundledInfo } from './bundled';
import { formatIp, parseIp, specialRange, type ParsedIp } from './ip';
import { openAsnDb, openLocationDb, type AsnFacts, type LocationFacts, type UserDb } from './maxmind';
import { networkClass } from './network-classes';
import { fail } from '../../core/types';

/** ASNs whose facts the bundled lookup memoizes (the bundled tables name about 80,000). */
const MEMO_ASNS = 200_000;

/** Looks addresses up, with a per-address cache. */
export interface GeoLookup {
  /** Geo facts for an address; null for strings that are not IP addresses. */
  lookup(ip: string): GeoInfo | null;
  /** The same without the per-address cache, for a caller that caches addresses itself (the enricher). */
  resolve(ip: string): GeoInfo | null;
  /** Where the data comes from, with licences and dates. */
  info(): readonly string[];
  /** True when city/region can be present (a City database was given). */
  readonly hasCity: boolean;
  /** How it was opened (so a worker thread can open the same data); absent for lookups made otherwise. */
  readonly source?: GeoOptions;
}

/** Options for opening geo data. */
export interface GeoOptions {
  readonly geoipPath: string | null;
  readonly asnPath: string | null;
  /** Disable the bundled data. */
  readonly noBundled: boolean;
}

/** Attribution lines for the bundled data (cheap; for --version). */
export function bundledAttribution(info: BundledInfo | null = bundledInfo()): string[] {
  if (info === null) return ['bundled geo data: not built (run npm run build)'];
  return [
    `country: ${info.country.attribution}; ${info.country.package} (${info.country.license}), data of ${info.country.date ?? 'unknown date'}`,
    `ASN: ${info.asn.attribution}; ${info.asn.package} (${info.asn.license}), data of ${info.asn.date ?? 'unknown date'}`,
  ];
}

/** Opens geo data; null when none is available (no user databases and the bundled data disabled or missing). */
export async function openGeo(options: GeoOptions): Promise<GeoLookup | null> {
  const location: UserDb<LocationFacts> | null = options.geoipPath ? openLocationDb(options.geoipPath) : null;
  const asnDb: UserDb<AsnFacts> | null = options.asnPath ? openAsnDb(options.asnPath) : null;
  const bundled: BundledGeo | null = options.noBundled ? null : loadBundled();
  if (!options.noBundled && bundled === null && location === null && asnDb === null) {
    fail('INPUT_UNREADABLE', 'bundled geo data is missing (dist/geo); run `npm run build`, or pass --no-geo');
  }
  if (location === null && asnDb === null && bundled === null) return null;
  const cache = new Map<string, GeoInfo | null>();
  const hasCity = location?.hasCity ?? false;
  /**
   * The bundled data's facts of an address are a function of its ASN and country: one GeoInfo for each pair met
   * (organisation name decoded and network class judged once per ASN), shared by every address with that pair.
   * Bounded by the data (the ASNs and countries in the tables), and cleared past MEMO_ASNS ASNs all the same.
   */
  const byAsn = new Map<number, Map<string | null, GeoInfo>>();
  const bundledFacts = (b: BundledGeo, ip: ParsedIp): GeoInfo => {
    const country = b.country(ip, ip.v === 4 ? '' : formatIp(ip));
    const asn = b.asnNumber(ip);
    let byCountry = byAsn.get(asn);
    if (byCountry === undefined) {
      if (byAsn.size >= MEMO_ASNS) byAsn.clear();
      byCountry = new Map();
      byAsn.set(asn, byCountry);
    }
    let g = byCountry.get(country);
    if (g === undefined) {
      // What lookupUncached builds from `loc` null and `a` = b.asn(ip), the same fields in the same order.
      const found = asn >= 0;
      const asOrg = found ? b.org(asn) : null;
      g = { country, asn: found ? asn : null, asOrg, city: null, region: null, network: networkClass(found ? asn : null, asOrg), special: null };
      byCountry.set(country, g);
    }
    return g;
  };
  const lookupUncached = (ipText: string): GeoInfo | null => {
    const ip = parseIp(ipText);
    if (ip === null) return null;
    // Special-purpose ranges are labelled, not located.
    const special = specialRange(ip);
    if (special !== null) {
      return { country: null, asn: null, asOrg: null, city: null, region: null, network: 'private', special };
    }
    if (location === null && asnDb === null && bundled !== null) return bundledFacts(bundled, ip);
    const canonical = formatIp(ip);
    const loc = location?.lookup(canonical) ?? null;
    const country = loc?.country ?? bundled?.country(ip, canonical) ?? null;
    const a = asnDb ? asnDb.lookup(canonical) : (bundled?.asn(ip) ?? null);
    const asn = a?.asn ?? null;
    const asOrg = a?.org ?? null;
    return { country, asn, asOrg, city: loc?.city ?? null, region: loc?.region ?? null, network: networkClass(asn, asOrg), special: null };
  };
  return {
    hasCity,
    source: { geoipPath: options.geoipPath, asnPath: options.asnPath, noBundled: options.noBundled },
    resolve: lookupUncached,
    lookup(ip) {
      let g = cache.get(ip);
      if (g === undefined) {
        g = lookupUncached(ip);
        if (cache.size >= 200_000) cache.clear();
        cache.set(detach(ip), g);
      }
      return g;
    },
    info() {
      const lines: string[] = [];
      if (location) lines.push(`location: ${options.geoipPath ?? ''} (${location.type})`);
      if (asnDb) lines.push(`ASN: ${options.asnPath ?? ''} (${asnDb.type})`);
      if (bundled) appendAll(lines, bundledAttribution(bundled.info).map((l) => `bundled ${l}`));
      return lines;
    },
  };
}
