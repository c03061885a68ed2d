/**
 * AWS Classic Load Balancer (ELB) access logs, HTTP and TCP/SSL listeners.
 * Fields: https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html
 *
 * `timestamp elb client:port backend:port request_processing_time backend_processing_time
 *  response_processing_time elb_status_code backend_status_code received_bytes sent_bytes "request" "user_agent"
 *  ssl_cipher ssl_protocol`
 *
 * Traps (each has a fixture in fixtures/formats/elb/):
 * - the timestamp is when the request was *received* (the start), unlike ALB's `time`;
 * - times are seconds with microsecond precision and dropped trailing zeros (`0.00001`); -1 = not dispatched → null;
 * - TCP/SSL listeners log `-` status codes, request `"- - - "` (trailing space inside the quotes) and UA `"-"`;
 * - lines start with a digit (no type word), which is how they differ from ALB lines;
 * - the bucket's `ELBAccessLogTestFile` ("Enable AccessLog for ELB: ...") is skipped, not malformed.
 */
import { roundMs } from '../core/units';
import type { FormatParser, ParseContext, ParseResult } from './types';
import { fieldInt, fieldIso, fieldPortColon, fieldQuoted, fieldSecondsMs, fieldText, scanFields } from './shared/scan';
import { fieldClientIp, fieldClientPort, requestField } from './shared/request';
import { isAwsTestFileLine, parseError } from './shared/result';
import { newRecord } from './shared/record';

const F = {
  time: 0, elb: 1, client: 2, backend: 3, requestSec: 4, backendSec: 5, responseSec: 6, elbStatus: 7,
  backendStatus: 8, receivedBytes: 9, sentBytes: 10, request: 11, userAgent: 12, sslCipher: 13, sslProtocol: 14,
} as const;
/** Lines stop after sent_bytes in some TCP samples; request/UA/TLS are then null. */
const MIN_FIELDS = 11;
const SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z [^\s"]+ \S+ \S+ -?\d/;

/** Scratch offsets (overwritten by every call; parsing is synchronous). */
const OFF = new Int32Array(2 * (F.sslProtocol + 1));

const elb: FormatParser = {
  id: 'elb',
  title: 'AWS Classic Load Balancer',
  description: 'AWS Classic ELB access logs, HTTP/HTTPS and TCP/SSL listeners',
  docsUrl: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html',
  samples: [
    '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -',
    '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -',
  ],
  detect: (line) => (SHAPE.test(line) ? 0.95 : 0),
  parse: parseElb,
};
export default elb;

function parseElb(line: string, ctx: ParseContext): ParseResult {
  const f = OFF;
  const nf = scanFields(line, f);
  if (nf === 0) return { kind: 'skip', reason: 'blank' };
  if (line.charCodeAt(0) === 35 /* # */) return { kind: 'skip', reason: 'comment' };
  if (nf < 0) return parseError(line, ctx, 'unterminated quoted field');
  const startMs = fieldIso(line, f, 0);
  if (Number.isNaN(startMs)) {
    if (isAwsTestFileLine(line)) return { kind: 'skip', reason: 'header' };
    return parseError(line, ctx, 'not a Classic ELB line (first field is not an ISO-8601 UTC timestamp)');
  }
  if (nf < MIN_FIELDS) return parseError(line, ctx, `truncated ELB line: ${nf} fields, expected at least ${MIN_FIELDS}`);
  if ((nf > F.request && !fieldQuoted(line, f, F.request)) || (nf > F.userAgent && !fieldQuoted(line, f, F.userAgent))) {
    return parseError(line, ctx, 'request and user agent must be quoted fields (unbalanced quotes?)', 'request');
  }
  const pc = fieldPortColon(line, f, F.client);
  const clientIp = fieldClientIp(line, f, F.client, pc);
  const clientPort = fieldClientPort(line, f, F.client, pc);
  if (clientIp === null) return parseError(line, ctx, 'field `client:port` is empty', 'client');
  const status = fieldInt(line, f, F.elbStatus);
  const backendStatus = fieldInt(line, f, F.backendStatus);
  if (Number.isNaN(status) || Number.isNaN(backendStatus)) return parseError(line, ctx, 'status codes are not integers', 'elb_status_code');
  const bytesIn = fieldInt(line, f, F.receivedBytes);
  const bytesOut = fieldInt(line, f, F.sentBytes);
  if (Number.isNaN(bytesIn) || Number.isNaN(bytesOut)) return parseError(line, ctx, 'byte counts are not integers', 'sent_bytes');
  const reqMs = fieldSecondsMs(line, f, F.requestSec);
  const backendMs = fieldSecondsMs(line, f, F.backendSec);
  const respMs = fieldSecondsMs(line, f, F.responseSec);
  if (Number.isNaN(reqMs) || Number.isNaN(backendMs) || Number.isNaN(respMs)) return parseError(line, ctx, 'processing times are not numbers', 'backend_processing_time');
  const durationMs = reqMs !== null && backendMs !== null && respMs !== null ? roundMs(reqMs + backendMs + respMs) : null;
  // Arguments in LogRecord's field order (newRecord's parameters); the request parts are written after.
  const record = newRecord(
    startMs,
    'elb',
    clientIp,
    clientPort,
    null, // clientHost
    null, null, null, null, null, null, // method, scheme, host, path, query, protocol: requestField
    status,
    backendStatus,
    fieldText(line, f, F.backend),
    durationMs,
    backendMs,
    bytesIn,
    bytesOut,
    nf > F.userAgent ? fieldText(line, f, F.userAgent) : null,
    null, // referer
    nf > F.sslProtocol ? fieldText(line, f, F.sslProtocol) : null,
    nf > F.sslCipher ? fieldText(line, f, F.sslCipher) : null,
    null, // traceId
    null, // errorReason
    fieldText(line, f, F.elb), // lb
    ctx.source,
    ctx.recycle,
  );
  if (nf > F.request) requestField(record, line, f, F.request);
  return { kind: 'record', record };
}
