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
  if (first < 0) return isMethodToken(req) ? { method: req, scheme: null, host: null, path: null, query: null, protocol: null } : EMPTY;
  const last = req.lastIndexOf(' ');
  let targetEnd = req.length;
  let protocol: string | null = null;
  if (last > first) {
    if (req.startsWith('HTTP/', last + 1)) {
      targetEnd = last;
      protocol = req.slice(last + 1);
    } else if (last === req.length - 1 || (last === req.length - 2 && req.charCodeAt(last + 1) === 45)) {
      // "GET /x -" or "GET /x ": no protocol logged.
      targetEnd = last;
    }
  }
  const method = first === 0 || (first === 1 && req.charCodeAt(0) === 45) ? null : req.slice(0, first);
  // Garbage sent to a plain-text port ("\x16\x03\x01...", binary probes): no method token → nothing usable.
  if (method !== null && !isMethodToken(method)) return EMPTY;
  return targetParts(req.slice(first + 1, targetEnd), method, protocol);
}

/** "scheme://host:port/path?q" or "/path?q" → parts; path keeps its encoding. */
export function splitTarget(target: string): Pick<RequestLine, 'scheme' | 'host' | 'path' | 'query'> {
  return targetParts(target, null, null);
}

function targetParts(target: string, method: string | null, protocol: string | null): RequestLine {
  if (target === '' || target === '-') return { method, scheme: null, host: null, path: null, query: null, protocol };
  let scheme: string | null = null;
  let host: string | null = null;
  let restStart = 0;
  // An absolute URI has "://" within its first few characters; a path starts with "/".
  const sep = target.charCodeAt(0) === 47 ? -1 : target.indexOf('://');
  if (sep > 0 && sep < 10) {
    scheme = target.slice(0, sep);
    if (hasUpper(scheme)) scheme = scheme.toLowerCase();
    const hostStart = sep + 3;
    let hostEnd = hostStart;
    while (hostEnd < target.length) {
      const c = target.charCodeAt(hostEnd);
      if (c === 47 || c === 63 || c === 35) break;
      hostEnd++;
    }
    host = hostEnd > hostStart ? target.slice(hostStart, hostEnd) : null;
    restStart = hostEnd;
    // ALB "http://host:80-"
    if (host !== null && hostEnd === target.length && host.endsWith('-')) host = host.slice(0, -1) || null;
  }
  const q = target.indexOf('?', restStart);
  const pathEnd = q < 0 ? target.length : q;
  const path = pathEnd > restStart ? target.slice(restStart, pathEnd) : scheme ? '/' : null;
  const query = q < 0 ? null : target.slice(q + 1);
  return { method, scheme, host, path, query, protocol };
}

function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
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
