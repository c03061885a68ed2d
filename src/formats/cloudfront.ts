/**
 * Amazon CloudFront standard (access) logs: W3C extended format, tab-separated, one line per request.
 * Fields: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html
 *
 * `date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent)
 *  cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken
 *  x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status
 *  fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len
 *  sc-range-start sc-range-end` (33 fields since 2019; older files stop after fle-encrypted-fields)
 *
 * Traps (each has a fixture in fixtures/formats/cloudfront/):
 * - `#Version:` and `#Fields:` header lines are skipped; the order of `#Fields` is the order of the input's fields
 *   (forInput; standard logging v2 lets the user choose them), the documented 33-field order otherwise;
 * - date and time are separate fields, UTC, and say when CloudFront finished the response: the start is that
 *   minus time-taken; time-taken is seconds with ms precision;
 * - sc-status `000` means the viewer went away before the response: status null, the detailed result type (or
 *   the result type) is the error reason; x-edge-detailed-result-type is the error reason of `Error` results;
 * - values are URL-encoded (spaces as `%20`): the user agent and the referer are decoded; old logs encode the user
 *   agent twice (`%2520`), decoded twice; path and query stay as logged (the record's path is not decoded);
 * - cs(Host) is the distribution's domain (d111111abcdef8.cloudfront.net, used as `lb`); x-host-header is the
 *   Host the viewer sent (the record's host);
 * - a line cut short keeps the fields it has (the rest null); `-` is an absent value.
 */
import { isoToEpochMsAt, parseDigits, roundMs } from '../core/units';
import type { FormatParser, ParseContext, ParseResult } from './types';
import { splitHostPort } from './shared/request';
import { hostWithoutPort, parseError } from './shared/result';
import { newRecord } from './shared/record';

/** The documented field order (2019 and later). */
export const CLOUDFRONT_FIELDS = [
  'date', 'time', 'x-edge-location', 'sc-bytes', 'c-ip', 'cs-method', 'cs(Host)', 'cs-uri-stem', 'sc-status',
  'cs(Referer)', 'cs(User-Agent)', 'cs-uri-query', 'cs(Cookie)', 'x-edge-result-type', 'x-edge-request-id',
  'x-host-header', 'cs-protocol', 'cs-bytes', 'time-taken', 'x-forwarded-for', 'ssl-protocol', 'ssl-cipher',
  'x-edge-response-result-type', 'cs-protocol-version', 'fle-status', 'fle-encrypted-fields', 'c-port',
  'time-to-first-byte', 'x-edge-detailed-result-type', 'sc-content-type', 'sc-content-len', 'sc-range-start',
  'sc-range-end',
] as const;

/** Where each field the record uses is in a line (-1: not in the layout). */
interface Columns {
  readonly date: number; readonly time: number; readonly bytesOut: number; readonly client: number; readonly method: number;
  readonly distribution: number; readonly path: number; readonly status: number; readonly referer: number; readonly agent: number;
  readonly query: number; readonly result: number; readonly requestId: number; readonly host: number; readonly scheme: number;
  readonly bytesIn: number; readonly timeTaken: number; readonly tlsProtocol: number; readonly tlsCipher: number; readonly forwarded: number; readonly edge: number;
  readonly protocol: number; readonly port: number; readonly detailedResult: number;
}

function columns(names: readonly string[]): Columns {
  const at = (n: string): number => names.indexOf(n);
  return {
    date: at('date'), time: at('time'), bytesOut: at('sc-bytes'), client: at('c-ip'), method: at('cs-method'),
    distribution: at('cs(Host)'), path: at('cs-uri-stem'), status: at('sc-status'), referer: at('cs(Referer)'),
    agent: at('cs(User-Agent)'), query: at('cs-uri-query'), result: at('x-edge-result-type'), requestId: at('x-edge-request-id'),
    host: at('x-host-header'), scheme: at('cs-protocol'), bytesIn: at('cs-bytes'), timeTaken: at('time-taken'),
    forwarded: at('x-forwarded-for'), edge: at('x-edge-location'), tlsProtocol: at('ssl-protocol'), tlsCipher: at('ssl-cipher'), protocol: at('cs-protocol-version'), port: at('c-port'),
    detailedResult: at('x-edge-detailed-result-type'),
  };
}

const SHAPE = /^\d{4}-\d{2}-\d{2}\t\d{2}:\d{2}:\d{2}\t/;

/** The value of column k, null when absent or `-`. */
function col(v: readonly string[], k: number): string | null {
  if (k < 0) return null;
  const s = v[k];
  return s === undefined || s === '' || s === '-' ? null : s;
}

/** %XX-decoding; the text as logged when it is not valid percent-encoding. */
function decode(s: string | null): string | null {
  if (s === null || !s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A header value as logged: decoded, twice when CloudFront encoded it twice (old logs: `%2520` for a space). */
function header(s: string | null): string | null {
  const once = decode(s);
  return s !== null && s.includes('%2520') ? decode(once) : once;
}

/** A whole number, null for absent, NaN for garbage. */
function int(s: string | null): number | null {
  return s === null ? null : parseDigits(s, 0, s.length);
}

/** Seconds ("0.082") → ms; null when absent; NaN for garbage. */
function seconds(s: string | null): number | null {
  if (s === null) return null;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 && /^[\d.]+$/.test(s) ? roundMs(n * 1000) : Number.NaN;
}

function makeParser(names: readonly string[]): (line: string, ctx: ParseContext) => ParseResult {
  const c = columns(names);
  return (line, ctx) => {
    if (line.charCodeAt(0) === 35 /* # */) return { kind: 'skip', reason: line.startsWith('#Fields:') || line.startsWith('#Version:') ? 'header' : 'comment' };
    if (line.trim() === '') return { kind: 'skip', reason: 'blank' };
    const v = line.split('\t');
    if (v.length < 3) return parseError(line, ctx, 'not a CloudFront access-log line (not tab-separated W3C fields)');
    const date = col(v, c.date);
    const time = col(v, c.time);
    const endMs = date === null || time === null ? Number.NaN : isoToEpochMsAt(`${date}T${time}Z`, 0, date.length + time.length + 2);
    if (Number.isNaN(endMs)) return parseError(line, ctx, 'date and time are not yyyy-mm-dd and hh:mm:ss', 'date');
    const rawStatus = int(col(v, c.status));
    const bytesOut = int(col(v, c.bytesOut));
    const bytesIn = int(col(v, c.bytesIn));
    const port = int(col(v, c.port));
    const durationMs = seconds(col(v, c.timeTaken));
    if (Number.isNaN(rawStatus)) return parseError(line, ctx, `sc-status is not a status code, got ${JSON.stringify(v[c.status] ?? '')}`, 'sc-status');
    if (Number.isNaN(bytesOut) || Number.isNaN(bytesIn)) return parseError(line, ctx, 'sc-bytes or cs-bytes is not a whole number', 'sc-bytes');
    if (Number.isNaN(port)) return parseError(line, ctx, 'c-port is not a port number', 'c-port');
    if (durationMs !== null && Number.isNaN(durationMs)) return parseError(line, ctx, 'time-taken is not a number of seconds', 'time-taken');
    const client = splitHostPort(col(v, c.client) ?? undefined);
    if (client.ip === null) return parseError(line, ctx, 'c-ip is empty', 'c-ip');
    const result = col(v, c.result);
    // 000: the viewer closed the connection before CloudFront answered.
    const status = rawStatus === 0 ? null : rawStatus;
    const failed = status === null || result === 'Error';
    const record = newRecord(
      durationMs !== null ? roundMs(endMs - durationMs) : endMs,
      'cloudfront',
      client.ip,
      port ?? client.port,
      null, // clientHost
      col(v, c.method),
      col(v, c.scheme)?.toLowerCase() ?? null,
      hostWithoutPort(col(v, c.host) ?? col(v, c.distribution)),
      col(v, c.path),
      col(v, c.query),
      col(v, c.protocol),
      status,
      null, // backendStatus
      null, // backend
      durationMs,
      null, // backendMs: time-to-first-byte includes CloudFront's own time, not the origin's alone
      bytesIn,
      bytesOut,
      header(col(v, c.agent)),
      header(col(v, c.referer)),
      col(v, c.tlsProtocol),
      col(v, c.tlsCipher),
      col(v, c.requestId), // traceId
      failed ? col(v, c.detailedResult) ?? result : null, // errorReason
      col(v, c.distribution), // lb
      ctx.source,
    );
    // The viewer's own X-Forwarded-For (a viewer behind a proxy): what --trust-proxy reads.
    record.forwardedFor = decode(col(v, c.forwarded));
    record.edgeLocation = col(v, c.edge);
    record.cacheStatus = result;
    return { kind: 'record', record };
  };
}

/** The layout a `#Fields:` line declares, or null. */
function declaredFields(sample: readonly string[]): string[] | null {
  const line = sample.find((l) => l.startsWith('#Fields:'));
  if (line === undefined) return null;
  const names = line.slice('#Fields:'.length).trim().split(/\s+/);
  return names.includes('date') && names.includes('time') ? names : null;
}

const parseDefault = makeParser(CLOUDFRONT_FIELDS);

const cloudfront: FormatParser = {
  id: 'cloudfront',
  title: 'Amazon CloudFront standard log',
  description: 'Amazon CloudFront standard access logs (W3C, tab-separated; #Fields order honoured; 26- and 33-field layouts)',
  docsUrl: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html',
  samples: [
    '2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\tMozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\td111111abcdef8.cloudfront.net\thttps\t23\t0.001\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-',
  ],
  detect: (line) => (SHAPE.test(line) ? 0.95 : line.startsWith('#Fields: date time x-edge-location') ? 0.5 : 0),
  parse: parseDefault,
  forInput(sample) {
    const names = declaredFields(sample);
    if (names === null || names.join(' ') === CLOUDFRONT_FIELDS.slice(0, names.length).join(' ')) return cloudfront;
    return { ...cloudfront, parse: makeParser(names) };
  },
};
export default cloudfront;
