/**
 * The fields nginx layouts commonly log after `"$http_user_agent"` (shared by nginx.ts and the clf detector, which
 * yields to nginx when they are present). Three layouts, tried in this order:
 *   - ingress-nginx `upstreaminfo`: `$request_length $request_time [$proxy_upstream_name]
 *     [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time
 *     $upstream_status $req_id` (the second bracket group is optional in older controllers);
 *   - key=value: `rt=$request_time urt="$upstream_response_time" us="$upstream_status" ua="$upstream_addr" ...`
 *     (also the NGINX Amplify `main_ext` names `ut=` and `upstream_response_time=` style long names);
 *   - positional: `["$http_x_forwarded_for"...] $request_time [$upstream_response_time]`.
 * Upstream values are lists when nginx tried several servers (`a, b`) or followed an internal redirect (`a : b`).
 */
import { roundMs } from '../../core/units';
import { fieldInt, fieldSecondsMs, fieldText } from './scan';
import { BRACKETED, QUOTED, WORD, fieldEnd, fieldStart, scanGroupFields, type GroupScan } from './groups';
import { parseCombined } from './combined';

/** What the tail told us; all null when nothing nginx-specific was found. */
export interface NginxTail {
  readonly layout: 'none' | 'ingress' | 'keyvalue' | 'positional';
  readonly requestMs: number | null;
  /** Sum of the `$upstream_response_time` list. */
  readonly upstreamMs: number | null;
  /** Last entry of the `$upstream_status` list. */
  readonly upstreamStatus: number | null;
  /** Last entry of the `$upstream_addr` list. */
  readonly upstreamAddr: string | null;
  readonly requestLength: number | null;
  /** ingress-nginx `$req_id` (also sent upstream as X-Request-ID). */
  readonly requestId: string | null;
}

const NONE: NginxTail = { layout: 'none', requestMs: null, upstreamMs: null, upstreamStatus: null, upstreamAddr: null, requestLength: null, requestId: null };

/** Parses fields t..n-1 of a scanned combined-family line. */
export function parseNginxTail(line: string, g: GroupScan, t: number, n: number): NginxTail {
  if (t >= n) return NONE;
  const { off, kinds } = g;
  if (t + 2 < n && kinds[t] === WORD && kinds[t + 1] === WORD && kinds[t + 2] === BRACKETED && isDecimal(line, off, t + 1)) {
    const length = fieldInt(line, off, t);
    if (length !== null && !Number.isNaN(length)) {
      const a = t + 3 < n && kinds[t + 3] === BRACKETED ? t + 4 : t + 3;
      const aEnd = listEnd(line, g, a, n);
      const lEnd = listEnd(line, g, aEnd, n);
      const tEnd = listEnd(line, g, lEnd, n);
      const sEnd = listEnd(line, g, tEnd, n);
      return {
        layout: 'ingress',
        requestLength: length,
        requestMs: fieldSecondsMs(line, off, t + 1),
        upstreamAddr: a < aEnd ? lastItem(line, fieldStart(off, a), fieldEnd(off, aEnd - 1)) : null,
        upstreamMs: lEnd < tEnd ? sumSeconds(line, fieldStart(off, lEnd), fieldEnd(off, tEnd - 1)) : null,
        upstreamStatus: tEnd < sEnd ? statusOf(lastItem(line, fieldStart(off, tEnd), fieldEnd(off, sEnd - 1))) : null,
        requestId: sEnd < n && kinds[sEnd] === WORD ? fieldText(line, off, sEnd) : null,
      };
    }
  }
  const from = fieldStart(off, t) - (kinds[t] === WORD ? 0 : 1);
  const kv = parseKeyValues(line, from);
  if (kv !== null) return kv;
  let i = t;
  while (i < n && kinds[i] === QUOTED) i++;
  if (i >= n || kinds[i] !== WORD || !isDecimal(line, off, i)) return NONE;
  const requestMs = fieldSecondsMs(line, off, i);
  i++;
  let upstreamMs: number | null = null;
  if (i < n && kinds[i] === WORD) upstreamMs = sumSeconds(line, fieldStart(off, i), fieldEnd(off, listEnd(line, g, i, n) - 1));
  return { layout: 'positional', requestMs, upstreamMs, upstreamStatus: null, upstreamAddr: null, requestLength: null, requestId: null };
}

/** Index after an nginx list value starting at field i: `a, b : c` spans several fields. */
function listEnd(line: string, g: GroupScan, i: number, n: number): number {
  const { off, kinds } = g;
  let j = i;
  while (j < n) {
    const comma = kinds[j] === WORD && line.charCodeAt(fieldEnd(off, j) - 1) === 44;
    j++;
    if (comma) continue;
    if (j + 1 < n && kinds[j] === WORD && fieldEnd(off, j) === fieldStart(off, j) + 1 && line.charCodeAt(fieldStart(off, j)) === 58) {
      j++; // " : " separator
      continue;
    }
    break;
  }
  return j;
}

/** `d+.d+` in field k ($request_time always has a fraction; this tells it from integer fields). */
function isDecimal(line: string, off: Int32Array, k: number): boolean {
  const s = fieldStart(off, k);
  const e = fieldEnd(off, k);
  let dot = -1;
  for (let i = s; i < e; i++) {
    const c = line.charCodeAt(i);
    if (c === 46 && dot < 0) dot = i;
    else if (c < 48 || c > 57) return false;
  }
  return dot > s && dot < e - 1;
}

/** Sums the seconds in a list text range ("0.004, 0.008 : 0.000"); "-" entries are skipped; null when none. */
export function sumSeconds(line: string, s: number, e: number): number | null {
  let sum = 0;
  let any = false;
  let i = s;
  while (i < e) {
    let c = line.charCodeAt(i);
    if (c === 32 || c === 44 || c === 58) {
      i++;
      continue;
    }
    let whole = 0;
    let frac = 0;
    let scale = 100;
    let ok = c >= 48 && c <= 57;
    let dot = false;
    for (; i < e; i++) {
      c = line.charCodeAt(i);
      if (c === 32 || c === 44 || c === 58) break;
      const d = c - 48;
      if (c === 46 && !dot) dot = true;
      else if (d < 0 || d > 9) ok = false;
      else if (dot) {
        frac += d * scale;
        scale /= 10;
      } else whole = whole * 10 + d;
    }
    if (ok) {
      sum += whole * 1000 + frac;
      any = true;
    }
  }
  return any ? roundMs(sum) : null;
}

/** The last entry of a list text range (entries separated by `,` or ` : `); null for "-" or empty. */
export function lastItem(line: string, s: number, e: number): string | null {
  let start = s;
  for (let i = e - 1; i > s; i--) {
    const c = line.charCodeAt(i);
    if (c === 44 || (c === 58 && line.charCodeAt(i - 1) === 32 && line.charCodeAt(i + 1) === 32)) {
      start = i + 1;
      break;
    }
  }
  while (start < e && line.charCodeAt(start) === 32) start++;
  let end = e;
  while (end > start && line.charCodeAt(end - 1) === 32) end--;
  if (end <= start || (end === start + 1 && line.charCodeAt(start) === 45)) return null;
  return line.slice(start, end);
}

function statusOf(s: string | null): number | null {
  if (s === null || s.length > 3) return null;
  const n = Number(s);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** key=value timings anywhere after the user agent; null when no known key is present. */
function parseKeyValues(line: string, from: number): NginxTail | null {
  const n = line.length;
  let i = from;
  let found = false;
  let requestMs: number | null = null;
  let upstreamMs: number | null = null;
  let upstreamStatus: number | null = null;
  let upstreamAddr: string | null = null;
  let requestLength: number | null = null;
  let requestId: string | null = null;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    if (c === 34) {
      const j = line.indexOf('"', i + 1);
      i = j < 0 ? n : j + 1;
      continue;
    }
    const ks = i;
    while (i < n && isKeyChar(line.charCodeAt(i))) i++;
    if (i === ks || i >= n || line.charCodeAt(i) !== 61 /* = */) {
      while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i++;
      continue;
    }
    const key = line.slice(ks, i);
    i++;
    let vs = i;
    let ve: number;
    if (line.charCodeAt(i) === 34) {
      vs = i + 1;
      ve = line.indexOf('"', vs);
      if (ve < 0) ve = n;
      i = ve + 1;
    } else {
      ve = i;
      while (ve < n && line.charCodeAt(ve) !== 32 && line.charCodeAt(ve) !== 9) ve++;
      i = ve;
    }
    switch (key) {
      case 'rt':
      case 'request_time':
        requestMs = sumSeconds(line, vs, ve);
        found = true;
        break;
      case 'urt':
      case 'ut':
      case 'upstream_response_time':
        upstreamMs = sumSeconds(line, vs, ve);
        found = true;
        break;
      case 'us':
      case 'upstream_status':
        upstreamStatus = statusOf(lastItem(line, vs, ve));
        found = true;
        break;
      case 'ua':
      case 'upstream_addr':
      case 'upstream':
        upstreamAddr = lastItem(line, vs, ve);
        found = true;
        break;
      case 'request_length': {
        const len = Number(line.slice(vs, ve));
        requestLength = ve > vs && Number.isInteger(len) && len >= 0 ? len : null;
        found = true;
        break;
      }
      case 'req_id':
      case 'request_id':
        requestId = ve > vs && !(ve === vs + 1 && line.charCodeAt(vs) === 45) ? line.slice(vs, ve) : null;
        found = true;
        break;
      default:
        break;
    }
  }
  return found ? { layout: 'keyvalue', requestMs, upstreamMs, upstreamStatus, upstreamAddr, requestLength, requestId } : null;
}

/** Letters, digits, `_` and `-` (so Apache's `X-Forwarded-For="..."` is read as an unknown key, not a value). */
function isKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

/**
 * What format detection needs to know of a line: `combined` for a bare common/combined line, `nginx` when it also
 * carries nginx timing/upstream fields or a `$time_iso8601` time, null when it is neither. clf and nginx score from this.
 */
export function combinedShape(line: string, g: GroupScan): 'combined' | 'nginx' | null {
  const n = scanGroupFields(line, g);
  if (n <= 0) return null;
  const c = parseCombined(line, g, n, { iso: true });
  if ('reason' in c || c.client === null) return null;
  // An ISO time in the brackets' place is nginx's $time_iso8601 (Apache's %t has no such form).
  if (c.isoTime) return 'nginx';
  return parseNginxTail(line, g, c.tail, n).layout === 'none' ? 'combined' : 'nginx';
}
