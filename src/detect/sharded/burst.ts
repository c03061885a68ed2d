/**
 * Burst in a run sharded by data (worker threads that each read whole inputs): the shards' side counts and posts
 * closed minutes, the main thread's side merges them and judges (detect/burst.ts has the counter and the judge).
 *
 * A shard (`createBurstShard`) counts its inputs, read merged by time, into EntityMinutes with the run's evidence
 * order, and posts the minutes it closes as plain data (aggregate/closed-minutes.ts, packed in batches of
 * BATCH_MINUTES) with its watermark, and a last post with `done`. The main thread (`createBurstMerger`) unpacks the
 * posts and adds them into a WindowMerger (aggregate/windows.ts) that releases a minute to the one judge once every running shard has closed
 * it. Below the caps the findings and the late records are those of one pass over all inputs merged by time
 * (test/aggregate/windows.test.ts); past the per-minute cap they are deterministic for an assignment of inputs to
 * shards, and the CAP_REACHED figures add up. Nothing here starts a thread: whoever runs the workers posts.
 */
import type { EnrichedRecord } from '../../enrich/types';
import type { EntityMinutesOptions } from '../../aggregate/entity-minutes';
import { ClosedMinutesWriter, entityWindows, unpackClosedMinutes } from '../../aggregate/closed-minutes';
import type { EvidenceOrder } from '../../aggregate/types';
import type { Packed } from '../../core/packed';
import { WindowMerger, type ShardPost } from '../../aggregate/windows';
import type { DetectorContext, Finding } from '../types';
import { burstCounting, createBurstCounter, createBurstJudge, type BurstJudge, type BurstJudgeJson, type BurstOptions } from '../burst';

/** What a burst shard posts: a ShardPost whose closed minutes are packed in one batch (null: none). */
export type BurstPost = Omit<ShardPost<never>, 'windows'> & { readonly windows: Packed | null };

/**
 * Minutes a shard batches into one post (and numbers, 8 bytes each, past which it posts sooner). A post per minute
 * cloned 4 × 12 small buffers and ~280 strings each time: on 20 ALB files (24 h, 1 M lines, --jobs 2) 1,451 posts,
 * 1.2–1.5 s inside postMessage per worker; in batches of 15, 93 posts, 0.08–0.17 s per worker, 160 k strings
 * instead of 411 k, and 0.1 s to unpack on the main thread. The main thread judges a minute once every shard has
 * passed it anyway, so a batch only delays the judging (by up to this many minutes of the shard's event time, which
 * it holds meanwhile); the judging order and the findings are the same.
 */
export const BATCH_MINUTES = 15;
const BATCH_NUMBERS = 1 << 20;

/**
 * One shard of a run sharded by data (whole inputs): counts its records and posts what it closes, packed
 * (ClosedMinutesWriter: one transferable buffer and the batch's strings), once BATCH_MINUTES have closed since its
 * last post, and a last post with `done` from `finish`.
 */
export function createBurstShard(o: Pick<BurstOptions, 'latenessMinutes'>, counting: EntityMinutesOptions, order: EvidenceOrder, shard: number, post: (p: BurstPost) => void): { observe(r: EnrichedRecord): void; finish(): void } {
  const pending = new ClosedMinutesWriter();
  const counter = createBurstCounter(o, counting, (m, tables) => pending.add(m, tables), order);
  let posted: number | null = null;
  const flush = (done: boolean): void => {
    const watermark = counter.minutes.watermark;
    if (!done && (watermark === posted || (pending.minutes < BATCH_MINUTES && pending.size < BATCH_NUMBERS))) return;
    post({ shard, windows: pending.minutes > 0 ? pending.take() : null, watermark, late: counter.minutes.late, done });
    posted = watermark;
  };
  return {
    observe(r) {
      counter.observe(r);
      flush(false);
    },
    finish() {
      counter.finish();
      flush(true);
    },
  };
}

/** The main thread of a sharded run: merges the shards' posts and judges each minute once every shard passed it. */
export interface BurstMerger {
  post(p: BurstPost): void;
  /** The findings, once every shard posted `done`. */
  finish(): Finding[];
  /** Records the shards dropped as late. */
  readonly late: number;
  readonly judge: BurstJudge;
}

export function createBurstMerger(o: BurstOptions, ctx: DetectorContext, shards: number, order: EvidenceOrder, saved?: BurstJudgeJson, initial?: readonly (number | null)[]): BurstMerger {
  const judge = createBurstJudge(o, ctx, saved);
  const merger = new WindowMerger(shards, entityWindows(burstCounting(ctx), shards, order, judge.judgeMinute), initial);
  return {
    judge,
    post: (p) => merger.post({ ...p, windows: p.windows === null ? [] : unpackClosedMinutes(p.windows) }),
    finish() {
      if (!merger.done) throw new Error('burst: finish before every shard is done');
      return judge.finish();
    },
    get late() {
      return merger.late;
    },
  };
}
