/** enrich(record) = the composition of the per-concern enrichers: route template, static flag, agent, geo. */
import type { LogRecord } from '../core/types';
import type { EnrichedRecord } from './types';
import { createRouteTemplater, isStaticAsset, type RouteOptions } from './route-template';
import { createAgentClassifier } from './user-agent';
import type { GeoLookup } from './geo/index';

/** Per-run enricher (holds caches). */
export type Enricher = (r: LogRecord) => EnrichedRecord;

/** Builds the enricher for a run. */
export function createEnricher(options: { routes: RouteOptions; geo: GeoLookup | null }): Enricher {
  const routes = createRouteTemplater(options.routes);
  const agents = createAgentClassifier();
  const geo = options.geo;
  return (r) => {
    const path = r.path ?? '-';
    const route = routes.template(path);
    return {
      ...r,
      route,
      endpoint: `${r.method ?? '-'} ${route}`,
      isStatic: isStaticAsset(path),
      agent: agents.classify(r.userAgent),
      geo: geo && r.clientIp !== null ? geo.lookup(r.clientIp) : null,
    };
  };
}
