/**
 * Writing normalized records into DuckDB (issue 22, the first slice): `lbua export --to-duckdb FILE` appends them to
 * a table of a DuckDB database file, `--to-parquet FILE` has DuckDB write them as Parquet.
 *
 * Records stream in: each is turned into a row (engine/rows.ts) and held column by column in a chunk of at most
 * CHUNK_ROWS rows, which goes to DuckDB's appender when full; nothing else is kept. All of a run's rows go in one
 * transaction: a run that fails or is given up (abort) leaves the table as it was. Parquet is written by DuckDB
 * (COPY … TO … (FORMAT parquet)) from a temporary DuckDB database beside the target (DuckDB spills it to disk, so
 * memory stays bounded), to a temporary file renamed over the target when complete.
 */
import { randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { fail, type LogRecord } from '../core/types';
import { COLUMNS, createTableSql, quoteIdent, quoteString, schemaDifference, type Column, type SqlType } from './schema';
import { createRowBuilder, type Cell } from './rows';
import { createChunkWriter, isOutOfMemory, oneLine, removeAll } from './store';
import type { GeoLookup } from '../enrich/geo/index';

export { CHUNK_ROWS, DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT } from './store';

/** Where the records go. */
export type ExportTarget =
  | { readonly kind: 'duckdb'; readonly file: string; readonly table: string; readonly replace: boolean; readonly memoryLimit: string }
  | { readonly kind: 'parquet'; readonly file: string; readonly memoryLimit: string };

export { TABLE_NAME } from './limits';

/** An export in progress. */
export interface RecordExport {
  /** Adds one record (its values are copied: the record may be reused once this returns). */
  add(r: LogRecord): void;
  /** Rows added so far. */
  readonly rows: number;
  /** Writes what is left, commits (and writes the Parquet file); returns the rows the table holds now. */
  finish(): Promise<{ readonly added: number; readonly tableRows: number }>;
  /** Gives up: rolls back, removes temporary files, leaves the target as it was. */
  abort(): Promise<void>;
  /** Temporary files this export may leave if the process is killed (for the caller's signal hooks). */
  readonly temporary: readonly string[];
}

/** Opens the target; checks an existing table's schema before any input is read. Throws LbuaError (exit 2). */
export async function openExport(target: ExportTarget, geo: GeoLookup | null): Promise<RecordExport> {
  const temporary: string[] = [];
  let dbFile: string;
  let table: string;
  let parquetTemp: string | null = null;
  if (target.kind === 'duckdb') {
    dbFile = target.file;
    table = target.table;
  } else {
    const stem = join(dirname(target.file), `.${basename(target.file)}.lbua-${process.pid}-${randomBytes(4).toString('hex')}`);
    dbFile = `${stem}.duckdb`;
    parquetTemp = `${stem}.parquet`;
    temporary.push(dbFile, `${dbFile}.wal`, `${dbFile}.tmp`, parquetTemp);
    table = 'records';
  }
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(dbFile, { memory_limit: target.memoryLimit });
  } catch (e) {
    removeAll(temporary);
    const why = target.kind === 'duckdb' ? 'cannot open as a DuckDB database' : 'cannot write a temporary database beside it';
    return fail('OUTPUT_UNWRITABLE', `${target.file}: ${why} (${oneLine(e)})`);
  }
  const conn = await instance.connect();
  const close = (): void => {
    conn.closeSync();
    instance.closeSync();
  };
  let appender: DuckDBAppender;
  try {
    await conn.run('BEGIN TRANSACTION');
    const existing = await tableColumns(conn, table);
    if (existing !== null && target.kind === 'duckdb' && target.replace) await conn.run(`DROP TABLE ${quoteIdent(table)}`);
    if (existing !== null && !(target.kind === 'duckdb' && target.replace)) {
      const diff = schemaDifference(existing);
      if (diff !== null) fail('OPTION_INVALID', `${target.file}: table \`${table}\` has another schema than lbua's records: ${diff}`, 'give --replace to drop it, or --table for another table');
    } else await conn.run(createTableSql(table));
    appender = await conn.createAppender(table);
  } catch (e) {
    try {
      await conn.run('ROLLBACK');
    } catch {
      // no transaction to roll back
    }
    close();
    removeAll(temporary);
    throw e;
  }

  const build = createRowBuilder(geo);
  const row: Cell[] = new Array<Cell>(COLUMNS.length).fill(null);
  const writer = createChunkWriter(appender, COLUMNS);
  let rows = 0;
  let done = false;

  const finishUp = async (commit: boolean): Promise<number> => {
    done = true;
    let tableRows = 0;
    try {
      if (commit) {
        writer.flush();
        appender.closeSync();
        await conn.run('COMMIT');
        tableRows = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${quoteIdent(table)}`)).getRows()[0]?.[0] ?? 0);
        if (parquetTemp !== null) {
          // One writer thread: each thread buffers a row group of its own (on the 1M-line bench log, peak RSS 0.58
          // GB with one, 0.9 GB with two, for a second or two more).
          await conn.run('SET threads = 1');
          await conn.run(`COPY ${quoteIdent(table)} TO ${quoteString(parquetTemp)} (FORMAT parquet)`);
        }
      } else {
        try {
          appender.closeSync();
        } catch {
          // rows it held are dropped with the transaction
        }
        await conn.run('ROLLBACK');
      }
    } finally {
      close();
    }
    if (parquetTemp !== null) {
      if (commit) renameSync(parquetTemp, target.file);
      removeAll(temporary);
    }
    return tableRows;
  };

  return {
    add(r) {
      build(r, row);
      writer.add(row);
      rows++;
    },
    get rows() {
      return rows;
    },
    async finish() {
      if (done) throw new Error('export already finished');
      try {
        const tableRows = await finishUp(true);
        return { added: rows, tableRows };
      } catch (e) {
        removeAll(temporary);
        if (e instanceof Error && e.name === 'LbuaError') throw e;
        const hint = isOutOfMemory(e) ? `DuckDB had --memory-limit ${target.memoryLimit}: give it more` : undefined;
        return fail('OUTPUT_UNWRITABLE', `${target.file}: cannot write (${oneLine(e)})`, hint);
      }
    },
    async abort() {
      if (done) return;
      try {
        await finishUp(false);
      } finally {
        removeAll(temporary);
      }
    },
    temporary,
  };
}

/** The columns of `table` in the main schema (name and type, in order), or null when there is no such table. */
async function tableColumns(conn: DuckDBConnection, table: string): Promise<Column[] | null> {
  const reader = await conn.runAndReadAll(
    `SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ${quoteString(table)} ORDER BY column_index`,
  );
  const got = reader.getRows().map(([name, type]) => ({ name: String(name), type: String(type) as SqlType }));
  if (got.length > 0) return got;
  const views = await conn.runAndReadAll(`SELECT 1 FROM duckdb_views() WHERE schema_name = 'main' AND view_name = ${quoteString(table)}`);
  if (views.getRows().length > 0) fail('OPTION_INVALID', `\`${table}\` is a view, not a table`, 'give --table another name');
  return null;
}
