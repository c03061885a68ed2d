/**
 * The bundled, offline geo data: IP → country from @ip-location-db/geo-whois-asn-country-mmdb (an mmdb read with
 * the `maxmind` package) and IP → ASN/organisation from @ip-location-db/asn, converted at install time by
 * scripts/build-geo.js into binary range tables under dist/geo/ (binary search, no parsing at start-up; organisation
 * names decoded one at a time, when looked up).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Reader, Response } from 'maxmind';
import type { ParsedIp } from './ip';

/** Facts about the bundled data, for `lbua geo --info` and `--version`. */
export interface BundledInfo {
  readonly country: { readonly package: string; readonly date: string | null; readonly license: string; readonly attribution: string };
  readonly asn: { readonly package: string; readonly date: string | null; readonly license: string; readonly attribution: string };
  readonly v4: number;
  readonly v6: number;
}

/** geo-info.json: the info plus the country codes that country-v4.bin's indexes name (0: none). */
interface BundledMeta extends BundledInfo {
  readonly countryCodes?: readonly (string | null)[];
}

/** Loaded bundled tables. */
export interface BundledGeo {
  readonly info: BundledInfo;
  /** Country code of an address (`text`: its canonical form). */
  country(ip: ParsedIp, text: string): string | null;
  asn(ip: ParsedIp): { asn: number; org: string | null } | null;
  /** The ASN of an address, or -1 when no range holds it (asn() without the organisation name or an object). */
  asnNumber(ip: ParsedIp): number;
  /** The organisation name of an ASN (decoded from the table at each call). */
  org(asn: number): string | null;
}


/** Directory of the converted tables: dist/geo under the package root (also when running from src/ in tests). */
export function bundledDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'geo');
    dir = dirname(dir);
  }
  return join(__dirname, '..', '..', 'geo');
}

/** Only the info (cheap: reads the meta file); null when the data was not built. */
export function bundledInfo(): BundledInfo | null {
  try {
    return JSON.parse(readFileSync(join(bundledDir(), 'geo-info.json'), 'utf8')) as BundledInfo;
  } catch {
    return null;
  }
}

/** Where the high and the low 32-bit word of a 64-bit value sit in a Uint32Array view of it (platform order). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

/** The tables, read on first use. */
interface Tables {
  /** Country: IPv4 range starts ascending, and each range's index into the meta's countryCodes. */
  readonly c4: Uint32Array;
  readonly c4codes: Uint16Array;
  readonly v4: Uint32Array;
  /** IPv6 ranges as 32-bit words: per range its start and end, each two 64-bit values of two words (HI, LO). */
  readonly w6: Uint32Array;
  readonly a6: Uint32Array;
  /** ASNs ascending, the end offset of each one's name in `names`, and the names as UTF-8 (asn-orgs.bin). */
  readonly orgAsns: Uint32Array;
  readonly orgEnds: Uint32Array;
  readonly names: Buffer;
}

/** A view of `n` elements of `T` at byte `at` of `b`, copied only when `at` is not aligned for `T`. */
function view<T>(b: Buffer, at: number, n: number, size: number, make: (buf: ArrayBufferLike, offset: number, length: number) => T): T {
  const offset = b.byteOffset + at;
  if (offset % size === 0) return make(b.buffer, offset, n);
  return make(b.buffer.slice(offset, offset + n * size), 0, n);
}

function readTables(dir: string, meta: BundledInfo): Tables {
  const b4 = readFileSync(join(dir, 'asn-v4.bin'));
  const b6 = readFileSync(join(dir, 'asn-v6.bin'));
  const bo = readFileSync(join(dir, 'asn-orgs.bin'));
  const bc = readFileSync(join(dir, 'country-v4.bin'));
  const u32 = (buf: ArrayBufferLike, o: number, n: number): Uint32Array => new Uint32Array(buf, o, n);
  const n6 = meta.v6;
  const nOrgs = view(bo, 0, 1, 4, u32)[0] ?? 0;
  const nc = view(bc, 0, 1, 4, u32)[0] ?? 0;
  const r6 = view(b6, 0, n6 * 4, 8, (buf, o, n) => new BigUint64Array(buf, o, n));
  return {
    c4: view(bc, 4, nc, 4, u32),
    c4codes: view(bc, 4 + nc * 4, nc, 2, (buf, o, n) => new Uint16Array(buf, o, n)),
    v4: view(b4, 0, Math.floor(b4.byteLength / 4), 4, (buf, o, n) => new Uint32Array(buf, o, n)),
    w6: new Uint32Array(r6.buffer, r6.byteOffset, r6.length * 2),
    a6: view(b6, n6 * 32, n6, 4, (buf, o, n) => new Uint32Array(buf, o, n)),
    orgAsns: view(bo, 4, nOrgs, 4, (buf, o, n) => new Uint32Array(buf, o, n)),
    orgEnds: view(bo, 4 + nOrgs * 4, nOrgs, 4, (buf, o, n) => new Uint32Array(buf, o, n)),
    names: bo.subarray(4 + nOrgs * 8),
  };
}

/** Index into countryCodes of the range holding IPv4 `n` (the last range starting at or before it). */
function countryIndex(t: Tables, n: number): number {
  let lo = 0;
  let hi = t.c4.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((t.c4[mid] ?? 0) <= n) lo = mid;
    else hi = mid - 1;
  }
  return (t.c4[lo] ?? 0) <= n ? (t.c4codes[lo] ?? 0) : 0;
}

/** The country code of an mmdb record (the package's records are { country_code }). */
function countryOf(r: unknown): string | null {
  return typeof r === 'object' && r !== null && 'country_code' in r && typeof r.country_code === 'string' ? r.country_code : null;
}

/** The organisation name of `asn` (binary search in asn-orgs.bin; the name is decoded only now). */
function orgOf(t: Tables, asn: number): string | null {
  let lo = 0;
  let hi = t.orgAsns.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const a = t.orgAsns[mid] ?? 0;
    if (asn < a) hi = mid - 1;
    else if (asn > a) lo = mid + 1;
    else return t.names.toString('utf8', mid === 0 ? 0 : (t.orgEnds[mid - 1] ?? 0), t.orgEnds[mid] ?? 0);
  }
  return null;
}

/**
 * Opens the bundled data; null when it is missing (run `npm run build`). Cheap: only the meta file is read now;
 * the tables (about 14 MB: the ASN ranges and IPv4 country ranges, read without copying) are read at the first
 * lookup, so a run that looks nothing up (no public client address) never reads them, and the country mmdb (8 MB,
 * with the `maxmind` reader) at the first IPv6 address.
 */
export function loadBundled(): BundledGeo | null {
  let meta: BundledMeta;
  let dir: string;
  let countryFile: string;
  try {
    dir = bundledDir();
    meta = JSON.parse(readFileSync(join(dir, 'geo-info.json'), 'utf8')) as BundledMeta;
    countryFile = join(dirname(require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json')), 'geo-whois-asn-country.mmdb');
    const files = [join(dir, 'asn-v4.bin'), join(dir, 'asn-v6.bin'), join(dir, 'asn-orgs.bin'), join(dir, 'country-v4.bin'), countryFile];
    if (meta.countryCodes === undefined || files.some((f) => !existsSync(f))) return null;
  } catch {
    return null;
  }
  const codes = meta.countryCodes;
  // This lookup's own lazily read, then unchanged, tables (per opened lookup, not per module).
  let loaded: Tables | null = null;
  let mmdb: Reader<Response> | null = null;
  const tables = (): Tables => (loaded ??= readTables(dir, meta));
  const reader = (): Reader<Response> => {
    if (mmdb === null) {
      // Loaded here, not at start-up: `maxmind` is needed for IPv6 addresses only.
      const { Reader: MmdbReader } = require('maxmind') as typeof import('maxmind');
      mmdb = new MmdbReader<Response>(readFileSync(countryFile));
    }
    return mmdb;
  };
  const asnNumber = (ip: ParsedIp): number => {
    const t = tables();
    if (ip.v === 4) {
      const v4 = t.v4;
      let lo = 0;
      let hi = meta.v4 - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const start = v4[mid * 3] ?? 0;
        if (ip.n < start) hi = mid - 1;
        else if (ip.n > (v4[mid * 3 + 1] ?? 0)) lo = mid + 1;
        else return v4[mid * 3 + 2] ?? 0;
      }
      return -1;
    }
    // The search compares 32-bit words (the table's 64-bit halves read as two words each): no bigint per step.
    const w = t.w6;
    const a0 = Number(ip.n >> 96n);
    const a1 = Number((ip.n >> 64n) & 0xffffffffn);
    const a2 = Number((ip.n >> 32n) & 0xffffffffn);
    const a3 = Number(ip.n & 0xffffffffn);
    /** -1, 0 or 1 as the address is below, at or above the 128-bit value at table word 8 * i + 4 * k. */
    const cmp = (i: number, k: number): number => {
      const o = i * 8 + k * 4;
      const b0 = w[o + HI] ?? 0;
      if (a0 !== b0) return a0 < b0 ? -1 : 1;
      const b1 = w[o + LO] ?? 0;
      if (a1 !== b1) return a1 < b1 ? -1 : 1;
      const b2 = w[o + 2 + HI] ?? 0;
      if (a2 !== b2) return a2 < b2 ? -1 : 1;
      const b3 = w[o + 2 + LO] ?? 0;
      return a3 === b3 ? 0 : a3 < b3 ? -1 : 1;
    };
    let lo = 0;
    let hi = meta.v6 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(mid, 0) < 0) hi = mid - 1;
      else if (cmp(mid, 1) > 0) lo = mid + 1;
      else return t.a6[mid] ?? 0;
    }
    return -1;
  };
  return {
    info: { country: meta.country, asn: meta.asn, v4: meta.v4, v6: meta.v6 },
    country(ip, text) {
      if (ip.v === 4) return codes[countryIndex(tables(), ip.n)] ?? null;
      return countryOf(reader().get(text));
    },
    asn(ip) {
      const asn = asnNumber(ip);
      return asn < 0 ? null : { asn, org: orgOf(tables(), asn) };
    },
    asnNumber,
    org: (asn) => orgOf(tables(), asn),
  };
}
