/** enrich(record) = the composition of the per-concern enrichers: route template, static flag, agent, geo. */
import type { LogRecord } from '../core/types';
import type { EnrichedRecord } from './types';
import { createRouteTemplater, isStaticAsset, type RouteOptions, type RouteTemplater } from './route-template';
import { createAgentClassifier } from './user-agent';
import type { GeoLookup } from './geo/index';

/** Per-run enricher (holds caches). */
export interface Enricher {
  (r: LogRecord): EnrichedRecord;
  /** The route templater (for its cardinality-guard notes). */
  readonly routes: RouteTemplater;
}

/** Builds the enricher for a run. Endpoint strings are interned per (route, method) so later maps hash them once. */
export function createEnricher(options: { routes: RouteOptions; geo: GeoLookup | null }): Enricher {
  const routes = createRouteTemplater(options.routes);
  const agents = createAgentClassifier();
  const geo = options.geo;
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
    const path = r.path ?? '-';
    const route = routes.template(path);
    // An explicit literal (one fixed shape) allocates far faster than spreading the record.
    return {
      startMs: r.startMs, format: r.format, clientIp: r.clientIp, clientPort: r.clientPort, method: r.method, scheme: r.scheme,
      host: r.host, path: r.path, query: r.query, protocol: r.protocol, status: r.status, backendStatus: r.backendStatus,
      backend: r.backend, durationMs: r.durationMs, backendMs: r.backendMs, bytesIn: r.bytesIn, bytesOut: r.bytesOut,
      userAgent: r.userAgent, referer: r.referer, tlsProtocol: r.tlsProtocol, tlsCipher: r.tlsCipher, traceId: r.traceId,
      errorReason: r.errorReason, lb: r.lb, source: r.source,
      route,
      endpoint: endpointOf(r.method ?? '-', route),
      isStatic: isStaticAsset(path),
      agent: agents.classify(r.userAgent),
      geo: geo && r.clientIp !== null ? geo.lookup(r.clientIp) : null,
    };
  };
  return Object.assign(enrich, { routes });
}
