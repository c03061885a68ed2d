/**
 * The partition phase of `lbua analyze --engine …`: each partition of the store (engine/source.ts) is one task,
 * counted once into fresh state by the task core a sharded run uses (analysis-task.ts); the main thread merges and
 * judges with the same join (analysis-join.ts), on a worker thread each, which opens the store itself
 * (engine/partition-worker.ts). One partition (--jobs 1) is every record in read order: the one-pass core counts it
 * on the main thread.
 *
 * Why any split of the records gives the one-pass report: every aggregate merges exactly for any split (per-minute
 * counts add; evidence keeps the k earliest references by EvidenceOrder, which the records keep from their source
 * lines), and a partition holds all of a client's requests, in read order, so its sessions are whole there.
 */
import { Worker } from 'node:worker_threads';
import { totalmem } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EvidenceOrder } from '../aggregate/types';
import type { GeoOptions } from '../enrich/geo/index';
import { createCore, STAGES, type AnalyzeOptions } from '../analysis-core';
import { wantedJobs, type CountedRun } from '../analysis';
import type { InputSpec } from '../input/expand';
import { createJoin } from '../analysis-join';
import { createTaskCore, type FragmentBatchPacked, type TaskOutput, type TaskState } from '../analysis-task';
import { WORKER_OLD_SPACE_MB } from '../pipeline-parallel';
import { readPartition, type PartitionSpec, type StoreRef } from './source';

/** What a partition worker is started with (structured-clone safe: geo is reopened from its source). */
export interface PartitionWorkerInit {
  readonly store: StoreRef;
  readonly spec: PartitionSpec;
  readonly options: Omit<AnalyzeOptions, 'geo' | 'baseline'>;
  readonly geo: GeoOptions | null;
  /** The run's inputs in read order (the evidence order). */
  readonly paths: readonly string[];
}

/** Messages from a partition worker. */
export type FromPartitionWorker =
  | { readonly t: 'windows'; readonly p: Parameters<TaskOutput['windows']>[0] }
  | { readonly t: 'fragments'; readonly batch: FragmentBatchPacked }
  | { readonly t: 'done'; readonly state: TaskState; readonly records: number }
  | { readonly t: 'error'; readonly message: string };

/**
 * Partitions of a run: its jobs (`--jobs N`); auto as the in-process run decides its workers from `inputs` (their
 * size; a table's size is the server's to know: pass none, and the machine decides), at least 1 — and 1 with less
 * than 4 GB of memory, since each worker holds a partition's state besides the merged one.
 */
export function partitionCount(options: AnalyzeOptions, inputs: readonly InputSpec[] | null): number {
  const jobs = options.jobs ?? 'auto';
  if (jobs !== 'auto') return Math.max(1, Math.floor(jobs));
  if (totalmem() < 4 * 1024 ** 3) return 1;
  return wantedJobs(inputs, 'auto');
}

/** Counts partition `spec` of `store` into a fresh task core; resolves with its state and its record count. */
export async function countPartition(store: StoreRef, spec: PartitionSpec, options: AnalyzeOptions, order: EvidenceOrder, out: TaskOutput): Promise<{ state: TaskState; records: number }> {
  const core = createTaskCore(options, spec.partition, order, out);
  const records = await readPartition(store, spec, (batch) => {
    for (const r of batch) core.record(r);
    core.batchEnd();
  });
  return { state: core.finish(), records };
}

/** What the partition phase gave. */
export interface PartitionsResult {
  readonly result: CountedRun;
  /** Worker threads used (0: the main thread alone). */
  readonly workers: number;
  /** Records read back (the store's rows). */
  readonly records: number;
}

/**
 * Counts the `partitions` partitions of `store` and joins them. `firstMs` is each partition's first start (null:
 * empty), `paths` the run's inputs in read order. Errors of a worker reject (a DuckDB error keeps its message).
 */
export async function countPartitions(store: StoreRef, options: AnalyzeOptions, partitions: number, paths: readonly string[], order: EvidenceOrder, firstMs: readonly (number | null)[]): Promise<PartitionsResult> {
  if (partitions === 1) {
    // One partition is every record in read order: the one-pass core counts it, as in process (no task state handed
    // over and merged: about 6 s of CPU less per million records, and the same report even where a cap is reached).
    const core = createCore(options, STAGES, order);
    const read = await readPartition(store, { partition: 0, partitions: 1 }, (batch) => {
      for (const r of batch) core.record(r);
    });
    return { result: core.finish(), workers: 0, records: read };
  }
  const join = createJoin(options, { tasks: partitions, firstMs, order });
  const geo = options.geo ?? null;
  let records = 0;
  // Workers reopen the geo data from where it came from; data given otherwise (tests) keeps the run on this thread.
  const onThread = partitions === 1 || (geo !== null && geo.source === undefined);
  if (onThread) {
    for (let k = 0; k < partitions; k++) {
      const done = await countPartition(store, { partition: k, partitions }, options, order, {
        windows: (p) => join.windows(p),
        fragments: (batch) => join.fragments(k, batch),
      });
      records += done.records;
      join.state(k, done.state);
    }
    return { result: join.finish(), workers: 0, records };
  }
  const { geo: _geo, baseline: _baseline, ...cloneable } = options;
  const workers: Worker[] = [];
  try {
    await Promise.all(Array.from({ length: partitions }, (_, k) => new Promise<void>((resolve, reject) => {
      const init: PartitionWorkerInit = { store, spec: { partition: k, partitions }, options: cloneable, geo: geo?.source ?? null, paths };
      const w = new Worker(workerScript(), { workerData: init, resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_SPACE_MB } });
      workers.push(w);
      let finished = false;
      w.on('message', (m: FromPartitionWorker) => {
        try {
          if (m.t === 'windows') join.windows(m.p);
          else if (m.t === 'fragments') join.fragments(k, m.batch);
          else if (m.t === 'error') reject(new Error(m.message));
          else {
            finished = true;
            records += m.records;
            join.state(k, m.state);
            resolve();
          }
        } catch (e) {
          reject(e);
        }
      });
      w.on('error', reject);
      w.on('exit', (code) => {
        if (!finished) reject(new Error(`partition worker exited (${code}) before its partition was counted`));
      });
    })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { result: join.finish(), workers: workers.length, records };
}

/** The compiled worker script (tests run from src/ under ts-jest: use the build in dist/). */
function workerScript(): string {
  const here = join(__dirname, 'partition-worker.js');
  if (existsSync(here)) return here;
  return join(__dirname, '..', '..', 'dist', 'engine', 'partition-worker.js');
}
