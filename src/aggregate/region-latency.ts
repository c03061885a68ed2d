/**
 * Latency of each client region per bucket (regional-creep's state), for requests with geo data: per country, per
 * ASN and for all of them together, per bucket a coarse histogram of their total time and, per country and ASN, the
 * CLIENTS smallest client hashes (how many distinct clients a bucket had, up to that many), and per ASN its requests
 * per country (its home). Three LatencyBuckets (aggregate/latency-buckets.ts): all traffic under the key ALL;
 * countries (bounded by the geo data's codes); ASNs by number (decimal), at most `maxAsns`, the busiest.
 */
import { CoarseHistogram } from '../core/histogram';
import type { EnrichedRecord } from '../enrich/types';
import { LatencyBuckets, type LatencyBucketsJson, type LatencyBucketsOptions } from './latency-buckets';
import type { EvidenceOrder, Mergeable } from './types';

/** The key of the all-traffic series. */
export const ALL = 'all';
/** Country series kept at most (more than there are country codes). */
const MAX_COUNTRIES = 1024;

export interface RegionLatencyOptions {
  readonly bucketMs: number;
  readonly maxAsns: number;
  /** Distinct clients counted per bucket, up to. */
  readonly clients: number;
}

export interface RegionLatencyJson {
  readonly kind: 'region-latency';
  readonly all: LatencyBucketsJson;
  readonly countries: LatencyBucketsJson;
  readonly asns: LatencyBucketsJson;
}

export class RegionLatency implements Mergeable<RegionLatency, RegionLatencyJson> {
  constructor(readonly all: LatencyBuckets, readonly countries: LatencyBuckets, readonly asns: LatencyBuckets) {}

  /** An empty state. */
  static create(o: RegionLatencyOptions): RegionLatency {
    const base: LatencyBucketsOptions = { bucketMs: o.bucketMs, maxSeries: 1, slowMs: null, evidenceLimit: 0, ladders: false, clients: 0, countries: false };
    return new RegionLatency(
      new LatencyBuckets(base),
      new LatencyBuckets({ ...base, maxSeries: MAX_COUNTRIES, clients: o.clients }),
      new LatencyBuckets({ ...base, maxSeries: o.maxAsns, clients: o.clients, countries: true }),
    );
  }

  get bucketMs(): number {
    return this.all.options.bucketMs;
  }

  /** Counts one record (dynamic requests with a total time and geo data). */
  add(r: EnrichedRecord): void {
    const g = r.geo;
    const ms = r.durationMs;
    if (g === null || ms === null || r.isStatic) return;
    const bin = CoarseHistogram.binOf(ms);
    this.all.add(ALL, r, ms, bin);
    if (g.country !== null) this.countries.add(g.country, r, ms, bin);
    if (g.asn !== null) this.asns.add(r.client?.asnKey ?? String(g.asn), r, ms, bin);
  }

  merge(other: RegionLatency, order: EvidenceOrder): void {
    this.all.merge(other.all, order);
    this.countries.merge(other.countries, order);
    this.asns.merge(other.asns, order);
  }

  toJSON(): RegionLatencyJson {
    return { kind: 'region-latency', all: this.all.toJSON(), countries: this.countries.toJSON(), asns: this.asns.toJSON() };
  }

  static fromJSON(j: RegionLatencyJson): RegionLatency {
    return new RegionLatency(LatencyBuckets.fromJSON(j.all), LatencyBuckets.fromJSON(j.countries), LatencyBuckets.fromJSON(j.asns));
  }
}
