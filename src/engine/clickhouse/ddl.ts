/**
 * The ClickHouse table lbua writes: the export columns (engine/schema.ts COLUMNS, in order, with ClickHouse's exact
 * types) plus `start_ms` (the record's exact start, a double: `time` is whole seconds) and `seq` (the order lbua read
 * the records in). MergeTree, partitioned by UTC day, ordered by time and client; on a cluster, a MergeTree table
 * per shard behind a Distributed table sharded by a hash of the client, so a client's records live on one shard.
 *
 * Written for ClickHouse 18.16 (Debian's): DateTime is whole seconds (DateTime64 came in 20.1), and a sorting key
 * cannot hold a Nullable column, so the client key in it is an expression that is never null.
 */
import { COLUMNS, type SqlType } from '../schema';

/** A column as ClickHouse describes it (DESCRIBE TABLE: name and type). */
export interface ChColumn {
  readonly name: string;
  readonly type: string;
}

const TYPE: Readonly<Record<SqlType, string>> = {
  'TIMESTAMP WITH TIME ZONE': "DateTime('UTC')",
  VARCHAR: 'String',
  INTEGER: 'Int32',
  BIGINT: 'Int64',
  DOUBLE: 'Float64',
};

/** Export columns that are never null (README "Export to DuckDB and Parquet"; `time` is clamped instead, below). */
const NOT_NULL = new Set(['time', 'format', 'source_file', 'source_line']);

/** The table's columns, in order. */
export const CH_COLUMNS: readonly ChColumn[] = [
  ...COLUMNS.map((c) => ({ name: c.name, type: NOT_NULL.has(c.name) ? TYPE[c.type] : `Nullable(${TYPE[c.type]})` })),
  { name: 'start_ms', type: 'Float64' },
  { name: 'seq', type: 'UInt64' },
];

/** The client a record is keyed by in sessions (sessions/stitcher.ts): the address, else the host name, else '-'. */
export const CLIENT_KEY = "coalesce(client_ip, client_host, '-')";

/** The hash of the client that shards rows and partitions reads: a client's rows are in one shard, one partition. */
export const CLIENT_HASH = `cityHash64(${CLIENT_KEY})`;

/**
 * `time`'s range: DateTime holds seconds from 1970 to early 2106, and 18.16 reads a later one wrongly. A record
 * outside it gets the nearest end (its exact start is in `start_ms`).
 */
export const TIME_MIN_S = 0;
export const TIME_MAX_S = 4_291_747_199; // 2105-12-31 23:59:59 UTC

const q = (name: string): string => `\`${name}\``;

/** `db`.`table` */
export function qualified(database: string, table: string): string {
  return `${q(database)}.${q(table)}`;
}

const columnList = (): string => CH_COLUMNS.map((c) => `  ${q(c.name)} ${c.type}`).join(',\n');

/** The MergeTree table (on one server, or a shard's local table). */
export function createMergeTreeSql(database: string, table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(database, table)} (\n${columnList()}\n) ENGINE = MergeTree()\nPARTITION BY toYYYYMMDD(time)\nORDER BY (time, ${CLIENT_KEY})`;
}

/** The Distributed table over `cluster`'s shards, each holding `database`.`local`. */
export function createDistributedSql(database: string, table: string, cluster: string, local: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(database, table)} (\n${columnList()}\n) ENGINE = Distributed(${q(cluster)}, ${q(database)}, ${q(local)}, ${CLIENT_HASH})`;
}

/** The statements `lbua export --print-ddl` prints: one table, or with a cluster, the local table and the Distributed one. */
export function ddlStatements(database: string, table: string, cluster: string | null): string[] {
  const db = `CREATE DATABASE IF NOT EXISTS ${q(database)}`;
  if (cluster === null) return [db, createMergeTreeSql(database, table)];
  const local = `${table}_local`;
  return [db, createMergeTreeSql(database, local), createDistributedSql(database, table, cluster, local)];
}

/**
 * Where an existing table's columns (DESCRIBE TABLE, in order) differ from CH_COLUMNS: one line naming the first
 * difference, or null when they are the same.
 */
export function chSchemaDifference(existing: readonly ChColumn[]): string | null {
  const n = Math.max(existing.length, CH_COLUMNS.length);
  for (let i = 0; i < n; i++) {
    const have = existing[i];
    const want = CH_COLUMNS[i];
    if (have === undefined) return `it has ${existing.length} columns, lbua writes ${CH_COLUMNS.length} (no \`${want?.name}\`)`;
    if (want === undefined) return `it has ${existing.length} columns, lbua writes ${CH_COLUMNS.length} (\`${have.name}\` is not one)`;
    if (have.name !== want.name || have.type !== want.type) return `its column ${i + 1} is \`${have.name}\` ${have.type}, lbua writes \`${want.name}\` ${want.type}`;
  }
  return null;
}
