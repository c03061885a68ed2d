/**
 * The traffic summary behind `lbua analyze`: totals, time range, request rate per minute, status mix, bytes,
 * latency percentiles (streaming sketch, ±1% relative error) and bounded top-N tables.
 * Memory grows with distinct keys (clients, paths, minutes), never with lines, and is bounded: each top table
 * (clients included) is capped at Limits.topKeys keys and Limits.topKeyChars characters of keys (heavy hitters stay
 * exact to within `maxError`); unique clients are counted exactly while the clients table holds them all, and by a
 * HyperLogLog (16 KB, about ±1%) beyond.
 * Mergeable: `merge` adds another profile, or its `state()` (plain data, structured-clone safe: what worker threads
 * post), and `toJSON`/`fromJSON` write and read it as plain JSON. Merged parts hold what one pass holds, except a top
 * table past its cap (Limits.topKeys, 100,000 keys): which keys it pruned depends on where the run was cut.
 */
import type { EpochMs, LogRecord } from '../core/types';
import type { EnrichedRecord } from '../enrich/types';
import { QuantileSketch, percentiles, type QuantileSketchJson } from '../core/quantile';
import { TopCounter, type TopCounterJson, type TopSnapshot } from '../core/top';
import { HyperLogLog } from '../core/hll';
import { capMessage, count } from '../core/capped';
import { DEFAULT_LIMITS, type Limits } from '../core/limits';
import { PathQueries, type PathQueriesJson } from './path-queries';

/** One row of a top table. */
export interface TopRow {
  readonly key: string;
  readonly requests: number;
  readonly share: number;
}

/** Percentiles in milliseconds. */
export interface LatencyStats {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** The summary section of the report. */
export interface TrafficSummary {
  readonly requests: number;
  readonly unique_clients: number;
  readonly time_range: { readonly start: EpochMs; readonly end: EpochMs } | null;
  readonly requests_per_minute: { readonly peak: number; readonly peak_minute: EpochMs | null; readonly median: number; readonly mean: number };
  readonly status_classes: Readonly<Record<string, number>>;
  readonly top_status: readonly { readonly status: number | null; readonly requests: number }[];
  /** Sums over the records that logged them; null when no record did (CLF logs no request size). */
  readonly bytes: { readonly in: number | null; readonly out: number | null };
  readonly latency: { readonly total: LatencyStats; readonly backend: LatencyStats };
}

/** Top-N tables. */
export interface TopTables {
  readonly clients: readonly TopRow[];
  readonly paths: readonly TopRow[];
  readonly hosts: readonly TopRow[];
  readonly user_agents: readonly TopRow[];
  readonly backends: readonly TopRow[];
  readonly error_paths: readonly TopRow[];
  /** Referring pages (formats that log a referer: combined, Apache, …); empty when no record carried one. */
  readonly referrers: readonly TopRow[];
}

/** A TrafficProfile as plain data: partial profiles made in worker threads are merged from this. */
export interface TrafficState {
  readonly requests: number;
  readonly clients: TopSnapshot;
  /** HyperLogLog registers of every client address. */
  readonly distinct: Uint8Array;
  readonly minMs: number;
  readonly maxMs: number;
  readonly perMinute: ReadonlyMap<number, number>;
  readonly statuses: Float64Array;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly bytesInLogged: number;
  readonly bytesOutLogged: number;
  readonly total: QuantileSketchJson;
  readonly backend: QuantileSketchJson;
  readonly tops: readonly TopSnapshot[];
  readonly pathQueries: PathQueriesJson;
}

/** A TrafficProfile as plain JSON (sorted, deterministic); the top tables' caps come with it. */
export interface TrafficJson {
  readonly kind: 'traffic';
  readonly top_keys: number;
  readonly top_key_chars: number;
  readonly requests: number;
  readonly min_ms: number | null;
  readonly max_ms: number | null;
  /** [minute (epoch ms ÷ 60,000), requests], by minute. */
  readonly per_minute: readonly (readonly [number, number])[];
  /** [status (1000: none), requests], by status. */
  readonly statuses: readonly (readonly [number, number])[];
  readonly bytes_in: number;
  readonly bytes_out: number;
  readonly bytes_in_logged: number;
  readonly bytes_out_logged: number;
  readonly latency_ms: QuantileSketchJson;
  readonly backend_ms: QuantileSketchJson;
  /** HyperLogLog registers of every client address (base64). */
  readonly distinct_clients: string;
  readonly clients: TopCounterJson;
  readonly paths: TopCounterJson;
  readonly hosts: TopCounterJson;
  readonly user_agents: TopCounterJson;
  readonly backends: TopCounterJson;
  readonly error_paths: TopCounterJson;
  /** Absent in states written before 2026-12-07. */
  readonly referrers?: TopCounterJson;
  /** The query strings of each path (profile/path-queries.ts); absent in states written before 2026-12-07. */
  readonly path_queries?: PathQueriesJson;
}

/** The enrichment slots observe reads when the record has them (undefined on a record enrich never saw). */
type Enriched = LogRecord & { readonly [K in 'client' | 'pathEntry' | 'agentEntry']?: EnrichedRecord[K] };

/** HyperLogLog precision of unique_clients: 2^14 registers (16 KB), standard error about 0.8%. */
const DISTINCT_P = 14;

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other', 'none'] as const;

/** Accumulates the traffic summary; feed with observe(), read with result(). */
export class TrafficProfile {
  private requests = 0;
  /** Per-client counts (about 80 bytes each), capped like the other top tables. */
  private readonly clients: TopCounter;
  /** Every client address, for unique_clients once the clients table is pruned. */
  private readonly distinct = new HyperLogLog(undefined, DISTINCT_P);
  private minMs = Number.POSITIVE_INFINITY;
  private maxMs = Number.NEGATIVE_INFINITY;
  private readonly perMinute = new Map<number, number>();
  /** Run-length cache for perMinute: records mostly arrive in time order. */
  private curMinute = Number.NaN;
  private curMinuteCount = 0;
  /** Requests per status code 0..999; index 1000 = no status. */
  private readonly statuses = new Float64Array(1001);
  private bytesIn = 0;
  private bytesInLogged = 0;
  private bytesOutLogged = 0;
  private bytesOut = 0;
  private readonly total = new QuantileSketch();
  private readonly backend = new QuantileSketch();
  private readonly topPaths: TopCounter;
  private readonly topHosts: TopCounter;
  private readonly topAgents: TopCounter;
  private readonly topBackends: TopCounter;
  private readonly topErrorPaths: TopCounter;
  /** Referers as logged ("-" is null: not counted); a format without the field (ALB) costs one null check a line. */
  private readonly topReferrers: TopCounter;
  /** Query strings per path: a path with few (a feed's `?flav=rss20`) is shown per query in the paths table. */
  private readonly pathQueries = new PathQueries();

  /**
   * `standalone`: the records' client, path, host, agent and backend strings are standalone copies (enriched
   * records), so they are kept as keys without copying.
   */
  constructor(standalone = false, private readonly limits: Limits = DEFAULT_LIMITS) {
    const table = (copy: boolean): TopCounter => new TopCounter(limits.topKeys, copy, limits.topKeyChars);
    this.clients = table(!standalone);
    this.topPaths = table(!standalone);
    this.topHosts = table(!standalone);
    this.topAgents = table(!standalone);
    this.topBackends = table(!standalone);
    this.topErrorPaths = table(true);
    this.topReferrers = table(true);
  }

  /** Adds one record. */
  observe(r: LogRecord): void {
    this.requests++;
    const t = r.startMs;
    if (t < this.minMs) this.minMs = t;
    if (t > this.maxMs) this.maxMs = t;
    const minute = Math.floor(t / 60_000);
    if (minute === this.curMinute) this.curMinuteCount++;
    else {
      this.flushMinute();
      this.curMinute = minute;
      this.curMinuteCount = 1;
    }
    const st = r.status;
    const si = st === null || st < 0 || st > 999 ? 1000 : st;
    this.statuses[si] = (this.statuses[si] ?? 0) + 1;
    if (r.bytesIn !== null) {
      this.bytesIn += r.bytesIn;
      this.bytesInLogged++;
    }
    if (r.bytesOut !== null) {
      this.bytesOut += r.bytesOut;
      this.bytesOutLogged++;
    }
    if (r.durationMs !== null) this.total.add(r.durationMs);
    if (r.backendMs !== null) this.backend.add(r.backendMs);
    // An enriched record's client, path and agent come with their cached entries, which keep the tables' cells of
    // their keys (TopCounter.addAt): counted without a lookup. A key new to the table (or back after eviction) is
    // hashed once for the distinct count; repeats cost nothing more.
    const { client, pathEntry, agentEntry } = r as Enriched;
    if (client !== undefined && client !== null) {
      if (this.clients.addAt(client, client.ip)) this.distinct.addHash(client.hash);
    } else if (r.clientIp !== null && this.clients.add(r.clientIp)) this.distinct.add(r.clientIp);
    const path = r.path ?? '-';
    if (pathEntry !== undefined && pathEntry !== null) this.topPaths.addAt(pathEntry, path);
    else this.topPaths.add(path);
    if (r.query !== null && r.query !== '') this.pathQueries.add(path, r.query);
    if (r.host !== null) this.topHosts.add(r.host);
    if (agentEntry !== undefined && agentEntry !== null) this.topAgents.addAt(agentEntry, r.userAgent ?? '-');
    else this.topAgents.add(r.userAgent ?? '-');
    if (r.backend !== null) this.topBackends.add(r.backend);
    if (r.referer !== null) this.topReferrers.add(r.referer);
    if (st !== null && st >= 400) {
      // The path entry keeps the cell of "<status> <path>" for the status it saw last.
      const errors = this.topErrorPaths;
      if (pathEntry === undefined || pathEntry === null || pathEntry.path !== path) errors.add(`${st} ${path}`);
      else if (pathEntry.errStatus !== st || !errors.addToCell(pathEntry.errTop)) {
        errors.add(`${st} ${path}`);
        pathEntry.errStatus = st;
        pathEntry.errTop = errors.lastAdded;
      }
    }
  }

  /** This profile as plain data (structured-clone safe). */
  state(): TrafficState {
    this.flushMinute();
    return {
      requests: this.requests, clients: this.clients.snapshot(), distinct: this.distinct.registers.slice(), minMs: this.minMs, maxMs: this.maxMs, perMinute: new Map(this.perMinute),
      statuses: this.statuses.slice(), bytesIn: this.bytesIn, bytesOut: this.bytesOut, bytesInLogged: this.bytesInLogged, bytesOutLogged: this.bytesOutLogged,
      total: this.total.toJSON(), backend: this.backend.toJSON(), tops: this.counters().map((t) => t.snapshot()),
      pathQueries: this.pathQueries.toJSON(),
    };
  }

  /**
   * Adds a partial profile (or its state). Every figure is a count, a minimum or maximum, a sum of integers or a
   * mergeable sketch, so the result equals one profile fed every record (top tables: exactly, until a table is pruned).
   */
  merge(other: TrafficState | TrafficProfile): void {
    const s = other instanceof TrafficProfile ? other.state() : other;
    this.flushMinute();
    this.requests += s.requests;
    this.clients.merge(s.clients);
    this.distinct.merge(new HyperLogLog(s.distinct));
    this.minMs = Math.min(this.minMs, s.minMs);
    this.maxMs = Math.max(this.maxMs, s.maxMs);
    for (const [m, n] of s.perMinute) this.perMinute.set(m, (this.perMinute.get(m) ?? 0) + n);
    s.statuses.forEach((n, i) => {
      if (n !== 0) this.statuses[i] = (this.statuses[i] ?? 0) + n;
    });
    this.bytesIn += s.bytesIn;
    this.bytesInLogged += s.bytesInLogged;
    this.bytesOutLogged += s.bytesOutLogged;
    this.bytesOut += s.bytesOut;
    this.total.merge(QuantileSketch.fromJSON(s.total));
    this.backend.merge(QuantileSketch.fromJSON(s.backend));
    this.counters().forEach((t, i) => {
      const snap = s.tops[i];
      if (snap) t.merge(snap);
    });
    this.pathQueries.merge(s.pathQueries);
  }

  /** Plain JSON: `TrafficProfile.fromJSON` of it gives an equal profile. */
  toJSON(): TrafficJson {
    this.flushMinute();
    const statuses: [number, number][] = [];
    this.statuses.forEach((n, i) => {
      if (n !== 0) statuses.push([i, n]);
    });
    const [paths, hosts, userAgents, backends, errorPaths, referrers] = this.counters().map((t) => t.toJSON()) as [TopCounterJson, TopCounterJson, TopCounterJson, TopCounterJson, TopCounterJson, TopCounterJson];
    return {
      kind: 'traffic', top_keys: this.limits.topKeys, top_key_chars: this.limits.topKeyChars, requests: this.requests,
      min_ms: Number.isFinite(this.minMs) ? this.minMs : null, max_ms: Number.isFinite(this.maxMs) ? this.maxMs : null,
      per_minute: [...this.perMinute].sort((a, b) => a[0] - b[0]), statuses,
      bytes_in: this.bytesIn, bytes_out: this.bytesOut, bytes_in_logged: this.bytesInLogged, bytes_out_logged: this.bytesOutLogged,
      latency_ms: this.total.toJSON(), backend_ms: this.backend.toJSON(), distinct_clients: this.distinct.toJSON(),
      clients: this.clients.toJSON(), paths, hosts, user_agents: userAgents, backends, error_paths: errorPaths, referrers,
      path_queries: this.pathQueries.toJSON(),
    };
  }

  /** The profile `toJSON` wrote (`standalone` as in the constructor; the caps are the ones written). */
  static fromJSON(j: TrafficJson, standalone = false): TrafficProfile {
    const limits = TrafficProfile.limitsOf(j);
    const p = new TrafficProfile(standalone, limits);
    p.merge(TrafficProfile.stateOfJSON(j, standalone, (t, copy) => TopCounter.fromJSON(t, limits.topKeys, copy, limits.topKeyChars).snapshot()));
    return p;
  }

  /**
   * merge(TrafficProfile.fromJSON(j, standalone)) without building the part's top tables twice (a counter read from
   * the JSON, then the part profile's, then this one's): each table's entries are added here straight from the JSON
   * when no cap could cut them on the way (TopCounter.snapshotOfJSON, two counters on the way), which gives the same
   * counts, bounds and order of insertion.
   */
  mergeJSON(j: TrafficJson, standalone = false): void {
    const limits = TrafficProfile.limitsOf(j);
    this.merge(TrafficProfile.stateOfJSON(j, standalone, (t, copy) => TopCounter.snapshotOfJSON(t, limits.topKeys, copy, limits.topKeyChars, 2)));
  }

  /** The limits a saved profile was counted under. */
  private static limitsOf(j: TrafficJson): Limits {
    return { ...DEFAULT_LIMITS, topKeys: j.top_keys, topKeyChars: j.top_key_chars };
  }

  /** A saved profile as the state `merge` adds, its top tables read by `top` (copy: whether keys are copied). */
  private static stateOfJSON(j: TrafficJson, standalone: boolean, top: (t: TopCounterJson, copy: boolean) => TopSnapshot): TrafficState {
    const statuses = new Float64Array(1001);
    for (const [i, n] of j.statuses) statuses[i] = n;
    return {
      requests: j.requests, clients: top(j.clients, !standalone), distinct: HyperLogLog.fromJSON(j.distinct_clients, DISTINCT_P).registers,
      minMs: j.min_ms ?? Number.POSITIVE_INFINITY, maxMs: j.max_ms ?? Number.NEGATIVE_INFINITY, perMinute: new Map(j.per_minute),
      statuses, bytesIn: j.bytes_in, bytesOut: j.bytes_out, bytesInLogged: j.bytes_in_logged, bytesOutLogged: j.bytes_out_logged,
      total: j.latency_ms, backend: j.backend_ms,
      tops: [j.paths, j.hosts, j.user_agents, j.backends, j.error_paths, ...(j.referrers === undefined ? [] : [j.referrers])].map((t) => top(t, true)),
      pathQueries: j.path_queries ?? [],
    };
  }

  private counters(): TopCounter[] {
    return [this.topPaths, this.topHosts, this.topAgents, this.topBackends, this.topErrorPaths, this.topReferrers];
  }

  /**
   * The top-paths rows: a path whose query takes few values is split into a row per query variant with a real share
   * of its requests ("/?flav=rss20") and the rest; re-ranked by requests, then key.
   */
  private pathRows(n: number): TopRow[] {
    const rows = this.topPaths.top(n * 2).flatMap(([path, c]) => this.pathQueries.split(path, c));
    rows.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return rows.slice(0, n).map(([key, c]) => ({ key, requests: c, share: this.requests ? round4(c / this.requests) : 0 }));
  }

  /** Clients counted: exact while the clients table was never pruned, else the HyperLogLog estimate. */
  private uniqueClients(): number {
    return this.clients.stats.evicted === 0 ? this.clients.size : this.distinct.count();
  }

  /** CAP_REACHED messages of the tables whose cap was reached (one per table). */
  capNotes(): string[] {
    const cap = `${count(this.limits.topKeys)} keys or ${count(this.limits.topKeyChars)} characters of keys`;
    const tables: [string, TopCounter, string][] = [
      ['clients', this.clients, `unique_clients is an estimate (HyperLogLog, about ±1%: ${count(this.uniqueClients())})`],
      ['paths', this.topPaths, ''], ['hosts', this.topHosts, ''], ['user_agents', this.topAgents, ''],
      ['backends', this.topBackends, ''], ['error_paths', this.topErrorPaths, ''], ['referrers', this.topReferrers, ''],
    ];
    const out: string[] = [];
    for (const [name, t, extra] of tables) {
      const m = capMessage(`top ${name} table`, cap, t.stats, 'requests',
        `every key with more than ${count(t.maxError)} requests is kept and its count is low by at most that; shares are of all requests${extra ? `; ${extra}` : ''}`);
      if (m !== null) out.push(m);
    }
    return out;
  }

  private flushMinute(): void {
    if (this.curMinuteCount > 0) this.perMinute.set(this.curMinute, (this.perMinute.get(this.curMinute) ?? 0) + this.curMinuteCount);
    this.curMinuteCount = 0;
  }

  /** Every client address counted, with its requests (heavy hitters exact; the action guards read it). */
  clientRequests(): [string, number][] {
    return this.clients.top(this.clients.size);
  }

  /** Requests counted. */
  get requestCount(): number {
    return this.requests;
  }

  /** The summary and top-N tables; `pathsN`: rows of the paths table (--all widens it). */
  result(topN: number, pathsN = topN): { summary: TrafficSummary; top: TopTables } {
    this.flushMinute();
    const classes = new Map<string, number>();
    const statusRows: [number, number][] = [];
    this.statuses.forEach((n, st) => {
      if (n === 0) return;
      const cls = st === 1000 ? 'none' : st >= 100 && st < 600 ? `${Math.floor(st / 100)}xx` : 'other';
      classes.set(cls, (classes.get(cls) ?? 0) + n);
      statusRows.push([st === 1000 ? -1 : st, n]);
    });
    const perMin = [...this.perMinute.entries()].sort((a, b) => a[0] - b[0]);
    // Minutes with no requests inside the range count as zero for the median.
    const span = perMin.length ? (perMin[perMin.length - 1]?.[0] ?? 0) - (perMin[0]?.[0] ?? 0) + 1 : 0;
    // The empty minutes are not materialized (a stray timestamp years away must not allocate millions of zeros):
    // the k-th smallest of the whole range is 0 while k < zeros, else the (k - zeros)-th active count.
    const active = perMin.map((e) => e[1]).sort((a, b) => a - b);
    const zeros = span - active.length;
    const kth = (k: number): number => (k < zeros ? 0 : (active[k - zeros] ?? 0));
    let peak = 0;
    let peakMinute: number | null = null;
    for (const [m, c] of perMin) if (c > peak) { peak = c; peakMinute = m * 60_000; }
    const median = span ? (span % 2 ? kth((span - 1) / 2) : (kth(span / 2 - 1) + kth(span / 2)) / 2) : 0;
    const status_classes: Record<string, number> = {};
    for (const c of CLASSES) {
      const n = classes.get(c);
      if (n) status_classes[c] = n;
    }
    const top_status = statusRows
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, topN)
      .map(([s, n]) => ({ status: s < 0 ? null : s, requests: n }));
    const rows = (t: TopCounter, n = topN): TopRow[] => t.top(n).map(([key, n]) => ({ key, requests: n, share: this.requests ? round4(n / this.requests) : 0 }));
    return {
      summary: {
        requests: this.requests,
        unique_clients: this.uniqueClients(),
        time_range: this.requests ? { start: this.minMs, end: this.maxMs } : null,
        requests_per_minute: { peak, peak_minute: peakMinute, median, mean: span ? roundRate(this.requests / span) : 0 },
        status_classes,
        top_status,
        bytes: { in: this.bytesInLogged ? this.bytesIn : null, out: this.bytesOutLogged ? this.bytesOut : null },
        latency: { total: percentiles(this.total), backend: percentiles(this.backend) },
      },
      top: {
        clients: rows(this.clients),
        paths: this.pathRows(pathsN),
        hosts: rows(this.topHosts),
        user_agents: rows(this.topAgents),
        backends: rows(this.topBackends),
        error_paths: rows(this.topErrorPaths),
        referrers: rows(this.topReferrers),
      },
    };
  }
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Two decimals, or three significant digits below 1 (a sparse log over years averages 0.0022/min, not 0). */
function roundRate(x: number): number {
  return x >= 1 || x === 0 ? round2(x) : Number(x.toPrecision(3));
}

