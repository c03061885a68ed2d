/**
 * `lbua analyze` as a function: inputs + options → the report document. The CLI renders it; tests call it directly.
 * Order of work per record: traffic summary → enrich → behaviour profile → extra stages → session stitcher; closed
 * sessions go to the session summary, the profile and every stage that wants sessions.
 */
import { statSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import type { Diagnostic } from './core/types';
import { isoTime } from './core/units';
import { capDiagnostic, DiagnosticLog } from './diagnostics';
import type { InputSpec } from './input/expand';
import { selectByFileName } from './input/window';
import { inputsMayOverlap, orderInputsByTime, runInputs, type DetectedFormats, type InputSummary } from './pipeline';
import { runParallel, type ParallelPlan } from './pipeline-parallel';
import { TrafficProfile, type LatencyStats, type TopRow } from './profile/traffic';
import type { Report, ReportFinding, ReportInput, ReportLatency, ReportSections, ReportTopRow } from './core/report-types';
import { attachEvidenceText } from './report/evidence';
import { VERSION } from './version';
import { detectorParts, mergeRaw, selectedDetectors } from './detect/stage';
import { createCore, STAGES, type AnalyzeOptions, type StageFactory } from './analysis-core';

export { STAGES, type AnalysisStage, type AnalyzeOptions, type StageFactory } from './analysis-core';
export type { ProfilesSection } from './core/report-types';

/** The report plus run facts the CLI needs for its exit code. */
export interface AnalysisOutcome {
  readonly report: Report;
  /** Any malformed line or damaged input (for --strict). */
  readonly hadInputErrors: boolean;
  /** Worker threads the run used (0 = main thread only). */
  readonly workers: number;
}

/**
 * Runs the pipeline and builds the report. `onDiagnostic` sees each kept diagnostic as it happens.
 * `inputDiagnostics` are what expanding the inputs found (links not followed, unreadable subdirectories): they
 * come first in the report's warnings, and an unreadable path counts as an input error (--strict).
 */
export async function analyze(
  given: readonly InputSpec[],
  options: AnalyzeOptions,
  onDiagnostic?: (d: Diagnostic) => void,
  stageFactories: readonly StageFactory[] = STAGES,
  onProgress?: (current: InputSummary) => void,
  inputDiagnostics: readonly Diagnostic[] = [],
): Promise<AnalysisOutcome> {
  const outcome = await analyzeInputs(given, options, onDiagnostic, stageFactories, onProgress, inputDiagnostics);
  return inputDiagnostics.some((d) => d.code === 'INPUT_UNREADABLE') ? { ...outcome, hadInputErrors: true } : outcome;
}

async function analyzeInputs(
  given: readonly InputSpec[],
  options: AnalyzeOptions,
  onDiagnostic: ((d: Diagnostic) => void) | undefined,
  stageFactories: readonly StageFactory[],
  onProgress: ((current: InputSummary) => void) | undefined,
  inputDiagnostics: readonly Diagnostic[],
): Promise<AnalysisOutcome> {
  const diags = new DiagnosticLog(options.maxWarnings, onDiagnostic);
  for (const d of inputDiagnostics) diags.add(d);
  const selection = selectByFileName(given, options);
  if (selection.diagnostic) diags.add(selection.diagnostic);
  const inputs = selection.inputs;
  const full = options.summaryOnly !== true;
  const detected: DetectedFormats = new Map();
  const ordered = full ? await orderInputsByTime(inputs, options, detected) : inputs;
  const plan = parallelPlan(inputs, options, stageFactories, inputsMayOverlap(ordered, detected));
  if (plan !== null) {
    const run = await runParallel(ordered, options, plan, diags, onProgress, detected);
    addCapNotes(diags, run.caps, run.traffic);
    return buildReport(plan.kind === 'shard' ? plan.jobs : 2, inputs, ordered, run.summaries, run.traffic, diags, options, {
      full, built: run.built, findings: () => (run.detectorsRan ? mergeRaw(run.findings) : []),
    });
  }
  const core = createCore(options, full ? 'all' : 'summary', stageFactories);
  const summaries = await runInputs(ordered, options, {
    record: (r) => core.record(r),
    diagnostic: (d) => diags.add(d),
    keptLineDiagnostics: diags.limit,
    unkeptDiagnostics: (n) => diags.countUnkept(n),
    ...(onProgress ? { afterBatch: (p: InputSummary) => onProgress(p) } : {}),
  }, detected);
  const result = core.finish();
  addCapNotes(diags, result.caps, result.traffic);
  return buildReport(0, inputs, ordered, summaries, result.traffic ?? new TrafficProfile(), diags, options, {
    full, built: result.built, findings: () => (result.detectorsRan ? mergeRaw([result.findings]) : []),
  });
}

/**
 * One CAP_REACHED note per capped structure whose cap was reached (the traffic summary's read from the merged
 * summary; parts of a split run that both enrich report the same note once), in a fixed order.
 */
function addCapNotes(diags: DiagnosticLog, notes: readonly string[], traffic: TrafficProfile | null): void {
  const all = new Set([...notes, ...(traffic?.capNotes() ?? [])]);
  for (const message of [...all].sort()) diags.add(capDiagnostic(message));
}

/** What the run adds to the report besides the summary. */
interface RunParts {
  readonly full: boolean;
  /** Sections after `top` (sessions, profiles, then each stage's), in report order. */
  readonly built: ReportSections;
  readonly findings: () => ReportFinding[];
}

/** The report document from a run's results. `ordered` is the order the inputs were read in. */
async function buildReport(
  workers: number,
  inputs: readonly InputSpec[],
  ordered: readonly InputSpec[],
  summaries: readonly InputSummary[],
  traffic: TrafficProfile,
  diags: DiagnosticLog,
  options: AnalyzeOptions,
  parts: RunParts,
): Promise<AnalysisOutcome> {
  const { full, built } = parts;
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
    findings: await withEvidence(parts.findings()),
  };
  const hadInputErrors = summaries.some((s) => s.malformed > 0 || s.damaged !== null);
  return { report, hadInputErrors, workers };
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

/**
 * How to spread a run over worker threads, or null to run on the main thread. --summary-only shards the records
 * over up to 4 workers; a full run is split in two parts that each read every record (pipeline-parallel.ts), which
 * needs detectors that read records alone for the second part, the default stages and geo data a worker can open.
 */
function parallelPlan(inputs: readonly InputSpec[], options: AnalyzeOptions, stageFactories: readonly StageFactory[], overlap: boolean): ParallelPlan | null {
  const jobs = wantedJobs(inputs, options.jobs ?? 'auto');
  if (jobs < 2) return null;
  if (options.summaryOnly === true) return { kind: 'shard', jobs };
  // The split path reads inputs one after another; inputs that overlap in time are read merged by time on the
  // main thread instead (runInputs), until the parallel path reads them so too.
  if (stageFactories !== STAGES || !options.detectors || overlap) return null;
  // Two parts hold two heaps (about 1.5x the memory): on a small machine, auto stays on one thread.
  if ((options.jobs ?? 'auto') === 'auto' && totalmem() < 4 * 1024 ** 3) return null;
  const geo = options.geo ?? null;
  if (geo !== null && geo.source === undefined) return null;
  if (detectorParts(options.detectors, geo !== null).records.length === 0) return null;
  return { kind: 'split' };
}

/** Worker threads asked for (1 = run on the main thread). */
function wantedJobs(inputs: readonly InputSpec[], jobs: number | 'auto'): number {
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
