/**
 * Route templating: collapse identifiers in paths so endpoints aggregate.
 *   /api/v1/products/8812            → /api/v1/products/:id
 *   /u/3f2a9c1e-...-...-...-...      → /u/:uuid
 *   /blob/9f86d081884c7d659a2feaa0c5 → /blob/:hash
 *   /reset/eyJhbGciOiJIUzI1NiJ9.x.y  → /reset/:token
 *   /users/ann@example.com           → /users/:email
 *   /archive/2024-03-10              → /archive/:date
 * User patterns (`--route '/users/:name/repos'`) win over the built-in rules. A cardinality guard (route-guard.ts)
 * collapses a position that still explodes (more than `maxDistinct` distinct values under one parent) into `:var` and
 * reports it. The decision is a function of the set of paths, not of their order: a route made before its position
 * collapsed maps to the collapsed one through `finalRoute`, which the run applies to every route- or endpoint-keyed
 * state before it reports (analysis-core.ts), and guards of parts of a run merge to the guard of one pass.
 * Memory: the template cache holds at most `cacheSize` paths and `maxChars` characters of them (then it is cleared),
 * a front memo of 65,536 of its entries and one string per distinct route among them;
 * the guard keeps at most `maxDistinct` values for at most `maxParents` parents, and at most `maxValues` values and
 * `maxChars` characters of values in all: a parent whose new value would pass that budget is collapsed early
 * (freeing its values), and the run says so (CAP_REACHED). These caps are order-dependent (which parent meets them
 * first depends on the order of the paths): they are caps, not decisions, and the run names them.
 * Hostile paths: a route is built from at most ROUTE_PATH_CHARS characters and ROUTE_SEGMENTS segments of a path (the
 * rest shows as `/…`), and every segment test runs in time linear in the segment.
 */
import { exploitOfPath } from './exploits';
import { detach, FrontCache } from '../core/text';
import type { TopCell, TopSlot } from '../core/top';
import { classifyPath, NO_PATH_CLASS, pathIdentifier } from './path-class';
import { isTemplateSegment, RouteGuard, type GuardNode, type RouteGuardJson } from './route-guard';

/** Options for templating. */
export interface RouteOptions {
  /** User patterns like "/users/:name/repos" (":x" matches one segment, "*" the rest). */
  readonly patterns: readonly string[];
  /** Distinct values allowed at one position under one parent before it is collapsed (default 1000). */
  readonly maxDistinct?: number;
}

/**
 * A path's template, with the path itself as a standalone string (the cache's own copy), and the cells the traffic
 * summary counts the path in (core/top.ts TopSlot: `top` of its paths table; `errTop` of its error paths table, the
 * key "<errStatus> <path>").
 */
export interface PathEntry extends TopSlot {
  readonly path: string;
  readonly route: string;
  /** The path's class for the scanner (enrich/path-class.ts). */
  readonly cls: number;
  /** The path's identifier for api-abuse, or -1 (enrich/path-class.ts). */
  readonly id: number;
  /** isStaticAsset of the path. */
  readonly isStatic: boolean;
  /** The known exploit pattern the path carries (enrich/exploits.ts exploitOfPath: an index into EXPLOITS), or -1. */
  readonly exploit: number;
  /** The endpoint of the last method seen with this path (the enricher's cache: most paths see one method). */
  epMethod: string | null;
  ep: string | null;
  errStatus: number;
  errTop: TopCell | null;
  /** The PathStore generation in which `route` was made (see PathStore); 0 outside a store. */
  gen: number;
}

/**
 * A templater's cache of path entries, kept by a worker thread from one task to the next (each task has a templater
 * of its own, with a fresh cardinality guard). A templater made on a store starts a new generation: an entry of an
 * earlier one is made again from its path at its first use (build: the new guard sees the path, exactly when a fresh
 * cache would miss), and kept when its route is the same; the path's copy and its classifications (functions of the
 * path alone) are not computed again. The store also counts what a fresh cache would hold, and clears itself when
 * that one would: every path reaches the guard exactly as often as with a cache of the templater's own.
 */
export interface PathStore {
  readonly cache: Map<string, PathEntry>;
  readonly front: FrontCache<PathEntry>;
  readonly routes: Map<string, string>;
  /** The current generation, and the entries made or checked in it (their count and characters). */
  gen: number;
  live: number;
  liveChars: number;
  /** Characters of the paths in `cache`. */
  chars: number;
}

/** An empty store (see PathStore). */
export function createPathStore(): PathStore {
  // Popular paths are found in `front` without hashing them (core/text.ts). A miss costs about four times a hit (the
  // Map hashes the whole new string): in a replay of the 1M-line bench log's paths (45,069 distinct) 65,536 slots find
  // 89.5% of lines there, 16,384 slots 79% (512 KB against 128 KB of slots).
  return { cache: new Map(), front: new FrontCache<PathEntry>(65_536, 24), routes: new Map(), gen: 1, live: 0, liveChars: 0, chars: 0 };
}

/** Drops the counter cells a store's entries keep (between tasks: the last task's tables are not held alive). */
export function releasePathStore(store: PathStore): void {
  for (const e of store.cache.values()) {
    e.top = null;
    e.errTop = null;
  }
}

/** A stateful templater (per run): holds the cache and the cardinality guard. */
export interface RouteTemplater {
  template(path: string): string;
  /** The template and the cached standalone copy of `path` (the same object for every record with that path). */
  entry(path: string): PathEntry;
  /** Positions the cardinality guard collapsed, e.g. "/shop/:var (4,210 distinct values)". */
  collapsed(): readonly string[];
  /** The CAP_REACHED message when the guard's caps were reached, else null. */
  capNote(): string | null;
  /** The cardinality guard (route-guard.ts). */
  readonly guard: RouteGuard;
  /**
   * A route this templater (or one merged into it) produced, under every collapse decided so far: a raw segment under
   * a position that collapsed after the route was made becomes `:var`, nested parents too. The identity (and free)
   * while nothing collapsed; user patterns' routes and '-' map to themselves.
   */
  finalRoute(route: string): string;
  /** finalRoute of an endpoint ("METHOD /route"; '-' as it is), or of a route (it starts with "/"). */
  finalEndpoint(endpoint: string): string;
  /** Folds the guard of another part of the run into this one (the cache is cleared: its routes may be stale). */
  merge(other: RouteTemplater): void;
  /** The guard's state (createRouteTemplater's `state` reads it back). */
  toJSON(): RouteGuardJson;
}

/** Bounds of a templater's state (see the file comment). */
export interface RouteBounds {
  readonly cacheSize?: number;
  readonly maxParents?: number;
  readonly maxValues?: number;
  readonly maxChars?: number;
}

const STATIC_EXT = new Set([
  'js', 'mjs', 'css', 'map', 'png', 'jpg', 'jpeg', 'gif', 'svg', 'ico', 'webp', 'avif', 'bmp', 'woff', 'woff2', 'ttf',
  'otf', 'eot', 'mp4', 'webm', 'mp3', 'wav', 'ogg', 'pdf', 'zip', 'gz', 'txt', 'xml', 'json', 'webmanifest', 'wasm',
]);

/** Static asset by extension (.js .css .png ...); robots.txt, sitemap.xml and favicon count as static. */
export function isStaticAsset(path: string): boolean {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= slash) return false;
  return STATIC_EXT.has(path.slice(dot + 1).toLowerCase());
}

/**
 * The part of a path a route is built from: its first ROUTE_PATH_CHARS characters, cut back to whole segments, and at
 * most ROUTE_SEGMENTS segments. What is left shows as `/…` in the route, so every longer path with the same head
 * shares one endpoint (and the cardinality guard's keys, the route so far, stay short).
 */
export const ROUTE_PATH_CHARS = 2048;
export const ROUTE_SEGMENTS = 64;
/** The route's last segment when the path was longer than the part templated. */
export const ROUTE_REST = '…';
/** Extensions peeled off one segment ("1234.jpg" → ":id.jpg"; "x.tar.gz" two); deeper ones are part of the stem. */
const MAX_EXTENSIONS = 8;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]{16,}$/i;
/** The domain after an address's "@" (anchored: `[^@/\s]+` gives back one dot at a time, each tried once). */
const DOMAIN = /^[^@/\s]+\.[a-z]{2,}$/i;
const SPACE_OR_SLASH = /[\s/]/;
const DATE = /^(?:\d{4}-\d{2}-\d{2}|\d{4}\d{2}\d{2}|\d{4}\/\d{2}\/\d{2})$/;
const NUMERIC = /^\d+$|^\d+\.\d+$|^-\d+$/;

/** Template for one segment, or null to keep it as is. */
export function segmentTemplate(seg: string): string | null {
  if (seg.lastIndexOf('.') <= 0) return wholeSegment(seg);
  // "1234.jpg", "<uuid>.json": template the stem, keep the extension. The innermost stem that templates wins, as a
  // recursion over the stems would find it (a loop: a segment of ten thousand ".ab" must not recurse that deep).
  const stems: number[] = [];
  for (let end = seg.length; stems.length < MAX_EXTENSIONS; ) {
    const dot = seg.lastIndexOf('.', end - 1);
    if (dot <= 0 || dot < end - 6 || !isExtension(seg, dot + 1, end)) break;
    stems.push(dot);
    end = dot;
  }
  // stem k is seg up to stems[k - 1] (stem 0 is seg); the deepest one is judged whole.
  const stem = (k: number): string => (k === 0 ? seg : seg.slice(0, stems[k - 1]));
  let t = wholeSegment(stem(stems.length));
  for (let k = stems.length - 1; k >= 0; k--) {
    t = t === null ? wholeSegment(stem(k)) : `${t}${seg.slice(stems[k], k === 0 ? seg.length : stems[k - 1])}`;
  }
  return t;
}

/** 1 to 5 letters or digits in seg[from, to): an extension. */
function isExtension(seg: string, from: number, to: number): boolean {
  if (to - from < 1 || to - from > 5) return false;
  for (let i = from; i < to; i++) {
    const c = seg.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

/** An address "local@domain.tld" (or "%40"): what `^[^@/\s]+(?:@|%40)[^@/\s]+\.[a-z]{2,}$` matches, in linear time. */
export function isEmail(seg: string): boolean {
  if (SPACE_OR_SLASH.test(seg)) return false;
  const at = seg.indexOf('@');
  // With an "@", it is the separator ("%40" before it would leave an "@" in the domain, after it one in the name).
  if (at >= 0) return at > 0 && seg.indexOf('@', at + 1) < 0 && DOMAIN.test(seg.slice(at + 1));
  // The first "%40" after a non-empty name leaves the longest domain: if any split matches, that one does.
  const pct = seg.indexOf('%40', 1);
  return pct > 0 && DOMAIN.test(seg.slice(pct + 3));
}

/** Template for a segment taken whole (no extension peeled off), or null. */
function wholeSegment(seg: string): string | null {
  if (seg.length === 0) return null;
  const c = seg.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    if (NUMERIC.test(seg)) return seg.length === 8 && DATE.test(seg) ? ':date' : ':id';
    if (DATE.test(seg)) return ':date';
  }
  if (c === 45 && NUMERIC.test(seg)) return ':id';
  if (seg.length >= 36 && UUID.test(seg)) return ':uuid';
  if (seg.length >= 16 && HEX.test(seg) && /\d/.test(seg)) return ':hash';
  if (seg.includes('@') || seg.includes('%40')) return isEmail(seg) ? ':email' : null;
  if (seg.length >= 20 && isOpaqueToken(seg)) return ':token';
  return null;
}

/** Long base64/base64url/JWT-like tokens: letters and digits mixed, few separators, no file extension. */
function isOpaqueToken(seg: string): boolean {
  if (!/^[A-Za-z0-9_\-+=.~%]+$/.test(seg)) return false;
  if (/\.[a-z]{2,4}$/i.test(seg) && seg.split('.').length === 2) return false;
  const digits = (seg.match(/\d/g) ?? []).length;
  const upper = (seg.match(/[A-Z]/g) ?? []).length;
  const lower = (seg.match(/[a-z]/g) ?? []).length;
  const dashes = (seg.match(/[-_]/g) ?? []).length;
  // Slugs ("red-rain-jacket-2024") have many separators and few digits; tokens mix cases and digits.
  if (dashes > seg.length / 8 && digits < seg.length / 4) return false;
  return digits >= 2 && (upper + lower) >= 4 && (upper >= 2 || digits >= seg.length / 4);
}

/**
 * The head of `path` a route is built from: the whole path when it is within ROUTE_PATH_CHARS and ROUTE_SEGMENTS,
 * else its first ROUTE_SEGMENTS segments within ROUTE_PATH_CHARS characters, cut at a "/" (empty when the first
 * segment alone is longer).
 */
export function routeHead(path: string): string {
  let cut = path.length;
  // The n-th "/" after the leading one starts segment n + 1.
  for (let slash = path.indexOf('/', 1), n = 1; slash >= 0 && slash <= ROUTE_PATH_CHARS; slash = path.indexOf('/', slash + 1), n++) {
    if (n === ROUTE_SEGMENTS) {
      cut = slash;
      break;
    }
  }
  if (cut > ROUTE_PATH_CHARS) cut = path.lastIndexOf('/', ROUTE_PATH_CHARS);
  return cut >= path.length ? path : cut <= 0 ? '' : path.slice(0, cut);
}

interface UserPattern {
  readonly segments: readonly string[];
  readonly rest: boolean;
  readonly text: string;
}

function compilePattern(p: string): UserPattern {
  const text = p.startsWith('/') ? p : `/${p}`;
  const segments = text.split('/').slice(1);
  const rest = segments[segments.length - 1] === '*';
  return { segments: rest ? segments.slice(0, -1) : segments, rest, text };
}

function matchPattern(p: UserPattern, segs: readonly string[]): boolean {
  if (p.rest ? segs.length < p.segments.length : segs.length !== p.segments.length) return false;
  for (let i = 0; i < p.segments.length; i++) {
    const want = p.segments[i] ?? '';
    if (want.startsWith(':')) continue;
    if (want !== segs[i]) return false;
  }
  return true;
}

/** Creates a templater. */
export function createRouteTemplater(options: RouteOptions, bounds: RouteBounds = {}, state?: RouteGuardJson, shared?: PathStore): RouteTemplater {
  const { cacheSize = 50_000, maxParents = 10_000, maxValues = 300_000, maxChars = 4_000_000 } = bounds;
  const patterns = options.patterns.map(compilePattern);
  const maxDistinct = options.maxDistinct ?? 1000;
  const store = shared ?? createPathStore();
  const { cache, front } = store;
  /** One string per distinct route among the cached paths' (cleared with the cache). */
  const routes = store.routes;
  // A new templater (a new guard): the entries of the store's earlier ones are checked again at their first use.
  store.gen++;
  store.live = 0;
  store.liveChars = 0;
  const guard = state ? RouteGuard.fromJSON(state, { maxDistinct, maxParents, maxValues, maxChars }) : new RouteGuard({ maxDistinct, maxParents, maxValues, maxChars });
  const patternTexts = new Set(patterns.map((p) => p.text));
  /** Collapses the cache has seen: a new one changes routes, so the cache is cleared. */
  let collapsesSeen = guard.collapses;

  const clearCache = (): void => {
    cache.clear();
    routes.clear();
    front.clear();
    store.chars = 0;
    store.gen++;
    store.live = 0;
    store.liveChars = 0;
  };
  /** Whether a cache of this templater's own (the entries of the current generation) is full for `path`. */
  const full = (path: string): boolean => store.live >= cacheSize || store.liveChars + path.length > maxChars;

  const build = (path: string): string => {
    if (patterns.length > 0) {
      const all = path.split('/').slice(1);
      for (const p of patterns) if (matchPattern(p, all)) return p.text;
    }
    const head = routeHead(path);
    // segs[0] is what precedes the first "/" (nothing, in a path that starts with one), not a segment.
    const segs = head.split('/');
    // While every segment is kept as it is, the route so far is the head's first `end` characters: no string is
    // built until a segment changes (a path with nothing to template is its own route).
    let out: string | null = segs[0] === '' ? null : '';
    let end = 0;
    // The guard's node for the route so far (null past its maxParents cap: the built-in rules alone from there).
    let node: GuardNode | null = guard.root;
    for (let i = 1; i < segs.length; i++) {
      const seg = segs[i] ?? '';
      const t = segmentTemplate(seg) ?? (isTemplateSegment(seg) ? seg : null);
      let s: string;
      if (t !== null) s = t;
      else if (node === null) {
        guard.parentsRefused++;
        s = seg;
      } else s = guard.value(node, seg);
      if (out !== null) out += `/${s}`;
      else if (s === seg) end += 1 + seg.length;
      else out = `${head.slice(0, end)}/${s}`;
      if (node !== null && i + 1 < segs.length) node = guard.child(node, s);
    }
    if (guard.collapses !== collapsesSeen) {
      collapsesSeen = guard.collapses;
      clearCache();
    }
    let route = out ?? head.slice(0, end);
    if (head.length < path.length) route += `/${ROUTE_REST}`;
    return route === '' ? '/' : route;
  };

  const finalRoute = (route: string): string => (guard.anyCollapsed && !patternTexts.has(route) ? guard.finalRoute(route) : route);
  /** The route `build` made, as the string every path of that route shares. */
  const routeString = (built: string): string => {
    // The paths of one route share its string, flat (build() concatenates segments): maps keyed by routes and
    // endpoints find it by identity instead of comparing a concatenation character by character.
    let route = routes.get(built);
    if (route === undefined) {
      route = detach(built);
      routes.set(route, route);
    }
    return route;
  };
  /** A new entry for `path`, whose route build() made. */
  const made = (path: string, built: string): PathEntry => {
    const route = routeString(built);
    const own = detach(path);
    const e: PathEntry = { path: own, route, cls: classifyPath(own), id: pathIdentifier(own), isStatic: isStaticAsset(own), exploit: exploitOfPath(own), epMethod: null, ep: null, top: null, errStatus: 0, errTop: null, gen: store.gen };
    cache.set(own, e);
    store.chars += own.length;
    store.live++;
    store.liveChars += own.length;
    return e;
  };
  /** Drops the entries of earlier generations (the store is full, though the current one is not). */
  const dropStale = (): void => {
    let chars = 0;
    for (const [k, e] of cache) {
      if (e.gen !== store.gen) cache.delete(k);
      else chars += k.length;
    }
    store.chars = chars;
    routes.clear();
    front.clear();
  };
  /** `e`, made in an earlier generation, checked against this templater's guard: build() sees its path. */
  const renew = (e: PathEntry): PathEntry => {
    const gen = store.gen;
    const built = build(e.path);
    // Where a cache of this templater's own would be cleared (built routes changed, or full): the store is too.
    if (store.gen !== gen || full(e.path)) {
      if (full(e.path)) clearCache();
      return made(e.path, built);
    }
    store.live++;
    store.liveChars += e.path.length;
    const route = routeString(built);
    if (route === e.route) {
      e.gen = store.gen;
      return e;
    }
    const n: PathEntry = { path: e.path, route, cls: e.cls, id: e.id, isStatic: e.isStatic, exploit: e.exploit, epMethod: null, ep: null, top: null, errStatus: 0, errTop: null, gen: store.gen };
    cache.set(n.path, n);
    return n;
  };
  const entry = (path: string): PathEntry => {
    let e = front.get(path);
    if (e !== undefined && e.gen === store.gen) return e;
    e ??= cache.get(path);
    if (e === undefined) {
      const built = build(path);
      if (full(path)) clearCache();
      else if (cache.size >= cacheSize || store.chars + path.length > maxChars) dropStale();
      e = made(path, built);
    } else if (e.gen !== store.gen) e = renew(e);
    front.set(e.path, e);
    return e;
  };
  return {
    template: (path) => entry(path).route,
    entry,
    guard,
    finalRoute,
    finalEndpoint(endpoint) {
      if (!guard.anyCollapsed) return endpoint;
      if (endpoint.charCodeAt(0) === 47) return finalRoute(endpoint);
      const space = endpoint.indexOf(' ');
      if (space < 0) return endpoint;
      const route = endpoint.slice(space + 1);
      const final = finalRoute(route);
      return final === route ? endpoint : `${endpoint.slice(0, space)} ${final}`;
    },
    merge(other) {
      guard.merge(other.guard);
      clearCache();
      collapsesSeen = guard.collapses;
    },
    toJSON: () => guard.toJSON(),
    collapsed() {
      return guard.collapsedRoutes().map(([r, n]) => `${r} (more than ${n.toLocaleString('en-US')} distinct values)`);
    },
    capNote() {
      const { parentsRefused, budgetCollapses } = guard;
      if (parentsRefused === 0 && budgetCollapses === 0) return null;
      const n = (x: number): string => x.toLocaleString('en-US');
      const parts: string[] = [];
      if (parentsRefused > 0) parts.push(`${n(parentsRefused)} path segments under positions past the first ${n(maxParents)} were templated by the built-in rules only (never collapsed to :var)`);
      if (budgetCollapses > 0) parts.push(`${n(budgetCollapses)} positions were collapsed to :var before reaching ${n(maxDistinct)} distinct values, to stay within ${n(maxValues)} values and ${n(maxChars)} characters in all (listed in profiles.collapsed_routes)`);
      return `route templater: cardinality guard capped; ${parts.join('; ')}`;
    },
  };
}
