/**
 * Regional and network views: traffic, clients, sessions, error rate and latency by country and by ASN, and the
 * change of each between the first and the last third of the period, so a region whose latency creeps up is
 * visible in a table before any detector speaks.
 * Memory: per entity two quantile sketches and a 1 KB HyperLogLog; per (entity, 15-minute bucket) that had traffic,
 * a 160-bin coarse latency histogram (±5% per bin). The table names the busiest `maxAsns` ASNs (300; ties by
 * key) and counts the others as "other", whatever order they came in; 4 × `maxAsns` are kept (CappedMap's policy:
 * an evicted ASN's numbers are folded into "other", so every located request is in the table). Countries need no
 * cap.
 * Mergeable (`merge`, `toJSON`, `fromJSON`): every figure is a count, a minimum or maximum, or a mergeable sketch
 * (quantiles, HyperLogLog, coarse histograms), so merged parts hold what one pass holds while the ASNs of the run
 * fit the 4 × `maxAsns` kept. Past that, which ASNs were evicted into "other" depends on where the cut fell (the
 * "other" row and the named rows near the cut can differ from one pass; the totals cannot).
 */
import { QuantileSketch, percentiles, type QuantileSketchJson } from '../core/quantile';
import { HyperLogLog } from '../core/hll';
import { CoarseHistogram, type CoarseHistogramJson } from '../core/histogram';
import type { EvidenceOrder } from '../aggregate/types';
import type { EnrichedRecord } from '../enrich/types';
import type { ClientCell } from '../enrich/client';
import type { Session } from '../sessions/types';
import type { GeoRow, GeoSection } from '../core/report-types';
import { CappedMap } from '../core/capped';

export type { GeoRow, GeoSection, ThirdsChange } from '../core/report-types';

const BUCKET_MS = 15 * 60_000;

interface BucketStats {
  requests: number;
  errors: number;
  readonly hist: CoarseHistogram;
}

interface EntityStats extends ClientCell {
  name: string | null;
  network: string | null;
  requests: number;
  errors: number;
  sessions: number;
  total: QuantileSketch;
  backend: QuantileSketch;
  clients: HyperLogLog;
  buckets: Map<number, BucketStats>;
  /** The bucket last counted into, and its stats. */
  lastBucket: number;
  last: BucketStats | null;
}

/** An entity as JSON: name, network, requests, errors, sessions, latency, backend latency, clients, [bucket, requests, errors, histogram] by bucket. */
type EntityJson = readonly [string | null, string | null, number, number, number, QuantileSketchJson, QuantileSketchJson, string, readonly (readonly [number, number, number, CoarseHistogramJson])[]];

/** A geo view as plain JSON (entities sorted by key). */
export interface GeoViewJson {
  readonly kind: 'geo-view';
  readonly data: readonly string[];
  readonly max_asns: number;
  readonly requests: number;
  readonly located: number;
  readonly special: number;
  readonly min_ms: number | null;
  readonly max_ms: number | null;
  readonly countries: readonly (readonly [string, EntityJson])[];
  readonly asns: readonly (readonly [string, EntityJson])[];
  /** The ASNs the cap evicted, folded together. */
  readonly evicted: EntityJson | null;
}

/** Accumulates the country and ASN views. */
export class GeoView {
  private readonly countries = new Map<string, EntityStats>();
  private readonly asns: CappedMap<EntityStats>;
  /** ASNs evicted from `asns`, folded together (part of the "other" row). */
  private evicted: EntityStats | null = null;
  private requests = 0;
  private located = 0;
  private special = 0;
  private minMs = Number.POSITIVE_INFINITY;
  private maxMs = Number.NEGATIVE_INFINITY;
  /** "AS<n>" strings by number, built once per ASN rather than once per record. */
  private readonly asnLabels = new Map<number, string>();

  constructor(private readonly dataInfo: readonly string[], private readonly maxAsns = 300) {
    this.asns = new CappedMap<EntityStats>({
      cap: maxAsns * 4,
      weight: (e) => e.requests,
      onEvict: (_key, e) => {
        this.evicted ??= newEntity(null, null);
        foldInto(this.evicted, e);
      },
    });
  }

  /** Adds one record (no-op without geo facts). */
  observe(r: EnrichedRecord): void {
    this.requests++;
    const g = r.geo;
    if (g === null) return;
    if (g.special !== null) {
      this.special++;
      return;
    }
    this.located++;
    const t = r.startMs;
    if (t < this.minMs) this.minMs = t;
    if (t > this.maxMs) this.maxMs = t;
    // The address's country entity, cached on its facts while this view's map holds it (enrich/client.ts:
    // ClientCell; countries are never evicted).
    const f = r.client !== null && r.client.geo === g ? r.client : null;
    // The duration's histogram bin, found once for both entities (one logarithm, not two).
    const bin = r.durationMs === null ? 0 : CoarseHistogram.binOf(r.durationMs);
    if (g.country !== null) {
      let e = f === null ? null : (f.country as EntityStats | null);
      if (e === null || e.owner !== this.countries) {
        e = this.entity(this.countries, g.country, null, null);
        e.owner = this.countries;
        if (f !== null) f.country = e;
      }
      this.add(e, r, bin);
    }
    // The ASN entity is looked up (not cached on the facts: an evicted ASN would stay alive through every address
    // of it the enricher holds).
    if (g.asn !== null) {
      let label = this.asnLabels.get(g.asn);
      if (label === undefined) {
        label = `AS${g.asn}`;
        if (this.asnLabels.size < 100_000) this.asnLabels.set(g.asn, label);
      }
      let e = this.asns.get(label);
      if (e === undefined) {
        e = newEntity(g.asOrg, g.network);
        this.asns.add(label, e);
      }
      this.add(e, r, bin);
    }
  }

  /** Counts a session for its country and ASN. */
  observeSession(s: Session): void {
    if (s.country !== null) {
      const e = this.countries.get(s.country);
      if (e) e.sessions++;
    }
    if (s.asn !== null) {
      const e = this.asns.get(`AS${s.asn}`);
      if (e) e.sessions++;
      else if (this.evicted !== null) this.evicted.sessions++;
    }
  }

  /**
   * Adds session counts tallied apart (a sharded run's joined sessions, analysis-join.ts) as observeSession would
   * have counted them once the records made the entries.
   */
  addSessions(countries: ReadonlyMap<string, number>, asns: ReadonlyMap<number, number>): void {
    for (const [c, n] of countries) {
      const e = this.countries.get(c);
      if (e) e.sessions += n;
    }
    for (const [a, n] of asns) {
      const e = this.asns.get(`AS${a}`);
      if (e) e.sessions += n;
      else if (this.evicted !== null) this.evicted.sessions += n;
    }
  }

  private entity(map: Map<string, EntityStats>, key: string, name: string | null, network: string | null): EntityStats {
    let e = map.get(key);
    if (e === undefined) {
      e = newEntity(name, network);
      map.set(key, e);
    }
    return e;
  }

  /** Counts a record into an entity; `bin` is its duration's histogram bin (CoarseHistogram.binOf; unused without a duration). */
  private add(e: EntityStats, r: EnrichedRecord, bin: number): void {
    e.requests++;
    const err = r.status !== null && r.status >= 400;
    if (err) e.errors++;
    if (r.durationMs !== null) e.total.add(r.durationMs);
    if (r.backendMs !== null) e.backend.add(r.backendMs);
    if (r.client !== null) e.clients.addHash(r.client.hash);
    else if (r.clientIp !== null) e.clients.add(r.clientIp);
    const b = Math.floor(r.startMs / BUCKET_MS);
    // Input is mostly in time order: the bucket of the entity's previous record usually is this one.
    let bs = b === e.lastBucket ? e.last : e.buckets.get(b);
    if (bs === undefined || bs === null) {
      bs = { requests: 0, errors: 0, hist: new CoarseHistogram() };
      e.buckets.set(b, bs);
    }
    e.lastBucket = b;
    e.last = bs;
    bs.requests++;
    if (err) bs.errors++;
    if (r.durationMs !== null) bs.hist.addBin(bin);
  }

  /** Adds another view (any part of the run, same data and cap) into this one. */
  merge(other: GeoView, _order?: EvidenceOrder): void {
    this.requests += other.requests;
    this.located += other.located;
    this.special += other.special;
    this.minMs = Math.min(this.minMs, other.minMs);
    this.maxMs = Math.max(this.maxMs, other.maxMs);
    for (const [k, e] of other.countries) {
      const mine = this.countries.get(k);
      if (mine === undefined) this.countries.set(k, foldInto(newEntity(e.name, e.network), e));
      else foldInto(mine, e);
    }
    for (const [k, e] of other.asns) {
      const mine = this.asns.get(k);
      if (mine === undefined) this.asns.add(k, foldInto(newEntity(e.name, e.network), e));
      else foldInto(mine, e);
    }
    if (other.evicted !== null) {
      this.evicted ??= newEntity(null, null);
      foldInto(this.evicted, other.evicted);
    }
  }

  /** Plain JSON (entities sorted by key): `GeoView.fromJSON` of it gives an equal view. */
  toJSON(): GeoViewJson {
    const sorted = (m: Iterable<[string, EntityStats]>): [string, EntityJson][] =>
      [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, e]) => [k, entityJson(e)]);
    return {
      kind: 'geo-view', data: this.dataInfo, max_asns: this.maxAsns, requests: this.requests, located: this.located, special: this.special,
      min_ms: Number.isFinite(this.minMs) ? this.minMs : null, max_ms: Number.isFinite(this.maxMs) ? this.maxMs : null,
      countries: sorted(this.countries), asns: sorted(this.asns), evicted: this.evicted === null ? null : entityJson(this.evicted),
    };
  }

  static fromJSON(j: GeoViewJson): GeoView {
    const v = new GeoView(j.data, j.max_asns);
    v.requests = j.requests;
    v.located = j.located;
    v.special = j.special;
    v.minMs = j.min_ms ?? Number.POSITIVE_INFINITY;
    v.maxMs = j.max_ms ?? Number.NEGATIVE_INFINITY;
    for (const [k, e] of j.countries) v.countries.set(k, entityOf(e));
    for (const [k, e] of j.asns) v.asns.add(k, entityOf(e));
    v.evicted = j.evicted === null ? null : entityOf(j.evicted);
    return v;
  }

  /** The section: top N countries and ASNs by requests, and the biggest p95 risers. */
  result(topN: number): GeoSection {
    const span = this.maxMs - this.minMs;
    const firstEnd = this.minMs + span / 3;
    const lastStart = this.maxMs - span / 3;
    const rows = (map: Map<string, EntityStats>): GeoRow[] =>
      [...map.entries()].map(([key, e]) => this.row(key, e, firstEnd, lastStart)).sort((a, b) => b.requests - a.requests || (a.key < b.key ? -1 : 1));
    const countries = rows(this.countries);
    // The busiest maxAsns ASNs by name; the others (and those the cap evicted) as one "other" row.
    const ranked = [...this.asns].sort((a, b) => b[1].requests - a[1].requests || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const named = new Map(ranked.slice(0, this.maxAsns));
    let other = this.evicted === null ? null : foldInto(newEntity(null, null), this.evicted);
    for (const [, e] of ranked.slice(this.maxAsns)) other = foldInto(other ?? newEntity(null, null), e);
    if (other !== null) named.set(OTHER, other);
    const asns = rows(named);
    const risers = [...countries, ...asns]
      .filter((r) => r.change !== null && r.change.requests_first >= 100 && r.change.requests_last >= 100 && r.change.p95_change !== null && r.change.p95_change > 0.1)
      .sort((a, b) => (b.change?.p95_change ?? 0) - (a.change?.p95_change ?? 0) || (a.key < b.key ? -1 : 1));
    return {
      data: this.dataInfo,
      located_requests: this.located,
      special_requests: this.special,
      countries: countries.slice(0, topN),
      asns: asns.slice(0, topN),
      latency_risers: risers.slice(0, topN),
    };
  }

  private row(key: string, e: EntityStats, firstEnd: number, lastStart: number): GeoRow {
    const tp = percentiles(e.total);
    const bp = percentiles(e.backend);
    const first = { requests: 0, errors: 0, hist: new CoarseHistogram() };
    const last = { requests: 0, errors: 0, hist: new CoarseHistogram() };
    for (const [b, s] of e.buckets) {
      const mid = (b + 0.5) * BUCKET_MS;
      const target = mid < firstEnd ? first : mid >= lastStart ? last : null;
      if (target === null) continue;
      target.requests += s.requests;
      target.errors += s.errors;
      target.hist.merge(s.hist);
    }
    const rate = (x: { requests: number; errors: number }): number | null => (x.requests ? round4(x.errors / x.requests) : null);
    const p95f = quantile1(first.hist, 0.95);
    const p95l = quantile1(last.hist, 0.95);
    return {
      key, name: e.name, network: e.network, requests: e.requests, share: this.located ? round4(e.requests / this.located) : 0,
      clients: e.clients.count(), sessions: e.sessions, error_rate: e.requests ? round4(e.errors / e.requests) : 0,
      p50_ms: tp.p50, p95_ms: tp.p95, backend_p50_ms: bp.p50, backend_p95_ms: bp.p95,
      change: key === OTHER ? null : {
        requests_first: first.requests, requests_last: last.requests, error_rate_first: rate(first), error_rate_last: rate(last),
        p50_ms_first: quantile1(first.hist, 0.5), p50_ms_last: quantile1(last.hist, 0.5), p95_ms_first: p95f, p95_ms_last: p95l,
        p95_change: p95f !== null && p95l !== null && p95f > 0 ? round4(p95l / p95f - 1) : null,
      },
    };
  }
}

function newEntity(name: string | null, network: string | null): EntityStats {
  return { name, network, requests: 0, errors: 0, sessions: 0, total: new QuantileSketch(), backend: new QuantileSketch(), clients: new HyperLogLog(), buckets: new Map(), lastBucket: Number.NaN, last: null, owner: null, cachedOn: null };
}

function entityJson(e: EntityStats): EntityJson {
  const buckets = [...e.buckets].sort((a, b) => a[0] - b[0]).map(([b, s]): [number, number, number, CoarseHistogramJson] => [b, s.requests, s.errors, s.hist.toJSON()]);
  return [e.name, e.network, e.requests, e.errors, e.sessions, e.total.toJSON(), e.backend.toJSON(), e.clients.toJSON(), buckets];
}

function entityOf(j: EntityJson): EntityStats {
  const [name, network, requests, errors, sessions, total, backend, clients, buckets] = j;
  const e = newEntity(name, network);
  e.requests = requests;
  e.errors = errors;
  e.sessions = sessions;
  e.total = QuantileSketch.fromJSON(total);
  e.backend = QuantileSketch.fromJSON(backend);
  e.clients = HyperLogLog.fromJSON(clients);
  for (const [b, n, errs, hist] of buckets) e.buckets.set(b, { requests: n, errors: errs, hist: CoarseHistogram.fromJSON(hist) });
  return e;
}

/** Adds `from`'s numbers into `into` (returns `into`). */
function foldInto(into: EntityStats, from: EntityStats): EntityStats {
  into.requests += from.requests;
  into.errors += from.errors;
  into.sessions += from.sessions;
  into.total.merge(from.total);
  into.backend.merge(from.backend);
  into.clients.merge(from.clients);
  for (const [b, s] of from.buckets) {
    let mine = into.buckets.get(b);
    if (mine === undefined) {
      mine = { requests: 0, errors: 0, hist: new CoarseHistogram() };
      into.buckets.set(b, mine);
    }
    mine.requests += s.requests;
    mine.errors += s.errors;
    mine.hist.merge(s.hist);
  }
  into.lastBucket = Number.NaN;
  into.last = null;
  return into;
}

/** The ASN row of every ASN past the ones named. */
const OTHER = 'other';

/** A coarse histogram's quantile rounded to 0.1 ms (the bin midpoint; bins are ±5% wide). */
function quantile1(h: CoarseHistogram, q: number): number | null {
  const v = h.quantile(q);
  return v === null ? null : Math.round(v * 10) / 10;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
