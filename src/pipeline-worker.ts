/**
 * Worker thread of the parallel summary (pipeline-parallel.ts): receives pieces of decoded input (whole lines,
 * numbered by the main thread), parses them with the input's format and counts them into its own partial traffic
 * profile and per-input totals. At the end it sends those back as plain data; the main thread merges the
 * partials of all workers. Runs the same processBatch as the sequential pipeline, so every line is accounted for
 * the same way.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Diagnostic } from './core/types';
import { getFormat } from './formats/registry';
import type { FormatParser } from './formats/types';
import { processBatch, type InputSummary, type PipelineOptions } from './pipeline';
import { TrafficProfile } from './profile/traffic';
import { pieceBatches, type ToWorker, type WorkerInit, type WorkerResult } from './pipeline-parallel';

function main(): void {
  const port = parentPort;
  if (port === null) throw new Error('pipeline-worker must run in a worker thread');
  const init = workerData as WorkerInit;
  const options: PipelineOptions = init.options;
  const traffic = new TrafficProfile();
  const inputs = new Map<number, { file: string; format: FormatParser | null; summary: InputSummary }>();
  const kept: { input: number; d: Diagnostic }[] = [];
  let dropped = 0;
  let current = -1;
  const sink = {
    record: (r: Parameters<TrafficProfile['observe']>[0]) => traffic.observe(r),
    diagnostic: (d: Diagnostic) => {
      // The first maxWarnings line-level diagnostics of this worker include every one of them that can be among
      // the run's first maxWarnings (pieces arrive in input and line order); the rest are only counted.
      if (kept.length < init.maxWarnings) kept.push({ input: current, d });
      else dropped++;
    },
  };
  port.on('message', (m: ToWorker) => {
    if (m.t === 'input') {
      const summary: InputSummary = {
        path: m.file, format: m.format, gzip: false, lines: 0, records: 0, filtered: 0, skipped: 0, malformed: 0,
        damaged: null, firstMs: null, lastMs: null,
      };
      inputs.set(m.index, { file: m.file, format: m.format === null ? null : (getFormat(m.format) ?? null), summary });
      return;
    }
    if (m.t === 'piece') {
      const input = inputs.get(m.input);
      if (input === undefined) throw new Error(`piece for unannounced input ${m.input}`);
      current = m.input;
      for (const batch of pieceBatches(m, options.maxLineLength)) processBatch(batch, input.format, input.file, options, input.summary, sink);
      port.postMessage({ t: 'ack' });
      return;
    }
    const result: WorkerResult = {
      t: 'result',
      traffic: traffic.state(),
      inputs: [...inputs].map(([index, v]) => ({ index, summary: v.summary })),
      kept,
      dropped,
    };
    port.postMessage(result);
  });
}

main();
