/**
 * Worker thread of a parallel run (pipeline-parallel.ts): receives pieces of decoded input (whole lines, numbered by
 * the main thread), parses them with the input's format and feeds the records to its part of the analysis
 * (analysis-core.ts: the summary shard, the primary part or the detectors part). At the end it sends its results
 * back as plain data. It runs the same processBatch as the sequential pipeline, so every line is accounted for the
 * same way.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Diagnostic } from './core/types';
import { getFormat } from './formats/registry';
import type { FormatParser } from './formats/types';
import { emptySummary, processBatch, type InputSummary, type PipelineOptions, type PipelineSink } from './pipeline';
import { pieceBatches, type ToWorker, type WorkerInit, type WorkerResult } from './pipeline-parallel';
import { createCore, type Core } from './analysis-core';
import { openGeo } from './enrich/geo/index';

async function start(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('pipeline-worker must run in a worker thread');
  const init = workerData as WorkerInit;
  const options: PipelineOptions = init.options;
  const inputs = new Map<number, { file: string; format: FormatParser | null; notALog: boolean; summary: InputSummary }>();
  const kept: { input: number; d: Diagnostic }[] = [];
  let dropped = 0;
  let current = -1;
  let core: Core | null = null;
  const queue: ToWorker[] = [];
  // One sink for the whole run (records only arrive once the core exists).
  const sink: PipelineSink = {
    record: (r) => core?.record(r),
    diagnostic: (d) => {
      // The first maxWarnings line-level diagnostics of this worker include every one of them that can be among
      // the run's first maxWarnings (pieces arrive in input and line order); the rest are only counted.
      if (kept.length < init.maxWarnings) kept.push({ input: current, d });
      else dropped++;
    },
  };

  const handle = (c: Core, m: ToWorker): void => {
    if (m.t === 'input') {
      const format = m.format === null ? null : (getFormat(m.format) ?? null);
      // Announced again once its format is known (its first lines were blank): same totals, the format from now on.
      const known = inputs.get(m.index);
      if (known !== undefined) inputs.set(m.index, { ...known, format, notALog: m.notALog, summary: { ...known.summary, format: m.format } });
      else inputs.set(m.index, { file: m.file, format, notALog: m.notALog, summary: emptySummary(m.file, m.format) });
      return;
    }
    if (m.t === 'piece') {
      const input = inputs.get(m.input);
      if (input === undefined) throw new Error(`piece for unannounced input ${m.input}`);
      current = m.input;
      for (const batch of pieceBatches(m, options.maxLineLength)) processBatch(batch, input.format, input.file, options, input.summary, sink, input.notALog);
      port.postMessage({ t: 'ack' });
      return;
    }
    const done = c.finish();
    const result: WorkerResult = {
      t: 'result',
      traffic: done.traffic ? done.traffic.state() : null,
      built: done.built,
      findings: done.findings,
      detectorsRan: done.detectorsRan,
      caps: done.caps,
      inputs: [...inputs].map(([index, v]) => ({ index, summary: v.summary })),
      kept,
      dropped,
    };
    port.postMessage(result);
  };

  // Messages that arrive while the geo data opens wait in order.
  port.on('message', (m: ToWorker) => {
    if (core === null) queue.push(m);
    else handle(core, m);
  });
  const geo = init.geo ? await openGeo(init.geo) : null;
  const ready = createCore({ ...init.options, geo }, init.role);
  core = ready;
  for (const m of queue.splice(0)) handle(ready, m);
}

start().catch((e: unknown) => {
  // Rethrown outside the promise so the main thread gets the worker's 'error' event.
  setImmediate(() => {
    throw e;
  });
});
