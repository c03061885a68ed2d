/**
 * A record after enrichment: the parsed LogRecord plus derived facts every later stage shares
 * (route template, static-asset flag, user-agent family/class, geo/ASN). enrich() fills them in the record object the
 * parser built (its slots: formats/shared/record.ts), so a line has one record object, not two.
 */
import type { LogRecord } from '../core/types';
import type { ClientFacts } from './client';
import type { PathEntry } from './route-template';
import type { AgentEntry } from './user-agent';

/** Client classes: self-declared crawlers, scripted tools, behaviourally suspect clients, and people. */
export type ClientClass = 'human' | 'bot' | 'tool' | 'suspect';

/** Device types of a user agent. */
export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'app' | 'bot' | 'tool' | 'unknown';

/** What the user-agent string says. */
export interface AgentInfo {
  /** Browser / client family, e.g. "Chrome", "Safari", "Googlebot", "curl", "python-requests", "Other". */
  readonly family: string;
  /** Major version, when known. */
  readonly version: string | null;
  /** "Windows", "macOS", "iOS", "Android", "Linux", ... or "Other". */
  readonly os: string;
  readonly device: DeviceType;
  /** Class from the agent alone (behaviour may later turn a human into suspect). */
  readonly agentClass: 'human' | 'bot' | 'tool';
  /** For bots: the crawler it claims to be ("claims Googlebot" until verified). */
  readonly claims: string | null;
}

/** Network class of an ASN. */
export type NetworkClass = 'hosting' | 'residential' | 'mobile' | 'private' | 'unknown';

/** Geo/ASN facts about a client address (null fields when unknown). */
export interface GeoInfo {
  /** ISO 3166 alpha-2; null for private/loopback/documentation ranges or unknown. */
  readonly country: string | null;
  readonly asn: number | null;
  readonly asOrg: string | null;
  readonly city: string | null;
  readonly region: string | null;
  readonly network: NetworkClass;
  /** For special ranges: "private", "loopback", "documentation", "link-local", "cgnat", ... */
  readonly special: string | null;
}

/**
 * A record with everything later stages need. Its `clientIp`, `userAgent`, `path`, `host`, `backend`, `route` and
 * `endpoint` are standalone strings (never slices of the input line; route and endpoint flat, not a concatenation V8
 * compares piece by piece) and, while the enricher's caches hold them, the same object for every record with the
 * same value: maps may keep them as keys without copying them (no detach), and lookups with them compare by identity
 * first.
 */
export interface EnrichedRecord extends LogRecord {
  /** Path with identifiers collapsed: "/api/v1/products/:id". */
  readonly route: string;
  /** "GET /api/v1/products/:id" — the endpoint key. */
  readonly endpoint: string;
  /** Static asset (.js .css .png ...). */
  readonly isStatic: boolean;
  readonly agent: AgentInfo;
  /** Null when no geo data is loaded. */
  readonly geo: GeoInfo | null;
  /** The client address's facts (computed once per address), null when the record has no client address. */
  readonly client: ClientFacts | null;
  /** The path's class for the scanner (pattern bits and hash, enrich/path-class.ts; computed once per distinct path). */
  readonly pathClass: number;
  /** The path's first identifier segment (`/items/1001` → 1001) for api-abuse, or -1 (computed once per distinct path). */
  readonly pathId: number;
  /**
   * The enricher's cached entries of the path and the agent (null when the record has none): the same object for
   * every record with the value while the cache holds it, with slots later stages count into (core/top.ts TopSlot).
   */
  readonly pathEntry: PathEntry | null;
  readonly agentEntry: AgentEntry | null;
}
