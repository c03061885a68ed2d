/**
 * Reading inputs as `lbua analyze` reads them (issue 22), for `lbua export`: ordered by the time of their first
 * records (pipeline.ts orderInputsByTime: stdin first, ties by path), inputs that overlap in time read merged by time
 * (runInputs, input/merge.ts) with the join slack of an analysis with the default detector options (analysis.ts
 * joinSlackMs: 2 minutes), and line diagnostics of an input read interleaved held back and counted as analyze's sink
 * has them (keptLineDiagnostics, unkeptDiagnostics). So the records come in analyze's read order: a ClickHouse
 * table's `seq` is the order in which `lbua analyze` over the same inputs counts them, and `analyze --engine
 * clickhouse://…` reads each partition back in it.
 *
 * One difference is left: an analysis given `--detector-option burst.latenessMinutes=2` or less reads overlapping
 * inputs with a smaller slack, so inputs that overlap by less than 2 minutes may be read interleaved there and one
 * after the other here.
 */
import { joinSlackMs } from '../analysis';
import type { DiagnosticLog } from '../diagnostics';
import type { InputSpec } from '../input/expand';
import { orderInputsByTime, runInputs, type DetectedFormats, type InputSummary, type PipelineOptions, type PipelineSink } from '../pipeline';

/** The sink without the diagnostic parts analyze's read sets from its log. */
export type ReadSink = Omit<PipelineSink, 'diagnostic' | 'keptLineDiagnostics' | 'unkeptDiagnostics'>;

/**
 * Reads `inputs` (chosen by file name already: cli/commands/common.ts selectInputs) in analyze's order, records and
 * batches to `sink`, diagnostics to `diags`; returns the inputs' summaries in read order.
 */
export async function readAsAnalyze(inputs: readonly InputSpec[], options: PipelineOptions, sink: ReadSink, diags: DiagnosticLog): Promise<InputSummary[]> {
  const detected: DetectedFormats = new Map();
  const ordered = await orderInputsByTime(inputs, options, detected);
  const run: PipelineOptions = { ...options, joinSlackMs: options.joinSlackMs ?? joinSlackMs({}) };
  return runInputs(ordered, run, {
    ...sink,
    diagnostic: (d) => diags.add(d),
    keptLineDiagnostics: diags.limit,
    unkeptDiagnostics: (n) => diags.countUnkept(n),
  }, detected);
}
