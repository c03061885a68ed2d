/**
 * The JSON report document (`lbua.report/1`): what the analysis produces and every reporter renders. Keys are
 * snake_case, times ISO 8601 UTC. These are plain data types shared by the producers (sessions/, profile/, detect/,
 * analysis) and the reporters (report/), so they live in core: a reporter never imports a producer, nor a
 * producer a reporter. Saved reports are checked against these types by report/parse.ts.
 */

/** One input file as read. */
export interface ReportInput {
  readonly path: string;
  readonly format: string | null;
  readonly gzip: boolean;
  readonly lines: number;
  readonly records: number;
  readonly filtered: number;
  readonly skipped: number;
  readonly malformed: number;
  readonly damaged: { readonly message: string; readonly offset: number } | null;
  readonly first_time: string | null;
  readonly last_time: string | null;
  /** Lines each format took, when the input mixed formats and each line was read by its own (absent otherwise). */
  readonly formats?: Readonly<Record<string, number>>;
  /** The format that read the input's first lines as well as `format` and lost the tie (absent: no tie). */
  readonly runner_up?: string;
  /**
   * Lines that each held several records (Azure `{"records":[…]}`) and how many entries they held in all, each
   * counted as a record, filtered, skipped or malformed (absent when no line held several).
   */
  readonly packed?: { readonly lines: number; readonly entries: number };
}

/** A diagnostic as shown in reports. */
export interface ReportWarning {
  readonly file: string | null;
  readonly line: number | null;
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
  readonly excerpt?: string;
  readonly hint?: string;
}

/** Latency percentiles in ms. */
export interface ReportLatency {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Top table row. */
export interface ReportTopRow {
  readonly key: string;
  readonly requests: number;
  readonly share: number;
}

/** The traffic summary. */
export interface ReportSummary {
  readonly requests: number;
  readonly unique_clients: number;
  readonly time_range: { readonly start: string; readonly end: string } | null;
  readonly requests_per_minute: { readonly peak: number; readonly peak_minute: string | null; readonly median: number; readonly mean: number };
  readonly status_classes: Readonly<Record<string, number>>;
  readonly top_status: readonly { readonly status: number | null; readonly requests: number }[];
  /** null when no record logged that size. */
  readonly bytes: { readonly in: number | null; readonly out: number | null };
  readonly latency_ms: { readonly total: ReportLatency; readonly backend: ReportLatency };
}

/** A finding (filled by the detectors issue). */
export interface ReportFinding {
  readonly id: string;
  readonly detector: string;
  readonly severity: 'info' | 'low' | 'medium' | 'high' | 'critical';
  readonly confidence: number;
  readonly title: string;
  readonly subject: { readonly type: string; readonly value: string };
  readonly window: { readonly start: string; readonly end: string };
  readonly metrics: Readonly<Record<string, number | string | null>>;
  /** How the numbers were judged. */
  readonly explanation?: string;
  /** Log lines behind the finding; `text` is the line itself (capped, control characters removed) when it could be read again. */
  readonly evidence: readonly { readonly file: string; readonly line: number; readonly text?: string }[];
  readonly actions: readonly Readonly<Record<string, unknown>>[];
  /** Ids of findings about the same incident. */
  readonly related?: readonly string[];
}

/**
 * One incident: findings grouped by cause (detect/incidents.ts). `findings` lists finding ids, the headline first;
 * title and severity are the headline's; the window spans all parts.
 */
export interface ReportIncident {
  readonly id: string;
  readonly title: string;
  readonly severity: ReportFinding['severity'];
  readonly findings: readonly string[];
  readonly window: { readonly start: string; readonly end: string };
  /** Distinct subjects of the parts, in report order. */
  readonly subjects: readonly { readonly type: string; readonly value: string }[];
  /** Detectors of the parts, in report order. */
  readonly detectors: readonly string[];
}

/**
 * The sections after `top`, in report order. Optional: --summary-only has none, `geo` needs geo data, and older
 * saved reports may lack any of them.
 */
export interface ReportSections {
  readonly sessions?: SessionsSection;
  readonly profiles?: ProfilesSection;
  readonly timeline?: TimelineSection;
  readonly geo?: GeoSection;
  /** Before and after `--change-at` (absent without it). */
  readonly change?: ChangeSection;
}

/** The whole report: schema, run facts, summary and top tables, the later sections, warnings and findings. */
export interface Report extends ReportSections {
  readonly schema: 'lbua.report/1';
  readonly tool: { readonly name: 'lbua'; readonly version: string };
  readonly options: Readonly<Record<string, string | number | boolean | null>>;
  readonly inputs: readonly ReportInput[];
  readonly summary: ReportSummary;
  readonly top: Readonly<Record<string, readonly ReportTopRow[]>>;
  readonly warnings: readonly ReportWarning[];
  readonly warnings_total: number;
  /**
   * Whether detectors ran: false with --summary-only or --detectors none, when an empty `findings` says nothing.
   * Absent in reports before 2026-12-07 (read it as `options.detectors !== "none"`: detectorsRan()).
   */
  readonly detectors_run?: boolean;
  readonly findings: readonly ReportFinding[];
  /** Findings grouped by cause, most severe first. Absent in reports before 2026-12-07 (incidentsOf() groups them). */
  readonly incidents?: readonly ReportIncident[];
}

/** The option that kept a report's detectors from running (a --summary-only report has no sessions section). */
export function notRunBecause(report: Pick<Report, 'sessions'>): string {
  return report.sessions === undefined ? '--summary-only' : '--detectors none';
}

/** Whether a report's detectors ran (reports before 2026-12-07 lack `detectors_run`). */
export function detectorsRan(report: Pick<Report, 'detectors_run' | 'options'>): boolean {
  return report.detectors_run ?? report.options['detectors'] !== 'none';
}

/** A kept session, as shown in reports. */
export interface SessionBrief {
  readonly id: string;
  readonly client_ip: string;
  readonly user_agent: string | null;
  readonly class: string;
  readonly start: string;
  readonly end: string;
  readonly requests: number;
  readonly pages: number;
  readonly static_assets: number;
  readonly errors: number;
  readonly reasons: readonly string[];
}

/** The `sessions` report section. */
export interface SessionsSection {
  readonly count: number;
  readonly timeout_minutes: number;
  readonly key: string;
  readonly duration_s: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null; readonly max: number | null };
  readonly requests_per_session: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null; readonly max: number | null };
  readonly bounce_rate: number;
  /** Sessions of static assets only (no page, so no entry or exit endpoint; not in top_entry/top_exit); absent in reports before 2026-12. */
  readonly static_only?: number;
  readonly classes: readonly { readonly class: string; readonly sessions: number; readonly requests: number; readonly share: number }[];
  readonly top_entry: readonly { readonly endpoint: string; readonly sessions: number }[];
  readonly top_exit: readonly { readonly endpoint: string; readonly sessions: number }[];
  readonly top_transitions: readonly { readonly from: string; readonly to: string; readonly count: number }[];
  readonly top_non_human: readonly SessionBrief[];
  readonly stitching: { readonly late_records: number; readonly forced_closes: number; readonly peak_open: number };
}

/** The `profiles` report section. */
export interface ProfilesSection {
  readonly endpoints_top: readonly EndpointRow[];
  readonly endpoints_slowest: readonly EndpointRow[];
  readonly client_classes: readonly GroupRow[];
  readonly agent_families: readonly GroupRow[];
  readonly protocols: Readonly<Record<string, number>>;
  readonly tls: Readonly<Record<string, number>>;
  readonly collapsed_routes: readonly string[];
}

/** A row of the endpoint profile table. */
export interface EndpointRow {
  readonly endpoint: string;
  readonly requests: number;
  readonly share: number;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
  readonly p99_ms: number | null;
  readonly backend_p95_ms: number | null;
  readonly error_rate: number;
  readonly status: Readonly<Record<string, number>>;
  readonly bytes_out: number;
  readonly clients: number;
  readonly peak_per_5min: number;
}

/** A row of the class or family table. */
export interface GroupRow {
  readonly key: string;
  readonly requests: number;
  readonly sessions: number;
  readonly session_requests: number;
  readonly error_rate: number;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
}

/** Status classes in stacking order. */
export const TIMELINE_CLASSES = ['2xx', '3xx', '4xx', '5xx', 'other'] as const;
export type TimelineClass = (typeof TIMELINE_CLASSES)[number];

/** One bucket in the report. */
export interface TimelineBucket {
  readonly start: string;
  readonly requests: number;
  readonly status: Readonly<Record<TimelineClass, number>>;
  /** Total latency (duration_ms) percentiles in the bucket; null when no request logged one. */
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
}

/** The `timeline` report section. */
export interface TimelineSection {
  readonly bucket_seconds: number;
  readonly start: string | null;
  readonly end: string | null;
  /** Every bucket from start to end, empty ones included. */
  readonly buckets: readonly TimelineBucket[];
  /**
   * Per UTC day, when the log spans more than 24 hours (absent otherwise, and in reports before 2026-12-07); every
   * day from the first to the last, empty ones included.
   */
  readonly days?: readonly CalendarRow[];
  /**
   * Per UTC hour of day (0–23, each summed over every day of the period), when the log spans more than 24 hours and
   * the timeline is kept in buckets of an hour or less (a period up to 60 days); absent otherwise.
   */
  readonly hours_of_day?: readonly CalendarRow[];
}

/** One day (`key` "2026-03-10") or hour of day (`key` "07") of a multi-day log. */
export interface CalendarRow {
  readonly key: string;
  readonly requests: number;
  readonly errors_4xx: number;
  readonly errors_5xx: number;
  /** Total latency (duration_ms) p95 of the requests in it; null when none logged one. */
  readonly p95_ms: number | null;
}

/** Change between the first and the last third of the period. */
export interface ThirdsChange {
  readonly requests_first: number;
  readonly requests_last: number;
  readonly error_rate_first: number | null;
  readonly error_rate_last: number | null;
  readonly p50_ms_first: number | null;
  readonly p50_ms_last: number | null;
  readonly p95_ms_first: number | null;
  readonly p95_ms_last: number | null;
  /** Relative change of p95, last vs first third (0.25 = +25%). */
  readonly p95_change: number | null;
}

/** One row of the country or ASN table. */
export interface GeoRow {
  readonly key: string;
  readonly name: string | null;
  readonly network: string | null;
  readonly requests: number;
  readonly share: number;
  readonly clients: number;
  readonly sessions: number;
  readonly error_rate: number;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
  readonly backend_p50_ms: number | null;
  readonly backend_p95_ms: number | null;
  /**
   * Null for "other": ASNs past the cap join it as they first appear, so its first third holds fewer of them than
   * its last and the two do not compare.
   */
  readonly change: ThirdsChange | null;
}

/** The `geo` report section. */
export interface GeoSection {
  readonly data: readonly string[];
  readonly located_requests: number;
  readonly special_requests: number;
  readonly countries: readonly GeoRow[];
  readonly asns: readonly GeoRow[];
  /** Entities whose p95 rose most between the first and last third (at least 100 requests in each). */
  readonly latency_risers: readonly GeoRow[];
}

/** One side's totals in the `change` section. Rates are null with nothing to divide by. */
export interface ChangeFigures {
  readonly requests: number;
  /** 4xx + 5xx share, as the endpoint profile counts errors; `server_error_rate` is 5xx alone. */
  readonly error_rate: number | null;
  readonly server_error_rate: number | null;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
  readonly sessions: number;
  readonly bounce_rate: number | null;
  /** Sessions going back and forth between two endpoints (A→B and B→A three times each or more). */
  readonly loop_rate: number | null;
}

/** One endpoint on one side of the change. */
export interface ChangeEndpointFigures {
  readonly requests: number;
  readonly errors: number;
  readonly server_errors: number;
  readonly error_rate: number | null;
  readonly server_error_rate: number | null;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
}

/** A transition between two endpoints: its count and its probability (count / transitions out of `from`). */
export interface ChangeTransitionFigures {
  readonly count: number;
  readonly probability: number | null;
}

/** A key's count (or share) before and after. */
export interface ChangeMixRow {
  readonly key: string;
  readonly before: number;
  readonly after: number;
}

/** The `change` report section (`lbua analyze --change-at T`): the window before T against the window after it. */
export interface ChangeSection {
  readonly at: string;
  readonly window_minutes: number;
  readonly before: { readonly start: string; readonly end: string };
  readonly after: { readonly start: string; readonly end: string };
  /** How sessions were assigned (by their start: one spanning the change counts as before). */
  readonly sessions_by: string;
  readonly totals: { readonly before: ChangeFigures; readonly after: ChangeFigures };
  /** The busiest endpoints of the two windows (by requests before + after). */
  readonly endpoints: readonly { readonly endpoint: string; readonly before: ChangeEndpointFigures; readonly after: ChangeEndpointFigures }[];
  /** The busiest transitions of the two windows. */
  readonly transitions: readonly { readonly from: string; readonly to: string; readonly before: ChangeTransitionFigures; readonly after: ChangeTransitionFigures }[];
  /** Sessions entering and leaving by each endpoint. */
  readonly entries: readonly ChangeMixRow[];
  readonly exits: readonly ChangeMixRow[];
  /** Shares (0..1) of sessions by client class, and of requests by agent family, agent class, protocol and TLS version. */
  readonly client_classes: readonly ChangeMixRow[];
  readonly agent_families: readonly ChangeMixRow[];
  readonly agent_classes: readonly ChangeMixRow[];
  readonly protocols: readonly ChangeMixRow[];
  readonly tls: readonly ChangeMixRow[];
}
