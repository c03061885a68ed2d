/**
 * Session fragments: the open (not yet finalized) state of a session, built record by record (`addRecord`), merged
 * with another fragment of the same client key (`mergeInto`, `mergeFragments`), written as plain JSON and read back
 * (`fragmentToJSON`, `fragmentFromJSON`), and turned into a `Session` once it can no longer grow (finalize.ts).
 * The single stitcher holds its open sessions in this form; a run sharded by input stitches each shard into fragments
 * and joins them on the main thread (joiner.ts), handed over packed (`packFragments`, `unpackFragments`).
 *
 * Merging is exact: the fragment built from records A, merged with the one built from records B, is the fragment of
 * A ∪ B, whatever the order of the records and of the merges, field by field:
 * - counts (requests, pages, statics, errors, bytes) add; start and end are min and max;
 * - the sequence is the SEQUENCE_CAP earliest non-static (time, endpoint) pairs, ties by endpoint, and `seqSeen`
 *   counts them all: the earliest of two lists that each hold their own earliest are the earliest of the union;
 * - times are the TIMES_CAP earliest timestamps (a multiset), so median and max gap of a session past the cap are
 *   those of its first TIMES_CAP requests by time, not of its first arrivals;
 * - entry and exit are the non-static endpoint at the earliest and latest time, ties by the smaller and larger
 *   endpoint;
 * - evidence is the EVIDENCE_CAP earliest references in `order` (aggregate/types.ts EvidenceOrder). With no order
 *   (the single stitcher's default) a record's reference is kept while fewer than EVIDENCE_CAP are held (first
 *   arrivals, which is input order when inputs are read one after another) and a merge keeps the smallest by file
 *   name and line, as before fragments existed;
 * - user agent, agent, country, asn and network are the earliest record's (by time, ties by `order`, with no order
 *   by file name and line when merging and by arrival when adding). Keyed by ip + user agent they are the same for
 *   every record of a session (the agent follows the user agent, geo the address); keyed by ip alone this picks one;
 * - distinct endpoints: a set of at most DISTINCT_CAP. Below the cap it is exact; past it the members kept depend
 *   on order, but the count a session reports, min(true distinct, DISTINCT_CAP), is exact (a capped side holds
 *   DISTINCT_CAP already), and so is `distinctOverflow` (more than DISTINCT_CAP seen). `fragmentToJSON` lists the
 *   members sorted, so two fragments of the same records past the cap may differ there and only there.
 */
import type { EpochMs, SourceRef } from '../core/types';
import type { AgentInfo, EnrichedRecord } from '../enrich/types';
import { PackReader, PackWriter, type Packed } from '../core/packed';

/**
 * Orders source references as one sequential pass meets them: the shape of aggregate/types.ts `EvidenceOrder`
 * (`evidenceOrder(paths)` gives one), declared here because sessions/ sits below aggregate/.
 */
export type EvidenceOrder = (a: SourceRef, b: SourceRef) => number;
// Like every EvidenceOrder, it orders two references of one input by line (`earlier` relies on it).

/** Endpoints kept in order per session. */
export const SEQUENCE_CAP = 50;
/** Timestamps kept per session (the earliest by time) for the gap statistics. */
export const TIMES_CAP = 2000;
/** Distinct non-static endpoints counted per session. */
export const DISTINCT_CAP = 500;
/** Source lines kept per session for evidence. */
export const EVIDENCE_CAP = 3;
/** Distinct endpoints a session holds in an array before a Set (see SessionFragment). */
const FEW_DISTINCT = 16;

/** An open session: mutable, owned by whoever holds it (a stitcher, a joiner, a batch in transit). */
export interface SessionFragment {
  /** The client address (or host name): part of the key, the same for every record (`reuseFragment` rewrites it). */
  ip: string;
  ua: string | null;
  agent: AgentInfo;
  country: string | null;
  asn: number | null;
  network: string | null;
  /** Time and source line of the record whose user agent, agent and geo are kept (the earliest). */
  firstT: EpochMs;
  firstRef: SourceRef;
  startMs: EpochMs;
  endMs: EpochMs;
  requests: number;
  pages: number;
  statics: number;
  e4: number;
  e5: number;
  bytes: number;
  /** Times and endpoints of non-static requests, sorted by time (ties by endpoint), capped: parallel arrays. */
  seqT: number[];
  seqE: string[];
  seqSeen: number;
  /** The earliest TIMES_CAP timestamps; sorted when `timesSorted` (always once the cap is reached). */
  times: number[];
  timesSorted: boolean;
  /**
   * Distinct non-static endpoints, in the order first seen: the first one alone (`firstEp`), then all of them in a
   * short array (`few`, up to FEW_DISTINCT, searched by identity first: endpoints are interned), then in a Set
   * (`distinct`, `few` null). Most sessions are short: no Set for them.
   */
  firstEp: string | null;
  few: string[] | null;
  distinct: Set<string> | null;
  distinctOverflow: boolean;
  /** Timestamps and distinct endpoints held (a stitcher counts them against its detail budget). */
  detail: number;
  /** The stitcher's slot of this open session (stitcher.ts), −1 when no stitcher holds it. */
  slot: number;
  /**
   * `times` and `seqT` are arrays of an earlier session, emptied (`reuseFragment`): records are pushed into them. A new
   * fragment's first time goes into a one-element array instead (a first push into [] would reserve 17 slots).
   */
  reused: boolean;
  entryT: number;
  entryE: string;
  exitT: number;
  exitE: string;
  evidence: SourceRef[];
}

/** Plain-JSON form of a fragment (`fragmentFromJSON` of it gives an equal fragment). */
export interface FragmentJson {
  readonly ip: string;
  readonly ua: string | null;
  readonly agent: AgentInfo;
  readonly country: string | null;
  readonly asn: number | null;
  readonly network: string | null;
  readonly first: { readonly ms: number; readonly ref: SourceRef };
  readonly start_ms: number;
  readonly end_ms: number;
  readonly requests: number;
  readonly pages: number;
  readonly statics: number;
  readonly errors_4xx: number;
  readonly errors_5xx: number;
  readonly bytes: number;
  /** [time, endpoint] pairs in order. */
  readonly sequence: readonly (readonly [number, string])[];
  readonly sequence_seen: number;
  /** Sorted. */
  readonly times: readonly number[];
  /** Sorted. */
  readonly distinct: readonly string[];
  readonly distinct_overflow: boolean;
  readonly entry: readonly [number, string] | null;
  readonly exit: readonly [number, string] | null;
  readonly evidence: readonly SourceRef[];
}

/** The order of source references with no run order given: file name, then line. */
export function byFileLine(a: SourceRef, b: SourceRef): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line;
}

/** A fragment for the first record `r` of client `ip`, holding nothing yet (`addRecord(f, r)` adds it). */
export function newFragment(ip: string, r: EnrichedRecord): SessionFragment {
  const t = r.startMs;
  return {
    ip, ua: r.userAgent, agent: r.agent,
    country: r.geo?.country ?? null, asn: r.geo?.asn ?? null, network: r.geo?.network ?? null, firstT: t, firstRef: r.source,
    startMs: t, endMs: t, requests: 0, pages: 0, statics: 0, e4: 0, e5: 0, bytes: 0,
    seqT: [], seqE: [], seqSeen: 0, times: [], timesSorted: true, firstEp: null, few: null, distinct: null, distinctOverflow: false, detail: 0, slot: -1, reused: false,
    entryT: Number.POSITIVE_INFINITY, entryE: '', exitT: Number.NEGATIVE_INFINITY, exitE: '', evidence: [],
  };
}

/** Timestamps a fragment may hold for `reuseFragment` to keep its arrays (larger ones are let go). */
const REUSE_TIMES = 256;

/**
 * `s`, a fragment no one refers to any more (finalized, or merged into another), made the fragment `newFragment(ip, r)`
 * would be: the object, and its time arrays when small, are used again instead of becoming garbage (open sessions
 * live long enough to be promoted: garbage of the old generation). The session finalized from it keeps its sequence
 * and evidence arrays, so those are new.
 */
export function reuseFragment(s: SessionFragment, ip: string, r: EnrichedRecord): SessionFragment {
  const t = r.startMs;
  s.ip = ip;
  takeFirst(s, t, r.source, r.userAgent, r.agent, r.geo?.country ?? null, r.geo?.asn ?? null, r.geo?.network ?? null);
  s.startMs = t;
  s.endMs = t;
  s.requests = 0;
  s.pages = 0;
  s.statics = 0;
  s.e4 = 0;
  s.e5 = 0;
  s.bytes = 0;
  const small = s.times.length <= REUSE_TIMES;
  s.reused = small;
  if (small) {
    s.times.length = 0;
    s.seqT.length = 0;
  } else {
    s.times = [];
    s.seqT = [];
  }
  s.seqE = [];
  s.seqSeen = 0;
  s.timesSorted = true;
  s.firstEp = null;
  s.few = null;
  s.distinct = null;
  s.distinctOverflow = false;
  s.detail = 0;
  s.slot = -1;
  s.entryT = Number.POSITIVE_INFINITY;
  s.entryE = '';
  s.exitT = Number.NEGATIVE_INFINITY;
  s.exitE = '';
  s.evidence = [];
  return s;
}

/** The client key of a fragment's session: "ip" or "ip|user agent". */
export function fragmentKey(s: SessionFragment, useUa: boolean): string {
  return useUa ? `${s.ip}|${s.ua ?? ''}` : s.ip;
}

/** Adds record `r` (of the fragment's client) to `s`; `order` orders evidence (null: first arrivals, see above). */
export function addRecord(s: SessionFragment, r: EnrichedRecord, order: EvidenceOrder | null): void {
  const t = r.startMs;
  s.requests++;
  if (t < s.startMs) s.startMs = t;
  if (t > s.endMs) s.endMs = t;
  if (t < s.firstT || (t === s.firstT && order !== null && order(r.source, s.firstRef) < 0)) takeFirst(s, t, r.source, r.userAgent, r.agent, r.geo?.country ?? null, r.geo?.asn ?? null, r.geo?.network ?? null);
  const st = r.status;
  if (st !== null && st >= 400) {
    if (st >= 500) s.e5++;
    else s.e4++;
  }
  if (r.bytesOut !== null) s.bytes += r.bytesOut;
  addTime(s, r);
  if (order === null) {
    if (s.evidence.length === 0) s.evidence = [r.source];
    else if (s.evidence.length < EVIDENCE_CAP) s.evidence.push(r.source);
  } else insertEvidence(s.evidence, r.source, order);
  if (r.isStatic) {
    s.statics++;
    return;
  }
  if (r.method === 'GET' || r.method === 'HEAD' || r.method === null) s.pages++;
  const ep = r.endpoint;
  addDistinct(s, ep);
  if (t < s.entryT || (t === s.entryT && ep < s.entryE)) {
    s.entryT = t;
    s.entryE = ep;
  }
  if (t > s.exitT || (t === s.exitT && ep > s.exitE)) {
    s.exitT = t;
    s.exitE = ep;
  }
  s.seqSeen++;
  // In time order (most records), appended here: insertCapped is not always inlined, and a time passed to a call
  // that is not is boxed (a heap number per record).
  const n = s.seqT.length;
  if (n > 0) {
    const lastT = s.seqT[n - 1] ?? Number.NEGATIVE_INFINITY;
    if (t > lastT || (t === lastT && ep >= (s.seqE[n - 1] ?? ''))) {
      if (n < SEQUENCE_CAP) {
        s.seqT.push(t);
        s.seqE.push(ep);
      }
      return;
    }
  }
  insertCapped(s, t, ep);
}

function takeFirst(s: SessionFragment, t: number, ref: SourceRef, ua: string | null, agent: AgentInfo, country: string | null, asn: number | null, network: string | null): void {
  s.firstT = t;
  s.firstRef = ref;
  s.ua = ua;
  s.agent = agent;
  s.country = country;
  s.asn = asn;
  s.network = network;
}

/** Keeps the TIMES_CAP earliest timestamps (takes the record, not its time: see the end of addRecord). */
function addTime(s: SessionFragment, r: EnrichedRecord): void {
  const t = r.startMs;
  const times = s.times;
  const n = times.length;
  if (n < TIMES_CAP) {
    if (n > 0 && t < (times[n - 1] ?? 0)) s.timesSorted = false;
    // One-element arrays first (most sessions have one request): a first push would reserve 17 slots.
    if (n === 0 && !s.reused) s.times = [t];
    else times.push(t);
    s.detail++;
    return;
  }
  if (!s.timesSorted) sortTimes(s);
  if (t >= (s.times[n - 1] ?? 0)) return;
  // Full and t is earlier than the latest kept: insert it (after equal times) and drop the latest.
  const kept = s.times;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((kept[mid] ?? 0) <= t) lo = mid + 1;
    else hi = mid;
  }
  insertAt(kept, lo, t);
  kept.pop();
}

/**
 * Inserts `x` at `i` (0 ≤ i ≤ length), moving the rest up: `splice(i, 0, x)` without the array of removed elements it
 * returns (these insertions run per record).
 */
function insertAt<T>(a: T[], i: number, x: T): void {
  let j = a.length;
  if (j === i) {
    a.push(x);
    return;
  }
  a.push(a[j - 1] as T);
  for (j--; j > i; j--) a[j] = a[j - 1] as T;
  a[i] = x;
}

function sortTimes(s: SessionFragment): void {
  // Typed-array sorts are numeric without a comparator call per comparison.
  s.times = Array.from(Float64Array.from(s.times).sort());
  s.timesSorted = true;
}

/**
 * Whether `a` comes before `b` in `order`. Within one input an EvidenceOrder is by line (aggregate/types.ts), so a
 * reference of the same file is compared by line without calling `order` (once per record: most are of one file).
 */
function earlier(a: SourceRef, b: SourceRef, order: EvidenceOrder): boolean {
  return a.file === b.file ? a.line < b.line : order(a, b) < 0;
}

/** Inserts `ref` into `list` (sorted by `order`), keeping the EVIDENCE_CAP earliest. */
function insertEvidence(list: SourceRef[], ref: SourceRef, order: EvidenceOrder): void {
  const last = list[list.length - 1];
  if (list.length >= EVIDENCE_CAP && last !== undefined && !earlier(ref, last, order)) return;
  let i = list.length;
  while (i > 0 && earlier(ref, list[i - 1] as SourceRef, order)) i--;
  insertAt(list, i, ref);
  if (list.length > EVIDENCE_CAP) list.pop();
}

/**
 * Endpoint strings are interned by the enricher (one string per endpoint), so keeping them costs no copy. `detail`
 * counts the members once there are two or more (as the Set that held them all counted them).
 */
function addDistinct(s: SessionFragment, ep: string): void {
  const first = s.firstEp;
  if (first === null) {
    s.firstEp = ep;
    return;
  }
  if (ep === first) return;
  const set = s.distinct;
  if (set !== null) {
    if (set.has(ep)) return;
    if (set.size < DISTINCT_CAP) {
      set.add(ep);
      s.detail++;
    } else s.distinctOverflow = true;
    return;
  }
  const few = s.few;
  if (few === null) {
    s.few = [first, ep];
    s.detail += 2;
    return;
  }
  for (let i = 1; i < few.length; i++) if (few[i] === ep) return;
  if (few.length < FEW_DISTINCT) {
    few.push(ep);
    s.detail++;
    return;
  }
  // FEW_DISTINCT < DISTINCT_CAP: room for ep in the Set.
  const all = new Set<string>();
  for (let i = 0; i < few.length; i++) all.add(few[i] as string);
  all.add(ep);
  s.distinct = all;
  s.few = null;
  s.detail++;
}

/** The number of distinct endpoints a fragment holds. */
export function distinctCount(s: SessionFragment): number {
  return s.distinct !== null ? s.distinct.size : s.few !== null ? s.few.length : s.firstEp === null ? 0 : 1;
}

/** The distinct endpoints a fragment holds, in the order first seen. */
function distinctList(s: SessionFragment): string[] {
  return s.distinct !== null ? [...s.distinct] : s.few !== null ? [...s.few] : s.firstEp === null ? [] : [s.firstEp];
}

/** Inserts (t, ep) in time order (ties by endpoint), keeping only the first SEQUENCE_CAP by time. */
function insertCapped(s: SessionFragment, t: number, ep: string): void {
  const n = s.seqT.length;
  const lastT = s.seqT[n - 1] ?? Number.NEGATIVE_INFINITY;
  const lastE = s.seqE[n - 1] ?? '';
  if (n === 0) {
    if (s.reused) s.seqT.push(t);
    else s.seqT = [t];
    s.seqE = [ep];
    return;
  }
  if (t > lastT || (t === lastT && ep >= lastE)) {
    if (n >= SEQUENCE_CAP) return;
    s.seqT.push(t);
    s.seqE.push(ep);
    return;
  }
  let i = n;
  while (i > 0) {
    const pt = s.seqT[i - 1] ?? 0;
    if (pt < t || (pt === t && (s.seqE[i - 1] ?? '') <= ep)) break;
    i--;
  }
  insertAt(s.seqT, i, t);
  insertAt(s.seqE, i, ep);
  if (s.seqT.length > SEQUENCE_CAP) {
    s.seqT.pop();
    s.seqE.pop();
  }
}

/** Merges `from` (same client key; no longer used afterwards) into `into`. `order` as for addRecord. */
export function mergeInto(into: SessionFragment, from: SessionFragment, order: EvidenceOrder | null): void {
  const cmp = order ?? byFileLine;
  if (from.firstT < into.firstT || (from.firstT === into.firstT && cmp(from.firstRef, into.firstRef) < 0)) {
    takeFirst(into, from.firstT, from.firstRef, from.ua, from.agent, from.country, from.asn, from.network);
  }
  into.startMs = Math.min(into.startMs, from.startMs);
  into.endMs = Math.max(into.endMs, from.endMs);
  into.requests += from.requests;
  into.pages += from.pages;
  into.statics += from.statics;
  into.e4 += from.e4;
  into.e5 += from.e5;
  into.bytes += from.bytes;
  from.seqT.forEach((t, i) => insertCapped(into, t, from.seqE[i] ?? ''));
  into.seqSeen += from.seqSeen;
  mergeTimes(into, from);
  for (const ep of distinctList(from)) addDistinct(into, ep);
  into.distinctOverflow ||= from.distinctOverflow;
  if (from.entryT < into.entryT || (from.entryT === into.entryT && from.entryE < into.entryE)) {
    into.entryT = from.entryT;
    into.entryE = from.entryE;
  }
  if (from.exitT > into.exitT || (from.exitT === into.exitT && from.exitE > into.exitE)) {
    into.exitT = from.exitT;
    into.exitE = from.exitE;
  }
  into.evidence = [...into.evidence, ...from.evidence].sort(cmp).slice(0, EVIDENCE_CAP);
}

/** The TIMES_CAP earliest of both fragments' timestamps (each holds its own earliest: exact). */
function mergeTimes(into: SessionFragment, from: SessionFragment): void {
  const held = into.times.length;
  if (held + from.times.length <= TIMES_CAP) {
    for (const t of from.times) into.times.push(t);
    into.timesSorted = false;
  } else {
    const all = new Float64Array(held + from.times.length);
    all.set(into.times);
    all.set(from.times, held);
    into.times = Array.from(all.sort().subarray(0, TIMES_CAP));
    into.timesSorted = true;
  }
  into.detail += into.times.length - held;
}

/** The fragment one stitcher would have built from the records of both (neither is changed). */
export function mergeFragments(a: SessionFragment, b: SessionFragment, order: EvidenceOrder | null = null): SessionFragment {
  const out = fragmentFromJSON(fragmentToJSON(a));
  mergeInto(out, fragmentFromJSON(fragmentToJSON(b)), order);
  return out;
}

/** Plain JSON of a fragment (times and distinct endpoints sorted). */
export function fragmentToJSON(s: SessionFragment): FragmentJson {
  const distinct = distinctList(s);
  return {
    ip: s.ip, ua: s.ua, agent: s.agent, country: s.country, asn: s.asn, network: s.network, first: { ms: s.firstT, ref: s.firstRef },
    start_ms: s.startMs, end_ms: s.endMs, requests: s.requests, pages: s.pages, statics: s.statics, errors_4xx: s.e4, errors_5xx: s.e5, bytes: s.bytes,
    sequence: s.seqT.map((t, i) => [t, s.seqE[i] ?? ''] as const), sequence_seen: s.seqSeen,
    times: s.timesSorted ? [...s.times] : Array.from(Float64Array.from(s.times).sort()),
    distinct: distinct.sort(), distinct_overflow: s.distinctOverflow,
    entry: s.entryT === Number.POSITIVE_INFINITY ? null : [s.entryT, s.entryE],
    exit: s.exitT === Number.NEGATIVE_INFINITY ? null : [s.exitT, s.exitE],
    evidence: [...s.evidence],
  };
}

/** The fragment of `j` (as `fragmentToJSON` wrote it). */
export function fragmentFromJSON(j: FragmentJson): SessionFragment {
  const [firstEp = null] = j.distinct;
  const n = j.distinct.length;
  const few = n > 1 && n <= FEW_DISTINCT ? [...j.distinct] : null;
  const distinct = n > FEW_DISTINCT ? new Set(j.distinct) : null;
  return {
    ip: j.ip, ua: j.ua, agent: { ...j.agent }, country: j.country, asn: j.asn, network: j.network, firstT: j.first.ms, firstRef: { ...j.first.ref },
    startMs: j.start_ms, endMs: j.end_ms, requests: j.requests, pages: j.pages, statics: j.statics, e4: j.errors_4xx, e5: j.errors_5xx, bytes: j.bytes,
    seqT: j.sequence.map((p) => p[0]), seqE: j.sequence.map((p) => p[1]), seqSeen: j.sequence_seen,
    times: [...j.times], timesSorted: true, firstEp, few, distinct, distinctOverflow: j.distinct_overflow,
    detail: j.times.length + (n > 1 ? n : 0), slot: -1, reused: false,
    entryT: j.entry === null ? Number.POSITIVE_INFINITY : j.entry[0], entryE: j.entry === null ? '' : j.entry[1],
    exitT: j.exit === null ? Number.NEGATIVE_INFINITY : j.exit[0], exitE: j.exit === null ? '' : j.exit[1],
    evidence: j.evidence.map((r) => ({ ...r })),
  };
}

/**
 * Fragments packed for the hand-over from a worker thread to the main thread: their numbers and strings in one
 * transferable buffer and a string table (core/packed.ts), their agents each once. On 20 ALB files (24 h, 1 M
 * lines, --jobs 2: 78 k fragments) as JSON text, 120 MB: 0.8–1.0 s to write on the workers, 0.18–0.2 s to post,
 * 1.0–1.2 s to read back on the main thread; packed, 40 MB and 88 k strings: 0.36–0.39 s, 0.07 s and 0.12 s.
 */
export interface PackedFragments {
  readonly packed: Packed;
  /** The fragments' agents, each once (a structured clone keeps their fields). */
  readonly agents: readonly AgentInfo[];
}

/** Fragments packed (`unpackFragments` gives what `fragmentFromJSON(fragmentToJSON(s))` gives for each). */
export function packFragments(fragments: readonly SessionFragment[]): PackedFragments {
  const w = new PackWriter();
  const agents: AgentInfo[] = [];
  const agentAt = new Map<AgentInfo, number>();
  for (const s of fragments) {
    let a = agentAt.get(s.agent);
    if (a === undefined) {
      a = agents.length;
      agents.push(s.agent);
      agentAt.set(s.agent, a);
    }
    w.str(s.ip);
    w.str(s.ua);
    w.num(a);
    w.str(s.country);
    w.num(s.asn === null ? 0 : 1);
    w.num(s.asn ?? 0);
    w.str(s.network);
    w.num(s.firstT);
    w.str(s.firstRef.file);
    w.num(s.firstRef.line);
    for (const x of [s.startMs, s.endMs, s.requests, s.pages, s.statics, s.e4, s.e5, s.bytes]) w.num(x);
    w.array(s.seqT);
    w.array(s.seqT.map((_, i) => w.intern(s.seqE[i] ?? '')));
    w.num(s.seqSeen);
    w.array(s.timesSorted ? s.times : Float64Array.from(s.times).sort());
    w.array(distinctList(s).sort().map((e) => w.intern(e)));
    w.num(s.distinctOverflow ? 1 : 0);
    // As the JSON form: no entry (exit) is +∞ (−∞) with no endpoint.
    w.num(s.entryT);
    w.str(s.entryT === Number.POSITIVE_INFINITY ? '' : s.entryE);
    w.num(s.exitT);
    w.str(s.exitT === Number.NEGATIVE_INFINITY ? '' : s.exitE);
    w.num(s.evidence.length);
    for (const e of s.evidence) {
      w.str(e.file);
      w.num(e.line);
    }
  }
  return { packed: w.done(), agents };
}

/** The fragments `packFragments` packed, in the same order. */
export function unpackFragments(p: PackedFragments): SessionFragment[] {
  const r = new PackReader(p.packed);
  const out: SessionFragment[] = [];
  while (!r.end) {
    const ip = r.text();
    const ua = r.str();
    const agent = { ...(p.agents[r.num()] as AgentInfo) };
    const country = r.str();
    const hasAsn = r.num() === 1;
    const asnValue = r.num();
    const network = r.str();
    const firstT = r.num();
    const firstRef = { file: r.text(), line: r.num() };
    const [startMs, endMs, requests, pages, statics, e4, e5, bytes] = [r.num(), r.num(), r.num(), r.num(), r.num(), r.num(), r.num(), r.num()] as number[];
    const seqT = r.numbers();
    const seqE = r.texts();
    const seqSeen = r.num();
    const times = r.numbers();
    const list = r.texts();
    const distinctOverflow = r.num() === 1;
    const entryT = r.num();
    const entryE = r.text();
    const exitT = r.num();
    const exitE = r.text();
    const evidence: SourceRef[] = [];
    for (let k = r.num(); k > 0; k--) evidence.push({ file: r.text(), line: r.num() });
    const [firstEp = null] = list;
    const n = list.length;
    out.push({
      ip, ua, agent, country, asn: hasAsn ? asnValue : null, network, firstT, firstRef,
      startMs: startMs as number, endMs: endMs as number, requests: requests as number, pages: pages as number, statics: statics as number, e4: e4 as number, e5: e5 as number, bytes: bytes as number,
      seqT, seqE, seqSeen, times, timesSorted: true, firstEp, few: n > 1 && n <= FEW_DISTINCT ? list : null, distinct: n > FEW_DISTINCT ? new Set(list) : null, distinctOverflow,
      detail: times.length + (n > 1 ? n : 0), slot: -1, reused: false, entryT, entryE, exitT, exitE, evidence,
    });
  }
  return out;
}
