/**
 * Rows of the ClickHouse table in ClickHouse's RowBinary format, the format lbua INSERTs in: each value in column
 * order, little-endian, a Nullable one after a byte 1 (null) or 0; String as a LEB128 length then UTF-8 bytes;
 * DateTime as UInt32 seconds.
 *
 * Why not text: ClickHouse 18.16 reads a double written as text to the nearest double only most of the time
 * ("4.94" becomes 4.9399999999999995, in TabSeparated, CSV and JSONEachRow alike), and the table's doubles must be
 * the record's. Binary doubles are exact, and building binary rows is no slower than text ones.
 */
import type { Cell } from '../rows';
import { COLUMNS, type SqlType } from '../schema';
import { CH_COLUMNS, TIME_MAX_S, TIME_MIN_S } from './ddl';

/** Bytes gathered before a chunk is handed on (and a new one started). */
const CHUNK_BYTES = 256 * 1024;

const TIME = COLUMNS.findIndex((c) => c.name === 'time');
const KINDS: readonly SqlType[] = COLUMNS.map((c) => c.type);
const NULLABLE: readonly boolean[] = COLUMNS.map((c, i) => CH_COLUMNS[i]?.name === c.name && (CH_COLUMNS[i]?.type.startsWith('Nullable(') ?? false));

/** `time`: the start floored to the second, clamped to DateTime's range (the exact start is in start_ms). */
export function timeSeconds(startMs: number): number {
  const s = Math.floor(startMs / 1000);
  return s >= TIME_MIN_S ? (s <= TIME_MAX_S ? s : TIME_MAX_S) : TIME_MIN_S; // NaN → TIME_MIN_S
}

const varintSize = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

/**
 * A writer of rows into chunks of about CHUNK_BYTES: `row` appends one row (the export row `cells` of engine/rows.ts,
 * then start_ms and seq) and returns a full chunk when there is one; `flush` returns what is left.
 */
export function createRowBinaryWriter(): { row(cells: readonly Cell[], startMs: number, seq: number): Buffer | null; flush(): Buffer | null } {
  let buf = Buffer.allocUnsafe(CHUNK_BYTES * 2);
  let pos = 0;
  const ensure = (n: number): void => {
    if (pos + n <= buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + n));
    buf.copy(bigger, 0, 0, pos);
    buf = bigger;
  };
  const string = (s: string): void => {
    // The length is known once written: room for the longest (3 bytes per UTF-16 unit), moved back if shorter.
    const max = s.length * 3;
    const room = varintSize(max);
    ensure(room + max);
    const n = buf.write(s, pos + room, 'utf8');
    const size = varintSize(n);
    if (size < room) buf.copyWithin(pos + size, pos + room, pos + room + n);
    let v = n;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    pos += n;
  };
  const take = (): Buffer | null => {
    if (pos === 0) return null;
    const out = buf.subarray(0, pos);
    buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES * 2, buf.length));
    pos = 0;
    return out;
  };
  return {
    row(cells, startMs, seq) {
      ensure(64);
      for (let i = 0; i < cells.length; i++) {
        if (i === TIME) {
          pos = buf.writeUInt32LE(timeSeconds(startMs), pos);
          continue;
        }
        const v = cells[i] ?? null;
        if (NULLABLE[i] === true) {
          ensure(1);
          buf[pos++] = v === null ? 1 : 0;
          if (v === null) continue;
        }
        ensure(9);
        switch (KINDS[i]) {
          case 'VARCHAR':
            string(typeof v === 'string' ? v : String(v ?? ''));
            break;
          case 'INTEGER':
            pos = buf.writeInt32LE(Number(v ?? 0), pos);
            break;
          case 'BIGINT':
            pos = buf.writeBigInt64LE(typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v ?? 0))), pos);
            break;
          case 'DOUBLE':
            pos = buf.writeDoubleLE(Number(v ?? 0), pos);
            break;
          default:
            throw new Error(`column ${COLUMNS[i]?.name}: no RowBinary writer for ${KINDS[i]}`);
        }
      }
      ensure(16);
      pos = buf.writeDoubleLE(startMs, pos);
      pos = buf.writeUInt32LE(seq % 0x1_0000_0000, pos);
      pos = buf.writeUInt32LE(Math.floor(seq / 0x1_0000_0000), pos);
      return pos >= CHUNK_BYTES ? take() : null;
    },
    flush: take,
  };
}
