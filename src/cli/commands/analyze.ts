/** `lbua analyze`: the traffic report as tables (terminal) or one JSON document. */
import type { Command } from 'commander';
import { formatDiagnostic } from '../../core/types';
import { stripControl } from '../../core/text';
import { analyze } from '../../analysis';
import { expandInputs } from '../../input/expand';
import { renderJson } from '../../report/json';
import { renderTable } from '../../report/table';
import { colorEnabled } from '../../report/style';
import { openOut } from '../output';
import { createProgress } from '../progress';
import { parseNonNegativeInt, parseOutputOption, parsePositiveInt } from '../options';
import { addReadOptions, readOptions, type RawReadOptions } from './common';
import { addBehaviourOptions, behaviourOptions, type RawBehaviourOptions } from './behaviour-options';
import { addGeoOptions, geoFromOptions, type RawGeoOptions } from './geo-options';

interface RawAnalyzeOptions extends RawReadOptions, RawBehaviourOptions, RawGeoOptions {
  readonly summaryOnly?: boolean;
  readonly output?: string;
  readonly out?: string;
  readonly top?: string;
  readonly maxWarnings?: string;
  readonly color?: boolean;
  readonly evidence?: boolean;
}

/** Adds the command. */
export function registerAnalyze(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('analyze')
    .description('summarize traffic: inputs, rates, status mix, latency percentiles, top clients/paths/hosts/agents/backends')
    .argument('<inputs...>', 'files, directories, glob patterns, or - for stdin');
  addGeoOptions(addBehaviourOptions(addReadOptions(cmd)))
    .option('--summary-only', 'traffic summary only: no sessions, profiles or later stages (fastest)')
    .option('--output <kind>', 'table or json (default: table on a terminal, json when piped or -o *.json)')
    .option('-o, --out <file>', 'write the report to a file')
    .option('--top <n>', 'rows in each top-N table (default 10)')
    .option('--max-warnings <n>', 'malformed lines reported in full (default 20; all are counted)')
    .option('--evidence', 'show evidence lines under each finding')
    .option('--no-color', 'no colour in tables (also NO_COLOR=1)')
    .action(async (args: string[], raw: RawAnalyzeOptions) => {
      const options = {
        ...readOptions(raw),
        top: parsePositiveInt('top', raw.top, 10),
        maxWarnings: parseNonNegativeInt('max-warnings', raw.maxWarnings, 20),
        ...behaviourOptions(raw),
        summaryOnly: raw.summaryOnly === true,
        geo: raw.summaryOnly === true ? null : await geoFromOptions(raw),
      };
      const outFile = raw.out ?? null;
      const kind = parseOutputOption(raw.output, outFile, process.stdout.isTTY === true);
      const inputs = expandInputs(args);
      const out = await openOut(outFile);
      // Table mode: diagnostics go to stderr as they happen; JSON mode: they are in the document's `warnings`.
      const progress = createProgress(process.stderr);
      const { report, hadInputErrors } = await analyze(
        inputs,
        options,
        kind === 'table' ? (d) => progress.around(() => process.stderr.write(`${stripControl(formatDiagnostic(d))}${d.hint ? ` (${d.hint})` : ''}\n`)) : undefined,
        undefined,
        progress.update,
      );
      progress.done();
      if (kind === 'json') out.write(renderJson(report));
      else {
        const color = outFile === null && colorEnabled(process.stdout, raw.color === false);
        out.write(renderTable(report, { color, columns: process.stdout.columns ?? 120, evidence: raw.evidence === true }));
        const hidden = report.warnings_total - report.warnings.length;
        if (hidden > 0) process.stderr.write(`lbua: ${hidden} more diagnostic(s) not shown (--max-warnings)\n`);
      }
      await out.close();
      if (options.strict && hadInputErrors) {
        process.stderr.write('lbua: --strict: input had malformed lines or damage\n');
        setExit(2);
      }
    });
}
