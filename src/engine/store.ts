/**
 * Writing rows into a DuckDB table through its appender, shared by `lbua export` (engine/export.ts) and the store
 * `lbua analyze --engine duckdb` loads (engine/load.ts): values are held column by column in a chunk of at most
 * CHUNK_ROWS rows, which goes to the appender when full; nothing else is kept.
 */
import { rmSync } from 'node:fs';
import {
  BIGINT,
  DOUBLE,
  DuckDBDataChunk,
  DuckDBTimestampTZValue,
  INTEGER,
  TIMESTAMPTZ,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { fail } from '../core/types';
import type { Column, SqlType } from './schema';
import type { Cell } from './rows';

export { DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT, memoryLimitOption } from './limits';

/** Rows per chunk handed to the appender (DuckDB's vector size). */
export const CHUNK_ROWS = 2048;

const TYPES: Readonly<Record<SqlType, DuckDBType>> = {
  'TIMESTAMP WITH TIME ZONE': TIMESTAMPTZ,
  VARCHAR,
  INTEGER,
  BIGINT,
  DOUBLE,
};

/** Rows going to one appender. */
export interface ChunkWriter {
  /** Adds one row (its values are copied: `row` may be refilled once this returns). */
  add(row: readonly Cell[]): void;
  /** Hands the rows held to the appender. */
  flush(): void;
}

/** A writer of rows of `columns` (in that order) to `appender`; a time column takes epoch ms. */
export function createChunkWriter(appender: DuckDBAppender, columns: readonly Column[]): ChunkWriter {
  const held: DuckDBValue[][] = columns.map(() => []);
  const chunkTypes = columns.map((c) => TYPES[c.type]);
  const isTime = columns.map((c) => c.type === 'TIMESTAMP WITH TIME ZONE');
  let filled = 0;
  const flush = (): void => {
    if (filled === 0) return;
    const chunk = DuckDBDataChunk.create(chunkTypes, filled);
    chunk.setColumns(held);
    appender.appendDataChunk(chunk);
    for (const c of held) c.length = 0;
    filled = 0;
  };
  return {
    add(row) {
      for (let i = 0; i < held.length; i++) {
        const v = row[i] ?? null;
        (held[i] as DuckDBValue[]).push(v !== null && isTime[i] ? new DuckDBTimestampTZValue(BigInt(v) * 1000n) : v);
      }
      if (++filled === CHUNK_ROWS) flush();
    },
    flush,
  };
}

/** Removes files and folders (missing ones are fine). */
export function removeAll(files: readonly string[]): void {
  for (const f of files) rmSync(f, { recursive: true, force: true });
}

/** Whether an error is DuckDB's running out of the memory it was given (its messages vary by where it ran out). */
export function isOutOfMemory(e: unknown): boolean {
  return /out of memory|could not allocate|failed to allocate/i.test(oneLine(e));
}

/** The first line of an error's message. */
export function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}
