/**
 * `lbua analyze` as a function: inputs + options → the report document. The CLI renders it; tests call it directly.
 * Order of work per record: traffic summary → enrich → behaviour profile → extra stages → session stitcher; closed
 * sessions go to the session summary, the profile and every stage that wants sessions.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Diagnostic } from './core/types';
import { isoTime } from './core/units';
import { DiagnosticLog } from './diagnostics';
import type { InputSpec } from './input/expand';
import { orderInputsByTime, runInputs, type InputSummary, type PipelineOptions } from './pipeline';
import { runSummaryParallel } from './pipeline-parallel';
import { TrafficProfile, type LatencyStats, type TopRow } from './profile/traffic';
import { BehaviourProfile, type EndpointRow, type GroupRow } from './profile/behaviour';
import { GeoView } from './profile/geo-view';
import { Timeline } from './profile/timeline';
import type { Report, ReportFinding, ReportInput, ReportLatency, ReportTopRow } from './report/types';
import { attachEvidenceText } from './report/evidence';
import { VERSION } from './version';
import { createEnricher } from './enrich/index';
import type { EnrichedRecord } from './enrich/types';
import type { GeoLookup } from './enrich/geo/index';
import { createStitcher } from './sessions/stitcher';
import { SessionSummary, type SessionsSection } from './sessions/summary';
import type { Session } from './sessions/types';
import { createDetectorStage, selectedDetectors, type DetectorSelection } from './detect/stage';

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
  /** Turn off enrichment, sessions and profiles (foundation-only summary; used for benchmarks). */
  readonly summaryOnly?: boolean;
  /**
   * Worker threads for the summary-only run: a number (1 = none), or 'auto' (absent): up to 4 on a multi-core
   * machine when the inputs are files of 8 MB or more together.
   */
  readonly jobs?: number | 'auto';
  /** Detectors to run (null/absent = none). */
  readonly detectors?: DetectorSelection | null;
  /** Read evidence lines again after the run and put their text in the findings (not possible for stdin). */
  readonly evidenceText?: boolean;
}

/**
 * A stage after enrichment (geo views, detectors, timeline). Each sees every enriched record in input order and
 * contributes named sections to the report when the run ends. Stages hold their state in closures.
 */
export interface AnalysisStage {
  readonly id: string;
  observe(r: EnrichedRecord): void;
  /** Receives every session when it closes (sessions are stitched once, here). */
  observeSession?(s: Session): void;
  /** Report sections, keyed by section name (added after the built-in ones, in stage order). */
  finish(): Readonly<Record<string, unknown>>;
}

/** Builds the run's stages (order matters for report key order). */
export type StageFactory = (options: AnalyzeOptions) => AnalysisStage;

/** The extra stages of `lbua analyze`, in report order (geo views, detectors and the timeline register here). */
export const STAGES: readonly StageFactory[] = [timelineStage, geoStage];

/** Requests per bucket by status class with latency p50/p95 (the HTML report's timeline). */
function timelineStage(): AnalysisStage {
  const timeline = new Timeline();
  return {
    id: 'timeline',
    observe: (r) => timeline.observe(r),
    finish: () => ({ timeline: timeline.result() }),
  };
}

/** Country and ASN views (only when geo data is loaded). */
function geoStage(options: AnalyzeOptions): AnalysisStage {
  const geo = options.geo ?? null;
  const view = geo ? new GeoView(geo.info()) : null;
  return {
    id: 'geo',
    observe: (r) => view?.observe(r),
    observeSession: (s) => view?.observeSession(s),
    finish: () => (view ? { geo: view.result(options.top) } : {}),
  };
}

/** The report plus run facts the CLI needs for its exit code. */
export interface AnalysisOutcome {
  readonly report: Report;
  /** Any malformed line or damaged input (for --strict). */
  readonly hadInputErrors: boolean;
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

/** Runs the pipeline and builds the report. `onDiagnostic` sees each kept diagnostic as it happens. */
export async function analyze(
  inputs: readonly InputSpec[],
  options: AnalyzeOptions,
  onDiagnostic?: (d: Diagnostic) => void,
  stageFactories: readonly StageFactory[] = STAGES,
  onProgress?: (current: InputSummary) => void,
): Promise<AnalysisOutcome> {
  const diags = new DiagnosticLog(options.maxWarnings, onDiagnostic);
  const full = options.summaryOnly !== true;
  const jobs = full ? 1 : summaryJobs(inputs, options.jobs ?? 'auto');
  if (jobs > 1) {
    const run = await runSummaryParallel(inputs, options, jobs, diags, onProgress);
    return buildReport(inputs, inputs, run.summaries, run.traffic, diags, options, { full: false, detectors: null, built: {} });
  }
  const traffic = new TrafficProfile();
  const stages = full ? stageFactories.map((f) => f(options)) : [];
  const enrich = full ? createEnricher({ routes: { patterns: options.routes ?? [] }, geo: options.geo ?? null }) : null;
  const behaviour = new BehaviourProfile();
  const summary = new SessionSummary();
  const timeoutMs = options.sessionTimeoutMs ?? 30 * 60_000;
  const sessionKey = options.sessionKey ?? 'ip+ua';
  const stitcher = full ? createStitcher({ timeoutMs, key: sessionKey }) : null;
  const sessionStages = stages.filter((s) => s.observeSession !== undefined);
  const detectors = full && options.detectors ? createDetectorStage(options.detectors, (options.geo ?? null) !== null) : null;
  const closeSessions = (closed: readonly Session[]): void => {
    for (const sess of closed) {
      summary.observe(sess);
      behaviour.observeSession(sess);
      for (const s of sessionStages) s.observeSession?.(sess);
      detectors?.observeSession(sess);
    }
  };
  const ordered = full ? await orderInputsByTime(inputs, options) : inputs;
  const summaries = await runInputs(ordered, options, {
    record: (r) => {
      traffic.observe(r);
      if (enrich === null || stitcher === null) return;
      const e = enrich(r);
      behaviour.observe(e);
      for (const s of stages) s.observe(e);
      detectors?.observe(e);
      const closed = stitcher.push(e);
      if (closed.length > 0) closeSessions(closed);
    },
    diagnostic: (d) => diags.add(d),
    ...(onProgress ? { afterBatch: (p: InputSummary) => onProgress(p) } : {}),
  });
  if (stitcher !== null) closeSessions(stitcher.flush());
  const sections: Record<string, unknown> = {};
  for (const s of stages) Object.assign(sections, s.finish());
  const builtIn: Record<string, unknown> = {};
  if (full && stitcher !== null && enrich !== null) {
    const sessionsSection: SessionsSection = summary.result(options.top, {
      timeoutMs, key: sessionKey, late: stitcher.stats.late, forced: stitcher.stats.forced, peakOpen: stitcher.stats.peakOpen,
    });
    builtIn['sessions'] = sessionsSection;
    builtIn['profiles'] = profilesSection(behaviour, options.top, enrich.routes.collapsed());
  }
  Object.assign(builtIn, sections);
  return buildReport(inputs, ordered, summaries, traffic, diags, options, { full, detectors, built: builtIn });
}

/** What the full run adds to the report. */
interface RunParts {
  readonly full: boolean;
  readonly detectors: ReturnType<typeof createDetectorStage> | null;
  /** Sections after `top` (sessions, profiles, then each stage's), in report order. */
  readonly built: Record<string, unknown>;
}

/** The report document from a run's results. `ordered` is the order the inputs were read in. */
async function buildReport(
  inputs: readonly InputSpec[],
  ordered: readonly InputSpec[],
  summaries: readonly InputSummary[],
  traffic: TrafficProfile,
  diags: DiagnosticLog,
  options: AnalyzeOptions,
  parts: RunParts,
): Promise<AnalysisOutcome> {
  const { full, detectors, built } = parts;
  const timeoutMs = options.sessionTimeoutMs ?? 30 * 60_000;
  const sessionKey = options.sessionKey ?? 'ip+ua';
  // Report inputs in the order they were given (they were read in time order).
  const given = new Map(inputs.map((input, i) => [input, i]));
  const readOrder = ordered.map((input) => given.get(input) ?? 0);
  const byGiven: InputSummary[] = [];
  summaries.forEach((s, i) => (byGiven[readOrder[i] ?? i] = s));
  const withEvidence = async (findings: ReportFinding[]): Promise<ReportFinding[]> =>
    options.evidenceText === true && findings.length > 0 ? attachEvidenceText(findings, inputs, options.maxLineLength) : findings;
  const { summary: traf, top } = traffic.result(options.top);
  const report: Report = {
    schema: 'lbua.report/1',
    tool: { name: 'lbua', version: VERSION },
    options: {
      format: options.format,
      from: options.from === null ? null : isoTime(options.from),
      to: options.to === null ? null : isoTime(options.to),
      top: options.top,
      strict: options.strict,
      session_timeout_minutes: timeoutMs / 60_000,
      session_key: sessionKey,
      detectors: !full || !options.detectors ? 'none' : selectedDetectors(options.detectors).join(','),
      detector_opts: options.detectors ? Object.entries(options.detectors.overrides).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(',') || null : null,
      geo: full && options.geo ? options.geo.info().map((d) => d.split(':')[0]).join('; ') : 'none',
      routes: options.routes && options.routes.length > 0 ? options.routes.join(' ') : null,
    },
    inputs: byGiven.map(inputJson),
    summary: {
      requests: traf.requests,
      unique_clients: traf.unique_clients,
      time_range: traf.time_range ? { start: isoTime(traf.time_range.start), end: isoTime(traf.time_range.end) } : null,
      requests_per_minute: {
        peak: traf.requests_per_minute.peak,
        peak_minute: traf.requests_per_minute.peak_minute === null ? null : isoTime(traf.requests_per_minute.peak_minute),
        median: traf.requests_per_minute.median,
        mean: traf.requests_per_minute.mean,
      },
      status_classes: traf.status_classes,
      top_status: traf.top_status,
      bytes: traf.bytes,
      latency_ms: { total: latencyJson(traf.latency.total), backend: latencyJson(traf.latency.backend) },
    },
    top: {
      clients: top.clients.map(rowJson),
      paths: top.paths.map(rowJson),
      hosts: top.hosts.map(rowJson),
      user_agents: top.user_agents.map(rowJson),
      backends: top.backends.map(rowJson),
      error_paths: top.error_paths.map(rowJson),
    },
    ...built,
    warnings: diags.warnings(),
    warnings_total: diags.total,
    findings: detectors ? await withEvidence(detectors.finish()) : [],
  };
  const hadInputErrors = summaries.some((s) => s.malformed > 0 || s.damaged !== null);
  return { report, hadInputErrors };
}


function profilesSection(p: BehaviourProfile, topN: number, collapsed: readonly string[]): ProfilesSection {
  const rows = p.endpointRows();
  const byRequests = [...rows].sort((a, b) => b.requests - a.requests || (a.endpoint < b.endpoint ? -1 : 1));
  const minRequests = Math.max(20, Math.ceil(p.requests * 0.001));
  const slowest = rows
    .filter((r) => r.requests >= minRequests && r.p95_ms !== null)
    .sort((a, b) => (b.p95_ms ?? 0) - (a.p95_ms ?? 0) || (a.endpoint < b.endpoint ? -1 : 1));
  const groups = (which: 'classes' | 'families'): GroupRow[] =>
    p.groupRows(which).sort((a, b) => b.requests + b.session_requests - (a.requests + a.session_requests) || (a.key < b.key ? -1 : 1));
  const shares = (series: Map<number, Map<string, number>>): Record<string, number> => {
    const totals = new Map<string, number>();
    let all = 0;
    for (const counts of series.values()) for (const [k, n] of counts) {
      totals.set(k, (totals.get(k) ?? 0) + n);
      all += n;
    }
    return Object.fromEntries([...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k, n]) => [k, all ? Math.round((n / all) * 10_000) / 10_000 : 0]));
  };
  return {
    endpoints_top: byRequests.slice(0, topN),
    endpoints_slowest: slowest.slice(0, topN),
    client_classes: groups('classes'),
    agent_families: groups('families').slice(0, topN),
    protocols: shares(p.protocols),
    tls: shares(p.tls),
    collapsed_routes: collapsed,
  };
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

/** Worker threads for a summary-only run (1 = run on the main thread). */
function summaryJobs(inputs: readonly InputSpec[], jobs: number | 'auto'): number {
  if (jobs !== 'auto') return Math.max(1, Math.floor(jobs));
  const cores = availableParallelism();
  if (cores < 2) return 1;
  let bytes = 0;
  for (const input of inputs) {
    // stdin's size is unknown: it keeps the single-thread path unless --jobs asks otherwise.
    if (input.stdin) return 1;
    try {
      bytes += statSync(input.path).size;
    } catch {
      // Unreadable: the read reports it.
    }
  }
  return bytes >= 8 * 1024 * 1024 ? Math.min(cores, 4) : 1;
}
