/**
 * Reading records back from a ClickHouse table lbua exported to (issue 22's engine path): one partition of the
 * clients at a time, `cityHash64(client) % P = k` (ddl.ts CLIENT_HASH: the Distributed table's sharding key, so a
 * client's rows are in one partition and on one shard), in `seq` order (the order lbua read them), streamed as
 * TabSeparated and parsed into LogRecords equal to the ones exported: every record field, startMs exact (start_ms),
 * source from source_file and source_line, null as null. The server sorts; lbua holds one response chunk and one
 * batch of records.
 */
import { fail, LbuaError, type LogRecord } from '../../core/types';
import { newRecord } from '../../formats/shared/record';
import { createInterner } from '../../core/text';
import { ClickHouseError, errorLine, query, queryStream, type Settings } from './client';
import { CLIENT_HASH, qualified } from './ddl';
import { createLineSplitter, number, unescape } from './tsv';
import { describeTable, parseClickHouseUrl, type ClickHouseTable } from './url';
import type { PartitionSpec, ReadPartition, StoreRef } from '../source';

/** Source file names a partition's reader keeps one string of (past these it starts afresh: only sharing is lost). */
const FILE_NAMES = 4096;
const FILE_NAME_CHARS = 1 << 22;

/** Records handed to onBatch at a time. */
export const READ_BATCH = 4096;

/** The columns read, in this order (the record's fields; the geo, route and agent columns are not record fields). */
const READ_COLUMNS = [
  'start_ms', 'format', 'client_ip', 'client_port', 'client_host', 'method', 'scheme', 'host', 'path', 'query', 'protocol',
  'status', 'backend_status', 'backend', 'duration_ms', 'backend_ms', 'bytes_in', 'bytes_out', 'user_agent', 'referer',
  'tls_protocol', 'tls_cipher', 'trace_id', 'error_reason', 'lb', 'forwarded_for', 'peer_ip', 'edge_location',
  'cache_status', 'tls_fingerprint', 'source_file', 'source_line',
] as const;

/** The ClickHouse table a store names: `url` the server (http://[user:password@]host:port), `table` db.table. */
export function storeTable(store: StoreRef): ClickHouseTable {
  if (store.kind !== 'clickhouse') throw new Error(`not a ClickHouse store: ${store.kind}`);
  return parseClickHouseUrl(`${store.url.replace(/\/+$/, '')}/${store.table}`);
}

/**
 * Sorting settings: a partition bigger than this is sorted on disk by the server rather than in its memory (the
 * server's own max_memory_usage, 10 GB by default, would otherwise stop the query).
 */
const READ_SETTINGS: Settings = { max_bytes_before_external_sort: 1_000_000_000 };

/** The store's --from/--to as conditions on start_ms (numbers only: nothing from the user is pasted into SQL). */
function windowConditions(store: StoreRef): string[] {
  if (store.kind !== 'clickhouse') return [];
  const out: string[] = [];
  const ms = (v: number): string => {
    if (!Number.isFinite(v)) throw new RangeError(`window bound ${v}`);
    return String(v);
  };
  if (store.fromMs !== undefined && store.fromMs !== null) out.push(`start_ms >= ${ms(store.fromMs)}`);
  if (store.toMs !== undefined && store.toMs !== null) out.push(`start_ms < ${ms(store.toMs)}`);
  return out;
}

/** ` WHERE …` of the store's window and, when partitioned, the partition (empty when neither). */
function where(store: StoreRef, spec: PartitionSpec): string {
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1 || !Number.isInteger(spec.partition) || spec.partition < 0 || spec.partition >= spec.partitions) {
    throw new RangeError(`partition ${spec.partition} of ${spec.partitions}`);
  }
  const all = [...windowConditions(store), ...(spec.partitions === 1 ? [] : [`${CLIENT_HASH} % ${spec.partitions} = ${spec.partition}`])];
  return all.length === 0 ? '' : ` WHERE ${all.join(' AND ')}`;
}

/** A ClickHouseError as exit 2 with one line; an LbuaError passes. */
function failRead(e: unknown, t: ClickHouseTable): never {
  if (e instanceof LbuaError) throw e;
  if (e instanceof ClickHouseError) return fail('INPUT_UNREADABLE', e.unreachable ? `${describeTable(t)}: cannot reach ClickHouse (${e.message})` : `${describeTable(t)}: ${e.message}`);
  throw e;
}

/**
 * One TabSeparated line of READ_COLUMNS as a record. `fileOf` gives the source file's one standalone string: the
 * field itself is a slice of the decoded response chunk, and evidence keeps records' source files, so each kept
 * reference would keep a whole chunk alive (on the 1M-line bench log, peak RSS 0.84–1.14 GB against 0.47 in process).
 */
function toRecord(f: readonly string[], fileOf: (raw: string) => string): LogRecord {
  const s = (i: number): string | null => unescape(f[i] ?? '\\N');
  const n = (i: number): number | null => number(f[i] ?? '\\N');
  const r = newRecord(
    n(0) ?? Number.NaN, s(1) ?? '', s(2), n(3), s(4), s(5), s(6), s(7), s(8), s(9), s(10), n(11), n(12), s(13), n(14), n(15), n(16), n(17),
    s(18), s(19), s(20), s(21), s(22), s(23), s(24), { file: fileOf(s(30) ?? ''), line: n(31) ?? 0 },
  );
  r.forwardedFor = s(25);
  r.peerIp = s(26);
  r.edgeLocation = s(27);
  r.cacheStatus = s(28);
  r.tlsFingerprint = s(29);
  return r;
}

/** Streams one partition's records in seq order, in batches of READ_BATCH; resolves with the record count. */
export const readClickHousePartition: ReadPartition = async (store, spec, onBatch) => {
  const t = storeTable(store);
  const sql = `SELECT ${READ_COLUMNS.map((c) => `\`${c}\``).join(', ')} FROM ${qualified(t.database, t.table)}${where(store, spec)} ORDER BY seq FORMAT TabSeparated`;
  let batch: LogRecord[] = [];
  let count = 0;
  // The source files seen, each as one standalone string (a table holds a few files: the runs' inputs).
  const intern = createInterner(FILE_NAMES, FILE_NAME_CHARS);
  const fileOf = (raw: string): string => intern(raw) ?? raw;
  const onLine = (line: string): void => {
    const f = line.split('\t');
    if (f.length !== READ_COLUMNS.length) {
      // ClickHouse reports a failure after the result started as text in the body.
      const { message } = errorLine(line);
      throw new ClickHouseError(`the result broke off at row ${count + 1}: ${message}`, null, false);
    }
    batch.push(toRecord(f, fileOf));
    count++;
    if (batch.length === READ_BATCH) {
      const full = batch;
      batch = [];
      onBatch(full);
    }
  };
  const lines = createLineSplitter(onLine);
  try {
    await queryStream(t.server, sql, (chunk) => lines.push(chunk), READ_SETTINGS);
    const rest = lines.end();
    if (rest !== '') onLine(rest);
  } catch (e) {
    failRead(e, t);
  }
  if (batch.length > 0) onBatch(batch);
  return count;
};

/** Each partition's first record start (min start_ms), or null for a partition with no record: one GROUP BY. */
export async function partitionFirstMs(store: StoreRef, partitions: number): Promise<(number | null)[]> {
  const t = storeTable(store);
  where(store, { partition: 0, partitions });
  const cond = where(store, { partition: 0, partitions: 1 });
  const out: (number | null)[] = new Array<number | null>(partitions).fill(null);
  let text: string;
  try {
    text = await query(t.server, `SELECT ${CLIENT_HASH} % ${partitions} AS p, min(start_ms) FROM ${qualified(t.database, t.table)}${cond} GROUP BY p FORMAT TabSeparated`);
  } catch (e) {
    return failRead(e, t);
  }
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [p, ms] = line.split('\t');
    out[Number(p)] = number(ms ?? '\\N');
  }
  return out;
}

/** What the table holds of one source file (in the store's window): the input it was read from, as lbua knows it. */
export interface StoredInput {
  readonly path: string;
  /** Its records' formats (the most frequent first). */
  readonly format: string | null;
  readonly records: number;
  readonly firstMs: number | null;
  readonly lastMs: number | null;
}

/**
 * The source files of the store's records in the order lbua read them (by their first `seq`): the inputs of the run
 * that exported them, whose order is the evidence order (aggregate/types.ts). One GROUP BY.
 */
export async function storedInputs(store: StoreRef): Promise<StoredInput[]> {
  const t = storeTable(store);
  let text: string;
  try {
    text = await query(t.server, `SELECT source_file, min(seq) AS first, count(), min(start_ms), max(start_ms), topK(1)(format) FROM ${qualified(t.database, t.table)}${where(store, { partition: 0, partitions: 1 })} GROUP BY source_file ORDER BY first FORMAT TabSeparated`);
  } catch (e) {
    return failRead(e, t);
  }
  return text.split('\n').filter((l) => l !== '').map((line) => {
    const f = line.split('\t');
    const fmt = unescape(f[5] ?? '\\N');
    return { path: unescape(f[0] ?? '') ?? '', format: fmt === null ? null : (/^\['(.*)'\]$/.exec(fmt)?.[1] ?? null), records: number(f[2] ?? '0') ?? 0, firstMs: number(f[3] ?? '\\N'), lastMs: number(f[4] ?? '\\N') };
  });
}

/**
 * Each source file's first `peers` client addresses (by first `seq`) with their requests, those carrying a forwarded
 * address other than the client, and their distinct agents up to `agents`: the tally trust.ts keeps per input while
 * reading (the run's proxies are judged from it), as rows [address, requests, forwarded, agents] by path.
 */
export async function storedPeers(store: StoreRef, peers: number, agents: number): Promise<Map<string, (readonly [string, number, number, number])[]>> {
  const t = storeTable(store);
  const conds = [...windowConditions(store), 'isNotNull(client_ip)'];
  let text: string;
  try {
    text = await query(t.server, `SELECT source_file, client_ip, count(), countIf(isNotNull(forwarded_for) AND forwarded_for != client_ip), least(uniqExact(user_agent), ${agents}), min(seq) AS first FROM ${qualified(t.database, t.table)} WHERE ${conds.join(' AND ')} GROUP BY source_file, client_ip ORDER BY source_file, first LIMIT ${peers} BY source_file FORMAT TabSeparated`);
  } catch (e) {
    return failRead(e, t);
  }
  const out = new Map<string, (readonly [string, number, number, number])[]>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split('\t');
    const path = unescape(f[0] ?? '') ?? '';
    let rows = out.get(path);
    if (rows === undefined) out.set(path, (rows = []));
    rows.push([unescape(f[1] ?? '') ?? '', number(f[2] ?? '0') ?? 0, number(f[3] ?? '0') ?? 0, number(f[4] ?? '0') ?? 0]);
  }
  for (const rows of out.values()) rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return out;
}
