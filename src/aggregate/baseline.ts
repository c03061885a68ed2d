/**
 * Baseline: what traffic normally looks like, learned from days or weeks of logs (`lbua baseline build`), and the
 * same counts of today's run that `lbua analyze --baseline` judges against it (detect/history.ts).
 *
 * State is kept per UTC day, so a rolling window can drop its oldest day (`keepDays`); the hour-of-week or
 * hour-of-day view the judge reads is a fold over days. Per day:
 * - per hour of the day (0–23): requests, errors (5xx and load-balancer 460/463, subject-minutes' `isError`), and a
 *   latency level (the count and the sum of round(10000·ln ms) of the requests with a duration: an integer sum, so
 *   merging in any order gives the same bytes; its mean is the log of the hour's geometric-mean latency);
 * - per endpoint (route template), the same four numbers per hour; requests answered 400, 404, 405, 410, 414 or 431
 *   (paths that do not exist: scanners, typos) count under `(unrouted 4xx)`, so probes do not fill the endpoint set;
 * - per ASN and per country (with geo data): the four numbers for the day;
 * - agent families, agent classes (human, bot, tool) and TLS versions: requests;
 * - sessions (by their start): count, requests, one-request sessions, sessions of 50 requests or more, and per class;
 * - the first and last request time (hours not fully covered are not used as reference or judged for traffic).
 *
 * Caps per day (beyond them a key counts as `other`): 2,000 endpoints, 1,000 ASNs, 300 countries, 200 agent
 * families, 50 TLS versions. When a merge holds more, the busiest keys (then by name) stay and the rest go to
 * `other`, so below the caps a merge of shards is the state of one pass; all counts are integers and maps are written
 * sorted, so merges in any order and grouping give the same bytes.
 */
import { isError } from './subject-minutes';
import type { EnrichedRecord } from '../enrich/types';
import type { Session } from '../sessions/types';

export const BASELINE_SCHEMA = 'lbua.baseline/1';
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTES_PER_DAY = 1440;

/** Per-day caps on keyed maps (README "Baselines"). */
export const BASELINE_CAPS = { endpoints: 2000, asns: 1000, countries: 300, families: 200, tls: 50 } as const;

/** The endpoint key of requests for paths that do not exist. */
export const UNROUTED = '(unrouted 4xx)';
export const OTHER = 'other';
const UNROUTED_STATUS = new Set([400, 404, 405, 410, 414, 431]);

/** [requests, errors, requests with a duration, Σ round(10000·ln ms)]. */
export type Stat = number[];
const stat = (): Stat => [0, 0, 0, 0];
const addStat = (a: Stat, b: readonly number[]): void => {
  for (let i = 0; i < 4; i++) a[i] = (a[i] ?? 0) + (b[i] ?? 0);
};

/** What a baseline was made with: baselines merge only when made alike. */
export interface BaselineSettings {
  /** Geo data was loaded (ASN and country views exist). */
  readonly geo: boolean;
  /** User route patterns (--route). */
  readonly routes: readonly string[];
}

/** Sessions of a day. */
export interface SessionShape {
  count: number;
  requests: number;
  bounces: number;
  long: number;
  classes: Record<string, number>;
}

/** One UTC day. */
export class BaselineDay {
  firstMs = Number.POSITIVE_INFINITY;
  lastMs = Number.NEGATIVE_INFINITY;
  readonly hours: Stat[] = Array.from({ length: 24 }, stat);
  /** Requests per minute of the day (1,440): the seasonal level surge reads (seasonalMinutes). */
  readonly minutes = new Uint32Array(MINUTES_PER_DAY);
  /** Endpoint → per hour (sparse) stats. */
  readonly endpoints = new Map<string, (Stat | undefined)[]>();
  readonly asns = new Map<string, Stat>();
  readonly countries = new Map<string, Stat>();
  readonly families = new Map<string, number>();
  readonly agents = new Map<string, number>();
  readonly tls = new Map<string, number>();
  readonly sessions: SessionShape = { count: 0, requests: 0, bounces: 0, long: 0, classes: {} };

  /** Whether per-minute counts were kept (baselines made before 2026-12-07 have none). */
  hasMinutes(): boolean {
    for (let m = 0; m < MINUTES_PER_DAY; m++) if ((this.minutes[m] ?? 0) > 0) return true;
    return false;
  }

  /** Requests, errors and latency of endpoint `key` over the day. */
  endpointTotal(key: string): Stat {
    const out = stat();
    for (const s of this.endpoints.get(key) ?? []) if (s !== undefined) addStat(out, s);
    return out;
  }

  /** Whether hour h of this day is fully inside the day's first and last request (a minute's slack). */
  covers(dayStartMs: number, h: number): boolean {
    const start = dayStartMs + h * HOUR_MS;
    return this.firstMs <= start + 60_000 && this.lastMs >= start + HOUR_MS - 60_000;
  }

  merge(o: BaselineDay): void {
    this.firstMs = Math.min(this.firstMs, o.firstMs);
    this.lastMs = Math.max(this.lastMs, o.lastMs);
    this.hours.forEach((s, h) => addStat(s, o.hours[h] ?? []));
    for (let m = 0; m < MINUTES_PER_DAY; m++) this.minutes[m] = (this.minutes[m] ?? 0) + (o.minutes[m] ?? 0);
    for (const [k, hours] of o.endpoints) {
      let mine = this.endpoints.get(k);
      if (mine === undefined) this.endpoints.set(k, (mine = []));
      hours.forEach((s, h) => {
        if (s === undefined) return;
        const m = mine[h] ?? (mine[h] = stat());
        addStat(m, s);
      });
    }
    for (const [mineMap, theirs] of [[this.asns, o.asns], [this.countries, o.countries]] as const) {
      for (const [k, s] of theirs) {
        const m = mineMap.get(k);
        if (m === undefined) mineMap.set(k, [...s]);
        else addStat(m, s);
      }
    }
    for (const [mineMap, theirs] of [[this.families, o.families], [this.agents, o.agents], [this.tls, o.tls]] as const) {
      for (const [k, n] of theirs) mineMap.set(k, (mineMap.get(k) ?? 0) + n);
    }
    const s = this.sessions;
    s.count += o.sessions.count;
    s.requests += o.sessions.requests;
    s.bounces += o.sessions.bounces;
    s.long += o.sessions.long;
    for (const [k, n] of Object.entries(o.sessions.classes)) s.classes[k] = (s.classes[k] ?? 0) + n;
    this.applyCaps();
  }

  /** Folds the least busy keys beyond the caps into `other` (after a merge). */
  applyCaps(): void {
    capMap(this.endpoints, BASELINE_CAPS.endpoints, (hours) => sumHours(hours)[0] ?? 0, (into, from) => {
      from.forEach((s, h) => {
        if (s !== undefined) addStat(into[h] ?? (into[h] = stat()), s);
      });
    }, () => []);
    capMap(this.asns, BASELINE_CAPS.asns, (s) => s[0] ?? 0, addStat, stat);
    capMap(this.countries, BASELINE_CAPS.countries, (s) => s[0] ?? 0, addStat, stat);
    const capCounts = (m: Map<string, number>, cap: number): void => {
      if (m.size <= cap) return;
      const keys = [...m.entries()].filter(([k]) => k !== OTHER).sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]));
      for (const [k, n] of keys.slice(cap - 1)) {
        m.delete(k);
        m.set(OTHER, (m.get(OTHER) ?? 0) + n);
      }
    };
    capCounts(this.families, BASELINE_CAPS.families);
    capCounts(this.tls, BASELINE_CAPS.tls);
  }
}

/** Minutes each side of a span that surge's seasonal range pools (Baseline.seasonalMinutes). */
const SEASONAL_SLACK = 30;

/** Per-minute counts as runs of non-empty minutes: [[first minute, count, count, …], …]. */
function minuteRuns(minutes: Uint32Array): number[][] {
  const out: number[][] = [];
  let cur: number[] | null = null;
  for (let m = 0; m < minutes.length; m++) {
    const n = minutes[m] ?? 0;
    if (n === 0) {
      cur = null;
      continue;
    }
    if (cur === null) out.push((cur = [m]));
    cur.push(n);
  }
  return out;
}

function sumHours(hours: readonly (Stat | undefined)[]): Stat {
  const out = stat();
  for (const s of hours) if (s !== undefined) addStat(out, s);
  return out;
}

function capMap<V>(m: Map<string, V>, cap: number, weight: (v: V) => number, add: (into: V, from: V) => void, empty: () => V): void {
  if (m.size <= cap) return;
  const keys = [...m.entries()].filter(([k]) => k !== OTHER).sort((a, b) => weight(b[1]) - weight(a[1]) || cmp(a[0], b[0]));
  let other = m.get(OTHER);
  if (other === undefined) m.set(OTHER, (other = empty()));
  for (const [k, v] of keys.slice(cap - 1)) {
    m.delete(k);
    add(other, v);
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The JSON form of a day. */
export interface BaselineDayJson {
  readonly date: string;
  readonly first_ms: number;
  readonly last_ms: number;
  /** 24 × [requests, errors, latency count, Σ round(10000·ln ms)]. */
  readonly hours: readonly (readonly number[])[];
  /**
   * Requests per minute of the day, as runs: [minute, count, count, …] rows, one per run of non-empty minutes
   * (absent in baselines made before 2026-12-07: no seasonal level for surge).
   */
  readonly minutes?: readonly (readonly number[])[];
  /** Endpoint → [[hour, requests, errors, latency count, Σ ln], ...] for its non-empty hours. */
  readonly endpoints: Readonly<Record<string, readonly (readonly number[])[]>>;
  readonly asns: Readonly<Record<string, readonly number[]>>;
  readonly countries: Readonly<Record<string, readonly number[]>>;
  readonly families: Readonly<Record<string, number>>;
  readonly agents: Readonly<Record<string, number>>;
  readonly tls: Readonly<Record<string, number>>;
  readonly sessions: Readonly<SessionShape>;
}

/** `lbua.baseline/1`. */
export interface BaselineJson {
  readonly schema: typeof BASELINE_SCHEMA;
  readonly settings: BaselineSettings;
  /** Days, oldest first. */
  readonly days: readonly BaselineDayJson[];
}

/** Learned (or today's) state: per-day counts. */
export class Baseline {
  readonly days = new Map<number, BaselineDay>();
  private lastIndex = Number.NaN;
  private lastDay: BaselineDay | null = null;

  constructor(readonly settings: BaselineSettings) {}

  private day(ms: number): BaselineDay {
    const i = Math.floor(ms / DAY_MS);
    if (i === this.lastIndex && this.lastDay !== null) return this.lastDay;
    let d = this.days.get(i);
    if (d === undefined) this.days.set(i, (d = new BaselineDay()));
    this.lastIndex = i;
    this.lastDay = d;
    return d;
  }

  /** Counts a record. */
  add(e: EnrichedRecord): void {
    const ms = e.startMs;
    if (!Number.isFinite(ms)) return;
    const d = this.day(ms);
    if (ms < d.firstMs) d.firstMs = ms;
    if (ms > d.lastMs) d.lastMs = ms;
    const h = Math.floor((ms % DAY_MS) / HOUR_MS);
    const err = isError(e.status) ? 1 : 0;
    const dur = e.durationMs ?? e.backendMs;
    const n = dur === null || !Number.isFinite(dur) ? 0 : 1;
    const ln = n === 0 ? 0 : Math.round(10_000 * Math.log(Math.max(0.1, dur ?? 0)));
    const bump = (s: Stat): void => {
      s[0] = (s[0] ?? 0) + 1;
      s[1] = (s[1] ?? 0) + err;
      s[2] = (s[2] ?? 0) + n;
      s[3] = (s[3] ?? 0) + ln;
    };
    bump(d.hours[h] ?? stat());
    const minute = Math.floor((ms % DAY_MS) / 60_000);
    d.minutes[minute] = (d.minutes[minute] ?? 0) + 1;
    const key = e.status !== null && UNROUTED_STATUS.has(e.status) ? UNROUTED : capKey(d.endpoints, e.endpoint, BASELINE_CAPS.endpoints);
    let hours = d.endpoints.get(key);
    if (hours === undefined) d.endpoints.set(key, (hours = []));
    bump(hours[h] ?? (hours[h] = stat()));
    if (e.geo !== null) {
      if (e.geo.asn !== null) bumpMap(d.asns, capKey(d.asns, String(e.geo.asn), BASELINE_CAPS.asns), bump);
      if (e.geo.country !== null) bumpMap(d.countries, capKey(d.countries, e.geo.country, BASELINE_CAPS.countries), bump);
    }
    const fam = capKey(d.families, e.agent.family, BASELINE_CAPS.families);
    d.families.set(fam, (d.families.get(fam) ?? 0) + 1);
    d.agents.set(e.agent.agentClass, (d.agents.get(e.agent.agentClass) ?? 0) + 1);
    if (e.scheme === 'https' || e.tlsProtocol !== null) {
      const t = capKey(d.tls, e.tlsProtocol ?? 'unknown', BASELINE_CAPS.tls);
      d.tls.set(t, (d.tls.get(t) ?? 0) + 1);
    }
  }

  /** Counts a closed session (on its start day). */
  addSession(s: Session): void {
    if (!Number.isFinite(s.startMs)) return;
    const sh = this.day(s.startMs).sessions;
    sh.count++;
    sh.requests += s.requests;
    if (s.requests === 1) sh.bounces++;
    if (s.requests >= 50) sh.long++;
    sh.classes[s.clientClass] = (sh.classes[s.clientClass] ?? 0) + 1;
  }

  /** Adds another baseline's days (same settings: the caller checks). */
  merge(o: Baseline): void {
    for (const [i, d] of o.days) {
      const mine = this.days.get(i);
      if (mine === undefined) {
        const copy = new BaselineDay();
        copy.merge(d);
        this.days.set(i, copy);
      } else mine.merge(d);
    }
    this.lastIndex = Number.NaN;
    this.lastDay = null;
  }

  /** Re-keys every day's endpoints through `map` (a route collapse during the run), merging what becomes one. */
  rekey(map: (key: string) => string): void {
    for (const d of this.days.values()) {
      const old = [...d.endpoints.entries()];
      d.endpoints.clear();
      for (const [k, hours] of old) {
        const nk = k === UNROUTED || k === OTHER ? k : map(k);
        const mine = d.endpoints.get(nk);
        if (mine === undefined) d.endpoints.set(nk, hours);
        else hours.forEach((s, h) => {
          if (s !== undefined) addStat(mine[h] ?? (mine[h] = stat()), s);
        });
      }
    }
  }

  /** Drops the days of these indexes (days since the epoch). */
  dropDays(indexes: Iterable<number>): void {
    for (const i of [...indexes]) this.days.delete(i);
    this.lastIndex = Number.NaN;
    this.lastDay = null;
  }

  /** Keeps the `n` latest days, drops the older ones. */
  keepDays(n: number): void {
    const indexes = [...this.days.keys()].sort((a, b) => b - a);
    for (const i of indexes.slice(n)) this.days.delete(i);
    this.lastIndex = Number.NaN;
    this.lastDay = null;
  }

  /**
   * The seasonal range of requests per minute around minutes [startMin, endMin] (minutes since the epoch): the
   * counts of the same minutes of the day, 30 minutes either side, on every learned day but the span's own that
   * covers them whole, pooled; its 0.5% and 99.5% quantiles. Null with fewer than 3 such days or on a baseline
   * without per-minute counts.
   */
  seasonalMinutes(startMin: number, endMin: number): { readonly low: number; readonly high: number; readonly days: number } | null {
    const own = Math.floor((startMin * 60_000) / DAY_MS);
    const pool: number[] = [];
    let days = 0;
    for (const [i, d] of this.days) {
      if (i === own || !d.hasMinutes()) continue;
      const values: number[] = [];
      let whole = true;
      for (let m = startMin - SEASONAL_SLACK; m <= endMin + SEASONAL_SLACK && whole; m++) {
        const ofDay = ((m % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
        const at = i * DAY_MS + ofDay * 60_000;
        if (at < d.firstMs - 60_000 || at + 60_000 > d.lastMs + 60_000) whole = false;
        else values.push(d.minutes[ofDay] ?? 0);
      }
      if (!whole) continue;
      days++;
      for (const v of values) pool.push(v);
    }
    if (days < 3) return null;
    pool.sort((a, b) => a - b);
    const q = (p: number): number => pool[Math.min(pool.length - 1, Math.max(0, Math.floor(p * pool.length)))] ?? 0;
    return { low: q(0.005), high: q(0.995), days };
  }

  /** Days, oldest first, with their start time. */
  sortedDays(): { readonly startMs: number; readonly date: string; readonly day: BaselineDay }[] {
    return [...this.days.entries()].sort((a, b) => a[0] - b[0]).map(([i, day]) => ({ startMs: i * DAY_MS, date: dateOf(i * DAY_MS), day }));
  }

  toJSON(): BaselineJson {
    return {
      schema: BASELINE_SCHEMA,
      settings: { geo: this.settings.geo, routes: [...this.settings.routes] },
      days: this.sortedDays().map(({ date, day }) => ({
        date, first_ms: day.firstMs, last_ms: day.lastMs,
        hours: day.hours.map((s) => [...s]),
        minutes: minuteRuns(day.minutes),
        endpoints: sortedRecord(day.endpoints, (hours) => hours.flatMap((s, h) => (s === undefined ? [] : [[h, ...s]]))),
        asns: sortedRecord(day.asns, (s) => [...s]),
        countries: sortedRecord(day.countries, (s) => [...s]),
        families: sortedRecord(day.families, (n) => n),
        agents: sortedRecord(day.agents, (n) => n),
        tls: sortedRecord(day.tls, (n) => n),
        sessions: { ...day.sessions, classes: sortedRecord(new Map(Object.entries(day.sessions.classes)), (n) => n) },
      })),
    };
  }

  /** A baseline from its JSON (trusted: parseBaseline checks a file's shape first). */
  static fromJSON(j: BaselineJson): Baseline {
    const b = new Baseline({ geo: j.settings.geo, routes: [...j.settings.routes] });
    for (const dj of j.days) {
      const d = new BaselineDay();
      d.firstMs = dj.first_ms;
      d.lastMs = dj.last_ms;
      dj.hours.forEach((s, h) => {
        if (h < 24) addStat(d.hours[h] ?? stat(), s);
      });
      for (const [at = 0, ...counts] of dj.minutes ?? []) {
        counts.forEach((n, k) => {
          if (at + k >= 0 && at + k < MINUTES_PER_DAY) d.minutes[at + k] = n;
        });
      }
      for (const [k, rows] of Object.entries(dj.endpoints)) {
        const hours: (Stat | undefined)[] = [];
        for (const [h = 0, ...s] of rows) if (h >= 0 && h < 24) hours[h] = [...s];
        d.endpoints.set(k, hours);
      }
      for (const [k, s] of Object.entries(dj.asns)) d.asns.set(k, [...s]);
      for (const [k, s] of Object.entries(dj.countries)) d.countries.set(k, [...s]);
      for (const [k, n] of Object.entries(dj.families)) d.families.set(k, n);
      for (const [k, n] of Object.entries(dj.agents)) d.agents.set(k, n);
      for (const [k, n] of Object.entries(dj.tls)) d.tls.set(k, n);
      Object.assign(d.sessions, { ...dj.sessions, classes: { ...dj.sessions.classes } });
      b.days.set(Math.floor(Date.parse(`${dj.date}T00:00:00Z`) / DAY_MS), d);
    }
    return b;
  }
}

/** A key, or `other` when the map is at its cap and does not hold it. */
function capKey<V>(m: Map<string, V>, key: string, cap: number): string {
  return m.has(key) || m.size < cap - 1 ? key : OTHER;
}

function bumpMap(m: Map<string, Stat>, key: string, bump: (s: Stat) => void): void {
  let s = m.get(key);
  if (s === undefined) m.set(key, (s = stat()));
  bump(s);
}

function sortedRecord<V, J>(m: ReadonlyMap<string, V>, f: (v: V) => J): Record<string, J> {
  return Object.fromEntries([...m.entries()].sort((a, b) => cmp(a[0], b[0])).map(([k, v]) => [k, f(v)]));
}

/** "2026-03-09" of a time. */
export function dateOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The geometric-mean latency in ms of a stat (null without durations). */
export function latencyOf(s: readonly number[]): number | null {
  const n = s[2] ?? 0;
  return n > 0 ? Math.exp((s[3] ?? 0) / n / 10_000) : null;
}

/**
 * Checks that `v` is a `lbua.baseline/1` document and returns it; otherwise a one-line reason (for exit 2).
 */
export function checkBaseline(v: unknown): BaselineJson | string {
  if (typeof v !== 'object' || v === null) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  if (o['schema'] !== BASELINE_SCHEMA) return `not an lbua baseline (schema ${JSON.stringify(o['schema'] ?? null)}, expected ${BASELINE_SCHEMA})`;
  const s = o['settings'] as Record<string, unknown> | undefined;
  if (typeof s !== 'object' || s === null || typeof s['geo'] !== 'boolean' || !Array.isArray(s['routes'])) return 'bad settings';
  if (!Array.isArray(o['days'])) return 'no days';
  const isNums = (a: unknown): boolean => Array.isArray(a) && a.every((x) => typeof x === 'number' && Number.isFinite(x));
  const isRec = (r: unknown, ok: (x: unknown) => boolean): boolean => typeof r === 'object' && r !== null && !Array.isArray(r) && Object.values(r).every(ok);
  for (const [i, d] of (o['days'] as unknown[]).entries()) {
    const bad = (what: string): string => `day ${i + 1}: bad ${what}`;
    if (typeof d !== 'object' || d === null) return bad('day');
    const dd = d as Record<string, unknown>;
    if (typeof dd['date'] !== 'string' || !/^\d{4}-\d\d-\d\d$/.test(dd['date']) || Number.isNaN(Date.parse(`${dd['date']}T00:00:00Z`))) return bad('date');
    if (typeof dd['first_ms'] !== 'number' || typeof dd['last_ms'] !== 'number') return bad('first_ms/last_ms');
    if (!Array.isArray(dd['hours']) || dd['hours'].length !== 24 || !dd['hours'].every(isNums)) return bad('hours');
    if (dd['minutes'] !== undefined && !(Array.isArray(dd['minutes']) && dd['minutes'].every(isNums))) return bad('minutes');
    if (!isRec(dd['endpoints'], (x) => Array.isArray(x) && x.every(isNums))) return bad('endpoints');
    for (const k of ['asns', 'countries'] as const) if (!isRec(dd[k], isNums)) return bad(k);
    for (const k of ['families', 'agents', 'tls'] as const) if (!isRec(dd[k], (x) => typeof x === 'number')) return bad(k);
    const ss = dd['sessions'] as Record<string, unknown> | undefined;
    if (typeof ss !== 'object' || ss === null || typeof ss['count'] !== 'number' || !isRec(ss['classes'], (x) => typeof x === 'number')) return bad('sessions');
  }
  return v as BaselineJson;
}
