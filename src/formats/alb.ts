/**
 * AWS Application Load Balancer access logs.
 * Fields: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
 *
 * Traps (each has a fixture in fixtures/formats/alb/):
 * - processing times are seconds; -1 means the LB never got that far (client closed, target unreachable) → null;
 * - `time` is when the LB sent the response; `request_creation_time` (field 22) is the request start;
 * - AWS appends fields over the years (conn_trace_id, transformed_host, ...): unknown trailing fields are ignored,
 *   and missing trailing fields (older logs stop after ssl_protocol) are null;
 * - the request URI is logged as the client sent it and can contain raw spaces: split on first and last space;
 * - incomplete requests are logged as `"- http://host:80- -"` or `"- - -"`;
 * - connection-log lines (mTLS) sometimes end up in the same bucket: rejected with a clear reason;
 * - the bucket's `ELBAccessLogTestFile` ("Enable AccessLog for ELB: ...") is skipped, not malformed.
 */
import { roundMs } from '../core/units';
import type { FormatParser, ParseContext, ParseResult } from './types';
import { fieldInt, fieldIso, fieldPortColon, fieldQuoted, fieldSecondsMs, fieldText, scanFields } from './shared/scan';
import { fieldClientIp, fieldClientPort, requestField } from './shared/request';
import { isAwsTestFileLine, parseError } from './shared/result';
import { newRecord } from './shared/record';

/** True when line[s, e) is one of the ALB request types: http, https, h2, grpcs, ws, wss (no substring made). */
function isAlbType(line: string, s: number, e: number): boolean {
  switch (e - s) {
    case 2:
      return line.startsWith('h2', s) || line.startsWith('ws', s);
    case 3:
      return line.startsWith('wss', s);
    case 4:
      return line.startsWith('http', s);
    case 5:
      return line.startsWith('https', s) || line.startsWith('grpcs', s);
    default:
      return false;
  }
}
/** Index of each field we read, in AWS's documented order (0-based). */
const F = {
  type: 0, time: 1, elb: 2, client: 3, target: 4, requestSec: 5, targetSec: 6, responseSec: 7,
  elbStatus: 8, targetStatus: 9, receivedBytes: 10, sentBytes: 11, request: 12, userAgent: 13,
  sslCipher: 14, sslProtocol: 15, targetGroup: 16, traceId: 17, domain: 18, certArn: 19, rulePriority: 20,
  requestCreationTime: 21, actions: 22, redirectUrl: 23, errorReason: 24,
} as const;
/** The oldest ALB logs stop after ssl_protocol. */
const MIN_FIELDS = 16;
const SHAPE = /^(?:https?|h2|grpcs|wss?) \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z \S+ \S+ /;
const CONNECTION_LOG = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z \S+ \d+ \d+ TLSv/;

const alb: FormatParser = {
  id: 'alb',
  title: 'AWS Application Load Balancer',
  description: 'AWS ALB access logs (http, https, h2, grpcs, ws, wss), all fields through conn_trace_id and the 2025 transform fields',
  docsUrl: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html',
  samples: [
    'http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd "-" "-" "-"',
  ],
  detect: (line) => (SHAPE.test(line) ? 0.95 : 0),
  parse: parseAlb,
};
export default alb;

/**
 * Scratch offsets for scanFields, sized to stop scanning after error_reason (the last field we read; later fields
 * are tolerated unread). Overwritten by every call and never read across calls (parsing is synchronous).
 */
const OFF = new Int32Array(2 * (F.errorReason + 1));

function parseAlb(line: string, ctx: ParseContext): ParseResult {
  const f = OFF;
  const nf = scanFields(line, f);
  if (nf === 0) return { kind: 'skip', reason: 'blank' };
  if (nf < 0) return parseError(line, ctx, 'unterminated quoted field');
  if (!isAlbType(line, f[0] ?? 0, f[1] ?? 0)) {
    if (isAwsTestFileLine(line)) return { kind: 'skip', reason: 'header' };
    const type = line.slice(f[0], f[1]);
    if (CONNECTION_LOG.test(line)) return parseError(line, ctx, 'ALB connection-log line, not an access-log line');
    // NLB TLS-listener logs ("tls 2.0 <time> net/<name>/...") share buckets with ALB logs.
    if (type === 'tls' && / net\//.test(line)) return parseError(line, ctx, 'Network Load Balancer (NLB) TLS access-log line: lbua reads ALB, not NLB, access logs');
    return parseError(line, ctx, `not an ALB access-log line (type "${type.slice(0, 16)}")`);
  }
  if (nf < MIN_FIELDS) return parseError(line, ctx, `truncated ALB line: ${nf} fields, expected at least ${MIN_FIELDS}`);
  if ((nf > F.request && !fieldQuoted(line, f, F.request)) || (nf > F.userAgent && !fieldQuoted(line, f, F.userAgent))) {
    return parseError(line, ctx, 'request and user agent must be quoted fields (unbalanced quotes?)', 'request');
  }
  const pc = fieldPortColon(line, f, F.client);
  const clientIp = fieldClientIp(line, f, F.client, pc);
  const clientPort = fieldClientPort(line, f, F.client, pc);
  if (clientIp === null) return parseError(line, ctx, 'field `client:port` is empty', 'client');
  const status = fieldInt(line, f, F.elbStatus);
  if (Number.isNaN(status)) return parseError(line, ctx, 'field `elb_status_code` is not an integer', 'elb_status_code');
  const backendStatus = fieldInt(line, f, F.targetStatus);
  const bytesIn = fieldInt(line, f, F.receivedBytes);
  const bytesOut = fieldInt(line, f, F.sentBytes);
  if (Number.isNaN(bytesIn) || Number.isNaN(bytesOut)) return parseError(line, ctx, 'byte counts are not integers', 'sent_bytes');
  const reqMs = fieldSecondsMs(line, f, F.requestSec);
  const targetMs = fieldSecondsMs(line, f, F.targetSec);
  const respMs = fieldSecondsMs(line, f, F.responseSec);
  if (Number.isNaN(reqMs) || Number.isNaN(targetMs) || Number.isNaN(respMs)) return parseError(line, ctx, 'processing times are not numbers', 'target_processing_time');
  const durationMs = reqMs !== null && targetMs !== null && respMs !== null ? roundMs(reqMs + targetMs + respMs) : null;
  // The start is request_creation_time; older logs without it: response time minus the duration.
  let startMs = nf > F.requestCreationTime ? fieldIso(line, f, F.requestCreationTime) : Number.NaN;
  if (Number.isNaN(startMs)) {
    const endMs = fieldIso(line, f, F.time);
    if (Number.isNaN(endMs)) return parseError(line, ctx, 'field `time` is not an ISO-8601 UTC timestamp', 'time');
    startMs = endMs - (durationMs ?? 0);
  }
  // Arguments in LogRecord's field order (newRecord's parameters); the request parts are written after.
  const record = newRecord(
    startMs,
    'alb',
    clientIp,
    clientPort,
    null, // clientHost
    null, null, null, null, null, null, // method, scheme, host, path, query, protocol: requestInto
    status,
    Number.isNaN(backendStatus) ? null : backendStatus,
    fieldText(line, f, F.target), // backend
    durationMs,
    targetMs, // backendMs
    bytesIn,
    bytesOut,
    fieldText(line, f, F.userAgent),
    null, // referer
    fieldText(line, f, F.sslProtocol),
    fieldText(line, f, F.sslCipher),
    nf > F.traceId ? fieldText(line, f, F.traceId) : null,
    nf > F.errorReason ? fieldText(line, f, F.errorReason) : null,
    fieldText(line, f, F.elb), // lb
    ctx.source,
    ctx.recycle,
  );
  requestField(record, line, f, F.request);
  return { kind: 'record', record };
}

