/**
 * The session joiner: the main thread's half of stitching a run sharded by input. Each shard stitches its records
 * with a fragment stitcher (stitcher.ts `createFragmentStitcher`) and hands out batches of session fragments with
 * its watermark (its latest event time − lateness); the joiner joins the fragments of one client key whose time
 * spans are within the timeout of each other — connected components over time, so a fragment can bridge two — and
 * finalizes a joined session once no shard can still send a fragment that would join it.
 *
 * Why that is exact: a session is a maximal run of one key's records with no gap over the timeout, and every fragment
 * is such a run over a subset of the records (a shard's session), so two fragments belong to one session exactly
 * when their spans, widened by the timeout, meet; joining fragments that meet gives the sessions of all the records.
 * A shard hands out, with watermark w, every fragment it closed and every open one that started before w (it goes
 * on as a new fragment), so every fragment it hands out later starts at or after w (its records are at or after w,
 * as records out of order by at most the lateness are). With W = the least watermark of the shards still running,
 * a joined session whose end + timeout < W can meet no later fragment: it is final. Records further out of order
 * than the lateness may split a session here as they may in one stitcher (fragments that arrive starting before
 * the joiner's watermark are counted in `stats.late`).
 *
 * Order: W only grows, and every fragment received after W reached some value ends at or after it, so the sessions
 * released at W all end before any released later. Each release is sorted by end, then start, then key: the output
 * is in that order as a whole, whatever the timing of the shards' batches (canonical order). One stitcher emits in
 * another order (sweep by sweep, each sorted by start then key: it depends on when its sweeps ran); the multiset of
 * sessions is the same. Consumers that depend on order: looping-session (ties of equal start among findings of one
 * cycle, and which sessions pass its cap of kept findings) and the session summary's top counters past their caps.
 *
 * Memory: the joiner holds the joined sessions not yet released: those whose end + timeout ≥ W, i.e. the clients
 * active within timeout + lateness + the lag of the slowest shard (its progress since its last batch) before the
 * newest event time, as one stitcher holds the sessions of the last timeout + lateness — plus, per batch, the
 * fragments it brings. Past `maxHeld` joined sessions (default 200,000), or past `maxDetail` timestamps and distinct
 * endpoints held by them together (default DETAIL_BUDGET, as the stitcher: a fragment holds up to TIMES_CAP and
 * DISTINCT_CAP of them), the stalest tenth (by end) is released early, until within the bounds, and counted in
 * `stats.forced`; a later fragment of such a client starts a new session, as a forced close in one stitcher does, and
 * which sessions go then depends on batch timing. So the joiner, like one stitcher, stays near 140 MB + 8–40 bytes ×
 * DETAIL_BUDGET. (A shard's own forced closes hand fragments out like any other: the joiner may still join them, so
 * there they move memory to the joiner rather than split sessions.)
 */
import { appendAll } from '../core/arrays';
import { fmt } from '../core/format';
import { DETAIL_BUDGET, type FragmentBatch } from './stitcher';
import { mergeInto, type EvidenceOrder, type SessionFragment } from './fragment';
import type { Session } from './types';
import { createFinalizer } from './finalize';

/** Joiner options (timeout, key and order as the shards' stitchers were given). */
export interface JoinerOptions {
  readonly timeoutMs: number;
  readonly key: 'ip' | 'ip+ua';
  /** Number of shards (0 … shards − 1): nothing is released before each has sent a batch. */
  readonly shards: number;
  /** Run order of evidence; absent as for the stitcher (file name, then line). */
  readonly order?: EvidenceOrder;
  /**
   * Each shard's watermark before its first batch (default −∞: it holds everything back until it sends one): a shard
   * not started yet can hand out nothing older than its first record less the lateness.
   */
  readonly initial?: readonly number[];
  /** Joined sessions held before the stalest are released early (default 200,000). */
  readonly maxHeld?: number;
  /** Timestamps and distinct endpoints held by them together before the stalest are released early (DETAIL_BUDGET). */
  readonly maxDetail?: number;
}

/** Counters about the joining. */
export interface JoinerStats {
  /** Fragments received. */
  fragments: number;
  /** Fragments that started before the joiner's watermark (their shard's records were later than the lateness). */
  late: number;
  /** Sessions released early because of the maxHeld or maxDetail bound. */
  forced: number;
  /** Most joined sessions held at once. */
  peakHeld: number;
}

/** Joins the fragments of a run's shards into sessions. */
export interface SessionJoiner {
  /** Adds shard `shard`'s batch; returns the sessions no shard can extend any more, in canonical order. */
  receive(shard: number, batch: FragmentBatch): readonly Session[];
  /** Releases everything still held (all shards ended, or the run stops). */
  flush(): readonly Session[];
  /** The least watermark of the shards still running (+∞ once all sent their final batch). */
  watermark(): number;
  /** Joined sessions held now. */
  held(): number;
  readonly stats: JoinerStats;
  /** The CAP_REACHED message once sessions were released early, else null. */
  capNote(): string | null;
}

/** Canonical order of released sessions: end, then start, then key. */
export function byReleaseOrder(a: Session, b: Session): number {
  return a.endMs - b.endMs || a.startMs - b.startMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
    || (a.userAgent === b.userAgent ? 0 : a.userAgent === null ? -1 : b.userAgent === null ? 1 : a.userAgent < b.userAgent ? -1 : 1);
}

/** Creates a joiner for `options.shards` shards. */
export function createSessionJoiner(options: JoinerOptions): SessionJoiner {
  const timeout = options.timeoutMs;
  const useUa = options.key === 'ip+ua';
  const order = options.order ?? null;
  const maxHeld = options.maxHeld ?? 200_000;
  const maxDetail = options.maxDetail ?? DETAIL_BUDGET;
  /** Each shard's latest watermark; +∞ once it sent its final batch. */
  const marks = new Array<number>(options.shards).fill(Number.NEGATIVE_INFINITY);
  options.initial?.forEach((m, i) => {
    if (i < marks.length) marks[i] = m;
  });
  let global = Number.NEGATIVE_INFINITY;
  /** ip → joined sessions of that address (all agents), sorted by start; those of one key never meet. */
  const byIp = new Map<string, SessionFragment[]>();
  let held = 0;
  const stats: JoinerStats = { fragments: 0, late: 0, forced: 0, peakHeld: 0 };
  const finalize = createFinalizer(useUa);

  const join = (f: SessionFragment): void => {
    stats.fragments++;
    if (f.startMs < global) stats.late++;
    const list = byIp.get(f.ip);
    if (list === undefined) {
      byIp.set(f.ip, [f]);
      held++;
      return;
    }
    // Merge every held session of the key that f meets (f may bridge several) into the first of them.
    let target: SessionFragment | null = null;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s === undefined || (useUa && s.ua !== f.ua)) continue;
      if (f.startMs <= s.endMs + timeout && f.endMs >= s.startMs - timeout) {
        if (target === null) {
          target = s;
          mergeInto(target, f, order);
        } else {
          mergeInto(target, s, order);
          list.splice(i, 1);
          i--;
          held--;
        }
      }
    }
    if (target === null) {
      list.push(f);
      held++;
    }
    list.sort((a, b) => a.startMs - b.startMs);
  };

  /** Releases every held session `done` picks, in canonical order. */
  const release = (done: (s: SessionFragment) => boolean): Session[] => {
    const out: Session[] = [];
    byIp.forEach((list, ip) => {
      let kept = 0;
      for (let i = 0; i < list.length; i++) {
        const s = list[i];
        if (s === undefined) continue;
        if (done(s)) {
          out.push(finalize(s));
          held--;
        } else list[kept++] = s;
      }
      if (kept === 0) byIp.delete(ip);
      else list.length = kept;
    });
    return out.sort(byReleaseOrder);
  };

  /** Timestamps and distinct endpoints held (counted per batch, as releasing scans the held sessions anyway). */
  const detailHeld = (): number => {
    let n = 0;
    for (const list of byIp.values()) for (const s of list) n += s.detail;
    return n;
  };

  /** Releases the stalest tenth of the held sessions by end (every session tied with the last one goes too). */
  const forceOnce = (out: Session[]): void => {
    const ends = new Float64Array(held);
    let i = 0;
    for (const list of byIp.values()) for (const s of list) ends[i++] = s.endMs;
    ends.sort();
    const cut = ends[Math.max(0, Math.ceil(held / 10) - 1)] ?? Number.NEGATIVE_INFINITY;
    const forced = release((s) => s.endMs <= cut);
    stats.forced += forced.length;
    appendAll(out, forced);
  };

  return {
    stats,
    receive(shard, batch) {
      if (!Number.isInteger(shard) || shard < 0 || shard >= marks.length) throw new RangeError(`session joiner: no shard ${shard} of ${marks.length}`);
      for (const f of batch.fragments) join(f);
      if (held > stats.peakHeld) stats.peakHeld = held;
      const mark = batch.final ? Number.POSITIVE_INFINITY : batch.watermark;
      if (mark > (marks[shard] ?? Number.NEGATIVE_INFINITY)) marks[shard] = mark;
      let least = Number.POSITIVE_INFINITY;
      for (const m of marks) if (m < least) least = m;
      const out: Session[] = [];
      if (least > global) {
        global = least;
        appendAll(out, release((s) => s.endMs + timeout < least));
      }
      // Past a bound, the stalest tenth; past the detail budget, down to 90% of it (as the stitcher does).
      if (held > maxHeld) forceOnce(out);
      else if (detailHeld() > maxDetail) while (held > 0 && detailHeld() > 0.9 * maxDetail) forceOnce(out);
      return out;
    },
    flush() {
      global = Number.POSITIVE_INFINITY;
      marks.fill(Number.POSITIVE_INFINITY);
      return release(() => true);
    },
    watermark: () => global,
    capNote() {
      if (stats.forced === 0) return null;
      return `sessions: joining the shards' sessions held at most ${fmt(maxHeld, 3)} sessions and ${fmt(maxDetail, 3)} timestamps and distinct endpoints; ${fmt(stats.forced, 3)} sessions were released early, the stalest first; a client that came back after that starts a new session, so session counts can be high and durations short for those clients (sessions.stitching.forced_closes)`;
    },
    held: () => held,
  };
}
