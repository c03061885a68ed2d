/**
 * The live analysis of `lbua watch`: the sharded run's machinery (analysis-task.ts, analysis-join.ts) turned along
 * time. Records are counted into *segments*, each a task core over a minute of log time; a segment closes when a
 * record past its end arrives (or the input has been idle a while: the caller's closeOpen), and is kept as plain data
 * (its state, burst's closed minutes and its session fragments: what a worker hands to the main thread). A
 * *judgment* merges the segments of the window (the last `windowMs` of log time) into a fresh join and judges it
 * exactly as a batch run judges its tasks: so when the whole log fits in the window, the last judgment gives the
 * findings of `lbua analyze` on the same log, byte for byte (test/live/). The incident table (live/incidents.ts)
 * turns the succession of judgments into finding / update / closed events.
 *
 * Memory is the window's segments (their state is bounded by the caps of core/limits.ts per segment) and the open
 * incidents: older segments are released as the window slides. A judgment costs a merge of the window's segments;
 * judgments are made at most once per `judgeEveryMs` of wall-clock time, so a backlog (history, a burst of input)
 * is read at full speed and judged every so often, and the heartbeat says how far behind the log the analysis is.
 */
import type { LogRecord, EpochMs } from '../core/types';
import type { Packed } from '../core/packed';
import type { ReportFinding } from '../core/report-types';
import { CoarseHistogram } from '../core/histogram';
import { evidenceOrder } from '../aggregate/types';
import { createTaskCore, type FragmentBatchPacked, type TaskCore, type TaskState } from '../analysis-task';
import { createJoin } from '../analysis-join';
import type { AnalyzeOptions, CoreResult } from '../analysis-core';
import type { BurstPost } from '../detect/sharded/burst';
import { SEVERITIES } from '../detect/types';
import { IncidentTable, type IncidentChange, type IncidentsJson } from './incidents';
import type { LiveStatus, LiveTalker } from './types';

/** Judged findings of a merged window: the report's (analysis.ts reportFindings). */
export type FindingsOf = (result: CoreResult) => ReportFinding[];

export interface LiveOptions {
  readonly analyze: AnalyzeOptions;
  readonly findingsOf: FindingsOf;
  /** Log time a segment spans (default 60 s). */
  readonly segmentMs: number;
  /** Log time judged together (default 2 h): the detectors' "normal" is what the window holds. */
  readonly windowMs: number;
  /** An incident whose end is this far behind the watermark has ended (default 10 min). */
  readonly closeAfterMs: number;
  /** Least log time between two updates of an incident that only grew (default 5 min; live/incidents.ts). */
  readonly updateEveryMs: number;
}

export const LIVE_DEFAULTS = { segmentMs: 60_000, windowMs: 2 * 3600_000, closeAfterMs: 10 * 60_000, updateEveryMs: 5 * 60_000 } as const;

/** A closed segment, as plain data. */
interface Segment {
  readonly firstMs: number;
  readonly lastMs: number;
  readonly endMs: number;
  readonly records: number;
  readonly posts: readonly BurstPost[];
  readonly fragments: readonly FragmentBatchPacked[];
  readonly state: TaskState;
  readonly bytes: number;
}

/** The segment being counted. */
interface OpenSegment {
  readonly core: TaskCore;
  readonly endMs: number;
  firstMs: number;
  lastMs: number;
  records: number;
  readonly posts: BurstPost[];
  readonly fragments: FragmentBatchPacked[];
}

/** Per-minute figures of the live view (by record time). */
interface MinuteRow {
  requests: number;
  e4xx: number;
  e5xx: number;
  readonly latency: CoarseHistogram;
}

export interface JudgeOutcome {
  readonly changes: readonly IncidentChange[];
  readonly findings: readonly ReportFinding[];
  /** The watermark judged up to. */
  readonly watermarkMs: number;
  readonly result: CoreResult;
}

export interface LiveEngineJson {
  readonly schema: 'lbua.live-state/1';
  readonly segments: readonly SegmentJson[];
  readonly incidents: IncidentsJson;
  readonly watermarkMs: number | null;
  readonly files: readonly string[];
}

interface SegmentJson extends Omit<Segment, 'posts' | 'fragments' | 'state'> {
  readonly posts: readonly unknown[];
  readonly fragments: readonly unknown[];
  readonly state: unknown;
}

const MINUTE = 60_000;
/** Input names the evidence order keeps (noteFile). */
const MAX_FILES = 4096;

export class LiveEngine {
  private readonly segments: Segment[] = [];
  private open: OpenSegment | null = null;
  private readonly incidents: IncidentTable;
  private readonly files: string[] = [];
  private readonly fileSet = new Set<string>();
  private watermark: number | null = null;
  /** Segments closed since the start, and when the last judgment was made (a count of them). */
  private closed = 0;
  private judgedClosed = 0;
  private newest = Number.NEGATIVE_INFINITY;
  private readonly minutes = new Map<number, MinuteRow>();
  private lastResult: CoreResult | null = null;
  private taskSeq = 0;

  constructor(private readonly o: LiveOptions, saved?: LiveEngineJson) {
    this.incidents = new IncidentTable({ closeAfterMs: o.closeAfterMs, gapMs: 5 * MINUTE, forgetAfterMs: o.windowMs + o.closeAfterMs, updateEveryMs: o.updateEveryMs }, saved?.incidents);
    if (saved) {
      for (const s of saved.segments) this.segments.push(segmentFromJSON(s));
      this.watermark = saved.watermarkMs;
      for (const f of saved.files) this.noteFile(f);
      const last = this.segments[this.segments.length - 1];
      if (last) this.newest = last.lastMs;
    }
  }

  /** Counts a record (the sink of every source). */
  record(r: LogRecord): void {
    const t = r.startMs;
    let seg = this.open;
    if (seg !== null && t >= seg.endMs) {
      this.closeOpen();
      seg = null;
    }
    if (seg === null) seg = this.openAt(t);
    if (r.source.file !== this.files[this.files.length - 1]) this.noteFile(r.source.file);
    seg.core.record(r);
    seg.records++;
    if (t < seg.firstMs) seg.firstMs = t;
    if (t > seg.lastMs) seg.lastMs = t;
    if (t > this.newest) this.newest = t;
    this.countMinute(r);
  }

  /** After a batch of lines: the open segment hands over what closed (session fragments). */
  batchEnd(): void {
    this.open?.core.batchEnd();
  }

  /** Closes the open segment now (the input has been idle, or a checkpoint is due). */
  closeOpen(): void {
    const seg = this.open;
    if (seg === null) return;
    this.open = null;
    const state = seg.core.finish();
    const bytes = stateBytes(state) + seg.posts.reduce((n, p) => n + (p.windows ? packedBytes(p.windows) : 0), 0) + seg.fragments.reduce((n, f) => n + packedBytes(f.fragments.packed), 0);
    this.segments.push({ firstMs: seg.firstMs, lastMs: seg.lastMs, endMs: seg.endMs, records: seg.records, posts: seg.posts, fragments: seg.fragments, state, bytes });
    // Records of a judged minute that come late (a long request logged at its end) go to the open segment: a later
    // judgment counts them.
    this.watermark = Math.max(this.watermark ?? Number.NEGATIVE_INFINITY, Math.min(seg.endMs, seg.lastMs + 1));
    this.closed++;
    this.release();
  }

  /**
   * Closed segments not yet judged. Counted, not read off the watermark: a segment of late records only (a long
   * request logged at its end, after the minute it started in was closed) leaves the watermark where it was, and
   * must be judged all the same.
   */
  get pending(): boolean {
    return this.closed !== this.judgedClosed;
  }

  get watermarkMs(): number | null {
    return this.watermark;
  }

  /** Records counted in the open segment (read, not yet judged). */
  get openRecords(): number {
    return this.open?.records ?? 0;
  }

  get openIncidents(): number {
    return this.incidents.open.length;
  }

  /** Bytes of state held: the closed segments' data. */
  get stateBytes(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0);
  }

  /** Minutes of log time the window's segments span. */
  get windowMinutes(): number {
    const first = this.segments[0];
    const last = this.segments[this.segments.length - 1];
    return first && last ? Math.round((last.endMs - Math.floor(first.firstMs / MINUTE) * MINUTE) / MINUTE) : 0;
  }

  /** Judges the window (when segments closed since the last judgment) and returns what changed. */
  judge(): JudgeOutcome | null {
    if (!this.pending || this.watermark === null || this.segments.length === 0) return null;
    const result = this.judgeWindow();
    this.lastResult = result;
    const findings = this.o.findingsOf(result);
    const changes = this.incidents.observe(findings, this.watermark);
    this.judgedClosed = this.closed;
    return { changes, findings, watermarkMs: this.watermark, result };
  }

  /** The end: the open segment closed and judged, every open incident closed with its last numbers. */
  finish(): JudgeOutcome | null {
    this.closeOpen();
    const last = this.judge();
    const closing = this.incidents.closeAll(this.watermark ?? 0);
    if (last === null) return closing.length === 0 || this.lastResult === null ? null : { changes: closing, findings: [], watermarkMs: this.watermark ?? 0, result: this.lastResult };
    return { ...last, changes: [...last.changes, ...closing] };
  }

  /** What the live view draws. */
  status(inputs: readonly string[], lagSeconds: number | null, linesPerSecond: number): LiveStatus {
    const keys = [...this.minutes.keys()].sort((a, b) => a - b);
    const judged = this.watermark === null ? keys : keys.filter((m) => m + MINUTE <= (this.watermark ?? 0));
    const lastKey = judged[judged.length - 1];
    const last = lastKey === undefined ? null : this.minutes.get(lastKey) ?? null;
    const series = judged.slice(-60).map((m) => this.minutes.get(m)?.requests ?? 0);
    const traffic = this.lastResult?.traffic.result(10);
    const talkers = (rows: readonly { key: string; requests: number }[] | undefined): LiveTalker[] => (rows ?? []).map((r) => ({ key: r.key, requests: r.requests, errors: 0 }));
    const open = this.incidents.open.map((r) => r.finding).sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || (a.window.start < b.window.start ? -1 : 1));
    const closed = [...this.incidents.closed].sort((a, b) => (b.closedAtMs ?? 0) - (a.closedAtMs ?? 0)).slice(0, 10).map((r) => r.finding);
    return {
      inputs,
      watermark: this.watermark === null ? null : new Date(this.watermark).toISOString(),
      lag_seconds: lagSeconds,
      lines_per_second: linesPerSecond,
      requests_per_minute: last?.requests ?? 0,
      rpm_series: series,
      error_rate_5xx: last && last.requests > 0 ? last.e5xx / last.requests : 0,
      error_rate_4xx: last && last.requests > 0 ? last.e4xx / last.requests : 0,
      p95_ms: last ? last.latency.quantile(0.95) : null,
      top_clients: talkers(traffic?.top.clients),
      // Endpoints (route templates, as the report's endpoints table), with their errors (status 5xx and 4xx).
      top_endpoints: (this.lastResult?.built.profiles?.endpoints_top ?? []).slice(0, 10).map((r) => ({ key: r.endpoint, requests: r.requests, errors: Math.round(r.error_rate * r.requests) })),
      open,
      recently_closed: closed,
      state_bytes: this.stateBytes,
    };
  }

  /** Open incidents' findings and recently closed ones (the rules file keeps both). */
  incidentRows(): { open: ReportFinding[]; closed: { finding: ReportFinding; closedAtMs: number }[] } {
    return {
      open: this.incidents.open.map((r) => r.finding),
      closed: this.incidents.closed.map((r) => ({ finding: r.finding, closedAtMs: r.closedAtMs ?? 0 })),
    };
  }

  /** The state as plain data (call closeOpen() first: an open segment is not saved). */
  toJSON(): LiveEngineJson {
    return { schema: 'lbua.live-state/1', segments: this.segments.map(segmentToJSON), incidents: this.incidents.toJSON(), watermarkMs: this.watermark, files: [...this.files] };
  }

  private openAt(t: EpochMs): OpenSegment {
    const start = Math.floor(t / this.o.segmentMs) * this.o.segmentMs;
    const seg: OpenSegment = {
      core: null as unknown as TaskCore,
      endMs: start + this.o.segmentMs,
      firstMs: t,
      lastMs: t,
      records: 0,
      posts: [],
      fragments: [],
    };
    const core = createTaskCore(this.o.analyze, this.taskSeq++, evidenceOrder(this.files), {
      windows: (p) => seg.posts.push(p),
      fragments: (b) => seg.fragments.push(b),
    });
    (seg as { core: TaskCore }).core = core;
    this.open = seg;
    return seg;
  }

  private noteFile(f: string): void {
    if (this.fileSet.has(f)) return;
    this.fileSet.add(f);
    this.files.push(f);
    // A directory of 5-minute files brings thousands of names a day: the evidence order keeps the latest ones (an
    // older file's evidence sorts by name, after them: evidenceOrder), so the list stays bounded over days.
    if (this.files.length > MAX_FILES) for (const old of this.files.splice(0, this.files.length - MAX_FILES / 2)) this.fileSet.delete(old);
  }

  private countMinute(r: LogRecord): void {
    const m = Math.floor(r.startMs / MINUTE) * MINUTE;
    let row = this.minutes.get(m);
    if (row === undefined) {
      row = { requests: 0, e4xx: 0, e5xx: 0, latency: new CoarseHistogram() };
      this.minutes.set(m, row);
      // The view keeps an hour of minutes.
      for (const k of this.minutes.keys()) if (k < m - 60 * MINUTE) this.minutes.delete(k);
    }
    row.requests++;
    const s = r.status ?? 0;
    if (s >= 500) row.e5xx++;
    else if (s >= 400) row.e4xx++;
    if (r.durationMs !== null) row.latency.add(r.durationMs);
  }

  /** Drops the segments the window has slid past. */
  private release(): void {
    const w = this.watermark;
    if (w === null) return;
    while (this.segments.length > 1 && (this.segments[0]?.endMs ?? w) <= w - this.o.windowMs) this.segments.shift();
  }

  /** A fresh join of the window's segments, judged. */
  private judgeWindow(): CoreResult {
    const segs = this.segments;
    const join = createJoin(this.o.analyze, { tasks: segs.length, firstMs: segs.map((s) => s.firstMs), order: evidenceOrder(this.files) });
    segs.forEach((s, i) => {
      // Merges may keep what they are given: each judgment gets its own copies of the segments' buffers.
      for (const p of s.posts) join.windows({ ...p, shard: i, windows: p.windows === null ? null : copyPacked(p.windows) });
      for (const f of s.fragments) join.fragments(i, { ...f, fragments: { ...f.fragments, packed: copyPacked(f.fragments.packed) } });
      join.state(i, copyState(s.state));
    });
    return join.finish();
  }
}

/** A copy whose numbers a merge may take (a packed state can carry more fields than Packed's: kept). */
function copyPacked<P extends Packed>(p: P): P {
  return { ...p, data: p.data.slice() };
}

function copyState(s: TaskState): TaskState {
  if (s.full === null) return s;
  return { ...s, full: { ...s.full, detectors: s.full.detectors.map((d) => (d.packed === undefined ? d : { ...d, packed: copyPacked(d.packed) })) } };
}

function packedBytes(p: Packed): number {
  return p.data.byteLength + p.strings.reduce((n, s) => n + 2 * s.length + 16, 0);
}

function stateBytes(s: TaskState): number {
  let n = 2 * s.traffic.length;
  const f = s.full;
  if (f === null) return n;
  n += 2 * (f.routes.length + f.behaviour.length + f.timeline.length + (f.geo?.length ?? 0) + (f.change?.length ?? 0));
  for (const d of f.detectors) n += d.packed ? packedBytes(d.packed) : 2 * (d.state?.length ?? 0);
  return n;
}

/** Packed data as JSON: the numbers' bytes in base64 (exact, doubles included); the strings and other fields as they are. */
function packedToJSON(p: Packed): PackedJson {
  const { data, ...rest } = p;
  return { ...rest, b64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
}

function packedFromJSON(j: PackedJson): Packed {
  const { b64, ...rest } = j;
  const buf = Buffer.from(b64, 'base64');
  const data = new Float64Array(buf.byteLength / 8);
  new Uint8Array(data.buffer).set(buf);
  return { ...rest, data };
}

type PackedJson = Omit<Packed, 'data'> & { readonly b64: string };

function segmentToJSON(s: Segment): SegmentJson {
  const st = s.state;
  return {
    firstMs: s.firstMs, lastMs: s.lastMs, endMs: s.endMs, records: s.records, bytes: s.bytes,
    posts: s.posts.map((p) => ({ ...p, windows: p.windows === null ? null : packedToJSON(p.windows) })),
    fragments: s.fragments.map((f) => ({ ...f, fragments: { ...f.fragments, packed: packedToJSON(f.fragments.packed) } })),
    state: st.full === null ? st : { ...st, full: { ...st.full, detectors: st.full.detectors.map((d) => (d.packed === undefined ? d : { ...d, packed: packedToJSON(d.packed) })) } },
  };
}

function segmentFromJSON(j: SegmentJson): Segment {
  const posts = (j.posts as (Omit<BurstPost, 'windows'> & { windows: PackedJson | null })[]).map((p) => ({ ...p, windows: p.windows === null ? null : packedFromJSON(p.windows) }));
  const fragments = (j.fragments as (Omit<FragmentBatchPacked, 'fragments'> & { fragments: Omit<FragmentBatchPacked['fragments'], 'packed'> & { packed: PackedJson } })[])
    .map((f) => ({ ...f, fragments: { ...f.fragments, packed: packedFromJSON(f.fragments.packed) } }));
  type SavedFull = Omit<NonNullable<TaskState['full']>, 'detectors'> & { detectors: { id: string; state: string | null; packed?: PackedJson }[] };
  const st = j.state as Omit<TaskState, 'full'> & { full: SavedFull | null };
  const state: TaskState = st.full === null
    ? { ...st, full: null }
    : { ...st, full: { ...st.full, detectors: st.full.detectors.map((d) => (d.packed === undefined ? { id: d.id, state: d.state } : { id: d.id, state: d.state, packed: packedFromJSON(d.packed) })) } };
  return { firstMs: j.firstMs, lastMs: j.lastMs, endMs: j.endMs, records: j.records, bytes: j.bytes, posts, fragments, state };
}
