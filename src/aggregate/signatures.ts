/**
 * Requests grouped by signature, across addresses and time, for the campaign detector (detect/campaign.ts). A
 * signature is a known exploit pattern's name (enrich/exploits.ts) when the request carries one, else its endpoint
 * (method + route template) and status class. Per signature: requests, hostile-looking requests and what made them
 * so (exploit pattern, scanner agent, probe or attack path, unusual method answered with an error, a broken request
 * line), statuses, first and last time; for its hostile-looking requests only: the addresses (the first 1,000 exactly,
 * with HyperLogLog sketches of addresses, /24s (IPv6 /64s) and /16s (/48s) beyond), ASNs (first 200), the first
 * paths and agents, the first sizes of 2xx answers, and the first evidence. Beside them, the first sizes of the 2xx
 * answers to `GET /` (the site's home page: an exploit answered with it was answered by a catch-all). First-seen
 * lists keep the values seen earliest in event time, without counts (Earliest), so that merged shards and inputs
 * read merged keep exactly what one pass over one file keeps.
 * Memory: at most `cap` endpoints (CappedMap, the lightest by weight evicted first, a hostile-looking request
 * weighing a hundred ordinary ones; evictions counted) with 6 status-class cells each; per cell the lists above are
 * capped. Per record: a map lookup by the record's interned endpoint and counters; the exploit patterns run once per
 * distinct path (a per-instance cache, cleared when full) and on queries and agents only when they hold `$`, `{` or
 * a pattern's word.
 * Mergeable and serializable (aggregate/types.ts): counts add, sketches merge, first-seen lists keep the earliest in
 * input order, so below the caps merged shards equal one pass.
 */
import type { SourceRef } from '../core/types';
import { CappedMap, addCapStats, type CapStats } from '../core/capped';
import { HyperLogLog } from '../core/hll';
import { detach } from '../core/text';
import type { EnrichedRecord } from '../enrich/types';
import { EXPLOITS, exploitOfPath, exploitOfQueryOrAgent } from '../enrich/exploits';
import { ATTACK, IS_ATTACK, IS_PROBE, IS_SECRET } from '../enrich/path-class';
import { mergeEvidence, type EvidenceOrder, type Mergeable } from './types';
import { earlier, refJSON, refOf } from './earliest';
import { ORDINARY_METHODS } from '../core/http';

/** Why a request looks hostile: bits of `marks`. */
export const MARK_EXPLOIT = 0;
export const MARK_SCANNER = 1;
export const MARK_PROBE = 2;
export const MARK_METHOD = 3;
export const MARK_BROKEN = 4;
export const MARK_NAMES = ['exploit pattern', 'scanner agent', 'probe or attack path', 'unusual method refused', 'broken request'] as const;

/** A method that is an HTTP token of capital letters (anything else is bytes of another protocol or garbage). */
const METHOD_TOKEN = /^[A-Z][A-Z-]{1,19}$/;

/** Addresses kept exactly per cell; ASNs; paths, agents and 2xx sizes; home-page sizes. */
export const MAX_MEMBERS = 1000;
const MAX_ASNS = 200;
const MAX_SEEN = 6;
const MAX_SIZES = 20;
const MAX_HOME_SIZES = 100;
/** Paths whose exploit index the instance caches before it clears the cache. */
const EXPLOIT_CACHE = 20_000;
/** Characters kept of a sample path or agent. */
const SAMPLE_CHARS = 100;
/** Weight of a hostile-looking request against an ordinary one when the cap evicts. */
const HOSTILE_WEIGHT = 100;


/** One signature's counts. */
export interface SignatureCell {
  requests: number;
  hostile: number;
  /** Hostile-looking requests per mark (MARK_*). */
  marks: number[];
  /** Requests per status code (codes outside 100–599 under 0). */
  statuses: Map<number, number>;
  first: number;
  last: number;
  /** Hostile-looking requests' first and last time. */
  hostileFirst: number;
  hostileLast: number;
  /** Addresses of hostile-looking requests, first seen first, the first MAX_MEMBERS; `overflow` when there were more. */
  members: Map<string, SourceRef>;
  overflow: boolean;
  addresses: HyperLogLog;
  narrow: HyperLogLog;
  wide: HyperLogLog;
  asns: Set<string>;
  /** The first paths (with the query) and agents, each with its first record. */
  paths: Earliest<string>;
  agents: Earliest<string>;
  /** 2xx answers with a body to hostile-looking requests, and their first 20 sizes. */
  answered: number;
  sizes: Earliest<number>;
  evidence: SourceRef[];
}

/** An endpoint's cells by status class (0: no status, 1–5: 1xx–5xx); exploit signatures use cell 0. */
export interface SignatureGroup {
  readonly cells: (SignatureCell | null)[];
  weight: number;
}

export interface SignaturesOptions {
  /** Endpoints (and exploit names) kept at most. */
  readonly cap: number;
  readonly evidenceLimit: number;
}

type Ref = readonly [string, number];
type SeenJson<K> = readonly (readonly [K, number, string, number])[];
/** A cell as JSON. */
interface CellJson {
  readonly requests: number;
  readonly hostile: number;
  readonly marks: readonly number[];
  readonly statuses: readonly (readonly [number, number])[];
  readonly first: number;
  readonly last: number;
  readonly hostileFirst: number | null;
  readonly hostileLast: number | null;
  readonly members: readonly (readonly [string, string, number])[];
  readonly overflow: boolean;
  readonly addresses: string;
  readonly narrow: string;
  readonly wide: string;
  readonly asns: readonly string[];
  readonly paths: SeenJson<string>;
  readonly agents: SeenJson<string>;
  readonly answered: number;
  readonly sizes: SeenJson<number>;
  readonly evidence: readonly Ref[];
}

export interface SignaturesJson {
  readonly kind: 'signatures';
  readonly options: SignaturesOptions;
  readonly groups: readonly (readonly [string, readonly (CellJson | null)[]])[];
  readonly stats: CapStats;
  readonly homeSizes: SeenJson<number>;
}

/** The key of an exploit signature. */
export function exploitKey(index: number): string {
  return `exploit ${EXPLOITS[index]?.name ?? '?'}`;
}

/** Whether a group key is an exploit pattern's (not an endpoint). */
export function isExploitKey(key: string): boolean {
  return key.startsWith('exploit ');
}

function newCell(r: EnrichedRecord): SignatureCell {
  return {
    requests: 0, hostile: 0, marks: [0, 0, 0, 0, 0], statuses: new Map(), first: r.startMs, last: r.startMs, hostileFirst: Number.POSITIVE_INFINITY, hostileLast: Number.NEGATIVE_INFINITY,
    members: new Map(), overflow: false, addresses: new HyperLogLog(), narrow: new HyperLogLog(), wide: new HyperLogLog(), asns: new Set(), paths: new Earliest(MAX_SEEN), agents: new Earliest(MAX_SEEN),
    answered: 0, sizes: new Earliest(MAX_SIZES), evidence: [],
  };
}

/**
 * The `cap` values seen earliest in event time (ties: the first noted, or in a merge the earlier in input order), each
 * with its earliest time and record: the same whether records came in time order or not, in one input or in several
 * read merged, counted in one pass or in shards merged. Noting a value no earlier than the latest kept is one compare.
 */
export class Earliest<K> {
  private readonly m = new Map<K, { t: number; ref: SourceRef }>();
  /** The latest time kept. */
  private maxT = Number.NEGATIVE_INFINITY;

  constructor(readonly cap: number) {}

  get size(): number {
    return this.m.size;
  }

  /** The values kept, earliest first. */
  keys(): K[] {
    return [...this.m].sort((a, b) => a[1].t - b[1].t).map(([k]) => k);
  }

  note(key: K, ref: SourceRef, t: number, order?: EvidenceOrder): void {
    const was = this.m.get(key);
    if (was !== undefined) {
      if (t < was.t || (t === was.t && order !== undefined && order(ref, was.ref) < 0)) {
        was.t = t;
        was.ref = ref;
        this.maxT = this.latest();
      }
      return;
    }
    if (this.m.size < this.cap) {
      this.m.set(key, { t, ref });
      if (t > this.maxT) this.maxT = t;
      return;
    }
    if (t >= this.maxT) return;
    let worst: K | undefined;
    let worstT = Number.NEGATIVE_INFINITY;
    for (const [k, v] of this.m) if (v.t >= worstT) [worst, worstT] = [k, v.t];
    if (worst !== undefined) this.m.delete(worst);
    this.m.set(key, { t, ref });
    this.maxT = this.latest();
  }

  private latest(): number {
    let x = Number.NEGATIVE_INFINITY;
    for (const v of this.m.values()) if (v.t > x) x = v.t;
    return x;
  }

  /** Adds another's values (the earliest kept). */
  merge(other: Earliest<K>, order: EvidenceOrder): void {
    const all = new Map(this.m);
    for (const [k, v] of other.m) {
      const was = all.get(k);
      if (was === undefined || v.t < was.t || (v.t === was.t && order(v.ref, was.ref) < 0)) all.set(k, v);
    }
    const kept = [...all].sort((a, b) => a[1].t - b[1].t || order(a[1].ref, b[1].ref)).slice(0, this.cap);
    this.m.clear();
    for (const [k, v] of kept) this.m.set(k, { ...v });
    this.maxT = this.latest();
  }

  toJSON(): SeenJson<K> {
    return [...this.m].sort((a, b) => a[1].t - b[1].t || (a[1].ref.file < b[1].ref.file ? -1 : a[1].ref.file > b[1].ref.file ? 1 : a[1].ref.line - b[1].ref.line)).map(([k, v]) => [k, v.t, v.ref.file, v.ref.line]);
  }

  static fromJSON<K>(cap: number, j: SeenJson<K>): Earliest<K> {
    const e = new Earliest<K>(cap);
    for (const [k, t, file, line] of j) e.m.set(k, { t, ref: { file, line } });
    e.maxT = e.latest();
    return e;
  }
}

export class Signatures implements Mergeable<Signatures, SignaturesJson> {
  groups: CappedMap<SignatureGroup>;
  /** The first 100 sizes of 2xx answers to GET /. */
  homeSizes = new Earliest<number>(MAX_HOME_SIZES);
  /** Exploit index per distinct path (per instance; cleared when full). */
  private exploitCache = new Map<string, number>();

  constructor(readonly options: SignaturesOptions) {
    this.groups = new CappedMap<SignatureGroup>({ cap: options.cap, weight: (g) => g.weight, memo: 64 });
  }

  /** The exploit pattern of a record (index in EXPLOITS) or -1. */
  private exploitOf(r: EnrichedRecord): number {
    const path = r.path;
    let i = -1;
    // The enricher classified the path once per distinct path (its cached entry); the cache here serves records
    // enriched without one.
    const e = r.pathEntry;
    if (path !== null && e !== null && e !== undefined && e.path === path) i = e.exploit;
    else if (path !== null) {
      const cached = this.exploitCache.get(path);
      if (cached !== undefined) i = cached;
      else {
        i = exploitOfPath(path);
        if (this.exploitCache.size >= EXPLOIT_CACHE) this.exploitCache.clear();
        this.exploitCache.set(path, i);
      }
    }
    return i >= 0 ? i : exploitOfQueryOrAgent(r.query, r.userAgent);
  }

  /** Counts one record (nothing for a record without a client address). */
  add(r: EnrichedRecord): void {
    const ip = r.clientIp;
    if (ip === null) return;
    const st = r.status;
    const method = r.method;
    const exploit = this.exploitOf(r);
    // What makes the request look hostile, whoever sent it.
    let marks = 0;
    if (exploit >= 0) marks |= 1 << MARK_EXPLOIT;
    if (r.agent.family === 'scanner') marks |= 1 << MARK_SCANNER;
    const v = r.pathClass;
    const refused = st !== null && st >= 400;
    if ((v & (IS_SECRET | IS_ATTACK)) !== 0 || ((v & IS_PROBE) !== 0 && refused && st < 500) || (r.query !== null && ATTACK.test(r.query))) marks |= 1 << MARK_PROBE;
    if (method !== null && !ORDINARY_METHODS.has(method)) {
      if (!METHOD_TOKEN.test(method)) marks |= 1 << MARK_BROKEN;
      else if (refused) marks |= 1 << MARK_METHOD;
    }
    if (st === 414 || st === 431) marks |= 1 << MARK_BROKEN;
    const key = exploit >= 0 ? exploitKey(exploit) : r.endpoint;
    const cls = exploit >= 0 || st === null || st < 100 || st > 599 ? 0 : Math.floor(st / 100);
    let g = this.groups.get(key);
    if (g === undefined) {
      g = { cells: [null, null, null, null, null, null], weight: 0 };
      this.groups.add(detach(key), g);
    }
    let c = g.cells[cls] ?? null;
    if (c === null) {
      c = newCell(r);
      g.cells[cls] = c;
    }
    c.requests++;
    g.weight += marks === 0 ? 1 : HOSTILE_WEIGHT;
    if (r.startMs < c.first) c.first = r.startMs;
    if (r.startMs > c.last) c.last = r.startMs;
    const code = st !== null && st >= 100 && st <= 599 ? st : 0;
    c.statuses.set(code, (c.statuses.get(code) ?? 0) + 1);
    if (st !== null && st >= 200 && st < 300 && method === 'GET' && r.path === '/') this.homeSizes.note(r.bytesOut ?? -1, r.source, r.startMs);
    if (marks === 0) return;
    c.hostile++;
    for (let b = 0; b < MARK_NAMES.length; b++) if ((marks & (1 << b)) !== 0) c.marks[b] = (c.marks[b] ?? 0) + 1;
    if (r.startMs < c.hostileFirst) c.hostileFirst = r.startMs;
    if (r.startMs > c.hostileLast) c.hostileLast = r.startMs;
    const f = r.client;
    if (!c.members.has(ip)) {
      if (c.members.size < MAX_MEMBERS) c.members.set(ip, r.source);
      else c.overflow = true;
    }
    if (f !== null) {
      c.addresses.addHash(f.hash);
      if (f.narrow !== null) c.narrow.add(f.narrow);
      if (f.wide !== null) c.wide.add(f.wide);
      if (f.asnKey !== null && c.asns.size < MAX_ASNS) c.asns.add(f.asnKey);
    } else c.addresses.add(ip);
    const shown = r.query !== null ? `${r.path ?? ''}?${r.query}` : r.path ?? (method ?? '-');
    c.paths.note(detach(shown.length > SAMPLE_CHARS ? `${shown.slice(0, SAMPLE_CHARS)}…` : shown), r.source, r.startMs);
    const ua = r.userAgent ?? '-';
    c.agents.note(detach(ua.length > SAMPLE_CHARS ? `${ua.slice(0, SAMPLE_CHARS)}…` : ua), r.source, r.startMs);
    if (st !== null && st >= 200 && st < 300 && (r.bytesOut ?? 0) > 0) {
      c.answered++;
      const b = r.bytesOut ?? 0;
      c.sizes.note(b, r.source, r.startMs);
    }
    if (c.evidence.length < this.options.evidenceLimit) c.evidence.push(r.source);
  }

  merge(other: Signatures, order: EvidenceOrder): void {
    for (const [key, og] of other.groups.entries()) {
      let g = this.groups.get(key);
      if (g === undefined) {
        g = { cells: [null, null, null, null, null, null], weight: 0 };
        this.groups.add(key, g);
      }
      g.weight += og.weight;
      og.cells.forEach((oc, i) => {
        if (oc === null || g === undefined) return;
        const c = g.cells[i] ?? null;
        g.cells[i] = c === null ? oc : mergeCell(c, oc, this.options.evidenceLimit, order);
      });
    }
    // Keys are counted as inserted once (here, when the merge adds them), as one pass counts them.
    const inserted = this.groups.stats.inserted;
    addCapStats(this.groups.stats, other.groups.stats);
    this.groups.stats.inserted = inserted;
    this.homeSizes.merge(other.homeSizes, order);
  }

  /** Maps endpoint keys through the run's final endpoints (the route templater collapsed a position), merging. */
  rekey(map: (key: string) => string, order: EvidenceOrder): void {
    const old = this.groups;
    const fresh = new Signatures(this.options);
    for (const [key, g] of old.entries()) {
      const k = isExploitKey(key) ? key : map(key);
      const one = new Signatures(this.options);
      one.groups.add(k, g);
      fresh.merge(one, order);
    }
    this.groups = fresh.groups;
    Object.assign(this.groups.stats, old.stats);
  }

  toJSON(): SignaturesJson {
    const groups = [...this.groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return {
      kind: 'signatures',
      options: this.options,
      groups: groups.map(([k, g]) => [k, g.cells.map((c) => (c === null ? null : cellJSON(c)))]),
      stats: { ...this.groups.stats },
      homeSizes: this.homeSizes.toJSON(),
    };
  }

  static fromJSON(j: SignaturesJson): Signatures {
    const s = new Signatures(j.options);
    for (const [k, cells] of j.groups) {
      const parsed = cells.map((c) => (c === null ? null : cellOf(c)));
      let weight = 0;
      for (const c of parsed) if (c !== null) weight += c.requests - c.hostile + HOSTILE_WEIGHT * c.hostile;
      s.groups.add(k, { cells: parsed, weight });
    }
    Object.assign(s.groups.stats, j.stats);
    s.homeSizes = Earliest.fromJSON(MAX_HOME_SIZES, j.homeSizes);
    return s;
  }
}

function mergeCell(a: SignatureCell, b: SignatureCell, k: number, order: EvidenceOrder): SignatureCell {
  a.requests += b.requests;
  a.hostile += b.hostile;
  a.marks = a.marks.map((n, i) => n + (b.marks[i] ?? 0));
  for (const [k, n] of b.statuses) a.statuses.set(k, (a.statuses.get(k) ?? 0) + n);
  a.first = Math.min(a.first, b.first);
  a.last = Math.max(a.last, b.last);
  a.hostileFirst = Math.min(a.hostileFirst, b.hostileFirst);
  a.hostileLast = Math.max(a.hostileLast, b.hostileLast);
  const members = new Map(a.members);
  for (const [ip, ref] of b.members) {
    const was = members.get(ip);
    members.set(ip, was === undefined ? ref : earlier(was, ref, order));
  }
  a.overflow = a.overflow || b.overflow || members.size > MAX_MEMBERS;
  a.members = members.size <= MAX_MEMBERS ? members : new Map([...members].sort((x, y) => order(x[1], y[1])).slice(0, MAX_MEMBERS));
  a.addresses.merge(b.addresses);
  a.narrow.merge(b.narrow);
  a.wide.merge(b.wide);
  for (const x of b.asns) if (a.asns.size < MAX_ASNS) a.asns.add(x);
  a.paths.merge(b.paths, order);
  a.agents.merge(b.agents, order);
  a.answered += b.answered;
  a.sizes.merge(b.sizes, order);
  a.evidence = mergeEvidence(a.evidence, b.evidence, k, order);
  return a;
}

const fin = (n: number): number | null => (Number.isFinite(n) ? n : null);

function cellJSON(c: SignatureCell): CellJson {
  return {
    requests: c.requests, hostile: c.hostile, marks: [...c.marks], statuses: [...c.statuses].sort((a, b) => a[0] - b[0]), first: c.first, last: c.last,
    hostileFirst: fin(c.hostileFirst), hostileLast: fin(c.hostileLast), members: [...c.members].map(([ip, r]) => [ip, r.file, r.line]), overflow: c.overflow,
    addresses: c.addresses.toJSON(), narrow: c.narrow.toJSON(), wide: c.wide.toJSON(), asns: [...c.asns], paths: c.paths.toJSON(), agents: c.agents.toJSON(),
    answered: c.answered, sizes: c.sizes.toJSON(), evidence: c.evidence.map(refJSON),
  };
}

function cellOf(j: CellJson): SignatureCell {
  return {
    requests: j.requests, hostile: j.hostile, marks: [...j.marks], statuses: new Map(j.statuses.map(([k, n]) => [k, n])), first: j.first, last: j.last,
    hostileFirst: j.hostileFirst ?? Number.POSITIVE_INFINITY, hostileLast: j.hostileLast ?? Number.NEGATIVE_INFINITY,
    members: new Map(j.members.map(([ip, file, line]) => [ip, { file, line }])), overflow: j.overflow,
    addresses: HyperLogLog.fromJSON(j.addresses), narrow: HyperLogLog.fromJSON(j.narrow), wide: HyperLogLog.fromJSON(j.wide), asns: new Set(j.asns),
    paths: Earliest.fromJSON(MAX_SEEN, j.paths), agents: Earliest.fromJSON(MAX_SEEN, j.agents), answered: j.answered, sizes: Earliest.fromJSON(MAX_SIZES, j.sizes), evidence: j.evidence.map(refOf),
  };
}
