/**
 * The table `lbua export` writes (issue 22): one column per field of the normalized record (core/types.ts LogRecord,
 * named as `lbua records` names them), the geo fields `lbua records` adds, its source, and the per-record enrich facts
 * that need no per-run state.
 * This list is the one definition: the DDL, the schema check on append, the rows (engine/rows.ts) and the README's
 * table (test/engine/export.test.ts compares them) all follow it.
 */

/** SQL types used (DuckDB names; Parquet gets INT32, INT64, DOUBLE, BYTE_ARRAY UTF8, INT64 TIMESTAMP isAdjustedToUTC). */
export type SqlType = 'TIMESTAMP WITH TIME ZONE' | 'VARCHAR' | 'INTEGER' | 'BIGINT' | 'DOUBLE';

/** One column of the export table. */
export interface Column {
  readonly name: string;
  readonly type: SqlType;
}

const col = (name: string, type: SqlType): Column => ({ name, type });

/** The columns, in table order. */
export const COLUMNS: readonly Column[] = [
  col('time', 'TIMESTAMP WITH TIME ZONE'),
  col('format', 'VARCHAR'),
  col('client_ip', 'VARCHAR'),
  col('client_port', 'INTEGER'),
  col('client_host', 'VARCHAR'),
  col('method', 'VARCHAR'),
  col('scheme', 'VARCHAR'),
  col('host', 'VARCHAR'),
  col('path', 'VARCHAR'),
  col('query', 'VARCHAR'),
  col('protocol', 'VARCHAR'),
  col('status', 'INTEGER'),
  col('backend_status', 'INTEGER'),
  col('backend', 'VARCHAR'),
  col('duration_ms', 'DOUBLE'),
  col('backend_ms', 'DOUBLE'),
  col('bytes_in', 'BIGINT'),
  col('bytes_out', 'BIGINT'),
  col('user_agent', 'VARCHAR'),
  col('referer', 'VARCHAR'),
  col('tls_protocol', 'VARCHAR'),
  col('tls_cipher', 'VARCHAR'),
  col('trace_id', 'VARCHAR'),
  col('error_reason', 'VARCHAR'),
  col('lb', 'VARCHAR'),
  col('forwarded_for', 'VARCHAR'),
  col('peer_ip', 'VARCHAR'),
  col('edge_location', 'VARCHAR'),
  col('cache_status', 'VARCHAR'),
  col('tls_fingerprint', 'VARCHAR'),
  col('country', 'VARCHAR'),
  col('asn', 'BIGINT'),
  col('as_org', 'VARCHAR'),
  col('city', 'VARCHAR'),
  col('region', 'VARCHAR'),
  col('source_file', 'VARCHAR'),
  col('source_line', 'BIGINT'),
  col('route', 'VARCHAR'),
  col('agent_family', 'VARCHAR'),
  col('agent_class', 'VARCHAR'),
];

/**
 * The columns `lbua analyze --engine duckdb` adds to the export's in its own store (engine/load.ts): the record's
 * exact start (`time` is floored to the millisecond) and its place in the run's read order (0, 1, 2…), which the
 * partitions are read back in.
 */
export const ENGINE_COLUMNS: readonly Column[] = [col('start_ms', 'DOUBLE'), col('seq', 'BIGINT')];

/** A double-quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A single-quoted SQL string literal. */
export function quoteString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** CREATE TABLE for the export table named `table` (or a table of other `columns`). */
export function createTableSql(table: string, columns: readonly Column[] = COLUMNS): string {
  return `CREATE TABLE ${quoteIdent(table)} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`;
}

/**
 * Where an existing table's columns (name and type, in order, as DuckDB describes them) differ from COLUMNS: one
 * line naming the first difference, or null when they are the same.
 */
export function schemaDifference(existing: readonly Column[]): string | null {
  const n = Math.max(existing.length, COLUMNS.length);
  for (let i = 0; i < n; i++) {
    const have = existing[i];
    const want = COLUMNS[i];
    if (have === undefined && want !== undefined) return `it has ${existing.length} columns, lbua writes ${COLUMNS.length} (no \`${want.name}\`)`;
    if (want === undefined && have !== undefined) return `it has ${existing.length} columns, lbua writes ${COLUMNS.length} (\`${have.name}\` is not one)`;
    if (have !== undefined && want !== undefined && (have.name !== want.name || have.type !== want.type)) {
      return `its column ${i + 1} is \`${have.name}\` ${have.type}, lbua writes \`${want.name}\` ${want.type}`;
    }
  }
  return null;
}
