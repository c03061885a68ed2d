/**
 * What `lbua watch` reads: a growing file followed with `tail -F` semantics (input/follow.ts), a directory into which
 * complete log files arrive (input/follow-dir.ts: each group of one 5-minute slot read merged by time, as
 * `lbua analyze` reads overlapping files), or stdin. Each is a WatchSource: it parses with the same readers as a
 * batch run (format detected from the first lines, every line accounted for) and says where to resume.
 */
import { statSync } from 'node:fs';
import type { InputSpec } from '../input/expand';
import { followFile, type FollowNotice, type FollowPosition } from '../input/follow';
import { followDirectory } from '../input/follow-dir';
import { orderInputsByTime, readBatches, runInputs, type DetectedFormats, type InputSummary, type PipelineOptions, type PipelineSink } from '../pipeline';
import type { WatchSource } from './run';

/** Where a watch starts reading what already exists. */
export type WatchStart =
  /** Only what is written from now on (tail -F). */
  | { readonly kind: 'end' }
  /** Everything there is (files from their start, every file of a directory). */
  | { readonly kind: 'start' }
  /** Files from their start; directory files whose time is at or after `sinceMs`. */
  | { readonly kind: 'since'; readonly sinceMs: number };

export interface SourceContext {
  readonly options: PipelineOptions;
  readonly start: WatchStart;
  readonly pollMs: number;
  /** How long a directory's file must stay unchanged before it is read (follow-dir.ts settleMs). */
  readonly settleMs: number;
  readonly signal: AbortSignal;
  readonly notice: (n: FollowNotice) => void;
}

/** The source for one watched path: '-' is stdin; a directory is followed as one; anything else as a file. */
export function watchSource(path: string, ctx: SourceContext, saved: unknown): WatchSource {
  if (path === '-') return stdinSource(ctx);
  let dir = false;
  try {
    dir = statSync(path).isDirectory();
  } catch {
    // A file that does not exist yet is followed until it appears.
  }
  return dir ? dirSource(path, ctx, saved) : fileSource(path, ctx, saved);
}

function totalsOf(summaries: readonly InputSummary[]): { lines: number; records: number; malformed: number } {
  const t = { lines: 0, records: 0, malformed: 0 };
  for (const s of summaries) {
    t.lines += s.lines;
    t.records += s.records;
    t.malformed += s.malformed;
  }
  return t;
}

function stdinSource(ctx: SourceContext): WatchSource {
  const summaries: InputSummary[] = [];
  return {
    label: '-',
    async run(sink) {
      const read = readBatches({ path: '-', stdin: true }, undefined, ctx.options, sink);
      summaries.push(read.summary);
      const stop = (): void => {
        process.stdin.destroy();
      };
      ctx.signal.addEventListener('abort', stop, { once: true });
      try {
        await read.done;
      } catch (e) {
        if (!ctx.signal.aborted) throw e;
      } finally {
        ctx.signal.removeEventListener('abort', stop);
      }
    },
    totals: () => totalsOf(summaries),
    checkpoint: () => null,
  };
}

/** A checkpoint of a followed file: its position (the line after the last one counted). */
function isPosition(v: unknown): v is FollowPosition {
  return typeof v === 'object' && v !== null && typeof (v as FollowPosition).offset === 'number' && typeof (v as FollowPosition).ino === 'number';
}

function fileSource(path: string, ctx: SourceContext, saved: unknown): WatchSource {
  const summaries: InputSummary[] = [];
  const followed = followFile(path, {
    start: isPosition(saved) ? saved : ctx.start.kind === 'end' ? 'end' : 'start',
    pollMs: ctx.pollMs,
    maxLineLength: ctx.options.maxLineLength,
    onNotice: ctx.notice,
    signal: ctx.signal,
  });
  // --since on a file: its records before the time are read and filtered out (counted as `filtered`).
  const options = ctx.start.kind === 'since' ? { ...ctx.options, from: Math.max(ctx.options.from ?? Number.NEGATIVE_INFINITY, ctx.start.sinceMs) } : ctx.options;
  const input: InputSpec = { path, stdin: false };
  return {
    label: path,
    async run(sink) {
      const read = readBatches(input, followed.batches, options, sink);
      summaries.push(read.summary);
      await read.done;
    },
    totals: () => totalsOf(summaries),
    checkpoint: () => followed.position(),
  };
}

function dirSource(dir: string, ctx: SourceContext, saved: unknown): WatchSource {
  const summaries: InputSummary[] = [];
  const seen = Array.isArray(saved) ? saved.filter((x): x is string => typeof x === 'string') : undefined;
  const followed = followDirectory(dir, {
    start: seen !== undefined ? 'new' : ctx.start.kind === 'end' ? 'new' : ctx.start.kind === 'start' ? 'all' : { sinceMs: ctx.start.sinceMs },
    ...(seen !== undefined ? { seen } : {}),
    pollMs: ctx.pollMs,
    settleMs: ctx.settleMs,
    onNotice: ctx.notice,
    signal: ctx.signal,
  });
  // Totals of the files read: a day of 5-minute files is a few thousand summaries, kept as three sums.
  const done = { lines: 0, records: 0, malformed: 0 };
  let inGroup = false;
  return {
    label: dir,
    busy: () => inGroup,
    async run(sink) {
      for await (const group of followed.groups) {
        inGroup = true;
        const inputs: InputSpec[] = group.map((path) => ({ path, stdin: false, walked: true }));
        const detected: DetectedFormats = new Map();
        const ordered = await orderInputsByTime(inputs, ctx.options, detected);
        const read = await runInputs(ordered, ctx.options, sink, detected);
        const t = totalsOf(read);
        done.lines += t.lines;
        done.records += t.records;
        done.malformed += t.malformed;
        inGroup = false;
      }
    },
    totals: () => {
      const t = totalsOf(summaries);
      return { lines: done.lines + t.lines, records: done.records + t.records, malformed: done.malformed + t.malformed };
    },
    checkpoint: () => followed.seen(),
  };
}
