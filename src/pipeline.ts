/**
 * THE pipeline: input → parse → (enrich → sessions → profile/detect, supplied by the caller as sinks) → result.
 * Read this file first. Everything is synchronous per line except reading; the `for await` over line batches is
 * the only suspension point, which gives backpressure for free.
 *
 * Several inputs are read in time order (orderInputsByTime), and those that overlap in time (two servers' logs of
 * the same hours) merged by time, record by record (runInputs, input/merge.ts), so the stateful stages see one
 * stream in time order however the traffic was split into files.
 */
import type { Diagnostic, EpochMs, LogRecord, SourceRef } from './core/types';
import { LbuaError } from './core/types';
import { excerpt } from './core/text';
import type { InputSpec } from './input/expand';
import { StrayGuard, type StrayOutput } from './input/stray';
import { awsLogEndMs } from './input/window';
import { readLineBatches, tailLines, type LineBatch, type ReadOutcome } from './input/lines';
import { mergeByTime } from './input/merge';
import { closestFormat, detectFormat, DETECT_SAMPLE_LINES } from './formats/detect';
import { formatSet, type FormatSpec } from './formats/registry';
import type { FormatParser, ParseContext, ParseResult } from './formats/types';
import { hasSlots, type FreshRecord } from './formats/shared/record';
import { parseLine } from './formats/shared/split';
import { behindProxyDiagnostic, newTally, peerRows, trustedOf, withTrust, type PeerRow } from './trust';
import { alternatesFor, formatsTaken, mixedDiagnostic, withAlternates, type FormatTally } from './mixed';

/** How the pipeline reads and parses. Built by cli/options.ts. */
export interface PipelineOptions {
  /** 'auto' or a format id (a built-in one, or one of `layouts`). */
  readonly format: string;
  /** --trust-proxy: the ranges (CIDR list, `private`) of proxies whose forwarded addresses name the client (trust.ts). */
  readonly trustProxy?: string;
  /** The user's declared layouts (--log-format, --format-file): formats besides the built-in ones. */
  readonly layouts?: readonly FormatSpec[];
  readonly strict: boolean;
  readonly maxLineLength: number;
  /** Keep records with startMs >= from (inclusive) and < to (exclusive). */
  readonly from: EpochMs | null;
  readonly to: EpochMs | null;
  /** Read every file even when its AWS file name puts it outside from/to (input/window.ts). */
  readonly allFiles?: boolean;
  /**
   * How far past the next input's first timestamp an input read before it may reach and still be read to its end
   * first (default 0): overlap within it is read one input after the other, as a sharded run reads it (each task its
   * inputs in turn); beyond it, the inputs are read merged by time. At most the lateness the stages allow (analysis.ts).
   */
  readonly joinSlackMs?: number;
}

/** Per-input totals: every line is accounted for (lines = records + filtered + skipped + malformed). */
export interface InputSummary {
  readonly path: string;
  format: string | null;
  gzip: boolean;
  lines: number;
  records: number;
  /** Parsed, but outside --from/--to. */
  filtered: number;
  /** Blank, comment or header lines, and the logging process's own messages (HAProxy's "Proxy started"). */
  skipped: number;
  malformed: number;
  damaged: { readonly message: string; readonly offset: number } | null;
  firstMs: EpochMs | null;
  lastMs: EpochMs | null;
  /** Lines each format took, when a mixed input was read in several (mixed.ts); absent otherwise. */
  formats?: Record<string, number>;
  /** The format that read the first lines as well as the detected one and lost the tie (absent: no tie). */
  runnerUp?: string;
  /**
   * Lines that each held several records (Azure `{"records":[…]}`, FormatParser.split), and the records they held:
   * each of those is counted as a record, filtered, skipped or malformed, so lines − packed.lines + packed.entries =
   * records + filtered + skipped + malformed. Absent when no line held several.
   */
  packed?: { lines: number; entries: number };
  /** The input's first peers as trust.ts tallied them (without --trust-proxy): the run's proxies are read from them. */
  peers?: readonly PeerRow[];
}

/** Receives every record (in read order: merged by time where inputs overlap, runInputs) and every diagnostic. */
export interface PipelineSink {
  record(r: LogRecord): void;
  diagnostic(d: Diagnostic): void;
  /** Called after each batch of lines with the input's running totals; a returned promise is awaited (backpressure). */
  afterBatch?(progress: InputSummary): Promise<void> | void;
  /**
   * Line-level diagnostics the sink keeps at most (the rest it only counts): a merged read holds back at most this
   * many of an input's until the inputs read before it are done, and counts the rest (unkeptDiagnostics).
   */
  readonly keptLineDiagnostics?: number;
  /** Counts `n` line-level diagnostics that were not passed on (beyond keptLineDiagnostics). */
  unkeptDiagnostics?(n: number): void;
  /**
   * The sink keeps no reference to a record once `record` returns (it keeps copies of what it needs): the parser may
   * then fill the same record object again for a later line instead of allocating one per line (processBatch).
   */
  readonly transient?: boolean;
}

/**
 * Reads every input, feeding the sink; returns one summary per input, in the order of `inputs` (read order).
 *
 * Inputs whose first timestamps are known (`detected`, filled by orderInputsByTime) are read merged by time
 * (input/merge.ts): a run of such inputs goes through one merge, in which each input joins when the merge reaches
 * its first timestamp, so inputs that follow one another in time are read one after the other as before, and
 * inputs that overlap are read record by record in time order. stdin and inputs whose first timestamp is unknown
 * (no record in their first lines, unreadable, or not ordered: --summary-only and the records command read in the
 * given order) are read on their own, in sequence, as before.
 */
export async function runInputs(
  inputs: readonly InputSpec[],
  options: PipelineOptions,
  sink: PipelineSink,
  detected?: DetectedFormats,
  notLogsOut?: string[],
): Promise<InputSummary[]> {
  const forced = forcedFormat(options);
  const summaries: InputSummary[] = [];
  const notLogs: string[] = [];
  const firstOf = (input: InputSpec | undefined): EpochMs | null =>
    input === undefined || input.stdin ? null : (detected?.get(input.path)?.firstMs ?? null);
  for (let i = 0; i < inputs.length;) {
    let end = i + 1;
    if (firstOf(inputs[i]) !== null) while (firstOf(inputs[end]) !== null) end++;
    const readers = inputs.slice(i, end).map((input) => new InputReader(input, forced, options, detected));
    if (readers.length === 1) for (const r of readers) await r.readAll(sink);
    else await readMerged(readers, readers.map((r) => (firstOf(r.input) ?? 0) + (options.joinSlackMs ?? 0)), sink);
    for (const r of readers) {
      summaries.push(r.summary);
      if (r.notALog) notLogs.push(r.summary.path);
    }
    i = end;
  }
  // A task of a sharded run leaves the one diagnostic for every such input to the run (`notLogsOut`).
  if (notLogsOut !== undefined) {
    for (const f of notLogs) notLogsOut.push(f);
    return summaries;
  }
  const d = notALogDiagnostic(notLogs);
  if (d) sink.diagnostic(d);
  return summaries;
}

/** A followed input's format is chosen from the lines it has once it is quiet this long (InputReader.detectWithinMs). */
const DETECT_WITHIN_MS = 1000;

/**
 * Reads one input whose lines come from `batches` (a followed file: `lbua watch`; undefined: the input itself is
 * read), as runInputs reads a file: the format detected from its first lines, every line accounted for in `summary`
 * (which the caller may read at any time), diagnostics to the sink. Resolves when the lines end.
 */
export function readBatches(input: InputSpec, batches: AsyncIterable<LineBatch> | undefined, options: PipelineOptions, sink: PipelineSink): { readonly summary: InputSummary; readonly done: Promise<void> } {
  const reader = new InputReader(input, forcedFormat(options), options, undefined, batches, DETECT_WITHIN_MS);
  return { summary: reader.summary, done: reader.readAll(sink) };
}

/**
 * Reads inputs merged by time. Each input's batches are parsed into records when the merge needs its next ones:
 * one parsed batch buffered per active input (each input's own sink keeps the records, so it is not `transient`:
 * parsers build a fresh record object per line for it, and a buffered batch stays valid), and `afterBatch` runs once a batch's records have all gone to the
 * sink. Diagnostics keep the order a read one after another gives: by input (read order), then line. The first
 * input not yet read to its end passes its own on as they come; a later input's are held until every input before
 * it is done, bounded by the sink's `keptLineDiagnostics` (beyond it, line-level ones are only counted, through
 * `unkeptDiagnostics`). A sink without those gets every diagnostic as it comes, in the merge's (deterministic) order.
 */
async function readMerged(readers: readonly InputReader[], firstMs: readonly EpochMs[], sink: PipelineSink): Promise<void> {
  const held = readers.map(() => new HeldDiagnostics());
  const done = readers.map(() => false);
  let front = 0;
  const limit = sink.unkeptDiagnostics !== undefined ? sink.keptLineDiagnostics : undefined;
  const diagnosticOf = (i: number) => (d: Diagnostic): void => {
    if (limit === undefined || i === front) sink.diagnostic(d);
    else held[i]?.add(d, limit);
  };
  const finished = (i: number): void => {
    done[i] = true;
    while (done[front] === true) {
      front++;
      held[front]?.flush(sink);
    }
  };
  const sources = readers.map((reader, i) => {
    const buffer: LogRecord[] = [];
    const own: PipelineSink = { record: (r) => buffer.push(r), diagnostic: diagnosticOf(i) };
    let opened = false;
    let parsed = false;
    let flushed = false;
    return {
      firstMs: firstMs[i] ?? 0,
      next: async (): Promise<LogRecord[] | null> => {
        if (!opened) {
          opened = true;
          await reader.open(own);
        }
        if (parsed && sink.afterBatch) await sink.afterBatch(reader.summary);
        buffer.length = 0;
        if (flushed) {
          reader.finish(own);
          finished(i);
          return null;
        }
        const batch = await reader.nextBatch();
        if (batch === null) {
          // The record the stray guard still holds comes last, as a chunk of its own.
          flushed = true;
          parsed = false;
          reader.flushHeld(own);
          return buffer;
        }
        reader.parse(batch, own);
        parsed = true;
        return buffer;
      },
    };
  });
  await mergeByTime(sources, (r) => r.startMs, (r) => sink.record(r));
}

/** An input's diagnostics held back while inputs read before it are still being read. */
class HeldDiagnostics {
  private readonly kept: Diagnostic[] = [];
  private lines = 0;
  private unkept = 0;

  /** Holds `d`; a line-level one past the first `limit` is only counted (the sink would not keep it). */
  add(d: Diagnostic, limit: number): void {
    if (d.source !== null && this.lines++ >= limit) this.unkept++;
    else this.kept.push(d);
  }

  /** Passes on what was held, and the count of what was not. */
  flush(sink: PipelineSink): void {
    for (const d of this.kept.splice(0)) sink.diagnostic(d);
    if (this.unkept > 0) sink.unkeptDiagnostics?.(this.unkept);
    this.unkept = 0;
  }
}

/**
 * What the pass that orders inputs by time learned from each input's first lines, by path: the format detected
 * (so the read that follows does not detect again) and the first timestamp (so the read can merge inputs that
 * overlap in time).
 */
export type DetectedFormats = Map<string, KnownInput>;

/** One input's entry in DetectedFormats. */
export interface KnownInput {
  /** The format detected from its first lines (undefined: not detected, as under --format). */
  format: FormatParser | null | undefined;
  /** The earliest start time among the records of its first lines; null when none parsed. */
  firstMs: EpochMs | null;
  /** The latest start time among the records of its last lines, for plain files (tailLines); null when unknown. */
  lastMs: EpochMs | null;
  /** The format that tied with the detected one on its first lines (Detection.runnerUp); absent when none. */
  runnerUp?: string | null;
}

/** The format --format forces (null for auto); LbuaError OPTION_INVALID for an unknown one. */
export function forcedFormat(options: PipelineOptions): FormatParser | null {
  if (options.format === 'auto') return null;
  const f = formatSet(options.layouts).get(options.format);
  if (!f) throw new LbuaError({ code: 'OPTION_INVALID', severity: 'error', message: `unknown format "${options.format}"`, source: null, hint: 'run `lbua formats` to list them' });
  return f;
}

/** Totals of an input before its first line. */
export function emptySummary(path: string, format: string | null): InputSummary {
  return { path, format, gzip: false, lines: 0, records: 0, filtered: 0, skipped: 0, malformed: 0, damaged: null, firstMs: null, lastMs: null };
}

/** Lines read at most (blank ones included) before a format is chosen from whatever sample they gave. */
export const DETECT_MAX_LINES = 10_000;
/** Characters read at most before a format is chosen: the lines held back until then are bounded by this. */
export const DETECT_MAX_CHARS = 4 * 1024 * 1024;

/**
 * The first non-blank lines of an input, for format detection: complete at DETECT_SAMPLE_LINES of them, or once
 * DETECT_MAX_LINES lines or DETECT_MAX_CHARS characters have gone by, so the lines held back until a format is
 * chosen stay bounded (1 GiB of newlines gzipped to 1 MB is a few batches, not a heap of empty strings). Both
 * readers (sequential and parallel) feed it the same batches, so they choose from the same sample.
 */
export class DetectionSample {
  readonly lines: string[] = [];
  private seen = 0;
  private chars = 0;

  /** Adds a batch of lines (null: a line over the length limit). */
  add(lines: readonly (string | null)[]): void {
    const sample = this.lines;
    for (const l of lines) {
      this.seen++;
      if (l === null) continue;
      this.chars += l.length + 1;
      if (sample.length < DETECT_SAMPLE_LINES && l.trim() !== '') sample.push(l);
    }
  }

  /** True once the sample has enough lines, or enough input went by without them. */
  get complete(): boolean {
    return this.lines.length >= DETECT_SAMPLE_LINES || this.seen >= DETECT_MAX_LINES || this.chars >= DETECT_MAX_CHARS;
  }

  /**
   * Complete with no line to detect from: everything so far was blank (or over the length limit), which reads the
   * same under any format; the reader counts those lines without a format and samples on (`restart`).
   */
  get onlyBlank(): boolean {
    return this.lines.length === 0;
  }

  /** Samples on after the reader counted the blank lines held so far. */
  restart(): void {
    this.seen = 0;
    this.chars = 0;
  }
}

/**
 * Compressed formats lbua does not read, by the start of their data as decoded text (bytes over 0x7F read as
 * U+FFFD): named in the no-format error with the command that decompresses them.
 */
const OTHER_COMPRESSION: readonly { readonly name: string; readonly magic: RegExp; readonly cat: string }[] = [
  { name: 'bzip2', magic: /^BZh[1-9]1AY&SY/, cat: 'bzcat' },
  { name: 'xz', magic: /^\uFFFD7zXZ\u0000/, cat: 'xzcat' },
  { name: 'zstd', magic: /^\(\uFFFD\/\uFFFD/, cat: 'zstdcat' },
  { name: 'lz4', magic: /^\u0004"M\u0018/, cat: 'lz4cat' },
  { name: 'zip', magic: /^PK\u0003\u0004/, cat: 'unzip -p' },
];

/**
 * No format parses an input's first lines. A file found by walking a directory is most likely not a log (a
 * manifest, a CloudTrail file in the same AWSLogs tree): its lines count as skipped (`notALog`), and such files are
 * named together in one warning after the run (notALogDiagnostic), so a tree full of them does not crowd out the
 * line errors of real logs. A file named on the command line, or compressed data lbua does not read, is an error
 * with every line malformed.
 */
export function noFormat(input: InputSpec, file: string, sample: readonly string[]): { readonly diagnostic: Diagnostic | null; readonly notALog: boolean } {
  const packed = OTHER_COMPRESSION.find((c) => c.magic.test(sample[0] ?? '')) ?? null;
  if (input.walked !== true || packed !== null) return { diagnostic: noFormatDiagnostic(file, sample, packed), notALog: false };
  return { diagnostic: null, notALog: true };
}

/** The one warning naming the files found under directories that no format parses (null when there are none). */
export function notALogDiagnostic(files: readonly string[]): Diagnostic | null {
  if (files.length === 0) return null;
  const shown = files.slice(0, 5).join(', ');
  const more = files.length > 5 ? ` and ${files.length - 5} more` : '';
  return {
    code: 'INPUT_NOT_A_LOG', severity: 'warning', source: null,
    message: `${files.length === 1 ? '1 file' : `${files.length} files`} found under a directory ${files.length === 1 ? 'matches' : 'match'} no log format lbua knows; their lines are counted as skipped: ${shown}${more}`,
    hint: 'to read one as a log, name the file itself, with --format if need be',
  };
}

/** A line that is one JSON object: a JSON-lines log no table (src/formats/json/) reads. */
function isJsonObject(line: string): boolean {
  const t = line.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return false;
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** No format parses the input's first lines (`packed`: the compression its data starts with, if one). */
function noFormatDiagnostic(file: string, sample: readonly string[], packed: (typeof OTHER_COMPRESSION)[number] | null): Diagnostic {
  // UTF-16 (Windows exports) decodes as text with a NUL between ASCII characters.
  const utf16 = sample.slice(0, 5).some((l) => (l.match(/\u0000/g)?.length ?? 0) * 3 > l.length);
  const jsonLines = !packed && !utf16 && isJsonObject(sample[0] ?? '');
  const what = packed
    ? ` (it looks like ${packed.name}-compressed data; lbua reads gzip and plain text)`
    : utf16 ? ' (it looks like UTF-16 text)' : jsonLines ? ' (it looks like JSON lines, a layout no lbua format reads yet)' : '';
  const closest = what === '' ? closestFormat(sample) : null;
  const near = closest === null ? '' : ` (closest: ${closest.id}, which says of line ${closest.line}: ${closest.reason})`;
  return {
    code: 'DETECT_NO_FORMAT', severity: 'error', source: { file, line: 1 },
    message: `no known format parses the first lines of this input${what}${near}; every line counted as malformed`,
    excerpt: excerpt(sample[0] ?? ''),
    hint: packed
      ? `decompress it on the way in, e.g. ${packed.cat} FILE | lbua analyze -`
      : utf16 ? 'convert it to UTF-8 first, e.g. iconv -f UTF-16 -t UTF-8'
      : jsonLines ? 'declare its keys as a JSON table in a --format-file (README: Your own layouts), or run `lbua formats`'
      : 'run `lbua formats` for the supported formats, or pass --format',
  };
}

/**
 * Lines end in a bare CR (classic Mac): only LF and CRLF end lines, so the input reads as one long line and its
 * requests are lost or malformed. Said only when the text between the CRs is lines a format parses: binary data
 * holds CR bytes too, and is not helped by converting them.
 */
export function crLineEndingsDiagnostic(file: string, sample: readonly string[]): Diagnostic | null {
  const crLine = sample.slice(0, 3).find((l) => l.includes('\r'));
  if (crLine === undefined) return null;
  const pieces = crLine.split('\r', DETECT_SAMPLE_LINES + 1).slice(0, DETECT_SAMPLE_LINES).filter((l) => l.trim() !== '');
  const format = pieces.length >= 2 ? detectFormat(pieces).format : null;
  if (format === null) return null;
  return {
    code: 'INPUT_CR_LINE_ENDINGS', severity: 'warning', source: null,
    message: `${file}: lines end in a bare CR, not LF or CRLF; the input reads as few long lines (split at the CRs, they are ${format.id} lines)`,
    hint: "convert it first, e.g. tr '\\r' '\\n'",
  };
}

/** The input broke off (truncated or corrupt gzip, a file that shrank while read) after `lines` complete lines. */
export function damagedDiagnostic(file: string, damage: { readonly message: string; readonly offset: number }, lines: number, gzip = true): Diagnostic {
  return {
    code: 'INPUT_DAMAGED', severity: 'warning', source: null,
    message: `${file}: ${damage.message} at ${gzip ? 'compressed ' : ''}byte offset ${damage.offset}; ${lines} complete lines before it were read`,
  };
}

/**
 * One input being read: detection from its first lines (open), then its batches of lines (nextBatch), each parsed
 * into the sink (parse), then what the end of the input says (finish). The read one after another (readAll) and
 * the merged read (readMerged) drive it the same way, so both account for every line and say the same things.
 */
class InputReader {
  readonly file: string;
  readonly summary: InputSummary;
  notALog = false;
  private format: FormatParser | null;
  private readonly outcome: ReadOutcome = { gzip: false, damage: null };
  private readonly batches: AsyncGenerator<LineBatch>;
  /** The first batches, held until a format is chosen; then read before the rest. */
  private readonly pending: LineBatch[] = [];
  private sample: readonly string[] = [];
  /** The generator is exhausted (the detection read it to its end). */
  private ended = false;
  /** Records dated far after the rest of the input are held until the next one shows whether they strayed. */
  private readonly guard = new StrayGuard();
  /** Forwarded addresses and their peers, for the behind-a-proxy hint (trust.ts). */
  private readonly tally = newTally();
  /** Lines each format took, for a mixed input (mixed.ts). */
  private readonly taken: FormatTally = new Map();

  /** A batch asked for while choosing the format, not yet come (a followed input that is quiet for now). */
  private inflight: Promise<IteratorResult<LineBatch>> | null = null;

  /**
   * `detectWithinMs` (a followed input): once some lines are sampled, the format is chosen from them when no more
   * lines come within this time, rather than waiting for a full sample (a quiet log writes its 50 lines in minutes).
   */
  constructor(readonly input: InputSpec, forced: FormatParser | null, private readonly options: PipelineOptions, private readonly detected?: DetectedFormats, batches?: AsyncIterable<LineBatch>, private readonly detectWithinMs?: number) {
    this.file = input.stdin ? '<stdin>' : input.path;
    this.summary = emptySummary(this.file, forced?.id ?? null);
    this.format = forced;
    this.batches = batches === undefined
      ? readLineBatches(input.stdin ? '-' : input.path, this.outcome, { maxLineLength: options.maxLineLength })
      : (async function* (): AsyncGenerator<LineBatch> { yield* batches; })();
  }

  /** Buffers the first batches until there is a detection sample (bounded: DetectionSample), and chooses the format. */
  async open(sink: PipelineSink): Promise<void> {
    const sampled = new DetectionSample();
    this.sample = sampled.lines;
    let it: IteratorResult<LineBatch> | null = await this.pull();
    while (!it.done) {
      this.pending.push(it.value);
      sampled.add(it.value.lines);
      if (sampled.complete) {
        if (!sampled.onlyBlank) break;
        for (const b of this.pending.splice(0)) processBatch(b, null, this.file, this.options, this.summary, sink);
        sampled.restart();
      }
      it = this.detectWithinMs !== undefined && !sampled.onlyBlank ? await this.pullWithin(this.detectWithinMs) : await this.pull();
      if (it === null) break;
    }
    this.ended = it !== null && it.done === true;
    if (this.format === null) {
      const d = knownOrDetectWithRunnerUp(this.input, this.sample, this.detected, formatSet(this.options.layouts).all);
      this.format = d.format;
      this.summary.format = this.format?.id ?? null;
      if (d.runnerUp !== null) this.summary.runnerUp = d.runnerUp;
      if (this.format === null && this.sample.length > 0) {
        const nf = noFormat(this.input, this.file, this.sample);
        if (nf.diagnostic) sink.diagnostic(nf.diagnostic);
        this.notALog = nf.notALog;
      }
    }
    // A format whose files declare their layout in a header (CloudFront #Fields) reads this input by that layout.
    if (this.format?.forInput) this.format = this.format.forInput(this.sample);
    // A mixed input: lines the chosen format refuses go to the formats that read such sample lines (not under --format).
    if (this.format !== null && this.options.format === 'auto') {
      this.format = withAlternates(this.format, alternatesFor(this.format, this.sample, formatSet(this.options.layouts).all), this.taken);
    }
    // Clients behind trusted proxies (--trust-proxy), or the tally for the hint when the option is not given.
    if (this.format !== null) this.format = withTrust(this.format, trustedOf(this.options.trustProxy), this.tally);
    const cr = crLineEndingsDiagnostic(this.file, this.sample);
    if (cr) sink.diagnostic(cr);
  }

  /** The next batch from the source (the one asked for while choosing the format first). */
  private pull(): Promise<IteratorResult<LineBatch>> {
    const p = this.inflight ?? this.batches.next();
    this.inflight = null;
    return p;
  }

  /** The next batch from the source if it comes within `ms`; else null (it stays asked for: pull() gets it). */
  private async pullWithin(ms: number): Promise<IteratorResult<LineBatch> | null> {
    const p = this.inflight ?? this.batches.next();
    this.inflight = p;
    let timer: NodeJS.Timeout | undefined;
    const quiet = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ms);
    });
    const it = await Promise.race([p, quiet]);
    clearTimeout(timer);
    if (it === null) return null;
    this.inflight = null;
    return it;
  }

  /** The next batch of lines, or null after the last. */
  async nextBatch(): Promise<LineBatch | null> {
    const held = this.pending.shift();
    if (held !== undefined) return held;
    if (this.ended) return null;
    const it = await this.pull();
    if (it.done === true) {
      this.ended = true;
      return null;
    }
    return it.value;
  }

  /** Parses a batch into `sink`, counting its lines. */
  parse(batch: LineBatch, sink: PipelineSink): void {
    processBatch(batch, this.format, this.file, this.options, this.summary, sink, this.notALog, this.guard);
  }

  /** After the last batch: the record the stray guard still holds, if any (before finish). */
  flushHeld(sink: PipelineSink): void {
    this.guard.flush(strayOutput(this.summary, sink));
  }

  /** After the last batch: damage, notes about the input, and a format that most lines did not match. */
  finish(sink: PipelineSink): void {
    this.flushHeld(sink);
    const { summary, outcome } = this;
    summary.gzip = outcome.gzip;
    summary.damaged = outcome.damage;
    if (outcome.damage) sink.diagnostic(damagedDiagnostic(this.file, outcome.damage, summary.lines, outcome.gzip));
    for (const d of outcome.notes ?? []) sink.diagnostic(d);
    checkMismatch(summary, this.format, this.sample, this.file, sink, formatSet(this.options.layouts).all);
    const taken = formatsTaken(this.taken, summary.format);
    if (taken !== null) {
      summary.formats = taken;
      sink.diagnostic(mixedDiagnostic(this.file, taken));
    }
    if (this.options.trustProxy === undefined && this.tally.peers.size > 0) summary.peers = peerRows(this.tally);
    const proxy = this.options.trustProxy === undefined ? behindProxyDiagnostic(this.file, this.tally, summary.records + summary.filtered) : null;
    if (proxy) sink.diagnostic(proxy);
  }

  /** Reads the whole input on its own. */
  async readAll(sink: PipelineSink): Promise<void> {
    await this.open(sink);
    for (let b = await this.nextBatch(); b !== null; b = await this.nextBatch()) {
      this.parse(b, sink);
      if (sink.afterBatch) await sink.afterBatch(this.summary);
    }
    this.finish(sink);
  }
}

/**
 * Parses a batch of lines into records for `sink`, counting each line in `summary`. Without a format every line is
 * malformed, or skipped when `notALog` (a file found under a directory that no format parses).
 */
export function processBatch(batch: LineBatch, format: FormatParser | null, file: string, options: PipelineOptions, summary: InputSummary, sink: PipelineSink, notALog = false, guard: StrayGuard | null = null): void {
  const { from, to, strict } = options;
  const out = guard === null ? null : strayOutput(summary, sink);
  let lineNo = batch.firstLine;
  // One parse context for the batch, its source set for each line (parsers keep the source, never the context).
  const ctx: { source: SourceRef; strict: boolean; recycle: FreshRecord | null } = { source: { file, line: lineNo }, strict, recycle: null };
  const recycling = sink.transient === true;
  // Only a format that can pack several records into a line has a split (formats/types.ts): the others pay one test.
  const split = format?.split;
  for (const text of batch.lines) {
    const source = { file, line: lineNo++ };
    summary.lines++;
    if (text === null) {
      summary.malformed++;
      sink.diagnostic({ code: 'LINE_TOO_LONG', severity: 'error', source, message: `line longer than ${options.maxLineLength} characters` });
      continue;
    }
    if (format === null) {
      if (notALog || text.trim() === '') summary.skipped++;
      else summary.malformed++;
      continue;
    }
    ctx.source = source;
    if (split !== undefined) {
      const parts = split(text);
      if (parts !== null) {
        ctx.recycle = null;
        processPacked(parts, format, ctx, options, summary, sink, guard, out);
        continue;
      }
    }
    const r = format.parse(text, ctx);
    if (r.kind === 'record') {
      const t = r.record.startMs;
      if (recycling) ctx.recycle = hasSlots(r.record) ? (r.record as FreshRecord) : null;
      if ((from !== null && t < from) || (to !== null && t >= to)) {
        summary.filtered++;
        continue;
      }
      if (guard !== null && out !== null) {
        guard.offer(r.record, r.warnings, out);
        if (guard.holds(r.record)) ctx.recycle = null;
        continue;
      }
      countRecord(r.record, r.warnings, summary, sink);
    } else countRejected(r, summary, sink);
  }
}

/**
 * The records of a line that holds several (FormatParser.split), each parsed and counted as a line of its own would
 * be, all at the line's file:line (`ctx.source`). Each gets a fresh record object (no recycling: they are built
 * before any is handed on).
 */
function processPacked(parts: readonly string[], format: FormatParser, ctx: ParseContext, options: PipelineOptions, summary: InputSummary, sink: PipelineSink, guard: StrayGuard | null, out: StrayOutput | null): void {
  const { from, to } = options;
  const packed = summary.packed ?? (summary.packed = { lines: 0, entries: 0 });
  packed.lines++;
  packed.entries += parts.length;
  for (const part of parts) {
    const r = format.parse(part, ctx);
    if (r.kind === 'record') {
      const t = r.record.startMs;
      if ((from !== null && t < from) || (to !== null && t >= to)) summary.filtered++;
      else if (guard !== null && out !== null) guard.offer(r.record, r.warnings, out);
      else countRecord(r.record, r.warnings, summary, sink);
    } else countRejected(r, summary, sink);
  }
}

/** Counts a line (or a packed line's entry) that is no record: skipped (with its note) or malformed (its diagnostic). */
function countRejected(r: Exclude<ParseResult, { readonly kind: 'record' }>, summary: InputSummary, sink: PipelineSink): void {
  if (r.kind === 'skip') {
    summary.skipped++;
    if (r.note) sink.diagnostic(r.note);
  } else {
    summary.malformed++;
    sink.diagnostic(r.diagnostic);
  }
}

/** Counts a record in its input's summary and hands it (and its parser's warnings) to the sink. */
function countRecord(record: LogRecord, warnings: readonly Diagnostic[] | undefined, summary: InputSummary, sink: PipelineSink): void {
  const t = record.startMs;
  summary.records++;
  if (summary.firstMs === null || t < summary.firstMs) summary.firstMs = t;
  if (summary.lastMs === null || t > summary.lastMs) summary.lastMs = t;
  if (warnings) for (const w of warnings) sink.diagnostic(w);
  sink.record(record);
}

/** Where an input's stray guard (input/stray.ts) hands records on: counted as records, or as malformed lines. */
function strayOutput(summary: InputSummary, sink: PipelineSink): StrayOutput {
  return {
    accept: (record, warnings) => countRecord(record, warnings, summary, sink),
    stray: (d) => {
      summary.malformed++;
      sink.diagnostic(d);
    },
  };
}

/** If most lines failed, the format is probably wrong: say so and suggest the detected one. */
export function checkMismatch(summary: InputSummary, format: FormatParser | null, sample: readonly string[], file: string, sink: PipelineSink, formats?: readonly FormatParser[]): void {
  const considered = summary.lines - summary.skipped;
  if (format === null || considered < 2 || summary.malformed * 2 <= considered) return;
  const det = detectFormat(sample, formats);
  const better = det.format && det.format.id !== format.id ? det.format.id : null;
  sink.diagnostic({
    code: 'FORMAT_MISMATCH', severity: 'warning', source: null,
    message: `${file}: ${summary.malformed} of ${considered} lines did not parse as ${format.id}${better ? `; they look like ${better}` : ''}`,
    ...(better ? { hint: `try --format ${better}` } : {}),
  });
}

/**
 * Orders inputs by the start time of their first records (ties: path), so that stateful stages (sessions,
 * detectors) see the same sequence whatever order the files were given in. Reads only the first lines of each
 * file; stdin keeps its place at the front (it cannot be peeked without consuming it). Unreadable files keep
 * their place (the real read reports them). Each input's format and first time go into `detected`: runInputs
 * merges by time the inputs whose first time it knows.
 */
export async function orderInputsByTime(inputs: readonly InputSpec[], options: PipelineOptions, detected?: DetectedFormats): Promise<InputSpec[]> {
  if (inputs.length < 2) return [...inputs];
  const formats = formatSet(options.layouts);
  const forced = options.format === 'auto' ? null : (formats.get(options.format) ?? null);
  const keyed: { input: InputSpec; first: number; index: number }[] = [];
  // Where a plain file ends is read from its last lines (an open and a read more per file): for runs of up to
  // TAIL_INPUTS files, so that a run of 100,000 small files does not read each twice more (a sharded run finds an
  // overlap it could not see before anyway: pipeline-parallel.ts).
  const tail = inputs.length <= TAIL_INPUTS;
  for (const [index, input] of inputs.entries()) {
    const first = input.stdin ? Number.NEGATIVE_INFINITY : await firstTime(input, forced, options, detected, formats.all);
    keyed.push({ input, first, index });
    if (input.stdin || detected === undefined || !Number.isFinite(first)) continue;
    const known = detected.get(input.path);
    const format = forced ?? known?.format ?? null;
    const lastMs = format === null || !tail ? null : await lastTime(input.path, format);
    if (known !== undefined) {
      known.firstMs = first;
      known.lastMs = lastMs;
    } else detected.set(input.path, { format: undefined, firstMs: first, lastMs });
  }
  keyed.sort((a, b) => a.first - b.first || (a.input.path < b.input.path ? -1 : a.input.path > b.input.path ? 1 : a.index - b.index));
  return keyed.map((k) => k.input);
}

async function firstTime(input: InputSpec, forced: FormatParser | null, options: PipelineOptions, detected: DetectedFormats | undefined, formats: readonly FormatParser[]): Promise<number> {
  const path = input.path;
  const outcome: ReadOutcome = { gzip: false, damage: null };
  const it = readLineBatches(path, outcome, { maxLineLength: options.maxLineLength });
  try {
    const sampled = new DetectionSample();
    for (let n = await it.next(); !n.done; n = await it.next()) {
      sampled.add(n.value.lines);
      if (sampled.complete) break;
    }
    const lines = sampled.lines;
    const chosen = forced ?? knownOrDetect(input, lines, detected, formats);
    const format = chosen?.forInput ? chosen.forInput(lines) : chosen;
    let min = Number.POSITIVE_INFINITY;
    if (format) {
      for (const [i, l] of lines.entries()) {
        for (const r of parseLine(format, l, { source: { file: path, line: i + 1 }, strict: false })) if (r.kind === 'record' && r.record.startMs < min) min = r.record.startMs;
      }
    }
    return min;
  } catch {
    return Number.POSITIVE_INFINITY;
  } finally {
    await it.return(undefined);
  }
}

/** Runs of more files than this do not look at where each ends before reading (orderInputsByTime). */
const TAIL_INPUTS = 1000;

/** Bytes read from the end of a plain file to see when it ends (a few dozen lines of any format). */
const TAIL_BYTES = 16 * 1024;

/** The latest start time among the records of a plain file's last lines; null for gzip, or when none parse. */
async function lastTime(path: string, format: FormatParser): Promise<EpochMs | null> {
  const lines = await tailLines(path, TAIL_BYTES);
  let max: EpochMs | null = null;
  for (const l of (lines ?? []).slice(0, DETECT_SAMPLE_LINES)) {
    for (const r of parseLine(format, l, { source: { file: path, line: 0 }, strict: false })) if (r.kind === 'record' && (max === null || r.record.startMs > max)) max = r.record.startMs;
  }
  return max;
}

/** The format detected earlier for `input` (same sample), else detected now and remembered. */
export function knownOrDetect(input: InputSpec, sample: readonly string[], detected?: DetectedFormats, formats?: readonly FormatParser[]): FormatParser | null {
  return knownOrDetectWithRunnerUp(input, sample, detected, formats).format;
}

/** knownOrDetect, with the format that tied with the detected one (remembered with it). */
export function knownOrDetectWithRunnerUp(input: InputSpec, sample: readonly string[], detected?: DetectedFormats, formats?: readonly FormatParser[]): { readonly format: FormatParser | null; readonly runnerUp: string | null } {
  if (input.stdin) {
    const d = detectFormat(sample, formats);
    return { format: d.format, runnerUp: d.runnerUp };
  }
  const known = detected?.get(input.path);
  if (known?.format !== undefined) return { format: known.format, runnerUp: known.runnerUp ?? null };
  const d = detectFormat(sample, formats);
  if (known !== undefined) {
    known.format = d.format;
    known.runnerUp = d.runnerUp;
  } else detected?.set(input.path, { format: d.format, firstMs: null, lastMs: null, runnerUp: d.runnerUp });
  return { format: d.format, runnerUp: d.runnerUp };
}

/**
 * Whether inputs (in read order) are known to overlap in time by `slackMs` or more, from what orderInputsByTime
 * learned before reading: each input's first time, and where it ends when that can be known without reading it (the
 * last lines of a plain file; the interval end an AWS file name gives, input/window.ts). An input whose end is
 * unknown (other gzip files) is not counted: a sharded run finds out while reading (pipeline-parallel.ts).
 */
export function inputsOverlap(ordered: readonly InputSpec[], detected: DetectedFormats, slackMs: number): boolean {
  let reach = Number.NEGATIVE_INFINITY;
  for (const input of ordered) {
    const known = input.stdin ? undefined : detected.get(input.path);
    const first = known?.firstMs ?? null;
    if (known === undefined || first === null) continue;
    if (first + slackMs <= reach) return true;
    reach = Math.max(reach, known.lastMs ?? awsLogEndMs(input.path) ?? Number.NEGATIVE_INFINITY);
  }
  return false;
}

