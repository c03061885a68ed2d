/**
 * `lbua export --to-clickhouse URL`: records into a ClickHouse table over HTTP, as RowBinary rows (rowbinary.ts:
 * engine/rows.ts values, then start_ms and seq) streamed in the body of one INSERT per BATCH_ROWS rows, one INSERT at
 * a time. The reader's pauses between batches of lines (drain) move the data on, so memory holds about one batch
 * of lines' rows.
 *
 * The table is created when missing (ddl.ts; the database too); an existing one must have lbua's columns (exit 2
 * naming the first that differs), and may be a Distributed table: rows then go through it to the shards (by
 * CLIENT_HASH), with insert_distributed_sync so that each INSERT returns once the shards have its rows. `seq`
 * continues from the table's max(seq) + 1, so a later export appends after the earlier ones.
 *
 * No transaction spans INSERTs (ClickHouse has none): a run that fails or is stopped keeps the batches ClickHouse
 * acknowledged. abort() abandons the INSERT being sent whole (client.ts InsertStream.abort); after a failure of the
 * server or the network, the one in flight may be in part. `stoppedNote()` says which rows of the run are in (seq ≥
 * its first) so the user can delete them.
 */
import { fail, type LogRecord } from '../../core/types';
import type { GeoLookup } from '../../enrich/geo/index';
import { COLUMNS } from '../schema';
import { createRowBuilder, type Cell } from '../rows';
import { ClickHouseError, insertStream, query, type InsertStream, type Settings } from './client';
import { chSchemaDifference, CH_COLUMNS, createMergeTreeSql, qualified, type ChColumn } from './ddl';
import { createRowBinaryWriter } from './rowbinary';
import { unescape } from './tsv';
import { describeTable, type ClickHouseTable } from './url';

/** Rows per INSERT: ClickHouse advises large, rare inserts (each makes a part per day it touches). */
export const BATCH_ROWS = 200_000;

/** An incomplete RowBinary row (a DateTime is 4 bytes): ends an INSERT being abandoned so that it fails whole. */
const POISON = Buffer.from([0]);

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
  /**
   * What a stopped or failed run left in the table, in one line: null when nothing was sent, or when the error this
   * export threw said it already.
   */
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
  const insertSql = `INSERT INTO ${name} (${CH_COLUMNS.map((c) => `\`${c.name}\``).join(', ')}) FORMAT RowBinary`;
  // Distributed: the INSERT returns once every shard has its rows (else they are queued on this server and sent
  // later, and a failure there is not reported to lbua).
  const settings: Settings = distributed ? { insert_distributed_sync: 1 } : {};

  const build = createRowBuilder(geo);
  const writer = createRowBinaryWriter();
  const cells: Cell[] = new Array<Cell>(COLUMNS.length).fill(null);
  let rows = 0;
  let inserted = 0;
  /** Chunks of whole rows not yet written to an INSERT. */
  let pending: Buffer[] = [];
  let stream: InsertStream | null = null;
  /** Rows of the INSERT being filled (written or pending). */
  let streamRows = 0;
  /** The INSERT whose data is all sent, until ClickHouse answers it. */
  let ending: Promise<void> | null = null;
  let failure: unknown = null;
  let done = false;
  /** The note went out in an error this export threw. */
  let noted = false;
  /** abort() was called: nothing more is sent. */
  let aborted = false;

  const leftNote = (): string | null => {
    const inFlight = stream !== null || ending !== null;
    if (inserted === 0 && !inFlight) return null;
    const acked = inserted === 0 ? 'no batch of this run was acknowledged' : `${inserted.toLocaleString('en-US')} records of this run are in ${database}.${table} (seq ${firstSeq} to ${firstSeq + inserted - 1})`;
    const partial = inFlight ? `, and the batch in flight (from seq ${firstSeq + inserted}) may be in part` : '';
    const remove = distributed ? `ALTER TABLE <local table> DELETE WHERE seq >= ${firstSeq} on every shard` : `ALTER TABLE ${name} DELETE WHERE seq >= ${firstSeq}`;
    return `${acked}${partial}: no transaction spans INSERTs in ClickHouse; ${remove} removes this run's rows`;
  };
  const throwIfFailed = (): void => {
    if (failure === null) return;
    const note = leftNote();
    void stream?.abort(POISON);
    stream = null;
    pending = [];
    if (failure instanceof ClickHouseError && note !== null) {
      noted = true;
      failOn(new ClickHouseError(`${failure.message}; ${note}`, failure.code, failure.unreachable), where);
    }
    failOn(failure, where);
  };
  const write = (chunk: Buffer): void => {
    stream ??= insertStream(server, insertSql, settings);
    stream.write(chunk);
  };

  /**
   * Moves data on, one INSERT at a time: waits for the INSERT being answered, writes the pending chunks to the
   * current one (started if none is), ends it when it holds batchRows rows (or `final`), and waits until the socket
   * takes more. Throws the first failure, with what the run left in the table.
   */
  const pump = async (final: boolean): Promise<void> => {
    if (aborted) return;
    if (ending !== null) {
      await ending;
      ending = null;
    }
    throwIfFailed();
    for (const chunk of pending) write(chunk);
    pending = [];
    if (final || streamRows >= batchRows) {
      const rest = writer.flush();
      if (rest !== null) write(rest);
      const s = stream;
      const n = streamRows;
      stream = null;
      streamRows = 0;
      if (s !== null) {
        ending = s.end().then(
          () => {
            inserted += n;
          },
          (e: unknown) => {
            failure ??= e;
          },
        );
      }
      if (final && ending !== null) {
        await ending;
        ending = null;
      }
    } else if (stream !== null) {
      try {
        await stream.drained();
      } catch (e) {
        failure ??= e;
      }
    }
    throwIfFailed();
  };

  return {
    distributed,
    temporary: [],
    add(r) {
      if (aborted) return;
      if (failure !== null) throwIfFailed();
      build(r, cells);
      const chunk = writer.row(cells, r.startMs, firstSeq + rows);
      if (chunk !== null) pending.push(chunk);
      rows++;
      streamRows++;
    },
    drain: () => pump(false),
    get rows() {
      return rows;
    },
    async finish() {
      if (done) throw new Error('export already finished');
      done = true;
      await pump(true);
      try {
        const tableRows = Number(rowsOf(await query(server, `SELECT count() FROM ${name} FORMAT TabSeparated`))[0]?.[0] ?? 0);
        return { added: rows, tableRows };
      } catch (e) {
        return failOn(e, where);
      }
    },
    async abort() {
      if (aborted) return;
      aborted = done = true;
      pending = [];
      const s = stream;
      const n = streamRows;
      if (s !== null && (await s.abort(POISON))) inserted += n;
      stream = null;
      if (ending !== null) await ending;
      ending = null;
    },
    stoppedNote: () => (noted ? null : leftNote()),
  };
}
