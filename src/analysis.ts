/**
 * `lbua analyze` as a function: inputs + options → the report document. The CLI renders it; tests call it directly.
 * Order of work per record: traffic summary → enrich → behaviour profile → extra stages → session stitcher; closed
 * sessions go to the session summary, the profile and every stage that wants sessions.
 */
import { layoutsOption } from './formats/layout/specs';
import { statSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import type { Diagnostic } from './core/types';
import { isoTime } from './core/units';
import { dateOf, type Baseline } from './aggregate/baseline';
import { capDiagnostic, DiagnosticLog } from './diagnostics';
import type { InputSpec } from './input/expand';
import { selectByFileName } from './input/window';
import { inputsOverlap, orderInputsByTime, runInputs, type DetectedFormats, type InputSummary } from './pipeline';
import { runSharded } from './pipeline-parallel';
import { evidenceOrder, type EvidenceOrder } from './aggregate/types';
import { TrafficProfile, type LatencyStats, type TopRow } from './profile/traffic';
import type { Report, ReportFinding, ReportInput, ReportLatency, ReportSections, ReportTopRow, ReportWarning } from './core/report-types';
import { inputsWithoutRecordsDiagnostic } from './empty-run';
import { attachEvidenceText } from './report/evidence';
import { VERSION } from './version';
import { detectorOptions, mergeRaw, selectedDetectors, type RunFacts } from './detect/stage';
import { DEFAULT_GUARD_SHARE, guardFactsOf } from './detect/guards/action-guards';
import { runProxies } from './trust';
import { createCore, STAGES, wideRows, type AnalyzeOptions, type Core, type CoreResult, type StageFactory } from './analysis-core';
import { groupIncidents } from './core/incidents';

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
  // A change time or a learned baseline brings the detectors that judge with it (release-impact, history).
  const withContext = withContextDetectors(options);
  return withInputErrors(await analyzeInputs(given, withContext, onDiagnostic, stageFactories, onProgress, inputDiagnostics), inputDiagnostics);
}

async function analyzeInputs(
  given: readonly InputSpec[],
  options: AnalyzeOptions,
  onDiagnostic: ((d: Diagnostic) => void) | undefined,
  stageFactories: readonly StageFactory[],
  onProgress: ((current: InputSummary) => void) | undefined,
  inputDiagnostics: readonly Diagnostic[],
): Promise<AnalysisOutcome> {
  const prep = await prepareRun(given, options, onDiagnostic, inputDiagnostics);
  const { ordered, run, diags, detected } = prep;
  const jobs = shardJobs(ordered, run, stageFactories, detected);
  if (jobs > 1) {
    const sharded = await runSharded(ordered, run, jobs, diags, detected, onProgress);
    if (sharded !== null) return reportOfRun(prep, sharded.workers, sharded.summaries, sharded, options);
    // The inputs overlap in time: read them again, merged by time, on this thread (runSharded added no diagnostic).
  }
  // Evidence is ordered as the run reads its inputs (aggregate/types.ts), as in a sharded run.
  let core: Core | null = createCore(run, stageFactories, prep.order);
  const summaries = await runInputs(ordered, run, {
    record: (r) => core?.record(r),
    transient: true,
    diagnostic: (d) => diags.add(d),
    keptLineDiagnostics: diags.limit,
    unkeptDiagnostics: (n) => diags.countUnkept(n),
    ...(onProgress ? { afterBatch: (p: InputSummary) => onProgress(p) } : {}),
  }, detected);
  const result = core.finish();
  // The run's state (enricher caches, sessions, the detectors' aggregates: most of the heap) is judged: released
  // before the report is built, so that building it can reuse that memory instead of growing the heap.
  core = null;
  return reportOfRun(prep, 0, summaries, result, options);
}

/** A run's inputs chosen and put in read order, before any record is read. */
export interface PreparedRun {
  /** The run's diagnostics so far (expanding and choosing the inputs). */
  readonly diags: DiagnosticLog;
  /** The inputs as given, less those --from/--to ruled out by their file names. */
  readonly inputs: readonly InputSpec[];
  /** The order they are read in (by time; as given with --summary-only). */
  readonly ordered: readonly InputSpec[];
  readonly detected: DetectedFormats;
  /** The options the records are read and counted with (the join slack set). */
  readonly run: AnalyzeOptions;
  /** The inputs in read order as records name them (stdin as `<stdin>`): the evidence order's. */
  readonly paths: readonly string[];
  /** Evidence order of the run (aggregate/types.ts). */
  readonly order: EvidenceOrder;
}

/**
 * The first part of a run, whichever way its records are then counted (on this thread, sharded over workers, or
 * read back from an engine's partitions, engine/analyze.ts): inputs chosen by file name and ordered by time.
 */
export async function prepareRun(
  given: readonly InputSpec[],
  options: AnalyzeOptions,
  onDiagnostic: ((d: Diagnostic) => void) | undefined,
  inputDiagnostics: readonly Diagnostic[],
): Promise<PreparedRun> {
  const diags = new DiagnosticLog(options.maxWarnings, onDiagnostic);
  for (const d of inputDiagnostics) diags.add(d);
  const selection = selectByFileName(given, options);
  if (selection.diagnostic) diags.add(selection.diagnostic);
  const inputs = selection.inputs;
  const detected: DetectedFormats = new Map();
  const ordered = options.summaryOnly !== true ? await orderInputsByTime(inputs, options, detected) : inputs;
  const run = { ...options, joinSlackMs: options.joinSlackMs ?? joinSlackMs(options) };
  const paths = ordered.map((i) => (i.stdin ? '<stdin>' : i.path));
  return { diags, inputs, ordered, detected, run, paths, order: evidenceOrder(paths) };
}

/**
 * A prepared run over inputs already read elsewhere (an engine's table: engine/clickhouse/analyze.ts): `paths` are
 * the inputs in the order they were read, nothing is read or ordered here.
 */
export function preparedFromPaths(paths: readonly string[], options: AnalyzeOptions, onDiagnostic: ((d: Diagnostic) => void) | undefined): PreparedRun {
  const diags = new DiagnosticLog(options.maxWarnings, onDiagnostic);
  const inputs: InputSpec[] = paths.map((path) => ({ path, stdin: false }));
  const run = { ...options, joinSlackMs: options.joinSlackMs ?? joinSlackMs(options) };
  return { diags, inputs, ordered: inputs, detected: new Map(), run, paths, order: evidenceOrder(paths) };
}

/** What counting a run's records gave: one core's result, a sharded run's or an engine's partitions' join. */
export type CountedRun = Pick<CoreResult, 'traffic' | 'built' | 'detectorsRan' | 'caps'> & { readonly findings: readonly CoreResult['findings'][number][] };

/** The report of a prepared run whose records were read (`summaries`, in read order) and counted (`result`). */
export function reportOfRun(prep: PreparedRun, workers: number, summaries: readonly InputSummary[], result: CountedRun, options: AnalyzeOptions): Promise<AnalysisOutcome> {
  addCapNotes(prep.diags, result.caps, result.traffic);
  return buildReport(workers, prep.inputs, prep.ordered, summaries, result.traffic, prep.diags, options, {
    full: options.summaryOnly !== true,
    built: result.built,
    findings: () => (result.detectorsRan ? mergeRaw([result.findings], runFacts(result.traffic, summaries, options)) : []),
    detectorsRan: result.detectorsRan,
  });
}

/** The outcome of `analyze` with the input-expansion diagnostics' share of --strict (an unreadable path is an input error). */
export function withInputErrors(outcome: AnalysisOutcome, inputDiagnostics: readonly Diagnostic[]): AnalysisOutcome {
  return inputDiagnostics.some((d) => d.code === 'INPUT_UNREADABLE') ? { ...outcome, hadInputErrors: true } : outcome;
}

/**
 * The report's findings of a run's result, judged against the run's facts (`lbua watch` judges each merged window
 * with it; `summaries` are the inputs read so far).
 */
export function reportFindings(result: CoreResult, summaries: readonly InputSummary[], options: AnalyzeOptions): ReportFinding[] {
  return result.detectorsRan ? mergeRaw([result.findings], runFacts(result.traffic, summaries, options)) : [];
}

/** The options a run analyzes with: a change time or a learned baseline brings the detectors that judge with it. */
export function withContextDetectors(options: AnalyzeOptions): AnalyzeOptions {
  const sel = options.detectors;
  return sel && ((options.change ?? null) !== null || (options.baseline ?? null) !== null)
    ? { ...options, detectors: { ...sel, ...(options.change ? { withChange: true } : {}), ...(options.baseline ? { withBaseline: true } : {}) } }
    : options;
}

/**
 * What the findings are judged against at the end: the run's proxies (none with --trust-proxy: the clients are
 * already the forwarded ones) and the action guards' facts (client counts of the traffic summary, ASNs by geo).
 */
function runFacts(traffic: TrafficProfile, summaries: readonly InputSummary[], options: AnalyzeOptions): RunFacts {
  const total = traffic.requestCount;
  const proxies = options.trustProxy === undefined ? runProxies(summaries.flatMap((s) => s.peers ?? []), total) : new Map<string, string>();
  const geo = options.geo ?? null;
  const asnOf = geo === null ? null : (ip: string): number | null => geo.lookup(ip)?.asn ?? null;
  return { proxies, guards: guardFactsOf(traffic.clientRequests(), total, options.guardShare ?? DEFAULT_GUARD_SHARE, asnOf, proxies) };
}

/**
 * One CAP_REACHED note per capped structure whose cap was reached (the traffic summary's read from the merged
 * summary; notes of the same text, from tasks of a sharded run, once), in a fixed order.
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
  /** Whether detectors ran (not with --summary-only or --detectors none): "No findings" means something only then. */
  readonly detectorsRan: boolean;
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
  const { summary: traf, top } = traffic.result(options.top, wideRows(options));
  const findings = await withEvidence(parts.findings());
  const report: Report = {
    schema: 'lbua.report/1',
    tool: { name: 'lbua', version: VERSION },
    options: {
      format: options.format,
      from: options.from === null ? null : isoTime(options.from),
      to: options.to === null ? null : isoTime(options.to),
      top: options.top,
      ...(options.all === true ? { all: true } : {}),
      strict: options.strict,
      session_timeout_minutes: timeoutMs / 60_000,
      session_key: sessionKey,
      detectors: !full || !options.detectors ? 'none' : selectedDetectors(options.detectors).join(','),
      detector_opts: options.detectors ? Object.entries(options.detectors.overrides).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(',') || null : null,
      geo: full && options.geo ? options.geo.info().map((d) => d.split(':')[0]).join('; ') : 'none',
      routes: options.routes && options.routes.length > 0 ? options.routes.join(' ') : null,
      trust_proxy: options.trustProxy ?? null,
      // The declared formats, so that the saved report is rendered later with them (formats/layout/specs.ts).
      ...(options.layouts !== undefined && options.layouts.length > 0 ? { layouts: layoutsOption(options.layouts) } : {}),
      // --change-at: the change the `change` section and release-impact compare around (absent without it).
      // --baseline: the learned days the history detector judged against (absent without it).
      ...(options.baseline ? baselineOption(options.baseline) : {}),
      ...(options.change ? { change_at: isoTime(options.change.atMs), change_window_minutes: options.change.windowMs / 60_000 } : {}),
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
      // Absent, not empty, for formats that log no referer (ALB) or a log whose lines all say "-".
      ...(top.referrers.length > 0 ? { referrers: top.referrers.map(rowJson) } : {}),
    },
    ...built,
    warnings: withNoRecordWarning(diags, byGiven.map(inputJson)),
    warnings_total: diags.total,
    detectors_run: parts.detectorsRan,
    findings,
    incidents: parts.detectorsRan ? groupIncidents(findings) : [],
  };
  const hadInputErrors = summaries.some((s) => s.malformed > 0 || s.damaged !== null);
  return { report, hadInputErrors, workers };
}


/** The run's warnings, with the one naming the inputs that yielded no record while others did (empty-run.ts). */
function withNoRecordWarning(diags: DiagnosticLog, inputs: readonly ReportInput[]): ReportWarning[] {
  const d = inputsWithoutRecordsDiagnostic(inputs);
  if (d !== null) diags.add(d);
  return diags.warnings();
}

function inputJson(s: InputSummary): ReportInput {
  return {
    path: s.path, format: s.format, gzip: s.gzip, lines: s.lines, records: s.records, filtered: s.filtered,
    skipped: s.skipped, malformed: s.malformed, damaged: s.damaged,
    first_time: s.firstMs === null ? null : isoTime(s.firstMs), last_time: s.lastMs === null ? null : isoTime(s.lastMs),
    ...(s.formats === undefined ? {} : { formats: s.formats }),
    ...(s.runnerUp === undefined ? {} : { runner_up: s.runnerUp }),
    ...(s.packed === undefined ? {} : { packed: { lines: s.packed.lines, entries: s.packed.entries } }),
  };
}

function latencyJson(l: LatencyStats): ReportLatency {
  return { count: l.count, p50: l.p50, p95: l.p95, p99: l.p99, max: l.max };
}

function rowJson(r: TopRow): ReportTopRow {
  return { key: r.key, requests: r.requests, share: r.share };
}

/**
 * Worker threads to shard the run over (1: the main thread alone). Sharding takes whole inputs (analysis-task.ts), so
 * it needs two inputs or more, none stdin; the default stages (a custom stage is not mergeable); geo data a worker
 * can open; and inputs that do not overlap in time as far as can be told before reading (a task finds out
 * otherwise and the run goes on one thread, pipeline-parallel.ts).
 */
function shardJobs(ordered: readonly InputSpec[], options: AnalyzeOptions, stageFactories: readonly StageFactory[], detected: DetectedFormats): number {
  if (ordered.length < 2 || ordered.some((i) => i.stdin)) return 1;
  const jobs = Math.min(wantedJobs(ordered, options.jobs ?? 'auto'), ordered.length);
  if (jobs < 2) return 1;
  if (stageFactories !== STAGES) return 1;
  // Each worker holds a task's state besides the merged one: on a small machine, auto stays on one thread.
  if ((options.jobs ?? 'auto') === 'auto' && totalmem() < 4 * 1024 ** 3) return 1;
  const geo = options.geo ?? null;
  if (geo !== null && geo.source === undefined) return 1;
  if (inputsOverlap(ordered, detected, options.joinSlackMs ?? 0)) return 1;
  return jobs;
}

/**
 * The slack within which inputs that overlap in time are still read one after the other (PipelineOptions), unless
 * the options say: 2 minutes (consecutive ALB files share seconds: requests in flight at the cut), and less than
 * the lateness the session stitcher (10 minutes) and burst allow, so a record of the next input read after the
 * previous one's last is never late because of it.
 */
export function joinSlackMs(options: Pick<AnalyzeOptions, 'detectors'>): number {
  const burst = options.detectors ? detectorOptions(options.detectors, 'burst').latenessMinutes : undefined;
  const minutes = Math.min(2, burst === undefined ? 2 : burst - 1);
  return Math.max(0, minutes) * 60_000;
}

/**
 * Worker threads asked for (1 = run on the main thread). Auto: with 4 cores or more and 8 MB of input or more, one
 * worker per core but one (for the main thread, which merges and judges), at most 4. Below 4 cores a sharded run
 * is slower in wall time than one thread: its workers hand their state over as plain data, which costs about 0.8x
 * the single-thread CPU again (README, speed), and 2 cores cannot hide it.
 */
export function wantedJobs(inputs: readonly InputSpec[] | null, jobs: number | 'auto'): number {
  if (jobs !== 'auto') return Math.max(1, Math.floor(jobs));
  const cores = availableParallelism();
  if (cores < 4) return 1;
  // Inputs of unknown size (an engine's table): the machine decides.
  if (inputs === null) return Math.min(cores - 1, 4);
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
  return bytes >= 8 * 1024 * 1024 ? Math.min(cores - 1, 4) : 1;
}

/** The report options that say which learned days a `--baseline` run was judged against. */
function baselineOption(b: Baseline): { baseline: string | null; baseline_days: number } {
  const days = [...b.days.keys()].sort((x, y) => x - y);
  const first = days[0];
  const last = days[days.length - 1];
  return { baseline: first === undefined || last === undefined ? null : `${dateOf(first * 86_400_000)}..${dateOf(last * 86_400_000)}`, baseline_days: days.length };
}
