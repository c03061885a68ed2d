/** enrich(record) = the composition of the per-concern enrichers: route template, static flag, agent, geo. */
import type { LogRecord } from '../core/types';
import type { EnrichedRecord } from './types';
import { createRouteTemplater, isStaticAsset, type RouteOptions, type RouteTemplater } from './route-template';
import { createAgentClassifier } from './user-agent';
import type { GeoLookup } from './geo/index';
import type { GeoInfo } from './types';
import { detach, longKey } from '../core/text';

/** Per-run enricher (holds caches). */
export interface Enricher {
  (r: LogRecord): EnrichedRecord;
  /** The route templater (for its cardinality-guard notes). */
  readonly routes: RouteTemplater;
}

/** The route of a record without a path, and its endpoint: '-', not a made-up "/" (see enrich). */
const NO_PATH = { path: '-', route: '-' } as const;
export const NO_REQUEST = '-';

/** A client address as a standalone string, with its geo facts (looked up once per address while cached). */
interface ClientEntry {
  readonly ip: string;
  readonly geo: GeoInfo | null;
}

/** Bounded table of standalone copies: the same object for the same value while the table holds it. */
function interner(capacity: number): (s: string | null) => string | null {
  const table = new Map<string, string>();
  let last: string | null = null;
  let lastOwn: string | null = null;
  return (s) => {
    if (s === null) return null;
    if (s === last) return lastOwn;
    let own = table.get(s);
    if (own === undefined) {
      if (table.size >= capacity) table.clear();
      own = detach(s);
      table.set(own, own);
    }
    last = s;
    lastOwn = own;
    return own;
  };
}

/**
 * Builds the enricher for a run. Endpoint strings are interned per (route, method) so later maps hash them once.
 * The strings later stages key their maps on (client address, user agent, path, host, backend) come out as
 * standalone copies shared by every record with the same value (see EnrichedRecord): the caches that classify
 * them hold those copies, so interning costs no extra lookup for address, agent and path. An agent, path, host or
 * backend longer than LONG_KEY_CHARS comes out as its longKey (its head and a hash of the whole).
 */
export function createEnricher(options: { routes: RouteOptions; geo: GeoLookup | null }): Enricher {
  const routes = createRouteTemplater(options.routes);
  const agents = createAgentClassifier();
  const geo = options.geo;
  const clients = new Map<string, ClientEntry>();
  const clientOf = (ip: string): ClientEntry => {
    let c = clients.get(ip);
    if (c === undefined) {
      if (clients.size >= 200_000) clients.clear();
      const own = detach(ip);
      // This table is the pipeline's per-address cache: the geo lookup's own cache would hold the same again.
      c = { ip: own, geo: geo ? geo.resolve(own) : null };
      clients.set(own, c);
    }
    return c;
  };
  const hosts = interner(10_000);
  const backends = interner(10_000);
  const endpoints = new Map<string, Map<string, string>>();
  const endpointOf = (method: string, route: string): string => {
    let byMethod = endpoints.get(route);
    if (byMethod === undefined) {
      if (endpoints.size > 100_000) endpoints.clear();
      byMethod = new Map();
      endpoints.set(route, byMethod);
    }
    let ep = byMethod.get(method);
    if (ep === undefined) {
      ep = `${method} ${route}`;
      byMethod.set(`${method}`, ep);
    }
    return ep;
  };
  const enrich = (r: LogRecord): EnrichedRecord => {
    // No path (a request line that is not HTTP, e.g. TLS bytes sent to a plain-HTTP port): no route either.
    // A value past LONG_KEY_CHARS goes on as its long key: every later map keys on these strings.
    const p = r.path === null ? NO_PATH : routes.entry(longKey(r.path));
    const client = r.clientIp === null ? null : clientOf(r.clientIp);
    const agent = r.userAgent === null ? null : agents.entry(longKey(r.userAgent));
    // An explicit literal (one fixed shape) allocates far faster than spreading the record.
    return {
      startMs: r.startMs, format: r.format, clientIp: client === null ? null : client.ip, clientPort: r.clientPort, clientHost: r.clientHost, method: r.method, scheme: r.scheme,
      host: hosts(r.host === null ? null : longKey(r.host)), path: r.path === null ? null : p.path, query: r.query, protocol: r.protocol, status: r.status, backendStatus: r.backendStatus,
      backend: backends(r.backend === null ? null : longKey(r.backend)), durationMs: r.durationMs, backendMs: r.backendMs, bytesIn: r.bytesIn, bytesOut: r.bytesOut,
      userAgent: agent === null ? null : agent.ua, referer: r.referer, tlsProtocol: r.tlsProtocol, tlsCipher: r.tlsCipher, traceId: r.traceId,
      errorReason: r.errorReason, lb: r.lb, source: r.source,
      route: p.route,
      endpoint: r.path === null ? NO_REQUEST : endpointOf(r.method ?? '-', p.route),
      isStatic: isStaticAsset(r.path ?? p.path),
      agent: agent === null ? agents.classify(null) : agent.info,
      geo: client === null ? null : client.geo,
    };
  };
  return Object.assign(enrich, { routes });
}
