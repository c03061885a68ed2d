/**
 * Lines that hold several records (FormatParser.split), for the callers that read a few lines (detection, the
 * mixed-format sample, `formats --explain`, the first and last times of an input, evidence): processBatch reads
 * them on its own, without the array these allocate.
 */
import type { FormatParser, ParseContext, ParseResult } from '../types';

/** The results of one input line: one, or one per record for a line the format splits (FormatParser.split). */
export function parseLine(format: FormatParser, line: string, ctx: ParseContext): readonly ParseResult[] {
  const parts = format.split?.(line) ?? null;
  return parts === null ? [format.parse(line, ctx)] : parts.map((p) => format.parse(p, ctx));
}

/** What a line gives `format`, in one word: a record when any of its records parses, else skip or error. */
export function lineKind(format: FormatParser, line: string, ctx: ParseContext): ParseResult['kind'] {
  const results = parseLine(format, line, ctx);
  if (results.length === 1) return (results[0] as ParseResult).kind;
  return results.some((r) => r.kind === 'record') ? 'record' : results.some((r) => r.kind === 'skip') ? 'skip' : 'error';
}
