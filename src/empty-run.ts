/**
 * A run that read no record must not look like a clean one: cron jobs read "No findings." and exit 0 as all clear.
 * These pure functions say why a report holds no record (the CLI then exits 2 with that one line instead of writing
 * the report) and which of several inputs yielded none (a warning, shown at the top of the report).
 */
import type { Report, ReportInput, ReportWarning } from './core/report-types';
import type { Diagnostic } from './core/types';

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The names of up to five inputs, then how many more. */
function names(inputs: readonly ReportInput[]): string {
  const shown = inputs.slice(0, 5).map((i) => i.path).join(', ');
  return inputs.length > 5 ? `${shown} and ${inputs.length - 5} more` : shown;
}

/** Why a run read no record: one line, and a hint when there is something to try. */
export interface NoRecord {
  readonly message: string;
  readonly hint?: string;
}

const FORMAT_HINT = 'run `lbua formats` for the formats lbua reads, or pass --format';

/** Why the report holds no record; null when it holds some. */
export function noRecordReason(report: Pick<Report, 'inputs' | 'warnings' | 'options'>): NoRecord | null {
  const inputs = report.inputs;
  const sum = (k: 'lines' | 'records' | 'filtered' | 'skipped' | 'malformed'): number => inputs.reduce((a, i) => a + i[k], 0);
  if (sum('records') > 0) return null;
  if (inputs.length === 0) return { message: 'no record: no input' };
  if (sum('lines') === 0) return { message: `no record: no input lines at all (${inputs.length === 1 ? `${names(inputs)} is empty` : `${plural(inputs.length, 'input')}, all empty: ${names(inputs)}`})` };
  const filtered = sum('filtered');
  if (filtered > 0) {
    const window = [report.options['from'] === null ? null : `from ${String(report.options['from'])}`, report.options['to'] === null ? null : `to ${String(report.options['to'])}`].filter((x) => x !== null).join(' ');
    return { message: `no record in the time window (${window || '--from/--to'}): ${plural(filtered, 'record')} read, all outside it`, hint: 'check --from/--to against the time range of the logs' };
  }
  const malformed = sum('malformed');
  if (malformed > 0) {
    // The most telling warning first: no format at all, then a forced format that does not fit, then a line error.
    const noFormat = report.warnings.find((w) => w.code === 'DETECT_NO_FORMAT');
    if (noFormat !== undefined) return withHint(`no record: ${where(noFormat)}${noFormat.message.replace(/; every line counted as malformed$/, '')}`, noFormat);
    const mismatch = report.warnings.find((w) => w.code === 'FORMAT_MISMATCH');
    if (mismatch !== undefined) return withHint(`no record: ${mismatch.message}`, mismatch);
    const first = report.warnings.find((w) => w.code.startsWith('PARSE_'));
    const formats = [...new Set(inputs.filter((i) => i.malformed > 0).map((i) => i.format ?? '?'))].join(', ');
    return { message: `no record: all ${plural(malformed, 'line')} malformed as ${formats}${first ? ` (first, ${where(first)}${first.message})` : ''}`, hint: FORMAT_HINT };
  }
  const notALog = report.warnings.some((w) => w.code === 'INPUT_NOT_A_LOG');
  return { message: `no record: ${plural(sum('lines'), 'line')} read, all skipped (${notALog ? 'no file found under the directories is a log lbua reads' : 'blank lines, headers or comments'})` };
}

/** `message` with the warning's own hint (how to decompress, which format to try), else the general one. */
function withHint(message: string, w: ReportWarning): NoRecord {
  return { message, hint: w.hint ?? FORMAT_HINT };
}

function where(w: ReportWarning): string {
  return w.file === null ? '' : `${w.file}${w.line === null ? '' : `:${w.line}`}: `;
}

/** Why one input yielded no record, in a few words; null when it did, or when it needs no word (only skipped lines). */
function emptyBecause(i: ReportInput): string | null {
  if (i.records > 0 || i.filtered > 0) return null;
  if (i.lines === 0) return 'empty';
  if (i.malformed === 0) return null;
  return i.format === null ? 'no format matched' : `every line malformed as ${i.format}`;
}

/**
 * The warning naming the inputs that yielded no record while others did (null when there are none, or when no input
 * yielded a record: then the run ends with noRecordReason). Inputs of only skipped lines (a directory's non-logs,
 * the AWS test file) are named elsewhere or need no word.
 */
export function inputsWithoutRecordsDiagnostic(inputs: readonly ReportInput[]): Diagnostic | null {
  if (!inputs.some((i) => i.records > 0)) return null;
  const empty = inputs.flatMap((i) => {
    const why = emptyBecause(i);
    return why === null ? [] : [`${i.path} (${why})`];
  });
  if (empty.length === 0) return null;
  const shown = empty.slice(0, 5).join(', ');
  return {
    code: 'INPUT_NO_RECORDS', severity: 'warning', source: null,
    message: `${empty.length.toLocaleString('en-US')} of ${plural(inputs.length, 'input')} yielded no record: ${shown}${empty.length > 5 ? ` and ${empty.length - 5} more` : ''}`,
    hint: FORMAT_HINT,
  };
}
