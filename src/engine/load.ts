/**
 * The load phase of `lbua analyze --engine duckdb`: every record the run reads goes, as a row of the export's
 * columns (engine/schema.ts) plus `start_ms` and `seq` (its place in the run's read order), into a table of a
 * DuckDB database in a temporary folder of its own, through the appender (engine/store.ts). DuckDB holds up to
 * its memory limit and spills the rest to that folder. The folder is removed when the run ends, fails or is
 * interrupted (the caller's `remove`).
 *
 * The geo columns are left null: the analysis looks clients up itself, as it does in process.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { fail, type LogRecord } from '../core/types';
import { COLUMNS, createTableSql, ENGINE_COLUMNS } from './schema';
import { createRowBuilder, type Cell } from './rows';
import { createChunkWriter, oneLine, removeAll } from './store';
import type { DuckdbStore } from './duckdb-partition';

/** The table the records are loaded into. */
const TABLE = 'records';

/** A store being filled. */
export interface StoreLoad {
  /** The store, once `finish` has resolved (the loading instance closed, so that readers can open it). */
  readonly store: DuckdbStore;
  /** The temporary folder (removed by `remove`). */
  readonly dir: string;
  /** Adds one record (its values are copied). */
  add(r: LogRecord): void;
  /** Writes what is held and closes the database; resolves with the rows loaded. */
  finish(): Promise<number>;
  /** Closes the database if open and removes the folder (idempotent; synchronous, for signal handlers too). */
  remove(): void;
}

/** Opens a fresh store in a new temporary folder under the system's (TMPDIR). */
export async function openStoreLoad(memoryLimit: string): Promise<StoreLoad> {
  const dir = mkdtempSync(join(tmpdir(), 'lbua-engine-'));
  const file = join(dir, 'records.duckdb');
  let instance: DuckDBInstance | null = null;
  let conn: DuckDBConnection | null = null;
  let appender: DuckDBAppender | null = null;
  const close = (): void => {
    try {
      appender?.closeSync();
    } catch {
      // dropped with the folder
    }
    conn?.closeSync();
    instance?.closeSync();
    appender = null;
    conn = null;
    instance = null;
  };
  const remove = (): void => {
    try {
      close();
    } finally {
      removeAll([dir]);
    }
  };
  try {
    instance = await DuckDBInstance.create(file, { memory_limit: memoryLimit, temp_directory: join(dir, 'spill-load') });
    conn = await instance.connect();
    await conn.run(createTableSql(TABLE, [...COLUMNS, ...ENGINE_COLUMNS]));
    appender = await conn.createAppender(TABLE);
  } catch (e) {
    remove();
    return fail('OUTPUT_UNWRITABLE', `${dir}: cannot make a DuckDB database there (${oneLine(e)})`, 'set TMPDIR to a folder with room');
  }
  const writer = createChunkWriter(appender, [...COLUMNS, ...ENGINE_COLUMNS]);
  const build = createRowBuilder(null);
  const row: Cell[] = new Array<Cell>(COLUMNS.length + ENGINE_COLUMNS.length).fill(null);
  let seq = 0;
  return {
    store: { file, table: TABLE, memoryLimit },
    dir,
    add(r) {
      build(r, row);
      row[COLUMNS.length] = r.startMs;
      row[COLUMNS.length + 1] = BigInt(seq++);
      writer.add(row);
    },
    async finish() {
      writer.flush();
      (appender as DuckDBAppender).closeSync();
      appender = null;
      // Closing writes the last of the WAL into the file, which the readers then open read-only.
      close();
      return seq;
    },
    remove,
  };
}
