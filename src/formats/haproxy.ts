/**
 * HAProxy HTTP log format (`option httplog`), with or without the syslog prefix, plus the `option httpslog` extras,
 * and the TCP log format (`option tcplog`) of TCP-mode proxies.
 * Fields: https://docs.haproxy.org/2.8/configuration.html#8.2.2 (TCP), #8.2.3 (HTTP), #8.2.4 (HTTPS), #8.4 (timers)
 *
 *   [syslog: Mmm dd HH:MM:SS host haproxy[pid]: ]client:port [date] frontend[~] backend/server
 *   TR/Tw/Tc/Tr/Ta status bytes_read req_cookie res_cookie termination_state
 *   actconn/feconn/beconn/srv_conn/retries srv_queue/backend_queue [{req headers}] [{res headers}] "request"
 *   [httpslog: fc_err/ssl_fc_err/ssl_c_err/ssl_c_ca_err/ssl_fc_is_resumed sni/ssl_version/ssl_cipher]
 *   tcplog: client:port [date] frontend backend/server Tw/Tc/Tt bytes_read termination_state
 *   actconn/feconn/beconn/srv_conn/retries srv_queue/backend_queue
 *
 * Traps (each has a fixture in fixtures/formats/haproxy/):
 * - the date `[06/Feb/2009:12:14:14.655]` (accept date up to 1.8, request date `%tr` since 1.9) is local time with
 *   ms and NO zone: lbua reads it as UTC (run HAProxy with TZ=UTC, or shift --from/--to by the server's offset);
 *   the syslog header has no year and is ignored;
 * - timers are ms, -1 = phase never reached → null; older versions log Tq/Tw/Tc/Tr/Tt; `+` prefixes (option
 *   logasap) are stripped; duration_ms = Ta (Tt), backend_ms = Tr;
 * - status -1 (no response was sent, e.g. the client aborted) → status null, still a record;
 * - termination state: the first two characters say how the session ended (`--` = normally), the last two are
 *   cookie-persistence flags (`NN`, `VN`, ...). error_reason keeps the whole state when the session did not end
 *   normally (`SC--`, `CD--`, `sH--`, `cD`) and is null for `----`, `--NN`, `--VN` ...;
 * - `<NOSRV>`: no server was selected; backend is then the backend name alone (no `/server`), backend_status null;
 * - backend_status = the status when a server answered (Tr ≥ 0), else null (HAProxy logs one status);
 * - a frontend name ending in `~` means TLS: lb is the name without `~` and scheme is https (also with httpslog);
 * - 0, 1 or 2 `{...}` header-capture groups; their order depends on the `capture` lines, so they are skipped;
 * - `"<BADREQ>"` for unparsable requests (method/path null); HAProxy cuts long lines (default 1024 bytes), so the
 *   quoted request may have no closing quote: kept as far as it goes;
 * - the client can be `-` (unix socket) → client_ip null; IPv6 clients are written without brackets (`::1:41234`);
 * - retries (`+` after a redispatch) and queue/connection counters have no place in the record and are not kept;
 * - TCP-log lines (3 timers Tw/Tc/Tt, no request) are one record per connection, as for ELB's TCP listeners:
 *   no method, path or status (status and backend_status null), duration_ms = Tt (the whole connection),
 *   backend_ms null (TCP has no response time), bytes_out = bytes_read, error_reason = the termination state;
 * - `Connect from` lines, `Proxy X started.` and TLS handshake errors are not requests: rejected with a reason.
 */
import { clfToEpochMs, parseDigits } from '../core/units';
import type { FormatParser, ParseContext, ParseResult } from './types';
import { BRACED, BRACKETED, CUT, QUOTED, WORD, fieldEnd, fieldEndsWith, fieldRaw, fieldStart, groupScan, scanGroupFields } from './shared/groups';
import { fieldText } from './shared/scan';
import { requestInto, splitHostPort } from './shared/request';
import { parseError } from './shared/result';
import { newRecord } from './shared/record';
import { stripControl } from '../core/text';

// `\S:` rather than `\S+:`: the same matches for test(), but unanchored `\S+` backtracks quadratically on long
// lines of other formats (70 µs per 700-character ALB line, 3.5 ms per input during detection).
const SHAPE = /\S:\d+ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)?\] \S+ \S+\/\S+ /;
const LOOSE_SHAPE = /(?:^|\s)haproxy\[\d+\]: |^\S+:\d+ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:/;

const haproxy: FormatParser = {
  id: 'haproxy',
  title: 'HAProxy HTTP and TCP log',
  description: 'HAProxy `option httplog` / `httpslog` / `tcplog` lines, with or without the syslog prefix',
  docsUrl: 'https://docs.haproxy.org/2.8/configuration.html#8.2.3',
  samples: [
    'Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"',
    '117.136.40.129:14853 [14/Jan/2015:12:48:57.127] https-in~ xx_server_https/xxx_node_8002 170/0/0/3/173 200 739 - - --NN 0/0/0/0/0 0/0 "GET /xxx/xxx HTTP/1.1"',
    '10.0.1.2:33317 [06/Feb/2009:12:14:14.655] https-in~ static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1" 0/0/0/0/1 1wt.eu/TLSv1.3/TLS_AES_256_GCM_SHA384',
    'Feb  6 12:12:56 localhost haproxy[14387]: 10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0',
  ],
  // Shape only (detection samples): a file of status messages still goes to haproxy, so each line gets its reason.
  detect: (line) => (SHAPE.test(line) ? 0.95 : LOOSE_SHAPE.test(line) ? 0.6 : 0),
  parse: parseHaproxy,
};
export default haproxy;

/** Scratch space, overwritten by every call and never read across calls (parsing is synchronous). */
const G = groupScan(48);
/** TR/Tw/Tc/Tr/Ta of the current line, -1 for "not reached". */
const T = new Float64Array(5);
const TR_INDEX = 3;
const TA_INDEX = 4;

function parseHaproxy(line: string, ctx: ParseContext): ParseResult {
  const { off, kinds } = G;
  const n = scanGroupFields(line, G);
  if (n === 0) return { kind: 'skip', reason: 'blank' };
  if (n < 0) return parseError(line, ctx, 'unterminated quote, bracket or brace');
  let d = -1;
  for (let i = 1; i < n && i < 10; i++) {
    if (kinds[i] === BRACKETED && isDate(line, fieldStart(off, i), fieldEnd(off, i))) {
      d = i;
      break;
    }
  }
  if (d < 0) return statusMessage(line, ctx) ?? parseError(line, ctx, nonAccessReason(line));
  if (d + 2 >= n) return parseError(line, ctx, 'truncated HAProxy line after the date');
  if (fieldEndsWith(line, off, d + 1, 58 /* : */)) {
    return parseError(line, ctx, /SSL|TLS|handshake|heartbeat/.test(line) ? 'HAProxy TLS handshake message, not an HTTP request' : 'HAProxy connection message, not an HTTP request');
  }
  // Timers normally follow backend/server; some configs log one or two extra fields (a host) first.
  let ti = d + 3;
  let parts = -1;
  for (; ti < n && ti <= d + 5; ti++) {
    parts = kinds[ti] === WORD ? readTimers(line, fieldStart(off, ti), fieldEnd(off, ti)) : -1;
    if (parts > 0) break;
  }
  if (parts < 0) return parseError(line, ctx, 'no HAProxy timers (TR/Tw/Tc/Tr/Ta) field', 'timers');
  if (parts === 3) return tcpRecord(line, ctx, d, ti, n);
  if (parts !== 5) return parseError(line, ctx, `timers field has ${parts} parts, expected TR/Tw/Tc/Tr/Ta`, 'timers');
  const status = statusAt(line, off, ti + 1, n);
  if (Number.isNaN(status)) return parseError(line, ctx, `status_code is not an integer, got ${got(line, off, ti + 1, n)}`, 'status_code');
  const bytesOut = bytesAt(line, off, ti + 2, n);
  if (Number.isNaN(bytesOut)) return parseError(line, ctx, `bytes_read is not an integer, got ${got(line, off, ti + 2, n)}`, 'bytes_read');
  let ri = ti + 8;
  while (ri < n && ri <= ti + 10 && kinds[ri] === BRACED) ri++;
  if (ri >= n || (kinds[ri] !== QUOTED && kinds[ri] !== CUT)) return parseError(line, ctx, 'no quoted HTTP request after the counters', 'http_request');
  const reqText = fieldText(line, off, ri) ?? '';
  const client = splitHostPort(fieldRaw(line, off, d - 1));
  const { backend, noServer } = backendOf(fieldRaw(line, off, d + 2));
  const fe = frontendOf(fieldRaw(line, off, d + 1));
  const tls = ri + 2 < n && kinds[ri + 1] === WORD && kinds[ri + 2] === WORD ? httpsExtras(fieldRaw(line, off, ri + 2)) : null;
  const Tr = T[TR_INDEX] ?? -1;
  const Ta = T[TA_INDEX] ?? -1;
  const startMs = clfToEpochMs(line.slice(fieldStart(off, d), fieldEnd(off, d)), 0);
  // Arguments in LogRecord's field order (newRecord's parameters); the request parts are written after.
  const record = newRecord(
    startMs,
    'haproxy',
    client.ip === '-' ? null : client.ip,
    client.port,
    null, // clientHost
    null, null, null, null, null, null, // method, scheme, host, path, query, protocol: requestInto
    status,
    !noServer && Tr >= 0 ? status : null, // backendStatus
    backend,
    Ta >= 0 ? Ta : null, // durationMs
    Tr >= 0 ? Tr : null, // backendMs
    null, // bytesIn
    bytesOut,
    null, // userAgent
    null, // referer
    tls?.protocol ?? null,
    tls?.cipher ?? null,
    null, // traceId
    terminationState(line, off, ti + 5, n), // errorReason
    fe.lb,
    ctx.source,
    ctx.recycle,
  );
  if (reqText !== '<BADREQ>') requestInto(record, reqText, 0, reqText.length, true);
  record.scheme ??= fe.tls || tls !== null ? 'https' : 'http';
  record.host ??= tls?.sni ?? null;
  return { kind: 'record', record };
}

/** The frontend field: a name ending in `~` is a TLS frontend; lb is the name without it. */
function frontendOf(fe: string): { lb: string; tls: boolean } {
  const tls = fe.charCodeAt(fe.length - 1) === 126; /* ~ */
  return { lb: tls ? fe.slice(0, -1) : fe, tls };
}

/** `backend/server` → the backend as logged; `<NOSRV>` (no server selected): the backend name alone. */
function backendOf(be: string): { backend: string; noServer: boolean } {
  const slash = be.indexOf('/');
  const server = slash < 0 ? null : be.slice(slash + 1);
  const noServer = server === null || server === '' || server === '<NOSRV>';
  return { backend: noServer ? (slash < 0 ? be : be.slice(0, slash)) : be, noServer };
}

/**
 * A TCP-log line (`option tcplog`): one connection, no HTTP request. The timers field at `ti` was read into T
 * (Tw/Tc/Tt); bytes_read, the termination state and the counters follow it.
 */
function tcpRecord(line: string, ctx: ParseContext, d: number, ti: number, n: number): ParseResult {
  const { off } = G;
  const bytesOut = bytesAt(line, off, ti + 1, n);
  if (Number.isNaN(bytesOut)) return parseError(line, ctx, `bytes_read is not an integer, got ${got(line, off, ti + 1, n)}`, 'bytes_read');
  const client = splitHostPort(fieldRaw(line, off, d - 1));
  const fe = frontendOf(fieldRaw(line, off, d + 1));
  const Tt = T[2] ?? -1;
  // Arguments in LogRecord's field order (newRecord's parameters).
  const record = newRecord(
    clfToEpochMs(line.slice(fieldStart(off, d), fieldEnd(off, d)), 0), // startMs
    'haproxy',
    client.ip === '-' ? null : client.ip,
    client.port,
    null, // clientHost
    null, null, null, null, null, null, // method, scheme, host, path, query, protocol
    null, null, // status, backendStatus
    backendOf(fieldRaw(line, off, d + 2)).backend,
    Tt >= 0 ? Tt : null, // durationMs
    null, // backendMs
    null, // bytesIn
    bytesOut,
    null, null, null, null, null, // userAgent, referer, tlsProtocol, tlsCipher, traceId
    terminationState(line, off, ti + 2, n), // errorReason
    fe.lb,
    ctx.source,
    ctx.recycle,
  );
  return { kind: 'record', record };
}

/** Field k as quoted text for an error message, at most 32 characters. */
function got(line: string, off: Int32Array, k: number, n: number): string {
  if (k >= n) return 'nothing';
  const text = fieldRaw(line, off, k);
  return JSON.stringify(text.length > 32 ? `${text.slice(0, 31)}…` : text);
}

/** `dd/Mon/yyyy:HH:MM:SS` with optional `.mmm`, no zone (the bracket content in [s, e)). */
function isDate(line: string, s: number, e: number): boolean {
  const len = e - s;
  return (len === 20 || (len > 21 && line.charCodeAt(s + 20) === 46)) && line.charCodeAt(s + 2) === 47 && line.charCodeAt(s + 6) === 47 && line.charCodeAt(s + 11) === 58;
}

/**
 * Reads `a/b/c[/d/e]` (each `[+]-?digits`) into T; returns the number of parts, or -1 when the text is not a
 * timers field. Negative values (-1) mean "not reached".
 */
function readTimers(line: string, s: number, e: number): number {
  let k = 0;
  let i = s;
  while (i < e) {
    if (k >= 5) return -1;
    if (line.charCodeAt(i) === 43 /* + */) i++;
    let neg = false;
    if (line.charCodeAt(i) === 45 /* - */) {
      neg = true;
      i++;
    }
    const ds = i;
    let v = 0;
    while (i < e) {
      const c = line.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      i++;
    }
    if (i === ds) return -1;
    T[k++] = neg ? -1 : v;
    if (i < e) {
      if (line.charCodeAt(i) !== 47 /* / */ || i === e - 1) return -1;
      i++;
    }
  }
  return k >= 3 ? k : -1;
}

/** Status code in field k: an integer, or -1 (no response sent) → null; NaN for anything else. */
function statusAt(line: string, off: Int32Array, k: number, n: number): number | null {
  if (k >= n) return Number.NaN;
  const s = fieldStart(off, k);
  const e = fieldEnd(off, k);
  if (e - s === 2 && line.charCodeAt(s) === 45 && line.charCodeAt(s + 1) === 49) return null;
  return parseDigits(line, s, e);
}

/** bytes_read in field k, `+` prefix (logasap) allowed. */
function bytesAt(line: string, off: Int32Array, k: number, n: number): number {
  if (k >= n) return Number.NaN;
  const s = fieldStart(off, k);
  return parseDigits(line, line.charCodeAt(s) === 43 ? s + 1 : s, fieldEnd(off, k));
}

/** The termination state unless the session ended normally (first two characters `--`). */
function terminationState(line: string, off: Int32Array, k: number, n: number): string | null {
  if (k >= n) return null;
  const s = fieldStart(off, k);
  const e = fieldEnd(off, k);
  if (e - s < 2 || e - s > 4) return null;
  if (line.charCodeAt(s) === 45 && line.charCodeAt(s + 1) === 45) return null;
  return line.slice(s, e);
}

/** httpslog `sni/ssl_version/ssl_cipher` (the field after the error counters); null when absent or not TLS. */
function httpsExtras(text: string): { sni: string | null; protocol: string | null; cipher: string | null } | null {
  const a = text.indexOf('/');
  const b = a < 0 ? -1 : text.indexOf('/', a + 1);
  if (b < 0 || text.indexOf('/', b + 1) >= 0) return null;
  const protocol = text.slice(a + 1, b);
  if (!protocol.startsWith('TLSv') && !protocol.startsWith('SSLv')) return null;
  const dash = (s: string): string | null => (s === '-' || s === '' ? null : s);
  return { sni: dash(text.slice(0, a)), protocol, cipher: dash(text.slice(b + 1)) };
}

/** HAProxy's own messages in the same log: proxies starting and stopping, servers and backends changing state. */
const STATUS = /(?:^|: )(?:Proxy \S+ (?:started|stopped|resumed)|(?:Stopping|Pausing|Resuming) (?:proxy|frontend|backend) \S+|(?:Server|backend|frontend) \S+ (?:is (?:DOWN|UP)|is going DOWN|was DOWN|has no server available|is now in maintenance)|Health check for (?:backup )?server \S+ (?:failed|succeeded))/;
/** The ones that explain errors: a server going down or coming back, a backend left without servers, a failed check. */
const STATE_CHANGE = /(?:Server|backend) \S+ (?:is (?:DOWN|UP)|is going DOWN|has no server available)|Health check for (?:backup )?server \S+ failed/;

/**
 * A status message (error path only, so regexes are fine) is a skipped line, not a malformed one: HAProxy writes them
 * to the same log. A state change comes back as an info note at its line, in HAProxy's words (syslog time first).
 */
function statusMessage(line: string, ctx: ParseContext): ParseResult | null {
  const m = STATUS.exec(line);
  if (m === null) return null;
  if (ctx.detecting || !STATE_CHANGE.test(line)) return { kind: 'skip', reason: 'message' };
  const syslog = /^([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)/.exec(line);
  const text = stripControl(line.slice(m.index + (line[m.index] === ':' ? 2 : 0))).replace(/\s+/g, ' ').trim();
  return {
    kind: 'skip',
    reason: 'message',
    note: {
      code: 'LB_EVENT', severity: 'info', source: ctx.source,
      message: `haproxy${syslog ? ` at ${(syslog[1] ?? '').replace(/ +/g, ' ')}` : ''}: ${text.length > 200 ? `${text.slice(0, 199)}…` : text}`,
    },
  };
}

/** Why a line without a date group is not an access-log line (error path only, so regexes are fine). */
function nonAccessReason(line: string): string {
  if (/Connect from \S+ to \S+/.test(line)) return 'HAProxy default-format connection line ("Connect from ..."), not an HTTP log';
  if (/haproxy\[\d+\]:/.test(line)) return 'HAProxy message without a date, not an access-log line';
  return 'not an HAProxy HTTP log line (no [dd/Mon/yyyy:HH:MM:SS.mmm] date)';
}
