/**
 * Detector plugins: data plus a factory, ESLint-rule shaped. `create(options, ctx)` returns the per-run instance
 * whose state lives in its closure; `finish()` returns findings. Everything is in event time.
 * A detector that counts into an aggregate exposes it as `state`, so a run sharded by data can merge: workers each
 * count their inputs and post `state.toJSON()` (plain JSON, also fine as a structured clone), or `state.pack()`
 * where the detector packs its state (core/packed.ts); the main thread
 * creates the detector with the run's options, `state.merge`s the posted states in input order, and calls
 * `finish()`, which judges the merged aggregate exactly as it judges one counted in one pass (below the caps).
 */
import type { EpochMs, SourceRef } from '../core/types';
import type { EvidenceOrder, Mergeable } from '../aggregate/types';
import type { CapLog } from '../core/capped';
import type { Limits } from '../core/limits';
import type { Packed } from '../core/packed';
import type { EnrichedRecord } from '../enrich/types';
import type { Session } from '../sessions/types';
import type { ChangeWindow } from '../aggregate/change';
import type { Baseline } from '../aggregate/baseline';

/** What an on-call engineer should do: critical/high = act now; medium = look today; low/info = context. */
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

/** Ordered severities, most severe first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Subject types of the findings contract. */
export type SubjectType = 'ip' | 'cidr' | 'asn' | 'country' | 'endpoint' | 'target' | 'host' | 'user_agent' | 'tls' | 'protocol' | 'session' | 'signature' | 'global' | 'flow';

/** A proposed action (rule parameters are concrete; emitters turn them into nginx/HAProxy/AWS WAF text). */
export type Action =
  /** key 'endpoint': one limit for all clients together on the endpoint `scope` (what stops a spread-out campaign). */
  | { readonly type: 'rate-limit'; readonly key: 'ip' | 'forwarded-ip' | 'asn' | 'endpoint'; readonly limit_per_minute: number; readonly window_seconds: number; readonly scope: string; readonly why: string }
  /** A challenge (CAPTCHA, proof of work) on the endpoint `scope`: no rule is emitted for it. */
  | { readonly type: 'challenge'; readonly scope: string; readonly why: string }
  | { readonly type: 'block'; readonly ips: readonly string[]; readonly cidrs: readonly string[]; readonly why: string }
  | { readonly type: 'capacity'; readonly subject: string; readonly why: string }
  | { readonly type: 'investigate'; readonly subject: string; readonly window: string; readonly why: string }
  /** A block or rate limit the action guards withheld (detect/action-guards.ts): on what, and why. */
  | { readonly type: 'no-block'; readonly subject: string; readonly why: string };

/** A finding as detectors produce it (the report converts times to ISO and adds the stable id). */
export interface Finding {
  readonly detector: string;
  readonly severity: Severity;
  readonly confidence: number;
  readonly title: string;
  readonly subject: { readonly type: SubjectType; readonly value: string };
  readonly startMs: EpochMs;
  readonly endMs: EpochMs;
  readonly metrics: Readonly<Record<string, number | string | null>>;
  /** How the numbers were judged, in one or two sentences. */
  readonly explanation: string;
  readonly evidence: readonly SourceRef[];
  readonly actions: readonly Action[];
  /**
   * The addresses a finding about many of them covers (a campaign's), for the stage's folds; not in the report.
   */
  readonly members?: readonly string[];
  /** Ids of related findings are filled in by the stage (same subject or overlapping window). */
}

/** What detectors get from the run. */
export interface DetectorContext {
  /** Evidence references kept per finding. */
  readonly evidenceLimit: number;
  /** Whether geo data is loaded (ASN/country detectors are silent otherwise). */
  readonly geo: boolean;
  /** Caps on state keyed by input values (per client, network, endpoint, ...). */
  readonly limits: Limits;
  /** Where a detector with capped state registers its CAP_REACHED note. */
  readonly caps: CapLog;
  /** `--change-at` and `--change-window` (release-impact), absent or null without them. */
  readonly change?: ChangeWindow | null;
  /** The learned baseline of `--baseline` (only the main thread's instances get it; detect/history.ts judges with it). */
  readonly baseline?: Baseline | null;
}

/** Per-run instance. */
export interface Detector {
  observe?(r: EnrichedRecord): void;
  observeSession?(s: Session): void;
  /** The counted state, when the detector counts into a mergeable aggregate (absent: it cannot be sharded). */
  readonly state?: DetectorState;
  finish(): Finding[];
  /**
   * Maps the route- or endpoint-keyed state through the run's final endpoints (or routes: `map` takes both, see
   * RouteTemplater.finalEndpoint) before finish, merging what becomes one (evidence by `order`, an EvidenceOrder);
   * called only when the route templater collapsed a position during the run (core/rekey.ts).
   */
  rekey?(map: (key: string) => string, order: (a: SourceRef, b: SourceRef) => number): void;
}

/**
 * A detector's counted state. `toJSON()` is plain JSON; `merge(json, order)` adds the `toJSON()` of another
 * instance of the same detector, created with the same options (a worker's shard, or a saved state), into this one.
 */
export interface DetectorState {
  toJSON(): unknown;
  /**
   * The state as a task of a sharded run hands it to the main thread, when that is cheaper than toJSON's (core/packed.ts:
   * one transferable buffer of numbers and a string table); `merge` takes it as it takes toJSON's.
   */
  pack?(): Packed;
  merge(json: unknown, order: EvidenceOrder): void;
}

/**
 * The state of a detector that counts into one aggregate: `fromJSON` rebuilds an aggregate of its kind from what
 * `toJSON` wrote (the JSON is trusted to be of that kind: the caller checks detector ids and options).
 */
export function aggregateState<S extends Mergeable<S, unknown>>(state: S, fromJSON: (json: ReturnType<S['toJSON']>) => S): DetectorState {
  return {
    toJSON: () => state.toJSON(),
    merge: (json, order) => state.merge(fromJSON(json as ReturnType<S['toJSON']>), order),
  };
}

/** Option values are numbers (overridable with --detector-opt id.key=value). */
export type DetectorOptions = Readonly<Record<string, number>>;

/** A detector module's default export; `id` equals the file name. */
export interface DetectorDefinition<O extends DetectorOptions = DetectorOptions> {
  readonly id: string;
  readonly title: string;
  /** One sentence, ends with a period. */
  readonly description: string;
  readonly defaultOptions: O;
  /** One line per option. */
  readonly optionDocs: Readonly<Record<keyof O & string, string>>;
  /** Runs only with a learned baseline (`--baseline`): not selected otherwise. */
  readonly needsBaseline?: boolean;
  /** Runs only around a change (`--change-at`): not selected otherwise. */
  readonly needsChange?: boolean;
  create(options: O, ctx: DetectorContext): Detector;
}

/** Identity helper that keeps the option type. */
export function defineDetector<O extends DetectorOptions>(def: DetectorDefinition<O>): DetectorDefinition<O> {
  return def;
}
