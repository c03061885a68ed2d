/**
 * `lbua analyze` as a function: inputs + options → the report document. The CLI renders it; tests call it directly.
 */
import type { Diagnostic } from './core/types';
import { isoTime } from './core/units';
import { DiagnosticLog } from './diagnostics';
import type { InputSpec } from './input/expand';
import { runInputs, type InputSummary, type PipelineOptions } from './pipeline';
import { TrafficProfile, type LatencyStats, type TopRow } from './profile/traffic';
import type { Report, ReportInput, ReportLatency, ReportTopRow } from './report/types';
import { VERSION } from './version';
import { createEnricher } from './enrich/index';
import type { EnrichedRecord } from './enrich/types';
import type { GeoLookup } from './enrich/geo/index';
import { createStitcher } from './sessions/stitcher';
import type { Session } from './sessions/types';

/** The stages of `lbua analyze`, in report order. Sessions, profiles, geo views and detectors register here. */
export const STAGES: readonly StageFactory[] = [];

/** Options of an analysis run (normalized by cli/options.ts). */
export interface AnalyzeOptions extends PipelineOptions {
  readonly top: number;
  /** Line-level diagnostics kept in the report. */
  readonly maxWarnings: number;
  /** User route patterns (--route). */
  readonly routes?: readonly string[];
  /** Opened geo data, or null. */
  readonly geo?: GeoLookup | null;
  /** Session inactivity timeout (default 30 min) and key. */
  readonly sessionTimeoutMs?: number;
  readonly sessionKey?: 'ip' | 'ip+ua';
}

/**
 * A stage after enrichment (sessions, profiles, detectors, geo views). Each sees every enriched record in input
 * order and contributes named sections to the report when the run ends. Stages hold their state in closures.
 */
export interface AnalysisStage {
  readonly id: string;
  observe(r: EnrichedRecord): void;
  /** Receives every session when it closes (sessions are stitched once, in analysis.ts). */
  observeSession?(s: Session): void;
  /** Report sections, keyed by section name (added after the built-in ones, in stage order). */
  finish(): Readonly<Record<string, unknown>>;
}

/** Builds the run's stages (registered by later work; order matters for report key order). */
export type StageFactory = (options: AnalyzeOptions) => AnalysisStage;

/** The report plus run facts the CLI needs for its exit code. */
export interface AnalysisOutcome {
  readonly report: Report;
  /** Any malformed line or damaged input (for --strict). */
  readonly hadInputErrors: boolean;
}

/** Runs the pipeline and builds the report. `onDiagnostic` sees each kept diagnostic as it happens. */
export async function analyze(
  inputs: readonly InputSpec[],
  options: AnalyzeOptions,
  onDiagnostic?: (d: Diagnostic) => void,
  stageFactories: readonly StageFactory[] = STAGES,
  onProgress?: (current: InputSummary) => void,
): Promise<AnalysisOutcome> {
  const diags = new DiagnosticLog(options.maxWarnings, onDiagnostic);
  const traffic = new TrafficProfile();
  const stages = stageFactories.map((f) => f(options));
  const enrich = stages.length > 0 ? createEnricher({ routes: { patterns: options.routes ?? [] }, geo: options.geo ?? null }) : null;
  const sessionStages = stages.filter((s) => s.observeSession !== undefined);
  const stitcher = sessionStages.length > 0 ? createStitcher({ timeoutMs: options.sessionTimeoutMs ?? 30 * 60_000, key: options.sessionKey ?? 'ip+ua' }) : null;
  const closeSessions = (closed: readonly Session[]): void => {
    for (const sess of closed) for (const s of sessionStages) s.observeSession?.(sess);
  };
  const summaries = await runInputs(inputs, options, {
    record: (r) => {
      traffic.observe(r);
      if (enrich === null) return;
      const e = enrich(r);
      for (const s of stages) s.observe(e);
      if (stitcher !== null) closeSessions(stitcher.push(e));
    },
    diagnostic: (d) => diags.add(d),
    ...(onProgress ? { afterBatch: (p: InputSummary) => onProgress(p) } : {}),
  });
  if (stitcher !== null) closeSessions(stitcher.flush());
  const sections: Record<string, unknown> = {};
  for (const s of stages) Object.assign(sections, s.finish());
  const { summary, top } = traffic.result(options.top);
  const report: Report = {
    schema: 'lbua.report/1',
    tool: { name: 'lbua', version: VERSION },
    options: {
      format: options.format,
      from: options.from === null ? null : isoTime(options.from),
      to: options.to === null ? null : isoTime(options.to),
      top: options.top,
      strict: options.strict,
    },
    inputs: summaries.map(inputJson),
    summary: {
      requests: summary.requests,
      unique_clients: summary.unique_clients,
      time_range: summary.time_range ? { start: isoTime(summary.time_range.start), end: isoTime(summary.time_range.end) } : null,
      requests_per_minute: {
        peak: summary.requests_per_minute.peak,
        peak_minute: summary.requests_per_minute.peak_minute === null ? null : isoTime(summary.requests_per_minute.peak_minute),
        median: summary.requests_per_minute.median,
        mean: summary.requests_per_minute.mean,
      },
      status_classes: summary.status_classes,
      top_status: summary.top_status,
      bytes: summary.bytes,
      latency_ms: { total: latencyJson(summary.latency.total), backend: latencyJson(summary.latency.backend) },
    },
    top: {
      clients: top.clients.map(rowJson),
      paths: top.paths.map(rowJson),
      hosts: top.hosts.map(rowJson),
      user_agents: top.user_agents.map(rowJson),
      backends: top.backends.map(rowJson),
      error_paths: top.error_paths.map(rowJson),
    },
    ...sections,
    warnings: diags.warnings(),
    warnings_total: diags.total,
    findings: Array.isArray(sections['findings']) ? (sections['findings'] as Report['findings']) : [],
  };
  const hadInputErrors = summaries.some((s) => s.malformed > 0 || s.damaged !== null);
  return { report, hadInputErrors };
}

function inputJson(s: InputSummary): ReportInput {
  return {
    path: s.path, format: s.format, gzip: s.gzip, lines: s.lines, records: s.records, filtered: s.filtered,
    skipped: s.skipped, malformed: s.malformed, damaged: s.damaged,
    first_time: s.firstMs === null ? null : isoTime(s.firstMs), last_time: s.lastMs === null ? null : isoTime(s.lastMs),
  };
}

function latencyJson(l: LatencyStats): ReportLatency {
  return { count: l.count, p50: l.p50, p95: l.p95, p99: l.p99, max: l.max };
}

function rowJson(r: TopRow): ReportTopRow {
  return { key: r.key, requests: r.requests, share: r.share };
}
