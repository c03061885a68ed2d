/**
 * `lbua report saved.json -o report.html`: renders a JSON report saved earlier (cron keeps JSON and renders on
 * demand), as HTML or any other reporter's output. The file may be gzipped or come on stdin; it is checked once
 * (parseReport): a file that is not an lbua report, or has a field of the wrong type, exits 2 with one line.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fail } from '../../core/types';
import { errCode } from '../../input/expand';
import { parseReport } from '../../report/parse';
import { outputKindList } from '../../report/registry';
import type { Report } from '../../report/types';
import { withOuts } from '../output';
import { parseColorOption, parseOutputTargets } from '../options';
import { writeReport } from '../write-report';
import { collectList } from './analyze';

/** Reports larger than this are not lbua reports (a 1M-line run's JSON is well under 1 MB). */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

interface RawReportOptions {
  /** Repeatable: each -o is one output. */
  readonly out?: string[];
  readonly output?: string;
  readonly evidence?: boolean;
  /** `--color <when>` (a string) or `--no-color` (false). */
  readonly color?: string | boolean;
}

/** Reads and checks a saved report. Throws LbuaError (exit 2) when it is unreadable or not a report. */
export function loadReport(path: string): Report {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path === '-' ? 0 : path);
  } catch (e) {
    fail('INPUT_UNREADABLE', `${path}: cannot read (${errCode(e)})`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_REPORT_BYTES });
    } catch (e) {
      fail('INPUT_UNREADABLE', `${path}: damaged gzip (${errCode(e)})`);
    }
  }
  if (bytes.length > MAX_REPORT_BYTES) fail('INPUT_UNREADABLE', `${path}: too large for an lbua report`);
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    fail('INPUT_UNREADABLE', `${path}: not JSON (${e instanceof Error ? e.message : String(e)})`, 'save one with `lbua analyze ... --output json -o report.json`');
  }
  return parseReport(doc, path);
}

/** Adds the command. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('render a saved JSON report (from `analyze --output json`), by default as a self-contained HTML page')
    .argument('<report.json>', 'a saved report (may be gzipped; - for stdin)')
    .option('-o, --out <file>', 'write the output to a file (default stdout), its kind from the extension (.html, .json, .md; .gz gzips; - is stdout); repeatable', collectList)
    .option('--output <kind>', `${outputKindList()} (default: from the -o extension, else html)`)
    .option('--evidence', 'with --output table: show evidence lines under each finding (as analyze --evidence)')
    .option('--color <when>', 'colour in tables: auto, always or never', 'auto')
    .option('--no-color', 'the same as --color never')
    .action(async (path: string, raw: RawReportOptions) => {
      const targets = parseOutputTargets(raw.output, false, raw.out ?? [], 'html');
      const color = parseColorOption(raw.color);
      const report = loadReport(path);
      await withOuts(targets.map((t) => t.file), (outs) => writeReport(report, targets, outs, { color, evidence: raw.evidence === true }));
    });
}
