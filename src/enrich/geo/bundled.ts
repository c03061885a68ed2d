/**
 * The bundled, offline geo data: IP → country from @ip-location-db/geo-whois-asn-country-mmdb (an mmdb read with
 * the `maxmind` package) and IP → ASN/organisation from @ip-location-db/asn, converted at install time by
 * scripts/build-geo.js into binary range tables under dist/geo/ (binary search, no parsing at start-up).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Reader, type Response } from 'maxmind';
import type { ParsedIp } from './ip';

/** Facts about the bundled data, for `lbua geo --info` and `--version`. */
export interface BundledInfo {
  readonly country: { readonly package: string; readonly date: string | null; readonly license: string; readonly attribution: string };
  readonly asn: { readonly package: string; readonly date: string | null; readonly license: string; readonly attribution: string };
  readonly v4: number;
  readonly v6: number;
}

/** Loaded bundled tables. */
export interface BundledGeo {
  readonly info: BundledInfo;
  country(ip: string): string | null;
  asn(ip: ParsedIp): { asn: number; org: string | null } | null;
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

/** Loads the bundled data; null when it is missing (run `npm run build`). */
export function loadBundled(): BundledGeo | null {
  let meta: BundledInfo;
  let orgs: Readonly<Record<string, string>>;
  let b4: Buffer;
  let b6: Buffer;
  let reader: Reader<Response>;
  try {
    const dir = bundledDir();
    meta = JSON.parse(readFileSync(join(dir, 'geo-info.json'), 'utf8')) as BundledInfo;
    orgs = JSON.parse(readFileSync(join(dir, 'asn-orgs.json'), 'utf8')) as Record<string, string>;
    b4 = readFileSync(join(dir, 'asn-v4.bin'));
    b6 = readFileSync(join(dir, 'asn-v6.bin'));
    const countryDir = dirname(require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json'));
    reader = new Reader<Response>(readFileSync(join(countryDir, 'geo-whois-asn-country.mmdb')));
  } catch {
    return null;
  }
  const v4 = new Uint32Array(b4.buffer, b4.byteOffset, b4.byteLength / 4);
  const n6 = meta.v6;
  const r6 = new BigUint64Array(b6.buffer.slice(b6.byteOffset, b6.byteOffset + n6 * 32));
  const a6 = new Uint32Array(b6.buffer.slice(b6.byteOffset + n6 * 32, b6.byteOffset + n6 * 36));
  const orgOf = (asn: number): string | null => orgs[String(asn)] ?? null;
  return {
    info: { country: meta.country, asn: meta.asn, v4: meta.v4, v6: meta.v6 },
    country(ip) {
      const r: unknown = reader.get(ip);
      return typeof r === 'object' && r !== null && 'country_code' in r && typeof r.country_code === 'string' ? r.country_code : null;
    },
    asn(ip) {
      if (ip.v === 4) {
        let lo = 0;
        let hi = meta.v4 - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >>> 1;
          const start = v4[mid * 3] ?? 0;
          if (ip.n < start) hi = mid - 1;
          else if (ip.n > (v4[mid * 3 + 1] ?? 0)) lo = mid + 1;
          else {
            const asn = v4[mid * 3 + 2] ?? 0;
            return { asn, org: orgOf(asn) };
          }
        }
        return null;
      }
      const at = (i: number, k: number): bigint => ((r6[i * 4 + k] ?? 0n) << 64n) | (r6[i * 4 + k + 1] ?? 0n);
      let lo = 0;
      let hi = n6 - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (ip.n < at(mid, 0)) hi = mid - 1;
        else if (ip.n > at(mid, 2)) lo = mid + 1;
        else {
          const asn = a6[mid] ?? 0;
          return { asn, org: orgOf(asn) };
        }
      }
      return null;
    },
  };
}
