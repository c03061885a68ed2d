/**
 * A `lbua watch` run: its sources (followed files, directories, stdin: live/sources.ts) feed the engine; a timer
 * closes the open minute when the input goes idle, judges at most once per `judgeEveryMs`, emits a heartbeat and
 * writes the `--state` checkpoint. Events go to `emit` in the order they happen (the command writes them as NDJSON,
 * runs --exec, keeps the rules file and the terminal view current).
 *
 * Back-pressure: records are counted as the sources read them (a batch at a time, with a turn of the event loop
 * between batches so the timer runs); a judgment happens between batches. Input faster than the analysis is read as
 * fast as the analysis goes, never dropped: the heartbeat's lag and backlog say how far behind it is.
 *
 * Checkpoints: the open minute is closed first, so the state holds every record read up to the sources' positions;
 * a checkpoint follows each judgment that emitted something (after the events are written: a crash between the two
 * repeats those events on restart rather than losing them), and every `checkpointEveryMs`.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { Diagnostic } from '../core/types';
import type { PipelineSink } from '../pipeline';
import { LiveEngine, type LiveEngineJson, type FindingsOf } from './engine';
import type { IncidentChange } from './incidents';
import type { AnalyzeOptions } from '../analysis-core';
import { LIVE_SCHEMA, type FindingEvent, type LiveEvent, type LiveStatus } from './types';

/** A source of records: a followed file, a directory, stdin. */
export interface WatchSource {
  readonly label: string;
  /** Reads until the source ends (stdin) or the run's signal aborts; records and diagnostics go to the sink. */
  run(sink: PipelineSink): Promise<void>;
  /** Lines, records and malformed lines read so far. */
  totals(): { readonly lines: number; readonly records: number; readonly malformed: number };
  /** Where to resume (plain data), for the checkpoint. */
  checkpoint(): unknown;
  /**
   * True while the source is inside a unit it can only resume from its start (a directory's group of files): a
   * checkpoint then waits, since the records read so far are counted but the group is not yet marked read.
   */
  busy?(): boolean;
}

/** The `--state` file. */
export interface WatchStateJson {
  readonly schema: 'lbua.watch-state/1';
  readonly inputs: readonly string[];
  readonly engine: LiveEngineJson;
  readonly sources: Readonly<Record<string, unknown>>;
}

export interface WatchRunOptions {
  readonly analyze: AnalyzeOptions;
  readonly findingsOf: FindingsOf;
  readonly live: { readonly segmentMs: number; readonly windowMs: number; readonly closeAfterMs: number; readonly updateEveryMs: number };
  readonly sources: readonly WatchSource[];
  /** Wall-clock ms between judgments at most (default 1000). */
  readonly judgeEveryMs: number;
  /** The open minute closes once no record has come for this long (wall clock; default 30 s). */
  readonly idleMs: number;
  /** Heartbeat every this many ms (0: none). */
  readonly heartbeatMs: number;
  /** The checkpoint file and how often it is written (besides after each judgment that emitted), or null. */
  readonly state: { readonly path: string; readonly everyMs: number; readonly saved: WatchStateJson | null } | null;
  readonly emit: (e: LiveEvent) => void;
  /** After each judgment (the rules file, the view read the engine). */
  readonly judged?: (engine: LiveEngine) => void;
  /** Line diagnostics shown at most (the rest are counted in the heartbeat's `malformed`). */
  readonly maxWarnings: number;
  readonly signal: AbortSignal;
  readonly now?: () => number;
}

/** How a run ended. */
export interface WatchOutcome {
  readonly lines: number;
  readonly records: number;
  readonly findings: number;
  /** Stopped by a signal (true) or by the end of every input (false). */
  readonly stopped: boolean;
}

/** The live view's status of a running watch. */
export type StatusFn = () => LiveStatus;

export async function runWatch(o: WatchRunOptions): Promise<{ outcome: Promise<WatchOutcome>; status: StatusFn }> {
  const now = o.now ?? Date.now;
  const engine = new LiveEngine({ ...o.live, analyze: o.analyze, findingsOf: o.findingsOf }, o.state?.saved?.engine);
  const labels = o.sources.map((s) => s.label);
  let lastRecordAt = now();
  let lastJudgeAt = 0;
  let lastBeatAt = now();
  let lastCheckpointAt = now();
  let linesAtBeat = totals().lines;
  let lps = 0;
  let findings = 0;
  let shown = 0;

  function totals(): { lines: number; records: number; malformed: number } {
    const t = { lines: 0, records: 0, malformed: 0 };
    for (const s of o.sources) {
      const x = s.totals();
      t.lines += x.lines;
      t.records += x.records;
      t.malformed += x.malformed;
    }
    return t;
  }
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  const lag = (): number | null => {
    const w = engine.watermarkMs;
    return w === null ? null : Math.max(0, Math.round((now() - w) / 1000));
  };
  const base = (): { schema: typeof LIVE_SCHEMA; at: string; watermark: string | null } => ({ schema: LIVE_SCHEMA, at: new Date(now()).toISOString(), watermark: iso(engine.watermarkMs) });
  const eventOf = (c: IncidentChange, watermarkMs: number): FindingEvent => {
    if (c.kind === 'finding') {
      findings++;
      const delay = Math.round((watermarkMs - Date.parse(c.finding.window.start)) / 1000);
      return { ...base(), event: 'finding', id: c.id, finding: c.finding, delay_seconds: Number.isFinite(delay) ? Math.max(0, delay) : null };
    }
    if (c.kind === 'update') return { ...base(), event: 'update', update: true, ...(c.reopened ? { reopened: true as const } : {}), id: c.id, finding: c.finding };
    return { ...base(), event: 'closed', id: c.id, finding: c.finding, reason: c.reason };
  };
  let checkpointDue = false;
  const checkpoint = (): void => {
    if (o.state === null) return;
    if (o.sources.some((src) => src.busy?.() === true)) {
      checkpointDue = true;
      return;
    }
    checkpointDue = false;
    engine.closeOpen();
    const doc: WatchStateJson = {
      schema: 'lbua.watch-state/1', inputs: labels, engine: engine.toJSON(),
      sources: Object.fromEntries(o.sources.map((s) => [s.label, s.checkpoint()])),
    };
    // Atomic: a crash mid-write leaves the previous checkpoint.
    const tmp = join(dirname(o.state.path), `.${basename(o.state.path)}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(doc));
    renameSync(tmp, o.state.path);
    lastCheckpointAt = now();
  };
  const judge = (force: boolean): void => {
    if (!engine.pending || (!force && now() - lastJudgeAt < o.judgeEveryMs)) return;
    lastJudgeAt = now();
    const out = engine.judge();
    if (out === null) return;
    for (const c of out.changes) o.emit(eventOf(c, out.watermarkMs));
    o.judged?.(engine);
    if (out.changes.length > 0) checkpoint();
  };
  const heartbeat = (): void => {
    const t = totals();
    const elapsed = (now() - lastBeatAt) / 1000;
    lps = elapsed > 0 ? Math.round((t.lines - linesAtBeat) / elapsed) : 0;
    lastBeatAt = now();
    linesAtBeat = t.lines;
    if (o.heartbeatMs <= 0) return;
    o.emit({
      ...base(), event: 'heartbeat', lines_per_second: lps, lines: t.lines, records: t.records, malformed: t.malformed,
      lag_seconds: lag(), backlog_lines: engine.openRecords, open_incidents: engine.openIncidents,
      state_bytes: engine.stateBytes, heap_bytes: process.memoryUsage().heapUsed, window_minutes: engine.windowMinutes,
    });
  };
  const tick = (): void => {
    if (engine.openRecords > 0 && now() - lastRecordAt >= o.idleMs) engine.closeOpen();
    judge(false);
    if (now() - lastBeatAt >= (o.heartbeatMs > 0 ? o.heartbeatMs : 1000)) heartbeat();
    if (o.state !== null && (checkpointDue || now() - lastCheckpointAt >= o.state.everyMs)) checkpoint();
  };
  const sink: PipelineSink = {
    record(r) {
      engine.record(r);
      lastRecordAt = now();
    },
    diagnostic(d: Diagnostic) {
      // Line-level diagnostics: the first maxWarnings as notices; all are counted in the heartbeat.
      if (d.source !== null && shown++ >= o.maxWarnings) return;
      o.emit({ ...base(), event: 'notice', code: d.code, message: d.source ? `${d.source.file}:${d.source.line}: ${d.message}` : d.message });
    },
    async afterBatch() {
      engine.batchEnd();
      tick();
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
  const timer = setInterval(tick, 200);
  const outcome = (async (): Promise<WatchOutcome> => {
    try {
      await Promise.all(o.sources.map((s) => s.run(sink)));
    } finally {
      clearInterval(timer);
    }
    const stopped = o.signal.aborted;
    if (stopped && o.state !== null) {
      // Stopped with a checkpoint: judged and saved, the open incidents stay open for the restart.
      engine.closeOpen();
      judge(true);
      checkpoint();
    } else {
      const end = engine.finish();
      if (end !== null) for (const c of end.changes) o.emit(eventOf(c, end.watermarkMs));
      o.judged?.(engine);
      if (o.state !== null) checkpoint();
    }
    heartbeat();
    const t = totals();
    return { lines: t.lines, records: t.records, findings, stopped };
  })();
  return { outcome, status: () => engine.status(labels, lag(), lps) };
}
