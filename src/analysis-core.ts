/**
 * The analysis itself, record by record: traffic summary → enrich → behaviour profile → extra stages → detectors →
 * session stitcher; closed sessions go to the session summary, the profile, every stage that wants sessions and the
 * session detectors. `createCore` builds it for a run on one thread; a run sharded by data over worker threads counts
 * the same state per task of whole inputs (analysis-task.ts) and merges and judges it on the main thread
 * (analysis-join.ts), which gives the same report.
 * At the end, when the route templater's cardinality guard collapsed a position during the run, every route- or
 * endpoint-keyed state (endpoint profiles, session entries, exits and transitions, the detectors') is re-keyed to the
 * final routes before it is judged and reported (core/rekey.ts), so a request counts under the same endpoint whether
 * it came before or after the collapse.
 */
import type { LogRecord } from './core/types';
import type { PipelineOptions } from './pipeline';
import { TrafficProfile } from './profile/traffic';
import { BehaviourProfile, type GroupRow } from './profile/behaviour';
import type { ProfilesSection } from './core/report-types';
import { GeoView } from './profile/geo-view';
import { Timeline } from './profile/timeline';
import { createEnricher } from './enrich/index';
import type { EnrichedRecord } from './enrich/types';
import type { GeoLookup } from './enrich/geo/index';
import { createStitcher } from './sessions/stitcher';
import { SessionSummary, type SessionsSection } from './sessions/summary';
import { OpenPeak } from './sessions/peak';
import type { Session } from './sessions/types';
import { createDetectorStage, type DetectorSelection } from './detect/stage';
import type { Finding } from './detect/types';
import { CapLog } from './core/capped';
import { DEFAULT_LIMITS, type Limits } from './core/limits';
import type { ReportSections } from './core/report-types';
import { evidenceOrder, type EvidenceOrder } from './aggregate/types';
import { ChangeAggregate, type ChangeWindow } from './aggregate/change';
import { changeSection } from './profile/change';
import type { Baseline } from './aggregate/baseline';
import { collectBeforeReport } from './core/collect';

/** A sections object being filled in. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Options of an analysis run (normalized by cli/options.ts). */
export interface AnalyzeOptions extends PipelineOptions {
  readonly top: number;
  /** --all: the endpoints (by requests) and top-paths tables list every key up to ALL_ROWS instead of `top`. */
  readonly all?: boolean;
  /** Line-level diagnostics kept in the report. */
  readonly maxWarnings: number;
  /** User route patterns (--route). */
  readonly routes?: readonly string[];
  /** Opened geo data, or null. */
  readonly geo?: GeoLookup | null;
  /** Session inactivity timeout (default 30 min) and key. */
  readonly sessionTimeoutMs?: number;
  readonly sessionKey?: 'ip' | 'ip+ua';
  /** Turn off enrichment, sessions and profiles (foundation-only summary; used for benchmarks). */
  readonly summaryOnly?: boolean;
  /**
   * Worker threads: a number (1 = none), or 'auto' (absent): when two or more input files add up to 8 MB or more on
   * a multi-core machine, up to 4 (a run is sharded by whole inputs: pipeline-parallel.ts).
   */
  readonly jobs?: number | 'auto';
  /** Detectors to run (null/absent = none). */
  readonly detectors?: DetectorSelection | null;
  /** Read evidence lines again after the run and put their text in the findings (not possible for stdin). */
  readonly evidenceText?: boolean;
  /** Least input bytes per task of a sharded run (default pipeline-parallel.ts MIN_TASK_BYTES; tests lower it). */
  readonly minTaskBytes?: number;
  /** Caps on state keyed by input values (default DEFAULT_LIMITS; tests lower them). */
  readonly limits?: Limits;
  /** Share of all requests above which no block or rate limit is proposed for an address, network or ASN (0.05). */
  readonly guardShare?: number;
  /** `--change-at` and `--change-window`: the `change` section and release-impact compare the windows around it. */
  readonly change?: ChangeWindow | null;
  /** A learned baseline (`--baseline`): the history detector judges the run against it (main thread only). */
  readonly baseline?: Baseline | null;
}

/**
 * A stage after enrichment (geo views, detectors, timeline). Each sees every enriched record in input order and
 * contributes named sections to the report when the run ends. Stages hold their state in closures.
 */
export interface AnalysisStage {
  readonly id: string;
  observe(r: EnrichedRecord): void;
  /** Receives every session when it closes (sessions are stitched once, here). */
  observeSession?(s: Session): void;
  /** Maps endpoint-keyed state through the run's final endpoints (a collapsed route position), before finish. */
  rekey?(map: (key: string) => string): void;
  /** Report sections, keyed by section name (added after the built-in ones, in stage order). */
  finish(): ReportSections;
}

/** Builds the run's stages (order matters for report key order); a stage with capped state registers it in `caps`. */
export type StageFactory = (options: AnalyzeOptions, caps: CapLog) => AnalysisStage;

/** The extra stages of `lbua analyze`, in report order (geo views, detectors and the timeline register here). */
export const STAGES: readonly StageFactory[] = [timelineStage, geoStage, changeStage];

/** Requests per bucket by status class with latency p50/p95 (the HTML report's timeline). */
function timelineStage(): AnalysisStage {
  const timeline = new Timeline();
  return {
    id: 'timeline',
    observe: (r) => timeline.observe(r),
    finish: () => ({ timeline: timeline.result() }),
  };
}

/** Country and ASN views (only when geo data is loaded). */
function geoStage(options: AnalyzeOptions): AnalysisStage {
  // ASNs past the 300th are counted in an "other" row the report shows: the table says so itself.
  const geo = options.geo ?? null;
  const view = geo ? new GeoView(geo.info()) : null;
  return {
    id: 'geo',
    observe: (r) => view?.observe(r),
    observeSession: (s) => view?.observeSession(s),
    finish: () => (view ? { geo: view.result(options.top) } : {}),
  };
}

/** Before and after --change-at (only with it). */
function changeStage(options: AnalyzeOptions, caps: CapLog): AnalysisStage {
  const window = options.change ?? null;
  const agg = window === null ? null : new ChangeAggregate(window);
  if (agg !== null) caps.watch(() => agg.capNote());
  return {
    id: 'change',
    observe: (r) => agg?.observe(r),
    observeSession: (s) => agg?.observeSession(s),
    finish: () => (agg ? { change: changeSection(agg, options.top) } : {}),
    rekey: (map) => agg?.rekey(map),
  };
}

/** What a run produced. */
export interface CoreResult {
  readonly traffic: TrafficProfile;
  /** Sections after `top`, in report order: sessions, profiles, then each stage's. */
  readonly built: ReportSections;
  /** Raw findings per detector in registry order (empty when no detectors ran). */
  readonly findings: { readonly id: string; readonly findings: Finding[] }[];
  /** True when detectors were selected at all (findings then come from them). */
  readonly detectorsRan: boolean;
  /** CAP_REACHED messages of every capped structure but the traffic summary's (read from the merged summary). */
  readonly caps: readonly string[];
}

/** A run's record consumer and its end. */
export interface Core {
  record(r: LogRecord): void;
  finish(): CoreResult;
}

/** Builds the analysis of a run on one thread (a --summary-only run counts the traffic summary alone). */
export function createCore(options: AnalyzeOptions, stageFactories: readonly StageFactory[] = STAGES, order?: EvidenceOrder): Core {
  const full = options.summaryOnly !== true;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const caps = new CapLog();
  // After enrichment (full runs) the keys the summary counts are standalone strings: no copy needed.
  const traffic = new TrafficProfile(full, limits);
  const stages = full ? stageFactories.map((f) => f(options, caps)) : [];
  const enrich = full ? createEnricher({ routes: { patterns: options.routes ?? [] }, geo: options.geo ?? null, limits, caps }) : null;
  const profiles = full;
  const behaviour = new BehaviourProfile(undefined, limits.families);
  if (profiles) caps.watch(() => behaviour.capNote());
  const summary = new SessionSummary();
  if (profiles) caps.watch(() => summary.capNote());
  const timeoutMs = options.sessionTimeoutMs ?? 30 * 60_000;
  const sessionKey = options.sessionKey ?? 'ip+ua';
  const stitcher = full ? createStitcher({ timeoutMs, key: sessionKey, maxOpen: limits.openSessions, ...(order ? { order } : {}) }) : null;
  if (stitcher !== null) caps.watch(() => stitcher.capNote());
  const sessionStages = stages.filter((s) => s.observeSession !== undefined);
  const detectors = full && options.detectors ? createDetectorStage(options.detectors, (options.geo ?? null) !== null, { limits, caps, change: options.change ?? null, baseline: options.baseline ?? null }) : null;
  const peak = new OpenPeak(timeoutMs);
  const closeSessions = (closed: readonly Session[]): void => {
    for (const sess of closed) {
      summary.observe(sess);
      peak.observe(sess);
      behaviour.observeSession(sess);
      for (const s of sessionStages) s.observeSession?.(sess);
      detectors?.observeSession(sess);
    }
  };
  // Inputs in the order records came from them: the evidence order of state merged by re-keying at the end.
  const files = new Set<string>();
  let lastFile: string | null = null;
  let records = 0;
  return {
    record(r) {
      records++;
      if (enrich === null) {
        traffic.observe(r);
        return;
      }
      if (r.source.file !== lastFile) {
        lastFile = r.source.file;
        files.add(lastFile);
      }
      // Enriched first: its strings are the shared standalone copies every later map keys on.
      const e = enrich(r);
      traffic.observe(e);
      if (profiles) behaviour.observe(e);
      for (const s of stages) s.observe(e);
      detectors?.observe(e);
      if (stitcher === null) return;
      const closed = stitcher.push(e);
      if (closed.length > 0) closeSessions(closed);
    },
    finish() {
      if (stitcher !== null) closeSessions(stitcher.flush());
      // A position the route templater collapsed during the run counts every request under it, those made before too.
      if (enrich !== null && enrich.routes.guard.anyCollapsed) {
        const map = (key: string): string => enrich.routes.finalEndpoint(key);
        behaviour.rekey(map);
        summary.rekey(map);
        detectors?.rekey(map, evidenceOrder([...files]));
        for (const s of stages) s.rekey?.(map);
      }
      collectBeforeReport(records);
      const sections: Mutable<ReportSections> = {};
      for (const s of stages) Object.assign(sections, s.finish());
      const built: Mutable<ReportSections> = {};
      if (profiles && stitcher !== null && enrich !== null) {
        const sessionsSection: SessionsSection = summary.result(options.top, {
          timeoutMs, key: sessionKey, late: stitcher.stats.late, forced: stitcher.stats.forced, peakOpen: peak.peak(),
        });
        built.sessions = sessionsSection;
        built.profiles = profilesSection(behaviour, options.top, enrich.routes.collapsed(), wideRows(options));
      }
      Object.assign(built, sections);
      return { traffic, built, findings: detectors ? detectors.raw() : [], detectorsRan: detectors !== null, caps: caps.notes() };
    },
  };
}

/**
 * Rows of the endpoints (by requests) and top-paths tables with --all: the endpoint profile's own cap (endpoints past
 * it are profiled together as "(other)"), so a report with --all stays bounded however many paths the log has.
 */
export const ALL_ROWS = 5000;

/** Rows of the tables --all widens: ALL_ROWS with --all, else --top. */
export function wideRows(options: Pick<AnalyzeOptions, 'top' | 'all'>): number {
  return options.all === true ? Math.max(ALL_ROWS, options.top) : options.top;
}

export function profilesSection(p: BehaviourProfile, topN: number, collapsed: readonly string[], allN = topN): ProfilesSection {
  const rows = p.endpointRows();
  const byRequests = [...rows].sort((a, b) => b.requests - a.requests || (a.endpoint < b.endpoint ? -1 : 1));
  const minRequests = Math.max(20, Math.ceil(p.requests * 0.001));
  const slowest = rows
    .filter((r) => r.requests >= minRequests && r.p95_ms !== null)
    .sort((a, b) => (b.p95_ms ?? 0) - (a.p95_ms ?? 0) || (a.endpoint < b.endpoint ? -1 : 1));
  const groups = (which: 'classes' | 'families'): GroupRow[] =>
    p.groupRows(which).sort((a, b) => b.requests + b.session_requests - (a.requests + a.session_requests) || (a.key < b.key ? -1 : 1));
  const shares = (series: Map<number, Map<string, number>>): Record<string, number> => {
    const totals = new Map<string, number>();
    let all = 0;
    for (const counts of series.values()) for (const [k, n] of counts) {
      totals.set(k, (totals.get(k) ?? 0) + n);
      all += n;
    }
    return Object.fromEntries([...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k, n]) => [k, all ? Math.round((n / all) * 10_000) / 10_000 : 0]));
  };
  return {
    endpoints_top: byRequests.slice(0, allN),
    endpoints_slowest: slowest.slice(0, topN),
    client_classes: groups('classes'),
    agent_families: groups('families').slice(0, topN),
    protocols: shares(p.protocols),
    tls: shares(p.tls),
    collapsed_routes: collapsed,
  };
}

