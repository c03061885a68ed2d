/** Request-line and URL splitting shared by all HTTP formats. */
import { parseDigits } from '../../core/units';
import { ESCAPED, fieldPortColon, fieldText } from './scan';

/** Parts of `"METHOD target PROTOCOL"`. */
export interface RequestLine {
  readonly method: string | null;
  readonly scheme: string | null;
  readonly host: string | null;
  readonly path: string | null;
  readonly query: string | null;
  readonly protocol: string | null;
}

/** The request parts as they are written (parseRequestLine's result, or the fields of a record being built). */
export interface RequestParts {
  method: string | null;
  scheme: string | null;
  host: string | null;
  path: string | null;
  query: string | null;
  protocol: string | null;
}

/**
 * Splits a request line on its first and last space, so raw spaces inside the URI survive
 * (ALB logs the URI exactly as sent). "-", "- - -" and "" give all-null parts.
 * A request line without a protocol ("GET /") is accepted (HTTP/0.9, truncated logs).
 */
export function parseRequestLine(req: string): RequestLine {
  const out: RequestParts = { method: null, scheme: null, host: null, path: null, query: null, protocol: null };
  requestInto(out, req, 0, req.length, false);
  return out;
}

/**
 * parseRequestLine of text[s, e), written into `out` (all six parts; none is left as it was), without a substring
 * or a result object per call: a parser passes the line and the request field's offsets, and the record it built.
 * `stripPort`: the host as hostWithoutPort (shared/result.ts) gives it, sliced once. Common method, scheme and
 * protocol tokens come out as constants.
 */
export function requestInto(out: RequestParts, text: string, s: number, e: number, stripPort: boolean): void {
  out.method = null;
  out.scheme = null;
  out.host = null;
  out.path = null;
  out.query = null;
  out.protocol = null;
  const len = e - s;
  if (len === 0 || (len === 1 && text.charCodeAt(s) === 45) || (len === 5 && text.startsWith('- - -', s)) || (len === 6 && text.startsWith('- - - ', s))) return;
  let first = text.indexOf(' ', s);
  if (first >= e) first = -1;
  if (first < 0) {
    if (isMethodToken(text, s, e)) out.method = methodText(text, s, e);
    else out.protocol = nonHttpProtocol(text, s, e);
    return;
  }
  const last = text.lastIndexOf(' ', e - 1);
  let targetEnd = e;
  let protocol: string | null = null;
  if (last > first) {
    if (e - last > 5 && text.startsWith('HTTP/', last + 1)) {
      targetEnd = last;
      protocol = protocolText(text, last + 1, e);
    } else if (last === e - 1 || (last === e - 2 && text.charCodeAt(last + 1) === 45)) {
      // "GET /x -" or "GET /x ": no protocol logged.
      targetEnd = last;
    }
  }
  const hasMethod = !(first === s || (first === s + 1 && text.charCodeAt(s) === 45));
  // Garbage sent to a plain-text port ("\x16\x03\x01...", binary probes): no method token → nothing usable.
  if (hasMethod && !isMethodToken(text, s, first)) {
    out.protocol = nonHttpProtocol(text, s, e);
    return;
  }
  out.method = hasMethod ? methodText(text, s, first) : null;
  out.protocol = protocol;
  targetInto(out, text, first + 1, targetEnd, stripPort);
}

/**
 * What a request line that is no HTTP request speaks, as the record's protocol (method and path stay null): bytes
 * of another protocol sent to an HTTP listener, as servers log them (`\x16\x03…` escaped, or raw):
 * `TLS` (a ClientHello to a plain-text port), `SSH` (an `SSH-2.0-` banner), `RDP` (a TPKT header or an
 * `mstshash=` cookie), `SMB` (`\xffSMB` / `\xfeSMB`), `SOCKS` (a SOCKS5 greeting `\x05\x01`, SOCKS4 `\x04\x01`: an open
 * proxy sought), `binary` (other escaped or control bytes); null for text
 * that names no method (a typo, a truncated line). Reads at most the first 256 characters.
 */
export const NON_HTTP_PROTOCOLS: readonly string[] = ['TLS', 'SSH', 'RDP', 'SMB', 'SOCKS', 'binary'];

function nonHttpProtocol(text: string, s: number, e: number): string | null {
  const head = text.slice(s, Math.min(e, s + 256));
  if (/^(?:\\x16|\x16)(?:\\x03|\x03)/.test(head)) return 'TLS';
  if (head.startsWith('SSH-')) return 'SSH';
  if (/mstshash=|^(?:\\x03|\x03)(?:\\x00|\x00)(?:\\x00|\x00)/.test(head)) return 'RDP';
  if (/(?:\\x[fF][fFeE]|[\xfe\xff])SMB/.test(head)) return 'SMB';
  if (/^(?:(?:\\x05|\x05)(?:\\x0[123]|[\x01-\x03])|(?:\\x04|\x04)(?:\\x01|\x01))/.test(head)) return 'SOCKS';
  if (/\\x[0-9a-fA-F]{2}|[\x00-\x08\x0e-\x1f\x7f]/.test(head)) return 'binary';
  return null;
}

/** "scheme://host:port/path?q" or "/path?q" → parts; path keeps its encoding. */
export function splitTarget(target: string): Pick<RequestLine, 'scheme' | 'host' | 'path' | 'query'> {
  const out: RequestParts = { method: null, scheme: null, host: null, path: null, query: null, protocol: null };
  targetInto(out, target, 0, target.length, false);
  return { scheme: out.scheme, host: out.host, path: out.path, query: out.query };
}

/** The target text[ts, te) of a request line → scheme, host, path and query of `out`. */
function targetInto(out: RequestParts, text: string, ts: number, te: number, stripPort: boolean): void {
  if (te === ts || (te === ts + 1 && text.charCodeAt(ts) === 45)) return;
  let restStart = ts;
  // An absolute URI has "://" within its first few characters; a path starts with "/".
  let sep = -1;
  if (text.charCodeAt(ts) !== 47) {
    const at = text.indexOf('://', ts);
    if (at >= 0 && at + 3 <= te) sep = at - ts;
  }
  let scheme: string | null = null;
  if (sep > 0 && sep < 10) {
    scheme = schemeText(text, ts, ts + sep);
    const hostStart = ts + sep + 3;
    let hostEnd = hostStart;
    // The host's first and last colons, for its port (found on the way rather than searched for again).
    let firstColon = -1;
    let lastColon = -1;
    while (hostEnd < te) {
      const c = text.charCodeAt(hostEnd);
      if (c === 47 || c === 63 || c === 35) break;
      if (c === 58) {
        if (firstColon < 0) firstColon = hostEnd;
        lastColon = hostEnd;
      }
      hostEnd++;
    }
    restStart = hostEnd;
    if (hostEnd > hostStart) {
      let he = hostEnd;
      // ALB "http://host:80-"
      if (hostEnd === te && text.charCodeAt(hostEnd - 1) === 45) he--;
      if (stripPort) he = hostEndWithoutPort(text, hostStart, he, firstColon, lastColon);
      out.host = he > hostStart ? text.slice(hostStart, he) : null;
    }
    out.scheme = scheme;
  }
  // Within the target only (text may be the whole line: indexOf would search the rest of it when there is no query).
  let q = -1;
  for (let i = restStart; i < te; i++) {
    if (text.charCodeAt(i) === 63) {
      q = i;
      break;
    }
  }
  const pathEnd = q < 0 ? te : q;
  out.path = pathEnd > restStart ? text.slice(restStart, pathEnd) : scheme !== null ? '/' : null;
  out.query = q < 0 ? null : text.slice(q + 1, te);
}

/**
 * Where the host text[s, e) ends without its ":port", as hostWithoutPort (shared/result.ts) cuts it: a bracketed
 * IPv6 address and a bare IPv6 address keep every colon. `first`, `colon`: the first and last colons in it (-1: none).
 */
function hostEndWithoutPort(text: string, s: number, e: number, first: number, colon: number): number {
  if (e <= s || colon < s) return e;
  if (text.charCodeAt(s) === 91) {
    const close = text.lastIndexOf(']', e - 1);
    if (close > colon) return e;
  } else if (first !== colon) {
    return e; // bare IPv6
  }
  return colon;
}

/** The method text[s, e) (a method token), a constant for the common ones. */
function methodText(text: string, s: number, e: number): string {
  switch (e - s) {
    case 3:
      if (text.startsWith('GET', s)) return 'GET';
      if (text.startsWith('PUT', s)) return 'PUT';
      break;
    case 4:
      if (text.startsWith('POST', s)) return 'POST';
      if (text.startsWith('HEAD', s)) return 'HEAD';
      break;
    case 6:
      if (text.startsWith('DELETE', s)) return 'DELETE';
      break;
    case 7:
      if (text.startsWith('OPTIONS', s)) return 'OPTIONS';
      break;
    default:
      break;
  }
  return text.slice(s, e);
}

/** The protocol text[s, e) (it starts with "HTTP/"), a constant for the common ones. */
function protocolText(text: string, s: number, e: number): string {
  if (e - s === 8) {
    if (text.startsWith('HTTP/1.1', s)) return 'HTTP/1.1';
    if (text.startsWith('HTTP/2.0', s)) return 'HTTP/2.0';
    if (text.startsWith('HTTP/1.0', s)) return 'HTTP/1.0';
  }
  return text.slice(s, e);
}

/** The scheme text[s, e), lowercased, a constant for http and https. */
function schemeText(text: string, s: number, e: number): string {
  if (e - s === 5 && text.startsWith('https', s)) return 'https';
  if (e - s === 4 && text.startsWith('http', s)) return 'http';
  const scheme = text.slice(s, e);
  return hasUpper(scheme) ? scheme.toLowerCase() : scheme;
}

function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

/** An HTTP method token in s[from, to): 1–24 letters, digits, '-' or '_' (RFC 9110 tchar subset used in practice). */
function isMethodToken(s: string, from: number, to: number): boolean {
  if (to <= from || to - from > 24) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return false;
  }
  return true;
}

/** "1.2.3.4:80", "[2001:db8::1]:443", "2001:db8::1:443"? → ip and port. `-` → nulls. */
export function splitHostPort(s: string | undefined): { ip: string | null; port: number | null } {
  if (s === undefined || s === '-' || s === '') return { ip: null, port: null };
  if (s.charCodeAt(0) === 91 /* [ */) {
    const close = s.indexOf(']');
    if (close > 0) {
      const port = s.charCodeAt(close + 1) === 58 ? Number(s.slice(close + 2)) : Number.NaN;
      return { ip: s.slice(1, close), port: Number.isInteger(port) ? port : null };
    }
  }
  const colon = s.lastIndexOf(':');
  if (colon < 0) return { ip: s, port: null };
  // Bare IPv6 without brackets ("2001:db8::1:443", as ALB writes it): the last group is the port.
  const port = parseDigits(s, colon + 1, s.length);
  if (Number.isNaN(port) || port > 65535) return { ip: s, port: null };
  return { ip: s.slice(0, colon), port };
}

/**
 * The request of field k into `out`, as parseRequestLine of its text with the host's port cut (hostWithoutPort):
 * read in place, or from the unescaped text when the field has backslash escapes.
 */
export function requestField(out: RequestParts, line: string, f: Int32Array, k: number): void {
  const raw = f[2 * k + 1] ?? 0;
  if ((raw & ESCAPED) === 0) {
    const s = f[2 * k] ?? 0;
    requestInto(out, line, s, Math.max(s, raw), true);
    return;
  }
  const text = fieldText(line, f, k) ?? '';
  requestInto(out, text, 0, text.length, true);
}

/**
 * The address of an "address:port" field k, cut as splitHostPort cuts it, sliced once (no field substring, no
 * result object); null when the field is empty. `pc`: its fieldPortColon, when known (a parser reading the port too
 * finds the colon once).
 */
export function fieldClientIp(line: string, off: Int32Array, k: number, pc = fieldPortColon(line, off, k)): string | null {
  if (pc === -2) return splitHostPort(fieldText(line, off, k) ?? undefined).ip;
  return line.slice(off[2 * k] ?? 0, pc < 0 ? (off[2 * k + 1] ?? 0) : pc);
}

/** The port of an "address:port" field k (see fieldClientIp), or null. `pc`: its fieldPortColon, when known. */
export function fieldClientPort(line: string, off: Int32Array, k: number, pc = fieldPortColon(line, off, k)): number | null {
  if (pc === -2) return splitHostPort(fieldText(line, off, k) ?? undefined).port;
  return pc < 0 ? null : parseDigits(line, pc + 1, off[2 * k + 1] ?? 0);
}
