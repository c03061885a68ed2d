/**
 * Burst in a run sharded by data (worker threads that each read whole inputs): the shards' side counts and posts
 * closed minutes, the main thread's side merges them and judges (detect/burst.ts has the counter and the judge).
 *
 * A shard (`createBurstShard`) counts its inputs, read merged by time, into EntityMinutes with the run's evidence
 * order, and posts each minute it closes as plain data (aggregate/closed-minutes.ts) with its watermark whenever the
 * watermark moves, and a last post with `done`. The main thread (`createBurstMerger`) adds the posts into a
 * WindowMerger (aggregate/windows.ts) that releases a minute to the one judge once every running shard has closed
 * it. Below the caps the findings and the late records are those of one pass over all inputs merged by time
 * (test/aggregate/windows.test.ts); past the per-minute cap they are deterministic for an assignment of inputs to
 * shards, and the CAP_REACHED figures add up. Nothing here starts a thread: whoever runs the workers posts.
 */
import type { EnrichedRecord } from '../../enrich/types';
import type { EntityMinutesOptions } from '../../aggregate/entity-minutes';
import { closedMinute, entityWindows, type ClosedMinute } from '../../aggregate/closed-minutes';
import type { EvidenceOrder } from '../../aggregate/types';
import { WindowMerger, type ShardPost } from '../../aggregate/windows';
import type { DetectorContext, Finding } from '../types';
import { burstCounting, createBurstCounter, createBurstJudge, type BurstJudge, type BurstJudgeJson, type BurstOptions } from '../burst';

/**
 * One shard of a run sharded by data (whole inputs): counts its records and posts what it closes, as plain data
 * that crosses a thread (structured clone; `closedMinuteBuffers` lists what can be transferred), whenever its
 * watermark moves, and a last post with `done` from `finish`.
 */
export function createBurstShard(o: Pick<BurstOptions, 'latenessMinutes'>, counting: EntityMinutesOptions, order: EvidenceOrder, shard: number, post: (p: ShardPost<ClosedMinute>) => void): { observe(r: EnrichedRecord): void; finish(): void } {
  const pending: ClosedMinute[] = [];
  const counter = createBurstCounter(o, counting, (m, tables) => pending.push(closedMinute(m, tables)), order);
  let posted: number | null = null;
  const flush = (done: boolean): void => {
    const watermark = counter.minutes.watermark;
    if (!done && pending.length === 0 && watermark === posted) return;
    post({ shard, windows: pending.splice(0), watermark, late: counter.minutes.late, done });
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
  post(p: ShardPost<ClosedMinute>): void;
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
    post: (p) => merger.post(p),
    finish() {
      if (!merger.done) throw new Error('burst: finish before every shard is done');
      return judge.finish();
    },
    get late() {
      return merger.late;
    },
  };
}
