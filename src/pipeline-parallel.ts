/**
 * Runs on worker threads, two ways:
 *
 * - shard (`--summary-only`): pieces of the input go round-robin to up to 4 workers; each parses its pieces into a
 *   partial traffic profile, and the partials are merged. Every figure of the summary is a count, a min/max, an
 *   integer sum or a mergeable sketch, so the report is the one the main thread makes alone (except a top table
 *   with more than 100,000 distinct keys, which is pruned where the records happened to fall).
 * - split (a full run): every piece goes to two workers. Both parse and enrich every record in the same order; the
 *   primary computes the traffic summary, profiles, sessions, stages and the detectors that read sessions, the
 *   other the detectors that read records alone (the costly half). Each part sees exactly what a single-thread run
 *   sees, so the report is byte-identical (tests compare them).
 *
 * The main thread reads and gunzips (zlib inflates on libuv's thread pool), cuts the decoded bytes into pieces of
 * whole lines, numbers them, and detects each input's format from its first lines exactly as the sequential
 * pipeline does. Diagnostics are put back in line order before they are kept.
 */
import type { ReportSections } from './core/report-types';
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { appendAll } from './core/arrays';
import type { Diagnostic } from './core/types';
import type { DiagnosticLog } from './diagnostics';
import type { InputSpec } from './input/expand';
import { LineSplitter, readDecodedChunks, type LineBatch, type ReadOutcome } from './input/lines';
import type { FormatParser } from './formats/types';
import { DetectionSample, checkMismatch, crLineEndingsDiagnostic, damagedDiagnostic, emptySummary, forcedFormat, knownOrDetect, noFormat, notALogDiagnostic, type DetectedFormats, type InputSummary, type PipelineOptions } from './pipeline';
import { TrafficProfile, type TrafficState } from './profile/traffic';
import type { AnalyzeOptions, CoreRole } from './analysis-core';
import type { GeoOptions } from './enrich/geo/index';
import type { Finding } from './detect/types';

/** How a run is spread over workers. */
export type ParallelPlan = { readonly kind: 'shard'; readonly jobs: number } | { readonly kind: 'split' };

/** What a worker is started with (structured-clone safe: geo is reopened from its source). */
export interface WorkerInit {
  readonly options: Omit<AnalyzeOptions, 'geo'>;
  readonly role: CoreRole;
  readonly geo: GeoOptions | null;
  readonly maxWarnings: number;
}

/** Messages to a worker. */
export type ToWorker =
  | { readonly t: 'input'; readonly index: number; readonly file: string; readonly format: string | null; readonly notALog: boolean }
  | {
      readonly t: 'piece';
      readonly input: number;
      /** Number of the first line in the piece. */
      readonly firstLine: number;
      /** The piece starts with a line that was over the length limit (its bytes were dropped). */
      readonly tooLongFirst: boolean;
      /** Last piece of an input: the bytes may end without a newline. */
      readonly final: boolean;
      readonly bytes: Uint8Array;
    }
  | { readonly t: 'end' };

/** A worker's partial result. */
export interface WorkerResult {
  readonly t: 'result';
  readonly traffic: TrafficState | null;
  readonly built: ReportSections;
  readonly findings: { readonly id: string; readonly findings: Finding[] }[];
  readonly detectorsRan: boolean;
  /** CAP_REACHED messages of the worker's capped structures (its traffic summary's excepted). */
  readonly caps: readonly string[];
  readonly inputs: readonly { readonly index: number; readonly summary: InputSummary }[];
  /** The worker's first line-level diagnostics, with the input they belong to. */
  readonly kept: readonly { readonly input: number; readonly d: Diagnostic }[];
  /** Line-level diagnostics counted but not kept. */
  readonly dropped: number;
}

/**
 * Old-generation heap of each worker (MB). Its state is bounded by the caps (core/limits.ts: a few hundred MB at
 * worst); below 2 GB V8 also grows the heap by a smaller factor, so a worker holds about 1.5x its live state instead
 * of up to 4x, and two workers stay near the single-thread peak.
 */
export const WORKER_OLD_SPACE_MB = 1024;

/** Pieces a worker may have queued before the reader waits for it (bounds memory to a few MB per worker). */
const IN_FLIGHT = 4;
/** Pieces are cut at a newline once they reach this size. */
const PIECE_BYTES = 256 * 1024;

/** Progress callback: the input being read, with its lines so far. */
export type ProgressFn = (current: InputSummary) => void;

/** What a parallel run produced. */
export interface ParallelResult {
  readonly summaries: InputSummary[];
  readonly traffic: TrafficProfile;
  readonly built: ReportSections;
  /** Raw findings of each part, per detector. */
  readonly findings: readonly (readonly { readonly id: string; readonly findings: Finding[] }[])[];
  readonly detectorsRan: boolean;
  /** CAP_REACHED messages of every worker (the traffic summary's are read from the merged summary). */
  readonly caps: readonly string[];
}

/** Runs the analysis of `inputs` (in this order) on worker threads, as `plan` says. */
export async function runParallel(
  inputs: readonly InputSpec[],
  options: AnalyzeOptions,
  plan: ParallelPlan,
  diags: DiagnosticLog,
  onProgress?: ProgressFn,
  detected?: DetectedFormats,
): Promise<ParallelResult> {
  const forced = forcedFormat(options);
  const { geo, ...cloneable } = options;
  const init = (role: CoreRole): WorkerInit => ({ options: cloneable, role, geo: geo?.source ?? null, maxWarnings: diags.limit });
  const inits = plan.kind === 'shard' ? Array.from({ length: plan.jobs }, () => init('summary')) : [init('primary'), init('detectors')];
  const pool = new Pool(inits, plan.kind === 'split');
  try {
    const reads: InputRead[] = [];
    for (const [index, input] of inputs.entries()) reads.push(await readInput(index, input, forced, options, pool, onProgress, detected));
    const results = await pool.finish();
    // In a split run both workers read every line: the primary's accounting is the run's.
    const accounting = plan.kind === 'split' ? results.slice(0, 1) : results;
    const traffic = new TrafficProfile(false, options.limits);
    for (const r of accounting) if (r.traffic) traffic.merge(r.traffic);
    const summaries = reads.map((read) => mergeSummaries(read, accounting));
    // Diagnostics in the order the sequential pipeline emits them: per input, what the reader found before the
    // lines, the lines' own in line order, then damage and format mismatch.
    const lineDiags = accounting
      .flatMap((r) => r.kept)
      .sort((a, b) => a.input - b.input || (a.d.source?.line ?? 0) - (b.d.source?.line ?? 0));
    let k = 0;
    for (const [i, read] of reads.entries()) {
      for (const d of read.before) diags.add(d);
      for (; k < lineDiags.length && lineDiags[k]?.input === i; k++) diags.add(lineDiags[k]?.d as Diagnostic);
      const summary = summaries[i] as InputSummary;
      if (read.outcome.damage) diags.add(damagedDiagnostic(read.file, read.outcome.damage, summary.lines, read.outcome.gzip));
      for (const d of read.outcome.notes ?? []) diags.add(d);
      checkMismatch(summary, read.format, read.sample, read.file, { record: () => undefined, diagnostic: (d) => diags.add(d) });
    }
    const notLogs = notALogDiagnostic(reads.filter((r) => r.notALog).map((r) => r.file));
    if (notLogs) diags.add(notLogs);
    diags.countUnkept(accounting.reduce((n, r) => n + r.dropped, 0));
    return {
      summaries,
      traffic,
      built: results[0]?.built ?? {},
      findings: results.map((r) => r.findings),
      detectorsRan: results.some((r) => r.detectorsRan),
      caps: results.flatMap((r) => r.caps),
    };
  } finally {
    await pool.close();
  }
}

interface InputRead {
  readonly index: number;
  readonly file: string;
  readonly outcome: ReadOutcome;
  readonly format: FormatParser | null;
  readonly sample: readonly string[];
  /** Diagnostics raised before the first line (no format found). */
  readonly before: readonly Diagnostic[];
  /** Found under a directory and no format parses it: its lines are skipped (see pipeline.noFormat). */
  readonly notALog: boolean;
  readonly lines: number;
}

async function readInput(index: number, input: InputSpec, forced: FormatParser | null, options: PipelineOptions, pool: Pool, onProgress?: ProgressFn, detected?: DetectedFormats): Promise<InputRead> {
  const file = input.stdin ? '<stdin>' : input.path;
  const outcome: ReadOutcome = { gzip: false, damage: null };
  const chunker = new PieceChunker(options.maxLineLength);
  const sampler = new LineSplitter(options.maxLineLength);
  const sampled = new DetectionSample();
  const sample = sampled.lines;
  const before: Diagnostic[] = [];
  let format = forced;
  let notALog = false;
  let announced = false;
  const pending: Piece[] = [];
  const progress = emptySummary(file, forced?.id ?? null);
  const announce = (): void => {
    if (format === null && forced === null) {
      format = knownOrDetect(input, sample, detected);
      if (format === null && sample.length > 0) {
        const nf = noFormat(input, file, sample);
        if (nf.diagnostic) before.push(nf.diagnostic);
        notALog = nf.notALog;
      }
    }
    const cr = crLineEndingsDiagnostic(file, sample);
    if (cr) before.push(cr);
    progress.format = format?.id ?? null;
    pool.broadcast({ t: 'input', index, file, format: format?.id ?? null, notALog });
    announced = true;
  };
  const send = async (p: Piece): Promise<void> => {
    await pool.send({ t: 'piece', input: index, firstLine: p.firstLine, tooLongFirst: p.tooLongFirst, final: p.final, bytes: p.bytes });
    progress.lines = p.firstLine + p.lines - 1;
    onProgress?.(progress);
  };
  for await (const chunk of readDecodedChunks(input.stdin ? '-' : input.path, outcome)) {
    if (!announced) {
      // Detection sees the same first lines the sequential pipeline would give it.
      const batch = sampler.push(chunk);
      if (batch) sampled.add(batch.lines);
      appendAll(pending, chunker.push(chunk));
      if (!sampled.complete) continue;
      if (sampled.onlyBlank) {
        // Only blank lines so far (as in the sequential reader): the workers count them without a format; the
        // input is announced again once a sample is found.
        pool.broadcast({ t: 'input', index, file, format: null, notALog: false });
        for (const p of pending.splice(0)) await send(p);
        sampled.restart();
        continue;
      }
      announce();
      for (const p of pending.splice(0)) await send(p);
      continue;
    }
    for (const p of chunker.push(chunk)) await send(p);
  }
  if (!announced) {
    // A short input: the sample is whatever it has (its unterminated last line included).
    if (!outcome.damage) {
      const last = sampler.end();
      if (last) sampled.add(last.lines);
    }
    announce();
    for (const p of pending.splice(0)) await send(p);
  }
  for (const p of chunker.end(outcome.damage === null)) await send(p);
  return { index, file, outcome, format, sample, before, lines: chunker.lines, notALog };
}

function mergeSummaries(read: InputRead, results: readonly WorkerResult[]): InputSummary {
  const s = emptySummary(read.file, read.format?.id ?? null);
  s.gzip = read.outcome.gzip;
  s.damaged = read.outcome.damage;
  for (const r of results) {
    const part = r.inputs.find((x) => x.index === read.index)?.summary;
    if (!part) continue;
    s.lines += part.lines;
    s.records += part.records;
    s.filtered += part.filtered;
    s.skipped += part.skipped;
    s.malformed += part.malformed;
    if (part.firstMs !== null && (s.firstMs === null || part.firstMs < s.firstMs)) s.firstMs = part.firstMs;
    if (part.lastMs !== null && (s.lastMs === null || part.lastMs > s.lastMs)) s.lastMs = part.lastMs;
  }
  if (s.lines !== read.lines) throw new Error(`internal: ${read.file}: workers counted ${s.lines} lines, the reader ${read.lines}`);
  return s;
}

/**
 * The lines of one piece, as a worker sees them: the flagged too-long first line as null, then the piece's bytes
 * split with LineSplitter's rules (a final piece may end without a newline).
 */
export function pieceBatches(p: Pick<Piece, 'firstLine' | 'tooLongFirst' | 'final' | 'bytes'>, maxLineLength: number): LineBatch[] {
  const out: LineBatch[] = [];
  let first = p.firstLine;
  if (p.tooLongFirst) out.push({ firstLine: first++, lines: [null] });
  const splitter = new LineSplitter(maxLineLength, first);
  const batch = splitter.push(Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength));
  if (batch) out.push(batch);
  if (p.final) {
    const last = splitter.end();
    if (last) out.push(last);
  }
  return out;
}

/** A piece of whole lines in its own ArrayBuffer (so it can be transferred, not copied, to a worker). */
export interface Piece {
  readonly firstLine: number;
  readonly lines: number;
  readonly tooLongFirst: boolean;
  readonly final: boolean;
  readonly bytes: Uint8Array;
}

/**
 * Decoded bytes → pieces of whole lines, with the same rules as LineSplitter for lines that span chunks: a line
 * whose bytes pass the limit is dropped (and flagged, so the worker reports it) instead of being buffered.
 */
export class PieceChunker {
  /** Bytes of the incomplete line `nextLine` (at most the limit), or tooLong when it passed the limit. */
  private carry: Buffer[] = [];
  private carryLen = 0;
  private tooLong = false;
  private nextLine = 1;
  /** The piece being filled: whole lines from accFirst; accTooLong = its first line was dropped as too long. */
  private acc: Buffer[] = [];
  private accLen = 0;
  private accLines = 0;
  private accFirst = 1;
  private accTooLong = false;

  constructor(private readonly maxLineLength: number, private readonly pieceBytes = PIECE_BYTES) {}

  /** Lines cut so far. */
  get lines(): number {
    return this.nextLine - 1;
  }

  /** Adds decoded bytes; returns the pieces that are complete. */
  push(buf: Buffer): Piece[] {
    const out: Piece[] = [];
    const lastNl = buf.lastIndexOf(10);
    if (lastNl < 0) {
      this.hold(buf);
      return out;
    }
    let start = 0;
    if (this.carryLen > 0 || this.tooLong) {
      const firstNl = buf.indexOf(10);
      if (this.tooLong || this.carryLen + firstNl > this.maxLineLength) {
        this.startTooLong(out);
        start = firstNl + 1;
      } else {
        this.begin();
        for (const c of this.carry) this.acc.push(c);
        this.accLen += this.carryLen;
      }
      this.carry = [];
      this.carryLen = 0;
      this.tooLong = false;
    }
    this.begin();
    const n = countLf(buf, start, lastNl + 1);
    if (lastNl + 1 > start) {
      this.acc.push(buf.subarray(start, lastNl + 1));
      this.accLen += lastNl + 1 - start;
    }
    this.accLines += n;
    this.nextLine += n;
    if (this.accLen >= this.pieceBytes) this.flush(out, false);
    this.hold(buf.subarray(lastNl + 1));
    return out;
  }

  /**
   * End of input: the rest as pieces, the last marked final. A clean input may end with a line without a newline;
   * a damaged one drops its partial last line (it may be cut mid-field), as the sequential reader does.
   */
  end(clean: boolean): Piece[] {
    const out: Piece[] = [];
    if (!clean) {
      // Nothing of the cut line is kept.
    } else if (this.tooLong) {
      this.startTooLong(out);
    } else if (this.carryLen > 0) {
      this.begin();
      for (const c of this.carry) this.acc.push(c);
      this.accLen += this.carryLen;
      this.accLines++;
      this.nextLine++;
    }
    this.carry = [];
    this.carryLen = 0;
    this.tooLong = false;
    this.flush(out, true);
    return out;
  }

  private get accEmpty(): boolean {
    return this.accLen === 0 && this.accLines === 0 && !this.accTooLong;
  }

  /** Marks where an empty piece starts. */
  private begin(): void {
    if (this.accEmpty) this.accFirst = this.nextLine;
  }

  /** Line `nextLine` is too long: close the piece being filled, start the next one with that line flagged. */
  private startTooLong(out: Piece[]): void {
    this.flush(out, false);
    this.accTooLong = true;
    this.accFirst = this.nextLine;
    this.nextLine++;
  }

  private flush(out: Piece[], final: boolean): void {
    if (this.accEmpty) return;
    const bytes = new Uint8Array(new ArrayBuffer(this.accLen));
    let at = 0;
    for (const b of this.acc) {
      bytes.set(b, at);
      at += b.length;
    }
    out.push({ firstLine: this.accFirst, lines: this.accLines + (this.accTooLong ? 1 : 0), tooLongFirst: this.accTooLong, final, bytes });
    this.acc = [];
    this.accLen = 0;
    this.accLines = 0;
    this.accTooLong = false;
  }

  private hold(rest: Buffer): void {
    if (rest.length === 0 || this.tooLong) return;
    if (this.carryLen + rest.length > this.maxLineLength) {
      this.tooLong = true;
      this.carry = [];
      this.carryLen = 0;
      return;
    }
    // Copy: the decoder may reuse its buffer.
    this.carry.push(Buffer.from(rest));
    this.carryLen += rest.length;
  }
}

function countLf(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(10, from); i >= 0 && i < to; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** The worker threads with bounded queues: pieces go round-robin, or to every worker (broadcast). */
class Pool {
  private readonly workers: Worker[] = [];
  private readonly inFlight: number[] = [];
  private readonly waiting: ((() => void) | null)[] = [];
  private readonly failures: Error[] = [];
  private next = 0;

  constructor(inits: readonly WorkerInit[], private readonly broadcastPieces: boolean) {
    const script = workerScript();
    for (const [i, init] of inits.entries()) {
      const w = new Worker(script, { workerData: init, resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_SPACE_MB } });
      this.workers.push(w);
      this.inFlight.push(0);
      this.waiting.push(null);
      w.on('message', (m: { t: string }) => {
        if (m.t !== 'ack') return;
        this.inFlight[i] = (this.inFlight[i] ?? 1) - 1;
        this.wake(i);
      });
      w.on('error', (e) => {
        this.failures.push(e);
        this.wake(i);
      });
    }
  }

  broadcast(m: ToWorker): void {
    for (const w of this.workers) w.postMessage(m);
  }

  /** Sends a piece (to the next worker, or to all), waiting while a worker has IN_FLIGHT pieces queued. */
  async send(m: Extract<ToWorker, { t: 'piece' }>): Promise<void> {
    if (!this.broadcastPieces) {
      const i = this.next;
      this.next = (this.next + 1) % this.workers.length;
      await this.post(i, m);
      return;
    }
    // Each worker gets its own copy but the last, which gets the original.
    for (let i = 0; i < this.workers.length; i++) {
      await this.post(i, i === this.workers.length - 1 ? m : { ...m, bytes: m.bytes.slice() });
    }
  }

  private async post(i: number, m: Extract<ToWorker, { t: 'piece' }>): Promise<void> {
    this.check();
    while ((this.inFlight[i] ?? 0) >= IN_FLIGHT) {
      await new Promise<void>((r) => (this.waiting[i] = r));
      this.check();
    }
    this.inFlight[i] = (this.inFlight[i] ?? 0) + 1;
    this.workers[i]?.postMessage(m, [m.bytes.buffer as ArrayBuffer]);
  }

  private wake(i: number): void {
    const wake = this.waiting[i];
    this.waiting[i] = null;
    wake?.();
  }

  /** Ends every worker and collects their results, in worker order. */
  async finish(): Promise<WorkerResult[]> {
    this.check();
    return Promise.all(
      this.workers.map(
        (w) =>
          new Promise<WorkerResult>((resolve, reject) => {
            w.on('message', (m: { t: string }) => {
              if (m.t === 'result') resolve(m as WorkerResult);
            });
            w.once('error', reject);
            w.once('exit', (code) => reject(new Error(`worker exited (${code}) before sending its result`)));
            w.postMessage({ t: 'end' } satisfies ToWorker);
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private check(): void {
    const e = this.failures[0];
    if (e) throw e;
  }
}

/** The compiled worker script (tests run from src/ under ts-jest: use the build in dist/). */
function workerScript(): string {
  const here = join(__dirname, 'pipeline-worker.js');
  if (existsSync(here)) return here;
  return join(__dirname, '..', 'dist', 'pipeline-worker.js');
}
