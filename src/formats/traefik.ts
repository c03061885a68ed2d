/**
 * Traefik access logs in its CLF (default) format: combined plus Traefik's own fields.
 * Fields: https://doc.traefik.io/traefik/observability/access-logs/
 *
 *   <client> - <user> [<time>] "<method> <path> <protocol>" <status> <size> "<referer>" "<user agent>"
 *   <requests since start> "<router name>" "<server URL>" <duration>ms
 *
 * Traps (each has a fixture in fixtures/formats/traefik/):
 * - the time is when the request started (no subtraction); the duration is whole milliseconds with an `ms` suffix;
 * - status and size are `-` when no response was written (a request Traefik could not route, a client gone):
 *   null; router and server URL are `"-"` then;
 * - the referer is sometimes an unquoted `-` (older versions), which shifts nothing else;
 * - the router can be a chain (`"a@docker -> b@docker"`): kept whole as `lb`; the server URL
 *   (`http://172.17.0.3:80`) gives the backend as host:port;
 * - a plain common-log line without Traefik's fields (another writer in the same file) is a record with the fields it
 *   has; auto-detection leaves plain combined files to `clf`.
 */
import type { FormatParser, ParseContext, ParseResult } from './types';
import { groupScan, QUOTED, WORD, fieldEnd, fieldStart } from './shared/groups';
import { readCombined } from './shared/combined';
import { fieldInt, fieldText } from './shared/scan';
import { requestInto } from './shared/request';
import { hostWithoutPort } from './shared/result';
import { newRecord } from './shared/record';

/** Scratch offsets, overwritten by every call and never read across calls (parsing is synchronous). */
const G = groupScan(64);
const DASH_STATUS = { dashStatus: true } as const;

const traefik: FormatParser = {
  id: 'traefik',
  title: 'Traefik (CLF)',
  description: 'Traefik access logs in its CLF format: combined + request count, router, server URL and duration in ms',
  docsUrl: 'https://doc.traefik.io/traefik/observability/access-logs/',
  samples: [
    '192.168.33.1 - - [02/Oct/2017:20:22:07 +0000] "GET /ui/favicons/favicon-16x16.png HTTP/1.1" 304 0 "http://example.com/login" "Mozilla/5.0 (X11; Linux x86_64)" 262 "Host-host-1" "http://172.19.0.3:5601" 2ms',
    '172.17.1.3 - - [24/Nov/2024:13:40:15 +0000] "GET /api/users HTTP/1.1" 200 450 "-" "curl/7.68.0" 300 "root@docker -> leaf@docker" "http://172.17.0.4:80" 25ms',
  ],
  detect: (line) => (tailStart(line) >= 0 ? 0.97 : 0),
  parse: parseTraefik,
};
export default traefik;

/**
 * Index of the request-count field when the line (scanned into G) ends with Traefik's
 * `<count> "<router>" "<url>" <n>ms`, else -1. Scans the line itself when `n` is not given.
 */
function tailStart(line: string, n = -1): number {
  const k = n >= 0 ? n : scanLine(line);
  if (k < 4) return -1;
  const { off, kinds } = G;
  const d = k - 1;
  const ds = fieldStart(off, d);
  const de = fieldEnd(off, d);
  if (kinds[d] !== WORD || de - ds < 3 || line.charCodeAt(de - 1) !== 115 /* s */ || line.charCodeAt(de - 2) !== 109 /* m */) return -1;
  if (kinds[k - 2] !== QUOTED || kinds[k - 3] !== QUOTED || kinds[k - 4] !== WORD) return -1;
  const count = fieldInt(line, off, k - 4);
  return count === null || Number.isNaN(count) ? -1 : k - 4;
}

function scanLine(line: string): number {
  // Only lines that look like combined ones are worth a scan: "[" after the client.
  if (!line.endsWith('ms')) return -1;
  const r = readCombined(line, { source: { file: '', line: 0 }, strict: false, detecting: true }, G, '', '', DASH_STATUS);
  return r.ok ? r.n : -1;
}

/** `http://172.17.0.3:80/x` → `172.17.0.3:80`; null for `-` or no host. */
function serverOf(url: string | null): string | null {
  if (url === null) return null;
  const scheme = url.indexOf('://');
  const rest = scheme >= 0 ? url.slice(scheme + 3) : url;
  const slash = rest.indexOf('/');
  const host = slash >= 0 ? rest.slice(0, slash) : rest;
  return host === '' ? null : host;
}

function parseTraefik(input: string, ctx: ParseContext): ParseResult {
  const read = readCombined(input, ctx, G, 'not a Traefik CLF line', 'client', DASH_STATUS);
  if (!read.ok) return read.result;
  const { c, n } = read;
  const line = read.line; // the line G's offsets refer to (repaired when the request held unescaped quotes)
  const { off } = G;
  const t = tailStart(line, n);
  let referer = c.referer;
  let userAgent = c.userAgent;
  // An unquoted `-` referer: combined's reader did not take the referer and agent; they sit before the tail.
  if (t >= 0 && c.userAgent === null && c.referer === null && t - 2 >= c.tail && G.kinds[t - 1] === QUOTED) {
    referer = fieldText(line, off, t - 2);
    userAgent = fieldText(line, off, t - 1);
  }
  const durationMs = t >= 0 ? Number(line.slice(fieldStart(off, n - 1), fieldEnd(off, n - 1) - 2)) : null;
  const record = newRecord(
    c.timeMs, // startMs: Traefik writes the start
    'traefik',
    c.client,
    c.clientPort,
    null, // clientHost
    null, null, null, null, null, null, // method, scheme, host, path, query, protocol: requestInto
    c.status,
    null, // backendStatus
    t >= 0 ? serverOf(fieldText(line, off, t + 2)) : null, // backend
    durationMs !== null && Number.isFinite(durationMs) ? durationMs : null,
    null, // backendMs
    null, // bytesIn
    c.bytes, // bytesOut
    userAgent,
    referer,
    null, // tlsProtocol
    null, // tlsCipher
    null, // traceId
    null, // errorReason
    t >= 0 ? fieldText(line, off, t + 1) : null, // lb: the router
    ctx.source,
  );
  requestInto(record, c.request, 0, c.request.length, false);
  record.host = hostWithoutPort(record.host ?? c.vhost);
  return { kind: 'record', record };
}
