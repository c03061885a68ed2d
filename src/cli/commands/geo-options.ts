/** --geoip / --asn / --no-geo (and LBUA_GEOIP / LBUA_ASN) shared by the commands that read logs. */
import type { Command } from 'commander';
import { openGeo, type GeoLookup } from '../../enrich/geo/index';

/** Raw commander values. */
export interface RawGeoOptions {
  readonly geoip?: string;
  readonly asn?: string;
  /** commander sets geo=false for --no-geo. */
  readonly geo?: boolean;
}

/** Declares the options. */
export function addGeoOptions(cmd: Command): Command {
  return cmd
    .option('--geoip <file>', 'MaxMind-format City or Country database (GeoIP2/GeoLite2/DB-IP .mmdb); also LBUA_GEOIP')
    .option('--asn <file>', 'MaxMind-format ASN or ISP database (.mmdb); also LBUA_ASN')
    .option('--no-geo', 'no country/ASN enrichment at all (not even the bundled data)');
}

/** Opens the geo data the options ask for (bundled data unless --no-geo; user databases win). */
export async function geoFromOptions(raw: RawGeoOptions): Promise<GeoLookup | null> {
  if (raw.geo === false) return null;
  const env = process.env;
  return openGeo({
    geoipPath: raw.geoip ?? (env['LBUA_GEOIP'] || null),
    asnPath: raw.asn ?? (env['LBUA_ASN'] || null),
    noBundled: false,
  });
}
