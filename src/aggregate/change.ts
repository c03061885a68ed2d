/**
 * Before and after a change (a deploy: `lbua analyze --change-at T`): the same counts for the window before T and the
 * window after it (`windowMs` each, default an hour: "how did the release affect the first hour"), so the two
 * compare like for like. Requests are counted by their start; a session by its start (one that starts before T and
 * goes on after it counts as before: the release did not start it).
 *
 * Per side: requests, errors (4xx+5xx, as the endpoint profile counts them) and 5xx, total latency; per endpoint
 * the same; client mix (agent families, agent classes, protocols, TLS versions); sessions: count, bounces, loops
 * (a session going back and forth between two endpoints three times or more), client classes, entry and exit
 * endpoints, and transitions between endpoints (non-static, consecutive, different), with each endpoint's
 * outgoing total so a transition's probability is count / outgoing.
 *
 * Mergeable (toJSON/fromJSON/merge) for runs sharded by data: counts add, sketches merge, and a capped map takes new
 * keys in the order it sees them, which is input order both in one pass and in merges done in input order, so the
 * merged state equals one pass's. Records and sessions are counted by whoever sees them (a task counts records,
 * the main thread the joined sessions); the other half of a part's state is then empty and merges as nothing.
 */
import { QuantileSketch, type QuantileSketchJson } from '../core/quantile';
import { detach } from '../core/text';
import type { EnrichedRecord } from '../enrich/types';
import type { Session } from '../sessions/types';

/** The change time and the length of each window around it. */
export interface ChangeWindow {
  readonly atMs: number;
  readonly windowMs: number;
}

/** Keys per capped map of a side (endpoints, transitions, ...); later keys count under OTHER. */
export const CHANGE_KEYS = 5_000;
/** The key that holds what a capped map could not name. */
export const OTHER = '(other)';

/** One endpoint's counts on one side. */
export interface EndpointCounts {
  requests: number;
  errors: number;
  serverErrors: number;
  readonly latency: QuantileSketch;
}

/** One side's counts. */
export class ChangeSide {
  requests = 0;
  errors = 0;
  serverErrors = 0;
  readonly latency = new QuantileSketch();
  readonly endpoints = new Map<string, EndpointCounts>();
  readonly families = new Map<string, number>();
  readonly agentClasses = new Map<string, number>();
  readonly protocols = new Map<string, number>();
  readonly tls = new Map<string, number>();
  sessions = 0;
  bounces = 0;
  loops = 0;
  readonly sessionClasses = new Map<string, number>();
  readonly entries = new Map<string, number>();
  readonly exits = new Map<string, number>();
  /** `from\u0000to` → count. */
  readonly transitions = new Map<string, number>();
  /** from → transitions out of it. */
  readonly outgoing = new Map<string, number>();

  endpoint(key: string): EndpointCounts {
    let e = this.endpoints.get(key);
    if (e === undefined) {
      const k = this.endpoints.size < CHANGE_KEYS ? detach(key) : OTHER;
      e = this.endpoints.get(k);
      if (e === undefined) {
        e = { requests: 0, errors: 0, serverErrors: 0, latency: new QuantileSketch() };
        this.endpoints.set(k, e);
      }
    }
    return e;
  }
}

/** Adds n to key in a capped count map. */
export function bump(m: Map<string, number>, key: string, n = 1): void {
  const have = m.get(key);
  if (have !== undefined) m.set(key, have + n);
  else {
    const k = m.size < CHANGE_KEYS ? detach(key) : OTHER;
    m.set(k, (m.get(k) ?? 0) + n);
  }
}

/** Whether a session goes back and forth between two endpoints (A→B and B→A three times each or more). */
export function isLoop(sequence: readonly string[]): boolean {
  const counts = new Map<string, number>();
  for (let i = 1; i < sequence.length; i++) {
    const a = sequence[i - 1];
    const b = sequence[i];
    if (a === undefined || b === undefined || a === b) continue;
    const k = `${a}\u0000${b}`;
    const n = (counts.get(k) ?? 0) + 1;
    counts.set(k, n);
    if (n >= 3 && (counts.get(`${b}\u0000${a}`) ?? 0) >= 3) return true;
  }
  return false;
}

type Pairs = readonly (readonly [string, number])[];

/** A side as plain JSON (maps as sorted pairs). */
export interface ChangeSideJson {
  readonly requests: number;
  readonly errors: number;
  readonly server_errors: number;
  readonly latency: QuantileSketchJson;
  readonly endpoints: readonly (readonly [string, number, number, number, QuantileSketchJson])[];
  readonly families: Pairs;
  readonly agent_classes: Pairs;
  readonly protocols: Pairs;
  readonly tls: Pairs;
  readonly sessions: number;
  readonly bounces: number;
  readonly loops: number;
  readonly session_classes: Pairs;
  readonly entries: Pairs;
  readonly exits: Pairs;
  readonly transitions: Pairs;
  readonly outgoing: Pairs;
}

/** The aggregate as plain JSON. */
export interface ChangeJson {
  readonly kind: 'change';
  readonly at_ms: number;
  readonly window_ms: number;
  readonly sides: readonly [ChangeSideJson, ChangeSideJson];
}

/** Insertion order is what the caps keep: the JSON keeps it (not sorted), so a merge re-adds keys in that order. */
const pairs = (m: Map<string, number>): Pairs => [...m.entries()];

function sideJson(s: ChangeSide): ChangeSideJson {
  return {
    requests: s.requests, errors: s.errors, server_errors: s.serverErrors, latency: s.latency.toJSON(),
    endpoints: [...s.endpoints.entries()].map(([k, e]) => [k, e.requests, e.errors, e.serverErrors, e.latency.toJSON()] as const),
    families: pairs(s.families), agent_classes: pairs(s.agentClasses), protocols: pairs(s.protocols), tls: pairs(s.tls),
    sessions: s.sessions, bounces: s.bounces, loops: s.loops, session_classes: pairs(s.sessionClasses),
    entries: pairs(s.entries), exits: pairs(s.exits), transitions: pairs(s.transitions), outgoing: pairs(s.outgoing),
  };
}

function mergeSide(into: ChangeSide, j: ChangeSideJson): void {
  into.requests += j.requests;
  into.errors += j.errors;
  into.serverErrors += j.server_errors;
  into.latency.merge(QuantileSketch.fromJSON(j.latency));
  for (const [k, n, errors, server, lat] of j.endpoints) {
    const e = into.endpoint(k);
    e.requests += n;
    e.errors += errors;
    e.serverErrors += server;
    e.latency.merge(QuantileSketch.fromJSON(lat));
  }
  const add = (m: Map<string, number>, ps: Pairs): void => {
    for (const [k, n] of ps) bump(m, k, n);
  };
  add(into.families, j.families);
  add(into.agentClasses, j.agent_classes);
  add(into.protocols, j.protocols);
  add(into.tls, j.tls);
  into.sessions += j.sessions;
  into.bounces += j.bounces;
  into.loops += j.loops;
  add(into.sessionClasses, j.session_classes);
  add(into.entries, j.entries);
  add(into.exits, j.exits);
  add(into.transitions, j.transitions);
  add(into.outgoing, j.outgoing);
}

/** Before (0) and after (1) a change, counted from records and sessions in the two windows. */
export class ChangeAggregate {
  readonly sides: readonly [ChangeSide, ChangeSide] = [new ChangeSide(), new ChangeSide()];

  constructor(readonly window: ChangeWindow) {}

  /**
   * The CAP_REACHED note when a window held more than CHANGE_KEYS endpoints, transitions, entries, exits or mix keys
   * (later keys counted under OTHER), else null.
   */
  capNote(): string | null {
    const full: string[] = [];
    const kinds: readonly [string, (s: ChangeSide) => ReadonlyMap<string, unknown>][] = [
      ['endpoints', (s) => s.endpoints], ['transitions', (s) => s.transitions], ['entry endpoints', (s) => s.entries], ['exit endpoints', (s) => s.exits],
    ];
    for (const [name, of] of kinds) if (this.sides.some((s) => of(s).has(OTHER))) full.push(name);
    return full.length === 0 ? null
      : `change: more than ${CHANGE_KEYS.toLocaleString('en-US')} ${full.join(', ')} in a window around --change-at; later ones count under "${OTHER}"`;
  }

  /** 0 before, 1 after, null outside both windows. */
  sideOf(t: number): 0 | 1 | null {
    const { atMs, windowMs } = this.window;
    if (t >= atMs - windowMs && t < atMs) return 0;
    if (t >= atMs && t < atMs + windowMs) return 1;
    return null;
  }

  observe(r: EnrichedRecord): void {
    const which = this.sideOf(r.startMs);
    if (which === null) return;
    const s = this.sides[which];
    const status = r.status ?? 0;
    const error = status >= 400 && status < 600 ? 1 : 0;
    const server = status >= 500 && status < 600 ? 1 : 0;
    s.requests++;
    s.errors += error;
    s.serverErrors += server;
    const e = s.endpoint(r.endpoint);
    e.requests++;
    e.errors += error;
    e.serverErrors += server;
    if (r.durationMs !== null) {
      s.latency.add(r.durationMs);
      e.latency.add(r.durationMs);
    }
    bump(s.families, r.agent.family);
    bump(s.agentClasses, r.agent.agentClass);
    bump(s.protocols, r.protocol ?? 'unknown');
    if (r.scheme === 'https' || r.tlsProtocol !== null) bump(s.tls, r.tlsProtocol ?? 'unknown');
  }

  observeSession(sess: Session): void {
    const which = this.sideOf(sess.startMs);
    if (which === null) return;
    const s = this.sides[which];
    s.sessions++;
    if (sess.pages <= 1 && sess.requests - sess.staticAssets <= 1) s.bounces++;
    if (isLoop(sess.sequence)) s.loops++;
    bump(s.sessionClasses, sess.clientClass);
    if (sess.requests !== sess.staticAssets) {
      if (sess.entry !== '-') bump(s.entries, sess.entry);
      if (sess.exit !== '-') bump(s.exits, sess.exit);
    }
    for (let i = 1; i < sess.sequence.length; i++) {
      const a = sess.sequence[i - 1];
      const b = sess.sequence[i];
      if (a === undefined || b === undefined || a === b) continue;
      bump(s.transitions, `${a}\u0000${b}`);
      bump(s.outgoing, a);
    }
  }

  /** Maps endpoint keys through the run's final endpoints (a collapsed route position), merging what becomes one. */
  rekey(map: (key: string) => string): void {
    for (const s of this.sides) {
      const eps = [...s.endpoints.entries()];
      s.endpoints.clear();
      for (const [k, e] of eps) {
        const into = s.endpoint(k === OTHER ? OTHER : map(k));
        into.requests += e.requests;
        into.errors += e.errors;
        into.serverErrors += e.serverErrors;
        into.latency.merge(e.latency);
      }
      const remap = (m: Map<string, number>, f: (k: string) => string): void => {
        const all = [...m.entries()];
        m.clear();
        for (const [k, n] of all) bump(m, k === OTHER ? OTHER : f(k), n);
      };
      remap(s.entries, map);
      remap(s.exits, map);
      remap(s.outgoing, map);
      remap(s.transitions, (k) => {
        const [a = '', b = ''] = k.split('\u0000');
        return `${map(a)}\u0000${map(b)}`;
      });
    }
  }

  merge(json: ChangeJson): void {
    mergeSide(this.sides[0], json.sides[0]);
    mergeSide(this.sides[1], json.sides[1]);
  }

  toJSON(): ChangeJson {
    return { kind: 'change', at_ms: this.window.atMs, window_ms: this.window.windowMs, sides: [sideJson(this.sides[0]), sideJson(this.sides[1])] };
  }

  static fromJSON(j: ChangeJson): ChangeAggregate {
    const a = new ChangeAggregate({ atMs: j.at_ms, windowMs: j.window_ms });
    a.merge(j);
    return a;
  }
}
