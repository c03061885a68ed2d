/**
 * User-supplied MaxMind-format databases (GeoIP2/GeoLite2 City or Country, DB-IP City/Country Lite; GeoLite2/GeoIP2
 * ASN or ISP, DB-IP ASN Lite), read with the `maxmind` package. A missing, corrupt or wrong-type database is an
 * LbuaError (one line, exit 2), found when opening (a few probe lookups), never a crash later.
 */
import { readFileSync } from 'node:fs';
import { Reader, type Response } from 'maxmind';
import { fail } from '../../core/types';
import { errCode } from '../../input/expand';

/** What a location database says about an address. */
export interface LocationFacts {
  readonly country: string | null;
  readonly city: string | null;
  readonly region: string | null;
}

/** What an ASN/ISP database says about an address. */
export interface AsnFacts {
  readonly asn: number | null;
  readonly org: string | null;
}

/** An opened user database. */
export interface UserDb<T> {
  readonly type: string;
  readonly hasCity: boolean;
  lookup(ip: string): T | null;
}

const LOCATION_TYPE = /city|country|enterprise/i;
const ASN_TYPE = /asn|isp|connection-type|domain/i;

function open(path: string, flag: string): Reader<Response> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    fail('INPUT_UNREADABLE', `${flag} ${path}: cannot read (${errCode(e)})`);
  }
  try {
    return new Reader<Response>(buf);
  } catch (e) {
    fail('INPUT_UNREADABLE', `${flag} ${path}: not a valid MaxMind DB file (${e instanceof Error ? e.message : String(e)})`);
  }
}

function probe(reader: Reader<Response>, path: string, flag: string): void {
  for (const ip of ['1.0.0.1', '81.2.69.160', '2.125.160.216', '2001:4860:4860::8888', '::1']) {
    try {
      reader.get(ip);
    } catch (e) {
      fail('INPUT_UNREADABLE', `${flag} ${path}: database is corrupt (lookup failed: ${e instanceof Error ? e.message : String(e)})`);
    }
  }
}

function obj(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function enName(v: unknown): string | null {
  const names = obj(obj(v)?.['names']);
  const en = names?.['en'];
  return typeof en === 'string' ? en : null;
}

/** Opens a City/Country database for --geoip. */
export function openLocationDb(path: string): UserDb<LocationFacts> {
  const reader = open(path, '--geoip');
  const type = reader.metadata.databaseType;
  if (!LOCATION_TYPE.test(type) || ASN_TYPE.test(type)) fail('OPTION_INVALID', `--geoip ${path}: a ${type} database; --geoip needs a City or Country database (use --asn for ASN/ISP databases)`);
  probe(reader, path, '--geoip');
  const hasCity = /city|enterprise/i.test(type);
  return {
    type,
    hasCity,
    lookup(ip) {
      let r: unknown;
      try {
        r = reader.get(ip);
      } catch (e) {
        fail('INPUT_UNREADABLE', `--geoip ${path}: database is corrupt (lookup of ${ip} failed: ${e instanceof Error ? e.message : String(e)})`);
      }
      const o = obj(r);
      if (o === null) return null;
      const country = obj(o['country'])?.['iso_code'] ?? obj(o['registered_country'])?.['iso_code'];
      const subs = Array.isArray(o['subdivisions']) ? o['subdivisions'] : [];
      return {
        country: typeof country === 'string' ? country : null,
        city: hasCity ? enName(o['city']) : null,
        region: hasCity ? enName(subs[0]) : null,
      };
    },
  };
}

/** Opens an ASN/ISP database for --asn. */
export function openAsnDb(path: string): UserDb<AsnFacts> {
  const reader = open(path, '--asn');
  const type = reader.metadata.databaseType;
  if (!ASN_TYPE.test(type)) fail('OPTION_INVALID', `--asn ${path}: a ${type} database; --asn needs an ASN or ISP database (use --geoip for City/Country databases)`);
  probe(reader, path, '--asn');
  return {
    type,
    hasCity: false,
    lookup(ip) {
      let r: unknown;
      try {
        r = reader.get(ip);
      } catch (e) {
        fail('INPUT_UNREADABLE', `--asn ${path}: database is corrupt (lookup of ${ip} failed: ${e instanceof Error ? e.message : String(e)})`);
      }
      const o = obj(r);
      if (o === null) return null;
      const asn = o['autonomous_system_number'];
      const org = o['autonomous_system_organization'] ?? o['isp'] ?? o['organization'];
      return { asn: typeof asn === 'number' ? asn : null, org: typeof org === 'string' ? org : null };
    },
  };
}
