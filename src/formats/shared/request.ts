/** Request-line and URL splitting shared by all HTTP formats. */
import { parseDigits } from '../../core/units';

/** Parts of `"METHOD target PROTOCOL"`. */
export interface RequestLine {
  readonly method: string | null;
  readonly scheme: string | null;
  readonly host: string | null;
  readonly path: string | null;
  readonly query: string | null;
  readonly protocol: string | null;
}

const EMPTY: RequestLine = { method: null, scheme: null, host: null, path: null, query: null, protocol: null };

/**
 * Splits a request line on its first and last space, so raw spaces inside the URI survive
 * (ALB logs the URI exactly as sent). "-", "- - -" and "" give all-null parts.
 * A request line without a protocol ("GET /") is accepted (HTTP/0.9, truncated logs).
 */
export function parseRequestLine(req: string): RequestLine {
  if (req === '' || req === '-' || req === '- - -' || req === '- - - ') return EMPTY;
  const first = req.indexOf(' ');
  if (first < 0) return isMethodToken(req) ? { ...EMPTY, method: req } : EMPTY;
  const last = req.lastIndexOf(' ');
  let target: string;
  let protocol: string | null = null;
  const tail = req.slice(last + 1);
  if (last > first && tail.startsWith('HTTP/')) {
    target = req.slice(first + 1, last);
    protocol = tail;
  } else if (last > first && (tail === '-' || tail === '')) {
    target = req.slice(first + 1, last);
  } else {
    target = req.slice(first + 1);
  }
  const method = nullDash(req.slice(0, first));
  // Garbage sent to a plain-text port ("\x16\x03\x01...", binary probes): no method token → nothing usable.
  if (method !== null && !isMethodToken(method)) return EMPTY;
  const t = splitTarget(target);
  return { method, scheme: t.scheme, host: t.host, path: t.path, query: t.query, protocol };
}

/** "scheme://host:port/path?q" or "/path?q" → parts; path keeps its encoding. */
export function splitTarget(target: string): Pick<RequestLine, 'scheme' | 'host' | 'path' | 'query'> {
  if (target === '' || target === '-') return { scheme: null, host: null, path: null, query: null };
  let scheme: string | null = null;
  let host: string | null = null;
  let rest = target;
  const sep = target.indexOf('://');
  if (sep > 0 && sep < 10 && target.charCodeAt(0) !== 47) {
    scheme = target.slice(0, sep).toLowerCase();
    const hostStart = sep + 3;
    let hostEnd = hostStart;
    while (hostEnd < target.length) {
      const c = target.charCodeAt(hostEnd);
      if (c === 47 || c === 63 || c === 35) break;
      hostEnd++;
    }
    host = target.slice(hostStart, hostEnd) || null;
    rest = target.slice(hostEnd);
    if (host !== null && host.endsWith('-') && rest === '') host = host.slice(0, -1) || null; // ALB "http://host:80-"
  }
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? null : rest.slice(q + 1);
  return { scheme, host, path: path === '' ? (scheme ? '/' : null) : path, query };
}

/** An HTTP method token: 1–24 letters, digits, '-' or '_' (RFC 9110 tchar subset used in practice). */
function isMethodToken(s: string): boolean {
  if (s.length === 0 || s.length > 24) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return false;
  }
  return true;
}

function nullDash(s: string): string | null {
  return s === '-' || s === '' ? null : s;
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
