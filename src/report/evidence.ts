/**
 * Evidence text: findings name their evidence by file and line; reports that are read later (JSON kept by cron,
 * HTML attached to a ticket) need the lines themselves. After the run, each file holding evidence is read again,
 * only up to its last wanted line, and the wanted lines are attached (capped, control characters removed).
 * Standard input cannot be read twice, so its evidence keeps file and line only.
 */
import { excerpt } from '../core/text';
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
    const last = Math.max(...lines);
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
