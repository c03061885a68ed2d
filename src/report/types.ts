/** The JSON report document (`lbua.report/1`): what every reporter renders. Keys are snake_case, times ISO. */

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

/** The whole report. Sections added by later stages are optional so older reports still render. */
export interface Report {
  readonly schema: 'lbua.report/1';
  readonly tool: { readonly name: 'lbua'; readonly version: string };
  readonly options: Readonly<Record<string, string | number | boolean | null>>;
  readonly inputs: readonly ReportInput[];
  readonly summary: ReportSummary;
  readonly top: Readonly<Record<string, readonly ReportTopRow[]>>;
  readonly warnings: readonly ReportWarning[];
  readonly warnings_total: number;
  readonly findings: readonly ReportFinding[];
  readonly [section: string]: unknown;
}
