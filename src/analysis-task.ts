/**
 * One task of a run sharded by data (pipeline-parallel.ts), on a worker thread: the records of a block of whole
 * inputs, counted into fresh state of every kind the run has — traffic summary, enrichment (its route guard),
 * behaviour profile, timeline, geo view, the detectors' aggregates — exactly as the single-thread core counts them
 * (analysis-core.ts), with three differences, because their counting reads across input boundaries:
 *
 * - sessions are stitched into fragments (sessions/stitcher.ts createFragmentStitcher) and handed to the main
 *   thread's joiner as they close here, with the task's watermark; what reads sessions (session summary, the
 *   profiles' session figures, looping-session) runs there, on the joined sessions;
 * - burst counts per-minute tables and hands each closed minute over (detect/sharded/burst.ts); its judge runs on
 *   the main thread over the minutes merged from every task, in minute order;
 * - nothing is judged here: at the end the task's state goes to the main thread as plain data (toJSON; the
 *   per-client aggregates packed into a transferred buffer and a string table, core/packed.ts), which
 *   merges the tasks' states in input order (every part's merge is exact for consecutive parts of a run: the
 *   property tests in test/aggregate/ and test/profile/) and judges.
 */
import type { LogRecord } from './core/types';
import { CapLog } from './core/capped';
import type { Packed } from './core/packed';
import { DEFAULT_LIMITS } from './core/limits';
import type { EvidenceOrder } from './aggregate/types';
import { createEnricher, type EnricherCaches } from './enrich/index';
import type { RouteGuardJson } from './enrich/route-guard';
import { TrafficProfile, type TrafficJson } from './profile/traffic';
import { BehaviourProfile, type ProfileJson } from './profile/behaviour';
import { Timeline, type TimelineJson } from './profile/timeline';
import { GeoView, type GeoViewJson } from './profile/geo-view';
import { createFragmentStitcher, type StitcherStats } from './sessions/stitcher';
import { packFragments, type PackedFragments } from './sessions/fragment';
import { createBurstShard, type BurstPost } from './detect/sharded/burst';
import { burstCounting, type BurstOptions } from './detect/burst';
import { createDetectorInstances, detectorOptions, selectedDetectors } from './detect/stage';
import type { AnalyzeOptions } from './analysis-core';
import { ChangeAggregate, type ChangeJson } from './aggregate/change';

/**
 * JSON text of a `T`: a task's state crosses to the main thread as one string per part (a flat copy, not a graph of
 * objects), which the main thread parses and merges one part at a time, so it never holds a whole task's state as
 * objects besides the merged one.
 */
export type JsonText<T> = string & { readonly __json?: T };

/** JSON text of `value`. */
export function jsonText<T>(value: T): JsonText<T> {
  return JSON.stringify(value) as JsonText<T>;
}

/** The value of JSON text made by jsonText. */
export function parseJsonText<T>(text: JsonText<T>): T {
  return JSON.parse(text) as T;
}

/** A batch of session fragments as plain data (sessions/stitcher.ts FragmentBatch, packed: sessions/fragment.ts). */
export interface FragmentBatchPacked {
  readonly fragments: PackedFragments;
  readonly watermark: number;
  readonly final: boolean;
}

/** Where a task sends what it closes while it runs. */
export interface TaskOutput {
  windows(p: BurstPost): void;
  fragments(batch: FragmentBatchPacked): void;
}

/** A task's state at its end, as plain data (structured-clone safe). */
export interface TaskState {
  readonly traffic: JsonText<TrafficJson>;
  /** Null in a --summary-only run (no enrichment). */
  readonly full: {
    readonly routes: JsonText<RouteGuardJson>;
    readonly behaviour: JsonText<ProfileJson>;
    readonly timeline: JsonText<TimelineJson>;
    readonly geo: JsonText<GeoViewJson> | null;
    /** Before and after --change-at (null without it). */
    readonly change: JsonText<ChangeJson> | null;
    /**
     * The detectors' aggregates, by id, in registry order (burst and the session detectors are not here): packed
     * (core/packed.ts) where the detector packs its state, else as JSON text.
     */
    readonly detectors: readonly { readonly id: string; readonly state: JsonText<unknown> | null; readonly packed?: Packed }[];
    readonly stitching: StitcherStats;
  } | null;
  /** CAP_REACHED messages of the task's capped structures (its traffic summary's are read from the merged one). */
  readonly caps: readonly string[];
}

/** The buffers of a task's packed parts: transferred to the main thread, not copied. */
export function taskBuffers(s: TaskState): ArrayBuffer[] {
  return (s.full?.detectors ?? []).flatMap((x) => (x.packed === undefined ? [] : [x.packed.data.buffer as ArrayBuffer]));
}

/** A task's record consumer. */
export interface TaskCore {
  record(r: LogRecord): void;
  /** After a batch of lines: hands the fragments that closed to the joiner. */
  batchEnd(): void;
  finish(): TaskState;
}

/** Event time between two hand-overs of session fragments. */
const HAND_OUT_MS = 15 * 60_000;

/** Detectors that judge on the main thread from what tasks hand over (not from a merged aggregate). */
export const JOINED_DETECTORS: ReadonlySet<string> = new Set(['burst', 'looping-session']);

/**
 * Builds the core of task `task` (its index among the run's tasks, in input order); `caches`: the enricher's caches a
 * worker keeps from task to task (enrich/index.ts EnricherCaches, made with options.geo and the run's limits).
 */
export function createTaskCore(options: AnalyzeOptions, task: number, order: EvidenceOrder, out: TaskOutput, caches?: EnricherCaches): TaskCore {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const caps = new CapLog();
  const full = options.summaryOnly !== true;
  const traffic = new TrafficProfile(full, limits);
  if (!full) {
    return {
      record: (r) => traffic.observe(r),
      batchEnd: () => undefined,
      finish: () => ({ traffic: jsonText(traffic.toJSON()), full: null, caps: caps.notes() }),
    };
  }
  const geo = options.geo ?? null;
  const enrich = createEnricher({ routes: { patterns: options.routes ?? [] }, geo, limits, caps, ...(caches ? { caches } : {}) });
  // The behaviour profile's and the detectors' CAP_REACHED notes are the merged state's (analysis-join.ts).
  const behaviour = new BehaviourProfile(undefined, limits.families);
  const timeline = new Timeline();
  const view = geo ? new GeoView(geo.info()) : null;
  const change = options.change ? new ChangeAggregate(options.change) : null;
  const stitcher = createFragmentStitcher({ timeoutMs: options.sessionTimeoutMs ?? 30 * 60_000, key: options.sessionKey ?? 'ip+ua', maxOpen: limits.openSessions, order });
  const sel = options.detectors ?? null;
  const instances = sel ? createDetectorInstances(sel, geo !== null, { limits, caps: new CapLog(), change: options.change ?? null }).filter((x) => !JOINED_DETECTORS.has(x.id)) : [];
  const observers = instances.map((x) => x.d).filter((d) => d.observe !== undefined);
  const burst = sel !== null && selectedDetectors(sel).includes('burst')
    ? createBurstShard(detectorOptions(sel, 'burst') as BurstOptions, burstCounting({ evidenceLimit: sel.evidenceLimit, geo: geo !== null, limits, caps }), order, task, (p) => out.windows(p))
    : null;
  const handOut = (): void => {
    const batch = stitcher.handOut();
    if (batch.fragments.length > 0 || batch.final) out.fragments({ fragments: packFragments(batch.fragments), watermark: batch.watermark, final: batch.final });
  };
  // Fragments are handed over once event time has moved on by HAND_OUT_MS since the last time (the joiner releases a
  // session only a timeout after its end anyway): a few hundred batches a day, not one per batch of lines.
  let newest = Number.NEGATIVE_INFINITY;
  let handedAt = Number.NEGATIVE_INFINITY;
  return {
    record(r) {
      const e = enrich(r);
      traffic.observe(e);
      behaviour.observe(e);
      timeline.observe(e);
      view?.observe(e);
      change?.observe(e);
      for (const d of observers) d.observe?.(e);
      burst?.observe(e);
      stitcher.push(e);
      if (e.startMs > newest) newest = e.startMs;
    },
    batchEnd() {
      if (newest - handedAt < HAND_OUT_MS) return;
      handedAt = newest;
      handOut();
    },
    finish() {
      burst?.finish();
      const last = stitcher.flush();
      out.fragments({ fragments: packFragments(last.fragments), watermark: last.watermark, final: true });
      return {
        traffic: jsonText(traffic.toJSON()),
        full: {
          routes: jsonText(enrich.routes.toJSON()),
          behaviour: jsonText(behaviour.toJSON()),
          timeline: jsonText(timeline.toJSON()),
          geo: view ? jsonText(view.toJSON()) : null,
          change: change ? jsonText(change.toJSON()) : null,
          detectors: instances.map(({ id, d }) => (d.state?.pack ? { id, state: null, packed: d.state.pack() } : { id, state: d.state ? jsonText(d.state.toJSON()) : null })),
          stitching: { ...stitcher.stats },
        },
        caps: caps.notes(),
      };
    },
  };
}
