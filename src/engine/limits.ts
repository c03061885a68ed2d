/**
 * The engine options the command line checks before anything runs, apart from the modules that load DuckDB (its
 * native library is loaded only by the commands that use it: about 60 ms and 25 MB less for every other command).
 */
import { fail } from '../core/types';

/** DuckDB's memory limit unless --memory-limit says otherwise: 1M ALB lines to Parquet peak at about 0.6 GB RSS in all. */
export const DEFAULT_MEMORY_LIMIT = '512MB';

/** A memory limit DuckDB takes: a size with a unit (KB, MB, GB, TB or KiB…), or a percentage of RAM. */
export const MEMORY_LIMIT = /^(?:\d+(?:\.\d+)?\s*(?:[KMGT]i?B)|\d{1,2}%)$/i;

/** --memory-limit as given (the default when absent); exit 2 with one line when DuckDB would not take it. */
export function memoryLimitOption(raw: string | undefined): string {
  const limit = raw ?? DEFAULT_MEMORY_LIMIT;
  if (!MEMORY_LIMIT.test(limit)) fail('OPTION_INVALID', `--memory-limit: \`${limit}\` is not a size with a unit (256MB, 2GB) or a share of RAM (50%)`);
  return limit;
}

/** A table name lbua accepts: a plain identifier (it is quoted in SQL all the same). */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
