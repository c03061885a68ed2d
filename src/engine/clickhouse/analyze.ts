/**
 * `lbua analyze --engine clickhouse://host:8123/db.table` (issue 22): the records are already in ClickHouse (`lbua
 * export --to-clickhouse`, on one server or through a Distributed table over shards); the server filters them (the
 * --from/--to window), partitions them by a hash of the client (the Distributed table's sharding key, so a client's
 * records are on one shard and in one partition) and sorts each partition in read order (`seq`); lbua counts each
 * partition once and merges and judges (engine/partitions.ts, the code `--engine duckdb` and a sharded run use).
 * Only the window's records cross the network, one partition at a time.
 *
 * What the report knows of the inputs is what the table holds: each source file's records, first and last start and
 * format (not its lines, malformed or skipped ones: those were counted, and warned about, by the export). The run's
 * inputs are the source files in the order they were read (their first `seq`): the evidence order of a run over the
 * same files, and the files whose lines evidence shows when they are readable here. Each input's first peers are
 * tallied by the server as the reader tallies them (trust.ts), for the behind-a-proxy facts.
 */
import type { Diagnostic } from '../../core/types';
import type { InputSummary } from '../../pipeline';
import { preparedFromPaths, reportOfRun, withContextDetectors, type AnalysisOutcome, type AnalyzeOptions } from '../../analysis';
import { AGENTS, PEERS } from '../../trust';
import { countPartitions, partitionCount } from '../partitions';
import type { StoreRef } from '../source';
import { partitionFirstMs, storedInputs, storedPeers } from './source';
import type { ClickHouseTable } from './url';

/** `analyze` of the records of a ClickHouse table lbua exported to. */
export async function analyzeWithClickHouse(table: ClickHouseTable, url: string, options: AnalyzeOptions, onDiagnostic?: (d: Diagnostic) => void): Promise<AnalysisOutcome> {
  const withContext = withContextDetectors(options);
  const store: StoreRef = { kind: 'clickhouse', url, table: `${table.database}.${table.table}`, fromMs: options.from, toMs: options.to };
  const stored = await storedInputs(store);
  const peers = options.trustProxy === undefined ? await storedPeers(store, PEERS, AGENTS) : new Map<string, never[]>();
  const prep = preparedFromPaths(stored.map((s) => s.path), withContext, onDiagnostic);
  const summaries: InputSummary[] = stored.map((s) => ({
    path: s.path, format: s.format, gzip: false, lines: s.records, records: s.records, filtered: 0, skipped: 0, malformed: 0, damaged: null,
    firstMs: s.firstMs, lastMs: s.lastMs, ...(peers.has(s.path) ? { peers: peers.get(s.path) } : {}),
  }));
  const partitions = partitionCount(options, null);
  const firstMs = await partitionFirstMs(store, partitions);
  const counted = await countPartitions(store, prep.run, partitions, prep.paths, prep.order, firstMs);
  return reportOfRun(prep, counted.workers, summaries, counted.result, withContext);
}
