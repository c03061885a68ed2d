/**
 * The route templater's cardinality guard, as state whose final decision depends on the set of paths, not on their
 * order (so worker threads that template different inputs, each with its own guard, merge to the decision of one).
 *
 * The guard is a trie of route prefixes in their current form: a node is the route so far (its parent), and holds the
 * distinct raw values (segments no built-in rule templates) met at the next position under it, then its children by
 * the segment as it shows in the route. A position whose values pass `maxDistinct` collapses: its values are freed
 * (`null` from then on: new values map to `:var` directly, so memory stays bounded) and the subtrees under its raw
 * values fold into its `:var` child, merging with what is there (which may collapse a deeper position in turn).
 * So the trie is always what templating the paths seen so far would give if every collapse had been decided first.
 *
 * Why that is order-independent: a node's set is exact while it holds at most `maxDistinct` values, and a collapsed
 * node proves more than `maxDistinct` values. The union of two exact sets is exact, and of anything with a collapsed
 * one is collapsed: so the union of two nodes tells exactly whether the paths under them have more than `maxDistinct`
 * values there, and what a node keeps (all its values, or none) is a function of the set of paths. A collapse only
 * adds `:var` (collapses are monotone in the set of paths), so `finalRoute` can map any route produced earlier, under
 * fewer collapses, to its form under the final ones: walking the route from the root, a raw segment under a collapsed
 * node becomes `:var`. `merge` folds another guard's trie into this one the same way, so any split of a stream into
 * shards, templated apart and merged, leaves the trie (`toJSON`) and the final routes of one pass
 * (test/enrich/route-guard.test.ts checks it on random streams, splits and orders).
 *
 * A segment that reads as a template (":id", ":var", ":id.jpg", "…") is taken as one, never counted as a value: that
 * keeps routes unambiguous for `finalRoute` (a path's literal ":var" is the same route segment as a collapsed one).
 *
 * Caps (say so, they are order-dependent): at most `maxParents` nodes (positions below the last node a path reaches
 * are templated by the built-in rules only, counted in `parentsRefused`), and at most `maxValues` values and
 * `maxChars` characters of values in all: a node whose new value would pass that budget is collapsed early (freeing
 * its values), counted in `budgetCollapses`. Which node reaches a cap first depends on the order of the paths (and on
 * the split of a sharded run); the run says so (CAP_REACHED, capNote in route-template.ts). A merge applies the value
 * budget to the union (a merged guard holds no more values than one), but keeps the nodes of both parts.
 */
import { detach } from '../core/text';

/** The route segment of a collapsed position. */
export const VAR = ':var';
/** The route's last segment when the path was longer than the part templated (route-template.ts ROUTE_REST). */
const REST = '…';
/** What the built-in rules (segmentTemplate) and the guard write as a segment: a template, with its extensions. */
const TEMPLATE = /^:(?:id|uuid|hash|token|email|date|var)(?:\.[A-Za-z0-9]{1,5}){0,8}$/;

/** A route segment that is a template (or the rest marker): never a value the guard counts. */
export function isTemplateSegment(seg: string): boolean {
  return seg === REST || (seg.charCodeAt(0) === 58 && TEMPLATE.test(seg));
}

/** One route prefix: the raw values at the next position, and its children by route segment. */
export interface GuardNode {
  /** Distinct raw values at the next position; null once collapsed; undefined while none was met. */
  values: Set<string> | null | undefined;
  /** When collapsed: the count its note states (maxDistinct, or the values it held when collapsed early). */
  note: number;
  kids: Map<string, GuardNode> | null;
}

/** A node as JSON: [values (sorted) or null or 0 (none met), note, children (sorted by segment)]. */
export type GuardNodeJson = readonly [readonly string[] | null | 0, number, readonly (readonly [string, GuardNodeJson])[]];

/** The guard's state as JSON. */
export interface RouteGuardJson {
  readonly root: GuardNodeJson;
  readonly parentsRefused: number;
  readonly budgetCollapses: number;
}

/** The guard's limits (see the file comment). */
export interface GuardLimits {
  readonly maxDistinct: number;
  readonly maxParents: number;
  readonly maxValues: number;
  readonly maxChars: number;
}

const newNode = (): GuardNode => ({ values: undefined, note: 0, kids: null });

/** The guard: mergeable and serializable as the aggregates are (aggregate/types.ts Mergeable; enrich/ sits before it). */
export class RouteGuard {
  readonly root: GuardNode = newNode();
  /** Nodes below the root. */
  private nodes = 0;
  private values = 0;
  private valueChars = 0;
  /** Positions collapsed so far (any collapse changes routes: the templater's cache watches this). */
  collapses = 0;
  parentsRefused = 0;
  budgetCollapses = 0;

  constructor(readonly limits: GuardLimits) {}

  /** The route segment for raw value `seg` at the position after `node`: `seg`, or `:var` (which may collapse it). */
  value(node: GuardNode, seg: string): string {
    const seen = node.values ?? (node.values === null ? null : (node.values = new Set()));
    if (seen === null) return VAR;
    if (seen.has(seg)) return seg;
    const over = this.overBudget(seg);
    if (seen.size >= this.limits.maxDistinct || over) {
      if (over) this.budgetCollapses++;
      this.collapse(node, over ? seen.size : this.limits.maxDistinct);
      return VAR;
    }
    seen.add(detach(seg));
    this.values++;
    this.valueChars += seg.length;
    return seg;
  }

  /** The node under `node` by route segment `seg` (created), or null past maxParents. */
  child(node: GuardNode, seg: string): GuardNode | null {
    const kids = node.kids ?? (node.kids = new Map());
    let kid = kids.get(seg);
    if (kid === undefined) {
      if (this.nodes >= this.limits.maxParents) return null;
      kid = newNode();
      kids.set(detach(seg), kid);
      this.nodes++;
    }
    return kid;
  }

  /** True once any position collapsed (else finalRoute is the identity). */
  get anyCollapsed(): boolean {
    return this.collapses > 0;
  }

  /** `route` (a templater's output, or a user pattern's text) under every collapse decided so far. */
  finalRoute(route: string): string {
    if (this.collapses === 0 || route.charCodeAt(0) !== 47) return route;
    let node: GuardNode | null | undefined = this.root;
    let out = '';
    let changed = false;
    for (let from = 1; ; ) {
      const slash = route.indexOf('/', from);
      let seg = route.slice(from, slash < 0 ? route.length : slash);
      if (node !== undefined && node !== null) {
        if (node.values === null && seg !== VAR && !isTemplateSegment(seg)) {
          seg = VAR;
          changed = true;
        }
        node = node.kids?.get(seg);
      }
      out += `/${seg}`;
      if (slash < 0) break;
      from = slash + 1;
    }
    return changed ? out : route;
  }

  /** Collapsed positions as [route with `:var` there, note count], sorted by route. */
  collapsedRoutes(): [string, number][] {
    const out: [string, number][] = [];
    const walk = (node: GuardNode, prefix: string): void => {
      if (node.values === null) out.push([`${prefix}/${VAR}`, node.note]);
      for (const [seg, kid] of node.kids ?? []) walk(kid, `${prefix}/${seg}`);
    };
    if (this.collapses > 0) walk(this.root, '');
    return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }

  /** Folds `other` (a guard of another part of the run) into this one. */
  merge(other: RouteGuard): void {
    this.parentsRefused += other.parentsRefused;
    this.budgetCollapses += other.budgetCollapses;
    this.absorb(this.root, other.root, true);
  }

  toJSON(): RouteGuardJson {
    const node = (n: GuardNode): GuardNodeJson => [
      n.values === undefined ? 0 : n.values === null ? null : [...n.values].sort(),
      n.note,
      [...(n.kids ?? [])].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([seg, kid]) => [seg, node(kid)] as const),
    ];
    return { root: node(this.root), parentsRefused: this.parentsRefused, budgetCollapses: this.budgetCollapses };
  }

  static fromJSON(j: RouteGuardJson, limits: GuardLimits): RouteGuard {
    const out = new RouteGuard(limits);
    const fill = (n: GuardNode, [values, note, kids]: GuardNodeJson): void => {
      n.values = values === 0 ? undefined : values === null ? null : new Set(values);
      n.note = note;
      if (values === null) out.collapses++;
      for (const v of n.values ?? []) {
        out.values++;
        out.valueChars += v.length;
      }
      if (kids.length === 0) return;
      n.kids = new Map();
      for (const [seg, kj] of kids) {
        const kid = newNode();
        n.kids.set(seg, kid);
        out.nodes++;
        fill(kid, kj);
      }
    };
    fill(out.root, j.root);
    out.parentsRefused = j.parentsRefused;
    out.budgetCollapses = j.budgetCollapses;
    return out;
  }

  private overBudget(seg: string): boolean {
    return this.values >= this.limits.maxValues || this.valueChars + seg.length > this.limits.maxChars;
  }

  /** Frees `node`'s values and folds the subtrees under its raw values into its `:var` child. */
  private collapse(node: GuardNode, note: number): void {
    for (const v of node.values ?? []) {
      this.values--;
      this.valueChars -= v.length;
    }
    node.values = null;
    node.note = Math.max(node.note, note);
    this.collapses++;
    if (node.kids === null) return;
    const raw = [...node.kids.keys()].filter((seg) => !isTemplateSegment(seg));
    if (raw.length === 0) return;
    let into = node.kids.get(VAR);
    if (into === undefined) {
      into = newNode();
      node.kids.set(VAR, into);
      this.nodes++;
    }
    for (const seg of raw) {
      const kid = node.kids.get(seg) as GuardNode;
      node.kids.delete(seg);
      this.absorb(into, kid, false);
    }
  }

  /**
   * Folds the subtree `b` into `a`. Own (`foreign` false): `b` was taken out of this trie, its values and nodes still
   * counted here, and it may move whole. Foreign (another guard's, left as it is): what `a` takes is copied and
   * counted, within the value budget.
   */
  private absorb(a: GuardNode, b: GuardNode, foreign: boolean): void {
    if (!foreign) this.nodes--;
    if (b.values === null) {
      if (a.values === null) a.note = Math.max(a.note, b.note);
      else this.collapse(a, b.note);
    } else if (b.values !== undefined) {
      const { maxDistinct } = this.limits;
      for (const v of b.values) {
        const seen = a.values ?? (a.values === null ? null : (a.values = new Set()));
        if (seen === null || seen.has(v)) {
          if (!foreign) this.release(v);
          continue;
        }
        const over = foreign && this.overBudget(v);
        if (seen.size >= maxDistinct || over) {
          if (!foreign) this.release(v);
          if (over) this.budgetCollapses++;
          this.collapse(a, over ? seen.size : maxDistinct);
          continue;
        }
        seen.add(v);
        if (foreign) {
          this.values++;
          this.valueChars += v.length;
        }
      }
    }
    for (const [seg, kid] of b.kids ?? []) {
      const key = a.values === null && !isTemplateSegment(seg) ? VAR : seg;
      const kids = a.kids ?? (a.kids = new Map());
      let mine = kids.get(key);
      if (mine === undefined) {
        if (!foreign) {
          kids.set(key, kid);
          continue;
        }
        mine = newNode();
        kids.set(key, mine);
        this.nodes++;
      }
      this.absorb(mine, kid, foreign);
    }
  }

  private release(v: string): void {
    this.values--;
    this.valueChars -= v.length;
  }
}
