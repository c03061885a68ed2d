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
 * - connection-log lines (mTLS) sometimes end up in the same bucket: rejected with a clear reason.
 */
import { isoToEpochMs, intField, roundMs, secondsToMs } from '../core/units';
import type { FormatParser, ParseContext, ParseResult } from './types';
import { dash, tokenize } from './shared/tokenize';
import { parseRequestLine, splitHostPort } from './shared/request';
import { hostWithoutPort, parseError } from './shared/result';

const TYPES = new Set(['http', 'https', 'h2', 'grpcs', 'ws', 'wss']);
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

function parseAlb(line: string, ctx: ParseContext): ParseResult {
  if (line.trim() === '') return { kind: 'skip', reason: 'blank' };
  const f = tokenize(line);
  if (f === null) return parseError(line, ctx, 'unterminated quoted field');
  const type = f[F.type] ?? '';
  if (!TYPES.has(type)) {
    if (CONNECTION_LOG.test(line)) return parseError(line, ctx, 'ALB connection-log line, not an access-log line');
    return parseError(line, ctx, `not an ALB access-log line (type "${type.slice(0, 16)}")`);
  }
  if (f.length < MIN_FIELDS) return parseError(line, ctx, `truncated ALB line: ${f.length} fields, expected at least ${MIN_FIELDS}`);
  const client = splitHostPort(f[F.client]);
  if (client.ip === null) return parseError(line, ctx, 'field `client:port` is empty', 'client');
  const status = intField(f[F.elbStatus]);
  if (status !== null && Number.isNaN(status)) return parseError(line, ctx, 'field `elb_status_code` is not an integer', 'elb_status_code');
  const backendStatus = intField(f[F.targetStatus]);
  const bytesIn = intField(f[F.receivedBytes]);
  const bytesOut = intField(f[F.sentBytes]);
  if (Number.isNaN(bytesIn) || Number.isNaN(bytesOut)) return parseError(line, ctx, 'byte counts are not integers', 'sent_bytes');
  const reqMs = secondsToMs(f[F.requestSec]);
  const targetMs = secondsToMs(f[F.targetSec]);
  const respMs = secondsToMs(f[F.responseSec]);
  const durationMs = reqMs !== null && targetMs !== null && respMs !== null ? roundMs(reqMs + targetMs + respMs) : null;
  // The start is request_creation_time; older logs without it: response time minus the duration.
  let startMs = f.length > F.requestCreationTime ? isoToEpochMs(f[F.requestCreationTime] ?? '') : Number.NaN;
  if (Number.isNaN(startMs)) {
    const endMs = isoToEpochMs(f[F.time] ?? '');
    if (Number.isNaN(endMs)) return parseError(line, ctx, 'field `time` is not an ISO-8601 UTC timestamp', 'time');
    startMs = endMs - (durationMs ?? 0);
  }
  const req = parseRequestLine(f[F.request] ?? '');
  const target = dash(f[F.target]);
  return {
    kind: 'record',
    record: {
      startMs,
      format: 'alb',
      clientIp: client.ip,
      clientPort: client.port,
      method: req.method,
      scheme: req.scheme,
      host: hostWithoutPort(req.host),
      path: req.path,
      query: req.query,
      protocol: req.protocol,
      status,
      backendStatus: Number.isNaN(backendStatus) ? null : backendStatus,
      backend: target,
      durationMs,
      backendMs: targetMs,
      bytesIn,
      bytesOut,
      userAgent: dash(f[F.userAgent]),
      referer: null,
      tlsProtocol: dash(f[F.sslProtocol]),
      tlsCipher: dash(f[F.sslCipher]),
      traceId: dash(f[F.traceId]),
      errorReason: dash(f[F.errorReason]),
      lb: dash(f[F.elb]),
      source: ctx.source,
    },
  };
}
