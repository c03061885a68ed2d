/**
 * Apache httpd / NCSA common and combined logs, and the virtual-host variants (`%v` or `%v:%p` first).
 * Fields: https://httpd.apache.org/docs/2.4/mod/mod_log_config.html#formats
 *
 *   common          %h %l %u %t "%r" %>s %b
 *   combined        %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"
 *   vhost_combined  %v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"
 *
 * Traps (each has a fixture in fixtures/formats/clf/):
 * - `%t` is the time the request was received (the start), with its own zone offset; a time without a zone is
 *   rejected, never read as UTC;
 * - `%b` is `-` for a zero-byte body → null (we do not guess 0);
 * - `"` and `\` inside quoted fields are backslash-escaped (undone); non-printable bytes appear as `\xhh` and stay
 *   as text;
 * - the request line can be `"-"` (408 timeouts) or binary garbage (TLS sent to a plain port): the line is still a
 *   record (the server answered), with method/path null;
 * - a client written as `ip:port` (or `[v6]:port`) is split into client_ip and client_port;
 * - a user agent cut by the end of the line (no closing quote) is kept as far as it goes;
 * - unknown trailing fields (custom LogFormat additions, `X-Forwarded-For="..."`) are ignored.
 *
 * Apache vs nginx: nginx `combined` is the same layout, so a line alone cannot tell them apart. Decision:
 * auto-detection labels a bare common/combined log `clf`, and a log whose lines carry nginx's request-time or
 * upstream fields after the user agent `nginx` (detect() gives 0.8 / 0.3 here and 0.75 / 0.95 in nginx.ts, so nginx
 * wins once about 7% of the sampled lines carry them). Both parsers read both shapes; the only loss with `clf` on an
 * nginx combined log is the format label (`--format nginx` sets it).
 */
import type { FormatParser, ParseContext, ParseResult } from './types';
import { groupScan, QUOTED } from './shared/groups';
import { fieldText } from './shared/scan';
import { readCombined } from './shared/combined';
import { combinedShape, parseNginxTail } from './shared/nginx-tail';
import { requestInto } from './shared/request';
import { hostWithoutPort } from './shared/result';
import { newRecord } from './shared/record';

const clf: FormatParser = {
  id: 'clf',
  title: 'Apache / NCSA common and combined',
  description: 'Apache httpd and NCSA common/combined access logs (also vhost_combined)',
  docsUrl: 'https://httpd.apache.org/docs/2.4/mod/mod_log_config.html#formats',
  samples: [
    '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"',
    '::1 - - [26/Dec/2016:16:16:29 +0200] "GET /favicon.ico HTTP/1.1" 404 209',
    'www.example.com:443 1.2.3.4 - theuser [10/Feb/2012:16:42:07 -0500] "GET / HTTP/1.0" 301 368 "-" "Mozilla/5.0 (X11; Linux x86_64)"',
  ],
  detect: detectClf,
  parse: parseClf,
};
export default clf;

/** Scratch offsets, overwritten by every call and never read across calls (parsing is synchronous). */
const G = groupScan(64);

function parseClf(line: string, ctx: ParseContext): ParseResult {
  const read = readCombined(line, ctx, G, 'not a common/combined log line', 'remote_host');
  if (!read.ok) return read.result;
  const { c, n } = read;
  const text = read.line; // the line G's offsets refer to (repaired when the request held unescaped quotes)
  // Arguments in LogRecord's field order (newRecord's parameters); the request parts are written after.
  const record = newRecord(
    c.timeMs, // startMs
    'clf',
    c.client,
    c.clientPort,
    null, // clientHost
    null, null, null, null, null, null, // method, scheme, host, path, query, protocol: requestInto
    c.status,
    null, // backendStatus
    null, // backend
    null, // durationMs
    null, // backendMs
    null, // bytesIn
    c.bytes, // bytesOut
    c.userAgent,
    c.referer,
    null, // tlsProtocol
    null, // tlsCipher
    null, // traceId
    null, // errorReason
    null, // lb
    ctx.source,
    ctx.recycle,
  );
  requestInto(record, c.request, 0, c.request.length, false);
  record.host = hostWithoutPort(record.host ?? c.vhost);
  // nginx's Debian/Docker `main` layout (combined + "$http_x_forwarded_for"), which detection labels clf: the first
  // quoted field after the agent is the forwarded chain --trust-proxy reads ("-": none).
  if (c.tail < n && G.kinds[c.tail] === QUOTED) record.forwardedFor = fieldText(text, G.off, c.tail);
  return { kind: 'record', record };
}

/** 0.8 for a common/combined line, 0.3 when it carries nginx timing/upstream fields (see the header), else 0. */
function detectClf(line: string): number {
  const shape = combinedShape(line, G);
  return shape === null ? 0 : shape === 'combined' ? 0.8 : 0.3;
}
