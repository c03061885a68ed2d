/**
 * Evidence text: findings name their evidence by file and line; reports that are read later (JSON kept by cron,
 * HTML attached to a ticket) need the lines themselves. After the run, each file holding evidence is read again,
 * only up to its last wanted line, and the wanted lines are attached (capped, control characters removed).
 * Standard input cannot be read twice, so its evidence keeps file and line only.
 */
import { maxOf } from '../core/arrays';
import { excerpt } from '../core/text';
import { detectFormat } from '../formats/detect';
import { formatSet, type FormatSet } from '../formats/registry';
import { parseLine } from '../formats/shared/split';
import { reportFormats } from '../formats/layout/specs';
import { isoTime } from '../core/units';
import type { InputSpec } from '../input/expand';
import { readLineBatches, type ReadOutcome } from '../input/lines';
import type { ReportFinding } from './types';

/** Longest evidence line kept in a report, in characters. */
export const EVIDENCE_TEXT_MAX = 2000;

/** Returns the findings with `text` on every evidence entry that could be read again. */
export async function attachEvidenceText(
  findings: readonly ReportFinding[],
  inputs: readonly InputSpec[],
  maxLineLength: number,
): Promise<ReportFinding[]> {
  const wanted = new Map<string, Set<number>>();
  for (const f of findings) for (const e of f.evidence) {
    let lines = wanted.get(e.file);
    if (!lines) wanted.set(e.file, (lines = new Set()));
    lines.add(e.line);
  }
  const found = new Map<string, Map<number, string>>();
  for (const input of inputs) {
    const lines = input.stdin ? undefined : wanted.get(input.path);
    if (!lines || found.has(input.path)) continue;
    const last = maxOf(lines);
    const texts = new Map<number, string>();
    found.set(input.path, texts);
    const outcome: ReadOutcome = { gzip: false, damage: null };
    try {
      for await (const batch of readLineBatches(input.path, outcome, { maxLineLength })) {
        const end = batch.firstLine + batch.lines.length - 1;
        for (let i = 0; i < batch.lines.length; i++) {
          const text = batch.lines[i];
          if (lines.has(batch.firstLine + i) && text !== null && text !== undefined) texts.set(batch.firstLine + i, excerpt(text, EVIDENCE_TEXT_MAX));
        }
        if (end >= last) break;
      }
    } catch {
      // The file went away or changed since the run: keep file and line only.
    }
  }
  return findings.map((f) => ({
    ...f,
    evidence: f.evidence.map((e) => {
      const text = found.get(e.file)?.get(e.line);
      return text === undefined ? { file: e.file, line: e.line } : { file: e.file, line: e.line, text };
    }),
  }));
}

/** How a report's evidence lines are read: the format each input was read with, by path, among the report's formats. */
export interface EvidenceFormats {
  readonly byFile: ReadonlyMap<string, string | null>;
  /** The built-in formats and those the run declared (options.layouts: formats/layout/specs.ts). */
  readonly formats: FormatSet;
}

/** The EvidenceFormats of a report's inputs and options (computed once per rendering). */
export function inputFormats(inputs: readonly { readonly path: string; readonly format: string | null }[], options?: { readonly [k: string]: unknown } | null): EvidenceFormats {
  return { byFile: new Map(inputs.map((i) => [i.path, i.format])), formats: reportFormats(options) };
}

/** evidenceSummary of an evidence line of `file`, read with its input's format. */
export function evidenceLineSummary(text: string, file: string, formats: EvidenceFormats): string | null {
  return evidenceSummary(text, formats.byFile.get(file) ?? null, formats.formats);
}

/**
 * An evidence line as the part an on-call engineer reads — time, client, request, status (and the target of a server
 * error), duration, agent — where a raw ALB line cut to the screen width shows only its type, timestamps and load
 * balancer name. Parsed with `format` (the id its input was read with: a built-in format or one the run declared,
 * among `formats`, reportFormats of the report's options), or, for a report that does not say, with whichever of
 * them parses it; null when it does not parse (the caller shows it raw).
 */
export function evidenceSummary(text: string, format: string | null = null, formats: FormatSet = formatSet()): string | null {
  const parser = (format === null ? undefined : formats.get(format)) ?? detectFormat([text], formats.all).format;
  if (parser === null || parser === undefined) return null;
  // A line that holds several records (Azure `{"records":[…]}`) is shown by its first, with how many more it holds.
  const results = parseLine(parser, text, { source: { file: '', line: 0 }, strict: false, detecting: true });
  const parsed = results.find((p) => p.kind === 'record');
  if (parsed?.kind !== 'record') return null;
  const r = parsed.record;
  const more = results.length > 1 ? `  (+${results.length - 1} more record${results.length === 2 ? '' : 's'} on the line)` : '';
  const time = Number.isFinite(r.startMs) ? isoTime(r.startMs).slice(11, 23) : '-';
  const request = r.path === null ? '(no request line)' : `${r.method ?? '-'} ${r.path}${r.query === null ? '' : '?…'}`;
  const ms = r.durationMs === null ? '' : `  ${r.durationMs < 10 ? r.durationMs.toFixed(1) : Math.round(r.durationMs).toLocaleString('en-US')} ms`;
  const agent = r.userAgent === null ? '' : `  "${r.userAgent}"`;
  // A server error names the target that answered (or failed to).
  const target = r.backend !== null && r.status !== null && r.status >= 500 ? ` from ${r.backend}` : '';
  return `${time}  ${r.clientIp ?? '-'}  ${request} → ${r.status ?? '-'}${target}${ms}${agent}${more}`;
}
