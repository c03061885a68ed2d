/**
 * `lbua analyze --engine duckdb` (issue 22): the engine stores, partitions and orders the normalized records; lbua
 * parses them, counts each partition once and merges and judges, with the code a sharded run uses. The report is
 * the in-process one, byte for byte (test/engine/analyze-engine.test.ts).
 *
 * 1. Load: the inputs are chosen, ordered and read exactly as in process (analysis.ts prepareRun, pipeline.ts
 *    runInputs, the same diagnostics and input summaries); each record goes into a DuckDB table in a temporary
 *    folder (engine/load.ts) instead of the counting core.
 * 2. Partitions: P = the run's jobs; partition k is the rows whose client key hashes to k, read back in read order
 *    and counted by one task each (engine/partitions.ts); the join merges and judges.
 * 3. The report is built from the load's summaries and diagnostics and the join's result (analysis.ts reportOfRun).
 *
 * The temporary folder is removed at the end, on an error, and on SIGINT, SIGTERM and SIGHUP.
 */
import { fail, type Diagnostic } from '../core/types';
import type { InputSpec } from '../input/expand';
import { runInputs, type InputSummary } from '../pipeline';
import { prepareRun, reportOfRun, withContextDetectors, withInputErrors, type AnalysisOutcome, type AnalyzeOptions } from '../analysis';
import { openStoreLoad } from './load';
import { partitionFirsts, shareOfLimit } from './duckdb-partition';
import { countPartitions, partitionCount } from './partitions';
import { isOutOfMemory, oneLine } from './store';

/** The engine's settings. */
export interface EngineOptions {
  /** DuckDB's memory limit (engine/store.ts MEMORY_LIMIT), shared by the readers of the partition phase. */
  readonly memoryLimit: string;
}

/** How long each phase took (LBUA_BENCH_STATS). */
export interface EnginePhases {
  readonly loadMs: number;
  readonly partitionsMs: number;
  readonly records: number;
  readonly partitions: number;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** `analyze` (analysis.ts) with the records stored in and read back from DuckDB. */
export async function analyzeWithDuckdb(
  given: readonly InputSpec[],
  options: AnalyzeOptions,
  engine: EngineOptions,
  onDiagnostic?: (d: Diagnostic) => void,
  onProgress?: (current: InputSummary) => void,
  inputDiagnostics: readonly Diagnostic[] = [],
  onPhases?: (p: EnginePhases) => void,
): Promise<AnalysisOutcome> {
  const withContext = withContextDetectors(options);
  const prep = await prepareRun(given, withContext, onDiagnostic, inputDiagnostics);
  const { diags, run } = prep;
  const load = await openStoreLoad(engine.memoryLimit);
  // Ctrl-C or a kill: the folder goes, then the signal takes its usual course.
  const onSignal = (signal: NodeJS.Signals): void => {
    unhook();
    load.remove();
    process.kill(process.pid, signal);
  };
  const unhook = (): void => {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    const started = performance.now();
    const summaries = await runInputs(prep.ordered, run, {
      record: (r) => load.add(r),
      transient: true,
      diagnostic: (d) => diags.add(d),
      keptLineDiagnostics: diags.limit,
      unkeptDiagnostics: (n) => diags.countUnkept(n),
      ...(onProgress ? { afterBatch: (p: InputSummary) => onProgress(p) } : {}),
    }, prep.detected);
    const loaded = await load.finish();
    const counting = performance.now();
    const partitions = partitionCount(run, prep.ordered);
    const store = { ...load.store, memoryLimit: shareOfLimit(engine.memoryLimit, partitions) };
    const firstMs = await partitionFirsts(store, partitions);
    const counted = await countPartitions({ kind: 'duckdb', ...store }, run, partitions, prep.paths, prep.order, firstMs);
    if (counted.records !== loaded) throw new Error(`internal: ${loaded} records loaded, ${counted.records} read back`);
    onPhases?.({ loadMs: counting - started, partitionsMs: performance.now() - counting, records: loaded, partitions });
    return withInputErrors(await reportOfRun(prep, counted.workers, summaries, counted.result, withContext), inputDiagnostics);
  } catch (e) {
    // Running out of DuckDB's memory is the user's to fix: one line naming --memory-limit.
    if (isOutOfMemory(e)) fail('OPTION_INVALID', `DuckDB ran out of memory within --memory-limit ${engine.memoryLimit} (${oneLine(e)}): give it more, or fewer --jobs`);
    throw e;
  } finally {
    unhook();
    load.remove();
  }
}
