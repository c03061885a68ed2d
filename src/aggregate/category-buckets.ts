/**
 * The client mix over time: per dimension (user-agent family and device type, counted per session; HTTP protocol
 * and TLS version, counted per request) and per 10-minute bucket, a count per category. The client-mix judge
 * compares the first and the last third of the period (detect/client-mix.ts).
 * Memory: per dimension at most `keep` categories (the busiest kept, CappedMap's policy: an evicted category's
 * counts move to OTHER in every bucket), so buckets × `keep` counts per dimension at most.
 * Mergeable and serializable (aggregate/types.ts); below the cap, merged shards equal one pass.
 */
import { CappedMap, addCapStats, type CapStats } from '../core/capped';
import type { EnrichedRecord } from '../enrich/types';
import type { Session } from '../sessions/types';
import type { Mergeable } from './types';

export type MixDim = 'family' | 'device' | 'protocol' | 'tls';
export const MIX_DIMS: readonly MixDim[] = ['family', 'device', 'protocol', 'tls'];
export const MIX_BUCKET_MS = 10 * 60_000;
/** Where counts of categories past the cap go. */
export const OTHER = '(other)';

/** One dimension: counts per bucket and category, and each category's total (its weight against the cap). */
interface Dimension {
  readonly buckets: Map<number, Map<string, number>>;
  readonly totals: CappedMap<{ n: number }>;
  /** Counts moved to OTHER because their category was evicted. */
  evictedCounts: number;
  /**
   * The bucket and counts, and the category and total, bumped last: records come in runs of one bucket, and mostly
   * of one protocol and TLS version. Only an add evicts totals, and the entry it adds (never evicted by it) becomes the
   * cached one, so the cached total is always held.
   */
  lastBucket: number;
  lastCounts: Map<string, number> | null;
  lastCategory: string | null;
  lastTotal: { n: number } | null;
}

export interface CategoryBucketsJson {
  readonly kind: 'category-buckets';
  readonly keep: number;
  /** The records' first and last bucket (null: no record). */
  readonly range: readonly [number, number] | null;
  readonly dims: Readonly<Record<MixDim, { readonly buckets: readonly (readonly [number, readonly (readonly [string, number])[]])[]; readonly evicted_counts: number; readonly stats: CapStats }>>;
}

export class CategoryBuckets implements Mergeable<CategoryBuckets, CategoryBucketsJson> {
  private readonly dims: Readonly<Record<MixDim, Dimension>>;
  minBucket = Number.POSITIVE_INFINITY;
  maxBucket = Number.NEGATIVE_INFINITY;

  constructor(readonly keep: number) {
    this.dims = { family: this.newDimension(), device: this.newDimension(), protocol: this.newDimension(), tls: this.newDimension() };
  }

  private newDimension(): Dimension {
    const dim: Dimension = {
      buckets: new Map(),
      totals: new CappedMap<{ n: number }>({
        cap: this.keep,
        weight: (t) => t.n,
        // An evicted category's counts go to OTHER in every bucket: totals stay exact, the category is no longer named.
        onEvict: (key) => {
          for (const counts of dim.buckets.values()) {
            const n = counts.get(key);
            if (n === undefined) continue;
            counts.delete(key);
            counts.set(OTHER, (counts.get(OTHER) ?? 0) + n);
            dim.evictedCounts += n;
          }
        },
      }),
      evictedCounts: 0,
      lastBucket: Number.NaN,
      lastCounts: null,
      lastCategory: null,
      lastTotal: null,
    };
    return dim;
  }

  /** Counts a record's protocol and TLS version. */
  addRecord(r: EnrichedRecord): void {
    const b = Math.floor(r.startMs / MIX_BUCKET_MS);
    // The period is the records' (a session starts at one of them).
    if (b < this.minBucket) this.minBucket = b;
    if (b > this.maxBucket) this.maxBucket = b;
    this.bump('protocol', b, r.protocol ?? 'unknown', 1);
    if (r.tlsProtocol !== null) this.bump('tls', b, r.tlsProtocol, 1);
  }

  /** Counts a session's agent family (tools as `tool:<family>`) and device type. */
  addSession(s: Session): void {
    const b = Math.floor(s.startMs / MIX_BUCKET_MS);
    this.bump('family', b, s.clientClass === 'tool' ? `tool:${s.agentFamily}` : s.agentFamily, 1);
    this.bump('device', b, s.device, 1);
  }

  private bump(dim: MixDim, b: number, category: string, n: number): void {
    const d = this.dims[dim];
    if (category !== OTHER) {
      if (category === d.lastCategory && d.lastTotal !== null) d.lastTotal.n += n;
      else {
        let t = d.totals.get(category);
        if (t === undefined) {
          t = { n };
          d.totals.add(category, t);
        } else t.n += n;
        d.lastCategory = category;
        d.lastTotal = t;
      }
    }
    let counts = b === d.lastBucket ? d.lastCounts : d.buckets.get(b);
    if (counts === undefined || counts === null) {
      counts = new Map();
      d.buckets.set(b, counts);
    }
    d.lastBucket = b;
    d.lastCounts = counts;
    counts.set(category, (counts.get(category) ?? 0) + n);
  }

  /**
   * The counts of a dimension per bucket, with every category but the `named` busiest (ties: by name) counted as
   * OTHER; and how many counts that folded (past the cap or past `named`).
   */
  series(dim: MixDim, named: number): { buckets: Map<number, Map<string, number>>; folded: number } {
    const d = this.dims[dim];
    const kept = new Set([...d.totals].sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, named).map(([k]) => k));
    let folded = d.evictedCounts;
    const buckets = new Map<number, Map<string, number>>();
    for (const [b, counts] of d.buckets) {
      const out = new Map<string, number>();
      for (const [k, n] of counts) {
        const key = k === OTHER || kept.has(k) ? k : OTHER;
        if (key !== k) folded += n;
        out.set(key, (out.get(key) ?? 0) + n);
      }
      buckets.set(b, out);
    }
    return { buckets, folded };
  }

  /** True once any dimension evicted a category. */
  get capped(): boolean {
    for (const d of Object.values(this.dims)) if (d.totals.stats.evicted > 0) return true;
    return false;
  }

  merge(other: CategoryBuckets): void {
    this.minBucket = Math.min(this.minBucket, other.minBucket);
    this.maxBucket = Math.max(this.maxBucket, other.maxBucket);
    for (const dim of MIX_DIMS) {
      const from = other.dims[dim];
      for (const [b, counts] of [...from.buckets].sort((x, y) => x[0] - y[0])) for (const [k, n] of counts) this.bump(dim, b, k, n);
      const into = this.dims[dim];
      into.evictedCounts += from.evictedCounts;
      addCapStats(into.totals.stats, { ...from.totals.stats, inserted: 0 });
    }
  }

  toJSON(): CategoryBucketsJson {
    const dims = {} as Record<MixDim, CategoryBucketsJson['dims'][MixDim]>;
    for (const dim of MIX_DIMS) {
      const d = this.dims[dim];
      dims[dim] = {
        buckets: [...d.buckets].sort((a, b) => a[0] - b[0]).map(([b, counts]): [number, [string, number][]] => [b, [...counts].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))]),
        evicted_counts: d.evictedCounts,
        stats: { ...d.totals.stats },
      };
    }
    return { kind: 'category-buckets', keep: this.keep, range: Number.isFinite(this.minBucket) ? [this.minBucket, this.maxBucket] : null, dims };
  }

  static fromJSON(j: CategoryBucketsJson): CategoryBuckets {
    const out = new CategoryBuckets(j.keep);
    if (j.range !== null) [out.minBucket, out.maxBucket] = j.range;
    for (const dim of MIX_DIMS) {
      const src = j.dims[dim];
      for (const [b, counts] of src.buckets) for (const [k, n] of counts) out.bump(dim, b, k, n);
      const d = out.dims[dim];
      d.evictedCounts = src.evicted_counts;
      Object.assign(d.totals.stats, src.stats);
    }
    return out;
  }
}
