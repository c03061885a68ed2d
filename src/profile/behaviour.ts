/**
 * Behaviour profiles: what normal looks like, per endpoint, per client class, per user-agent family, and the
 * protocol and TLS mix over time. Counts and sketches only (no rows), so profiles are small, mergeable
 * (`mergeProfiles`) and serializable (`lbua profile -o profile.json`, schema `lbua.profile/1`) for baselines.
 * Memory: at most `maxEndpoints` endpoints (then "(other)"), each ~3 KB (two quantile sketches, a 1 KB
 * HyperLogLog of clients, per-bucket counts over the period); at most `maxFamilies` agent families (then "(other)":
 * a crawler's self-given name is input) and, per bucket, MAX_MIX protocol and TLS versions (then "(other)").
 */
import { QuantileSketch, percentiles, type QuantileSketchJson } from '../core/quantile';
import { HyperLogLog } from '../core/hll';
import { maxOf } from '../core/arrays';
import { detach } from '../core/text';
import { isoTime } from '../core/units';
import type { AgentInfo, EnrichedRecord } from '../enrich/types';
import type { Session } from '../sessions/types';
import { fmt } from '../core/format';
import type { EndpointRow, GroupRow } from '../core/report-types';
import { rekeyEntries } from '../core/rekey';

export type { EndpointRow, GroupRow } from '../core/report-types';

/** Time bucket of the rate and mix series. */
export const PROFILE_BUCKET_MS = 5 * 60_000;
const OTHER = '(other)';
/** Protocol and TLS versions counted per bucket (the rest as "(other)"): the values are input. */
const MAX_MIX = 32;

/** Per-endpoint statistics. */
interface EndpointStats {
  requests: number;
  bytesOut: number;
  /** Counts per status class: 1xx..5xx, other/none. */
  status: number[];
  total: QuantileSketch;
  backend: QuantileSketch;
  clients: HyperLogLog;
  /**
   * Requests per bucket, keyed by bucket number (start / PROFILE_BUCKET_MS): a small integer, where a start in epoch
   * ms as a map key is a heap number boxed at every lookup.
   */
  buckets: Map<number, number>;
}

/** Per class / family statistics. */
interface GroupStats {
  requests: number;
  errors: number;
  sessions: number;
  sessionRequests: number;
  sessionErrors: number;
  total: QuantileSketch;
}

/** Serialized profile. */
export interface ProfileJson {
  readonly schema: 'lbua.profile/1';
  readonly bucket_ms: number;
  readonly period: { readonly start: string | null; readonly end: string | null };
  readonly requests: number;
  readonly endpoints: Readonly<Record<string, EndpointJson>>;
  readonly classes: Readonly<Record<string, GroupJson>>;
  readonly families: Readonly<Record<string, GroupJson>>;
  readonly protocols: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly tls: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** Serialized endpoint. */
export interface EndpointJson {
  readonly requests: number;
  readonly bytes_out: number;
  readonly status: readonly number[];
  readonly latency_ms: QuantileSketchJson;
  readonly backend_ms: QuantileSketchJson;
  readonly clients_hll: string;
  /** [bucket start (epoch ms), requests] pairs. */
  readonly buckets: readonly (readonly [number, number])[];
}

/** Serialized class/family group. */
export interface GroupJson {
  readonly requests: number;
  readonly errors: number;
  readonly sessions: number;
  readonly session_requests: number;
  readonly session_errors: number;
  readonly latency_ms: QuantileSketchJson;
}

const STATUS_SLOTS = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'] as const;

/** A series' last bucket and its counts (see BehaviourProfile.mix). */
interface BucketMemo {
  bucket: number;
  inner: Map<string, number> | null;
}

function newGroup(): GroupStats {
  return { requests: 0, errors: 0, sessions: 0, sessionRequests: 0, sessionErrors: 0, total: new QuantileSketch() };
}

function newEndpoint(): EndpointStats {
  return { requests: 0, bytesOut: 0, status: [0, 0, 0, 0, 0, 0], total: new QuantileSketch(), backend: new QuantileSketch(), clients: new HyperLogLog(), buckets: new Map() };
}

/** Accumulates a behaviour profile. */
export class BehaviourProfile {
  readonly endpoints = new Map<string, EndpointStats>();
  readonly classes = new Map<string, GroupStats>();
  readonly families = new Map<string, GroupStats>();
  /** Protocol and TLS versions per bucket, keyed by bucket number (as EndpointStats.buckets). */
  readonly protocols = new Map<number, Map<string, number>>();
  readonly tls = new Map<number, Map<string, number>>();
  requests = 0;
  minMs = Number.POSITIVE_INFINITY;
  maxMs = Number.NEGATIVE_INFINITY;

  /** Requests, sessions and mix counts folded into "(other)" by the caps. */
  private folded = { endpoints: 0, families: 0, mix: 0 };
  /**
   * The last agent's class and family groups (records of one agent come in runs), and each series' last bucket: groups
   * and buckets are never replaced once made, so what these remember stays the map's.
   */
  private lastAgent: AgentInfo | null = null;
  private lastClass: GroupStats | null = null;
  private lastFamily: GroupStats | null = null;
  private readonly protocolMemo: BucketMemo = { bucket: Number.NaN, inner: null };
  private readonly tlsMemo: BucketMemo = { bucket: Number.NaN, inner: null };

  constructor(private readonly maxEndpoints = 5000, private readonly maxFamilies = 1000) {}

  /** The CAP_REACHED message when a cap folded anything into "(other)", else null. */
  capNote(): string | null {
    const f = this.folded;
    if (f.endpoints + f.families + f.mix === 0) return null;
    const n = (x: number): string => fmt(x, 3);
    const parts: string[] = [];
    if (f.endpoints > 0) parts.push(`${n(f.endpoints)} requests to endpoints past the first ${n(this.maxEndpoints)} are profiled together as "(other)"`);
    if (f.families > 0) parts.push(`${n(f.families)} requests and sessions of user-agent families past the first ${n(this.maxFamilies)} are counted as "(other)"`);
    if (f.mix > 0) parts.push(`${n(f.mix)} requests with a protocol or TLS version past the first ${MAX_MIX} of their 5-minute bucket are counted as "(other)"`);
    return `behaviour profile: capped; ${parts.join('; ')}`;
  }

  /** The group of `key` in a class or family map, or "(other)" past the family cap. */
  private group(map: Map<string, GroupStats>, key: string, n: number): GroupStats {
    let g = map.get(key);
    if (g !== undefined) return g;
    let k = key;
    if (map === this.families && map.size >= this.maxFamilies) {
      k = OTHER;
      this.folded.families += n;
      g = map.get(k);
      if (g !== undefined) return g;
    }
    g = newGroup();
    map.set(k === OTHER ? k : detach(k), g);
    return g;
  }

  /** Adds one record. */
  observe(r: EnrichedRecord): void {
    this.requests++;
    const t = r.startMs;
    if (t < this.minMs) this.minMs = t;
    if (t > this.maxMs) this.maxMs = t;
    const bucket = Math.floor(t / PROFILE_BUCKET_MS);
    // The record's endpoint is the enricher's shared flat string (EnrichedRecord): kept as the key, it is found by
    // identity.
    let ep = this.endpoints.get(r.endpoint);
    if (ep === undefined) {
      const key = this.endpoints.size < this.maxEndpoints ? r.endpoint : OTHER;
      if (key === OTHER) this.folded.endpoints++;
      ep = this.endpoints.get(key);
      if (ep === undefined) {
        ep = newEndpoint();
        this.endpoints.set(key, ep);
      }
    }
    ep.requests++;
    if (r.bytesOut !== null) ep.bytesOut += r.bytesOut;
    const st = r.status;
    const slot = st !== null && st >= 100 && st < 600 ? Math.floor(st / 100) - 1 : 5;
    ep.status[slot] = (ep.status[slot] ?? 0) + 1;
    if (r.durationMs !== null) ep.total.add(r.durationMs);
    if (r.backendMs !== null) ep.backend.add(r.backendMs);
    if (r.client !== null) ep.clients.addHash(r.client.hash);
    else if (r.clientIp !== null) ep.clients.add(r.clientIp);
    ep.buckets.set(bucket, (ep.buckets.get(bucket) ?? 0) + 1);
    const error = st !== null && st >= 400;
    const a = r.agent;
    let cls = this.lastClass;
    let fam = this.lastFamily;
    if (a !== this.lastAgent || cls === null || fam === null) {
      const folded = this.folded.families;
      cls = this.group(this.classes, a.agentClass, 1);
      fam = this.group(this.families, a.family, 1);
      // A family past the cap is counted as folded at every request: not remembered.
      const keep = this.folded.families === folded;
      this.lastAgent = keep ? a : null;
      this.lastClass = cls;
      this.lastFamily = fam;
    }
    addToGroup(cls, error, r.durationMs);
    addToGroup(fam, error, r.durationMs);
    this.mix(this.protocols, this.protocolMemo, bucket, r.protocol ?? 'unknown');
    if (r.scheme === 'https' || r.tlsProtocol !== null) this.mix(this.tls, this.tlsMemo, bucket, r.tlsProtocol ?? 'unknown');
  }

  /** Counts a protocol or TLS version in its bucket; past MAX_MIX versions in the bucket, as "(other)". */
  private mix(m: Map<number, Map<string, number>>, memo: BucketMemo, bucket: number, key: string): void {
    let inner = memo.bucket === bucket ? memo.inner : m.get(bucket);
    if (inner === undefined || inner === null) {
      inner = new Map();
      m.set(bucket, inner);
    }
    memo.bucket = bucket;
    memo.inner = inner;
    const n = inner.get(key);
    if (n !== undefined) inner.set(key, n + 1);
    else if (inner.size < MAX_MIX) inner.set(detach(key), 1);
    else {
      this.folded.mix++;
      inner.set(OTHER, (inner.get(OTHER) ?? 0) + 1);
    }
  }

  /** Adds a closed session (sessions and their requests are counted by session class, incl. `suspect`). */
  observeSession(s: Session): void {
    for (const [map, key] of [[this.classes, s.clientClass], [this.families, s.agentFamily]] as const) {
      const g = this.group(map, key, 1);
      g.sessions++;
      g.sessionRequests += s.requests;
      g.sessionErrors += s.errors4xx + s.errors5xx;
    }
  }

  /** Serializable form (keys sorted: deterministic). */
  toJSON(): ProfileJson {
    const sortKeys = <T>(m: Map<string, T>, f: (v: T) => unknown): Record<string, never> =>
      Object.fromEntries([...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, v]) => [k, f(v)])) as Record<string, never>;
    const series = (m: Map<number, Map<string, number>>): Record<string, Record<string, number>> =>
      Object.fromEntries([...m.entries()].sort((a, b) => a[0] - b[0]).map(([b, counts]) => [isoTime(b * PROFILE_BUCKET_MS), Object.fromEntries([...counts.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1)))]));
    return {
      schema: 'lbua.profile/1',
      bucket_ms: PROFILE_BUCKET_MS,
      period: { start: this.requests ? isoTime(this.minMs) : null, end: this.requests ? isoTime(this.maxMs) : null },
      requests: this.requests,
      endpoints: sortKeys(this.endpoints, (e: EndpointStats): EndpointJson => ({
        requests: e.requests, bytes_out: e.bytesOut, status: e.status, latency_ms: e.total.toJSON(), backend_ms: e.backend.toJSON(),
        clients_hll: e.clients.toJSON(), buckets: [...e.buckets.entries()].sort((a, b) => a[0] - b[0]).map(([b, n]) => [b * PROFILE_BUCKET_MS, n]),
      })),
      classes: sortKeys(this.classes, groupJson),
      families: sortKeys(this.families, groupJson),
      protocols: series(this.protocols),
      tls: series(this.tls),
    };
  }

  /** Rebuilds a profile from its JSON form. */
  static fromJSON(j: ProfileJson): BehaviourProfile {
    const p = new BehaviourProfile();
    p.requests = j.requests;
    p.minMs = j.period.start ? Date.parse(j.period.start) : Number.POSITIVE_INFINITY;
    p.maxMs = j.period.end ? Date.parse(j.period.end) : Number.NEGATIVE_INFINITY;
    for (const [k, e] of Object.entries(j.endpoints)) {
      p.endpoints.set(k, {
        requests: e.requests, bytesOut: e.bytes_out, status: [...e.status], total: QuantileSketch.fromJSON(e.latency_ms),
        backend: QuantileSketch.fromJSON(e.backend_ms), clients: HyperLogLog.fromJSON(e.clients_hll), buckets: new Map(e.buckets.map(([b, n]) => [Math.floor(b / PROFILE_BUCKET_MS), n])),
      });
    }
    for (const [target, src] of [[p.classes, j.classes], [p.families, j.families]] as const) {
      for (const [k, g] of Object.entries(src)) {
        target.set(k, { requests: g.requests, errors: g.errors, sessions: g.sessions, sessionRequests: g.session_requests, sessionErrors: g.session_errors, total: QuantileSketch.fromJSON(g.latency_ms) });
      }
    }
    for (const [target, src] of [[p.protocols, j.protocols], [p.tls, j.tls]] as const) {
      for (const [iso, counts] of Object.entries(src)) target.set(Math.floor(Date.parse(iso) / PROFILE_BUCKET_MS), new Map(Object.entries(counts)));
    }
    return p;
  }

  /** Adds another profile into this one (baselines over several runs). */
  merge(o: BehaviourProfile): void {
    this.requests += o.requests;
    this.minMs = Math.min(this.minMs, o.minMs);
    this.maxMs = Math.max(this.maxMs, o.maxMs);
    for (const [k, e] of o.endpoints) {
      const mine = this.endpoints.get(k);
      if (!mine) this.endpoints.set(k, cloneEndpoint(e));
      else mergeEndpoint(mine, e);
    }
    for (const [mineMap, theirs] of [[this.classes, o.classes], [this.families, o.families]] as const) {
      for (const [k, g] of theirs) {
        const m = mineMap.get(k) ?? newGroup();
        m.requests += g.requests;
        m.errors += g.errors;
        m.sessions += g.sessions;
        m.sessionRequests += g.sessionRequests;
        m.sessionErrors += g.sessionErrors;
        m.total.merge(g.total);
        mineMap.set(k, m);
      }
    }
    for (const [mineMap, theirs] of [[this.protocols, o.protocols], [this.tls, o.tls]] as const) {
      for (const [b, counts] of theirs) for (const [k, n] of counts) bump(mineMap, b, k, n);
    }
  }

  /**
   * Maps every endpoint key through `map` (the run's final endpoint: enrich/route-guard.ts); endpoints that become
   * one merge, as if counted under it from the start.
   */
  rekey(map: (key: string) => string): void {
    rekeyEntries(this.endpoints, map, mergeEndpoint);
  }

  /** Endpoint rows for reports: requests, share, p50/p95/p99 total and backend, error rate, clients. */
  endpointRows(): EndpointRow[] {
    return [...this.endpoints.entries()].map(([endpoint, e]) => {
      const tp = percentiles(e.total);
      const bp = percentiles(e.backend);
      const errors = (e.status[3] ?? 0) + (e.status[4] ?? 0);
      const peak = maxOf(e.buckets.values(), 0);
      return {
        endpoint, requests: e.requests, share: this.requests ? round4(e.requests / this.requests) : 0,
        p50_ms: tp.p50, p95_ms: tp.p95, p99_ms: tp.p99, backend_p95_ms: bp.p95,
        error_rate: e.requests ? round4(errors / e.requests) : 0,
        status: Object.fromEntries(STATUS_SLOTS.map((s, i) => [s, e.status[i] ?? 0]).filter(([, n]) => n !== 0)),
        bytes_out: e.bytesOut, clients: e.clients.count(),
        peak_per_5min: peak,
      };
    });
  }

  /** Group rows (classes or families). */
  groupRows(which: 'classes' | 'families'): GroupRow[] {
    const m = which === 'classes' ? this.classes : this.families;
    return [...m.entries()].map(([key, g]) => {
      const p = percentiles(g.total);
      return {
        key, requests: g.requests, sessions: g.sessions, session_requests: g.sessionRequests,
        error_rate: g.requests ? round4(g.errors / g.requests) : 0, p50_ms: p.p50, p95_ms: p.p95,
      };
    });
  }
}

function cloneEndpoint(e: EndpointStats): EndpointStats {
  return {
    requests: e.requests, bytesOut: e.bytesOut, status: [...e.status], total: QuantileSketch.fromJSON(e.total.toJSON()),
    backend: QuantileSketch.fromJSON(e.backend.toJSON()), clients: HyperLogLog.fromJSON(e.clients.toJSON()), buckets: new Map(e.buckets),
  };
}

function mergeEndpoint(mine: EndpointStats, e: EndpointStats): void {
  mine.requests += e.requests;
  mine.bytesOut += e.bytesOut;
  e.status.forEach((n, i) => (mine.status[i] = (mine.status[i] ?? 0) + n));
  mine.total.merge(e.total);
  mine.backend.merge(e.backend);
  mine.clients.merge(e.clients);
  for (const [b, n] of e.buckets) mine.buckets.set(b, (mine.buckets.get(b) ?? 0) + n);
}

function addToGroup(g: GroupStats, error: boolean, durationMs: number | null): void {
  g.requests++;
  if (error) g.errors++;
  if (durationMs !== null) g.total.add(durationMs);
}

function groupJson(g: GroupStats): GroupJson {
  return { requests: g.requests, errors: g.errors, sessions: g.sessions, session_requests: g.sessionRequests, session_errors: g.sessionErrors, latency_ms: g.total.toJSON() };
}

function bump(m: Map<number, Map<string, number>>, bucket: number, key: string, n = 1): void {
  let inner = m.get(bucket);
  if (inner === undefined) {
    inner = new Map();
    m.set(bucket, inner);
  }
  const c = inner.get(key);
  inner.set(c === undefined ? detach(key) : key, (c ?? 0) + n);
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** Merges serialized profiles (e.g. several nights) into one. */
export function mergeProfiles(profiles: readonly ProfileJson[]): ProfileJson {
  const acc = new BehaviourProfile(Number.POSITIVE_INFINITY);
  for (const p of profiles) acc.merge(BehaviourProfile.fromJSON(p));
  return acc.toJSON();
}
