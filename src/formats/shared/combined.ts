/**
 * The NCSA common/combined family shared by Apache (`clf`) and nginx: an optional virtual host, the client, ident
 * and user, `[time]`, `"request"`, status, bytes, then optionally `"referer" "user agent"` and a format-specific
 * tail. Parsed from group tokens (see groups.ts).
 */
import { clfToEpochMs, intField } from '../../core/units';
import type { Token } from './groups';

/** The common part of a combined-family line. */
export interface CombinedLine {
  readonly vhost: string | null;
  readonly client: string | null;
  readonly user: string | null;
  readonly startOrEndMs: number;
  readonly request: string;
  readonly status: number | null;
  readonly bytes: number | null;
  readonly referer: string | null;
  readonly userAgent: string | null;
  /** Tokens after the user agent (or after bytes for the common format). */
  readonly tail: readonly Token[];
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** True for something that looks like an IPv4/IPv6 address (or "-"/unix socket markers we accept as client). */
export function looksLikeIp(s: string): boolean {
  return IPV4.test(s) || (s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s));
}

/**
 * Parses the common prefix; returns a reason string when the tokens are not of this family.
 * `bytes` is null for "-" (Apache %b of 0 bytes; nginx never writes "-" there).
 */
export function parseCombined(tokens: readonly Token[]): CombinedLine | string {
  const first = tokens[0]?.text ?? '';
  let ti = -1;
  for (let i = 1; i < Math.min(tokens.length, 12); i++) {
    const t = tokens[i];
    if (t && t.kind === 'b' && t.text.length >= 20 && t.text.charCodeAt(2) === 47 && t.text.charCodeAt(6) === 47) {
      ti = i;
      break;
    }
  }
  if (ti < 0) {
    if (/^\d{4}\/\d{2}\/\d{2}$/.test(first) && tokens[2]?.kind === 'b' && /^[a-z]+$/.test(tokens[2].text)) return 'nginx error-log line, not an access-log line';
    if (tokens[0]?.kind === 'b' && /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:/.test(first)) return 'timestamp before the client address: a custom layout (e.g. nginx-proxy-manager), not common/combined';
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(first)) return 'ISO timestamp first: a custom layout, not common/combined';
    if (tokens[0]?.kind === 'b' && /^[A-Z][a-z]{2} [A-Z][a-z]{2} /.test(first)) return 'Apache error-log line, not an access-log line';
    if (tokens[0]?.kind === 'b' && tokens[1]?.kind === 'b' && /:(?:alert|error|warn|notice|info|debug|crit|emerg)/.test(tokens[1]?.text ?? '')) return 'Apache error-log line, not an access-log line';
    return 'no [dd/Mon/yyyy:HH:MM:SS zone] timestamp';
  }
  if (ti < 2) return `expected client, ident and user before the timestamp, found ${ti} field(s)`;
  const time = clfToEpochMs(tokens[ti]?.text ?? '');
  if (Number.isNaN(time)) return 'timestamp is not dd/Mon/yyyy:HH:MM:SS ±zzzz';
  const req = tokens[ti + 1];
  if (!req || req.kind !== 'q') return 'no quoted request line after the timestamp';
  const statusTok = tokens[ti + 2];
  const status = intField(statusTok?.text);
  if (statusTok === undefined || statusTok.kind !== 'w' || status === null || Number.isNaN(status)) return 'status is not an integer';
  const bytesTok = tokens[ti + 3];
  const bytes = bytesTok === undefined ? null : intField(bytesTok.text);
  if (bytesTok !== undefined && (bytesTok.kind !== 'w' || Number.isNaN(bytes))) return 'response size is not an integer or "-"';
  const pre = tokens.slice(0, ti);
  // Two fields: "vhost client" (AWStats %virtualname %host) or "client user" (ident omitted).
  const twoVhost = pre.length === 2 && looksLikeIp(pre[1]?.text ?? '') && !looksLikeIp(pre[0]?.text ?? '');
  const addr = pre.length === 2 ? (twoVhost ? pre.map((t) => t.text) : [pre[0]?.text ?? '-']) : pre.slice(0, pre.length - 2).map((t) => t.text);
  const user = pre.length === 2 && twoVhost ? '-' : (pre[pre.length - 1]?.text ?? '-');
  let vhost: string | null = null;
  let client: string | null = null;
  if (addr.length === 1) client = addr[0] ?? null;
  else {
    // vhost (or vhost:port) first, then the client, possibly an X-Forwarded-For style list "a, b, c".
    const first = addr[0] ?? '';
    const rest = addr.slice(1);
    if (!looksLikeIp(first.replace(/,$/, ''))) vhost = first;
    const list = vhost === null ? addr : rest;
    client = (list[0] ?? '').replace(/,$/, '') || null;
  }
  if (client === '-') client = null;
  let referer: string | null = null;
  let userAgent: string | null = null;
  let next = ti + 4;
  const r = tokens[next];
  const u = tokens[next + 1];
  if (r && r.kind === 'q' && u && u.kind === 'q') {
    referer = r.text === '-' || r.text === '' ? null : r.text;
    userAgent = u.text === '-' || u.text === '' ? null : u.text;
    next += 2;
  }
  return {
    vhost,
    client,
    user: user === '-' ? null : user,
    startOrEndMs: time,
    request: req.text,
    status,
    bytes,
    referer,
    userAgent,
    tail: tokens.slice(next),
  };
}
