/**
 * ClickHouse's TabSeparated format, both ways: rows of the export table as lines to INSERT, and lines of a SELECT back
 * into values. Fields are separated by a tab, rows end with a newline; in a string a backslash, tab, newline and
 * carriage return are written as \\, \t, \n, \r; NULL is \N. ClickHouse writes strings with more escapes (\b, \f,
 * \0, \'), which unescape() reads too. Numbers are text: a double's shortest round-trip form both ways (JavaScript's
 * String(n), ClickHouse's output), with inf, -inf and nan for the non-finite ones.
 */
import { COLUMNS } from '../schema';
import type { Cell } from '../rows';
import { TIME_MAX_S, TIME_MIN_S } from './ddl';

const ESCAPE = /[\\\t\n\r]/;
const ESCAPES = /[\\\t\n\r]/g;
const ESCAPED: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A string as a TabSeparated field. */
export function escape(s: string): string {
  return ESCAPE.test(s) ? s.replace(ESCAPES, (c) => ESCAPED[c] ?? c) : s;
}

/** A double as ClickHouse reads it. */
export function float(n: number): string {
  if (Number.isFinite(n)) return String(n);
  return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * `time` as ClickHouse reads a DateTime('UTC'): 'YYYY-MM-DD hh:mm:ss' of the start floored to the second, clamped to
 * DateTime's range. The day's part is remembered (records come in time order, mostly of one day).
 */
export function createTimeText(): (startMs: number) => string {
  let day = Number.NaN;
  let dayText = '';
  return (startMs) => {
    let s = Math.floor(startMs / 1000);
    if (!(s >= TIME_MIN_S)) s = TIME_MIN_S; // also NaN
    else if (s > TIME_MAX_S) s = TIME_MAX_S;
    const d = Math.floor(s / 86_400);
    if (d !== day) {
      day = d;
      dayText = new Date(d * 86_400_000).toISOString().slice(0, 10);
    }
    const r = s - d * 86_400;
    return `${dayText} ${pad2(Math.floor(r / 3600))}:${pad2(Math.floor(r / 60) % 60)}:${pad2(r % 60)}`;
  };
}

const TIME = COLUMNS.findIndex((c) => c.name === 'time');
const IS_FLOAT = COLUMNS.map((c) => c.type === 'DOUBLE');

/**
 * One row as a TabSeparated line (with its newline): the export row `cells` (engine/rows.ts; its `time` cell is
 * replaced by the clamped seconds of `startMs`), then start_ms and seq.
 */
export function createRowLine(): (cells: readonly Cell[], startMs: number, seq: number) => string {
  const time = createTimeText();
  return (cells, startMs, seq) => {
    let line = '';
    for (let i = 0; i < cells.length; i++) {
      const v = cells[i] ?? null;
      let text: string;
      if (i === TIME) text = time(startMs);
      else if (v === null) text = '\\N';
      else if (typeof v === 'string') text = escape(v);
      else if (typeof v === 'number') text = IS_FLOAT[i] === true ? float(v) : String(v);
      else text = v.toString();
      line += i === 0 ? text : `\t${text}`;
    }
    return `${line}\t${float(startMs)}\t${seq}\n`;
  };
}

const UNESCAPED: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '0': '\0', a: '\x07', v: '\v' };

/** A TabSeparated field as a string, or null for \N. */
export function unescape(field: string): string | null {
  if (field.indexOf('\\') < 0) return field;
  if (field === '\\N') return null;
  return field.replace(/\\(.)/gs, (_m, c: string) => UNESCAPED[c] ?? c);
}

/** A number field (Int*, Float64) as a number, or null for \N. */
export function number(field: string): number | null {
  if (field === '\\N') return null;
  if (field === 'inf' || field === '+inf') return Number.POSITIVE_INFINITY;
  if (field === '-inf') return Number.NEGATIVE_INFINITY;
  if (field === 'nan' || field === '-nan') return Number.NaN;
  return Number(field);
}

/**
 * Splits a response body arriving in chunks into lines (without their newline): `onLine` gets each complete line.
 * A line is decoded once it is complete, so a character split between chunks is read whole.
 */
export function createLineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): string } {
  let rest: Buffer | null = null;
  return {
    push(chunk) {
      const last = chunk.lastIndexOf(0x0a);
      if (last < 0) {
        rest = rest === null ? chunk : Buffer.concat([rest, chunk]);
        return;
      }
      const head = rest === null ? chunk.subarray(0, last) : Buffer.concat([rest, chunk.subarray(0, last)]);
      rest = last + 1 < chunk.length ? Buffer.from(chunk.subarray(last + 1)) : null;
      const lines = head.toString('utf8').split('\n');
      for (const l of lines) onLine(l);
    },
    /** What is left after the last newline ('' when the body ended with one, as ClickHouse's do). */
    end: () => (rest === null ? '' : rest.toString('utf8')),
  };
}
