/**
 * Session stitcher, in event time. A session is the requests of one client key (ip, or ip + user agent) with no gap
 * longer than the inactivity timeout.
 *
 * Order: records may arrive out of order by up to `latenessMs` (ALB writes one file per node per 5 minutes, and the
 * pipeline reads inputs sorted by their first timestamp). A record is placed into the open session it falls in,
 * a record that bridges two open sessions merges them, and a session is closed only once the watermark
 * (latest event time seen − lateness) has passed its last request + timeout — so, within the lateness bound,
 * sessions depend only on the set of records, never on their order.
 *
 * Memory: at most `maxOpen` open sessions (default 200,000), each holding at most SEQUENCE_CAP endpoints, TIMES_CAP
 * timestamps, DISTINCT_CAP distinct endpoints and 3 evidence references, and at most `maxDetail` timestamps and
 * distinct endpoints in all open sessions together (default DETAIL_BUDGET). Beyond either, the stalest tenth (by last
 * request) is closed early, counted in `stats.forced` and reported (CAP_REACHED). Measured: about 0.7 KB per open
 * single-request session with 200,000 open (test/sessions states the bound), so the defaults bound the stitcher near
 * 140 MB + 8–40 bytes × DETAIL_BUDGET however many distinct clients the input has and however long their sessions.
 */
import { createHash } from 'node:crypto';
import { appendAll } from '../core/arrays';
import type { EpochMs, SourceRef } from '../core/types';
import type { AgentInfo, EnrichedRecord } from '../enrich/types';
import { classifySession } from './classify';
import type { Session } from './types';
import { fmt } from '../core/format';

/** Stitcher options. */
export interface StitcherOptions {
  /** Inactivity timeout in ms (default 30 minutes). */
  readonly timeoutMs: number;
  readonly key: 'ip' | 'ip+ua';
  /** How far out of order records may arrive (default 10 minutes). */
  readonly latenessMs?: number;
  /** Open sessions kept before the stalest are closed early (default 200,000). */
  readonly maxOpen?: number;
  /** Timestamps and distinct endpoints held by all open sessions before the stalest are closed early. */
  readonly maxDetail?: number;
}

/** Counters about the stitching itself. */
export interface StitcherStats {
  /** Records older than the watermark allowed for (placed anyway; may split a session). */
  late: number;
  /** Sessions closed early because of the maxOpen bound. */
  forced: number;
  /** Most sessions open at once. */
  peakOpen: number;
}

/** Timestamps and distinct endpoints all open sessions may hold together (8–40 bytes each). */
export const DETAIL_BUDGET = 4_000_000;

/** Stitches records into sessions; emits sessions that can no longer grow. */
export interface SessionStitcher {
  /** Adds a record; returns the sessions it closed (possibly none). */
  push(r: EnrichedRecord): readonly Session[];
  /** Closes everything still open (end of input). */
  flush(): readonly Session[];
  readonly stats: StitcherStats;
  /** The CAP_REACHED message once sessions were closed early, else null. */
  capNote(): string | null;
}

/** How often (in event time) idle sessions are looked for; closing later never changes a session's contents. */
const SWEEP_EVERY_MS = 5 * 60_000;
/** Endpoints kept in order per session. */
export const SEQUENCE_CAP = 50;
const TIMES_CAP = 2000;
const DISTINCT_CAP = 500;
/** Returned by push when nothing closed: no array per record on the hot path. */
const NONE: readonly Session[] = Object.freeze([]);

interface Open {
  readonly ip: string;
  readonly ua: string | null;
  readonly agent: AgentInfo;
  country: string | null;
  asn: number | null;
  network: string | null;
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
  times: number[];
  timesSorted: boolean;
  /** Distinct non-static endpoints; the first one is kept without a Set (most sessions are short). */
  firstEp: string | null;
  distinct: Set<string> | null;
  distinctOverflow: boolean;
  /** Timestamps and distinct endpoints held (counted against the stitcher's detail budget). */
  detail: number;
  entryT: number;
  entryE: string;
  exitT: number;
  exitE: string;
  evidence: SourceRef[];
}

/** Creates a stitcher. */
export function createStitcher(options: StitcherOptions): SessionStitcher {
  const timeout = options.timeoutMs;
  const lateness = options.latenessMs ?? 10 * 60_000;
  const maxOpen = options.maxOpen ?? 200_000;
  const maxDetail = options.maxDetail ?? DETAIL_BUDGET;
  /** Timestamps and distinct endpoints held by the open sessions. */
  let detail = 0;
  /** Shortest idle time (event time) of a session closed early, and closings caused by the detail budget. */
  let minIdleForced = Number.POSITIVE_INFINITY;
  let detailCloses = 0;
  /** ip → open sessions of that address (all agents), sorted by start: no per-record key string, no inner maps. */
  const byIp = new Map<string, Open[]>();
  let open = 0;
  let maxSeen = Number.NEGATIVE_INFINITY;
  let lastSweep = Number.NEGATIVE_INFINITY;
  const stats: StitcherStats = { late: 0, forced: 0, peakOpen: 0 };
  const useUa = options.key === 'ip+ua';

  /** Closes every open session `stale` picks, in session order; returns how many. */
  const closeWhere = (stale: (s: Open) => boolean, out: Session[]): number => {
    const closed: Session[] = [];
    // forEach, not for-of: no [key, value] pair per open address on every sweep (deleting the current key is safe).
    byIp.forEach((list, ip) => {
      let kept = 0;
      for (let i = 0; i < list.length; i++) {
        const s = list[i];
        if (s === undefined) continue;
        if (stale(s)) {
          closed.push(finalize(s, useUa));
          detail -= s.detail;
          open--;
        } else list[kept++] = s;
      }
      if (kept === 0) byIp.delete(ip);
      else list.length = kept;
    });
    appendAll(out, closed.sort(bySessionOrder));
    return closed.length;
  };

  const sweep = (watermark: number, out: Session[]): void => {
    closeWhere((s) => s.endMs + timeout < watermark, out);
  };

  /** Closes the stalest tenth of the open sessions (by last request; every session tied with the last one goes too). */
  const forceClose = (out: Session[]): void => {
    const ends = new Float64Array(open);
    let i = 0;
    for (const list of byIp.values()) for (const s of list) ends[i++] = s.endMs;
    ends.sort();
    const cut = ends[Math.max(0, Math.ceil(open / 10) - 1)] ?? Number.NEGATIVE_INFINITY;
    minIdleForced = Math.min(minIdleForced, maxSeen - cut);
    stats.forced += closeWhere((s) => s.endMs <= cut, out);
  };

  return {
    stats,
    push(r) {
      // A log with host names where addresses go (Apache HostnameLookups) keys sessions by the name.
      const ip = r.clientIp ?? r.clientHost ?? '-';
      const ua = r.userAgent;
      const t = r.startMs;
      let out: Session[] | null = null;
      if (t > maxSeen) maxSeen = t;
      const watermark = maxSeen - lateness;
      if (t + timeout < watermark) stats.late++;
      const list = byIp.get(ip);
      let target: Open | null = null;
      if (list === undefined) {
        // A one-element list (most addresses have one session at a time).
        target = newOpen(ip, r);
        byIp.set(ip, [target]);
      } else {
        // Sessions this record may join: those within `timeout` of it.
        for (let i = 0; i < list.length; i++) {
          const s = list[i];
          if (s === undefined || (useUa && s.ua !== ua)) continue;
          if (t >= s.startMs - timeout && t <= s.endMs + timeout) {
            if (target === null) target = s;
            else {
              const before = target.detail + s.detail;
              merge(target, s);
              detail += target.detail - before;
              list.splice(i, 1);
              i--;
              open--;
            }
          }
        }
        if (target === null) {
          target = newOpen(ip, r);
          list.push(target);
          list.sort((a, b) => a.startMs - b.startMs);
        }
      }
      if (target.requests === 0) {
        open++;
        if (open > stats.peakOpen) stats.peakOpen = open;
      }
      const held = target.detail;
      add(target, r);
      detail += target.detail - held;
      if (watermark - lastSweep >= SWEEP_EVERY_MS) {
        lastSweep = watermark;
        sweep(watermark, (out ??= []));
      }
      if (open > maxOpen) forceClose((out ??= []));
      else if (detail > maxDetail) {
        // Down to 90% of the budget (the stalest may hold little), so the next closing waits for a tenth of it.
        detailCloses++;
        while (detail > 0.9 * maxDetail && open > 0) forceClose((out ??= []));
      }
      return out ?? NONE;
    },
    flush() {
      const out: Session[] = [];
      sweep(Number.POSITIVE_INFINITY, out);
      open = 0;
      detail = 0;
      return out.sort(bySessionOrder);
    },
    capNote() {
      if (stats.forced === 0) return null;
      const n = (x: number): string => fmt(x, 3);
      const idleS = Math.max(0, Math.floor(minIdleForced / 1000));
      const idle = idleS < 120 ? `${n(idleS)} seconds` : `${n(Math.floor(idleS / 60))} minutes`;
      const why = detailCloses > 0
        ? `${n(maxOpen)} sessions open at once and ${n(maxDetail)} timestamps and distinct endpoints held by them together (the latter reached ${n(detailCloses)} times)`
        : `${n(maxOpen)} sessions open at once`;
      return `sessions: capped at ${why}; ${n(stats.forced)} sessions were closed early, the stalest first (each idle for at least ${idle} of the ${n(timeout / 60_000)}-minute timeout); a client that came back after that starts a new session, so session counts can be high and durations short for those clients (sessions.stitching.forced_closes)`;
    },
  };
}

/** Deterministic order of sessions closed together: start, then key. */
export function bySessionOrder(a: Session, b: Session): number {
  return a.startMs - b.startMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function newOpen(ip: string, r: EnrichedRecord): Open {
  const t = r.startMs;
  return {
    ip, ua: r.userAgent, agent: r.agent,
    country: r.geo?.country ?? null, asn: r.geo?.asn ?? null, network: r.geo?.network ?? null,
    startMs: t, endMs: t, requests: 0, pages: 0, statics: 0, e4: 0, e5: 0, bytes: 0,
    seqT: [], seqE: [], seqSeen: 0, times: [], timesSorted: true, firstEp: null, distinct: null, distinctOverflow: false, detail: 0,
    entryT: Number.POSITIVE_INFINITY, entryE: '', exitT: Number.NEGATIVE_INFINITY, exitE: '', evidence: [],
  };
}

function add(s: Open, r: EnrichedRecord): void {
  const t = r.startMs;
  s.requests++;
  if (t < s.startMs) s.startMs = t;
  if (t > s.endMs) s.endMs = t;
  const st = r.status;
  if (st !== null && st >= 400) {
    if (st >= 500) s.e5++;
    else s.e4++;
  }
  if (r.bytesOut !== null) s.bytes += r.bytesOut;
  if (s.times.length < TIMES_CAP) {
    if (s.times.length > 0 && t < (s.times[s.times.length - 1] ?? 0)) s.timesSorted = false;
    // One-element arrays first (most sessions have one request): a first push would reserve 17 slots.
    if (s.times.length === 0) s.times = [t];
    else s.times.push(t);
    s.detail++;
  }
  if (s.evidence.length === 0) s.evidence = [r.source];
  else if (s.evidence.length < 3) s.evidence.push(r.source);
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
  insertCapped(s, t, ep);
}

/** Endpoint strings are interned by the enricher (one string per endpoint), so keeping them costs no copy. */
function addDistinct(s: Open, ep: string): void {
  if (s.firstEp === null) {
    s.firstEp = ep;
    return;
  }
  if (ep === s.firstEp) return;
  if (s.distinct === null) {
    s.distinct = new Set([s.firstEp]);
    s.detail++;
  }
  if (s.distinct.has(ep)) return;
  if (s.distinct.size < DISTINCT_CAP) {
    s.distinct.add(ep);
    s.detail++;
  } else s.distinctOverflow = true;
}

function distinctCount(s: Open): number {
  return s.distinct !== null ? s.distinct.size : s.firstEp === null ? 0 : 1;
}

/** Inserts (t, ep) in time order (ties by endpoint), keeping only the first SEQUENCE_CAP by time. */
function insertCapped(s: Open, t: number, ep: string): void {
  const n = s.seqT.length;
  const lastT = s.seqT[n - 1] ?? Number.NEGATIVE_INFINITY;
  const lastE = s.seqE[n - 1] ?? '';
  if (n === 0) {
    s.seqT = [t];
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
  s.seqT.splice(i, 0, t);
  s.seqE.splice(i, 0, ep);
  if (s.seqT.length > SEQUENCE_CAP) {
    s.seqT.pop();
    s.seqE.pop();
  }
}

function merge(into: Open, from: Open): void {
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
  for (const t of from.times) {
    if (into.times.length < TIMES_CAP) {
      into.times.push(t);
      into.detail++;
    }
  }
  into.timesSorted = false;
  if (from.firstEp !== null) addDistinct(into, from.firstEp);
  if (from.distinct !== null) for (const ep of from.distinct) addDistinct(into, ep);
  into.distinctOverflow ||= from.distinctOverflow;
  if (from.entryT < into.entryT || (from.entryT === into.entryT && from.entryE < into.entryE)) {
    into.entryT = from.entryT;
    into.entryE = from.entryE;
  }
  if (from.exitT > into.exitT || (from.exitT === into.exitT && from.exitE > into.exitE)) {
    into.exitT = from.exitT;
    into.exitE = from.exitE;
  }
  into.evidence = [...into.evidence, ...from.evidence].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line)).slice(0, 3);
}

function finalize(s: Open, useUa: boolean): Session {
  const key = useUa ? `${s.ip}|${s.ua ?? ''}` : s.ip;
  // Typed-array sorts are numeric without a comparator call per comparison (and allocate no boxed copy).
  const times = s.timesSorted ? s.times : Float64Array.from(s.times).sort();
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) gaps.push((times[i] ?? 0) - (times[i - 1] ?? 0));
  const sortedGaps = Float64Array.from(gaps).sort();
  const median = sortedGaps.length === 0 ? null : ((sortedGaps[(sortedGaps.length - 1) >> 1] ?? 0) + (sortedGaps[sortedGaps.length >> 1] ?? 0)) / 2;
  const distinct = distinctCount(s);
  const verdict = classifySession(s.agent, {
    requests: s.requests, pages: s.pages, staticAssets: s.statics, distinctEndpoints: distinct,
    durationMs: s.endMs - s.startMs, gaps, network: s.network,
  });
  const evidence = [...s.evidence].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return {
    id: createHash('sha1').update(`${key}\u0000${s.startMs}`).digest('hex').slice(0, 16),
    key,
    clientIp: s.ip,
    userAgent: s.ua,
    startMs: s.startMs,
    endMs: s.endMs,
    requests: s.requests,
    pages: s.pages,
    staticAssets: s.statics,
    distinctEndpoints: distinct,
    errors4xx: s.e4,
    errors5xx: s.e5,
    bytesOut: s.bytes,
    entry: s.entryE || '-',
    exit: s.exitE || '-',
    sequence: s.seqE,
    sequenceCut: s.seqSeen - s.seqE.length,
    medianGapMs: median === null ? null : Math.round(median * 1000) / 1000,
    maxGapMs: sortedGaps.length === 0 ? null : Math.round((sortedGaps[sortedGaps.length - 1] ?? 0) * 1000) / 1000,
    clientClass: verdict.clientClass,
    device: s.agent.device,
    agentFamily: s.agent.family,
    reasons: verdict.reasons,
    country: s.country,
    asn: s.asn,
    evidence,
  };
}
