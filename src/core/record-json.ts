/** The JSON (NDJSON) form of a record: exactly the documented snake_case fields, absent values null. */
import type { LogRecord } from './types';
import { isoTime } from './units';

/** Geo fields added by enrichment (issue: geo); null when unknown. */
export interface GeoFields {
  readonly country?: string | null;
  readonly asn?: number | null;
  readonly asOrg?: string | null;
  readonly city?: string | null;
  readonly region?: string | null;
}

/** Builds the documented JSON object for a record, in a stable key order. */
export function recordToJson(r: LogRecord & GeoFields): Record<string, unknown> {
  const out: Record<string, unknown> = {
    time: isoTime(r.startMs),
    format: r.format,
    client_ip: r.clientIp,
    client_port: r.clientPort,
    client_host: r.clientHost,
    method: r.method,
    scheme: r.scheme,
    host: r.host,
    path: r.path,
    query: r.query,
    protocol: r.protocol,
    status: r.status,
    backend_status: r.backendStatus,
    backend: r.backend,
    duration_ms: r.durationMs,
    backend_ms: r.backendMs,
    bytes_in: r.bytesIn,
    bytes_out: r.bytesOut,
    user_agent: r.userAgent,
    referer: r.referer,
    tls_protocol: r.tlsProtocol,
    tls_cipher: r.tlsCipher,
    trace_id: r.traceId,
    error_reason: r.errorReason,
    lb: r.lb,
    forwarded_for: r.forwardedFor ?? null,
    peer_ip: r.peerIp ?? null,
    edge_location: r.edgeLocation ?? null,
    cache_status: r.cacheStatus ?? null,
    tls_fingerprint: r.tlsFingerprint ?? null,
  };
  if (r.country !== undefined) {
    out['country'] = r.country ?? null;
    out['asn'] = r.asn ?? null;
    out['as_org'] = r.asOrg ?? null;
    if (r.city !== undefined) out['city'] = r.city ?? null;
    if (r.region !== undefined) out['region'] = r.region ?? null;
  }
  out['source'] = { file: r.source.file, line: r.source.line };
  return out;
}
