/**
 * `lbua export`: normalized records into DuckDB, Parquet or ClickHouse (issue 22), read exactly as `lbua analyze`
 * reads them (same options, detection, diagnostics, and its order: inputs by time, overlapping ones merged by time;
 * engine/read-order.ts), written by engine/export.ts and engine/clickhouse/export.ts.
 */
import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { fail, formatDiagnostic } from '../../core/types';
import { stripControl } from '../../core/text';
import { DiagnosticLog } from '../../diagnostics';
import type { InputSummary } from '../../pipeline';
import { readAsAnalyze } from '../../engine/read-order';
import { DEFAULT_MEMORY_LIMIT, memoryLimitOption, TABLE_NAME } from '../../engine/limits';
// Loaded when a DuckDB or Parquet export runs (it loads DuckDB's native library).
import type { ExportTarget, RecordExport } from '../../engine/export';
import { openClickHouseExport, type ClickHouseExport } from '../../engine/clickhouse/export';
import { ddlStatements } from '../../engine/clickhouse/ddl';
import { describeTable, NAME as CH_NAME, parseClickHouseUrl, type ClickHouseTable } from '../../engine/clickhouse/url';
import { addReadOptions, readOptions, selectInputs, type RawReadOptions } from './common';
import { addGeoOptions, geoFromOptions, type RawGeoOptions } from './geo-options';

interface RawExportOptions extends RawReadOptions, RawGeoOptions {
  readonly toDuckdb?: string;
  readonly toParquet?: string;
  readonly toClickhouse?: string;
  readonly printDdl?: boolean;
  readonly cluster?: string;
  readonly table?: string;
  readonly replace?: boolean;
  readonly memoryLimit?: string;
  readonly maxWarnings?: string;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Thrown between batches of lines to stop a --strict export to ClickHouse at the first malformed line. */
class StrictStop extends Error {}

/** A ClickHouse table to export to. */
export interface ClickHouseTarget {
  readonly kind: 'clickhouse';
  readonly table: ClickHouseTable;
  readonly replace: boolean;
}

/** The target the options name (exactly one). */
export function exportTarget(raw: RawExportOptions): ExportTarget | ClickHouseTarget {
  const given = [raw.toDuckdb, raw.toParquet, raw.toClickhouse].filter((x) => x !== undefined).length;
  const memoryLimit = memoryLimitOption(raw.memoryLimit);
  if (given !== 1) fail('OPTION_INVALID', given === 0 ? 'export: say where to: --to-duckdb FILE, --to-parquet FILE or --to-clickhouse URL' : 'export: give one of --to-duckdb, --to-parquet and --to-clickhouse, not several');
  if (raw.cluster !== undefined && raw.printDdl !== true) fail('OPTION_INVALID', '--cluster goes with --print-ddl (lbua finds out by itself that a table is Distributed)');
  if (raw.toClickhouse !== undefined) {
    if (raw.table !== undefined) fail('OPTION_INVALID', '--table goes with --to-duckdb (the ClickHouse URL names the table: http://host:8123/db.table)');
    return { kind: 'clickhouse', table: parseClickHouseUrl(raw.toClickhouse), replace: raw.replace === true };
  }
  if (raw.printDdl === true) fail('OPTION_INVALID', '--print-ddl goes with --to-clickhouse');
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
    .description('write normalized records into a DuckDB table, a Parquet file or a ClickHouse table (schema: README "Export to DuckDB and Parquet")')
    .argument('[inputs...]', 'files, directories, glob patterns, or - for stdin');
  addGeoOptions(addReadOptions(cmd))
    .option('--to-duckdb <file>', 'append the records to a table of this DuckDB database (created if missing)')
    .option('--to-parquet <file>', 'write the records as this Parquet file (replaced when complete)')
    .option('--to-clickhouse <url>', 'append the records to a ClickHouse table over HTTP: http://host:8123/db.table (created if missing; may be a Distributed table)')
    .option('--print-ddl', 'with --to-clickhouse: print the CREATE statements instead of exporting (reads no input)')
    .option('--cluster <name>', 'with --print-ddl: a local table for every shard of this cluster and a Distributed table over them')
    .option('--table <name>', 'with --to-duckdb: the table (default records)')
    .option('--replace', 'with --to-duckdb or --to-clickhouse: drop the table first (else records are appended to it)')
    .option('--memory-limit <size>', `memory DuckDB may use before it spills to disk (default ${DEFAULT_MEMORY_LIMIT}; 2GB, 50%)`)
    .option('--max-warnings <n>', 'malformed lines reported on stderr (default 20)')
    .action(async (args: string[], raw: RawExportOptions) => {
      const options = readOptions(raw);
      const target = exportTarget(raw);
      if (raw.printDdl === true && target.kind === 'clickhouse') {
        if (args.length > 0) fail('OPTION_INVALID', '--print-ddl reads no input: give it without inputs');
        if (raw.cluster !== undefined && !CH_NAME.test(raw.cluster)) fail('OPTION_INVALID', `--cluster: \`${raw.cluster}\` is not a plain cluster name`);
        process.stdout.write(`${ddlStatements(target.table.database, target.table.table, raw.cluster ?? null).join(';\n\n')};\n`);
        return;
      }
      if (args.length === 0) fail('OPTION_INVALID', 'export: give the inputs to read (files, directories, glob patterns, or - for stdin)');
      const maxWarnings = raw.maxWarnings === undefined ? 20 : Number(raw.maxWarnings);
      const diags = new DiagnosticLog(Number.isFinite(maxWarnings) ? maxWarnings : 20, (d) => process.stderr.write(`${stripControl(formatDiagnostic(d))}\n`));
      const selected = selectInputs(args, options, diags);
      const geo = await geoFromOptions(raw);
      let ch: ClickHouseExport | null = null;
      let exp: RecordExport;
      if (target.kind === 'clickhouse') exp = ch = await openClickHouseExport(target.table, target.replace, geo);
      else exp = await (require('../../engine/export') as typeof import('../../engine/export')).openExport(target, geo);
      const label = target.kind === 'clickhouse' ? describeTable(target.table) : target.file;
      // Ctrl-C or a kill: the transaction is not committed (DuckDB drops it); temporary files are removed. ClickHouse
      // keeps the batches it acknowledged: say which.
      const onSignal = (signal: NodeJS.Signals): void => {
        unhook();
        for (const f of exp.temporary) rmSync(f, { recursive: true, force: true });
        if (ch === null) {
          process.kill(process.pid, signal);
          return;
        }
        // The INSERT being sent is abandoned whole (a cut connection would insert part of it), then say what is in.
        const c = ch;
        void c.abort().finally(() => {
          const note = c.stoppedNote();
          if (note !== null) process.stderr.write(`lbua: stopped: ${stripControl(note)}\n`);
          process.kill(process.pid, signal);
        });
      };
      const unhook = (): void => {
        for (const s of SIGNALS) process.removeListener(s, onSignal);
      };
      for (const s of SIGNALS) process.on(s, onSignal);
      try {
        // In analyze's read order, so that a ClickHouse table's seq is the order analyze counts the records in.
        const summaries = await readAsAnalyze(selected.inputs, options, {
          record: (r) => exp.add(r),
          transient: true,
          // ClickHouse: the reading waits for the server. Under --strict it stops at the first malformed line or
          // damage, before that batch of lines is sent (a table cannot be rolled back: what went in before stays).
          ...(ch === null
            ? {}
            : {
                afterBatch: (p: InputSummary) => {
                  if (options.strict && (p.malformed > 0 || p.damaged !== null)) throw new StrictStop();
                  return ch.drain();
                },
              }),
        }, diags);
        const malformed = summaries.reduce((a, s) => a + s.malformed, 0);
        if (malformed > 0) process.stderr.write(`lbua: ${malformed} malformed line(s) in ${summaries.filter((s) => s.malformed > 0).length} input(s)\n`);
        if (options.strict && (malformed > 0 || summaries.some((s) => s.damaged) || selected.unreadable)) {
          await exp.abort();
          const note = ch?.stoppedNote() ?? null;
          process.stderr.write(note === null ? `lbua: --strict: nothing written to ${stripControl(label)}\n` : `lbua: --strict: stopped: ${stripControl(note)}\n`);
          setExit(2);
          return;
        }
        const { added, tableRows } = await exp.finish();
        const where =
          target.kind === 'duckdb'
            ? `${target.file} table ${target.table} (${tableRows.toLocaleString('en-US')} rows now)`
            : target.kind === 'clickhouse'
              ? `${label}${ch?.distributed === true ? ' (Distributed)' : ''} (${tableRows.toLocaleString('en-US')} rows now)`
              : target.file;
        process.stderr.write(`lbua: exported ${added.toLocaleString('en-US')} records to ${stripControl(where)}\n`);
      } catch (e) {
        await exp.abort();
        if (e instanceof StrictStop) {
          const note = ch?.stoppedNote() ?? null;
          process.stderr.write(`lbua: --strict: stopped at a malformed line or damaged input: ${note === null ? `nothing written to ${stripControl(label)}` : stripControl(note)}\n`);
          setExit(2);
          return;
        }
        // A failed INSERT said what was inserted in its error; a failure of the reading did not.
        const note = ch?.stoppedNote() ?? null;
        if (note !== null) process.stderr.write(`lbua: stopped: ${stripControl(note)}\n`);
        throw e;
      } finally {
        unhook();
      }
    });
}
