/** Geo/ASN lookup. (Placeholder: to be completed by the geo work.) */
import type { GeoInfo } from '../types';

/** Looks addresses up, with a per-address cache. */
export interface GeoLookup {
  lookup(ip: string): GeoInfo | null;
  /** Attribution/info lines about the loaded data. */
  info(): readonly string[];
}

/** Options for opening geo data. */
export interface GeoOptions {
  readonly geoipPath: string | null;
  readonly asnPath: string | null;
  /** Disable the bundled data. */
  readonly noBundled: boolean;
}

/** Opens geo data; null when none is available. */
export async function openGeo(_options: GeoOptions): Promise<GeoLookup | null> {
  return null;
}
