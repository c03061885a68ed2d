/**
 * Latency per key per time bucket: for each key (an endpoint, a country, an ASN, all traffic) and each bucket of
 * `bucketMs`, a coarse latency histogram (core/histogram.ts) and, as its judges need them, the earliest slow requests
 * (evidence), per-country request counts at a few latency steps (a ladder) and the smallest client-address hashes (a
 * bottom-k sample: as many distinct clients as it holds, up to k, whatever order they came in). EndpointLatency
 * (lingering-endpoint's state) and RegionLatency (regional-creep's) are built on it, in the files beside this one.
 * Memory: cells exist only for buckets a key had requests; at most `maxSeries` keys (the busiest kept: the lightest
 * are evicted and counted, CappedMap's policy); per cell a 640-byte histogram and, when asked for, at most
 * `evidenceLimit` references, LADDER_COUNTRIES countries × 7 counts (the lightest folded into OTHER) and `clients`
 * hashes.
 * Mergeable and serializable (aggregate/types.ts): below the caps, merged shards equal one pass.
 */
import type { SourceRef } from '../core/types';
import { CappedMap, addCapStats, noCapStats, type CapStats } from '../core/capped';
import { CoarseHistogram, type CoarseHistogramJson } from '../core/histogram';
import { hash32 } from '../core/hll';
import { detach } from '../core/text';
import { rekeyEntries } from '../core/rekey';
import type { EnrichedRecord } from '../enrich/types';
import { Ladder, type LadderJson } from './ladder';
import { mergeEvidence, type EvidenceOrder, type Mergeable } from './types';

/** What a LatencyBuckets counts besides the histogram (plain data: it is part of the JSON form). */
export interface LatencyBucketsOptions {
  readonly bucketMs: number;
  /** Keys kept at most (the busiest). */
  readonly maxSeries: number;
  /** Requests at or above this latency (ms) are a cell's evidence, the earliest `evidenceLimit`; null: none kept. */
  readonly slowMs: number | null;
  readonly evidenceLimit: number;
  /** Per-country ladders per cell (see ./ladder.ts). */
  readonly ladders: boolean;
  /** Smallest client hashes kept per cell (0: none). */
  readonly clients: number;
  /** Requests per country per key (over all its buckets). */
  readonly countries: boolean;
}

/** One key's bucket. */
export interface LatencyCell {
  readonly hist: CoarseHistogram;
  /** The earliest slow requests (input order); null until the first. */
  evidence: SourceRef[] | null;
  /** Requests per country at the ladder's steps; null unless the options ask for ladders. */
  readonly ladder: Ladder | null;
  /** The smallest distinct client hashes, ascending; null unless the options ask for clients. */
  clients: number[] | null;
}

/** A key's series: its cells by bucket, its requests in all (its weight against the cap). */
export interface LatencySeries {
  readonly cells: Map<number, LatencyCell>;
  requests: number;
  /** Requests per country (those with one); null unless the options ask for it. */
  readonly countries: Map<string, number> | null;
  /** The bucket and cell last counted into (input is mostly in time order: most records need no lookup). */
  lastBucket: number;
  lastCell: LatencyCell | null;
}

/** A cell as JSON: [bucket, histogram, evidence as [file, line] or null, ladder or null, client hashes or null]. */
export type LatencyCellJson = readonly [number, CoarseHistogramJson, readonly (readonly [string, number])[] | null, LadderJson | null, readonly number[] | null];

/** Serialized form; keys ascending, each with its requests per country (or null) and its cells by bucket. */
export interface LatencyBucketsJson {
  readonly kind: 'latency-buckets';
  readonly options: LatencyBucketsOptions;
  readonly series: readonly (readonly [string, readonly (readonly [string, number])[] | null, readonly LatencyCellJson[]])[];
  readonly stats: CapStats;
  /** Countries folded into OTHER by full ladders. */
  readonly ladderEvictions: number;
}

/** The hash a client is counted by (the enricher's, computed once per address); null without a client address. */
function clientHash(r: EnrichedRecord): number | null {
  if (r.client !== null) return r.client.hash;
  return r.clientIp === null ? null : hash32(r.clientIp);
}

export class LatencyBuckets implements Mergeable<LatencyBuckets, LatencyBucketsJson> {
  readonly series: CappedMap<LatencySeries>;
  /** Countries folded into OTHER by full ladders. */
  ladderEvictions = 0;
  /** The key and series last counted into (keys are often the same string object: one all-traffic key, interned codes). */
  private lastKey: string | null = null;
  private lastSeries: LatencySeries | null = null;

  constructor(readonly options: LatencyBucketsOptions) {
    this.series = new CappedMap<LatencySeries>({ cap: options.maxSeries, weight: (s) => s.requests });
  }

  /** Counts one request of `key` with latency `ms` (in histogram bin `bin`, CoarseHistogram.binOf(ms)). */
  add(key: string, r: EnrichedRecord, ms: number, bin: number): void {
    const o = this.options;
    let s = key === this.lastKey ? this.lastSeries : this.series.get(key);
    if (s === undefined || s === null) {
      s = newSeries(o);
      // Adding may evict other series (never the one cached after this line).
      this.series.add(detach(key), s);
    }
    this.lastKey = key;
    this.lastSeries = s;
    const b = Math.floor(r.startMs / o.bucketMs);
    let c = s.lastBucket === b ? s.lastCell : s.cells.get(b);
    if (c === undefined || c === null) {
      c = newCell(o);
      s.cells.set(b, c);
    }
    s.lastBucket = b;
    s.lastCell = c;
    s.requests++;
    c.hist.addBin(bin);
    if (o.slowMs !== null && ms >= o.slowMs) {
      c.evidence ??= [];
      if (c.evidence.length < o.evidenceLimit) c.evidence.push(r.source);
    }
    const country = r.geo === null ? null : r.geo.country;
    if (c.ladder !== null) this.ladderEvictions += c.ladder.add(country, ms);
    if (c.clients !== null) {
      const h = clientHash(r);
      if (h !== null) addHash(c.clients, h, o.clients);
    }
    if (s.countries !== null && country !== null) s.countries.set(country, (s.countries.get(country) ?? 0) + 1);
  }

  /** The series of `key`, if kept. */
  get(key: string): LatencySeries | undefined {
    return this.series.get(key);
  }

  /** Keys with their series, the busiest first (ties: by key), at most `n`. */
  busiest(n: number): [string, LatencySeries][] {
    return [...this.series].sort((a, b) => b[1].requests - a[1].requests || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, n);
  }

  merge(other: LatencyBuckets, order: EvidenceOrder): void {
    if (other.options.bucketMs !== this.options.bucketMs) throw new Error(`latency buckets of ${other.options.bucketMs} ms merged into buckets of ${this.options.bucketMs} ms`);
    for (const [key, s] of other.series) {
      let mine = this.series.get(key);
      if (mine === undefined) {
        mine = newSeries(this.options);
        this.series.add(key, mine);
      }
      this.mergeSeries(mine, s, order);
    }
    // Keys new to this side were counted as inserted by add(); the other side's evictions add up.
    addCapStats(this.series.stats, { ...other.series.stats, inserted: 0 });
    this.ladderEvictions += other.ladderEvictions;
    this.lastKey = null;
    this.lastSeries = null;
  }

  /**
   * Maps every key through `map`; series whose keys become one merge (as `merge` merges a shard's), evidence by
   * `order`. Used to apply the run's final routes (core/rekey.ts).
   */
  rekey(map: (key: string) => string, order: EvidenceOrder): void {
    if (rekeyEntries(this.series, map, (into, from) => this.mergeSeries(into, from, order)) === 0) return;
    this.lastKey = null;
    this.lastSeries = null;
  }

  private mergeSeries(into: LatencySeries, from: LatencySeries, order: EvidenceOrder): void {
    const o = this.options;
    for (const [b, c] of from.cells) {
      let mine = into.cells.get(b);
      if (mine === undefined) {
        mine = newCell(o);
        into.cells.set(b, mine);
      }
      mine.hist.merge(c.hist);
      if (c.evidence !== null) mine.evidence = mergeEvidence(mine.evidence ?? [], c.evidence, o.evidenceLimit, order);
      if (mine.ladder !== null && c.ladder !== null) this.ladderEvictions += mine.ladder.merge(c.ladder);
      if (mine.clients !== null && c.clients !== null) mine.clients = mergeHashes(mine.clients, c.clients, o.clients);
    }
    if (into.countries !== null && from.countries !== null) for (const [k, n] of from.countries) into.countries.set(k, (into.countries.get(k) ?? 0) + n);
    into.requests += from.requests;
    into.lastBucket = Number.NaN;
    into.lastCell = null;
  }

  toJSON(): LatencyBucketsJson {
    const byKey = <T>(a: readonly [string, T], b: readonly [string, T]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
    return {
      kind: 'latency-buckets',
      options: { ...this.options },
      series: [...this.series].sort(byKey).map(([key, s]) => [
        key,
        s.countries === null ? null : [...s.countries].sort(byKey),
        [...s.cells].sort((a, b) => a[0] - b[0]).map(([b, c]): LatencyCellJson => [
          b,
          c.hist.toJSON(),
          c.evidence === null ? null : c.evidence.map((e): [string, number] => [e.file, e.line]),
          c.ladder === null ? null : c.ladder.toJSON(),
          c.clients === null ? null : [...c.clients],
        ]),
      ]),
      stats: { ...this.series.stats },
      ladderEvictions: this.ladderEvictions,
    };
  }

  static fromJSON(j: LatencyBucketsJson): LatencyBuckets {
    const out = new LatencyBuckets(j.options);
    for (const [key, countries, cells] of j.series) {
      const s = newSeries(j.options);
      for (const [k, n] of countries ?? []) s.countries?.set(k, n);
      for (const [b, hist, evidence, ladder, clients] of cells) {
        const c: LatencyCell = {
          hist: CoarseHistogram.fromJSON(hist),
          evidence: evidence === null ? null : evidence.map(([file, line]) => ({ file, line })),
          ladder: j.options.ladders ? (ladder === null ? new Ladder() : Ladder.fromJSON(ladder)) : null,
          clients: j.options.clients > 0 ? [...(clients ?? [])].sort((x, y) => x - y).slice(0, j.options.clients) : null,
        };
        s.cells.set(b, c);
        s.requests += c.hist.count;
      }
      out.series.add(key, s);
    }
    Object.assign(out.series.stats, noCapStats(), j.stats);
    out.ladderEvictions = j.ladderEvictions;
    return out;
  }
}

function newSeries(o: LatencyBucketsOptions): LatencySeries {
  return { cells: new Map(), requests: 0, countries: o.countries ? new Map() : null, lastBucket: Number.NaN, lastCell: null };
}

function newCell(o: LatencyBucketsOptions): LatencyCell {
  return { hist: new CoarseHistogram(), evidence: null, ladder: o.ladders ? new Ladder() : null, clients: o.clients > 0 ? [] : null };
}

/** Adds `h` to `list` (the smallest distinct hashes, ascending, at most `k`). */
export function addHash(list: number[], h: number, k: number): void {
  const n = list.length;
  if (n >= k && h >= (list[n - 1] ?? 0)) return;
  let i = n;
  while (i > 0 && (list[i - 1] ?? 0) > h) i--;
  if (i > 0 && list[i - 1] === h) return;
  list.splice(i, 0, h);
  if (list.length > k) list.pop();
}

/** The smallest `k` distinct hashes of two ascending lists. */
export function mergeHashes(a: readonly number[], b: readonly number[], k: number): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (out.length < k && (i < a.length || j < b.length)) {
    const x = a[i] ?? Number.POSITIVE_INFINITY;
    const y = b[j] ?? Number.POSITIVE_INFINITY;
    const v = Math.min(x, y);
    if (x === v) i++;
    if (y === v) j++;
    out.push(v);
  }
  return out;
}
