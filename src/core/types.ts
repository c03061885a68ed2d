/**
 * Core types shared by every stage of the pipeline. Imports nothing from src/.
 */

/** Milliseconds since the Unix epoch, UTC. */
export type EpochMs = number;
/** A duration in milliseconds; may be fractional (ALB logs microseconds). */
export type DurationMs = number;

/** Where something came from. `line` is 1-based; `file` is as given on the CLI, or "<stdin>". */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

/**
 * One access-log line, normalized. Every parser produces exactly this shape.
 * Units: times are epoch ms UTC, durations are ms, sizes are bytes.
 * "Not logged" and "-"/-1 sentinels are `null`, never 0.
 * The JSON form (snake_case, ISO time) is produced by `recordToJson` in core/record-json.ts.
 */
export interface LogRecord {
  /** Request start (ALB request_creation_time, nginx time_local minus request_time, ...). */
  readonly startMs: EpochMs;
  /** FormatParser.id */
  readonly format: string;
  readonly clientIp: string | null;
  readonly clientPort: number | null;
  /**
   * The client's host name, when the log has a name where the address goes (Apache `%h` with HostnameLookups on,
   * `localhost`); clientIp is then null. A client field that is neither an address nor a host name is a malformed
   * line (formats/shared/check.ts).
   */
  readonly clientHost: string | null;
  readonly method: string | null;
  readonly scheme: string | null;
  readonly host: string | null;
  /** Path without the query string, not decoded. */
  readonly path: string | null;
  readonly query: string | null;
  readonly protocol: string | null;
  /** Status returned by the load balancer. */
  readonly status: number | null;
  /** Status returned by the target/upstream. */
  readonly backendStatus: number | null;
  /** Target/server address or name. */
  readonly backend: string | null;
  /** Total time the load balancer spent on the request. */
  readonly durationMs: DurationMs | null;
  /** Time waiting on the target. */
  readonly backendMs: DurationMs | null;
  readonly bytesIn: number | null;
  readonly bytesOut: number | null;
  readonly userAgent: string | null;
  readonly referer: string | null;
  readonly tlsProtocol: string | null;
  readonly tlsCipher: string | null;
  readonly traceId: string | null;
  readonly errorReason: string | null;
  /** Load balancer / frontend name. */
  readonly lb: string | null;
  /**
   * The forwarded chain the line carries, as logged (X-Forwarded-For "client, proxy1", CF-Connecting-IP, ...): what
   * --trust-proxy reads the client from. Null when the layout logs none. Optional only for records built by hand.
   */
  readonly forwardedFor?: string | null;
  /** The logged peer address when --trust-proxy replaced the client by a forwarded one; else null. */
  readonly peerIp?: string | null;
  /** The CDN edge / point of presence that served the request (CloudFront x-edge-location, Cloudflare EdgeColoCode). */
  readonly edgeLocation?: string | null;
  /** The cache's verdict as the format writes it (CloudFront x-edge-result-type, Cloudflare CacheCacheStatus, nginx $upstream_cache_status). */
  readonly cacheStatus?: string | null;
  /** The client's TLS fingerprint as logged (Cloudflare JA4, else JA3Hash). */
  readonly tlsFingerprint?: string | null;
  readonly source: SourceRef;
}

/** Machine-readable identity of a diagnostic. */
export type DiagnosticCode =
  | 'INPUT_UNREADABLE'
  | 'INPUT_DAMAGED'
  | 'INPUT_TRAILING_DATA'
  | 'INPUT_LINK_LOOP'
  | 'INPUT_SKIPPED'
  | 'INPUT_CR_LINE_ENDINGS'
  | 'LINE_TOO_LONG'
  | 'PARSE_NO_MATCH'
  | 'PARSE_BAD_FIELD'
  | 'PARSE_TRAILING_FIELDS'
  /** A record dated far after the records around it (input/stray.ts): not analyzed. */
  | 'TIME_STRAY'
  | 'DETECT_NO_FORMAT'
  | 'INPUT_NOT_A_LOG'
  | 'INPUT_NO_RECORDS'
  | 'INPUT_BEHIND_PROXY'
  | 'INPUT_MIXED_FORMATS'
  | 'FORMAT_MISMATCH'
  | 'LB_EVENT'
  | 'OPTION_INVALID'
  | 'OUTPUT_UNWRITABLE'
  | 'REPORT_INVALID'
  /** A structure keyed by input values reached its cap (core/limits.ts): what it evicted and what that means. */
  | 'CAP_REACHED';

/** A problem with the input or the invocation. Errors are data; LbuaError is the thrown form. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  /** info: a note on what the run did (e.g. files skipped by name), not a problem with the input. */
  readonly severity: 'error' | 'warning' | 'info';
  /** One line, lowercase start, no trailing period. */
  readonly message: string;
  readonly source: SourceRef | null;
  readonly field?: string;
  /** Offending line, at most 120 characters, control characters stripped. */
  readonly excerpt?: string;
  readonly hint?: string;
}

/** The only error class lbua throws on purpose; the CLI prints it as one line and exits 2. */
export class LbuaError extends Error {
  override readonly name = 'LbuaError';
  constructor(
    readonly diagnostic: Diagnostic,
    options?: { cause?: unknown },
  ) {
    super(formatDiagnostic(diagnostic), options);
  }
}

/** "access.log.gz:812: error PARSE_BAD_FIELD: field `sent_bytes` is not an integer" */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.source ? `${d.source.file}:${d.source.line}: ` : '';
  return `${where}${d.severity} ${d.code}: ${d.message}`;
}

/** Shorthand for throwing a usage/input error. */
export function fail(code: DiagnosticCode, message: string, hint?: string): never {
  throw new LbuaError({ code, severity: 'error', message, source: null, ...(hint ? { hint } : {}) });
}
