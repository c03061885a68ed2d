/** enrich(record) = the composition of the per-concern enrichers: route template, static flag, agent, geo. */
import type { LogRecord } from '../core/types';
import type { EnrichedRecord } from './types';
import { createPathStore, createRouteTemplater, isStaticAsset, releasePathStore, type PathEntry, type PathStore, type RouteOptions, type RouteTemplater } from './route-template';
import { createAgentClassifier, type AgentClassifier } from './user-agent';
import type { GeoLookup } from './geo/index';
import { NO_PATH_CLASS } from './path-class';
import { createClientTable, type ClientTable } from './client';
import { createInterner, detach, LONG_KEY_CHARS, longKey } from '../core/text';
import type { CapLog } from '../core/capped';
import { DEFAULT_LIMITS, type Limits } from '../core/limits';
import { copyRecord, hasSlots } from '../formats/shared/record';

/**
 * Per-run enricher (holds caches). It fills the enrichment slots of a record built by a parser in place and returns
 * that same object (one object per line, not two); a record built elsewhere is copied into the parsers' shape first.
 */
export interface Enricher {
  (r: LogRecord): EnrichedRecord;
  /** The route templater (for its cardinality-guard notes). */
  readonly routes: RouteTemplater;
}

/** An EnrichedRecord while enrich fills it: the parser's record (formats/shared/record.ts), writable. */
type Filling = { -readonly [K in keyof EnrichedRecord]: EnrichedRecord[K] };

/** The route of a record without a path, and its endpoint: '-', not a made-up "/" (see enrich). */
const NO_PATH: PathEntry = Object.freeze({ path: '-', route: '-', cls: NO_PATH_CLASS, id: -1, isStatic: false, exploit: -1, epMethod: null, ep: null, top: null, errStatus: 0, errTop: null, gen: 0 });
export const NO_REQUEST = '-';


/**
 * The enricher's caches whose values depend only on their keys (an address's facts with `geo`'s lookup, an agent's
 * class, shared copies of hosts and backends): a worker thread keeps them from one task to the next instead of
 * computing every distinct value again per task (a cache changes no value, only speed). The route templater's path
 * entries too, but a route depends on the paths the task's cardinality guard has seen: each task's templater checks
 * an entry again at its first use (route-template.ts PathStore).
 */
export interface EnricherCaches {
  readonly agents: AgentClassifier;
  readonly clientOf: ClientTable;
  readonly hosts: (s: string | null) => string | null;
  readonly backends: (s: string | null) => string | null;
  readonly paths: PathStore;
  /** Drops the aggregate cells the cached entries keep (between tasks: the last task's state is not held alive). */
  release(): void;
}

/** Caches for enrichers with this geo lookup and limits. */
export function createEnricherCaches(geo: GeoLookup | null, limits: Limits = DEFAULT_LIMITS): EnricherCaches {
  const agents = createAgentClassifier(20_000, limits.cacheKeyChars);
  // The pipeline's per-address cache: the geo lookup's own cache would hold the same again.
  const clientOf = createClientTable(geo, limits);
  const paths = createPathStore();
  return {
    agents, clientOf, paths,
    hosts: createInterner(10_000, limits.cacheKeyChars / 10),
    backends: createInterner(10_000, limits.cacheKeyChars / 10),
    release() {
      agents.release();
      clientOf.release();
      releasePathStore(paths);
    },
  };
}

/**
 * Builds the enricher for a run. Endpoint strings are interned per (route, method) so later maps hash them once.
 * The strings later stages key their maps on (client address, user agent, path, host, backend) come out as
 * standalone copies shared by every record with the same value (see EnrichedRecord): the caches that classify
 * them hold those copies, so interning costs no extra lookup for address, agent and path. An agent, path, host or
 * backend longer than LONG_KEY_CHARS comes out as its longKey (its head and a hash of the whole).
 * Memory: every cache is bounded by entries and by characters of keys (Limits.cacheKeyChars; hosts and backends a
 * tenth of it), and cleared when full; the route templater's cardinality guard has its own caps (route-template.ts).
 */
export function createEnricher(options: { routes: RouteOptions; geo: GeoLookup | null; limits?: Limits; caps?: CapLog; caches?: EnricherCaches }): Enricher {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const { agents, clientOf, hosts, backends, paths } = options.caches ?? createEnricherCaches(options.geo, limits);
  const routes = createRouteTemplater(options.routes, { maxChars: limits.cacheKeyChars }, undefined, paths);
  options.caps?.watch(() => routes.capNote());
  const endpoints = new Map<string, Map<string, string>>();
  let endpointChars = 0;
  const endpointOf = (method: string, route: string): string => {
    let byMethod = endpoints.get(route);
    if (byMethod === undefined) {
      if (endpoints.size > 100_000 || endpointChars > limits.cacheKeyChars) {
        endpoints.clear();
        endpointChars = 0;
      }
      endpointChars += route.length;
      byMethod = new Map();
      endpoints.set(route, byMethod);
    }
    let ep = byMethod.get(method);
    if (ep === undefined) {
      // Flat and standalone (a concatenation is compared piece by piece; the method may be a slice of the line).
      ep = detach(`${method} ${route}`);
      byMethod.set(detach(method), ep);
      endpointChars += ep.length;
    }
    return ep;
  };
  /** The endpoint of a path entry and method, remembered on the entry for the method it saw last. */
  const endpointOfPath = (p: PathEntry, method: string): string => {
    if (p.epMethod === method && p.ep !== null) return p.ep;
    const ep = endpointOf(method, p.route);
    p.epMethod = method;
    p.ep = ep;
    return ep;
  };
  const enrich = (r: LogRecord): EnrichedRecord => {
    // No path (a request line that is not HTTP, e.g. TLS bytes sent to a plain-HTTP port): no route either.
    // A value past LONG_KEY_CHARS goes on as its long key: every later map keys on these strings.
    const path = r.path;
    const p = path === null ? NO_PATH : routes.entry(longKey(path));
    const client = r.clientIp === null ? null : clientOf(r.clientIp);
    const agent = r.userAgent === null ? null : agents.entry(longKey(r.userAgent));
    // The parser's record, filled in place (its slots: formats/shared/record.ts); any other record is copied into
    // that shape first, so the caller's object is left as it was.
    const e = (hasSlots(r) ? r : copyRecord(r)) as Filling;
    // Every value is computed from the record as parsed before any field is written.
    const route = p.route;
    const endpoint = path === null ? NO_REQUEST : endpointOfPath(p, r.method ?? '-');
    // The entry's flag is the path's own unless the path was longer than its key (a long key ends in its hash).
    const isStatic = path !== null && path.length > LONG_KEY_CHARS ? isStaticAsset(path) : p.isStatic;
    e.clientIp = client === null ? null : client.ip;
    e.host = hosts(r.host === null ? null : longKey(r.host));
    e.path = path === null ? null : p.path;
    e.backend = backends(r.backend === null ? null : longKey(r.backend));
    e.userAgent = agent === null ? null : agent.ua;
    e.route = route;
    e.endpoint = endpoint;
    e.isStatic = isStatic;
    e.agent = agent === null ? agents.classify(null) : agent.info;
    e.geo = client === null ? null : client.geo;
    e.client = client;
    e.pathClass = p.cls;
    e.pathId = p.id;
    e.pathEntry = path === null ? null : p;
    e.agentEntry = agent;
    return e;
  };
  return Object.assign(enrich, { routes });
}
