/**
 * Requests and errors per minute of each subject: all traffic, each target, each endpoint. Per (subject, minute):
 * requests, errors (5xx, and the load balancer's 460/463, but not 501 nor answers to methods a site does not serve:
 * isServerError), errors the load balancer made itself (no target answered), the first evidence of the errors, errors
 * by client (at most 64 per cell) and, for endpoints and all traffic, errors by target. The error-spike
 * judge reads it (detect/error-spike.ts).
 * Memory: cells exist only for minutes a subject had requests; at most `maxSubjects` targets and as many endpoints
 * are kept (the busiest: the lightest are evicted, CappedMap's policy, and counted), at most 64 targets per cell.
 * Mergeable and serializable (aggregate/types.ts): below the caps, merged shards equal one pass.
 */
import type { SourceRef } from '../core/types';
import { CappedMap, addCapStats, noCapStats, type CapStats } from '../core/capped';
import { detach } from '../core/text';
import { rekeyEntries } from '../core/rekey';
import type { EnrichedRecord } from '../enrich/types';
import { mergeEvidence, type EvidenceOrder, type Mergeable } from './types';
import { ORDINARY_METHODS } from '../core/http';

/** One subject's minute; `evidence` and `byTarget` exist only for minutes with errors. */
export interface MinuteCell {
  n: number;
  e: number;
  lb: number;
  evidence: SourceRef[] | null;
  byTarget: Map<string, number> | null;
  /** Errors by client address (at most CELL_CLIENTS, the first seen): whose requests drew them. */
  byClient: Map<string, number> | null;
}

/** A subject's series: its cells by minute, and its requests in all (its weight against the cap). */
export interface Subject {
  readonly cells: Map<number, MinuteCell>;
  requests: number;
  /** The minute and cell last counted into (input is mostly in time order: most records need no lookup). */
  lastMinute: number;
  lastCell: MinuteCell | null;
}

export type SubjectKind = 'global' | 'target' | 'endpoint';

/** Load-balancer codes that mean no target answered (with no backend status). */
const LB_CODES = new Set([460, 463, 502, 503, 504]);
/** Targets counted per error cell. */
const CELL_TARGETS = 64;
/** Clients counted per error cell. */
const CELL_CLIENTS = 64;

/** Serialized form: per kind, [subject, [[minute, n, e, lb, [[file, line]...] | null, [[target, n]...] | null, [[client, n]...] | null]...]]. */
export interface SubjectMinutesJson {
  readonly kind: 'subject-minutes';
  readonly maxSubjects: number;
  readonly evidenceLimit: number;
  readonly subjects: Readonly<Record<SubjectKind, readonly (readonly [string, readonly (readonly [number, number, number, number, readonly (readonly [string, number])[] | null, readonly (readonly [string, number])[] | null, readonly (readonly [string, number])[] | null])[]])[]>>;
  readonly stats: Readonly<Record<'target' | 'endpoint', CapStats>>;
}

/** True for an answer the error series counts as an error. */
export function isError(status: number | null): boolean {
  return status !== null && (status >= 500 || status === 460 || status === 463);
}

/**
 * True for an error the server made, not the client: 501 (a method the server does not implement) and any answer
 * to a method a site does not serve (CONNECT host:25, PROPFIND, SEARCH…) or to a request line with no method are
 * the client's doing, not a failure of the site.
 */
export function isServerError(status: number | null, method: string | null): boolean {
  return isError(status) && status !== 501 && method !== null && ORDINARY_METHODS.has(method);
}

export class SubjectMinutes implements Mergeable<SubjectMinutes, SubjectMinutesJson> {
  readonly global: Subject = newSubject();
  readonly targets: CappedMap<Subject>;
  readonly endpoints: CappedMap<Subject>;

  constructor(readonly maxSubjects: number, readonly evidenceLimit: number) {
    // Targets and endpoints come as the enricher's interned strings: a memo finds them by reference (core/capped.ts).
    this.targets = new CappedMap<Subject>({ cap: maxSubjects, weight: (s) => s.requests, memo: 16 });
    this.endpoints = new CappedMap<Subject>({ cap: maxSubjects, weight: (s) => s.requests, memo: 32 });
  }

  /** Counts one record. */
  add(r: EnrichedRecord): void {
    const st = r.status;
    const err = isServerError(st, r.method);
    const lb = err && st !== null && LB_CODES.has(st) && r.backendStatus === null;
    const m = Math.floor(r.startMs / 60_000);
    this.count(this.global, m, err, lb, r, true);
    if (r.backend !== null) this.count(subjectOf(this.targets, r.backend), m, err, lb, r, false);
    this.count(subjectOf(this.endpoints, r.endpoint), m, err, lb, r, true);
  }

  private count(s: Subject, m: number, err: boolean, lb: boolean, r: EnrichedRecord, byTarget: boolean): void {
    let c = s.lastMinute === m ? s.lastCell : s.cells.get(m);
    if (c === undefined || c === null) {
      c = { n: 0, e: 0, lb: 0, evidence: null, byTarget: null, byClient: null };
      s.cells.set(m, c);
    }
    s.lastMinute = m;
    s.lastCell = c;
    s.requests++;
    c.n++;
    if (!err) return;
    c.e++;
    if (lb) c.lb++;
    c.evidence ??= [];
    if (c.evidence.length < this.evidenceLimit) c.evidence.push(r.source);
    if (r.clientIp !== null) {
      c.byClient ??= new Map();
      const n = c.byClient.get(r.clientIp);
      if (n === undefined && c.byClient.size < CELL_CLIENTS) c.byClient.set(detach(r.clientIp), 1);
      else if (n !== undefined) c.byClient.set(r.clientIp, n + 1);
    }
    if (byTarget && r.backend !== null) {
      c.byTarget ??= new Map();
      const n = c.byTarget.get(r.backend);
      if (n === undefined && c.byTarget.size < CELL_TARGETS) c.byTarget.set(r.backend, 1);
      else if (n !== undefined) c.byTarget.set(r.backend, n + 1);
    }
  }

  /** Subjects of a kind, the busiest first (ties: by name), at most `n`. */
  busiest(kind: 'target' | 'endpoint', n: number): [string, Subject][] {
    const all = [...(kind === 'target' ? this.targets : this.endpoints)];
    return all.sort((a, b) => b[1].requests - a[1].requests || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, n);
  }

  merge(other: SubjectMinutes, order: EvidenceOrder): void {
    mergeSubject(this.global, other.global, this.evidenceLimit, order);
    for (const kind of ['targets', 'endpoints'] as const) {
      const into = this[kind];
      for (const [key, s] of other[kind]) {
        const mine = into.get(key);
        if (mine === undefined) into.add(key, cloneSubject(s));
        else mergeSubject(mine, s, this.evidenceLimit, order);
      }
      // Keys new to this side were counted as inserted by add(); the other side's evictions add up.
      addCapStats(into.stats, { ...other[kind].stats, inserted: 0 });
    }
  }

  /**
   * Maps every endpoint through `map` (the run's final endpoints: core/rekey.ts); endpoints that become one merge,
   * evidence by `order`.
   */
  rekey(map: (key: string) => string, order: EvidenceOrder): void {
    rekeyEntries(this.endpoints, map, (into, from) => mergeSubject(into, from, this.evidenceLimit, order));
  }

  toJSON(): SubjectMinutesJson {
    const series = (entries: Iterable<[string, Subject]>): [string, [number, number, number, number, [string, number][] | null, [string, number][] | null, [string, number][] | null][]][] =>
      [...entries].map(([key, s]) => [key, [...s.cells].sort((a, b) => a[0] - b[0]).map(([m, c]) => [
        m, c.n, c.e, c.lb,
        c.evidence === null ? null : c.evidence.map((e): [string, number] => [e.file, e.line]),
        c.byTarget === null ? null : [...c.byTarget],
        c.byClient === null ? null : [...c.byClient],
      ])]);
    return {
      kind: 'subject-minutes',
      maxSubjects: this.maxSubjects,
      evidenceLimit: this.evidenceLimit,
      subjects: { global: this.global.requests > 0 ? series([['all', this.global]]) : [], target: series(this.targets), endpoint: series(this.endpoints) },
      stats: { target: { ...this.targets.stats }, endpoint: { ...this.endpoints.stats } },
    };
  }

  static fromJSON(j: SubjectMinutesJson): SubjectMinutes {
    const out = new SubjectMinutes(j.maxSubjects, j.evidenceLimit);
    const load = (s: Subject, cells: SubjectMinutesJson['subjects']['global'][number][1]): void => {
      for (const [m, n, e, lb, ev, bt, bc] of cells) {
        s.cells.set(m, { n, e, lb, evidence: ev === null ? null : ev.map(([file, line]) => ({ file, line })), byTarget: bt === null ? null : new Map(bt), byClient: bc === null ? null : new Map(bc) });
        s.requests += n;
      }
    };
    for (const [, cells] of j.subjects.global) load(out.global, cells);
    for (const [kind, into] of [['target', out.targets], ['endpoint', out.endpoints]] as const) {
      for (const [key, cells] of j.subjects[kind]) {
        const s = newSubject();
        load(s, cells);
        into.add(key, s);
      }
      Object.assign(into.stats, noCapStats(), j.stats[kind]);
    }
    return out;
  }
}

function newSubject(): Subject {
  return { cells: new Map(), requests: 0, lastMinute: Number.NaN, lastCell: null };
}

/** The subject of `key` (added, as a standalone key, when absent; the cap evicts the lightest). */
function subjectOf(map: CappedMap<Subject>, key: string): Subject {
  let s = map.get(key);
  if (s === undefined) {
    s = newSubject();
    map.add(detach(key), s);
  }
  return s;
}

function copyCell(c: MinuteCell): MinuteCell {
  return {
    n: c.n, e: c.e, lb: c.lb, evidence: c.evidence === null ? null : [...c.evidence],
    byTarget: c.byTarget === null ? null : new Map(c.byTarget), byClient: c.byClient === null ? null : new Map(c.byClient),
  };
}

function cloneSubject(s: Subject): Subject {
  const out = newSubject();
  for (const [m, c] of s.cells) out.cells.set(m, copyCell(c));
  out.requests = s.requests;
  return out;
}

function mergeSubject(into: Subject, from: Subject, k: number, order: EvidenceOrder): void {
  for (const [m, c] of from.cells) {
    const mine = into.cells.get(m);
    if (mine === undefined) {
      into.cells.set(m, copyCell(c));
      continue;
    }
    mine.n += c.n;
    mine.e += c.e;
    mine.lb += c.lb;
    if (c.evidence !== null) mine.evidence = mergeEvidence(mine.evidence ?? [], c.evidence, k, order);
    if (c.byTarget !== null) mine.byTarget = addCapped(mine.byTarget, c.byTarget, CELL_TARGETS);
    if (c.byClient !== null) mine.byClient = addCapped(mine.byClient, c.byClient, CELL_CLIENTS);
  }
  into.requests += from.requests;
  into.lastMinute = Number.NaN;
  into.lastCell = null;
}

/** `from`'s counts added into `into` (new when null): a key already held adds up, a new one only while under `cap`. */
function addCapped(into: Map<string, number> | null, from: ReadonlyMap<string, number>, cap: number): Map<string, number> {
  const m = into ?? new Map<string, number>();
  for (const [k, n] of from) {
    const had = m.get(k);
    if (had !== undefined) m.set(k, had + n);
    else if (m.size < cap) m.set(k, n);
  }
  return m;
}
