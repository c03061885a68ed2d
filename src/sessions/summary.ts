/**
 * The `sessions` section of the report: counts and percentiles, bounce rate, client classes, top entry and exit
 * endpoints, the most common endpoint-to-endpoint transitions, and the busiest suspect/tool sessions with reasons.
 * Memory: three bounded top counters (20,000 entry and exit endpoints, 50,000 transitions, and at most
 * MAX_KEY_CHARS characters of keys each: a route can be long) and a fixed number of kept sessions.
 * Mergeable (`merge`, `toJSON`, `fromJSON`): counts, sketches, top counters and the busiest non-human sessions (the
 * `keep` first by requests, start, id: a total order), so merged parts hold what one pass holds below the top
 * counters' caps. A session cut by a shard boundary counts as two sessions (joining them is the stitcher's part).
 */
import { QuantileSketch, percentiles, type QuantileSketchJson } from '../core/quantile';
import { TopCounter, type TopCounterJson, type TopSlot } from '../core/top';
import { detach } from '../core/text';
import { capMessage, count } from '../core/capped';
import { isoTime } from '../core/units';
import { appendAll } from '../core/arrays';
import type { Session } from './types';
import { NO_REQUEST } from '../enrich/index';
import type { SessionBrief, SessionsSection } from '../core/report-types';

export type { SessionBrief, SessionsSection } from '../core/report-types';

/** Characters of keys per top counter of the section. */
const MAX_KEY_CHARS = 8_000_000;
/** Transition keys remembered per pair of endpoints (and their characters) before the memo starts over. */
const PAIR_MEMO = 16_384;
const PAIR_MEMO_CHARS = 2_000_000;

/** A transition's key (flat) and its cell in the transitions table, one per pair of endpoints while the memo holds it. */
interface PairSlot extends TopSlot {
  readonly key: string;
}

/** What the section keeps of a non-human session (its report form, `brief`). */
export type KeptSession = Pick<Session, 'id' | 'clientIp' | 'userAgent' | 'clientClass' | 'startMs' | 'endMs' | 'requests' | 'pages' | 'staticAssets' | 'errors4xx' | 'errors5xx' | 'reasons'>;

/** A session summary as plain JSON. */
export interface SessionSummaryJson {
  readonly kind: 'session-summary';
  readonly keep: number;
  readonly count: number;
  readonly bounces: number;
  readonly static_only: number;
  readonly duration_s: QuantileSketchJson;
  readonly requests: QuantileSketchJson;
  /** [class, sessions, requests], by class. */
  readonly classes: readonly (readonly [string, number, number])[];
  readonly entries: TopCounterJson;
  readonly exits: TopCounterJson;
  readonly transitions: TopCounterJson;
  /** The busiest non-human sessions, busiest first. */
  readonly kept: readonly KeptSession[];
}

/** Accumulates the section from closed sessions. */
export class SessionSummary {
  private count = 0;
  private bounces = 0;
  private staticOnly = 0;
  private readonly duration = new QuantileSketch();
  private readonly length = new QuantileSketch();
  private readonly classes = new Map<string, { sessions: number; requests: number }>();
  // Sessions' endpoints are the enricher's shared standalone strings (EnrichedRecord), and transition keys the memo's
  // own: kept as they are (no copy), a lookup finds them by identity.
  private entries = new TopCounter(20_000, false, MAX_KEY_CHARS);
  private exits = new TopCounter(20_000, false, MAX_KEY_CHARS);
  private transitions = new TopCounter(50_000, false, MAX_KEY_CHARS);
  private kept: KeptSession[] = [];
  /**
   * from → to → the transition's key and cell: endpoints are shared strings (the enricher interns them), so two
   * lookups by them cost less than building and hashing a new key string for every step of every session, and the
   * transition is counted into its cell (TopCounter.addAt) without a third.
   */
  private pairs = new Map<string, Map<string, PairSlot>>();
  private pairCount = 0;
  private pairChars = 0;

  constructor(private readonly keep = 50) {}

  /** The transition a → b: its key (`a\u0000b`, flat) and cell, one per pair while the memo holds it. */
  private pair(a: string, b: string): PairSlot {
    let to = this.pairs.get(a);
    if (to === undefined) {
      to = new Map();
      this.pairs.set(a, to);
    }
    let p = to.get(b);
    if (p === undefined) {
      if (this.pairCount >= PAIR_MEMO || this.pairChars >= PAIR_MEMO_CHARS) {
        this.pairs = new Map([[a, (to = new Map())]]);
        this.pairCount = 0;
        this.pairChars = 0;
      }
      p = { key: detach(`${a}\u0000${b}`), top: null };
      to.set(b, p);
      this.pairCount++;
      this.pairChars += p.key.length;
    }
    return p;
  }

  /** Adds a closed session. */
  observe(s: Session): void {
    this.count++;
    if (s.pages <= 1 && s.requests - s.staticAssets <= 1) this.bounces++;
    this.duration.add((s.endMs - s.startMs) / 1000);
    this.length.add(s.requests);
    const c = this.classes.get(s.clientClass) ?? { sessions: 0, requests: 0 };
    c.sessions++;
    c.requests += s.requests;
    this.classes.set(s.clientClass, c);
    // A session of static assets only has no page to enter or leave by ('-'): counted apart, not as an endpoint.
    if (s.requests === s.staticAssets) this.staticOnly++;
    else {
      // '-': no request line to name (requests that were not HTTP), so no endpoint to list.
      if (s.entry !== NO_REQUEST) this.entries.add(s.entry);
      if (s.exit !== NO_REQUEST) this.exits.add(s.exit);
    }
    for (let i = 1; i < s.sequence.length; i++) {
      const a = s.sequence[i - 1];
      const b = s.sequence[i];
      if (a !== undefined && b !== undefined && a !== b) {
        const p = this.pair(a, b);
        this.transitions.addAt(p, p.key);
      }
    }
    if (s.clientClass !== 'human') {
      this.kept.push(s);
      if (this.kept.length > this.keep * 4) this.trim();
    }
  }

  /** Adds another summary (sessions closed in another part of the run) into this one. */
  merge(other: SessionSummary): void {
    this.count += other.count;
    this.bounces += other.bounces;
    this.staticOnly += other.staticOnly;
    this.duration.merge(other.duration);
    this.length.merge(other.length);
    for (const [cls, c] of other.classes) {
      const mine = this.classes.get(cls) ?? { sessions: 0, requests: 0 };
      mine.sessions += c.sessions;
      mine.requests += c.requests;
      this.classes.set(cls, mine);
    }
    this.entries.merge(other.entries.snapshot());
    this.exits.merge(other.exits.snapshot());
    this.transitions.merge(other.transitions.snapshot());
    appendAll(this.kept, other.kept);
    this.trim();
  }

  /** Plain JSON (sorted): `SessionSummary.fromJSON` of it gives an equal summary. */
  toJSON(): SessionSummaryJson {
    this.trim();
    return {
      kind: 'session-summary', keep: this.keep, count: this.count, bounces: this.bounces, static_only: this.staticOnly,
      duration_s: this.duration.toJSON(), requests: this.length.toJSON(),
      classes: [...this.classes].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([cls, c]) => [cls, c.sessions, c.requests]),
      entries: this.entries.toJSON(), exits: this.exits.toJSON(), transitions: this.transitions.toJSON(),
      kept: this.kept.map((k) => ({
        id: k.id, clientIp: k.clientIp, userAgent: k.userAgent, clientClass: k.clientClass, startMs: k.startMs, endMs: k.endMs,
        requests: k.requests, pages: k.pages, staticAssets: k.staticAssets, errors4xx: k.errors4xx, errors5xx: k.errors5xx, reasons: [...k.reasons],
      })),
    };
  }

  static fromJSON(j: SessionSummaryJson): SessionSummary {
    const s = new SessionSummary(j.keep);
    s.count = j.count;
    s.bounces = j.bounces;
    s.staticOnly = j.static_only;
    s.duration.merge(QuantileSketch.fromJSON(j.duration_s));
    s.length.merge(QuantileSketch.fromJSON(j.requests));
    for (const [cls, sessions, requests] of j.classes) s.classes.set(cls, { sessions, requests });
    s.entries = TopCounter.fromJSON(j.entries, 20_000, true, MAX_KEY_CHARS);
    s.exits = TopCounter.fromJSON(j.exits, 20_000, true, MAX_KEY_CHARS);
    s.transitions = TopCounter.fromJSON(j.transitions, 50_000, true, MAX_KEY_CHARS);
    s.kept = j.kept.map((k) => ({ ...k, reasons: [...k.reasons] }));
    return s;
  }

  /** The CAP_REACHED message when a top counter of the section evicted keys, else null. */
  capNote(): string | null {
    const parts: string[] = [];
    for (const [name, t, cap] of [['top_entry', this.entries, 20_000], ['top_exit', this.exits, 20_000], ['top_transitions', this.transitions, 50_000]] as const) {
      const m = capMessage(name, `${count(cap)} keys or ${count(MAX_KEY_CHARS)} characters`, t.stats, 'sessions', `kept counts are low by at most ${count(t.maxError)}`);
      if (m !== null) parts.push(m);
    }
    return parts.length === 0 ? null : `session summary: ${parts.join('; ')}`;
  }

  /**
   * Maps the entry and exit endpoints and both ends of every transition through `map` (the run's final endpoints:
   * enrich/route-guard.ts); counts of keys that become one add up, and a transition whose ends become one endpoint
   * is dropped (observe counts no transition from an endpoint to itself).
   */
  rekey(map: (key: string) => string): void {
    this.entries = rekeyTop(this.entries, 20_000, map);
    this.exits = rekeyTop(this.exits, 20_000, map);
    this.transitions = rekeyTop(this.transitions, 50_000, (k) => {
      const cut = k.indexOf('\u0000');
      const a = map(k.slice(0, cut));
      const b = map(k.slice(cut + 1));
      return a === b ? null : `${a}\u0000${b}`;
    });
  }

  private trim(): void {
    this.kept.sort((a, b) => b.requests - a.requests || a.startMs - b.startMs || (a.id < b.id ? -1 : 1));
    this.kept = this.kept.slice(0, this.keep);
  }

  /** The section. */
  result(topN: number, meta: { timeoutMs: number; key: string; late: number; forced: number; peakOpen: number }): SessionsSection {
    this.trim();
    const pct = (sk: QuantileSketch): SessionsSection['duration_s'] => {
      const p = percentiles(sk);
      return { p50: p.p50, p95: p.p95, p99: p.p99, max: p.max };
    };
    const total = [...this.classes.values()].reduce((a, c) => a + c.sessions, 0);
    return {
      count: this.count,
      timeout_minutes: meta.timeoutMs / 60_000,
      key: meta.key,
      duration_s: pct(this.duration),
      requests_per_session: pct(this.length),
      bounce_rate: this.count ? Math.round((this.bounces / this.count) * 10_000) / 10_000 : 0,
      static_only: this.staticOnly,
      classes: [...this.classes.entries()]
        .sort((a, b) => b[1].sessions - a[1].sessions || (a[0] < b[0] ? -1 : 1))
        .map(([cls, c]) => ({ class: cls, sessions: c.sessions, requests: c.requests, share: total ? Math.round((c.sessions / total) * 10_000) / 10_000 : 0 })),
      top_entry: this.entries.top(topN).map(([endpoint, sessions]) => ({ endpoint, sessions })),
      top_exit: this.exits.top(topN).map(([endpoint, sessions]) => ({ endpoint, sessions })),
      top_transitions: this.transitions.top(topN).map(([k, count]) => {
        const [from = '', to = ''] = k.split('\u0000');
        return { from, to, count };
      }),
      top_non_human: this.kept.slice(0, topN).map(brief),
      stitching: { late_records: meta.late, forced_closes: meta.forced, peak_open: meta.peakOpen },
    };
  }
}

/**
 * `t` with its keys mapped by `map` (null drops the key), counts of keys that become one added up; `t` itself when no
 * key changes. Its caps and error bound carry over.
 */
function rekeyTop(t: TopCounter, capacity: number, map: (key: string) => string | null): TopCounter {
  const snap = t.snapshot();
  const entries: [string, number][] = [];
  let changed = false;
  for (const [k, n] of snap.entries) {
    const to = map(k);
    if (to !== k) changed = true;
    if (to !== null) entries.push([to, n]);
  }
  if (!changed) return t;
  const out = new TopCounter(capacity, true, MAX_KEY_CHARS);
  out.merge({ ...snap, entries });
  return out;
}

/** Report form of a session. */
export function brief(s: KeptSession): SessionBrief {
  return {
    id: s.id, client_ip: s.clientIp, user_agent: s.userAgent, class: s.clientClass, start: isoTime(s.startMs), end: isoTime(s.endMs),
    requests: s.requests, pages: s.pages, static_assets: s.staticAssets, errors: s.errors4xx + s.errors5xx, reasons: s.reasons,
  };
}

/** NDJSON form of a session (snake_case). */
export function sessionToJson(s: Session): Record<string, unknown> {
  return {
    id: s.id, key: s.key, client_ip: s.clientIp, user_agent: s.userAgent, start: isoTime(s.startMs), end: isoTime(s.endMs),
    duration_ms: Math.round((s.endMs - s.startMs) * 1000) / 1000, requests: s.requests, pages: s.pages, static_assets: s.staticAssets,
    distinct_endpoints: s.distinctEndpoints, errors_4xx: s.errors4xx, errors_5xx: s.errors5xx, bytes_out: s.bytesOut,
    entry: s.entry, exit: s.exit, sequence: s.sequence, sequence_cut: s.sequenceCut, median_gap_ms: s.medianGapMs,
    max_gap_ms: s.maxGapMs, class: s.clientClass, reasons: s.reasons, device: s.device, agent_family: s.agentFamily,
    country: s.country, asn: s.asn, evidence: s.evidence,
  };
}
