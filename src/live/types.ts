/**
 * `lbua watch`: the events it emits (NDJSON on stdout, one per line, schema `lbua.live/1`; the same JSON goes to
 * `--exec`'s stdin) and the status the live terminal view draws each second. The engine (live/engine.ts) makes
 * both; outputs (live/exec.ts, live/rules-file.ts, live/view.ts) only read them.
 */
import type { ReportFinding } from '../core/report-types';

/** Event schema id. */
export const LIVE_SCHEMA = 'lbua.live/1';

/** Fields every event has. */
interface EventBase {
  readonly schema: typeof LIVE_SCHEMA;
  /** Wall-clock time the event was made (ISO, UTC, ms). */
  readonly at: string;
  /** Log time the analysis has reached: the newest record time whose minute has been judged (ISO; null before any). */
  readonly watermark: string | null;
}

/**
 * A finding seen for the first time (`finding`), grown or changed since it was last emitted (`update`: same id,
 * `"update": true`), or ended (`closed`: its final numbers). `id` is the incident's: the id its first judgment gave
 * it, which hashes the detector, subject and start, so it does not change while the incident grows. `finding` is the
 * finding as judged at the event, and `finding.id` the id the batch `lbua analyze` gives it on the log read so far:
 * the same as `id` unless the judged start moved (a surge whose start shifts as later minutes come in).
 */
export type FindingEvent =
  | (EventBase & { readonly event: 'finding'; readonly id: string; readonly finding: ReportFinding; readonly delay_seconds: number | null })
  /** `reopened`: the incident had been closed and grew again (a pause longer than the close delay). */
  | (EventBase & { readonly event: 'update'; readonly update: true; readonly reopened?: true; readonly id: string; readonly finding: ReportFinding })
  | (EventBase & { readonly event: 'closed'; readonly id: string; readonly finding: ReportFinding; readonly reason: 'ended' | 'stopped' });

/** Once per `--heartbeat` seconds (default 10): throughput, lag and the state held. */
export interface HeartbeatEvent extends EventBase {
  readonly event: 'heartbeat';
  /** Lines read since the previous heartbeat, per wall-clock second. */
  readonly lines_per_second: number;
  /** Totals since the start. */
  readonly lines: number;
  readonly records: number;
  readonly malformed: number;
  /**
   * Wall-clock now minus the watermark, in seconds (how far behind the log the analysis is; null before any
   * record). While reading history or a backlog it is large: the analysis lags and says so; nothing is dropped.
   */
  readonly lag_seconds: number | null;
  /** Lines read but not yet judged (records in minutes still open, and batches waiting). */
  readonly backlog_lines: number;
  readonly open_incidents: number;
  /** Bytes of analysis state held (the windowed segments as JSON), and the process's heap. */
  readonly state_bytes: number;
  readonly heap_bytes: number;
  /** Minutes of log time held (the judging window). */
  readonly window_minutes: number;
}

/** A warning the run wants people to see (a followed file deleted, unreadable, rotated): also on stderr. */
export interface NoticeEvent extends EventBase {
  readonly event: 'notice';
  readonly code: string;
  readonly message: string;
}

export type LiveEvent = FindingEvent | HeartbeatEvent | NoticeEvent;

/** One row of a live top-talkers table. */
export interface LiveTalker {
  readonly key: string;
  readonly requests: number;
  readonly errors: number;
}

/** What the live terminal view draws (recomputed each judged minute; rates over the last minute judged). */
export interface LiveStatus {
  /** Inputs being followed, as given. */
  readonly inputs: readonly string[];
  readonly watermark: string | null;
  readonly lag_seconds: number | null;
  readonly lines_per_second: number;
  /** Requests per minute in the last judged minute, and the rolling series (oldest first, up to 60) for a sparkline. */
  readonly requests_per_minute: number;
  readonly rpm_series: readonly number[];
  /** Share of 5xx (and 4xx) in the last judged minute, 0..1. */
  readonly error_rate_5xx: number;
  readonly error_rate_4xx: number;
  /** Latency p95 over the last judged minute (ms; null when the format logs none). */
  readonly p95_ms: number | null;
  /** Top clients and endpoints over the window. */
  readonly top_clients: readonly LiveTalker[];
  readonly top_endpoints: readonly LiveTalker[];
  /** Open incidents, most severe first. */
  readonly open: readonly ReportFinding[];
  /** Closed in the window, newest first (up to 10). */
  readonly recently_closed: readonly ReportFinding[];
  readonly state_bytes: number;
}
