/**
 * The run's aggregate state, saved: `lbua profile` writes it as `lbua.profile/2` and `--merge` combines saved ones.
 * It is the behaviour profile (the fields of `lbua.profile/1`, unchanged) plus the traffic summary, the timeline,
 * the geo view, the session summary and the state of every selected detector (keyed by id, with the options it ran
 * with): everything `lbua analyze` counts, as counts, sketches and capped tables, each part mergeable (`merge`,
 * `toJSON`/`fromJSON`). A run cut into parts that are profiled apart and merged in input order holds what one
 * profile of every input holds, byte for byte, below the caps, with one limit: a session cut by a part boundary
 * counts as two (joining sessions across parts is the stitcher's work, not done here).
 *
 * Parts merge only when they were made alike: the same session settings, evidence limit, geo data (present or
 * not), route patterns, and the same detectors with the same options; `mergeRunStates` refuses anything else.
 * Determinism: maps are written sorted by key (detectors by id), so the same input gives the same bytes.
 */
import { fail } from '../../core/types';
import { CapLog } from '../../core/capped';
import type { Limits } from '../../core/limits';
import { evidenceOrder, type EvidenceOrder } from '../../aggregate/types';
import type { EnrichedRecord } from '../../enrich/types';
import type { Session } from '../../sessions/types';
import { SessionSummary, type SessionSummaryJson } from '../../sessions/summary';
import { BehaviourProfile, mergeProfiles, type ProfileJson } from '../../profile/behaviour';
import { TrafficProfile, type TrafficJson } from '../../profile/traffic';
import { Timeline, type TimelineJson } from '../../profile/timeline';
import { GeoView, type GeoViewJson } from '../../profile/geo-view';
import { getDetector } from '../../detect/registry';
import { createRouteTemplater } from '../../enrich/route-template';
import type { RouteGuardJson } from '../../enrich/route-guard';
import { selectedDetectors, type DetectorSelection } from '../../detect/stage';
import type { Detector, DetectorOptions } from '../../detect/types';

/** What a profile was made with: parts made otherwise do not merge. */
export interface ProfileSettings {
  readonly session_timeout_minutes: number;
  readonly session_key: 'ip' | 'ip+ua';
  readonly evidence_limit: number;
  /** Geo data loaded (its description), or null. */
  readonly geo: readonly string[] | null;
  readonly routes: readonly string[];
}

/** A detector's saved state: the options it counted with, and its aggregate (null: it has no mergeable state yet). */
export interface DetectorStateJson {
  readonly options: Readonly<Record<string, number>>;
  readonly state: unknown;
}

/** `lbua.profile/2`: the behaviour profile's fields, then the rest of the run's state. */
export interface RunStateJson extends Omit<ProfileJson, 'schema'> {
  readonly schema: 'lbua.profile/2';
  /** Inputs in the order they were read (evidence is ordered by them). */
  readonly inputs: readonly string[];
  readonly settings: ProfileSettings;
  readonly traffic: TrafficJson;
  readonly timeline: TimelineJson;
  readonly geo: GeoViewJson | null;
  readonly sessions: { readonly stitching: Stitching; readonly summary: SessionSummaryJson };
  readonly detectors: Readonly<Record<string, DetectorStateJson>>;
  /**
   * The route templater's cardinality guard (enrich/route-guard.ts): merged profiles re-key what is keyed by route
   * when the guards together collapse a position that neither did alone.
   */
  readonly routes?: RouteGuardJson;
}

/** What the stitcher did (sums, and the largest number of sessions open at once). */
export interface Stitching {
  readonly late_records: number;
  readonly forced_closes: number;
  readonly peak_open: number;
}

/** A run's state being counted. */
export interface RunState {
  record(e: EnrichedRecord): void;
  /** A closed session. */
  session(s: Session): void;
  /** Maps route- and endpoint-keyed state through the run's final routes (a collapse during the run: route-guard.ts). */
  rekey(map: (key: string) => string, order: EvidenceOrder): void;
  toJSON(inputs: readonly string[], stitching: Stitching, routes: RouteGuardJson): RunStateJson;
}

/** What counting needs besides the settings. */
export interface RunContext {
  readonly settings: ProfileSettings;
  readonly detectors: DetectorSelection | null;
  readonly limits: Limits;
  readonly caps: CapLog;
}

/** The selected detectors, created with their options (defaults, then the overrides). */
function createDetectors(ctx: RunContext): { id: string; options: Record<string, number>; d: Detector }[] {
  const sel = ctx.detectors;
  if (sel === null) return [];
  // A profile has no --change-at and no --baseline: release-impact and history are not selected.
  return selectedDetectors(sel).sort().map((id) => {
    const def = getDetector(id);
    if (def === undefined) fail('OPTION_INVALID', `unknown detector ${JSON.stringify(id)}`);
    const options: Record<string, number> = { ...def.defaultOptions };
    for (const [key, v] of Object.entries(sel.overrides)) if (key.startsWith(`${id}.`)) options[key.slice(id.length + 1)] = v;
    const d = def.create(options as DetectorOptions, { evidenceLimit: ctx.settings.evidence_limit, geo: ctx.settings.geo !== null, limits: ctx.limits, caps: ctx.caps });
    return { id, options: sortedKeys(options), d };
  });
}

/** Counts a run into the behaviour profile, the traffic summary, the timeline, the geo view, sessions and detectors. */
export function createRunState(ctx: RunContext): RunState {
  const behaviour = new BehaviourProfile(undefined, ctx.limits.families);
  ctx.caps.watch(() => behaviour.capNote());
  const traffic = new TrafficProfile(true, ctx.limits);
  const timeline = new Timeline();
  const geo = ctx.settings.geo === null ? null : new GeoView(ctx.settings.geo);
  const summary = new SessionSummary();
  ctx.caps.watch(() => summary.capNote());
  // Detectors without a mergeable state are listed (state null) but not run: a profile has no use for their findings.
  const detectors = createDetectors(ctx);
  const counting = detectors.filter((x) => x.d.state !== undefined).map((x) => x.d);
  return {
    record(e) {
      traffic.observe(e);
      behaviour.observe(e);
      timeline.observe(e);
      geo?.observe(e);
      for (const d of counting) d.observe?.(e);
    },
    session(s) {
      summary.observe(s);
      behaviour.observeSession(s);
      geo?.observeSession(s);
      for (const d of counting) d.observeSession?.(s);
    },
    rekey(map, order) {
      behaviour.rekey(map);
      summary.rekey(map);
      for (const d of counting) d.rekey?.(map, order);
    },
    toJSON(inputs, stitching, routes) {
      const { schema: _v1, ...profile } = behaviour.toJSON();
      return {
        schema: 'lbua.profile/2', ...profile, inputs, settings: ctx.settings, routes,
        traffic: traffic.toJSON(), timeline: timeline.toJSON(), geo: geo === null ? null : geo.toJSON(),
        sessions: { stitching, summary: summary.toJSON() },
        detectors: Object.fromEntries(detectors.map(({ id, options, d }) => [id, { options, state: d.state === undefined ? null : d.state.toJSON() }])),
      };
    },
  };
}

/**
 * Merges saved run states, given in input order: the first file's parts first. Refuses (OPTION_INVALID) parts made
 * with other settings or other detector options than the first.
 */
export function mergeRunStates(files: readonly { readonly path: string; readonly json: RunStateJson }[], limits: Limits): RunStateJson {
  const [first, ...rest] = files;
  if (first === undefined) fail('OPTION_INVALID', 'no profiles to merge');
  for (const f of rest) {
    const diff = firstDifference(first.json.settings, f.json.settings, 'settings') ?? firstDifference(optionsOf(first.json), optionsOf(f.json), 'detectors');
    if (diff !== null) fail('OPTION_INVALID', `${f.path}: made with other settings than ${first.path} (${diff}): profiles merge only when made alike`);
  }
  const inputs = files.flatMap((f) => f.json.inputs);
  const order: EvidenceOrder = evidenceOrder(inputs);
  const mergedProfile = mergeProfiles(files.map((f) => ({ ...f.json, schema: 'lbua.profile/1' })));
  const merged = <S extends { merge(o: S, order: EvidenceOrder): void; toJSON(): unknown }, J>(parts: readonly J[], read: (j: J) => S): S => {
    const [head, ...tail] = parts.map(read) as [S, ...S[]];
    for (const p of tail) head.merge(p, order);
    return head;
  };
  const settings = first.json.settings;
  const caps = new CapLog();
  // The parts' route guards together: a position they collapse between them re-keys what is keyed by route.
  const guards = files.flatMap((f) => (f.json.routes === undefined ? [] : [f.json.routes]));
  const templater = guards.length === 0 ? null : createRouteTemplater({ patterns: settings.routes }, { maxChars: limits.cacheKeyChars }, guards[0]);
  for (const g of guards.slice(1)) templater?.merge(createRouteTemplater({ patterns: settings.routes }, { maxChars: limits.cacheKeyChars }, g));
  const rekey = templater !== null && templater.guard.anyCollapsed ? (key: string): string => templater.finalEndpoint(key) : null;
  const detectors: Record<string, DetectorStateJson> = {};
  for (const [id, { options }] of Object.entries(first.json.detectors)) {
    const def = getDetector(id);
    if (def === undefined) fail('INPUT_UNREADABLE', `${first.path}: unknown detector ${JSON.stringify(id)}`);
    // A fresh detector with the options the parts ran with, their states merged in input order.
    const d = def.create(options, { evidenceLimit: settings.evidence_limit, geo: settings.geo !== null, limits, caps });
    for (const f of files) {
      const s = f.json.detectors[id]?.state ?? null;
      if (d.state !== undefined && s !== null) d.state.merge(s, order);
    }
    if (rekey !== null) d.rekey?.(rekey, order);
    detectors[id] = { options, state: d.state === undefined ? null : d.state.toJSON() };
  }
  const geoParts = files.map((f) => f.json.geo).filter((g): g is GeoViewJson => g !== null);
  const behaviour = BehaviourProfile.fromJSON(mergedProfile);
  const summary = merged(files.map((f) => f.json.sessions.summary), SessionSummary.fromJSON);
  if (rekey !== null) {
    behaviour.rekey(rekey);
    summary.rekey(rekey);
  }
  const { schema: _v1, ...profile } = rekey === null ? mergedProfile : behaviour.toJSON();
  return {
    schema: 'lbua.profile/2', ...profile, inputs, settings,
    ...(templater === null ? {} : { routes: templater.toJSON() }),
    traffic: merged(files.map((f) => f.json.traffic), (j) => TrafficProfile.fromJSON(j, true)).toJSON(),
    timeline: merged(files.map((f) => f.json.timeline), Timeline.fromJSON).toJSON(),
    geo: geoParts.length === 0 ? null : merged(geoParts, GeoView.fromJSON).toJSON(),
    sessions: {
      stitching: files.map((f) => f.json.sessions.stitching).reduce((a, b) => ({
        late_records: a.late_records + b.late_records, forced_closes: a.forced_closes + b.forced_closes, peak_open: Math.max(a.peak_open, b.peak_open),
      })),
      summary: summary.toJSON(),
    },
    detectors,
  };
}

/** The fields every `lbua.profile/2` has besides the behaviour profile's (a file without them is not one). */
export const RUN_STATE_FIELDS = ['inputs', 'settings', 'traffic', 'timeline', 'geo', 'sessions', 'detectors'] as const;

/** Detector ids and their options. */
function optionsOf(j: RunStateJson): Record<string, unknown> {
  return Object.fromEntries(Object.entries(j.detectors).map(([id, d]) => [id, d.options]));
}

/** The first path at which two plain values differ, e.g. "settings.session_key: ip+ua vs ip", or null. */
function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d !== null) return d;
    }
    return null;
  }
  return a === b ? null : `${path}: ${JSON.stringify(a) ?? 'absent'} vs ${JSON.stringify(b) ?? 'absent'}`;
}

function sortedKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}
