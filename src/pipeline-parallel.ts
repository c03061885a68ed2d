/**
 * A run sharded by data over worker threads. The inputs, in read order (orderInputsByTime), are cut into tasks of
 * whole consecutive inputs; each worker reads the inputs of one task at a time itself (gunzip, lines, parse, with
 * the same reader as the single-thread pipeline) and counts them into fresh state (analysis-task.ts). The main
 * thread takes what the tasks hand over while they run (burst's closed minutes, session fragments) and their states
 * at their ends, merges them in input order and judges (analysis-join.ts): the report is the single-thread one,
 * byte for byte (tests compare them for --jobs 1, 2, 3).
 *
 * One condition: consecutive inputs must follow one another in time, within the slack the pipeline reads as one
 * input after the other (PipelineOptions.joinSlackMs). Where inputs overlap more, the single-thread reader merges
 * them record by record, which whole-input tasks cannot reproduce: a task that meets a record past the next input's
 * first timestamp plus the slack says so, the run stops, and analysis.ts reads the inputs again on one thread.
 * Inputs whose ends are known before reading (plain files, AWS file names) are checked before any work.
 *
 * Work is never done twice: every line is read, parsed and counted by one worker; the main thread merges states
 * (a few per cent of the CPU) and runs the judges.
 */
import { Worker } from 'node:worker_threads';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from './core/types';
import type { DiagnosticLog } from './diagnostics';
import type { InputSpec } from './input/expand';
import { notALogDiagnostic, type DetectedFormats, type InputSummary } from './pipeline';
import type { TrafficProfile } from './profile/traffic';
import type { ReportSections } from './core/report-types';
import type { Finding } from './detect/types';
import { evidenceOrder } from './aggregate/types';
import type { GeoOptions } from './enrich/geo/index';
import type { AnalyzeOptions } from './analysis-core';
import type { FragmentBatchPacked, TaskState } from './analysis-task';
import { createJoin } from './analysis-join';
import type { BurstPost } from './detect/sharded/burst';

/** An input as a worker reads it: its path and what the ordering pass learned. */
export interface TaskInput {
  readonly index: number;
  readonly path: string;
  /** Found by walking a directory (InputSpec.walked). */
  readonly walked?: boolean;
  /** Format id detected (null: none; undefined: not detected, as under --format). */
  readonly format: string | null | undefined;
  /** The format that tied with it on the first lines (KnownInput.runnerUp). */
  readonly runnerUp?: string | null;
  readonly firstMs: number | null;
  readonly lastMs: number | null;
  /** The next input's first timestamp (null: none, or unknown): a record past it plus the slack is an overlap. */
  readonly nextFirstMs: number | null;
}

/** What a worker is started with (structured-clone safe: geo is reopened from its source). */
export interface WorkerInit {
  readonly options: Omit<AnalyzeOptions, 'geo'>;
  readonly geo: GeoOptions | null;
  readonly maxWarnings: number;
  /** The run's inputs in read order (the evidence order of merges). */
  readonly paths: readonly string[];
}

/** Messages to a worker. */
export type ToWorker =
  | { readonly t: 'task'; readonly task: number; readonly inputs: readonly TaskInput[] }
  | { readonly t: 'end' };

/** Messages from a worker. */
export type FromWorker =
  | { readonly t: 'windows'; readonly p: BurstPost }
  | { readonly t: 'fragments'; readonly task: number; readonly batch: FragmentBatchPacked }
  | { readonly t: 'progress'; readonly summary: InputSummary }
  | { readonly t: 'overlap'; readonly task: number }
  | { readonly t: 'done'; readonly task: number; readonly result: TaskResult };

/** A task's result. */
export interface TaskResult {
  readonly state: TaskState;
  readonly summaries: readonly InputSummary[];
  /** Its first diagnostics (every input-level one, the first maxWarnings line-level ones), in read order. */
  readonly kept: readonly Diagnostic[];
  /** Line-level diagnostics counted but not kept. */
  readonly dropped: number;
  /** Inputs found under a directory that no format parses. */
  readonly notLogs: readonly string[];
}

/**
 * Old-generation heap of each worker (MB): a worker holds one task's state (bounded by the caps, core/limits.ts).
 * Not less than 2 GB: below it V8 grows the heap by a smaller factor (about 1.65 at 1 GB instead of 4), and a worker
 * whose state grows from nothing each task ran a full mark-compact every few tens of MB. With 1 GB, on the 20-file
 * split of the 1M-line bench file (--jobs 2): 19-24 mark-compacts per worker (4 in a --jobs 1 run); with 2 GB, 5-7,
 * each worker's heap peaking at 145-185 MB instead of 115 MB.
 */
export const WORKER_OLD_SPACE_MB = 2048;

/** Progress callback: the input being read, with its lines so far. */
export type ProgressFn = (current: InputSummary) => void;

/** What a sharded run produced. */
export interface ShardedResult {
  readonly summaries: InputSummary[];
  readonly traffic: TrafficProfile;
  readonly built: ReportSections;
  /** Raw findings per detector, in registry order. */
  readonly findings: readonly { readonly id: string; readonly findings: Finding[] }[];
  readonly detectorsRan: boolean;
  readonly caps: readonly string[];
  /** Worker threads the run used. */
  readonly workers: number;
}

/** Tasks per worker (a few, to balance the load; each task's state is merged on the main thread). */
const TASKS_PER_WORKER = 4;
/** A task reads at least this many bytes of input (fewer only at the end): below it, a state merge costs more than it saves. */
export const MIN_TASK_BYTES = 4 * 1024 * 1024;

/**
 * Cuts inputs (in read order) into tasks of consecutive inputs: about `perTask` bytes each, so that a run of many
 * small files (ALB writes one per node per 5 minutes) does not merge a state per file, and there are a few tasks
 * per worker to balance the load.
 */
export function planTasks(inputs: readonly InputSpec[], jobs: number, minTaskBytes = MIN_TASK_BYTES): InputSpec[][] {
  const sizes = inputs.map((input) => {
    try {
      return statSync(input.path).size;
    } catch {
      return 0;
    }
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  const perTask = Math.max(minTaskBytes, total / (jobs * TASKS_PER_WORKER));
  const tasks: InputSpec[][] = [];
  let current: InputSpec[] = [];
  let bytes = 0;
  inputs.forEach((input, i) => {
    current.push(input);
    bytes += sizes[i] ?? 0;
    if (bytes >= perTask) {
      tasks.push(current);
      current = [];
      bytes = 0;
    }
  });
  if (current.length > 0) tasks.push(current);
  return tasks;
}

/**
 * Runs the analysis of `inputs` (in read order) on `jobs` worker threads; null when the inputs turned out to overlap
 * in time (the caller reads them on one thread).
 */
export async function runSharded(
  inputs: readonly InputSpec[],
  options: AnalyzeOptions,
  jobs: number,
  diags: DiagnosticLog,
  detected: DetectedFormats,
  onProgress?: ProgressFn,
): Promise<ShardedResult | null> {
  const tasks = planTasks(inputs, jobs, options.minTaskBytes);
  const paths = inputs.map((i) => i.path);
  const order = evidenceOrder(paths);
  const known = (path: string | undefined) => (path === undefined ? undefined : detected.get(path));
  const taskInputs: TaskInput[][] = [];
  let index = 0;
  for (const t of tasks) {
    taskInputs.push(t.map((input) => {
      const k = known(input.path);
      const next = known(inputs[index + 1]?.path);
      const ti: TaskInput = { index, path: input.path, ...(input.walked === true ? { walked: true } : {}), format: k?.format === undefined ? undefined : (k.format?.id ?? null), ...(k?.runnerUp ? { runnerUp: k.runnerUp } : {}), firstMs: k?.firstMs ?? null, lastMs: k?.lastMs ?? null, nextFirstMs: next?.firstMs ?? null };
      index++;
      return ti;
    }));
  }
  const joinCore = createJoin(options, { tasks: tasks.length, firstMs: taskInputs.map((t) => t[0]?.firstMs ?? null), order });
  const { geo, baseline: _baseline, ...cloneable } = options;
  const init: WorkerInit = { options: cloneable, geo: geo?.source ?? null, maxWarnings: diags.limit, paths };
  const results: (Omit<TaskResult, 'state'> | undefined)[] = [];
  const workers: Worker[] = [];
  let overlap = false;
  try {
    await new Promise<void>((resolve, reject) => {
      let nextTask = 0;
      let done = 0;
      const give = (w: Worker): void => {
        if (nextTask >= tasks.length) {
          w.postMessage({ t: 'end' } satisfies ToWorker);
          return;
        }
        const task = nextTask++;
        w.postMessage({ t: 'task', task, inputs: taskInputs[task] ?? [] } satisfies ToWorker);
      };
      const script = workerScript();
      for (let i = 0; i < Math.min(jobs, tasks.length); i++) {
        const w = new Worker(script, { workerData: init, resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_SPACE_MB } });
        workers.push(w);
        w.on('message', (m: FromWorker) => {
          try {
            if (overlap) return;
            if (m.t === 'windows') joinCore.windows(m.p);
            else if (m.t === 'fragments') joinCore.fragments(m.task, m.batch);
            else if (m.t === 'progress') onProgress?.(m.summary);
            else if (m.t === 'overlap') {
              overlap = true;
              resolve();
            } else {
              // The state goes to the join (merged, then dropped); the rest is kept for the report.
              const { state, ...rest } = m.result;
              results[m.task] = rest;
              joinCore.state(m.task, state);
              if (++done === tasks.length) resolve();
              else give(w);
            }
          } catch (e) {
            reject(e);
          }
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (code !== 0 && !overlap && done < tasks.length) reject(new Error(`worker exited (${code}) before its task ended`));
        });
        give(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (overlap) return null;
  const core = joinCore.finish();
  const summaries: InputSummary[] = [];
  const notLogs: string[] = [];
  for (const [t, r] of results.entries()) {
    if (r === undefined) throw new Error(`internal: task ${t} has no result`);
    for (const s of r.summaries) summaries.push(s);
    for (const d of r.kept) diags.add(d);
    diags.countUnkept(r.dropped);
    for (const f of r.notLogs) notLogs.push(f);
  }
  const notLog = notALogDiagnostic(notLogs);
  if (notLog) diags.add(notLog);
  if (summaries.length !== inputs.length) throw new Error(`internal: ${inputs.length} inputs, ${summaries.length} summaries`);
  return { summaries, traffic: core.traffic, built: core.built, findings: core.findings, detectorsRan: core.detectorsRan, caps: core.caps, workers: workers.length };
}

/** The compiled worker script (tests run from src/ under ts-jest: use the build in dist/). */
function workerScript(): string {
  const here = join(__dirname, 'pipeline-worker.js');
  if (existsSync(here)) return here;
  return join(__dirname, '..', 'dist', 'pipeline-worker.js');
}
