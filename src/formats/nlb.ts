/**
 * AWS Network Load Balancer access logs (written for TLS listeners only): one line per TLS connection.
 * Fields: https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html
 *
 * `type version time elb listener client:port destination:port connection_time tls_handshake_time received_bytes
 *  sent_bytes incoming_tls_alert chosen_cert_arn chosen_cert_serial tls_cipher tls_protocol_version tls_named_group
 *  domain_name alpn_fe_protocol alpn_be_protocol alpn_client_preference_list tls_connection_creation_time`
 *
 * Traps (each has a fixture in fixtures/formats/nlb/):
 * - a connection, not an HTTP request: method, path and status are null; duration_ms = connection_time;
 * - `time` is when the connection ended and has no zone (UTC) and no fraction; the start is
 *   `tls_connection_creation_time` when logged (2.0 logs since 2024), else time − connection_time;
 * - connection_time and tls_handshake_time are integer milliseconds (not seconds as in ALB/ELB);
 *   tls_handshake_time is `-` when the handshake did not complete;
 * - version 1.0 lines stop after domain_name; later fields are appended over the years (unknown ones ignored);
 * - tls_protocol_version is lowercase `tlsv12`: written as `TLSv1.2` like ALB's, so both compare;
 * - `incoming_tls_alert` (an alert the client sent, e.g. a failed handshake) is the error reason;
 * - domain_name (the SNI) is the host; `-` everywhere when the client sent nothing (a bare TCP probe);
 * - the ALPN preference list is quoted items joined by commas (`"h2","http/1.1"`), so it can scan as several
 *   fields: the creation time is read as the last field.
 */
import { isoToEpochMsAt, roundMs } from '../core/units';
import type { FormatParser, ParseContext, ParseResult } from './types';
import { fieldInt, fieldText, scanFields } from './shared/scan';
import { fieldClientIp, fieldClientPort } from './shared/request';
import { parseError } from './shared/result';
import { newRecord } from './shared/record';

const F = {
  type: 0, version: 1, time: 2, elb: 3, listener: 4, client: 5, destination: 6, connectionMs: 7, handshakeMs: 8,
  receivedBytes: 9, sentBytes: 10, tlsAlert: 11, certArn: 12, certSerial: 13, tlsCipher: 14, tlsProtocol: 15,
  namedGroup: 16, domain: 17, alpnFe: 18, alpnBe: 19, alpnList: 20, creationTime: 21,
} as const;
/** Version 1.0 lines end with domain_name. */
const MIN_FIELDS = F.domain + 1;
const SHAPE = /^tls \d+\.\d+ \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z? net\//;

/** Scratch offsets (overwritten by every call; parsing is synchronous). Room for a split ALPN list and new fields. */
const OFF = new Int32Array(2 * 40);

const nlb: FormatParser = {
  id: 'nlb',
  title: 'AWS Network Load Balancer',
  description: 'AWS NLB access logs (TLS listeners): one record per TLS connection, null method/path/status',
  docsUrl: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html',
  samples: [
    'tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com - - - 2018-12-20T02:59:40',
    'tls 2.0 2020-04-01T08:51:42 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com h2 h2 "h2","http/1.1"',
  ],
  detect: (line) => (SHAPE.test(line) ? 0.95 : 0),
  parse: parseNlb,
};
export default nlb;

/** An NLB time: ISO 8601 without zone (UTC), also accepted with Z; NaN when not one. */
function nlbTime(line: string, s: number, e: number): number {
  if (e - s === 19) return isoToEpochMsAt(`${line.slice(s, e)}Z`, 0, 20);
  return isoToEpochMsAt(line, s, e);
}

/** `tlsv12` → `TLSv1.2` (ALB's spelling), `tlsv1` → `TLSv1`; other text as logged. */
function tlsName(v: string | null): string | null {
  if (v === null || !v.startsWith('tlsv')) return v;
  const d = v.slice(4);
  return /^\d$/.test(d) ? `TLSv${d}` : /^\d\d$/.test(d) ? `TLSv${d[0] ?? ''}.${d[1] ?? ''}` : v;
}

/** Why a line that does not start with `tls` is not an NLB line: ALB lines share its buckets (error path only). */
function notNlbReason(line: string): string {
  if (/^(?:https?|h2|grpcs|wss?) \d{4}-/.test(line)) return 'an Application Load Balancer access-log line, not an NLB one (read by the alb format)';
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z \S+ \d+ \d+ TLSv/.test(line)) return 'an ALB connection-log line, not an NLB access-log line';
  return 'not a Network Load Balancer access-log line (first field is not `tls`)';
}

function parseNlb(line: string, ctx: ParseContext): ParseResult {
  const f = OFF;
  const nf = scanFields(line, f);
  if (nf === 0) return { kind: 'skip', reason: 'blank' };
  if (line.charCodeAt(0) === 35 /* # */) return { kind: 'skip', reason: 'comment' };
  if (nf < 0) return parseError(line, ctx, 'unterminated quoted field');
  if (!line.startsWith('tls ')) return parseError(line, ctx, notNlbReason(line));
  if (nf < MIN_FIELDS) return parseError(line, ctx, `truncated NLB line: ${nf} fields, expected at least ${MIN_FIELDS}`);
  const endMs = nlbTime(line, f[2 * F.time] ?? 0, f[2 * F.time + 1] ?? 0);
  if (Number.isNaN(endMs)) return parseError(line, ctx, 'time is not an ISO 8601 date-time (yyyy-mm-ddThh:mm:ss)', 'time');
  const clientIp = fieldClientIp(line, f, F.client);
  if (clientIp === null) return parseError(line, ctx, 'field `client:port` is empty', 'client');
  const connectionMs = fieldInt(line, f, F.connectionMs);
  if (Number.isNaN(connectionMs)) return parseError(line, ctx, 'connection_time is not a whole number of milliseconds', 'connection_time');
  const bytesIn = fieldInt(line, f, F.receivedBytes);
  const bytesOut = fieldInt(line, f, F.sentBytes);
  if (Number.isNaN(bytesIn) || Number.isNaN(bytesOut)) return parseError(line, ctx, 'byte counts are not integers', 'sent_bytes');
  // The creation time is the last field of a 2.0 line (the ALPN list before it may scan as several fields).
  let startMs = Number.NaN;
  if (nf > F.creationTime) startMs = nlbTime(line, f[2 * (nf - 1)] ?? 0, f[2 * nf - 1] ?? 0);
  if (Number.isNaN(startMs)) startMs = connectionMs !== null ? roundMs(endMs - connectionMs) : endMs;
  const record = newRecord(
    startMs,
    'nlb',
    clientIp,
    fieldClientPort(line, f, F.client),
    null, // clientHost
    null, // method
    null, // scheme
    fieldText(line, f, F.domain), // host (SNI)
    null, // path
    null, // query
    null, // protocol
    null, // status
    null, // backendStatus
    fieldText(line, f, F.destination), // backend
    connectionMs, // durationMs
    null, // backendMs
    bytesIn,
    bytesOut,
    null, // userAgent
    null, // referer
    tlsName(fieldText(line, f, F.tlsProtocol)),
    fieldText(line, f, F.tlsCipher),
    null, // traceId
    fieldText(line, f, F.tlsAlert), // errorReason
    fieldText(line, f, F.elb), // lb
    ctx.source,
  );
  return { kind: 'record', record };
}
