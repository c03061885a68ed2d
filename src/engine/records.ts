/**
 * Rows of the store read back as records: the inverse of engine/rows.ts for the columns a record is made of (the
 * enrich facts and geo columns are not read: the analysis makes its own). `startMs` comes from `start_ms` (exact;
 * `time` is floored to the millisecond), `source` from `source_file` and `source_line`, integers as numbers.
 *
 * Speed: reading a VARCHAR value out of a DuckDB vector costs a native call and a TextDecoder call each (about
 * 0.3 µs; 23 string columns a row made the read-back slower than counting). So the query hands the string columns
 * over as one VARCHAR per row, joined by a newline, each escaped (`\` → `\\`, newline → `\n`, NULL → `\N`: read back
 * by clickhouse/tsv.ts unescape, whose TabSeparated escapes include these), and
 * the numbers as DOUBLE (exact: integers below 2^53). On 83,000 rows: 0.25 s instead of 0.65 s.
 */
import type { DuckDBDataChunk, DuckDBVector } from '@duckdb/node-api';
import type { LogRecord } from '../core/types';
import { detach } from '../core/text';
import { quoteIdent } from './schema';
import { newRecord } from '../formats/shared/record';
// The escapes of recordSelectList are a subset of ClickHouse's TabSeparated ones: the same reader undoes both.
import { unescape } from './clickhouse/tsv';

/** The string columns a record is read from, in the order they are joined. */
export const STRING_COLUMNS = [
  'format', 'client_ip', 'client_host', 'method', 'scheme', 'host', 'path', 'query', 'protocol', 'backend',
  'user_agent', 'referer', 'tls_protocol', 'tls_cipher', 'trace_id', 'error_reason', 'lb', 'forwarded_for',
  'peer_ip', 'edge_location', 'cache_status', 'tls_fingerprint', 'source_file',
] as const;

/** The number columns, selected after the joined strings. */
export const NUMBER_COLUMNS = [
  'start_ms', 'client_port', 'status', 'backend_status', 'duration_ms', 'backend_ms', 'bytes_in', 'bytes_out', 'source_line',
] as const;

const FILE = STRING_COLUMNS.indexOf('source_file');

/** The select list of a record: the joined strings, then the numbers (DuckDB SQL). */
export function recordSelectList(): string {
  const escaped = STRING_COLUMNS.map((c) => `coalesce(replace(replace(${quoteIdent(c)}, '\\', '\\\\'), chr(10), '\\n'), '\\N')`);
  return [`concat_ws(chr(10), ${escaped.join(', ')})`, ...NUMBER_COLUMNS.map((c) => `CAST(${quoteIdent(c)} AS DOUBLE)`)].join(', ');
}

/**
 * A record from its string fields (STRING_COLUMNS order, unescaped) and numbers (NUMBER_COLUMNS order), built by
 * newRecord as every format builds its records: one shape, with the enrichment slots enrich fills in place.
 */
export function recordFromRow(s: readonly (string | null)[], n: readonly (number | null)[]): LogRecord {
  const r = newRecord(
    n[0] ?? Number.NaN, s[0] ?? '', s[1] ?? null, n[1] ?? null, s[2] ?? null, s[3] ?? null, s[4] ?? null, s[5] ?? null, s[6] ?? null,
    s[7] ?? null, s[8] ?? null, n[2] ?? null, n[3] ?? null, s[9] ?? null, n[4] ?? null, n[5] ?? null, n[6] ?? null, n[7] ?? null,
    s[10] ?? null, s[11] ?? null, s[12] ?? null, s[13] ?? null, s[14] ?? null, s[15] ?? null, s[16] ?? null,
    { file: s[22] ?? '', line: n[8] ?? 0 },
  );
  r.forwardedFor = s[17] ?? null;
  r.peerIp = s[18] ?? null;
  r.edgeLocation = s[19] ?? null;
  r.cacheStatus = s[20] ?? null;
  r.tlsFingerprint = s[21] ?? null;
  return r;
}

/** Records per batch handed on: a few, so they die young (DuckDB's chunks have 2,048 rows). */
export const RECORD_BATCH = 64;

/**
 * A reader of chunks of a query whose select list is recordSelectList(): each chunk's rows become records and go to
 * `onBatch` RECORD_BATCH at a time; returns the chunk's row count.
 *
 * Memory: a batch of a whole chunk's records outlived the young generation while it was counted (each record's
 * counting allocates too) and went to the old one: on the 1M-line bench log, reading back and counting on one thread
 * took 17.2–21.1 s of CPU with batches of 2,048, 13.6–15.3 s with batches of 1, 16 or 64 (load average 9). The fields are substrings of the row's string, which V8 keeps
 * alive as long as any of them (core/text.ts detach): the analysis detaches the keys it keeps, but every record's
 * `source.file` is kept in evidence, so the file name is one standalone string per input, as the pipeline gives it.
 * That took the heap in use after counting (after a full GC) from 271 to 190 MB.
 */
export function createChunkReader(): (chunk: DuckDBDataChunk, onBatch: (records: readonly LogRecord[]) => void) => number {
  let lastFile = '';
  let file = '';
  const fileOf = (f: string): string => {
    if (f !== lastFile) {
      lastFile = f;
      file = detach(f);
    }
    return file;
  };
  const s: (string | null)[] = new Array<string | null>(STRING_COLUMNS.length).fill(null);
  const n: (number | null)[] = new Array<number | null>(NUMBER_COLUMNS.length).fill(null);
  return (chunk, onBatch) => {
    const rows = chunk.rowCount;
    const joined = chunk.getColumnVector(0) as DuckDBVector<string>;
    const numbers = NUMBER_COLUMNS.map((_, i) => chunk.getColumnVector(i + 1) as DuckDBVector<number>);
    for (let from = 0; from < rows; from += RECORD_BATCH) {
      const to = Math.min(rows, from + RECORD_BATCH);
      const out: LogRecord[] = new Array<LogRecord>(to - from);
      for (let r = from; r < to; r++) {
        const fields = (joined.getItem(r) ?? '').split('\n');
        for (let i = 0; i < s.length; i++) s[i] = unescape(fields[i] ?? '\\N');
        s[FILE] = fileOf(s[FILE] ?? '');
        for (let i = 0; i < n.length; i++) n[i] = (numbers[i] as DuckDBVector<number>).getItem(r);
        out[r - from] = recordFromRow(s, n);
      }
      onBatch(out);
    }
    return rows;
  };
}
