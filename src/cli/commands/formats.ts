/**
 * `lbua formats`: id, one-line description, docs link and a sample line for each format (the user's declared
 * layouts included). `lbua formats --explain FILE`: which format auto-detection picks for FILE and why (the score of
 * every format on its first lines), then, for the first lines, the format that took each one and the record fields
 * it mapped — or why each format refused it.
 */
import type { Command } from 'commander';
import { recordToJson } from '../../core/record-json';
import { stripControl, terminalSafeJson } from '../../core/text';
import { fail } from '../../core/types';
import { detectFormat, DETECT_SAMPLE_LINES } from '../../formats/detect';
import { formatSet } from '../../formats/registry';
import type { FormatParser } from '../../formats/types';
import { readLineBatches, type ReadOutcome } from '../../input/lines';
import { withOut } from '../output';
import { maxOf } from '../../core/arrays';
import { parseLayouts } from '../layouts';
import { parsePositiveInt } from '../options';

interface RawFormatsOptions {
  readonly output: string;
  readonly explain?: string;
  readonly lines?: string;
  readonly logFormat?: string[];
  readonly formatFile?: string;
}

const collect = (v: string, prev: unknown): string[] => [...(Array.isArray(prev) ? prev.filter((x): x is string => typeof x === 'string') : []), v];

/** What --explain says about one line. */
interface LineExplained {
  readonly line: number;
  /** For a line that holds several records (Azure `{"records":[…]}`): which of them this is, 1-based, and of how many. */
  readonly record?: number;
  readonly of?: number;
  /** The line, or that record of it. */
  readonly text: string;
  /** The format that took the line (the detected one first, then the others in detection order); null: none. */
  readonly format: string | null;
  readonly fields: Record<string, unknown> | null;
  /** Why each format refused the line, when none took it. */
  readonly refused: readonly { readonly format: string; readonly reason: string }[];
}

/** Adds the command. */
export function registerFormats(program: Command): void {
  program
    .command('formats')
    .description('list the supported log formats with a sample line each; --explain FILE shows how a file\'s lines are read')
    .option('--output <kind>', 'table or json', 'table')
    .option('--explain <file>', 'which format each of the first lines of FILE matched, and how its fields mapped')
    .option('--lines <n>', 'with --explain: how many lines to explain (default 5)')
    .option('--log-format <dialect:layout>', 'a layout of your own (as for analyze; repeatable)', collect)
    .option('--format-file <file>', 'named layouts from a JSON file (as for analyze)')
    .action(async (opts: RawFormatsOptions) => {
      if (opts.output !== 'table' && opts.output !== 'json') fail('OPTION_INVALID', `--output must be table or json, got ${JSON.stringify(opts.output)}`);
      const formats = formatSet(parseLayouts(opts.logFormat ?? [], opts.formatFile));
      if (opts.explain !== undefined) {
        await explain(opts.explain, formats.all, parsePositiveInt('lines', opts.lines, 5), opts.output === 'json');
        return;
      }
      if (opts.output === 'json') {
        await withOut(null, (out) => out.write(`${JSON.stringify(formats.all.map((f) => ({ id: f.id, title: f.title, description: f.description, docs: f.docsUrl, sample: f.samples[0] ?? null })), null, 2)}\n`));
        return;
      }
      const lines: string[] = [];
      const width = Math.max(8, maxOf(formats.all.map((f) => f.id.length), 0));
      const indent = ' '.repeat(width + 1);
      for (const f of formats.all) {
        lines.push(`${f.id.padEnd(width)} ${f.title} — ${f.description}`);
        lines.push(`${indent}docs:   ${f.docsUrl}`);
        if (f.samples[0] !== undefined) lines.push(`${indent}sample: ${f.samples[0]}`);
        lines.push('');
      }
      lines.push('Default: --format auto (samples the first lines of each input and picks the format that parses them best).');
      lines.push('Your own layout: --log-format \'nginx:<log_format>\' (also apache:, haproxy:, envoy:), or --format-file.');
      await withOut(null, (out) => out.write(`${lines.join('\n')}\n`));
    });
}

/** The first `max` lines of a file (gzip or plain; '-' for stdin). */
async function firstLines(path: string, max: number): Promise<string[]> {
  const outcome: ReadOutcome = { gzip: false, damage: null };
  const lines: string[] = [];
  try {
    for await (const batch of readLineBatches(path, outcome, { maxLineLength: 64 * 1024 })) {
      for (const l of batch.lines) lines.push(l ?? '');
      if (lines.length >= max) break;
    }
  } catch (e) {
    fail('INPUT_UNREADABLE', `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : 'error')})`);
  }
  return lines.slice(0, max);
}

async function explain(path: string, all: readonly FormatParser[], count: number, asJson: boolean): Promise<void> {
  const sample = await firstLines(path, DETECT_SAMPLE_LINES);
  const det = detectFormat(sample, all);
  const order = det.format === null ? all : [det.format, ...all.filter((f) => f !== det.format)];
  const explained: LineExplained[] = [];
  for (let i = 0; i < sample.length && explained.length < count; i++) {
    const text = sample[i] ?? '';
    if (text.trim() === '') continue;
    const ctx = { source: { file: path, line: i + 1 }, strict: false };
    // A line that holds several records is explained record by record, as a run reads it (the first format, in
    // detection order, that splits it).
    let parts: readonly string[] | null = null;
    for (const f of order) if (parts === null && f.split !== undefined) parts = f.split(text);
    for (const [j, part] of (parts ?? [text]).entries()) {
      if (explained.length >= count) break;
      const refused: { format: string; reason: string }[] = [];
      let took: { format: string; fields: Record<string, unknown> } | null = null;
      for (const f of order) {
        const r = f.parse(part, ctx);
        if (r.kind === 'record') {
          took = { format: f.id, fields: Object.fromEntries(Object.entries(recordToJson(r.record)).filter(([k, v]) => v !== null && k !== 'format' && k !== 'source')) };
          break;
        }
        refused.push({ format: f.id, reason: r.kind === 'skip' ? `skipped (${r.reason})` : r.diagnostic.message });
      }
      explained.push({
        line: i + 1, ...(parts === null ? {} : { record: j + 1, of: parts.length }), text: part,
        format: took?.format ?? null, fields: took?.fields ?? null, refused: took === null ? refused : [],
      });
    }
  }
  const doc = { file: path, detected: det.format?.id ?? null, score: Math.round(det.score * 1000) / 1000, scores: det.scores, sample_lines: sample.filter((l) => l.trim() !== '').length, lines: explained };
  if (asJson) {
    await withOut(null, (out) => out.write(`${terminalSafeJson(JSON.stringify(doc, null, 2))}\n`));
    return;
  }
  const out: string[] = [];
  out.push(`${stripControl(path)}: ${det.format === null ? 'no format parses its first lines' : `read as ${det.format.id}`} (${doc.sample_lines} non-blank sample lines)`);
  out.push(`  scores (share of sample lines parsed): ${det.scores.map((s) => `${s.id} ${s.score.toFixed(3)}`).join(', ')}`);
  for (const e of explained) {
    out.push('');
    out.push(`line ${e.line}${e.record === undefined ? '' : `, record ${e.record} of ${e.of ?? '?'}`}: ${stripControl(e.text.length > 160 ? `${e.text.slice(0, 159)}…` : e.text)}`);
    if (e.format !== null && e.fields !== null) {
      out.push(`  → ${e.format}${e.format !== doc.detected ? ` (not the detected ${doc.detected ?? 'format'})` : ''}`);
      const width = maxOf(Object.keys(e.fields).map((k) => k.length), 0);
      for (const [k, v] of Object.entries(e.fields)) out.push(`    ${k.padEnd(width)}  ${stripControl(typeof v === 'string' ? v : JSON.stringify(v))}`);
    } else {
      out.push('  → no format takes it:');
      for (const r of e.refused) out.push(`    ${r.format.padEnd(12)} ${stripControl(r.reason)}`);
    }
  }
  await withOut(null, (o) => o.write(`${out.join('\n')}\n`));
}
