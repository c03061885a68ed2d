/**
 * One partition of a DuckDB store read back (engine/source.ts): the worker or thread that counts it opens the
 * database file read-only itself (several can at once), and streams the partition's rows ordered by `seq`, chunk by
 * chunk (DuckDB's vector size, 2,048 rows), as records. DuckDB sorts within its memory limit, spilling beyond it to
 * a folder of its own beside the database.
 */
import { DuckDBInstance, type DuckDBResult } from '@duckdb/node-api';
import type { LogRecord } from '../core/types';
import { quoteIdent } from './schema';
import { createChunkReader, recordSelectList } from './records';
import type { PartitionSpec } from './source';

/** A DuckDB store (engine/source.ts StoreRef of kind duckdb). */
export interface DuckdbStore {
  readonly file: string;
  readonly table: string;
  readonly memoryLimit: string;
}

/** The partition a row belongs to, of `partitions`: a hash of its client key (the address, else the host name). */
export function partitionExpr(partitions: number): string {
  return `hash(coalesce(client_ip, client_host, '')) % ${Math.max(1, Math.floor(partitions))}`;
}

/** The query of one partition's records, in seq order. */
export function partitionSql(table: string, spec: PartitionSpec): string {
  const where = spec.partitions > 1 ? ` WHERE ${partitionExpr(spec.partitions)} = ${Math.floor(spec.partition)}` : '';
  return `SELECT ${recordSelectList()} FROM ${quoteIdent(table)}${where} ORDER BY seq`;
}

/** Opens the store read-only (spilling to `spill`), runs `use`, closes it. */
export async function withReadOnly<T>(store: DuckdbStore, spill: string, use: (run: (sql: string) => Promise<DuckDBResult>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(store.file, { access_mode: 'READ_ONLY', memory_limit: store.memoryLimit, temp_directory: spill });
  try {
    const conn = await instance.connect();
    try {
      return await use((sql) => conn.stream(sql));
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** Streams partition `spec` of `store` to `onBatch`, a chunk at a time; resolves with the record count. */
export async function readDuckdbPartition(store: DuckdbStore, spec: PartitionSpec, onBatch: (records: readonly LogRecord[]) => void): Promise<number> {
  return withReadOnly(store, `${store.file}.spill-${spec.partition}`, async (run) => {
    const result = await run(partitionSql(store.table, spec));
    const read = createChunkReader();
    let n = 0;
    for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) n += read(chunk, onBatch);
    return n;
  });
}

/** Each partition's first start (min start_ms; null for an empty partition), by one grouped query. */
export async function partitionFirsts(store: DuckdbStore, partitions: number): Promise<(number | null)[]> {
  const firsts: (number | null)[] = Array.from({ length: partitions }, () => null);
  await withReadOnly(store, `${store.file}.spill-firsts`, async (run) => {
    const sql = `SELECT ${partitionExpr(partitions)} AS k, min(start_ms) FROM ${quoteIdent(store.table)} GROUP BY k`;
    const rows = await run(sql);
    for (let chunk = await rows.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await rows.fetchChunk()) {
      for (const [k, first] of chunk.getRows()) firsts[Number(k)] = typeof first === 'number' ? first : null;
    }
  });
  return firsts;
}

/** A share of a memory limit, for one of `n` readers at once (DuckDB's size units, or a share of RAM). */
export function shareOfLimit(limit: string, n: number): string {
  if (n <= 1) return limit;
  const pct = /^(\d{1,2})%$/.exec(limit);
  if (pct) return `${Math.max(1, Math.floor(Number(pct[1]) / n))}%`;
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT])(i?)B$/i.exec(limit);
  if (!m) return limit;
  const kb = Number(m[1]) * { K: 1, M: 1024, G: 1024 ** 2, T: 1024 ** 3 }[(m[2] ?? 'K').toUpperCase() as 'K' | 'M' | 'G' | 'T'];
  return `${Math.max(1, Math.floor(kb / n))}KiB`;
}
