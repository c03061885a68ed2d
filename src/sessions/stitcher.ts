/**
 * Session stitcher, in event time. A session is the requests of one client key (ip, or ip + user agent) with no gap
 * longer than the inactivity timeout.
 *
 * Order: records may arrive out of order by up to `latenessMs` (ALB writes one file per node per 5 minutes, and the
 * pipeline reads inputs sorted by their first timestamp). A record is placed into the open session it falls in,
 * a record that bridges two open sessions merges them, and a session is closed only once the watermark
 * (latest event time seen − lateness) has passed its last request + timeout — so, within the lateness bound,
 * sessions depend only on the set of records, never on their order. Open sessions are session fragments
 * (fragment.ts: what is kept per session, capped, and how two merge exactly).
 *
 * Two stitchers share that core: `createStitcher` finalizes each session that closes and returns it (one thread, or
 * one stitcher over all records); `createFragmentStitcher` stitches one shard of a run sharded by input and hands
 * its sessions out as fragments, which a `SessionJoiner` (joiner.ts) on the main thread joins across shards.
 *
 * Memory: at most `maxOpen` open sessions (default 200,000), each holding at most SEQUENCE_CAP endpoints, TIMES_CAP
 * timestamps, DISTINCT_CAP distinct endpoints and 3 evidence references, and at most `maxDetail` timestamps and
 * distinct endpoints in all open sessions together (default DETAIL_BUDGET). Beyond either, the stalest tenth (by last
 * request) is closed early, counted in `stats.forced` and reported (CAP_REACHED). Measured: about 0.7 KB per open
 * single-request session with 200,000 open (test/sessions states the bound), so the defaults bound the stitcher near
 * 140 MB + 8–40 bytes × DETAIL_BUDGET however many distinct clients the input has and however long their sessions.
 * A fragment stitcher holds the same, plus the fragments closed since its last `handOut`. A stitcher that finalizes
 * also keeps up to SPARE_FRAGMENTS spare fragments for reuse (each with at most REUSE_TIMES timestamps: a few MB).
 */
import { appendAll } from '../core/arrays';
import type { EnrichedRecord } from '../enrich/types';
import type { Session } from './types';
import { createFinalizer } from './finalize';
import { fmt } from '../core/format';
import { addRecord, fragmentKey, mergeInto, newFragment, reuseFragment, type EvidenceOrder, type SessionFragment } from './fragment';

export { SEQUENCE_CAP } from './fragment';

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
  /**
   * Run order of evidence (aggregate/types.ts): each session keeps the k earliest lines in it, whatever order the
   * records arrive in. Absent: the first lines to arrive, and the smallest by file name and line when sessions merge.
   */
  readonly order?: EvidenceOrder;
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
/** Returned by push when nothing closed: no array per record on the hot path. */
const NONE: readonly never[] = Object.freeze([]);

/** Creates a stitcher. */
export function createStitcher(options: StitcherOptions): SessionStitcher {
  const useUa = options.key === 'ip+ua';
  const core = createCore(options, createFinalizer(useUa), bySessionOrder, true);
  return {
    stats: core.stats,
    push: core.push,
    flush() {
      const out: Session[] = [];
      core.closeWhere(() => true, out);
      return out.sort(bySessionOrder);
    },
    capNote: () => core.capNote(),
  };
}

/** Fragments a shard hands to the joiner, with the shard's watermark. */
export interface FragmentBatch {
  readonly fragments: readonly SessionFragment[];
  /**
   * The shard's latest event time − lateness when handing out (−∞ before any record, +∞ at the end): every fragment
   * the shard hands out later holds only records at or after it (records within the lateness bound).
   */
  readonly watermark: number;
  /** The shard's last batch. */
  readonly final: boolean;
}

/**
 * A stitcher for one shard of a run: it stitches as the single stitcher does, but finalizes nothing (a session that
 * closed here may still join a fragment of another shard): it hands its sessions out as fragments for a joiner.
 */
export interface FragmentStitcher {
  /** Adds a record. */
  push(r: EnrichedRecord): void;
  /**
   * Hands out the sessions that closed here and every open one that started before the watermark (it goes on as a
   * new fragment), so that what the shard keeps, and every fragment it hands out later, starts at or after it.
   */
  handOut(): FragmentBatch;
  /** End of input: hands out everything (watermark +∞, final). */
  flush(): FragmentBatch;
  /**
   * As the single stitcher's, but `forced` counts sessions handed out early (maxOpen, maxDetail): the joiner may still
   * join them, so here a forced close moves memory to the joiner instead of splitting a session (no cap note: the
   * joiner's says what was split).
   */
  readonly stats: StitcherStats;
}

/** Creates a stitcher for one shard of a run (see joiner.ts). */
export function createFragmentStitcher(options: StitcherOptions): FragmentStitcher {
  const useUa = options.key === 'ip+ua';
  const byStart = (a: SessionFragment, b: SessionFragment): number => {
    const ka = fragmentKey(a, useUa);
    const kb = fragmentKey(b, useUa);
    return a.startMs - b.startMs || (ka < kb ? -1 : ka > kb ? 1 : 0);
  };
  const core = createCore<SessionFragment>(options, (s) => s, byStart);
  let outbox: SessionFragment[] = [];
  const take = (final: boolean, watermark: number): FragmentBatch => {
    core.closeWhere((s) => s.startMs < watermark, outbox);
    const fragments = outbox;
    outbox = [];
    return { fragments, watermark, final };
  };
  return {
    stats: core.stats,
    push(r) {
      const closed = core.push(r);
      if (closed.length > 0) appendAll(outbox, closed);
    },
    handOut: () => take(false, core.watermark()),
    flush: () => take(true, Number.POSITIVE_INFINITY),
  };
}

/** Fragments kept for reuse (reuseFragment) by a stitcher, at most. */
const SPARE_FRAGMENTS = 2048;

/**
 * The stitching shared by both stitchers; `close` turns a session that can no longer grow here into an output, which
 * refers to the fragment no more when `finalizes` (then the fragment is reused; a merged-away fragment always is).
 */
function createCore<T>(options: StitcherOptions, close: (s: SessionFragment) => T, order: (a: T, b: T) => number, finalizes = false) {
  const timeout = options.timeoutMs;
  const lateness = options.latenessMs ?? 10 * 60_000;
  const maxOpen = options.maxOpen ?? 200_000;
  const maxDetail = options.maxDetail ?? DETAIL_BUDGET;
  const evidenceOrder = options.order ?? null;
  /** Timestamps and distinct endpoints held by the open sessions. */
  let detail = 0;
  /** Shortest idle time (event time) of a session closed early, and closings caused by the detail budget. */
  let minIdleForced = Number.POSITIVE_INFINITY;
  let detailCloses = 0;
  /** ip → open sessions of that address (all agents), sorted by start: no per-record key string, no inner maps. */
  const byIp = new Map<string, SessionFragment[]>();
  /**
   * The open sessions by slot (a session's `slot`): `frags[i]` and its last request time `ends[i]` (+∞ for a free
   * slot). A sweep reads the one typed array and touches only the sessions that close, not every open one (whose
   * objects are spread over the heap: reading them all, every sweep, cost more than the rest of the stitching).
   */
  const frags: (SessionFragment | null)[] = [];
  let ends = new Float64Array(1024).fill(Number.POSITIVE_INFINITY);
  const freeSlots: number[] = [];
  /** Fragments no one refers to any more, to be reused for new sessions. */
  const spare: SessionFragment[] = [];
  const recycle = (s: SessionFragment): void => {
    if (spare.length < SPARE_FRAGMENTS) spare.push(s);
  };
  const fresh = (ip: string, r: EnrichedRecord): SessionFragment => {
    const s = spare.pop();
    return s === undefined ? newFragment(ip, r) : reuseFragment(s, ip, r);
  };
  let open = 0;
  /**
   * The latest event time seen, in a typed cell: a closure variable holding a double gets a new heap number on every
   * store, and it is stored for most records (time moves forward).
   */
  const seen = new Float64Array([Number.NEGATIVE_INFINITY]);
  let lastSweep = Number.NEGATIVE_INFINITY;
  const stats: StitcherStats = { late: 0, forced: 0, peakOpen: 0 };
  const useUa = options.key === 'ip+ua';

  const takeSlot = (s: SessionFragment): void => {
    let i = freeSlots.pop();
    if (i === undefined) {
      i = frags.length;
      if (i === ends.length) {
        const grown = new Float64Array(ends.length * 2).fill(Number.POSITIVE_INFINITY);
        grown.set(ends);
        ends = grown;
      }
      frags.push(s);
    } else frags[i] = s;
    s.slot = i;
    ends[i] = s.endMs;
  };

  const freeSlot = (s: SessionFragment): void => {
    frags[s.slot] = null;
    ends[s.slot] = Number.POSITIVE_INFINITY;
    freeSlots.push(s.slot);
    s.slot = -1;
  };

  /** Takes open session `s` out of the stitcher (its address's list keeps its order by start). */
  const remove = (s: SessionFragment): void => {
    const list = byIp.get(s.ip);
    if (list !== undefined) {
      const at = list.indexOf(s);
      if (list.length === 1 && at === 0) byIp.delete(s.ip);
      else if (at >= 0) list.splice(at, 1);
    }
    freeSlot(s);
    detail -= s.detail;
    open--;
  };

  /** Closes every open session `stale` picks, in `order`; returns how many. */
  const closeWhere = (stale: (s: SessionFragment) => boolean, out: T[]): number => {
    const closed: T[] = [];
    for (let i = 0; i < frags.length; i++) {
      const s = frags[i];
      if (s === null || s === undefined || !stale(s)) continue;
      remove(s);
      closed.push(close(s));
      if (finalizes) recycle(s);
    }
    appendAll(out, closed.sort(order));
    return closed.length;
  };

  /** Closes the sessions idle past the timeout at `watermark` (read from `ends`: only those are touched). */
  const sweep = (watermark: number, out: T[]): void => {
    let closed: T[] | null = null;
    const n = frags.length;
    for (let i = 0; i < n; i++) {
      if (!((ends[i] ?? Number.POSITIVE_INFINITY) + timeout < watermark)) continue;
      const s = frags[i];
      if (s === null || s === undefined) continue;
      remove(s);
      (closed ??= []).push(close(s));
      if (finalizes) recycle(s);
    }
    if (closed !== null) appendAll(out, closed.sort(order));
  };

  /** Closes the stalest tenth of the open sessions (by last request; every session tied with the last one goes too). */
  const forceClose = (out: T[]): void => {
    const held = new Float64Array(open);
    let k = 0;
    for (let i = 0; i < frags.length; i++) if (frags[i] != null) held[k++] = ends[i] ?? 0;
    held.sort();
    const cut = held[Math.max(0, Math.ceil(open / 10) - 1)] ?? Number.NEGATIVE_INFINITY;
    minIdleForced = Math.min(minIdleForced, (seen[0] ?? 0) - cut);
    stats.forced += closeWhere((s) => s.endMs <= cut, out);
  };

  return {
    stats,
    closeWhere,
    /** Latest event time − lateness (−∞ before any record). */
    watermark: (): number => (seen[0] ?? 0) - lateness,
    push(r: EnrichedRecord): readonly T[] {
      // A log with host names where addresses go (Apache HostnameLookups) keys sessions by the name.
      const ip = r.clientIp ?? r.clientHost ?? '-';
      const ua = r.userAgent;
      const t = r.startMs;
      let out: T[] | null = null;
      let maxSeen = seen[0] ?? 0;
      if (t > maxSeen) seen[0] = maxSeen = t;
      const watermark = maxSeen - lateness;
      if (t + timeout < watermark) stats.late++;
      const list = byIp.get(ip);
      let target: SessionFragment | null = null;
      if (list === undefined) {
        // A one-element list (most addresses have one session at a time).
        target = fresh(ip, r);
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
              mergeInto(target, s, evidenceOrder);
              detail += target.detail - before;
              list.splice(i, 1);
              i--;
              open--;
              freeSlot(s);
              recycle(s);
            }
          }
        }
        if (target === null) {
          target = fresh(ip, r);
          list.push(target);
          list.sort(byStartMs);
        }
      }
      if (target.requests === 0) {
        open++;
        if (open > stats.peakOpen) stats.peakOpen = open;
        takeSlot(target);
      }
      const held = target.detail;
      addRecord(target, r, evidenceOrder);
      detail += target.detail - held;
      ends[target.slot] = target.endMs;
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
    capNote(): string | null {
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

/** Open sessions of one address by start (a function made once, not per record that starts a session). */
function byStartMs(a: SessionFragment, b: SessionFragment): number {
  return a.startMs - b.startMs;
}

/** Deterministic order of sessions closed together: start, then key. */
export function bySessionOrder(a: Session, b: Session): number {
  return a.startMs - b.startMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
