/**
 * Reading ClickHouse's TabSeparated output (SELECTs; lbua INSERTs in RowBinary, rowbinary.ts): fields separated by a
 * tab, rows ended by a newline; in a string ClickHouse writes a backslash, tab, newline, carriage return, \b, \f, NUL
 * and ' escaped with a backslash; NULL is \N. A double is written in its shortest round-trip form (inf, -inf, nan
 * for the others), which Number() reads back exactly.
 */

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
