/**
 * Apache httpd / NCSA common and combined logs (and the vhost variants with `%v` or `%v:%p` first).
 * Fields: https://httpd.apache.org/docs/2.4/mod/mod_log_config.html#formats
 *
 * `%h %l %u %t "%r" %>s %b` (common), plus `"%{Referer}i" "%{User-agent}i"` (combined).
 *
 * Traps (each has a fixture in fixtures/formats/clf/):
 * - `%t` is the time the request was received (the start), with its own zone offset;
 * - `%b` is `-` for a zero-byte body → null (we do not guess 0);
 * - `"` and `\` inside quoted fields are backslash-escaped; non-printable bytes appear as `\xhh` and stay as text;
 * - the request line can be `"-"` (408 timeouts) or binary garbage (TLS sent to a plain port): the line is still a
 *   record (the server answered), with method/path null;
 * - Apache and nginx write the same combined layout. Detection labels a bare common/combined log `clf`; a log with
 *   nginx's timing or upstream fields after the user agent is `nginx` (see nginx.ts). Either parses both shapes.
 * - Unknown trailing fields (custom LogFormat additions) are ignored.
 */
import type { FormatParser, ParseContext, ParseResult } from './types';
import { scanGroups } from './shared/groups';
import { parseCombined } from './shared/combined';
import { parseRequestLine } from './shared/request';
import { hostWithoutPort, parseError } from './shared/result';
import { NGINX_TAIL } from './shared/nginx-shape';

/** Cheap shape: something, then a [dd/Mon/yyyy:...] group, then a quoted request. */
export const CLF_SHAPE = /^\S+(?: \S+){2,6} \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}[^\]]*\] "/;

const clf: FormatParser = {
  id: 'clf',
  title: 'Apache / NCSA common and combined',
  description: 'Apache httpd and NCSA common/combined access logs (also vhost_combined)',
  docsUrl: 'https://httpd.apache.org/docs/2.4/mod/mod_log_config.html#formats',
  samples: [
    '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"',
    '::1 - - [26/Dec/2016:16:16:29 +0200] "GET /favicon.ico HTTP/1.1" 404 209',
  ],
  detect: (line) => (CLF_SHAPE.test(line) ? (NGINX_TAIL.test(line) ? 0.5 : 0.8) : 0),
  parse: parseClf,
};
export default clf;

function parseClf(line: string, ctx: ParseContext): ParseResult {
  if (line.trim() === '') return { kind: 'skip', reason: 'blank' };
  if (line.charCodeAt(0) === 35 /* # */) return { kind: 'skip', reason: 'comment' };
  const tokens = scanGroups(line);
  if (tokens === null) return parseError(line, ctx, 'unterminated quote or bracket');
  const c = parseCombined(tokens);
  if (typeof c === 'string') return parseError(line, ctx, `not a common/combined log line: ${c}`);
  if (c.client === null) return parseError(line, ctx, 'client address is missing', 'remote_host');
  const req = parseRequestLine(c.request);
  return {
    kind: 'record',
    record: {
      startMs: c.startOrEndMs,
      format: 'clf',
      clientIp: c.client,
      clientPort: null,
      method: req.method,
      scheme: req.scheme,
      host: hostWithoutPort(req.host ?? c.vhost),
      path: req.path,
      query: req.query,
      protocol: req.protocol,
      status: c.status,
      backendStatus: null,
      backend: null,
      durationMs: null,
      backendMs: null,
      bytesIn: null,
      bytesOut: c.bytes,
      userAgent: c.userAgent,
      referer: c.referer,
      tlsProtocol: null,
      tlsCipher: null,
      traceId: null,
      errorReason: null,
      lb: null,
      source: ctx.source,
    },
  };
}
