/**
 * What every parsed record must be, whatever its format: a time in a sane window, numbers that are finite and in
 * range, a client that is an address (or, where the log has one there, a host name: then clientHost, clientIp null). A parser turns text into fields; this check is where a line that parses but
 * cannot be true (a start derived from `$request_time` 9000000000000.0, an accept date `15:-6:49`, a 310-digit
 * byte count, a client `fe80::1%<ESC>]52;…`) becomes a malformed line with the field and the reason, instead of a
 * crash or a lie later. Every format in the registry is wrapped by `checked()`, so detection, the run and the
 * evidence reader all see the same verdict.
 */
import type { Diagnostic, LogRecord } from '../../core/types';
import { clientAddress, isHostName } from '../../core/address';
import { excerpt } from '../../core/text';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { withClient } from './record';

const DAY_MS = 86_400_000;
/** Earliest request start accepted: 1990-01-01T00:00:00Z (no load balancer logged before). */
export const EARLIEST_MS = Date.UTC(1990, 0, 1);
/** Latest request start accepted: a year after this process started (clocks run ahead; logs do not come from later). */
export const LATEST_MS = Date.now() + 365 * DAY_MS;
/** Longest duration accepted: a year, in ms (a WebSocket or a tunnel held open for days is fine; 9e15 ms is not). */
export const MAX_DURATION_MS = 365 * DAY_MS;

function bad(line: string, ctx: ParseContext, field: string, message: string): ParseResult {
  const diagnostic: Diagnostic = {
    code: 'PARSE_BAD_FIELD', severity: 'error', source: ctx.source, field, message,
    ...(ctx.detecting === true ? {} : { excerpt: excerpt(line) }),
  };
  return { kind: 'error', diagnostic };
}

/** A number field: null, or finite and within [0, max]. */
function inRange(v: number | null, max: number): boolean {
  return v === null || (v >= 0 && v <= max);
}

function date(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The verdict on one parsed record: the record (its client without a zone id), or a malformed line saying why. */
export function checkRecord(r: LogRecord, line: string, ctx: ParseContext): LogRecord | ParseResult {
  // Durations first: a start derived by subtracting an absurd duration is the duration's fault.
  if (!inRange(r.durationMs, MAX_DURATION_MS)) return bad(line, ctx, 'duration_ms', `duration ${String(r.durationMs)} ms is not a duration of at most a year`);
  if (!inRange(r.backendMs, MAX_DURATION_MS)) return bad(line, ctx, 'backend_ms', `target time ${String(r.backendMs)} ms is not a duration of at most a year`);
  const t = r.startMs;
  if (!(t >= EARLIEST_MS && t <= LATEST_MS)) {
    const shown = Number.isFinite(t) && Math.abs(t) < 8.64e15 ? new Date(t).toISOString() : 'not a valid time';
    return bad(line, ctx, 'time', `request start (${shown}) is outside ${date(EARLIEST_MS)}..${date(LATEST_MS)} (1990 to a year from now)`);
  }
  if (!inRange(r.status, 999) || !inRange(r.backendStatus, 999)) return bad(line, ctx, 'status', `status ${String(r.status ?? r.backendStatus)} is not an HTTP status code`);
  if (!inRange(r.bytesIn, Number.MAX_SAFE_INTEGER)) return bad(line, ctx, 'bytes_in', 'received byte count is not a whole number of bytes below 2^53');
  if (!inRange(r.bytesOut, Number.MAX_SAFE_INTEGER)) return bad(line, ctx, 'bytes_out', 'sent byte count is not a whole number of bytes below 2^53');
  if (!inRange(r.clientPort, 65_535)) return bad(line, ctx, 'client_port', `client port ${String(r.clientPort)} is not a port number`);
  const client = r.clientIp;
  if (client === null) return r;
  const ip = clientAddress(client);
  if (ip === client) return r;
  if (ip !== null) return withClient(r, ip, r.clientHost);
  // nginx logs `unix:` for a client on a Unix socket: a local client with no address.
  if (client === 'unix:') return withClient(r, null, r.clientHost);
  if (isHostName(client)) return withClient(r, null, client);
  return bad(line, ctx, 'client_ip', `client "${excerpt(client, 60)}" is not an IPv4 or IPv6 address or a host name`);
}

/** `format` with every record it parses put through checkRecord. */
export function checked(format: FormatParser): FormatParser {
  const parse = (line: string, ctx: ParseContext): ParseResult => {
    const r = format.parse(line, ctx);
    // Detection asks which format's shape a line has: an impossible value inside that shape does not make the line
    // another format's (one hostile nginx line must not turn a whole file into CLF and lose its timings).
    if (r.kind !== 'record' || ctx.detecting === true) return r;
    const v = checkRecord(r.record, line, ctx);
    if (v === r.record) return r;
    if ('kind' in v) return v;
    return r.warnings ? { kind: 'record', record: v, warnings: r.warnings } : { kind: 'record', record: v };
  };
  const forInput = format.forInput?.bind(format);
  // The parser an input's header declares is checked like this one.
  return forInput ? { ...format, parse, forInput: (sample) => checked(forInput(sample)) } : { ...format, parse };
}
