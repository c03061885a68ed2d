/**
 * `lbua export --to-clickhouse URL`: records into a ClickHouse table over HTTP, as TabSeparated rows (engine/rows.ts
 * values, then start_ms and seq) streamed in the body of one INSERT per BATCH_ROWS rows, one INSERT at a time.
 *
 * The table is created when missing (ddl.ts; the database too); an existing one must have lbua's columns (exit 2
 * naming the first that differs), and may be a Distributed table: rows then go through it to the shards (by
 * CLIENT_HASH), with insert_distributed_sync so that each INSERT returns once the shards have its rows. `seq`
 * continues from the table's max(seq) + 1, so a later export appends after the earlier ones.
 *
 * No transaction spans INSERTs (ClickHouse has none): a run that fails or is stopped keeps the batches ClickHouse
 * acknowledged, and the one in flight may be in part inserted. `stoppedNote()` says which rows of the run are in
 * (seq ≥ its first) so the user can delete them.
 */
import { fail, type LogRecord } from '../../core/types';
import type { GeoLookup } from '../../enrich/geo/index';
import { COLUMNS } from '../schema';
import { createRowBuilder, type Cell } from '../rows';
import { ClickHouseError, insertStream, query, type InsertStream, type Settings } from './client';
import { chSchemaDifference, CH_COLUMNS, createMergeTreeSql, qualified, type ChColumn } from './ddl';
import { createRowLine, unescape } from './tsv';
import { describeTable, type ClickHouseTable } from './url';

/** Rows per INSERT: ClickHouse advises large, rare inserts (each makes a part per day it touches). */
export const BATCH_ROWS = 200_000;

/** Characters of rows gathered before they are written to the request. */
const WRITE_CHARS = 256 * 1024;

/** Table engines lbua writes into: MergeTree's family, and Distributed over them. */
const WRITABLE = /^(?:MergeTree|ReplacingMergeTree|ReplicatedMergeTree|Distributed)$/;

/** An export to ClickHouse in progress (the shape of engine/export.ts RecordExport, plus backpressure). */
export interface ClickHouseExport {
  /** Adds one record (its values are copied). Throws the failure of an earlier INSERT. */
  add(r: LogRecord): void;
  /** Resolves when the data sent so far is taken (the reader awaits it between batches of lines). */
  drain(): Promise<void>;
  readonly rows: number;
  /** Sends the rest; resolves with the rows added and the rows the table holds now. */
  finish(): Promise<{ readonly added: number; readonly tableRows: number }>;
  /** Stops sending; what ClickHouse already acknowledged stays (see stoppedNote). */
  abort(): Promise<void>;
  /** What a stopped or failed run left in the table, in one line (null when it inserted nothing). */
  stoppedNote(): string | null;
  /** True when the table is a Distributed one. */
  readonly distributed: boolean;
  readonly temporary: readonly string[];
}

const lit = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** TabSeparated rows of a small answer, unescaped. */
function rowsOf(text: string): (string | null)[][] {
  return text.split('\n').filter((l) => l !== '').map((l) => l.split('\t').map(unescape));
}

/** Turns a ClickHouseError into exit 2 with one line (other errors pass). */
function failOn(e: unknown, where: string): never {
  if (e instanceof ClickHouseError) {
    return fail('OUTPUT_UNWRITABLE', e.unreachable ? `${where}: cannot reach ClickHouse (${e.message}): is the server up, and is that its HTTP port (8123 by default)?` : `${where}: ${e.message}`);
  }
  throw e;
}

/** Opens the table (creating it when missing; checking an existing one's columns) and returns the export. */
export async function openClickHouseExport(target: ClickHouseTable, replace: boolean, geo: GeoLookup | null, batchRows = BATCH_ROWS): Promise<ClickHouseExport> {
  const { server, database, table } = target;
  const where = describeTable(target);
  const name = qualified(database, table);
  let engine: string;
  let firstSeq: number;
  try {
    engine = rowsOf(await query(server, `SELECT engine FROM system.tables WHERE database = ${lit(database)} AND name = ${lit(table)} FORMAT TabSeparated`))[0]?.[0] ?? '';
    if (engine !== '' && !WRITABLE.test(engine)) fail('OPTION_INVALID', `${where}: the table's engine is ${engine}; lbua writes into MergeTree or Distributed tables`, 'give another table name');
    if (engine === 'Distributed' && replace) fail('OPTION_INVALID', `${where} is a Distributed table: --replace would not recreate the shards' tables`, 'TRUNCATE the local table on every shard (or drop and recreate them: lbua export --print-ddl --cluster NAME)');
    if (engine !== '' && replace) {
      await query(server, `DROP TABLE ${name}`);
      engine = '';
    }
    if (engine === '') {
      await query(server, `CREATE DATABASE IF NOT EXISTS \`${database}\``);
      await query(server, createMergeTreeSql(database, table));
      engine = 'MergeTree';
    } else {
      const existing: ChColumn[] = rowsOf(await query(server, `DESCRIBE TABLE ${name} FORMAT TabSeparated`)).map((r) => ({ name: r[0] ?? '', type: r[1] ?? '' }));
      const diff = chSchemaDifference(existing);
      if (diff !== null) fail('OPTION_INVALID', `${where}: the table has another schema than lbua's records: ${diff}`, 'give --replace to drop it, or another table name');
    }
    const [count, max] = rowsOf(await query(server, `SELECT count(), max(seq) FROM ${name} FORMAT TabSeparated`))[0] ?? [];
    firstSeq = Number(count) > 0 ? Number(max) + 1 : 0;
  } catch (e) {
    return failOn(e, where);
  }
  const distributed = engine === 'Distributed';
  const insertSql = `INSERT INTO ${name} (${CH_COLUMNS.map((c) => `\`${c.name}\``).join(', ')}) FORMAT TabSeparated`;
  // Distributed: the INSERT returns once every shard has its rows (else they are queued on this server and sent
  // later, and a failure there is not reported to lbua).
  const settings: Settings = distributed ? { insert_distributed_sync: 1 } : {};

  const build = createRowBuilder(geo);
  const line = createRowLine();
  const cells: Cell[] = new Array<Cell>(COLUMNS.length).fill(null);
  let rows = 0;
  let inserted = 0;
  let text = '';
  let stream: InsertStream | null = null;
  let streamRows = 0;
  /** The INSERT being completed (its data all sent), and how many rows it holds. */
  let ending: Promise<void> | null = null;
  let failure: unknown = null;
  let done = false;

  const asFailure = (e: unknown): unknown =>
    e instanceof ClickHouseError ? new ClickHouseError(`${e.message}${stoppedNote() === null ? '' : `; ${stoppedNote()}`}`, e.code, e.unreachable) : e;
  const stoppedNote = (): string | null => {
    const inFlight = stream !== null || ending !== null;
    if (inserted === 0 && !inFlight) return null;
    const acked = inserted === 0 ? 'no batch of this run was acknowledged' : `${inserted.toLocaleString('en-US')} records of this run are in ${database}.${table} (seq ${firstSeq} to ${firstSeq + inserted - 1})`;
    const partial = inFlight ? `, and the batch in flight (from seq ${firstSeq + inserted}) may be in part` : '';
    return `${acked}${partial}: no transaction spans INSERTs in ClickHouse; ALTER TABLE … DELETE WHERE seq >= ${firstSeq} removes this run's rows`;
  };

  const endBatch = (): void => {
    const s = stream;
    if (s === null) return;
    if (text !== '') s.write(text);
    text = '';
    const n = streamRows;
    stream = null;
    streamRows = 0;
    const previous = ending;
    ending = (async () => {
      if (previous !== null) await previous;
      await s.end();
      inserted += n;
    })().catch((e: unknown) => {
      failure ??= e;
    });
  };
  /** Writes the gathered rows to the current INSERT (started when none is open); an INSERT waits for the last one. */
  const writeText = (): void => {
    if (stream === null) stream = insertStream(server, insertSql, settings);
    stream.write(text);
    text = '';
  };

  const drain = async (): Promise<void> => {
    if (failure === null && ending !== null) {
      await ending;
      ending = null;
    }
    if (failure === null && stream !== null) {
      try {
        await stream.drained();
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== null) {
      const e = asFailure(failure);
      stream?.abort();
      stream = null;
      return failOn(e, where);
    }
  };

  return {
    distributed,
    temporary: [],
    add(r) {
      if (failure !== null) failOn(asFailure(failure), where);
      build(r, cells);
      text += line(cells, r.startMs, firstSeq + rows);
      rows++;
      streamRows++;
      // The first INSERT of a batch starts once the one before it is answered (drain awaits it).
      if (text.length >= WRITE_CHARS && ending === null) writeText();
      if (streamRows >= batchRows) {
        if (stream === null) writeText();
        endBatch();
      }
    },
    drain,
    get rows() {
      return rows;
    },
    async finish() {
      if (done) throw new Error('export already finished');
      done = true;
      if (text !== '' && stream === null) {
        await drain();
        writeText();
      }
      endBatch();
      await drain();
      try {
        const tableRows = Number(rowsOf(await query(server, `SELECT count() FROM ${name} FORMAT TabSeparated`))[0]?.[0] ?? 0);
        return { added: rows, tableRows };
      } catch (e) {
        return failOn(e, where);
      }
    },
    async abort() {
      if (done) return;
      done = true;
      stream?.abort();
      if (ending !== null) await ending;
    },
    stoppedNote,
  };
}
