/**
 * Where `lbua analyze --engine …` reads its records back from (issue 22): the engine stores, filters, partitions and
 * orders the normalized records; lbua counts each partition once (analysis-task.ts) and merges and judges
 * (analysis-join.ts). A partition is the records whose client key hashes to it, so every client's requests are in
 * one partition, in the order one pass over the inputs meets them (`seq`).
 *
 * A StoreRef is plain data (structured-clone safe): a worker thread opens the store itself.
 */
import type { LogRecord } from '../core/types';
import { readClickHousePartition } from './clickhouse/source';

/** A store of normalized records (the export's columns plus `start_ms` and `seq`, engine/schema.ts). */
export type StoreRef =
  | { readonly kind: 'duckdb'; readonly file: string; readonly table: string; readonly memoryLimit: string }
  | {
    readonly kind: 'clickhouse';
    /** The server: http(s)://[user:password@]host:port. */
    readonly url: string;
    /** db.table */
    readonly table: string;
    /** --from/--to on the records' start (epoch ms; null or absent: open), applied by the server. */
    readonly fromMs?: number | null;
    readonly toMs?: number | null;
  };

/** Partition `partition` of `partitions` (0 ≤ partition < partitions). */
export interface PartitionSpec {
  readonly partition: number;
  readonly partitions: number;
}

/** Streams one partition's records in seq order, in batches; resolves with the record count. */
export type ReadPartition = (store: StoreRef, spec: PartitionSpec, onBatch: (records: readonly LogRecord[]) => void) => Promise<number>;

/** Reads a partition of whichever store `store` names. */
export const readPartition: ReadPartition = (store, spec, onBatch) => {
  switch (store.kind) {
    case 'duckdb':
      // Required here: DuckDB's native library is loaded only by runs that use it (the ClickHouse path does not).
      return (require('./duckdb-partition') as typeof import('./duckdb-partition')).readDuckdbPartition(store, spec, onBatch);
    case 'clickhouse':
      return readClickHousePartition(store, spec, onBatch);
  }
};
