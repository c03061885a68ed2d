/** Option normalization: every default and validation of the CLI lives here (csv-parse style). */
import { fail } from '../core/types';
import type { EpochMs } from '../core/types';
import { resolve } from 'node:path';
import { getFormat } from '../formats/registry';
import { SEVERITIES, type Severity } from '../detect/types';
import { isOutputKind, outputKindList, reporterForFile, type OutputKind } from '../report/registry';

/** `--from/--to` value → epoch ms. Accepts ISO 8601 dates or date-times; no zone means UTC. */
export function parseTimeOption(name: string, v: string | undefined): EpochMs | null {
  if (v === undefined) return null;
  let s = v.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += 'T00:00:00Z';
  else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s = `${s.replace(' ', 'T')}Z`;
  const t = Date.parse(s);
  if (Number.isNaN(t)) fail('OPTION_INVALID', `--${name} must be an ISO 8601 date or time (e.g. 2026-03-10T09:00:00Z), got ${JSON.stringify(v)}`);
  return t;
}

/** A positive integer option. */
export function parsePositiveInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) fail('OPTION_INVALID', `--${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

/** A non-negative integer option. */
export function parseNonNegativeInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) fail('OPTION_INVALID', `--${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

/** `--format`: auto, a built-in id, or the name of a declared layout. */
export function parseFormatOption(v: string | undefined, layouts: readonly { readonly id: string }[] = []): string {
  if (v === undefined || v === 'auto') return 'auto';
  if (!getFormat(v) && !layouts.some((l) => l.id === v)) fail('OPTION_INVALID', `unknown format ${JSON.stringify(v)}`, 'run `lbua formats` to list them');
  return v;
}

/** Output kinds of `lbua analyze` and `lbua report`: the reporters' ids (report/registry.ts). */
export type { OutputKind } from '../report/registry';

/**
 * `--output` (one kind, for stdout or a single -o file); when absent: from the -o file extension (a reporter's
 * `extensions`: .json, .html/.htm, .md, each also gzipped as .gz), else table — on a terminal or not: JSON only when
 * asked for (`--output json`, `--json`, `-o *.json`), so `| less` and `| grep` get the table.
 */
export function parseOutputOption(v: string | undefined, outFile: string | null): OutputKind {
  if (v !== undefined) return parseKind(v);
  if (outFile !== null) return kindOfFile(outFile) ?? 'table';
  return 'table';
}

function parseKind(v: string): OutputKind {
  const k = v.toLowerCase();
  if (isOutputKind(k)) return k;
  return fail('OPTION_INVALID', `--output must be ${outputKindList()}, got ${JSON.stringify(v)}`);
}

/** The kind a file name says (`r.json`, `r.json.gz`, `r.HTML`), or null. */
export function kindOfFile(file: string): OutputKind | null {
  return reporterForFile(isGzipName(file) ? file.slice(0, -3) : file);
}

/** True for a `*.gz` output name: written gzipped. */
export function isGzipName(file: string): boolean {
  return file.toLowerCase().endsWith('.gz');
}

/** One output of a run: stdout (file null) or a file, its kind, gzipped or not. */
export interface OutputTarget {
  readonly file: string | null;
  readonly kind: OutputKind;
  readonly gzip: boolean;
}

/**
 * The outputs of `--output`, `--json` and the (repeatable) `-o`: `-o -` is stdout, a `*.gz` name is written
 * gzipped (its kind from the name inside: `r.json.gz` is JSON). With no -o: stdout. With one: as parseOutputOption
 * (`--output` wins over the extension). With several, each file's kind comes from its extension; `--output` (or
 * `--json`) then gives the kind of the targets whose name says none (`-`, `r.txt`: `--json -o - -o r.md`), and is a
 * usage error when no target takes it and a name contradicts it (`--output json -o r.json -o r.html`: which did you
 * mean?); targets that say none without `--output` get `dflt` (analyze: table; report: html). Two
 * targets naming the same file (or stdout twice) are a usage error.
 */
export function parseOutputTargets(output: string | undefined, json: boolean, outs: readonly string[], dflt: OutputKind = 'table'): OutputTarget[] {
  let kind = output === undefined ? undefined : parseKind(output);
  if (json) {
    if (kind !== undefined && kind !== 'json') fail('OPTION_INVALID', `--json and --output ${kind} contradict each other`);
    kind = 'json';
  }
  if (outs.length === 0) return [{ file: null, kind: kind ?? dflt, gzip: false }];
  const seen = new Set<string>();
  for (const o of outs) {
    const key = o === '-' ? '-' : resolve(o);
    if (seen.has(key)) fail('OPTION_INVALID', `-o ${o} is given twice`, 'each -o names another file (and - stdout once)');
    seen.add(key);
  }
  const named = outs.map((o) => (o === '-' ? null : kindOfFile(o)));
  if (outs.length > 1 && kind !== undefined && !named.includes(null)) {
    const other = outs.find((_, i) => named[i] !== kind);
    if (other !== undefined) {
      fail('OPTION_INVALID', `--output ${kind} contradicts -o ${other} (its name says ${named[outs.indexOf(other)] ?? '?'})`, 'with several -o each file\'s kind comes from its extension; --output (or --json) is for - and names without a known extension');
    }
  }
  return outs.map((o, i) => {
    const file = o === '-' ? null : o;
    const gzip = file !== null && isGzipName(file);
    const own = named[i] ?? null;
    if (outs.length === 1) return { file, kind: kind ?? own ?? dflt, gzip };
    return { file, kind: own ?? kind ?? dflt, gzip };
  });
}

/** Checks --from < --to. */
export function checkRange(from: EpochMs | null, to: EpochMs | null): void {
  if (from !== null && to !== null && from >= to) fail('OPTION_INVALID', '--from must be earlier than --to');
}

/** `--color auto|always|never` (`--no-color` is never): auto colours a table on a terminal unless NO_COLOR is set. */
export type ColorMode = 'auto' | 'always' | 'never';

/** The colour mode of commander's `color` value (a string from --color, false from --no-color, or absent). */
export function parseColorOption(v: string | boolean | undefined): ColorMode {
  if (v === undefined || v === true) return 'auto';
  if (v === false) return 'never';
  const m = v.toLowerCase();
  if (m === 'auto' || m === 'always' || m === 'never') return m;
  return fail('OPTION_INVALID', `--color must be auto, always or never, got ${JSON.stringify(v)}`);
}

/** A severity option (`--fail-on HIGH`): case-insensitive, one of info, low, medium, high, critical. */
export function parseSeverityOption(name: string, v: string | undefined): Severity | null {
  if (v === undefined) return null;
  const lower = v.trim().toLowerCase();
  const found = SEVERITIES.find((s) => s === lower);
  if (found === undefined) fail('OPTION_INVALID', `--${name} must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(v)}`);
  return found;
}
