/**
 * `lbua diff old.json new.json`: what changed between two saved reports (report/diff.ts), as tables, JSON
 * (`lbua.diff/1`) or markdown. Reports may be gzipped (loadReport). Exit 0; 1 with --fail-on when a finding new in
 * the new report is at or above that severity (cron: yesterday's report against today's); 2 when a report cannot
 * be read or is not a valid report (one line).
 */
import type { Command } from 'commander';
import { fail } from '../../core/types';
import { diffReports } from '../../report/diff';
import { DIFF_KINDS, renderDiff, type DiffKind } from '../../report/diff-render';
import { colorEnabled } from '../../report/style';
import { atOrAbove } from '../../detect/stage';
import { SEVERITIES, type Severity } from '../../detect/types';
import { withOut } from '../output';
import { loadReport } from './report';

interface RawDiffOptions {
  readonly out?: string;
  readonly output?: string;
  readonly failOn?: string;
  readonly color?: boolean;
}

/** --output, or the -o extension (.json, .md), or table on a terminal and JSON when piped. */
function diffKind(v: string | undefined, out: string | null, tty: boolean): DiffKind {
  if (v !== undefined) {
    const k = DIFF_KINDS.find((x) => x === v);
    if (k === undefined) fail('OPTION_INVALID', `--output must be ${DIFF_KINDS.join(', ')}, got ${JSON.stringify(v)}`);
    return k;
  }
  if (out !== null) {
    const lower = out.toLowerCase();
    if (lower.endsWith('.json')) return 'json';
    if (lower.endsWith('.md') || lower.endsWith('.markdown')) return 'markdown';
    return 'table';
  }
  return tty ? 'table' : 'json';
}

function parseFailOn(v: string | undefined): Severity | null {
  if (v === undefined) return null;
  const s = SEVERITIES.find((x) => x === v);
  if (s === undefined) fail('OPTION_INVALID', `--fail-on must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(v)}`);
  return s;
}

/** Adds the command. */
export function registerDiff(program: Command, setExit: (code: number) => void): void {
  program
    .command('diff')
    .description('what changed between two saved reports (`analyze --output json`, gzipped or not): traffic, endpoints, new and gone keys, findings')
    .argument('<old.json>', 'the earlier saved report')
    .argument('<new.json>', 'the later saved report')
    .option('-o, --out <file>', 'write the diff to a file (kind from the extension: .json, .md)')
    .option('--output <kind>', `${DIFF_KINDS.join('|')} (default: from the -o extension; else table on a terminal, json when piped)`)
    .option('--fail-on <severity>', 'exit 1 when a finding new in the new report is at or above this severity (info|low|medium|high|critical)')
    .option('--no-color', 'no colour in tables (also NO_COLOR=1)')
    .action(async (oldPath: string, newPath: string, raw: RawDiffOptions) => {
      const out = raw.out ?? null;
      const kind = diffKind(raw.output, out, process.stdout.isTTY === true);
      const failOn = parseFailOn(raw.failOn);
      if (oldPath === '-' && newPath === '-') fail('OPTION_INVALID', 'only one of the two reports can come on stdin');
      const diff = diffReports(loadReport(oldPath), loadReport(newPath), oldPath, newPath);
      const color = kind === 'table' && out === null && colorEnabled(process.stdout, raw.color === false);
      await withOut(out, (o) => o.write(renderDiff(diff, kind, color, process.stdout.columns ?? 120)));
      if (failOn !== null && diff.findings.new.some((f) => atOrAbove(f.severity, failOn))) setExit(1);
    });
}
