/**
 * The main thread of a run sharded by data (pipeline-parallel.ts): what the tasks (analysis-task.ts) hand over,
 * merged and judged into the result the single-thread core (analysis-core.ts) gives.
 *
 * - While tasks run: burst's closed minutes go to its merger (detect/sharded/burst.ts), which judges a minute once
 *   every task still running has passed it; session fragments go to the joiner (sessions/joiner.ts), whose joined
 *   sessions feed the session summary, the profiles' session figures, the geo view's and looping-session.
 * - A task's state is merged once every task before it has been (input order: each part's merge is exact for
 *   consecutive parts of a run), so at most the states of the tasks running ahead are held.
 * - At the end: the guards of the route templaters merged, a collapse re-keys what is keyed by route (as the single
 *   core does), and the detectors judge their merged aggregates.
 *
 * A task that has not started yet holds back windows and sessions only down to its first timestamp less the
 * lateness (it can hand over nothing older): `firstMs` per task, from the pass that ordered the inputs.
 */
import { CapLog } from './core/capped';
import { DEFAULT_LIMITS } from './core/limits';
import type { ReportSections } from './core/report-types';
import type { EvidenceOrder } from './aggregate/types';
import { createRouteTemplater } from './enrich/route-template';
import { TrafficProfile } from './profile/traffic';
import { BehaviourProfile } from './profile/behaviour';
import { Timeline } from './profile/timeline';
import { GeoView } from './profile/geo-view';
import { SessionSummary } from './sessions/summary';
import { OpenPeak } from './sessions/peak';
import { createSessionJoiner } from './sessions/joiner';
import { unpackFragments } from './sessions/fragment';
import type { Session } from './sessions/types';
import { createBurstMerger, type BurstMerger, type BurstPost } from './detect/sharded/burst';
import type { BurstOptions } from './detect/burst';
import { createDetectorInstances, detectorOptions } from './detect/stage';
import type { Detector, Finding } from './detect/types';
import { profilesSection, wideRows, type AnalyzeOptions, type CoreResult } from './analysis-core';
import type { FragmentBatchPacked, TaskState } from './analysis-task';
import { ChangeAggregate } from './aggregate/change';
import { changeSection } from './profile/change';
import { JOINED_DETECTORS, parseJsonText } from './analysis-task';

/** A sections object being filled in. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The main thread's side of a sharded run. */
export interface Join {
  windows(p: BurstPost): void;
  fragments(task: number, batch: FragmentBatchPacked): void;
  /** Task `task`'s state at its end (in any order: merged in task order). */
  state(task: number, s: TaskState): void;
  finish(): CoreResult;
}

/** Lateness the windows and sessions of a task not started yet cannot be older than (its first timestamp less it). */
export interface JoinPlan {
  readonly tasks: number;
  /** Each task's first timestamp as sampled before reading (null: unknown, it holds everything back until it starts). */
  readonly firstMs: readonly (number | null)[];
  readonly order: EvidenceOrder;
}

export function createJoin(options: AnalyzeOptions, plan: JoinPlan): Join {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const caps = new CapLog();
  const full = options.summaryOnly !== true;
  const traffic = new TrafficProfile(full, limits);
  const geo = options.geo ?? null;
  const timeoutMs = options.sessionTimeoutMs ?? 30 * 60_000;
  const sessionKey = options.sessionKey ?? 'ip+ua';
  const sel = options.detectors ?? null;
  const ctx = { limits, caps, change: options.change ?? null, baseline: options.baseline ?? null };
  // Every selected detector, in registry order: the aggregate ones merge the tasks' states, looping-session reads
  // the joined sessions, burst's slot is its merger's.
  const instances = full && sel ? createDetectorInstances(sel, geo !== null, ctx) : [];
  const burst: BurstMerger | null = instances.some((x) => x.id === 'burst') && sel
    ? createBurstMerger(detectorOptions(sel, 'burst') as BurstOptions, { evidenceLimit: sel.evidenceLimit, geo: geo !== null, limits, caps }, plan.tasks, plan.order, undefined, initialMinutes(plan, (detectorOptions(sel, 'burst') as BurstOptions).latenessMinutes))
    : null;
  const sessionDetectors: Detector[] = instances.filter((x) => x.d.observeSession !== undefined).map((x) => x.d);
  const behaviour = new BehaviourProfile(undefined, limits.families);
  if (full) caps.watch(() => behaviour.capNote());
  const summary = new SessionSummary();
  if (full) caps.watch(() => summary.capNote());
  const view = geo ? new GeoView(geo.info()) : null;
  const timeline = new Timeline();
  const change = full && options.change ? new ChangeAggregate(options.change) : null;
  if (change) caps.watch(() => change.capNote());
  const routes = createRouteTemplater({ patterns: options.routes ?? [] }, { maxChars: limits.cacheKeyChars });
  const stitching = { late: 0 };
  const taskCaps: string[] = [];
  const joiner = full
    ? createSessionJoiner({ timeoutMs, key: sessionKey, shards: plan.tasks, order: plan.order, initial: plan.firstMs.map((t) => (t === null ? Number.NEGATIVE_INFINITY : t - 10 * 60_000)) })
    : null;
  if (joiner !== null) caps.watch(() => joiner.capNote());
  const peak = new OpenPeak(timeoutMs);
  // The geo view counts a session for a country or ASN its records made an entry for: the entries are in the tasks'
  // views until they are merged, so sessions are tallied here and added then (finish).
  const geoSessions = { countries: new Map<string, number>(), asns: new Map<number, number>() };
  const consume = (sessions: readonly Session[]): void => {
    for (const s of sessions) {
      summary.observe(s);
      peak.observe(s);
      if (view) {
        if (s.country !== null) geoSessions.countries.set(s.country, (geoSessions.countries.get(s.country) ?? 0) + 1);
        if (s.asn !== null) geoSessions.asns.set(s.asn, (geoSessions.asns.get(s.asn) ?? 0) + 1);
      }
      behaviour.observeSession(s);
      change?.observeSession(s);
      for (const d of sessionDetectors) d.observeSession?.(s);
    }
  };
  const rekeyAll = (): void => {
    const map = (key: string): string => routes.finalEndpoint(key);
    behaviour.rekey(map);
    summary.rekey(map);
    change?.rekey(map);
    for (const { d } of instances) d.rekey?.(map, plan.order);
  };
  const held = new Map<number, TaskState>();
  let next = 0;
  const mergeState = (s: TaskState): void => {
    traffic.mergeJSON(parseJsonText(s.traffic), full);
    for (const c of s.caps) taskCaps.push(c);
    const f = s.full;
    if (f === null) return;
    routes.merge(createRouteTemplater({ patterns: options.routes ?? [] }, { maxChars: limits.cacheKeyChars }, parseJsonText(f.routes)));
    // Collapses known so far re-key what is merged already, before the next part adds to it: the merged tables then
    // hold no more keys than one pass's (which collapses as it goes), and their caps cut what one pass's would.
    if (routes.guard.anyCollapsed) rekeyAll();
    behaviour.merge(BehaviourProfile.fromJSON(parseJsonText(f.behaviour)));
    timeline.merge(Timeline.fromJSON(parseJsonText(f.timeline)));
    if (view && f.geo) view.merge(GeoView.fromJSON(parseJsonText(f.geo)), plan.order);
    if (change && f.change) change.merge(parseJsonText(f.change));
    for (const { id, state, packed } of f.detectors) {
      const d = instances.find((x) => x.id === id)?.d;
      if (d?.state && packed !== undefined) d.state.merge(packed, plan.order);
      else if (d?.state && state !== null) d.state.merge(parseJsonText(state), plan.order);
    }
    stitching.late += f.stitching.late;
  };
  return {
    windows(p) {
      burst?.post(p);
    },
    fragments(task, batch) {
      if (joiner === null) return;
      consume(joiner.receive(task, { fragments: unpackFragments(batch.fragments), watermark: batch.watermark, final: batch.final }));
    },
    state(task, s) {
      held.set(task, s);
      for (let h = held.get(next); h !== undefined; h = held.get(next)) {
        held.delete(next);
        mergeState(h);
        next++;
      }
    },
    finish() {
      if (next !== plan.tasks) throw new Error(`internal: ${plan.tasks - next} task states missing`);
      if (joiner !== null) consume(joiner.flush());
      const findings: { id: string; findings: Finding[] }[] = [];
      const built: Mutable<ReportSections> = {};
      if (full) {
        if (routes.guard.anyCollapsed) rekeyAll();
        // Late records are counted where they were read; sessions split early, where they were joined.
        const late = stitching.late;
        const forced = joiner?.stats.forced ?? 0;
        built.sessions = summary.result(options.top, { timeoutMs, key: sessionKey, late, forced, peakOpen: peak.peak() });
        built.profiles = profilesSection(behaviour, options.top, routes.collapsed(), wideRows(options));
        built.timeline = timeline.result();
        if (view) {
          view.addSessions(geoSessions.countries, geoSessions.asns);
          built.geo = view.result(options.top);
        }
        if (change) built.change = changeSection(change, options.top);
        for (const { id, d } of instances) {
          if (JOINED_DETECTORS.has(id) && id === 'burst') findings.push({ id, findings: burst ? burst.finish() : [] });
          else findings.push({ id, findings: d.finish() });
        }
      }
      const notes = [...taskCaps, ...caps.notes()];
      return { traffic, built, findings, detectorsRan: full && sel !== null, caps: notes };
    },
  };
}

/** Each task's lowest minute it can still close (its first timestamp's minute less the lateness, less one). */
function initialMinutes(plan: JoinPlan, latenessMinutes: number): (number | null)[] {
  return plan.firstMs.map((t) => (t === null ? null : Math.floor(t / 60_000) - latenessMinutes - 1));
}
