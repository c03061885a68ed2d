/**
 * Worker thread of a run sharded by data (pipeline-parallel.ts): reads the inputs of one task at a time with the
 * single-thread reader (runInputs: gunzip, lines, format, parse), counts the records into the task's state
 * (analysis-task.ts), hands over burst's closed minutes and session fragments as they close, and at the task's end
 * its state, input summaries and diagnostics. A record past the next input's first timestamp plus the slack (inputs
 * that overlap in time) stops the task: the run is read again on one thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Diagnostic, LogRecord } from './core/types';
import { formatSet } from './formats/registry';
import { runInputs, type DetectedFormats, type PipelineSink } from './pipeline';
import type { FromWorker, TaskInput, ToWorker, WorkerInit } from './pipeline-parallel';
import { createTaskCore, taskBuffers } from './analysis-task';
import type { AnalyzeOptions } from './analysis-core';
import { evidenceOrder } from './aggregate/types';
import { openGeo } from './enrich/geo/index';
import { createEnricherCaches, type EnricherCaches } from './enrich/index';
import { DEFAULT_LIMITS } from './core/limits';

/** Thrown to stop a task whose inputs overlap in time. */
class Overlap extends Error {}

function start(): void {
  const port = parentPort;
  if (port === null) throw new Error('pipeline-worker must run in a worker thread');
  const init = workerData as WorkerInit;
  let options: AnalyzeOptions = { ...init.options, geo: null };
  // Kept from task to task (enrich/index.ts EnricherCaches): made once the geo data is open.
  let caches: EnricherCaches | undefined;
  const order = evidenceOrder(init.paths);
  const slack = options.joinSlackMs ?? 0;
  const post = (m: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);

  const runTask = async (task: number, inputs: readonly TaskInput[]): Promise<void> => {
    const core = createTaskCore(options, task, order, {
      windows: (p) => post({ t: 'windows', p }, p.windows === null ? [] : [p.windows.data.buffer as ArrayBuffer]),
      fragments: (batch) => post({ t: 'fragments', task, batch }, [batch.fragments.packed.data.buffer as ArrayBuffer]),
    }, caches);
    const detected: DetectedFormats = new Map();
    const formats = formatSet(options.layouts);
    for (const i of inputs) detected.set(i.path, { format: i.format === undefined ? undefined : i.format === null ? null : (formats.get(i.format) ?? null), firstMs: i.firstMs, lastMs: i.lastMs, runnerUp: i.runnerUp ?? null });
    // The reach past which a record of an input overlaps the next one, by input path.
    const reach = new Map(inputs.map((i) => [i.path, i.nextFirstMs === null ? Number.POSITIVE_INFINITY : i.nextFirstMs + slack]));
    let file: string | null = null;
    let limit = Number.POSITIVE_INFINITY;
    const kept: Diagnostic[] = [];
    let lineKept = 0;
    let dropped = 0;
    let progressAt = 0;
    const sink: PipelineSink = {
      record: (r: LogRecord) => {
        if (r.source.file !== file) {
          file = r.source.file;
          limit = reach.get(file) ?? Number.POSITIVE_INFINITY;
        }
        if (r.startMs >= limit) throw new Overlap();
        core.record(r);
      },
      transient: true,
      diagnostic: (d) => {
        // Every input-level one, and the first maxWarnings line-level ones: all the run's log can keep of this task.
        if (d.source !== null && lineKept++ >= init.maxWarnings) dropped++;
        else kept.push(d);
      },
      keptLineDiagnostics: init.maxWarnings,
      unkeptDiagnostics: (n) => {
        dropped += n;
      },
      afterBatch: (summary) => {
        core.batchEnd();
        // Progress a few times a second at most (a batch is a few hundred lines).
        const now = Date.now();
        if (now - progressAt < 250) return;
        progressAt = now;
        // Only what a progress line reads: an input's peers and per-format counts are hundreds of rows to clone.
        const { peers: _peers, formats: _formats, ...slim } = summary;
        post({ t: 'progress', summary: slim });
      },
    };
    const notLogs: string[] = [];
    try {
      const summaries = await runInputs(inputs.map((i) => ({ path: i.path, stdin: false, ...(i.walked === true ? { walked: true } : {}) })), options, sink, detected, notLogs);
      const state = core.finish();
      post({ t: 'done', task, result: { state, summaries, kept, dropped, notLogs } }, taskBuffers(state));
    } catch (e) {
      if (e instanceof Overlap) post({ t: 'overlap', task });
      else throw e;
    } finally {
      caches?.release();
    }
  };

  // Tasks that arrive while the geo data opens wait in order.
  let chain = (init.geo ? openGeo(init.geo) : Promise.resolve(null)).then((geo) => {
    options = { ...init.options, geo };
    caches = options.summaryOnly === true ? undefined : createEnricherCaches(geo, options.limits ?? DEFAULT_LIMITS);
  });
  port.on('message', (m: ToWorker) => {
    if (m.t === 'end') {
      chain = chain.then(() => port.close());
      return;
    }
    chain = chain.then(() => runTask(m.task, m.inputs)).catch((e: unknown) => {
      // Rethrown outside the promise so the main thread gets the worker's 'error' event.
      setImmediate(() => {
        throw e;
      });
    });
  });
}

start();
