/**
 * Latency of each endpoint per bucket (lingering-endpoint's state): per endpoint per bucket, a coarse histogram of
 * its dynamic requests' latency (backend time, else total time), the earliest requests of SLOW_MS or more (evidence)
 * and, with geo data, a per-country ladder (aggregate/ladder.ts). A LatencyBuckets keyed by endpoint
 * (aggregate/latency-buckets.ts), with its memory bounds: `maxEndpoints` endpoints, the busiest.
 */
import { CoarseHistogram } from '../core/histogram';
import type { EnrichedRecord } from '../enrich/types';
import { LatencyBuckets, type LatencyBucketsJson } from './latency-buckets';
import type { EvidenceOrder, Mergeable } from './types';

/** Latency (ms) from which a request is kept as evidence of a slow bucket. */
export const SLOW_MS = 1000;

export interface EndpointLatencyOptions {
  readonly bucketMs: number;
  readonly maxEndpoints: number;
  readonly evidenceLimit: number;
  /** Count per-country ladders (geo data is loaded). */
  readonly geo: boolean;
}

export interface EndpointLatencyJson {
  readonly kind: 'endpoint-latency';
  readonly endpoints: LatencyBucketsJson;
}

export class EndpointLatency implements Mergeable<EndpointLatency, EndpointLatencyJson> {
  constructor(readonly endpoints: LatencyBuckets) {}

  /** An empty state. */
  static create(o: EndpointLatencyOptions): EndpointLatency {
    return new EndpointLatency(new LatencyBuckets({
      bucketMs: o.bucketMs, maxSeries: o.maxEndpoints, slowMs: SLOW_MS, evidenceLimit: o.evidenceLimit, ladders: o.geo, clients: 0, countries: false,
    }));
  }

  get bucketMs(): number {
    return this.endpoints.options.bucketMs;
  }

  /** Counts one record (dynamic requests with a latency). */
  add(r: EnrichedRecord): void {
    const ms = r.backendMs ?? r.durationMs;
    if (ms === null || r.isStatic) return;
    this.endpoints.add(r.endpoint, r, ms, CoarseHistogram.binOf(ms));
  }

  merge(other: EndpointLatency, order: EvidenceOrder): void {
    this.endpoints.merge(other.endpoints, order);
  }

  /** Maps every endpoint through `map` (the run's final endpoints); endpoints that become one merge. */
  rekey(map: (key: string) => string, order: EvidenceOrder): void {
    this.endpoints.rekey(map, order);
  }

  toJSON(): EndpointLatencyJson {
    return { kind: 'endpoint-latency', endpoints: this.endpoints.toJSON() };
  }

  static fromJSON(j: EndpointLatencyJson): EndpointLatency {
    return new EndpointLatency(LatencyBuckets.fromJSON(j.endpoints));
  }
}
