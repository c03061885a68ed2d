/**
 * `lbua export`: normalized records into DuckDB or Parquet (issue 22), read exactly as `lbua records` reads them
 * (same options, detection, diagnostics), written by engine/export.ts.
 */
import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { fail, formatDiagnostic } from '../../core/types';
import { stripControl } from '../../core/text';
import { DiagnosticLog } from '../../diagnostics';
import { runInputs } from '../../pipeline';
import { DEFAULT_MEMORY_LIMIT, memoryLimitOption } from '../../engine/store';
import { openExport, TABLE_NAME, type ExportTarget } from '../../engine/export';
import { addReadOptions, readOptions, selectInputs, type RawReadOptions } from './common';
import { addGeoOptions, geoFromOptions, type RawGeoOptions } from './geo-options';

interface RawExportOptions extends RawReadOptions, RawGeoOptions {
  readonly toDuckdb?: string;
  readonly toParquet?: string;
  readonly table?: string;
  readonly replace?: boolean;
  readonly memoryLimit?: string;
  readonly maxWarnings?: string;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The target the options name (exactly one). */
export function exportTarget(raw: RawExportOptions): ExportTarget {
  const given = [raw.toDuckdb, raw.toParquet].filter((x) => x !== undefined).length;
  const memoryLimit = memoryLimitOption(raw.memoryLimit);
  if (given !== 1) fail('OPTION_INVALID', given === 0 ? 'export: say where to: --to-duckdb FILE or --to-parquet FILE' : 'export: give one of --to-duckdb and --to-parquet, not both');
  if (raw.toParquet !== undefined) {
    if (raw.table !== undefined || raw.replace === true) fail('OPTION_INVALID', '--table and --replace go with --to-duckdb (a Parquet file is written whole)');
    return { kind: 'parquet', file: raw.toParquet, memoryLimit };
  }
  const table = raw.table ?? 'records';
  if (!TABLE_NAME.test(table)) fail('OPTION_INVALID', `--table: \`${table}\` is not a plain table name`, 'letters, digits and _, not starting with a digit');
  return { kind: 'duckdb', file: raw.toDuckdb ?? '', table, replace: raw.replace === true, memoryLimit };
}

/** Adds the command. */
export function registerExport(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('export')
    .description('write normalized records into a DuckDB table or a Parquet file (schema: README "Export to DuckDB and Parquet")')
    .argument('<inputs...>', 'files, directories, glob patterns, or - for stdin');
  addGeoOptions(addReadOptions(cmd))
    .option('--to-duckdb <file>', 'append the records to a table of this DuckDB database (created if missing)')
    .option('--to-parquet <file>', 'write the records as this Parquet file (replaced when complete)')
    .option('--table <name>', 'with --to-duckdb: the table (default records)')
    .option('--replace', 'with --to-duckdb: drop the table first (else records are appended to it)')
    .option('--memory-limit <size>', `memory DuckDB may use before it spills to disk (default ${DEFAULT_MEMORY_LIMIT}; 2GB, 50%)`)
    .option('--max-warnings <n>', 'malformed lines reported on stderr (default 20)')
    .action(async (args: string[], raw: RawExportOptions) => {
      const options = readOptions(raw);
      const target = exportTarget(raw);
      const maxWarnings = raw.maxWarnings === undefined ? 20 : Number(raw.maxWarnings);
      const diags = new DiagnosticLog(Number.isFinite(maxWarnings) ? maxWarnings : 20, (d) => process.stderr.write(`${stripControl(formatDiagnostic(d))}\n`));
      const selected = selectInputs(args, options, diags);
      const geo = await geoFromOptions(raw);
      const exp = await openExport(target, geo);
      // Ctrl-C or a kill: the transaction is not committed (DuckDB drops it); temporary files are removed.
      const onSignal = (signal: NodeJS.Signals): void => {
        unhook();
        for (const f of exp.temporary) rmSync(f, { recursive: true, force: true });
        process.kill(process.pid, signal);
      };
      const unhook = (): void => {
        for (const s of SIGNALS) process.removeListener(s, onSignal);
      };
      for (const s of SIGNALS) process.on(s, onSignal);
      try {
        const summaries = await runInputs(selected.inputs, options, {
          record: (r) => exp.add(r),
          diagnostic: (d) => diags.add(d),
          transient: true,
        });
        const malformed = summaries.reduce((a, s) => a + s.malformed, 0);
        if (malformed > 0) process.stderr.write(`lbua: ${malformed} malformed line(s) in ${summaries.filter((s) => s.malformed > 0).length} input(s)\n`);
        if (options.strict && (malformed > 0 || summaries.some((s) => s.damaged) || selected.unreadable)) {
          await exp.abort();
          process.stderr.write(`lbua: --strict: nothing written to ${stripControl(target.file)}\n`);
          setExit(2);
          return;
        }
        const { added, tableRows } = await exp.finish();
        const where = target.kind === 'duckdb' ? `${target.file} table ${target.table} (${tableRows.toLocaleString('en-US')} rows now)` : target.file;
        process.stderr.write(`lbua: exported ${added.toLocaleString('en-US')} records to ${stripControl(where)}\n`);
      } catch (e) {
        await exp.abort();
        throw e;
      } finally {
        unhook();
      }
    });
}
