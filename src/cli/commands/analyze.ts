/** `lbua analyze`: the traffic report as tables, JSON, HTML or a markdown digest, to stdout and/or files (several -o: one analysis). */
import type { Command } from 'commander';
import { formatDiagnostic, type Diagnostic } from '../../core/types';
import { excerpt, stripControl } from '../../core/text';
import { analyze } from '../../analysis';
import { expandInputs } from '../../input/expand';
import { outputKindList } from '../../report/registry';
import type { Report, ReportFinding } from '../../report/types';
import { withOuts } from '../output';
import { writeReport } from '../write-report';
import { createProgress } from '../progress';
import { parseColorOption, parseNonNegativeInt, parseOutputTargets, parsePositiveInt, parseSeverityOption, parseTimeOption } from '../options';
import { addReadOptions, readOptions, type RawReadOptions } from './common';
import { addBehaviourOptions, behaviourOptions, type RawBehaviourOptions } from './behaviour-options';
import { addGeoOptions, geoFromOptions, type RawGeoOptions } from './geo-options';
import { fail } from '../../core/types';
import { atOrAbove, validateSelection, type DetectorSelection } from '../../detect/stage';
import type { Severity } from '../../detect/types';
import { renderRules, type RuleTarget } from '../../report/rules';
import { DEFAULT_GUARD_SHARE } from '../../detect/guards/action-guards';
import { limitsFromEnv } from '../../core/limits';
import { detectorsRan, notRunBecause } from '../../core/report-types';
import { noRecordReason } from '../../empty-run';
import { readBaseline, settingsDifference } from './baseline';
import { DEFAULT_MEMORY_LIMIT, memoryLimitOption } from '../../engine/limits';
import { analyzeWithClickHouse } from '../../engine/clickhouse/analyze';
import { parseClickHouseUrl, type ClickHouseTable } from '../../engine/clickhouse/url';

interface RawAnalyzeOptions extends RawReadOptions, RawBehaviourOptions, RawGeoOptions {
  readonly summaryOnly?: boolean;
  readonly jobs?: string;
  readonly failOn?: string;
  readonly detectors?: string;
  /** commander files `--no-detector <id>` values under `detector`. */
  readonly detector?: boolean | string[];
  readonly detectorOpt?: string[];
  readonly emitRules?: string;
  readonly guardShare?: string;
  readonly evidenceLimit?: string;
  readonly output?: string;
  /** Repeatable: each -o is one output. */
  readonly out?: string[];
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly top?: string;
  readonly all?: boolean;
  readonly maxWarnings?: string;
  /** `--color <when>` (a string) or `--no-color` (false). */
  readonly color?: string | boolean;
  readonly evidence?: boolean;
  readonly baseline?: string;
  readonly changeAt?: string;
  readonly changeWindow?: string;
  readonly engine?: string;
  readonly memoryLimit?: string;
}

/** Where the records are counted: in this process (the default), or stored in DuckDB and read back by partitions. */
export type EngineChoice =
  | { readonly kind: 'in-process' }
  | { readonly kind: 'duckdb'; readonly memoryLimit: string }
  /** `url`: the server (http(s)://[user:password@]host:port), `table` parsed from clickhouse://host:port/db.table. */
  | { readonly kind: 'clickhouse'; readonly url: string; readonly table: ClickHouseTable };

/** --engine and --memory-limit (exit 2 with one line when unknown or bad). */
export function engineOption(raw: { readonly engine?: string; readonly memoryLimit?: string }): EngineChoice {
  const engine = raw.engine ?? 'in-process';
  if (engine === 'duckdb') return { kind: 'duckdb', memoryLimit: memoryLimitOption(raw.memoryLimit) };
  const ch = /^clickhouse(s?):\/\//i.exec(engine);
  if (ch !== null) {
    if (raw.memoryLimit !== undefined) fail('OPTION_INVALID', '--memory-limit goes with --engine duckdb (ClickHouse\'s memory is the server\'s)');
    // clickhouse:// is ClickHouse's HTTP interface (clickhouses:// over TLS).
    const http = `http${ch[1] === '' ? '' : 's'}://${engine.slice(ch[0].length)}`;
    const table = parseClickHouseUrl(http, '--engine');
    return { kind: 'clickhouse', url: http.replace(/\/[^/]*$/, ''), table };
  }
  if (engine !== 'in-process') fail('OPTION_INVALID', `--engine must be in-process, duckdb or clickhouse://host:8123/db.table, got ${JSON.stringify(engine)}`);
  if (raw.memoryLimit !== undefined) fail('OPTION_INVALID', '--memory-limit goes with --engine duckdb (DuckDB\'s memory)');
  return { kind: 'in-process' };
}

/** --change-window: minutes (`90`, `90m`) or hours (`1h`, `1.5h`); an hour when absent. */
function parseChangeWindow(v: string | undefined): number {
  if (v === undefined) return 60 * 60_000;
  const m = /^(\d+(?:\.\d+)?)\s*(m|min|h)?$/i.exec(v.trim());
  const minutes = m ? Number(m[1]) * ((m[2] ?? 'm').toLowerCase() === 'h' ? 60 : 1) : Number.NaN;
  if (!(minutes >= 1 && minutes <= 7 * 24 * 60)) fail('OPTION_INVALID', `--change-window must be minutes (90, 90m) or hours (1h) between 1 minute and 7 days, got ${JSON.stringify(v)}`);
  return Math.round(minutes * 60_000);
}

/** --change-at and --change-window as the run's change window (null without --change-at). */
export function changeOption(raw: { readonly changeAt?: string; readonly changeWindow?: string }): { atMs: number; windowMs: number } | null {
  const atMs = parseTimeOption('change-at', raw.changeAt);
  if (atMs === null) {
    if (raw.changeWindow !== undefined) fail('OPTION_INVALID', '--change-window needs --change-at');
    return null;
  }
  return { atMs, windowMs: parseChangeWindow(raw.changeWindow) };
}

/** Collects a repeatable option's values. */
export const collectList = (v: string, prev: unknown): string[] => [...(Array.isArray(prev) ? prev.filter((x): x is string => typeof x === 'string') : []), v];

/** --guard-share in percent (0 < p <= 100) as a fraction; 5% when absent. */
function parseGuardShare(v: string | undefined): number {
  if (v === undefined) return DEFAULT_GUARD_SHARE;
  const p = Number(v.endsWith('%') ? v.slice(0, -1) : v);
  if (!Number.isFinite(p) || p <= 0 || p > 100) fail('OPTION_INVALID', `--guard-share must be a percentage above 0 and at most 100, got ${JSON.stringify(v)}`);
  return p / 100;
}

export function parseRuleTarget(v: string): RuleTarget {
  if (v === 'nginx' || v === 'haproxy' || v === 'aws-waf') return v;
  fail('OPTION_INVALID', `--emit-rules must be nginx, haproxy or aws-waf, got ${JSON.stringify(v)}`);
}

/** The detector selection of --detectors, --no-detector, --detector-opt and --evidence-limit (null: none). */
export function detectorSelection(raw: Pick<RawAnalyzeOptions, 'detectors' | 'detector' | 'detectorOpt' | 'evidenceLimit'>): DetectorSelection | null {
  if (raw.detectors === 'none') return null;
  const overrides: Record<string, number> = {};
  for (const o of raw.detectorOpt ?? []) {
    const m = /^([\w-]+\.[\w]+)=(-?[\d.]+(?:e-?\d+)?)$/i.exec(o);
    if (!m || !Number.isFinite(Number(m[2]))) fail('OPTION_INVALID', `--detector-opt must look like burst.minRate=50, got ${JSON.stringify(o)}`);
    overrides[m[1] ?? ''] = Number(m[2]);
  }
  const limit = raw.evidenceLimit === undefined ? 5 : Number(raw.evidenceLimit);
  if (!Number.isInteger(limit) || limit < 0) fail('OPTION_INVALID', `--evidence-limit must be a non-negative integer, got ${JSON.stringify(raw.evidenceLimit)}`);
  return {
    only: raw.detectors === undefined ? null : raw.detectors.split(',').map((s) => s.trim()).filter(Boolean),
    disabled: Array.isArray(raw.detector) ? raw.detector : [],
    overrides,
    evidenceLimit: limit,
  };
}

/** engine/analyze.ts, required when --engine duckdb runs: it loads DuckDB's native library (60 ms, 25 MB). */
function loadDuckdbEngine(): typeof import('../../engine/analyze') {
  return require('../../engine/analyze') as typeof import('../../engine/analyze');
}

/** Adds the command. */
export function registerAnalyze(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('analyze')
    .description('the incident report: findings with evidence and actions, traffic summary, sessions, endpoints, regions, clients — as tables, JSON or HTML')
    .argument('[inputs...]', 'files, directories, glob patterns, or - for stdin (none with --engine clickhouse://…: the table holds the records)');
  addGeoOptions(addBehaviourOptions(addReadOptions(cmd)))
    .option('--summary-only', 'traffic summary only: no sessions, profiles or later stages (fastest)')
    .option('--jobs <n>', 'worker threads, each taking whole input files (default: with 4+ cores, 2+ files, 8 MB of input and 4 GB of memory, a worker per core but one, up to 4; 1 = none)')
    .option('--output <kind>', `${outputKindList()} (default: from the -o extension, else table — also when piped)`)
    .option('--json', 'the same as --output json')
    .option('-o, --out <file>', 'write the report to a file, its kind from the extension (.json, .html, .md; .gz gzips; - is stdout); repeatable: one analysis, several outputs', collectList)
    .option('--top <n>', 'rows in each top-N table (default 10)')
    .option('--all', 'every endpoint and path (up to 5,000 each) in the endpoints and top-paths tables, in the table and the JSON, instead of the top N')
    .option('--max-warnings <n>', 'malformed lines reported in full (default 20; all are counted)')
    .option('--evidence', 'show evidence lines under each finding')
    .option('--fail-on <severity>', 'exit 1 when a finding at or above this severity exists (info|low|medium|high|critical)')
    .option('--detectors <ids>', 'run only these detectors (comma-separated, or "none")')
    .option('--no-detector <id>', 'turn a detector off (repeatable)', collectList)
    .option('--detector-opt <id.key=value>', 'override a detector option (repeatable)', collectList)
    .option('--emit-rules <target>', 'write proposed rules for nginx, haproxy or aws-waf (to -o, or stdout instead of the report)')
    .option('--guard-share <percent>', 'never propose a block or rate limit for an address, network or ASN carrying more than this share of all requests (default 5)')
    .option('--evidence-limit <n>', 'evidence lines kept per finding (default 5)')
    .option('--change-at <time>', 'a change (a deploy) to compare before and after: ISO 8601, UTC unless a zone is given (adds the `change` section and release-impact findings)')
    .option('--change-window <duration>', 'with --change-at: the length of each window compared, before and after (default 1h; 90m, 2h)')
    .option('--baseline <file>', 'judge the run against a learned baseline (lbua baseline build): the history detector')
    .option('--color <when>', 'colour in tables: auto (on a terminal, unless NO_COLOR is set), always or never', 'auto')
    .option('--no-color', 'the same as --color never')
    .option('-q, --quiet', 'no progress or input diagnostics on stderr (they stay counted in the report); errors and the --fail-on line still print')
    .option('--engine <engine>', 'in-process (default); duckdb: the records are stored in a temporary DuckDB database (spilling to disk) and counted by partitions of clients, one per --jobs, the same report; clickhouse://host:8123/db.table: the records lbua export --to-clickhouse put there, filtered and partitioned by the server')
    .option('--memory-limit <size>', `with --engine duckdb: memory DuckDB may use before it spills to disk (default ${DEFAULT_MEMORY_LIMIT}; 2GB, 50%)`)
    .action(async (args: string[], raw: RawAnalyzeOptions) => {
      const engine = engineOption(raw);
      if (engine.kind === 'clickhouse' && args.length > 0) fail('OPTION_INVALID', '--engine clickhouse://… reads the records the table holds: give no inputs', 'lbua export … --to-clickhouse URL puts logs there');
      const failOn = parseSeverityOption('fail-on', raw.failOn);
      const emit = raw.emitRules === undefined ? null : parseRuleTarget(raw.emitRules);
      // analyze() adds release-impact and history to it when a change time or a baseline is given.
      const selection = detectorSelection(raw);
      const targets = parseOutputTargets(raw.output, raw.json === true, raw.out ?? []);
      if (emit !== null && targets.length > 1) fail('OPTION_INVALID', '--emit-rules writes one file: give at most one -o');
      const color = parseColorOption(raw.color);
      const quiet = raw.quiet === true;
      // Diagnostics go to stderr as they happen when a table is written; the documents carry them in `warnings`.
      const liveDiagnostics = !quiet && targets.some((t) => t.kind === 'table');
      const options = {
        ...readOptions(raw),
        // JSON, HTML and markdown reports are read later, away from the logs: they carry the evidence lines themselves.
        evidenceText: targets.some((t) => t.kind !== 'table') || raw.evidence === true,
        detectors: selection,
        top: parsePositiveInt('top', raw.top, 10),
        ...(raw.all === true ? { all: true } : {}),
        maxWarnings: parseNonNegativeInt('max-warnings', raw.maxWarnings, 20),
        ...behaviourOptions(raw),
        summaryOnly: raw.summaryOnly === true,
        jobs: raw.jobs === undefined ? ('auto' as const) : parsePositiveInt('jobs', raw.jobs, 1),
        geo: raw.summaryOnly === true ? null : await geoFromOptions(raw),
        limits: limitsFromEnv(),
        guardShare: parseGuardShare(raw.guardShare),
        change: changeOption(raw),
        baseline: raw.baseline === undefined ? null : readBaseline(raw.baseline),
      };
      if (options.baseline !== null) {
        const diff = settingsDifference(options.baseline.settings, { geo: options.geo !== null, routes: options.routes });
        if (diff !== null) fail('OPTION_INVALID', `--baseline ${raw.baseline ?? ''}: made with other settings than this run (${diff}); give the --route patterns and geo options it was built with`);
      }
      if (selection) validateSelection(selection);
      // The ClickHouse engine reads the table, not inputs; else no input is one line, exit 2 (expandInputs).
      const expanded = engine.kind === 'clickhouse' ? { inputs: [], diagnostics: [] } : expandInputs(args);
      // Opened first (an unwritable -o fails before the run); a run that fails leaves the old files as they were.
      await withOuts(targets.map((t) => t.file), async (outs) => {
        const progress = createProgress(quiet ? { isTTY: false, write: () => true } : process.stderr);
        const onDiagnostic = liveDiagnostics ? (d: Diagnostic) => progress.around(() => process.stderr.write(`${stripControl(formatDiagnostic(d))}${d.hint ? ` (${d.hint})` : ''}\n`)) : undefined;
        const { report, hadInputErrors } = engine.kind === 'clickhouse'
          ? await analyzeWithClickHouse(engine.table, engine.url, options, onDiagnostic)
          : engine.kind === 'duckdb'
          // Loaded only for this engine (it loads DuckDB's native library).
          ? await loadDuckdbEngine().analyzeWithDuckdb(expanded.inputs, options, engine, onDiagnostic, progress.update, expanded.diagnostics, (p) => {
            if (process.env['LBUA_BENCH_STATS']) process.stderr.write(`engine_load_ms=${Math.round(p.loadMs)} engine_partitions_ms=${Math.round(p.partitionsMs)} engine_records=${p.records} engine_partitions=${p.partitions}\n`);
          })
          : await analyze(expanded.inputs, options, onDiagnostic, undefined, progress.update, expanded.diagnostics);
        progress.done();
        // No record at all: one line and exit 2, never a report that reads as all clear (the old -o file stays).
        const why = noRecordReason(report);
        if (why !== null) fail('INPUT_NO_RECORDS', why.message, why.hint);
        if (failOn !== null && !detectorsRan(report)) process.stderr.write(`lbua: warning: --fail-on ${failOn} with detectors not run (${notRunBecause(report)}): the exit code says nothing about findings\n`);
        if (emit !== null) outs[0]?.write(renderRules(report.findings, emit));
        else {
          writeReport(report, targets, outs, { color, evidence: raw.evidence === true });
          const hidden = report.warnings_total - report.warnings.length;
          if (liveDiagnostics && hidden > 0) process.stderr.write(`lbua: ${hidden} more diagnostic(s) not shown (--max-warnings)\n`);
        }
        if (failOn !== null) {
          const tripped = failOnLine(report, failOn);
          if (tripped !== null) {
            process.stderr.write(`${tripped}\n`);
            setExit(1);
          }
        }
        if (options.strict && hadInputErrors) {
          process.stderr.write('lbua: --strict: input had malformed lines, damage or unreadable paths\n');
          setExit(2);
        }
      });
    });
}

/** Longest --fail-on line on stderr (a cron mail's subject and first line). */
const FAIL_LINE_MAX = 300;

/**
 * The one line that says why --fail-on tripped (null when it did not): how many findings, and which (detector,
 * subject, severity), most severe first, cut to FAIL_LINE_MAX characters with a count of the ones left out.
 * `lbua: --fail-on high: 2 findings at or above high: burst 45.155.205.7 (critical), scanner 1.2.3.4 (high)`.
 */
export function failOnLine(report: Pick<Report, 'findings'>, failOn: Severity): string | null {
  const hits = report.findings.filter((f) => atOrAbove(f.severity, failOn));
  if (hits.length === 0) return null;
  const head = `lbua: --fail-on ${failOn}: ${hits.length} finding${hits.length === 1 ? '' : 's'} at or above ${failOn}: `;
  const item = (f: ReportFinding): string => `${f.detector} ${excerpt(f.subject.value, 60)} (${f.severity})`;
  let line = head;
  for (let i = 0; i < hits.length; i++) {
    const next = `${i === 0 ? '' : ', '}${item(hits[i] as ReportFinding)}`;
    const rest = hits.length - i;
    const more = `, … (${rest} more)`;
    // Room for this item and, when others follow, the count of those left out.
    if (line.length + next.length + (rest > 1 ? more.length : 0) > FAIL_LINE_MAX) return `${line}${i === 0 ? `… (${rest} more)` : more}`;
    line += next;
  }
  return line;
}
