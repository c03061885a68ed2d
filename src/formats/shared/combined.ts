/**
 * The NCSA common/combined family shared by Apache (`clf`) and nginx: an optional virtual host, the client, ident
 * and user, `[time]`, `"request"`, status, bytes, then optionally `"referer" "user agent"` and a format-specific
 * tail. Works on the offsets of groups.ts (one scan per line, substrings only for the fields kept).
 *
 * Before the timestamp, fields are grouped first: a word ending in `,` continues into the next one
 * (`10.0.0.2, 10.0.0.1, 127.0.0.1` is one X-Forwarded-For style list), a quoted field is one group. Then
 *   3 groups  `client ident user`                     (common/combined)
 *   4 groups  `vhost[:port] client ident user`         (vhost_combined, nginx `$host` first)
 *   5+        `vhost client-list remote ident user`    (the list's first entry is the client)
 *   2 groups  `vhost client` when only the second is an address (AWStats `%virtualname %host`), else
 *             `client user` (ident omitted).
 * The client is the first entry of its list (the originating client as the proxies reported it).
 */
import { clfToEpochMs, isoWithZoneAt, parseDigits } from '../../core/units';
import { fieldInt, fieldText } from './scan';
import { BRACKETED, CUT, QUOTED, WORD, fieldEnd, fieldRaw, fieldStart, scanGroupFields, type GroupScan } from './groups';
import type { ParseContext, ParseResult } from '../types';
import { parseError } from './result';

/** The common part of a combined-family line. */
export interface CombinedLine {
  readonly vhost: string | null;
  readonly client: string | null;
  readonly clientPort: number | null;
  /** `[time]` in epoch ms: the request start for Apache `%t`, the log time (request end) for nginx `$time_local`. */
  readonly timeMs: number;
  /** The time was ISO 8601 (nginx `$time_iso8601` in the brackets' place; only with `iso` in CombinedOptions). */
  readonly isoTime: boolean;
  /** The request line, escapes undone; "" when logged as `-` or `""`. */
  readonly request: string;
  /** Null only for `-` with `dashStatus` in CombinedOptions (Traefik: no response was written). */
  readonly status: number | null;
  /** Response bytes; null for "-" (Apache %b of 0 bytes; nginx never writes "-" there) or when absent. */
  readonly bytes: number | null;
  readonly referer: string | null;
  readonly userAgent: string | null;
  /** Index of the first field after the user agent (after the bytes for the common format). */
  readonly tail: number;
}

/** Why a line is not a combined-family record; `field` is set when the layout matched but that field is bad. */
export interface CombinedError {
  readonly reason: string;
  readonly field: 'time' | 'request' | 'status' | 'bytes' | null;
}

/** What a member of the family allows beyond common/combined. */
export interface CombinedOptions {
  /** `[2024-03-05T10:00:00+01:00]`: nginx `$time_iso8601` where `$time_local` usually is. */
  readonly iso?: boolean;
  /** A status written `-` (Traefik, when no response was written): null. */
  readonly dashStatus?: boolean;
}

const NO_OPTIONS: CombinedOptions = {};

/** Whether line[s, e) starts like an ISO 8601 date-time (yyyy-mm-ddThh:). */
function isoAt(line: string, s: number, e: number): boolean {
  return e - s >= 19 && line.charCodeAt(s + 4) === 45 && line.charCodeAt(s + 7) === 45 && line.charCodeAt(s + 10) === 84;
}

/** How far into the line the timestamp may be (vhost, address lists, ident, user). */
const MAX_TIME_INDEX = 12;

/** Parses the common prefix of the `n` scanned fields; returns the reason when the line is not of this family. */
export function parseCombined(line: string, g: GroupScan, n: number, opts: CombinedOptions = NO_OPTIONS): CombinedLine | CombinedError {
  const { off, kinds } = g;
  let ti = -1;
  let iso = false;
  for (let i = 1; i < n && i < MAX_TIME_INDEX; i++) {
    if (kinds[i] === BRACKETED && fieldEnd(off, i) - fieldStart(off, i) >= 19) {
      const s = fieldStart(off, i);
      if (line.charCodeAt(s + 2) === 47 && line.charCodeAt(s + 6) === 47) {
        ti = i;
        break;
      }
      if (opts.iso === true && isoAt(line, s, fieldEnd(off, i))) {
        ti = i;
        iso = true;
        break;
      }
    }
  }
  if (ti < 0) return { reason: notCombinedReason(line, g, n), field: null };
  if (ti < 2) return { reason: `expected client, ident and user before the timestamp, found ${ti} field(s)`, field: null };
  const ts = fieldStart(off, ti);
  const timeMs = iso ? isoWithZoneAt(line, ts, fieldEnd(off, ti)) : clfToEpochMs(line.slice(ts, fieldEnd(off, ti)));
  if (iso && Number.isNaN(timeMs)) return { reason: `timestamp is not ISO 8601 with a zone (yyyy-mm-ddThh:mm:ss±hh:mm), got ${got(line, off, ti)}`, field: 'time' };
  if (Number.isNaN(timeMs)) return { reason: `timestamp is not dd/Mon/yyyy:HH:MM:SS ±zzzz, got ${got(line, off, ti)}`, field: 'time' };
  // The zone is part of both formats; a zone-less time (HAProxy's accept date) is never read as UTC here.
  if (!iso && line.charCodeAt(fieldEnd(off, ti) - 6) !== 32) return { reason: `timestamp has no ±zzzz zone offset, got ${got(line, off, ti)}`, field: 'time' };
  const rk = kinds[ti + 1];
  if (ti + 1 >= n || (rk !== QUOTED && rk !== CUT)) return { reason: 'no quoted request line after the timestamp', field: 'request' };
  if (rk === CUT) return { reason: 'the request line has no closing quote (line cut short?)', field: 'request' };
  const status = ti + 2 < n && kinds[ti + 2] === WORD ? fieldInt(line, off, ti + 2) : Number.NaN;
  const dash = opts.dashStatus === true && status === null;
  if ((status === null && !dash) || Number.isNaN(status)) return { reason: `status is not an integer, got ${ti + 2 < n ? got(line, off, ti + 2) : 'nothing'}`, field: 'status' };
  let bytes: number | null = null;
  if (ti + 3 < n) {
    bytes = kinds[ti + 3] === WORD ? fieldInt(line, off, ti + 3) : Number.NaN;
    if (Number.isNaN(bytes)) return { reason: `response size is not an integer or "-", got ${got(line, off, ti + 3)}`, field: 'bytes' };
  }
  // "referer" "user agent", possibly after one extra number (a custom %D/%O/%I before them).
  let r = ti + 4;
  if (r + 2 < n && kinds[r] === WORD && kinds[r + 1] === QUOTED && isQuotedOrCut(kinds[r + 2]) && !Number.isNaN(fieldInt(line, off, r) ?? Number.NaN)) r++;
  let referer: string | null = null;
  let userAgent: string | null = null;
  let tail = ti + 4;
  if (r + 1 < n && kinds[r] === QUOTED && isQuotedOrCut(kinds[r + 1])) {
    referer = fieldText(line, off, r);
    userAgent = fieldText(line, off, r + 1);
    tail = r + 2;
  }
  const who = clientAndVhost(line, g, ti);
  if (typeof who === 'string') return { reason: who, field: null };
  return {
    vhost: who.vhost,
    client: who.client,
    clientPort: who.port,
    timeMs,
    isoTime: iso,
    request: fieldText(line, off, ti + 1) ?? '',
    status,
    bytes,
    referer,
    userAgent,
    tail,
  };
}

/** Field k as quoted text for an error message, at most 32 characters. */
function got(line: string, off: Int32Array, k: number): string {
  const text = fieldRaw(line, off, k);
  return JSON.stringify(text.length > 32 ? `${text.slice(0, 31)}…` : text);
}

function isQuotedOrCut(kind: number | undefined): boolean {
  return kind === QUOTED || kind === CUT;
}

interface Who {
  vhost: string | null;
  client: string | null;
  port: number | null;
}

/** Splits the fields before the timestamp (see the header) into virtual host and client. */
function clientAndVhost(line: string, g: GroupScan, ti: number): Who | string {
  const { off, kinds } = g;
  // Group boundaries: groupStart[j] is the first field of group j.
  const groupStart: number[] = [];
  for (let i = 0; i < ti; i++) {
    const continues = i > 0 && kinds[i - 1] === WORD && kinds[i] !== QUOTED && line.charCodeAt(fieldEnd(off, i - 1) - 1) === 44; /* , */
    if (!continues) groupStart.push(i);
  }
  const groups = groupStart.length;
  let vhost = -1;
  let client: number;
  if (groups === 1) return `expected client, ident and user before the timestamp, found ${ti} field(s)`;
  if (groups === 2) {
    const a = groupStart[0] ?? 0;
    const b = groupStart[1] ?? 1;
    const vhostFirst = looksLikeAddress(line, fieldStart(off, b), firstItemEnd(line, off, kinds, b)) && !looksLikeAddress(line, fieldStart(off, a), firstItemEnd(line, off, kinds, a));
    if (vhostFirst) vhost = a;
    client = vhostFirst ? b : a;
  } else if (groups === 3) {
    client = groupStart[0] ?? 0;
  } else {
    vhost = groupStart[0] ?? 0;
    client = groupStart[1] ?? 1;
    if (fieldEnd(off, client) === fieldStart(off, client) + 1 && line.charCodeAt(fieldStart(off, client)) === 45) {
      // `client - John Begood [`: a user name with a space (Apache logs %u as sent), not a vhost.
      client = vhost;
      vhost = -1;
    }
  }
  const vhostText = vhost < 0 ? null : fieldText(line, off, vhost);
  let cs = fieldStart(off, client);
  let ce = firstItemEnd(line, off, kinds, client);
  while (cs < ce && line.charCodeAt(cs) === 32) cs++;
  if (ce <= cs || (ce === cs + 1 && line.charCodeAt(cs) === 45)) return { vhost: vhostText, client: null, port: null };
  // "ip:port" / "[v6]:port" → split; a bare IPv6 address has several colons and no port.
  let port: number | null = null;
  const colon = line.lastIndexOf(':', ce - 1);
  if (colon > cs && colon < ce - 1) {
    const p = parseDigits(line, colon + 1, ce);
    const bracketed = line.charCodeAt(cs) === 91 && line.charCodeAt(colon - 1) === 93;
    if (!Number.isNaN(p) && p <= 65535 && (bracketed || line.indexOf(':', cs) === colon)) {
      port = p;
      ce = bracketed ? colon - 1 : colon;
      if (bracketed) cs++;
    }
  }
  return { vhost: vhostText, client: line.slice(cs, ce), port };
}

/** End of the first list item of the group starting at field k (a quoted list stops at its first comma). */
function firstItemEnd(line: string, off: Int32Array, kinds: Uint8Array, k: number): number {
  const s = fieldStart(off, k);
  const e = fieldEnd(off, k);
  if (kinds[k] === QUOTED) {
    const comma = line.indexOf(',', s);
    return comma >= 0 && comma < e ? comma : e;
  }
  return line.charCodeAt(e - 1) === 44 ? e - 1 : e;
}

/** IPv4 dotted quad, or something made only of hex digits, ':' and '.' with a ':' (IPv6). */
function looksLikeAddress(line: string, s: number, e: number): boolean {
  let dots = 0;
  let colons = 0;
  let hexLetters = false;
  for (let i = s; i < e; i++) {
    const c = line.charCodeAt(i);
    if (c === 46) dots++;
    else if (c === 58) colons++;
    else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) hexLetters = true;
    else if (c < 48 || c > 57) return false;
  }
  return colons >= 2 || (colons === 0 && dots === 3 && !hexLetters);
}

/** Why a line without a `[dd/Mon/yyyy:...]` group is not of this family (error path only, so regexes are fine). */
function notCombinedReason(line: string, g: GroupScan, n: number): string {
  const first = n > 0 ? fieldRaw(line, g.off, 0) : '';
  const firstBracket = n > 0 && g.kinds[0] === BRACKETED;
  if (/^\d{4}\/\d{2}\/\d{2}$/.test(first) && n > 2 && g.kinds[2] === BRACKETED && /^[a-z]+$/.test(fieldRaw(line, g.off, 2))) return 'nginx error-log line, not an access-log line';
  if (firstBracket && /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:/.test(first)) {
    if (n > 1 && g.kinds[1] === BRACKETED && /:(?:alert|error|warn|notice|info|debug|crit|emerg)$/.test(fieldRaw(line, g.off, 1))) return 'Apache error-log line, not an access-log line';
    return 'timestamp before the client address: a custom layout (e.g. nginx-proxy-manager), not common/combined';
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(first)) return 'ISO timestamp first: a custom layout, not common/combined';
  if (firstBracket && /^[A-Z][a-z]{2} [A-Z][a-z]{2} /.test(first)) return 'Apache error-log line, not an access-log line';
  if (firstBracket && n > 1 && g.kinds[1] === BRACKETED && /:(?:alert|error|warn|notice|info|debug|crit|emerg)$/.test(fieldRaw(line, g.off, 1))) return 'Apache error-log line, not an access-log line';
  return 'no [dd/Mon/yyyy:HH:MM:SS zone] timestamp';
}

/** A combined-family line read up to its tail, or what the parser returns instead (skip or error). */
export type CombinedRead =
  /** `line`: the line `g`'s offsets refer to (the input line, or its repaired copy: requestQuotesEscaped). */
  | { readonly ok: true; readonly c: CombinedLine; readonly n: number; readonly line: string }
  | { readonly ok: false; readonly result: ParseResult };

/**
 * The start every combined-family parser shares: scan `line` into `g`, skip blank and `#` lines, read the common
 * part. `family` starts the reason of a line that is not of the family; `clientField` names the client field.
 */
export function readCombined(line: string, ctx: ParseContext, g: GroupScan, family: string, clientField: string, opts: CombinedOptions = NO_OPTIONS): CombinedRead {
  const n = scanGroupFields(line, g);
  if (n === 0) return { ok: false, result: { kind: 'skip', reason: 'blank' } };
  if (line.charCodeAt(0) === 35 /* # */) return { ok: false, result: { kind: 'skip', reason: 'comment' } };
  let c = n < 0 ? null : parseCombined(line, g, n, opts);
  if (c === null || ('reason' in c && c.field === 'status')) {
    // Apache writes a quote a client sent inside its request line as it is (scanners do): read the line again with
    // those quotes escaped, so status, size and agent still come from after the request.
    const repaired = requestQuotesEscaped(line);
    const m = repaired === null ? -1 : scanGroupFields(repaired, g);
    const again = repaired === null || m <= 0 ? null : parseCombined(repaired, g, m, opts);
    if (repaired !== null && again !== null && !('reason' in again) && again.client !== null) return { ok: true, c: again, n: m, line: repaired };
    if (c === null) return { ok: false, result: parseError(line, ctx, 'unterminated quote or bracket') };
    if (m > 0) scanGroupFields(line, g);
  }
  if ('reason' in c) return { ok: false, result: parseError(line, ctx, c.field === null ? `${family}: ${c.reason}` : c.reason, c.field ?? undefined) };
  if (c.client === null) return { ok: false, result: parseError(line, ctx, 'client address is missing', clientField) };
  return { ok: true, c, n, line };
}

/**
 * `line` with the quotes inside its request line escaped, the request ending at the first `" <status> <size>` after
 * the timestamp; null when there is no such end, or no unescaped quote inside (error path only: regexes are fine).
 */
export function requestQuotesEscaped(line: string): string | null {
  const open = line.indexOf('] "');
  if (open < 0) return null;
  const from = open + 3;
  const end = /" \d{3} (?:\d+|-)(?: |$)/.exec(line.slice(from));
  if (end === null) return null;
  const inner = line.slice(from, from + end.index);
  const escaped = inner.replace(/\\?"/g, (q) => (q.length === 2 ? q : '\\"'));
  return escaped === inner ? null : `${line.slice(0, from)}${escaped}${line.slice(from + end.index)}`;
}
