/** `lbua analyze`: the traffic report as tables (terminal) or one JSON document. */
import type { Command } from 'commander';
import { formatDiagnostic } from '../../core/types';
import { stripControl } from '../../core/text';
import { analyze } from '../../analysis';
import { expandInputs } from '../../input/expand';
import { outputKindList, REPORTERS } from '../../report/registry';
import { colorEnabled } from '../../report/style';
import { withOut } from '../output';
import { createProgress } from '../progress';
import { parseNonNegativeInt, parseOutputOption, parsePositiveInt } from '../options';
import { addReadOptions, readOptions, type RawReadOptions } from './common';
import { addBehaviourOptions, behaviourOptions, type RawBehaviourOptions } from './behaviour-options';
import { addGeoOptions, geoFromOptions, type RawGeoOptions } from './geo-options';
import { fail } from '../../core/types';
import { atOrAbove, validateSelection, type DetectorSelection } from '../../detect/stage';
import { SEVERITIES, type Severity } from '../../detect/types';
import { renderRules, type RuleTarget } from '../../report/rules';
import { DEFAULT_GUARD_SHARE } from '../../detect/guards/action-guards';
import { limitsFromEnv } from '../../core/limits';
import { detectorsRan, notRunBecause } from '../../core/report-types';
import { noRecordReason } from '../../empty-run';
import { readBaseline, settingsDifference } from './baseline';

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
  readonly out?: string;
  readonly top?: string;
  readonly maxWarnings?: string;
  readonly color?: boolean;
  readonly evidence?: boolean;
  readonly baseline?: string;
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

function parseSeverity(v: string | undefined): Severity | null {
  if (v === undefined) return null;
  if (!(SEVERITIES as readonly string[]).includes(v)) fail('OPTION_INVALID', `--fail-on must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(v)}`);
  return SEVERITIES.find((s) => s === v) ?? null;
}

function parseRuleTarget(v: string): RuleTarget {
  if (v === 'nginx' || v === 'haproxy' || v === 'aws-waf') return v;
  fail('OPTION_INVALID', `--emit-rules must be nginx, haproxy or aws-waf, got ${JSON.stringify(v)}`);
}

/** The detector selection of --detectors, --no-detector, --detector-opt and --evidence-limit (null: none). */
export function detectorSelection(raw: RawAnalyzeOptions): DetectorSelection | null {
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

/** Adds the command. */
export function registerAnalyze(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('analyze')
    .description('the incident report: findings with evidence and actions, traffic summary, sessions, endpoints, regions, clients — as tables, JSON or HTML')
    .argument('<inputs...>', 'files, directories, glob patterns, or - for stdin');
  addGeoOptions(addBehaviourOptions(addReadOptions(cmd)))
    .option('--summary-only', 'traffic summary only: no sessions, profiles or later stages (fastest)')
    .option('--jobs <n>', 'worker threads, each taking whole input files (default: with 4+ cores, 2+ files, 8 MB of input and 4 GB of memory, a worker per core but one, up to 4; 1 = none)')
    .option('--output <kind>', `${outputKindList()} (default: from the -o extension; else table on a terminal, json when piped)`)
    .option('-o, --out <file>', 'write the report to a file')
    .option('--top <n>', 'rows in each top-N table (default 10)')
    .option('--max-warnings <n>', 'malformed lines reported in full (default 20; all are counted)')
    .option('--evidence', 'show evidence lines under each finding')
    .option('--fail-on <severity>', 'exit 1 when a finding at or above this severity exists (info|low|medium|high|critical)')
    .option('--detectors <ids>', 'run only these detectors (comma-separated, or "none")')
    .option('--no-detector <id>', 'turn a detector off (repeatable)', collectList)
    .option('--detector-opt <id.key=value>', 'override a detector option (repeatable)', collectList)
    .option('--emit-rules <target>', 'write proposed rules for nginx, haproxy or aws-waf (to -o, or stdout instead of the report)')
    .option('--guard-share <percent>', 'never propose a block or rate limit for an address, network or ASN carrying more than this share of all requests (default 5)')
    .option('--evidence-limit <n>', 'evidence lines kept per finding (default 5)')
    .option('--baseline <file>', 'judge the run against a learned baseline (lbua baseline build): the history detector')
    .option('--no-color', 'no colour in tables (also NO_COLOR=1)')
    .action(async (args: string[], raw: RawAnalyzeOptions) => {
      const failOn = parseSeverity(raw.failOn);
      const emit = raw.emitRules === undefined ? null : parseRuleTarget(raw.emitRules);
      const plain = detectorSelection(raw);
      const selection = plain !== null && raw.baseline !== undefined ? { ...plain, withBaseline: true } : plain;
      const outFile = raw.out ?? null;
      const kind = parseOutputOption(raw.output, outFile, process.stdout.isTTY === true);
      const options = {
        ...readOptions(raw),
        // JSON and HTML reports are read later, away from the logs: they carry the evidence lines themselves.
        evidenceText: kind !== 'table' || raw.evidence === true,
        detectors: selection,
        top: parsePositiveInt('top', raw.top, 10),
        maxWarnings: parseNonNegativeInt('max-warnings', raw.maxWarnings, 20),
        ...behaviourOptions(raw),
        summaryOnly: raw.summaryOnly === true,
        jobs: raw.jobs === undefined ? ('auto' as const) : parsePositiveInt('jobs', raw.jobs, 1),
        geo: raw.summaryOnly === true ? null : await geoFromOptions(raw),
        limits: limitsFromEnv(),
        guardShare: parseGuardShare(raw.guardShare),
        baseline: raw.baseline === undefined ? null : readBaseline(raw.baseline),
      };
      if (options.baseline !== null) {
        const diff = settingsDifference(options.baseline.settings, { geo: options.geo !== null, routes: options.routes });
        if (diff !== null) fail('OPTION_INVALID', `--baseline ${raw.baseline ?? ''}: made with other settings than this run (${diff}); give the --route patterns and geo options it was built with`);
      }
      if (selection) validateSelection(selection);
      const expanded = expandInputs(args);
      // Opened first (an unwritable -o fails before the run); a run that fails leaves the old file as it was.
      await withOut(outFile, async (out) => {
        // Table mode: diagnostics go to stderr as they happen; JSON mode: they are in the document's `warnings`.
        const progress = createProgress(process.stderr);
        const { report, hadInputErrors } = await analyze(
          expanded.inputs,
          options,
          kind === 'table' ? (d) => progress.around(() => process.stderr.write(`${stripControl(formatDiagnostic(d))}${d.hint ? ` (${d.hint})` : ''}\n`)) : undefined,
          undefined,
          progress.update,
          expanded.diagnostics,
        );
        progress.done();
        // No record at all: one line and exit 2, never a report that reads as all clear (the old -o file stays).
        const why = noRecordReason(report);
        if (why !== null) fail('INPUT_NO_RECORDS', why.message, why.hint);
        if (failOn !== null && !detectorsRan(report)) process.stderr.write(`lbua: warning: --fail-on ${failOn} with detectors not run (${notRunBecause(report)}): the exit code says nothing about findings\n`);
        if (emit !== null) out.write(renderRules(report.findings, emit));
        else {
          const color = kind === 'table' && outFile === null && colorEnabled(process.stdout, raw.color === false);
          out.write(REPORTERS[kind].render(report, {
            color, columns: process.stdout.columns ?? 120, evidence: raw.evidence === true,
            ...(process.stdout.isTTY && process.stdout.columns ? { fit: process.stdout.columns } : {}),
          }));
          // Table mode shows diagnostics on stderr as they come; the documents carry them all in `warnings`.
          const hidden = report.warnings_total - report.warnings.length;
          if (kind === 'table' && hidden > 0) process.stderr.write(`lbua: ${hidden} more diagnostic(s) not shown (--max-warnings)\n`);
        }
        if (failOn !== null && report.findings.some((f) => atOrAbove(f.severity, failOn))) setExit(1);
        if (options.strict && hadInputErrors) {
          process.stderr.write('lbua: --strict: input had malformed lines, damage or unreadable paths\n');
          setExit(2);
        }
      });
    });
}
