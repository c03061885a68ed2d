/**
 * `--to-clickhouse http://[user[:password]@]host:port/db.table`: the server's HTTP endpoint and the table.
 */
import { fail } from '../../core/types';
import type { ClickHouseServer } from './client';

/** A table of a ClickHouse server. */
export interface ClickHouseTable {
  readonly server: ClickHouseServer;
  readonly database: string;
  readonly table: string;
}

/** Database and table names lbua accepts: plain identifiers (they are quoted in SQL all the same). */
export const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

const HINT = 'as http://host:8123/db.table (8123 is ClickHouse\'s HTTP port; user:password@ before the host if needed)';

/** Parses the URL; exit 2 with one line when it is not one lbua can use. */
export function parseClickHouseUrl(text: string, option = '--to-clickhouse'): ClickHouseTable {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('OPTION_INVALID', `${option}: \`${text}\` is not a URL`, HINT);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('OPTION_INVALID', `${option}: \`${url.protocol}\` is not http: or https: (lbua talks to ClickHouse's HTTP interface)`, HINT);
  if (url.search !== '' || url.hash !== '') fail('OPTION_INVALID', `${option}: the URL takes no ?query or #fragment`, HINT);
  const path = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const parts = path.split('.');
  const [database, table] = parts.length === 1 ? ['default', parts[0] ?? ''] : parts;
  if (parts.length > 2 || database === undefined || table === undefined || !NAME.test(database) || !NAME.test(table)) {
    fail('OPTION_INVALID', `${option}: \`${path}\` is not db.table (plain names: letters, digits and _)`, HINT);
  }
  const credentials = url.username === '' ? null : `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { server: { origin: url.origin, credentials }, database, table };
}

/** The URL without its password (for messages). */
export function describeTable(t: ClickHouseTable): string {
  return `${t.server.origin}/${t.database}.${t.table}`;
}
