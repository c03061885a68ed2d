/**
 * The reading half of the commands that count logs on the main thread into a state of their own (`lbua profile`,
 * `lbua baseline build|update`): the read and behaviour options, the inputs selected and put in time order, input
 * diagnostics to stderr as they come, and the `--strict` verdict once the inputs are read.
 */
import { formatDiagnostic } from '../../core/types';
import { stripControl } from '../../core/text';
import { DiagnosticLog } from '../../diagnostics';
import { limitsFromEnv, type Limits } from '../../core/limits';
import { orderInputsByTime, type DetectedFormats } from '../../pipeline';
import { readOptions, selectInputs, type RawReadOptions } from './common';
import { behaviourOptions, type RawBehaviourOptions } from './behaviour-options';

/** Inputs ready to be read, with what reading them needs. */
export interface Reading {
  readonly options: ReturnType<typeof readOptions>;
  readonly behaviour: ReturnType<typeof behaviourOptions>;
  readonly diags: DiagnosticLog;
  readonly detected: DetectedFormats;
  readonly inputs: Awaited<ReturnType<typeof orderInputsByTime>>;
  readonly limits: Limits;
  /** Whether `--strict` fails the run: an input unreadable, or a summary with malformed lines or damage. */
  strictFailed(summaries: readonly { readonly malformed: number; readonly damaged: object | null }[]): boolean;
}

/** Selects and orders the inputs of `args` under the read and behaviour options in `raw`. */
export async function openReading(args: readonly string[], raw: RawReadOptions & RawBehaviourOptions): Promise<Reading> {
  const options = readOptions(raw);
  const diags = new DiagnosticLog(20, (d) => process.stderr.write(`${stripControl(formatDiagnostic(d))}\n`));
  const detected: DetectedFormats = new Map();
  const selected = selectInputs(args, options, diags);
  const inputs = await orderInputsByTime(selected.inputs, options, detected);
  return {
    options, behaviour: behaviourOptions(raw), diags, detected, inputs, limits: limitsFromEnv(),
    strictFailed: (summaries) => options.strict && (selected.unreadable || summaries.some((s) => s.malformed > 0 || s.damaged !== null)),
  };
}
