/**
 * The one record object a line gets. Every parser builds its record here (or, given a record its caller is done with,
 * fills that one: processBatch hands the last one back when its sink keeps none, PipelineSink.transient), so records
 * of every format share one hidden class; after the LogRecord fields it carries, undefined, the slots enrich() fills in place (route, endpoint,
 * isStatic, agent, geo, client, pathClass, pathId, pathEntry, agentEntry: see EnrichedRecord in enrich/types.ts), so enrichment allocates no
 * second ~40-field object per line. The slots are not part of LogRecord: nothing but enrich reads or writes them
 * (JSON output names its fields one by one, core/record-json.ts), and until enrich runs they hold undefined.
 */
import type { DurationMs, EpochMs, LogRecord, SourceRef } from '../../core/types';

/** A record its parser is still filling (request parts, host): LogRecord with writable fields. */
export type FreshRecord = { -readonly [K in keyof LogRecord]: LogRecord[K] };

/** The enrichment slots, as a recycled record is reset (undefined until enrich fills them). */
interface Slots {
  route: undefined; endpoint: undefined; isStatic: undefined; agent: undefined; geo: undefined; client: undefined; pathClass: undefined; pathId: undefined; pathEntry: undefined; agentEntry: undefined;
}

/**
 * A LogRecord with its enrichment slots, in LogRecord's field order. Positional (no options object) so building a
 * record allocates the record alone; with `into`, every field of that record is written instead (its slots back to
 * undefined) and nothing is allocated: 330 of the 3,700 bytes allocated per line of the ALB bench file.
 */
export function newRecord(
  startMs: EpochMs,
  format: string,
  clientIp: string | null,
  clientPort: number | null,
  clientHost: string | null,
  method: string | null,
  scheme: string | null,
  host: string | null,
  path: string | null,
  query: string | null,
  protocol: string | null,
  status: number | null,
  backendStatus: number | null,
  backend: string | null,
  durationMs: DurationMs | null,
  backendMs: DurationMs | null,
  bytesIn: number | null,
  bytesOut: number | null,
  userAgent: string | null,
  referer: string | null,
  tlsProtocol: string | null,
  tlsCipher: string | null,
  traceId: string | null,
  errorReason: string | null,
  lb: string | null,
  source: SourceRef,
  into?: FreshRecord | null,
): FreshRecord {
  if (into !== undefined && into !== null) {
    const r = into as FreshRecord & Slots;
    r.startMs = startMs; r.format = format; r.clientIp = clientIp; r.clientPort = clientPort; r.clientHost = clientHost;
    r.method = method; r.scheme = scheme; r.host = host; r.path = path; r.query = query; r.protocol = protocol;
    r.status = status; r.backendStatus = backendStatus; r.backend = backend; r.durationMs = durationMs; r.backendMs = backendMs;
    r.bytesIn = bytesIn; r.bytesOut = bytesOut; r.userAgent = userAgent; r.referer = referer; r.tlsProtocol = tlsProtocol;
    r.tlsCipher = tlsCipher; r.traceId = traceId; r.errorReason = errorReason; r.lb = lb; r.forwardedFor = null; r.peerIp = null;
    r.edgeLocation = null; r.cacheStatus = null; r.tlsFingerprint = null; r.source = source;
    r.route = undefined; r.endpoint = undefined; r.isStatic = undefined; r.agent = undefined; r.geo = undefined;
    r.client = undefined; r.pathClass = undefined; r.pathId = undefined; r.pathEntry = undefined; r.agentEntry = undefined;
    return r;
  }
  const r = {
    startMs, format, clientIp, clientPort, clientHost, method, scheme, host, path, query, protocol, status, backendStatus, backend,
    durationMs, backendMs, bytesIn, bytesOut, userAgent, referer, tlsProtocol, tlsCipher, traceId, errorReason, lb,
    forwardedFor: null as string | null, peerIp: null as string | null,
    edgeLocation: null as string | null, cacheStatus: null as string | null, tlsFingerprint: null as string | null, source,
    route: undefined, endpoint: undefined, isStatic: undefined, agent: undefined, geo: undefined, client: undefined, pathClass: undefined, pathId: undefined, pathEntry: undefined, agentEntry: undefined,
  };
  return r;
}

/** True when `r` was built by newRecord (it has the enrichment slots): enrich may fill it in place. */
export function hasSlots(r: LogRecord): boolean {
  return 'pathId' in r;
}

/** `r` with another client address and host name, as a record of the same shape. */
export function withClient(r: LogRecord, clientIp: string | null, clientHost: string | null): LogRecord {
  const out = newRecord(
    r.startMs, r.format, clientIp, r.clientPort, clientHost, r.method, r.scheme, r.host, r.path, r.query, r.protocol, r.status, r.backendStatus, r.backend,
    r.durationMs, r.backendMs, r.bytesIn, r.bytesOut, r.userAgent, r.referer, r.tlsProtocol, r.tlsCipher, r.traceId, r.errorReason, r.lb, r.source,
  );
  out.forwardedFor = r.forwardedFor ?? null;
  out.peerIp = r.peerIp ?? null;
  out.edgeLocation = r.edgeLocation ?? null;
  out.cacheStatus = r.cacheStatus ?? null;
  out.tlsFingerprint = r.tlsFingerprint ?? null;
  return out;
}

/** A record of the shared shape with `r`'s LogRecord fields (for a record not built by a parser). */
export function copyRecord(r: LogRecord): LogRecord {
  return withClient(r, r.clientIp, r.clientHost);
}
