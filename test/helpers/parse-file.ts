/** Test helpers: parse a whole (small) file with one format, without the CLI. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { recordToJson } from '../../src/core/record-json';
import type { FormatParser, ParseResult } from '../../src/formats/types';

/**
 * One expected entry per input line; a line that holds several records (FormatParser.split) gives one entry per
 * record, with `entry` (1-based) among them.
 */
export type LineOutcome = ({ line: number; kind: 'record'; record: Record<string, unknown> }
  | { line: number; kind: 'skip'; reason: string; note?: string }
  | { line: number; kind: 'error'; code: string; field: string | null; message: string }) & { entry?: number };

/** Reads a file (gz by magic bytes) and splits it into lines (LF or CRLF; a final newline ends the last line). */
export function readTextLines(path: string): string[] {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const text = buf.toString('utf8');
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Converts a ParseResult into its fixture form. */
export function outcome(result: ParseResult, line: number): LineOutcome {
  switch (result.kind) {
    case 'record':
      return { line, kind: 'record', record: recordToJson(result.record) };
    case 'skip':
      return { line, kind: 'skip', reason: result.reason, ...(result.note ? { note: `${result.note.code}: ${result.note.message}` } : {}) };
    case 'error':
      return {
        line,
        kind: 'error',
        code: result.diagnostic.code,
        field: result.diagnostic.field ?? null,
        message: result.diagnostic.message,
      };
  }
}

/** Parses every line of `path` with `format`, naming the source `fileLabel`. */
export function parseFile(format: FormatParser, path: string, fileLabel: string, strict = false): LineOutcome[] {
  const lines = readTextLines(path);
  // A format whose files declare their layout in a header (CloudFront #Fields) reads the file by it, as a run does.
  const f = format.forInput ? format.forInput(lines) : format;
  return lines.flatMap((text, i) => {
    const ctx = { source: { file: fileLabel, line: i + 1 }, strict };
    const parts = f.split?.(text) ?? null;
    if (parts === null) return [outcome(f.parse(text, ctx), i + 1)];
    return parts.map((p, j) => ({ ...outcome(f.parse(p, ctx), i + 1), entry: j + 1 }));
  });
}
