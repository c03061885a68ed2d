/** Tiny factories for enriched records in unit tests. */
import type { EnrichedRecord } from '../../src/enrich/types';
import { classifyAgent } from '../../src/enrich/user-agent';
import { isStaticAsset } from '../../src/enrich/route-template';
import { clientFacts } from '../../src/enrich/client';
import { classifyPath, pathIdentifier } from '../../src/enrich/path-class';

/** Base time of test records: 2026-03-10T09:00:00Z. */
export const T0 = Date.UTC(2026, 2, 10, 9, 0, 0);

/** An enriched record at T0 + offsetMs with overrides. */
export function rec(offsetMs: number, o: Partial<EnrichedRecord> & { line?: number } = {}): EnrichedRecord {
  const path = o.path ?? '/';
  const method = o.method ?? 'GET';
  const ua = o.userAgent === undefined ? 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' : o.userAgent;
  const route = o.route ?? path;
  const r: EnrichedRecord = {
    startMs: T0 + offsetMs, format: 'alb', clientIp: '203.0.113.7', clientPort: 5000, clientHost: null, method, scheme: 'https', host: 'shop.example.com',
    path, query: null, protocol: 'HTTP/1.1', status: 200, backendStatus: 200, backend: '10.0.1.17:8080', durationMs: 20, backendMs: 19,
    bytesIn: 300, bytesOut: 5000, userAgent: ua, referer: null, tlsProtocol: 'TLSv1.3', tlsCipher: null, traceId: null, errorReason: null,
    lb: 'app/shop', route, endpoint: `${method} ${route}`, isStatic: isStaticAsset(path), agent: classifyAgent(ua), geo: null,
    pathEntry: null, agentEntry: null,
    ...o,
    client: null,
    pathClass: classifyPath(path),
    pathId: pathIdentifier(path),
    source: { file: 'test.log', line: o.line ?? 1 },
  };
  // The client's facts follow its address (and geo) unless the test sets them.
  return { ...r, client: o.client !== undefined ? o.client : r.clientIp === null ? null : clientFacts(r.clientIp, r.geo), pathClass: o.pathClass ?? classifyPath(r.path ?? ''), pathId: o.pathId ?? (r.path === null ? -1 : pathIdentifier(r.path)) };
}
