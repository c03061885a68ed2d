/** Option normalization: every default and validation of the CLI lives here (csv-parse style). */
import { fail } from '../core/types';
import type { EpochMs } from '../core/types';
import { getFormat } from '../formats/registry';
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
 * `--output`; when absent: from the -o file extension (a reporter's `extensions`: .json, .html/.htm), else table on
 * a terminal and JSON when piped.
 */
export function parseOutputOption(v: string | undefined, outFile: string | null, stdoutIsTTY: boolean): OutputKind {
  if (v !== undefined) {
    if (isOutputKind(v)) return v;
    fail('OPTION_INVALID', `--output must be ${outputKindList()}, got ${JSON.stringify(v)}`);
  }
  if (outFile !== null) return reporterForFile(outFile) ?? 'table';
  return stdoutIsTTY ? 'table' : 'json';
}

/** Checks --from < --to. */
export function checkRange(from: EpochMs | null, to: EpochMs | null): void {
  if (from !== null && to !== null && from >= to) fail('OPTION_INVALID', '--from must be earlier than --to');
}
