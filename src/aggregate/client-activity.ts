/**
 * What each client did, for the api-abuse judge (detect/api-abuse.ts): per client address (self-declared bots
 * excluded), the agent of its first request, its distinct agents (as hashes, at most 16), requests and static-asset
 * requests, requests per minute (static assets excluded), and per route with a trailing identifier the sequential
 * steps (id then id + 1), the first and last identifier and up to 2,000 distinct identifiers; the first evidence
 * (the sequential steps).
 * Memory: at most `clients` clients (CappedMap: the least active evicted first), per client one entry per active
 * minute and at most `routesPerClient` routes (those with the fewest identifiers evicted, counted in `routesCapped`).
 * Mergeable and serializable (aggregate/types.ts). Shards are ranges of the input (merged in input order or not):
 * a route keeps its first and last identifier with their records, so a step across the cut (the last identifier of
 * the earlier shard, then the next one in the later shard) is counted, and its record joins the evidence. Below the
 * caps merged shards equal one pass; at the caps merging is not exact (a client or route kept by one shard and
 * evicted by the other misses the other's counts and the step across the cut; the agent set is the union cut at the
 * cap), except the identifiers: a route keeps its first MAX_IDS in input order, and so does a merge.
 */
import type { SourceRef } from '../core/types';
import { CappedMap, addCapStats, noCapStats, type CapOptions, type CapStats } from '../core/capped';
import { hash32 } from '../core/hll';
import { PackReader, PackWriter, type Packed } from '../core/packed';
import type { EnrichedRecord } from '../enrich/types';
import type { ClientCell } from '../enrich/client';
import { inOrder, mergeEvidence, type EvidenceOrder, type Mergeable } from './types';
import { refJSON, refOf } from './earliest';
import { rekeyEntries } from '../core/rekey';

/** Distinct agents kept per client. */
const MAX_AGENTS = 16;
/** Distinct identifiers kept per route. */
const MAX_IDS = 2000;
/** Distinct identifiers a route keeps in a list before a Set (RouteIds.ids). */
const FEW_IDS = 8;
/** Routes a client keeps in a list before a capped map (ActiveClient.few). */
const FEW_ROUTES = 8;
/** Minutes a client keeps in a list of pairs before a Map (ActiveClient.perMinute). */
const FEW_MINUTES = 8;
/** The evidence every client starts with (frozen: shared, never changed). */
const NONE: readonly never[] = Object.freeze([]);

export interface RouteIds {
  /** The route's first identifier (in input order) and its record. */
  firstId: number;
  firstRef: SourceRef;
  /** The last identifier and its record. */
  last: number;
  lastRef: SourceRef;
  /** Requests for identifier n right after n − 1 on this route. */
  sequential: number;
  /**
   * The distinct identifiers, first seen first; null while the route saw only its first (most routes of most
   * clients: nothing is made for one identifier), a list of exactly its length (the first included) up to FEW_IDS
   * (most of the others: a Set takes about twice the memory of a short list), a Set past that. See routeIds and
   * idCount.
   */
  ids: number[] | Set<number> | null;
}

export interface ActiveClient extends ClientCell {
  /** The agent of the client's first request, that request and its time. */
  agent: string | null;
  ref0: SourceRef;
  t0: number;
  /**
   * Distinct user agents as hashes (the first agent included); null while the client sent no agent but its first
   * (most clients: their one agent's hash is not kept twice, nor a set made for it). See agentHashes.
   */
  agents: Set<number> | null;
  /** The agent last counted into `agents` (null: none since the first): the next request of it skips the hash. */
  lastAgent: string | null;
  requests: number;
  statics: number;
  /**
   * Requests per minute (static assets excluded); the minute being counted is in curMinute/curCount. Null until a
   * second minute begins, then the minutes and their counts as pairs in one list of exactly their length
   * ([minute, n, minute, n...]) up to FEW_MINUTES minutes (most clients' requests fall in a few minutes: a Map takes
   * about three times the memory of such a list), a Map past that. See minuteEntries and minutesWithin.
   */
  perMinute: number[] | Map<number, number> | null;
  /** -1 before the first minute (a small integer, where NaN made the field a boxed number per client). */
  curMinute: number;
  curCount: number;
  /**
   * The client's routes and their entries, capped (routes with the fewest identifiers evicted): in `few` while they
   * are at most FEW_ROUTES (and under the cap), in `routes` from there on (most clients have a few routes: a capped
   * map per client takes some 300 bytes). See clientRoutes.
   */
  routes: CappedMap<RouteIds> | null;
  /** Null while `routes` is made or the client has no route; else its routes as [route, entry, route, entry...]. */
  few: (string | RouteIds)[] | null;
  /**
   * The route of the client's last identifier and its entry: a client mostly walks one route, so the next record
   * usually finds its entry here instead of in its routes. Only add() adds to the routes (and may evict from them)
   * without replacing both; everything else that changes them clears `lastIds`.
   */
  lastRoute: string | null;
  lastIds: RouteIds | null;
  /** The first and last request other than a static asset (±Infinity: none). */
  first: number;
  last: number;
  /** Never changed in place (replaced by a longer copy): a client without any shares the empty NONE (most clients). */
  evidence: readonly SourceRef[];
}

export interface ClientActivityOptions {
  readonly clients: number;
  readonly routesPerClient: number;
  readonly evidenceLimit: number;
}

type Ref = readonly [string, number];
/** [route, firstId, firstRef, last, lastRef, sequential, identifiers (in first-seen order: the cap keeps the first)]. */
type RouteJson = readonly [string, number, Ref, number, Ref, number, readonly number[]];
/** [ip, agent, ref0, t0, agent hashes (sorted), requests, statics, [[minute, n]...] (sorted), first, last, routes, evidence]. */
type ClientJson = readonly [string, string | null, Ref, number, readonly number[], number, number, readonly (readonly [number, number])[], number | null, number | null, readonly RouteJson[], readonly Ref[]];

export interface ClientActivityJson {
  readonly kind: 'client-activity';
  readonly options: ClientActivityOptions;
  readonly clients: readonly ClientJson[];
  readonly stats: CapStats;
  readonly routesCapped: { readonly evicted: number; readonly maxCut: number };
}

/** A task's state as packed for the main thread (ClientActivity.pack). */
export interface ClientActivityPacked extends Packed {
  readonly kind: 'client-activity/packed';
  readonly options: ClientActivityOptions;
  /** Client addresses, in map order. */
  readonly ips: readonly string[];
  readonly stats: CapStats;
  readonly routesCapped: { readonly evicted: number; readonly maxCut: number };
}

export class ClientActivity implements Mergeable<ClientActivity, ClientActivityJson> {
  clients: CappedMap<ActiveClient>;
  /** Routes evicted from clients' route maps, and the most identifiers one had. */
  readonly routesCapped = { evicted: 0, maxCut: 0 };
  /** One set of options (and functions) shared by every client's route map, not one per client. */
  private readonly routeCap: CapOptions<RouteIds>;

  constructor(readonly options: ClientActivityOptions) {
    this.clients = this.newClients();
    this.routeCap = {
      cap: options.routesPerClient,
      weight: (x: RouteIds): number => idCount(x) + x.sequential,
      onEvict: (_route: string, x: RouteIds): void => {
        this.routesCapped.evicted++;
        this.routesCapped.maxCut = Math.max(this.routesCapped.maxCut, idCount(x) + x.sequential);
      },
    };
  }

  private newClients(): CappedMap<ActiveClient> {
    return new CappedMap<ActiveClient>({ cap: this.options.clients, weight: (c) => c.requests, onEvict: (_ip, c) => release(c) });
  }

  /** Counts one record (nothing for a record without a client address or from a self-declared bot). */
  add(r: EnrichedRecord): void {
    const ip = r.clientIp;
    if (ip === null || r.agent.agentClass === 'bot') return;
    // The client's cell, cached on the address's facts while this map holds it (enrich/client.ts: ClientCell).
    const f = r.client;
    let c = f === null ? null : (f.activity as ActiveClient | null);
    if (c === null || c.owner !== this.clients || f?.ip !== ip) {
      c = this.clients.get(ip) ?? null;
      if (c === null) {
        c = newClient(r.userAgent, r.source, r.startMs);
        this.clients.add(ip, c);
      }
      c.owner = this.clients;
      if (f !== null && f.ip === ip) {
        f.activity = c;
        c.cachedOn = f;
      }
    }
    c.requests++;
    // Most clients keep one agent: a native string compare with the first one (or the one before) skips hashing.
    const ua = r.userAgent;
    if (ua !== null && ua !== c.agent && ua !== c.lastAgent) {
      const agents = c.agents ?? (c.agents = firstAgent(c.agent));
      if (agents.size < MAX_AGENTS) {
        agents.add(hash32(ua));
        c.lastAgent = ua;
      }
    }
    if (r.isStatic) {
      c.statics++;
      return;
    }
    if (r.startMs < c.first) c.first = r.startMs;
    if (r.startMs > c.last) c.last = r.startMs;
    const m = Math.floor(r.startMs / 60_000);
    if (m === c.curMinute) c.curCount++;
    else {
      flushMinute(c);
      c.curMinute = m;
      c.curCount = 1;
    }
    // The trailing identifier of the path, found once per distinct path by the enricher (-1: none).
    const n = r.pathId;
    if (n < 0) return;
    let ri = c.lastIds;
    if (ri === null || c.lastRoute !== r.route) {
      ri = findRoute(c, r.route);
      if (ri === null) {
        // `last` is set below; n here (not NaN: n === last + 1 is false either way) keeps the field a small integer
        // instead of a boxed number per route. The route is the enricher's standalone string: kept as it is.
        ri = { firstId: n, firstRef: r.source, last: n, lastRef: r.source, sequential: 0, ids: null };
        this.addRoute(c, r.route, ri);
      }
      c.lastRoute = r.route;
      c.lastIds = ri;
    }
    if (n === ri.last + 1) {
      ri.sequential++;
      if (c.evidence.length < this.options.evidenceLimit) c.evidence = c.evidence.concat([r.source]);
    }
    ri.last = n;
    ri.lastRef = r.source;
    const ids = ri.ids;
    if (ids === null) {
      if (n !== ri.firstId) ri.ids = [ri.firstId, n];
    } else if (Array.isArray(ids)) {
      if (!ids.includes(n)) ri.ids = ids.length < FEW_IDS ? ids.concat([n]) : new Set(ids).add(n);
    } else if (ids.size < MAX_IDS) ids.add(n);
  }

  /**
   * Adds a route the client does not have: to its list while it has fewer than FEW_ROUTES (and than the cap), else
   * to its capped map (made, with the listed routes in their order, at the first route past the list: the map is
   * then what it would have been had it been made at the first route).
   */
  private addRoute(c: ActiveClient, route: string, ri: RouteIds): void {
    const few = c.few;
    if (c.routes === null && (few === null ? 0 : few.length / 2) < Math.min(FEW_ROUTES, this.routeCap.cap)) {
      c.few = few === null ? [route, ri] : few.concat([route, ri]);
      return;
    }
    this.withRoutes(c).add(route, ri);
  }

  /** The client's capped map of routes, made from its list while there is none: what a change other than add() starts from. */
  private withRoutes(c: ActiveClient): CappedMap<RouteIds> {
    if (c.routes !== null) return c.routes;
    const routes = new CappedMap<RouteIds>(this.routeCap);
    for (const [route, ri] of clientRoutes(c)) routes.add(route, ri);
    c.routes = routes;
    c.few = null;
    return routes;
  }

  merge(other: ClientActivity, order: EvidenceOrder): void {
    this.mergeFrom(other, order, false);
  }

  /** Merges a state read back from JSON (`fromJSON`), which nothing else holds: its clients are taken, not copied. */
  mergeJSON(j: ClientActivityJson, order: EvidenceOrder): void {
    this.mergeFrom(ClientActivity.fromJSON(j), order, true);
  }

  private mergeFrom(other: ClientActivity, order: EvidenceOrder, owned: boolean): void {
    for (const [ip, c] of other.clients) {
      const mine = this.clients.get(ip);
      if (mine === undefined) this.clients.add(ip, owned ? this.adopt(c) : this.clone(c));
      else this.mergeClient(mine, c, order);
    }
    // Keys new to this side were counted as inserted by add(); the other side's evictions add up.
    addCapStats(this.clients.stats, { ...other.clients.stats, inserted: 0 });
    this.routesCapped.evicted += other.routesCapped.evicted;
    this.routesCapped.maxCut = Math.max(this.routesCapped.maxCut, other.routesCapped.maxCut);
    // One pass meets clients in the order of their first requests: so does the merged map (the cap's tie order).
    if (inOrder(this.clients.values(), (c) => c.ref0, order)) return;
    const all = [...this.clients].sort((a, b) => order(a[1].ref0, b[1].ref0));
    const stats = { ...this.clients.stats };
    this.clients = this.newClients();
    for (const [ip, c] of all) this.clients.add(ip, c);
    Object.assign(this.clients.stats, stats);
  }

  private clone(c: ActiveClient): ActiveClient {
    const out: ActiveClient = { ...c, agents: c.agents === null ? null : new Set(c.agents), perMinute: copyMinutes(c.perMinute), routes: null, few: null, lastRoute: null, lastIds: null, evidence: [...c.evidence] };
    flushMinute(out);
    if (c.routes !== null || c.few !== null) {
      out.routes = new CappedMap<RouteIds>(this.routeCap);
      for (const [route, ri] of clientRoutes(c)) out.routes.add(route, { ...ri, ids: ri.ids === null ? null : new Set(ri.ids) });
      // (A client whose routes are a list: its stats are the inserts just counted.)
      if (c.routes !== null) Object.assign(out.routes.stats, c.routes.stats);
    }
    return out;
  }

  /** A client of a state nothing else holds, as this state's (its route map under this state's cap). */
  private adopt(c: ActiveClient): ActiveClient {
    flushMinute(c);
    c.lastRoute = null;
    c.lastIds = null;
    // A client whose routes are a list keeps it as it is.
    if (c.routes !== null) {
      const routes = new CappedMap<RouteIds>(this.routeCap);
      for (const [route, ri] of c.routes) routes.add(route, ri);
      Object.assign(routes.stats, c.routes.stats);
      c.routes = routes;
    }
    return c;
  }

  private mergeClient(into: ActiveClient, from: ActiveClient, order: EvidenceOrder): void {
    const k = this.options.evidenceLimit;
    into.lastIds = null;
    // The agent sets first, while each side's null still stands for its own first agent.
    const agents = into.agents ?? firstAgent(into.agent);
    for (const a of agentHashes(from)) if (agents.size < MAX_AGENTS) agents.add(a);
    into.agents = agents;
    if (order(from.ref0, into.ref0) < 0) {
      into.agent = from.agent;
      into.ref0 = from.ref0;
      into.t0 = from.t0;
    }
    into.requests += from.requests;
    into.statics += from.statics;
    flushMinute(into);
    for (const [m, n] of minuteEntries(from)) addMinute(into, m, n);
    into.first = Math.min(into.first, from.first);
    into.last = Math.max(into.last, from.last);
    let evidence = mergeEvidence(into.evidence, from.evidence, k, order);
    if (from.routes !== null || from.few !== null) {
      const routes = this.withRoutes(into);
      const steps: SourceRef[] = [];
      for (const [route, theirs] of clientRoutes(from)) {
        const mine = routes.get(route);
        if (mine === undefined) {
          routes.add(route, { ...theirs, ids: theirs.ids === null ? null : new Set(theirs.ids) });
          continue;
        }
        const [early, late] = order(mine.firstRef, theirs.firstRef) <= 0 ? [mine, theirs] : [theirs, mine];
        // The first MAX_IDS distinct identifiers in input order: the earlier shard's, then the later one's (taken
        // before the first identifiers change below: a null set stands for its route's first identifier).
        // (In place when the earlier is this side's: the same set, without a copy.)
        const ids = early === mine ? ownIds(mine) : new Set(routeIds(early));
        const lateIds = routeIds(late);
        // The step across the cut: the earlier shard's last identifier, then the later shard's first.
        const across = late.firstId === early.last + 1;
        if (across) steps.push(late.firstRef);
        mine.sequential += theirs.sequential + (across ? 1 : 0);
        mine.firstId = early.firstId;
        mine.firstRef = early.firstRef;
        mine.last = late.last;
        mine.lastRef = late.lastRef;
        for (const id of lateIds) if (ids.size < MAX_IDS) ids.add(id);
        mine.ids = ids;
      }
      if (from.routes !== null) addCapStats(routes.stats, { ...from.routes.stats, inserted: 0 });
      if (steps.length > 0) evidence = mergeEvidence(evidence, steps.sort(order), k, order);
      // One pass meets routes in the order of their first identifiers (the route cap's tie order).
      if (!inOrder(routes.values(), (ri) => ri.firstRef, order)) {
        const sorted = [...routes].sort((a, b) => order(a[1].firstRef, b[1].firstRef));
        const stats = { ...routes.stats };
        into.routes = new CappedMap<RouteIds>(this.routeCap);
        for (const [route, ri] of sorted) into.routes.add(route, ri);
        Object.assign(into.routes.stats, stats);
      }
    }
    into.evidence = evidence;
  }

  /**
   * Maps every client's routes through `map` (the run's final routes: core/rekey.ts). Routes that become one merge:
   * identifiers united, the earliest first and the latest last identifier kept, their sequential steps added (a step
   * between requests of the two routes, interleaved in time, is not seen: the count is a lower bound).
   */
  rekey(map: (key: string) => string, order: EvidenceOrder): void {
    for (const c of this.clients.values()) {
      const few = c.few;
      if (few !== null) {
        // Routes in a list that the map leaves as they are stay there; else they go to a map, changed as below.
        let same = true;
        for (let i = 0; i < few.length && same; i += 2) same = map(few[i] as string) === few[i];
        if (same) continue;
      } else if (c.routes === null) continue;
      const routes = this.withRoutes(c);
      c.lastIds = null;
      const moved = rekeyEntries(routes, map, (mine, theirs) => {
        // Before the first identifier changes (a null set stands for it).
        const ids = ownIds(mine);
        const early = order(mine.firstRef, theirs.firstRef) <= 0 ? mine : theirs;
        const late = order(mine.lastRef, theirs.lastRef) <= 0 ? theirs : mine;
        mine.sequential += theirs.sequential;
        mine.firstId = early.firstId;
        mine.firstRef = early.firstRef;
        mine.last = late.last;
        mine.lastRef = late.lastRef;
        for (const id of routeIds(theirs)) if (ids.size < MAX_IDS) ids.add(id);
      });
      if (moved === 0) continue;
      // One pass meets routes in the order of their first identifiers (the route cap's tie order).
      const sorted = [...routes].sort((a, b) => order(a[1].firstRef, b[1].firstRef));
      const stats = { ...routes.stats };
      c.routes = new CappedMap<RouteIds>(this.routeCap);
      for (const [route, ri] of sorted) c.routes.add(route, ri);
      Object.assign(c.routes.stats, stats);
    }
  }

  toJSON(): ClientActivityJson {
    return {
      kind: 'client-activity',
      options: this.options,
      clients: [...this.clients].map(([ip, c]): ClientJson => [
        ip, c.agent, refJSON(c.ref0), c.t0, [...agentHashes(c)].sort((a, b) => a - b), c.requests, c.statics,
        [...minuteEntries(c)].sort((a, b) => a[0] - b[0]),
        Number.isFinite(c.first) ? c.first : null, Number.isFinite(c.last) ? c.last : null,
        [...clientRoutes(c)].map(([route, ri]): RouteJson => [route, ri.firstId, refJSON(ri.firstRef), ri.last, refJSON(ri.lastRef), ri.sequential, [...routeIds(ri)]]),
        c.evidence.map(refJSON),
      ]),
      stats: { ...this.clients.stats },
      routesCapped: { ...this.routesCapped },
    };
  }

  /**
   * The state for the hand-over from a task to the main thread (core/packed.ts): per client, in map order, its
   * address and numbers — agent, ref0, t0, requests, statics, first, last, the agent hashes (sorted), the minutes
   * (sorted), the routes (route, first identifier and record, last and record, sequential steps, identifiers) and
   * the evidence, each list after its length. `unpack` of it equals `fromJSON` of `toJSON()`.
   */
  pack(): ClientActivityPacked {
    const w = new PackWriter();
    const ips: string[] = [];
    const ref = (r: SourceRef): void => {
      w.str(r.file);
      w.num(r.line);
    };
    for (const [ip, c] of this.clients) {
      ips.push(ip);
      w.str(c.agent);
      ref(c.ref0);
      w.num(c.t0);
      w.num(c.requests);
      w.num(c.statics);
      w.num(c.first);
      w.num(c.last);
      const agents = [...agentHashes(c)].sort((a, b) => a - b);
      w.num(agents.length);
      for (const a of agents) w.num(a);
      const minutes = [...minuteEntries(c)].sort((a, b) => a[0] - b[0]);
      w.num(minutes.length);
      for (const [m, n] of minutes) {
        w.num(m);
        w.num(n);
      }
      w.num(routeCount(c));
      for (const [route, ri] of clientRoutes(c)) {
        w.str(route);
        w.num(ri.firstId);
        ref(ri.firstRef);
        w.num(ri.last);
        ref(ri.lastRef);
        w.num(ri.sequential);
        w.num(idCount(ri));
        for (const id of routeIds(ri)) w.num(id);
      }
      w.num(c.evidence.length);
      for (const r of c.evidence) ref(r);
    }
    return { kind: 'client-activity/packed', options: this.options, ips, ...w.done(), stats: { ...this.clients.stats }, routesCapped: { ...this.routesCapped } };
  }

  /** The state `pack` wrote. */
  static unpack(p: ClientActivityPacked): ClientActivity {
    const out = new ClientActivity(p.options);
    const r = new PackReader(p);
    const ref = (): SourceRef => ({ file: r.text(), line: r.num() });
    for (const ip of p.ips) {
      const agent = r.str();
      const c = newClient(agent, ref(), r.num());
      c.requests = r.num();
      c.statics = r.num();
      c.first = r.num();
      c.last = r.num();
      const agents = new Set<number>();
      for (let k = r.num(); k > 0; k--) agents.add(r.num());
      c.agents = agents;
      for (let k = r.num(); k > 0; k--) {
        const m = r.num();
        addMinute(c, m, r.num());
      }
      const routes = r.num();
      for (let k = routes; k > 0; k--) {
        const route = r.text();
        const firstId = r.num();
        const firstRef = ref();
        const last = r.num();
        const lastRef = ref();
        const sequential = r.num();
        const ids = new Set<number>();
        for (let q = r.num(); q > 0; q--) ids.add(r.num());
        out.addRoute(c, route, { firstId, firstRef, last, lastRef, sequential, ids });
      }
      const evidence: SourceRef[] = [];
      for (let k = r.num(); k > 0; k--) evidence.push(ref());
      c.evidence = evidence;
      out.clients.add(ip, c);
    }
    Object.assign(out.clients.stats, noCapStats(), p.stats);
    Object.assign(out.routesCapped, p.routesCapped);
    return out;
  }

  /** Merges a state `pack` wrote (a task's), taking its clients. */
  mergePacked(p: ClientActivityPacked, order: EvidenceOrder): void {
    this.mergeFrom(ClientActivity.unpack(p), order, true);
  }

  static fromJSON(j: ClientActivityJson): ClientActivity {
    const out = new ClientActivity(j.options);
    for (const [ip, agent, ref0, t0, agents, requests, statics, perMinute, first, last, routes, evidence] of j.clients) {
      const c = newClient(agent, refOf(ref0), t0);
      c.agents = new Set(agents);
      c.requests = requests;
      c.statics = statics;
      for (const [m, n] of perMinute) addMinute(c, m, n);
      c.first = first ?? Number.POSITIVE_INFINITY;
      c.last = last ?? Number.NEGATIVE_INFINITY;
      for (const [route, firstId, firstRef, lastId, lastRef, sequential, ids] of routes) {
        out.addRoute(c, route, { firstId, firstRef: refOf(firstRef), last: lastId, lastRef: refOf(lastRef), sequential, ids: new Set(ids) });
      }
      c.evidence = evidence.map(refOf);
      out.clients.add(ip, c);
    }
    Object.assign(out.clients.stats, noCapStats(), j.stats);
    Object.assign(out.routesCapped, j.routesCapped);
    return out;
  }
}

function newClient(agent: string | null, ref0: SourceRef, t0: number): ActiveClient {
  return {
    agent, ref0, t0, agents: null, lastAgent: null, requests: 0, statics: 0, perMinute: null, curMinute: -1, curCount: 0,
    routes: null, few: null, lastRoute: null, lastIds: null, first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY, evidence: NONE, owner: null, cachedOn: null,
  };
}

/** The agent set a client starts with: its first agent's hash (without building an array to fill the set from). */
function firstAgent(agent: string | null): Set<number> {
  const s = new Set<number>();
  if (agent !== null) s.add(hash32(agent));
  return s;
}

/** A route's distinct identifiers, first seen first (its first alone while its set is null). */
export function routeIds(ri: RouteIds): Iterable<number> {
  return ri.ids ?? [ri.firstId];
}

/** How many distinct identifiers a route saw (as routeIds counts them), without making a set. */
export function idCount(ri: RouteIds): number {
  const ids = ri.ids;
  return ids === null ? 1 : Array.isArray(ids) ? ids.length : ids.size;
}

/** The route's own identifier set, made from its first identifier while null. */
function ownIds(ri: RouteIds): Set<number> {
  const ids = ri.ids;
  if (ids instanceof Set) return ids;
  return (ri.ids = new Set(ids ?? [ri.firstId]));
}

/** A client's routes with their entries (its one route while it has no map). */
export function clientRoutes(c: ActiveClient): Iterable<readonly [string, RouteIds]> {
  if (c.routes !== null) return c.routes;
  const out: [string, RouteIds][] = [];
  const few = c.few;
  if (few !== null) for (let i = 0; i < few.length; i += 2) out.push([few[i] as string, few[i + 1] as RouteIds]);
  return out;
}

/** The client's entry of `route`, if it has one. */
function findRoute(c: ActiveClient, route: string): RouteIds | null {
  if (c.routes !== null) return c.routes.get(route) ?? null;
  const few = c.few;
  if (few !== null) for (let i = 0; i < few.length; i += 2) if (few[i] === route) return few[i + 1] as RouteIds;
  return null;
}

/** How many routes a client has (as clientRoutes lists them). */
export function routeCount(c: ActiveClient): number {
  return c.routes !== null ? c.routes.size : c.few === null ? 0 : c.few.length / 2;
}

/** A client's distinct agents as hashes (its first agent's alone while its set is null). */
export function agentHashes(c: ActiveClient): ReadonlySet<number> {
  return c.agents ?? firstAgent(c.agent);
}

/** How many distinct agents a client sent (as agentHashes counts them), without making a set. */
export function agentCount(c: ActiveClient): number {
  return c.agents !== null ? c.agents.size : c.agent !== null ? 1 : 0;
}

/** An evicted client: no longer its map's, nor cached on its address's facts. */
function release(c: ActiveClient): void {
  c.owner = null;
  if (c.cachedOn !== null && c.cachedOn.activity === c) c.cachedOn.activity = null;
  c.cachedOn = null;
}

/** Adds the minute being counted to the client's per-minute counts. */
function flushMinute(c: ActiveClient): void {
  if (c.curCount === 0) return;
  addMinute(c, c.curMinute, c.curCount);
  c.curCount = 0;
}

/** Adds `n` requests in minute `m` to the client's stored minutes (a list of pairs up to FEW_MINUTES, then a Map). */
function addMinute(c: ActiveClient, m: number, n: number): void {
  const pm = c.perMinute;
  if (pm === null) {
    c.perMinute = [m, n];
    return;
  }
  if (!Array.isArray(pm)) {
    pm.set(m, (pm.get(m) ?? 0) + n);
    return;
  }
  // Latest first: input in time order comes back to its last minute, if to any.
  for (let i = pm.length - 2; i >= 0; i -= 2) {
    if (pm[i] === m) {
      pm[i + 1] = (pm[i + 1] ?? 0) + n;
      return;
    }
  }
  if (pm.length < 2 * FEW_MINUTES) {
    c.perMinute = pm.concat([m, n]);
    return;
  }
  const map = new Map<number, number>();
  for (let i = 0; i < pm.length; i += 2) map.set(pm[i] ?? 0, pm[i + 1] ?? 0);
  map.set(m, n);
  c.perMinute = map;
}

/** A copy of stored minutes, of the same kind. */
function copyMinutes(pm: number[] | Map<number, number> | null): number[] | Map<number, number> | null {
  return pm === null ? null : Array.isArray(pm) ? pm.slice() : new Map(pm);
}

/** The stored minutes (without the one being counted) as a Map (the same Map when they are one). */
function storedMinutes(pm: number[] | Map<number, number> | null): Map<number, number> {
  if (pm === null) return new Map<number, number>();
  if (!Array.isArray(pm)) return pm;
  const out = new Map<number, number>();
  for (let i = 0; i < pm.length; i += 2) out.set(pm[i] ?? 0, pm[i + 1] ?? 0);
  return out;
}

/** The stored count of minute `m` (undefined: none). */
function storedMinute(pm: number[] | Map<number, number> | null, m: number): number | undefined {
  if (pm === null) return undefined;
  if (!Array.isArray(pm)) return pm.get(m);
  for (let i = pm.length - 2; i >= 0; i -= 2) if (pm[i] === m) return pm[i + 1];
  return undefined;
}

/** A client's requests per minute, the minute being counted included (without changing the client). */
export function minuteEntries(c: ActiveClient): ReadonlyMap<number, number> {
  const stored = storedMinutes(c.perMinute);
  if (c.curCount === 0) return stored;
  const out = stored === c.perMinute ? new Map(stored) : stored;
  out.set(c.curMinute, (out.get(c.curMinute) ?? 0) + c.curCount);
  return out;
}

/** How many of a client's minutes (the one being counted included) have from `lo` to `hi` requests (no allocation). */
export function minutesWithin(c: ActiveClient, lo: number, hi: number): number {
  let n = 0;
  const minutes = c.perMinute;
  if (Array.isArray(minutes)) {
    for (let i = 1; i < minutes.length; i += 2) {
      const k = minutes[i] ?? 0;
      if (k >= lo && k <= hi) n++;
    }
  } else if (minutes !== null) for (const k of minutes.values()) if (k >= lo && k <= hi) n++;
  if (c.curCount !== 0) {
    const had = storedMinute(minutes, c.curMinute);
    if (had !== undefined && had >= lo && had <= hi) n--;
    const k = (had ?? 0) + c.curCount;
    if (k >= lo && k <= hi) n++;
  }
  return n;
}

/** A client's requests per minute (the minute being counted included), in minute order. */
export function minuteCounts(c: ActiveClient): number[] {
  return [...minuteEntries(c)].sort((a, b) => a[0] - b[0]).map(([, n]) => n);
}
