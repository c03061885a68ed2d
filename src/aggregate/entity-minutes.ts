/**
 * Requests per minute of each entity a request comes from: its address, its /24 and /16 (IPv6 /64 and /48), and its
 * ASN (with geo data). One CellTable (core/cells.ts) per kind and minute holds, per entity: requests, static-asset
 * requests, requests from self-declared bots, its member addresses and agents (up to 5,000 and 64), and the first
 * evidence. The burst judge reads a minute
 * once it is closed (detect/burst.ts).
 * Windows: minutes stay open while input may still arrive for them; `closeUntil(m)` hands over every open minute up
 * to m, in order, and from then on a record for a minute up to m is dropped (counted in `late`): with m the newest
 * minute minus the lateness, "late" means older than the newest record minus the lateness, whether or not its
 * minute had records. Read as the run reads inputs that overlap in time (merged by time, each input in its own
 * order), the newest record seen when a record of input S comes is S's own newest, so a shard that counts whole
 * inputs drops exactly the records one pass over all of them drops, and a minute it closed gets nothing more from
 * its inputs: shards post their closed minutes (aggregate/closed-minutes.ts) and the main thread merges them
 * (aggregate/windows.ts).
 * Evidence: the first `evidenceLimit` references of a cell as they come, or, given an EvidenceOrder (inputs read
 * interleaved), the earliest in that order, so that one pass and merged shards keep the same.
 * Memory: the open minutes only; per kind and minute at most `cap` cells (the lightest evicted, their counts kept as
 * a histogram for the peer statistics). Closed tables go back to a pool.
 * Mergeable (open minutes of two shards: counts add, member sets unite up to their caps, evidence keeps the k
 * earliest) and serializable.
 */
import type { SourceRef } from '../core/types';
import { CellPool, CellTable } from '../core/cells';
import type { EnrichedRecord } from '../enrich/types';
import { mergeEvidence, type EvidenceOrder, type Mergeable } from './types';

export type EntityKind = 'ip' | 'narrow' | 'wide' | 'asn';
export const ENTITY_KINDS: readonly EntityKind[] = ['ip', 'narrow', 'wide', 'asn'];

/** Integer columns of a cell. */
export const N = 0;
export const STATICS = 1;
export const BOTS = 2;
/**
 * Columns of an address's cell (kind 0) linking it to the cells of its /24, /16 and ASN in the same minute: their
 * slot + 1 (0: none yet); a link is only a hint, checked against the slot's key (a pruning moves slots).
 */
const NARROW_AT = 3;
const WIDE_AT = 4;
const ASN_AT = 5;
/**
 * Reference columns: the first member address (until a second makes IPS a set), the address set, the first agent
 * (until a second makes AGENTS a set), the agent set. Storing a first value costs no allocation: most cells see one
 * request.
 */
const IP0 = 0;
const IPS = 1;
const AGENT0 = 2;
const AGENTS = 3;
/** What a linked cell already has from an address's earlier requests in the minute (see touchLinked). */
const KNOWN_IP = 1;
const KNOWN_AGENT = 2;
/** Member addresses and agents kept per cell. */
const MAX_IPS = 5000;
const MAX_AGENTS = 64;

/** How the aggregate counts. */
export interface EntityMinutesOptions {
  /** Cells per kind and minute. */
  readonly cap: number;
  readonly evidenceLimit: number;
  /** Count ASNs (only with geo data). */
  readonly asn: boolean;
}

/** One cell as JSON: [key, n, statics, bots, members, agents, evidence]. */
type CellJson = readonly [string, number, number, number, readonly string[], readonly string[], readonly (readonly [string, number])[]];

export interface EntityMinutesJson {
  readonly kind: 'entity-minutes';
  readonly options: EntityMinutesOptions;
  readonly closed: number | null;
  readonly late: number;
  /** Open minutes: [minute, per kind: [cells, evicted histogram [[weight, cells]...]]]. */
  readonly minutes: readonly (readonly [number, readonly (readonly [readonly CellJson[], readonly (readonly [number, number])[]])[]])[];
}

export class EntityMinutes implements Mergeable<EntityMinutes, EntityMinutesJson> {
  private readonly minutes = new Map<number, CellTable[]>();
  private readonly pool: CellPool;
  private lastMinute = Number.NaN;
  private lastTables: CellTable[] | null = null;
  /** The minute closed last (records for it or earlier are late). */
  private closed = Number.NEGATIVE_INFINITY;
  /** The latest minute seen (of any record, counted or not). */
  maxMinute = Number.NEGATIVE_INFINITY;
  /** Records dropped for arriving after their minute was closed. */
  late = 0;

  /** `order`: keep each cell's earliest evidence in that order instead of the first that comes. */
  constructor(readonly options: EntityMinutesOptions, private readonly order?: EvidenceOrder) {
    this.pool = new CellPool({ ints: 6, refs: 4, evidence: options.evidenceLimit, cap: options.cap });
  }

  /** Every minute up to this one is closed (null while none is). */
  get watermark(): number | null {
    return Number.isFinite(this.closed) ? this.closed : null;
  }

  /** Counts one record (nothing for a record without a client address). */
  add(r: EnrichedRecord): void {
    const m = Math.floor(r.startMs / 60_000);
    // The newest minute is the newest record's, with a client address or not: "late" is relative to the input's
    // newest record, as the shards' equivalence with one pass needs.
    if (m > this.maxMinute) this.maxMinute = m;
    const ip = r.clientIp;
    if (ip === null) return;
    if (m <= this.closed) {
      this.late++;
      return;
    }
    const tables = m === this.lastMinute && this.lastTables !== null ? this.lastTables : this.tablesOf(m);
    this.lastMinute = m;
    this.lastTables = tables;
    const c = r.client;
    const t0 = tables[0] as CellTable;
    // The address's slot, remembered on its facts (checked against the slot's key: another minute's table, a
    // pruning or another instance make the hint stale).
    let s0: number;
    if (c !== null) {
      s0 = t0.slotHint(c.ipSlot, ip, c.hash);
      c.ipSlot = s0;
    } else s0 = t0.slot(ip);
    // What earlier requests of the address this minute already gave its linked cells: the address as a member
    // (KNOWN_IP: it had requests), and this request's agent (KNOWN_AGENT: the address's first agent is this one).
    const before = (t0.ints[N] as Int32Array)[s0] ?? 0;
    const ua = r.userAgent;
    const known = before === 0 ? 0 : KNOWN_IP | (ua !== null && (t0.refs[AGENT0] as (string | null)[])[s0] === ua ? KNOWN_AGENT : 0);
    this.touch(t0, s0, 0, r, ip, 0);
    if (c === null) return;
    // The address's cell remembers the slots of its networks' and ASN's cells in the same minute: an address has
    // several requests a minute, and only its first looks them up.
    if (c.narrow !== null) this.touchLinked(tables[1] as CellTable, 1, NARROW_AT, t0, s0, c.narrow, c.narrowHash, r, ip, known);
    if (c.wide !== null) this.touchLinked(tables[2] as CellTable, 2, WIDE_AT, t0, s0, c.wide, c.wideHash, r, ip, known);
    const asn = this.options.asn ? c.asnKey : null;
    if (asn !== null) this.touchLinked(tables[3] as CellTable, 3, ASN_AT, t0, s0, asn, c.asnHash, r, ip, known);
  }

  /**
   * touch() of the cell of `key` (hash32 `hash`) in `t`, found through (and remembered in) column `link` of address cell `s0`. When
   * the link held (the cell the address's earlier requests this minute counted into, in a table not pruned since:
   * the same cell, not one re-created at that slot), what `known` says those requests gave it is not given again.
   */
  private touchLinked(t: CellTable, kind: number, link: number, t0: CellTable, s0: number, key: string, hash: number, r: EnrichedRecord, ip: string, known: number): void {
    const links = t0.ints[link] as Int32Array;
    const hint = (links[s0] ?? 0) - 1;
    const s = t.slotHint(hint, key, hash);
    links[s0] = s + 1;
    this.touch(t, s, kind, r, ip, s === hint && t.stats.prunes === 0 ? known : 0);
  }

  private tablesOf(m: number): CellTable[] {
    let t = this.minutes.get(m);
    if (t === undefined) {
      t = ENTITY_KINDS.map(() => this.pool.take());
      this.minutes.set(m, t);
    }
    return t;
  }

  /**
   * Counts one request in cell `s` of `t` for its minute (kind 0: the address itself); `known` (KNOWN_IP,
   * KNOWN_AGENT): the cell already has the address, the agent (or had no room for it).
   */
  private touch(t: CellTable, s: number, kind: number, r: EnrichedRecord, ip: string, known: number): void {
    if (this.order === undefined) t.addEvidence(s, r.source);
    else t.addEvidenceBy(s, r.source, this.order);
    const ns = t.ints[N] as Int32Array;
    const n = (ns[s] ?? 0) + 1;
    ns[s] = n;
    // Every request counts its address and agent (a first one is a pointer store; a set only once a second
    // differs), so the cell is the same whichever shard or order its requests came in.
    if (kind === 0) {
      if (n === 1) (t.refs[IP0] as (string | null)[])[s] = ip;
    } else if ((known & KNOWN_IP) === 0) addMember(t, s, ip);
    if (r.userAgent !== null && (known & KNOWN_AGENT) === 0) addAgent(t, s, r.userAgent);
    if (r.isStatic) bump(t.ints[STATICS] as Int32Array, s);
    if (r.agent.agentClass === 'bot') bump(t.ints[BOTS] as Int32Array, s);
  }

  /**
   * Closes every minute up to `limit`, handing over the open ones in order: `judge(minute, tables)` reads the tables
   * (indexed like ENTITY_KINDS), which go back to the pool after it returns.
   */
  closeUntil(limit: number, judge: (minute: number, tables: readonly CellTable[]) => void): void {
    const ready = [...this.minutes.keys()].filter((m) => m <= limit).sort((a, b) => a - b);
    for (const m of ready) {
      const tables = this.minutes.get(m);
      this.minutes.delete(m);
      if (tables === this.lastTables) {
        this.lastTables = null;
        this.lastMinute = Number.NaN;
      }
      if (tables) {
        judge(m, tables);
        for (const t of tables) this.pool.give(t);
      }
      this.closed = m;
    }
    if (limit > this.closed && Number.isFinite(limit)) this.closed = limit;
  }

  merge(other: EntityMinutes, order: EvidenceOrder): void {
    for (const [m, theirs] of other.minutes) {
      const mine = this.tablesOf(m);
      theirs.forEach((t, k) => mergeTable(mine[k] as CellTable, t, this.options.evidenceLimit, order));
      if (m > this.maxMinute) this.maxMinute = m;
    }
    this.late += other.late;
    this.lastTables = null;
    this.lastMinute = Number.NaN;
  }

  toJSON(): EntityMinutesJson {
    const minutes = [...this.minutes].sort((a, b) => a[0] - b[0]).map(([m, tables]): [number, [CellJson[], [number, number][]][]] => [m, tables.map((t) => [
      t.keys.map((key, s): CellJson => [
        key, (t.ints[N] as Int32Array)[s] ?? 0, (t.ints[STATICS] as Int32Array)[s] ?? 0, (t.ints[BOTS] as Int32Array)[s] ?? 0,
        [...cellMembers(t, s)], [...cellAgents(t, s)], t.evidence(s).map((e): [string, number] => [e.file, e.line]),
      ]),
      t.evicted === null ? [] : [...t.evicted],
    ])]);
    return { kind: 'entity-minutes', options: this.options, closed: Number.isFinite(this.closed) ? this.closed : null, late: this.late, minutes };
  }

  static fromJSON(j: EntityMinutesJson, order?: EvidenceOrder): EntityMinutes {
    const out = new EntityMinutes(j.options, order);
    out.closed = j.closed ?? Number.NEGATIVE_INFINITY;
    out.late = j.late;
    for (const [m, kinds] of j.minutes) {
      const tables = out.tablesOf(m);
      kinds.forEach(([cells, evicted], k) => {
        const t = tables[k] as CellTable;
        for (const [key, n, statics, bots, members, agents, evidence] of cells) {
          const s = t.slot(key);
          (t.ints[N] as Int32Array)[s] = n;
          (t.ints[STATICS] as Int32Array)[s] = statics;
          (t.ints[BOTS] as Int32Array)[s] = bots;
          for (const ip of members) addMember(t, s, ip);
          for (const a of agents) addAgent(t, s, a);
          for (const [file, line] of evidence) t.addEvidence(s, { file, line });
        }
        if (evicted.length > 0) t.evicted = new Map(evicted);
      });
      if (m > out.maxMinute) out.maxMinute = m;
    }
    return out;
  }
}

function bump(col: Int32Array, s: number): void {
  col[s] = (col[s] ?? 0) + 1;
}

/** Adds a member address to a cell (at most MAX_IPS). */
export function addMember(t: CellTable, s: number, ip: string): void {
  const ips = t.refs[IPS] as (Set<string> | null)[];
  const set = ips[s] ?? null;
  if (set !== null) {
    if (set.size < MAX_IPS) set.add(ip);
    return;
  }
  const first = t.refs[IP0] as (string | null)[];
  const ip0 = first[s] ?? null;
  if (ip0 === null) first[s] = ip;
  else if (ip0 !== ip) ips[s] = new Set([ip0, ip]);
}

/** A cell's member addresses, first seen first. */
export function cellMembers(t: CellTable, s: number): Iterable<string> {
  const set = (t.refs[IPS] as (Set<string> | null)[])[s] ?? null;
  if (set !== null) return set;
  const ip0 = (t.refs[IP0] as (string | null)[])[s] ?? null;
  return ip0 === null ? [] : [ip0];
}

/** Adds an agent to a cell (at most MAX_AGENTS). */
export function addAgent(t: CellTable, s: number, agent: string): void {
  const sets = t.refs[AGENTS] as (Set<string> | null)[];
  const set = sets[s] ?? null;
  if (set !== null) {
    if (set.size < MAX_AGENTS) set.add(agent);
    return;
  }
  const first = t.refs[AGENT0] as (string | null)[];
  const a0 = first[s] ?? null;
  if (a0 === null) first[s] = agent;
  else if (a0 !== agent) sets[s] = new Set([a0, agent]);
}

/** A cell's distinct agents, first seen first. */
export function cellAgents(t: CellTable, s: number): Iterable<string> {
  const set = (t.refs[AGENTS] as (Set<string> | null)[])[s] ?? null;
  if (set !== null) return set;
  const a0 = (t.refs[AGENT0] as (string | null)[])[s] ?? null;
  return a0 === null ? [] : [a0];
}

/** Adds table `from` into `into` (the same kind and minute of another shard). */
function mergeTable(into: CellTable, from: CellTable, k: number, order: EvidenceOrder): void {
  for (let s = 0; s < from.size; s++) {
    const key = from.keys[s] as string;
    const d = into.slot(key);
    for (const c of [N, STATICS, BOTS]) {
      const col = into.ints[c] as Int32Array;
      col[d] = (col[d] ?? 0) + ((from.ints[c] as Int32Array)[s] ?? 0);
    }
    for (const ip of cellMembers(from, s)) addMember(into, d, ip);
    for (const a of cellAgents(from, s)) addAgent(into, d, a);
    const merged: SourceRef[] = mergeEvidence(into.evidence(d), from.evidence(s), k, order);
    into.setEvidence(d, merged);
  }
  if (from.evicted !== null) {
    into.evicted ??= new Map();
    for (const [w, n] of from.evicted) into.evicted.set(w, (into.evicted.get(w) ?? 0) + n);
  }
}
