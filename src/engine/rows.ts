/**
 * A record's values in the export table's column order (engine/schema.ts), and the per-record enrich facts written
 * beside it. Pure functions of the record: the same line gives the same row whatever was read before it.
 */
import type { LogRecord } from '../core/types';
import { routeHead, ROUTE_REST, segmentTemplate } from '../enrich/route-template';
import { classifyAgent } from '../enrich/user-agent';
import type { GeoLookup } from '../enrich/geo/index';

/** A column value as the writer takes it (bigint for BIGINT columns, epoch ms for the time). */
export type Cell = string | number | bigint | null;

/**
 * The route template of a path by lbua's built-in rules alone (`/api/v1/products/8812` → `/api/v1/products/:id`;
 * `:uuid`, `:hash`, `:token`, `:email`, `:date`), the head of a very long path as in enrich (the rest as `/…`).
 * `lbua analyze` also collapses a position with more than --max-distinct values under one parent to `:var` (the
 * cardinality guard, enrich/route-guard.ts): a decision over all paths of a run, not a fact of one record, so it is
 * not applied here, and a route here may be finer than the endpoint analyze reports for it.
 */
export function builtinRoute(path: string): string {
  const head = routeHead(path);
  const segs = head.split('/');
  let out = segs[0] ?? '';
  for (let i = 1; i < segs.length; i++) {
    const seg = segs[i] ?? '';
    out += `/${segmentTemplate(seg) ?? seg}`;
  }
  if (head.length < path.length) out += `/${ROUTE_REST}`;
  return out === '' ? '/' : out;
}

/** The dates a JavaScript Date holds (±8.64e15 ms; core/units.ts isoTime prints 'invalid-time' beyond). */
const DATE_LIMIT_MS = 8.64e15;

/** Time as epoch ms (floored, as `lbua records` prints it), or null outside the dates lbua prints. */
export function rowTime(startMs: number): number | null {
  const t = Math.floor(startMs);
  return t >= -DATE_LIMIT_MS && t <= DATE_LIMIT_MS ? t : null;
}

const big = (n: number | null): bigint | null => (n === null ? null : BigInt(Math.trunc(n)));

/**
 * Bounded memo of a pure function of a string (cleared when full): routes and agents repeat a lot. Clearing changes
 * no value, only speed.
 */
export function memo<T>(f: (s: string) => T, capacity = 20_000, maxChars = 4_000_000): (s: string) => T {
  const cache = new Map<string, T>();
  let chars = 0;
  return (s) => {
    let v = cache.get(s);
    if (v === undefined) {
      v = f(s);
      if (cache.size >= capacity || chars + s.length > maxChars) {
        cache.clear();
        chars = 0;
      }
      cache.set(s, v);
      chars += s.length;
    }
    return v;
  };
}

/**
 * Per-run row builder (its memos are caches of pure functions: no value depends on what came before). `geo` is the
 * data `lbua records` looks clients up in (null: --no-geo, the geo columns null); city and region need a City database.
 */
export function createRowBuilder(geo: GeoLookup | null): (r: LogRecord, out: Cell[]) => void {
  const route = memo(builtinRoute);
  const agent = memo((ua: string) => {
    const info = classifyAgent(ua);
    return [info.family, info.agentClass] as const;
  });
  return (r, out) => {
    const a = r.userAgent === null ? null : agent(r.userAgent);
    const g = geo === null || r.clientIp === null ? null : geo.lookup(r.clientIp);
    out[0] = rowTime(r.startMs);
    out[1] = r.format;
    out[2] = r.clientIp;
    out[3] = r.clientPort;
    out[4] = r.clientHost;
    out[5] = r.method;
    out[6] = r.scheme;
    out[7] = r.host;
    out[8] = r.path;
    out[9] = r.query;
    out[10] = r.protocol;
    out[11] = r.status;
    out[12] = r.backendStatus;
    out[13] = r.backend;
    out[14] = r.durationMs;
    out[15] = r.backendMs;
    out[16] = big(r.bytesIn);
    out[17] = big(r.bytesOut);
    out[18] = r.userAgent;
    out[19] = r.referer;
    out[20] = r.tlsProtocol;
    out[21] = r.tlsCipher;
    out[22] = r.traceId;
    out[23] = r.errorReason;
    out[24] = r.lb;
    out[25] = r.forwardedFor ?? null;
    out[26] = r.peerIp ?? null;
    out[27] = r.edgeLocation ?? null;
    out[28] = r.cacheStatus ?? null;
    out[29] = r.tlsFingerprint ?? null;
    out[30] = g?.country ?? null;
    out[31] = big(g?.asn ?? null);
    out[32] = g?.asOrg ?? null;
    out[33] = g?.city ?? null;
    out[34] = g?.region ?? null;
    out[35] = r.source.file;
    out[36] = BigInt(r.source.line);
    out[37] = r.path === null ? null : route(r.path);
    out[38] = a === null ? null : a[0];
    out[39] = a === null ? null : a[1];
  };
}
