/**
 * Worker thread of the partition phase (engine/partitions.ts): opens the store, counts one partition into a task
 * core (analysis-task.ts), hands over burst's closed minutes and session fragments as they close, and its state at
 * the end. An error (DuckDB's: out of memory, a missing file) goes back as a message with its text.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { evidenceOrder } from '../aggregate/types';
import { openGeo } from '../enrich/geo/index';
import { taskBuffers } from '../analysis-task';
import { countPartition, type FromPartitionWorker, type PartitionWorkerInit } from './partitions';

async function start(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('partition-worker must run in a worker thread');
  const init = workerData as PartitionWorkerInit;
  const post = (m: FromPartitionWorker, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);
  try {
    const geo = init.geo ? await openGeo(init.geo) : null;
    const { state, records } = await countPartition(init.store, init.spec, { ...init.options, geo }, evidenceOrder(init.paths), {
      windows: (p) => post({ t: 'windows', p }, p.windows === null ? [] : [p.windows.data.buffer as ArrayBuffer]),
      fragments: (batch) => post({ t: 'fragments', batch }, [batch.fragments.packed.data.buffer as ArrayBuffer]),
    });
    post({ t: 'done', state, records }, taskBuffers(state));
  } catch (e) {
    post({ t: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

void start();
