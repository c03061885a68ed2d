/**
 * nginx access logs: `combined`, the Debian/Docker `main` layout (+ "$http_x_forwarded_for"), a leading `$host` or
 * `$host:$server_port`, and the common extended layouts that carry `$request_time` and `$upstream_response_time`
 * after the user agent (parsed in shared/nginx-tail.ts):
 *   - positional:  ... "$http_user_agent" ["$http_x_forwarded_for"] $request_time [$upstream_response_time]
 *   - key=value:   ... rt=$request_time uct="$upstream_connect_time" uht="..." urt="$upstream_response_time"
 *                  [us="$upstream_status" ua="$upstream_addr"]
 *   - ingress-nginx `upstreaminfo`: ... "$http_user_agent" $request_length $request_time [$proxy_upstream_name]
 *     [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time
 *     $upstream_status $req_id
 * Fields: http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format ,
 *         http://nginx.org/en/docs/http/ngx_http_upstream_module.html#variables ,
 *         https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/log-format/
 *
 * Traps (each has a fixture in fixtures/formats/nginx/):
 * - `$time_local` is written when the request is logged (its end): start = time_local − request_time when the
 *   request time is logged, else time_local; duration_ms = request_time;
 * - `[$time_iso8601]` in `$time_local`'s place (`[2024-03-05T10:00:00+01:00]`, a common edit of `combined`) is read
 *   the same way (also written at the end); such a line is nginx for auto-detection (Apache's %t is never ISO);
 * - `$request_time` and `$upstream_*_time` are seconds with ms resolution; the upstream ones are lists when nginx
 *   tried several upstreams (`0.001, 0.002`) or went through internal redirects (`0.001 : 0.003`): backend_ms is
 *   the sum, backend_status the last status, backend the last address (VRL and two exporters read only the first
 *   value: prometheus-nginxlog-exporter #267, netdata go.d #711);
 * - a request that never reached an upstream logs `-` in every upstream field → null;
 * - `-` marks any empty variable, also inside quotes; `""` is empty too; `"` is written as `\x22` and stays as text;
 * - bytes_out = `$body_bytes_sent` (body only); bytes_in = `$request_length` when logged (ingress, key=value);
 *   trace_id = ingress-nginx `$req_id` (the X-Request-ID it sends upstream);
 * - a leading `$host` (optionally `:$server_port`) sets host when the request line has none; an address list
 *   (`$proxy_add_x_forwarded_for` style) before the ident gives its first entry as the client;
 * - auto-detection labels a combined log without these extensions `clf` (same layout, see clf.ts);
 *   `--format nginx` parses it as nginx.
 */
import { roundMs } from '../core/units';
import type { FormatParser, ParseContext, ParseResult } from './types';
import { groupScan, QUOTED } from './shared/groups';
import { fieldText } from './shared/scan';
import { readCombined } from './shared/combined';
import { combinedShape, parseNginxTail } from './shared/nginx-tail';
import { requestInto } from './shared/request';
import { hostWithoutPort } from './shared/result';
import { newRecord } from './shared/record';

const nginx: FormatParser = {
  id: 'nginx',
  title: 'nginx',
  description: 'nginx combined/main ($time_local or $time_iso8601), with $request_time and $upstream_* fields (positional, key=value, ingress-nginx upstreaminfo)',
  docsUrl: 'http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format',
  samples: [
    '192.168.64.1 - - [07/Feb/2020:11:48:51 +0000] "POST /products HTTP/1.1" 200 59 "-" "curl/7.54.0" 89 0.001 [default-web-8080] [] 172.17.0.5:8080 59 0.000 200 529a007902362a5f51385a5fa7049884',
    '10.1.2.3 - - [10/Mar/2026:09:00:01 +0000] "GET /api/v1/cart?x=1 HTTP/1.1" 502 157 "-" "Mozilla/5.0" "-" 0.012 0.004, 0.008 : 0.000',
    '10.1.2.3 - alice [10/Mar/2026:09:00:01 +0100] "POST /api/v1/cart/items HTTP/2.0" 201 88 "-" "Mozilla/5.0" rt=0.152 uct="0.001" uht="0.140" urt="0.150"',
    '203.0.113.7 - - [2026-03-10T09:00:01+01:00] "GET /index.html HTTP/1.1" 200 612 "-" "curl/8.5.0"',
  ],
  detect: detectNginx,
  parse: parseNginx,
};
export default nginx;

/** Scratch offsets, overwritten by every call and never read across calls (parsing is synchronous). */
const G = groupScan(64);
/** The time in brackets may be `$time_iso8601` as well as `$time_local`. */
const ISO = { iso: true } as const;

function parseNginx(line: string, ctx: ParseContext): ParseResult {
  const read = readCombined(line, ctx, G, 'not an nginx combined-style line', 'remote_addr', ISO);
  if (!read.ok) return read.result;
  const { c, n } = read;
  const text = read.line; // the line G's offsets refer to (repaired when the request held unescaped quotes)
  const t = parseNginxTail(text, G, c.tail, n);
  // Arguments in LogRecord's field order (newRecord's parameters); the request parts are written after.
  const record = newRecord(
    t.requestMs !== null ? roundMs(c.timeMs - t.requestMs) : c.timeMs, // startMs
    'nginx',
    c.client,
    c.clientPort,
    null, // clientHost
    null, null, null, null, null, null, // method, scheme, host, path, query, protocol: requestInto
    c.status,
    t.upstreamStatus, // backendStatus
    t.upstreamAddr, // backend
    t.requestMs, // durationMs
    t.upstreamMs, // backendMs
    t.requestLength, // bytesIn
    c.bytes, // bytesOut
    c.userAgent,
    c.referer,
    null, // tlsProtocol
    null, // tlsCipher
    t.requestId, // traceId
    null, // errorReason
    null, // lb
    ctx.source,
    ctx.recycle,
  );
  requestInto(record, c.request, 0, c.request.length, false);
  record.host = hostWithoutPort(record.host ?? c.vhost);
  // The Debian/Docker `main` layout's "$http_x_forwarded_for", the first quoted field after the agent ("-": none).
  if (c.tail < n && G.kinds[c.tail] === QUOTED) record.forwardedFor = fieldText(text, G.off, c.tail);
  return { kind: 'record', record };
}

/** 0.95 with nginx timing/upstream fields, 0.75 for a bare combined line (clf says 0.8 there), else 0. */
function detectNginx(line: string): number {
  const shape = combinedShape(line, G);
  return shape === null ? 0 : shape === 'combined' ? 0.75 : 0.95;
}
