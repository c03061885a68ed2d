/**
 * HAProxy HTTP log format (`option httplog`), with or without the syslog prefix, plus the `option httpslog` extras.
 * Fields: https://docs.haproxy.org/2.8/configuration.html#8.2.3 (HTTP), #8.2.4 (HTTPS), #8.4 (timers)
 *
 * `[syslog: Mmm dd HH:MM:SS host haproxy[pid]: ]client:port [accept_date] frontend backend/server
 *  TR/Tw/Tc/Tr/Ta status bytes req_cookie res_cookie termination_state actconn/feconn/beconn/srv_conn/retries
 *  srv_queue/backend_queue [{captured request headers}] [{captured response headers}] "request"
 *  [httpslog: fc_err/ssl_fc_err/ssl_c_err/ssl_c_ca_err/ssl_fc_is_resumed sni/ssl_version/ssl_cipher]`
 *
 * Traps (each has a fixture in fixtures/formats/haproxy/):
 * - the accept date `[06/Feb/2009:12:14:14.655]` is local time with ms and no zone: read as UTC (run HAProxy in UTC
 *   or shift with --from/--to accordingly); the syslog header has no year and is ignored;
 * - timers are ms, -1 = phase never reached → null; older versions log Tq/Tw/Tc/Tr/Tt; `+` prefixes (logasap) are
 *   stripped; duration_ms = Ta (or Tt), backend_ms = Tr;
 * - termination state `----` (normal end) → error_reason null; anything else (`SC--`, `CR--`, `cD`) is kept;
 * - `<NOSRV>`: no server was selected; backend is then `backend/<NOSRV>` and backend_status null;
 * - a frontend name ending in `~` means TLS: lb is the name without `~` and scheme is https;
 * - 0, 1 or 2 `{...}` header-capture groups; `"<BADREQ>"` for unparsable requests (method/path null);
 * - TCP-log lines (3 timers, no request), `Connect from`, `Proxy X started.` and SSL handshake errors are not
 *   HTTP requests: rejected with a reason.
 */
import { clfToEpochMs, intField, msField } from '../core/units';
import type { FormatParser, ParseContext, ParseResult } from './types';
import { scanGroups, type Token } from './shared/groups';
import { parseRequestLine, splitHostPort } from './shared/request';
import { parseError } from './shared/result';

const DATE = /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)?$/;
const TIMERS = /^\+?-?\d+(?:\/\+?-?\d+){2,4}$/;
const SHAPE = /\S+:\d+ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)?\] \S+ \S+\/\S+ /;

const haproxy: FormatParser = {
  id: 'haproxy',
  title: 'HAProxy HTTP log',
  description: 'HAProxy `option httplog` / `httpslog` lines, with or without the syslog prefix',
  docsUrl: 'https://docs.haproxy.org/2.8/configuration.html#8.2.3',
  samples: [
    'Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"',
    '117.136.40.129:14853 [14/Jan/2015:12:48:57.127] https-in~ xx_server_https/xxx_node_8002 170/0/0/3/173 200 739 - - --NN 0/0/0/0/0 0/0 "GET /xxx/xxx HTTP/1.1"',
  ],
  detect: (line) => (SHAPE.test(line) ? 0.95 : /(?:^|\s)haproxy\[\d+\]: |^\S+:\d+ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:/.test(line) ? 0.6 : 0),
  parse: parseHaproxy,
};
export default haproxy;

function parseHaproxy(line: string, ctx: ParseContext): ParseResult {
  if (line.trim() === '') return { kind: 'skip', reason: 'blank' };
  const t = scanGroups(line);
  if (t === null) return parseError(line, ctx, 'unterminated quote, bracket or brace');
  let d = -1;
  for (let i = 1; i < Math.min(t.length, 10); i++) {
    const tok = t[i];
    if (tok?.kind === 'b' && DATE.test(tok.text)) {
      d = i;
      break;
    }
  }
  if (d < 0) return parseError(line, ctx, nonAccessReason(line));
  const fe = t[d + 1];
  const beSrv = t[d + 2];
  if (!fe || !beSrv) return parseError(line, ctx, 'truncated HAProxy line after the accept date');
  if (fe.text.endsWith(':')) return parseError(line, ctx, `HAProxy connection message, not an access-log line ("${fe.text} ${beSrv.text}…")`);
  // Timers: normally right after backend/server; some configs log one extra field (a host) first.
  let ti = d + 3;
  while (ti < Math.min(t.length, d + 6) && !TIMERS.test(t[ti]?.text ?? '')) ti++;
  const timersTok = t[ti];
  if (!timersTok || !TIMERS.test(timersTok.text)) return parseError(line, ctx, 'no HAProxy timers (TR/Tw/Tc/Tr/Ta) field', 'timers');
  const timers = timersTok.text.split('/');
  if (timers.length < 5) return parseError(line, ctx, 'HAProxy TCP log line (no HTTP request)');
  const status = intField(t[ti + 1]?.text);
  if (status === null || Number.isNaN(status)) {
    if (t[ti + 1]?.text === '-1') return parseError(line, ctx, 'status -1: HAProxy logged no response', 'status_code');
    return parseError(line, ctx, 'status is not an integer', 'status_code');
  }
  const bytesText = (t[ti + 2]?.text ?? '').replace(/^\+/, '');
  const bytesOut = intField(bytesText);
  if (Number.isNaN(bytesOut)) return parseError(line, ctx, 'bytes_read is not an integer', 'bytes_read');
  const term = t[ti + 5]?.text ?? null;
  // After srv_queue/backend_queue: 0–2 {captures}, then the quoted request.
  let ri = ti + 8;
  while (t[ri]?.kind === 'c') ri++;
  const reqTok = t[ri];
  if (!reqTok || reqTok.kind !== 'q') return parseError(line, ctx, 'no quoted HTTP request (is this a TCP log?)', 'http_request');
  const tls = parseHttpsExtras(t, ri + 1);
  const client = splitHostPort(t[d - 1]?.text);
  const [backendName, server] = splitBackend(beSrv.text);
  const Tr = msField(timers[3]);
  const total = msField(timers[4]);
  const req = reqTok.text === '<BADREQ>' ? parseRequestLine('') : parseRequestLine(reqTok.text);
  const frontend = fe.text.endsWith('~') ? fe.text.slice(0, -1) : fe.text;
  const startMs = clfToEpochMs(t[d]?.text ?? '', 0);
  if (Number.isNaN(startMs)) return parseError(line, ctx, 'accept date is not dd/Mon/yyyy:HH:MM:SS.mmm', 'accept_date');
  return {
    kind: 'record',
    record: {
      startMs,
      format: 'haproxy',
      clientIp: client.ip === '-' ? null : client.ip,
      clientPort: client.port,
      method: req.method,
      scheme: req.scheme ?? (fe.text.endsWith('~') || tls.protocol !== null ? 'https' : 'http'),
      host: req.host ?? tls.sni,
      path: req.path,
      query: req.query,
      protocol: req.protocol,
      status,
      backendStatus: Tr !== null && server !== null ? status : null,
      backend: server === null ? `${backendName}/<NOSRV>` : `${backendName}/${server}`,
      durationMs: total,
      backendMs: Tr,
      bytesIn: null,
      bytesOut,
      userAgent: null,
      referer: null,
      tlsProtocol: tls.protocol,
      tlsCipher: tls.cipher,
      traceId: null,
      errorReason: term === null || /^-+$/.test(term) ? null : term,
      lb: frontend,
      source: ctx.source,
    },
  };
}

function splitBackend(s: string): [string, string | null] {
  const slash = s.indexOf('/');
  if (slash < 0) return [s, null];
  const server = s.slice(slash + 1);
  return [s.slice(0, slash), server === '<NOSRV>' || server === '' ? null : server];
}

/** httpslog: `fc_err/ssl_fc_err/ssl_c_err/ssl_c_ca_err/resumed sni/version/cipher` after the request. */
function parseHttpsExtras(t: readonly Token[], i: number): { protocol: string | null; cipher: string | null; sni: string | null } {
  const sslTok = t[i + 1]?.text ?? '';
  const parts = sslTok.split('/');
  if (parts.length === 3 && /^(?:TLS|SSL)v/.test(parts[1] ?? '')) {
    return { sni: parts[0] === '-' || parts[0] === '' ? null : (parts[0] ?? null), protocol: parts[1] ?? null, cipher: parts[2] === '-' ? null : (parts[2] ?? null) };
  }
  return { protocol: null, cipher: null, sni: null };
}

/** Why a line without an accept date is not an access-log line. */
function nonAccessReason(line: string): string {
  if (/Connect from \S+ to \S+/.test(line)) return 'HAProxy default-format connection line ("Connect from ..."), not an HTTP log';
  if (/ (?:Proxy|Stopping|Pausing|Server|backend|frontend) .*(?:started|stopped|is DOWN|is UP|in \d+ ms)/.test(line)) return 'HAProxy status message, not an access-log line';
  if (/haproxy\[\d+\]:/.test(line)) return 'HAProxy message without an accept date, not an access-log line';
  return 'not an HAProxy HTTP log line (no [accept_date])';
}
