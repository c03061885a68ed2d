/**
 * The query strings of each path, for the top-paths table: a path whose query takes few values (a blog's
 * `/?flav=rss20` and `/?flav=atom` feeds) is shown per query, each variant that carries a real share of the path's
 * requests as its own row (`/?flav=rss20`); a path whose query takes many values (search terms, cache busters,
 * tokens) stays one row, query stripped.
 * Memory: at most MAX_PATHS paths (later paths are not split), each with at most MAX_QUERIES distinct queries of at
 * most MAX_QUERY_CHARS characters; a path past either bound is marked overflowed and its queries dropped.
 * Mergeable: counts add, a path overflows when the union of its queries does, so merged parts give what one pass
 * gives while fewer than MAX_PATHS paths carried a query (past it, which paths were tracked depends on the order).
 */
import { detach } from '../core/text';

/** Distinct queries of a path beyond which it is shown without its query. */
export const MAX_QUERIES = 20;
/** Paths whose queries are tracked. */
export const MAX_PATHS = 5000;
/** A longer query is no variant a person reads in a table (it overflows its path). */
export const MAX_QUERY_CHARS = 200;
/** Share of a path's requests a query variant needs for a row of its own. */
export const MIN_VARIANT_SHARE = 0.05;

/** Per path: null when overflowed, else the count of each query. */
type Queries = Map<string, number> | null;

/** [path, queries (null: overflowed) as [query, requests] sorted by query], sorted by path. */
export type PathQueriesJson = readonly (readonly [string, readonly (readonly [string, number])[] | null])[];

export class PathQueries {
  private readonly paths = new Map<string, Queries>();

  /** Counts one request of `path` with `query` (not null). */
  add(path: string, query: string, n = 1): void {
    let q = this.paths.get(path);
    if (q === undefined) {
      if (this.paths.size >= MAX_PATHS) return;
      q = new Map();
      this.paths.set(detach(path), q);
    }
    if (q === null) return;
    const c = q.get(query);
    if (c !== undefined) {
      q.set(query, c + n);
      return;
    }
    if (q.size >= MAX_QUERIES || query.length > MAX_QUERY_CHARS) {
      this.paths.set(path, null);
      return;
    }
    q.set(detach(query), n);
  }

  /** Adds another part of the run. */
  merge(other: PathQueriesJson): void {
    for (const [path, qs] of other) {
      if (qs === null) {
        if (this.paths.has(path) || this.paths.size < MAX_PATHS) this.paths.set(path, null);
        continue;
      }
      for (const [q, n] of qs) this.add(path, q, n);
    }
  }

  toJSON(): PathQueriesJson {
    const byKey = <T>(a: readonly [string, T], b: readonly [string, T]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
    return [...this.paths].sort(byKey).map(([p, q]) => [p, q === null ? null : [...q].sort(byKey)] as const);
  }

  /**
   * The rows of a path counted `requests` times in all: one per query variant with at least MIN_VARIANT_SHARE of
   * them (key "path?query"), and the path itself with the rest; just the path when its queries overflowed or none
   * carries that share.
   */
  split(path: string, requests: number): [string, number][] {
    const q = this.paths.get(path);
    if (q === undefined || q === null) return [[path, requests]];
    const out: [string, number][] = [];
    let rest = requests;
    for (const [query, n] of q) {
      if (n >= requests * MIN_VARIANT_SHARE && n <= rest) {
        out.push([`${path}?${query}`, n]);
        rest -= n;
      }
    }
    if (out.length === 0) return [[path, requests]];
    if (rest > 0) out.push([path, rest]);
    return out;
  }
}
