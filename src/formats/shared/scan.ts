/**
 * Offset scanner for space-separated lines with double-quoted fields: records each field's [start, end) in an
 * Int32Array without creating substrings, so a parser slices only the fields it keeps and converts numbers straight
 * from the line. About 3x cheaper than tokenize() on 30-field ALB lines. Same rules as tokenize(): quoted fields
 * exclude their quotes; a closing quote not followed by a space still ends the field (ALB's `"-"1` quirk); a
 * backslash escapes the next character inside quotes (the field is then marked as escaped: bit 30 of its end).
 */
import { isoToEpochMsAt, parseDigits } from '../../core/units';

/** Flag set on a field's end offset when its quoted text contains backslash escapes. */
export const ESCAPED = 1 << 30;

/**
 * Scans `line` into `out` (pairs of start/end offsets). Returns the number of fields, or -1 when a quote is not
 * closed. At most out.length / 2 fields are recorded; the rest of the line is ignored.
 */
export function scanFields(line: string, out: Int32Array): number {
  const n = line.length;
  const max = out.length >> 1;
  let i = 0;
  let k = 0;
  while (i < n && k < max) {
    const c = line.charCodeAt(i);
    if (c === 32) {
      i++;
      continue;
    }
    if (c === 34) {
      let j = line.indexOf('"', i + 1);
      if (j < 0) return -1;
      let flag = 0;
      if (line.charCodeAt(j - 1) === 92) {
        j = closingQuote(line, i + 1);
        if (j < 0) return -1;
        flag = ESCAPED;
      }
      out[2 * k] = i + 1;
      out[2 * k + 1] = j | flag;
      k++;
      i = line.charCodeAt(j + 1) === 32 ? j + 2 : j + 1;
      continue;
    }
    let j = line.indexOf(' ', i + 1);
    if (j < 0) j = n;
    out[2 * k] = i;
    out[2 * k + 1] = j;
    k++;
    i = j + 1;
  }
  return k;
}

/** Index of the quote closing a quoted field whose text starts at `start`, honouring backslash escapes; -1 if none. */
export function closingQuote(line: string, start: number): number {
  for (let j = start; j < line.length; j++) {
    const c = line.charCodeAt(j);
    if (c === 92) j++;
    else if (c === 34) return j;
  }
  return -1;
}

/** Text of field k (escapes undone), or null for "-" and empty fields. */
export function fieldText(line: string, off: Int32Array, k: number): string | null {
  const s = off[2 * k] ?? 0;
  const raw = off[2 * k + 1] ?? 0;
  const e = raw & ~ESCAPED;
  if (e <= s || (e === s + 1 && line.charCodeAt(s) === 45)) return null;
  const text = line.slice(s, e);
  return raw & ESCAPED ? text.replace(/\\(["\\])/g, '$1') : text;
}

/**
 * For field k holding "address:port", where splitHostPort (shared/request.ts) would cut it, without a substring or
 * a result object: the index of the colon before a valid port (address = line[start, colon)), -1 when the whole
 * field is the address (no colon, or no valid port after the last one), or -2 when the field takes splitHostPort
 * itself: escaped, bracketed ("[v6]:port"), or shorter than 2 characters ("-", empty).
 */
export function fieldPortColon(line: string, off: Int32Array, k: number): number {
  const s = off[2 * k] ?? 0;
  const raw = off[2 * k + 1] ?? 0;
  if ((raw & ESCAPED) !== 0 || raw - s < 2 || line.charCodeAt(s) === 91 /* [ */) return -2;
  const colon = line.lastIndexOf(':', raw - 1);
  if (colon < s) return -1;
  const port = parseDigits(line, colon + 1, raw);
  return Number.isNaN(port) || port > 65535 ? -1 : colon;
}

/** Unsigned integer in field k; null for "-"/empty; NaN for anything else. */
export function fieldInt(line: string, off: Int32Array, k: number): number | null {
  const s = off[2 * k] ?? 0;
  const e = (off[2 * k + 1] ?? 0) & ~ESCAPED;
  if (e <= s || (e === s + 1 && line.charCodeAt(s) === 45)) return null;
  return parseDigits(line, s, e);
}

/**
 * Seconds with a decimal fraction ("0.000073", "12.5") in field k → milliseconds (microsecond precision);
 * null for "-", "-1" and empty; NaN for garbage.
 */
export function fieldSecondsMs(line: string, off: Int32Array, k: number): number | null {
  const s = off[2 * k] ?? 0;
  const e = (off[2 * k + 1] ?? 0) & ~ESCAPED;
  if (e <= s) return null;
  if (line.charCodeAt(s) === 45) return e === s + 1 || (e === s + 2 && line.charCodeAt(s + 1) === 49) ? null : Number.NaN;
  let whole = 0;
  let i = s;
  for (; i < e; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    whole = whole * 10 + d;
  }
  let micros = 0;
  if (i < e && line.charCodeAt(i) === 46) {
    let scale = 100_000;
    for (i++; i < e; i++) {
      const d = line.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return Number.NaN;
      micros += d * scale;
      scale /= 10;
    }
    micros = Math.round(micros);
  }
  if (i !== e) return Number.NaN;
  return whole * 1000 + micros / 1000;
}

/** True when field k equals `text` exactly. */
export function fieldIs(line: string, off: Int32Array, k: number, text: string): boolean {
  const s = off[2 * k] ?? 0;
  const e = (off[2 * k + 1] ?? 0) & ~ESCAPED;
  return e - s === text.length && line.startsWith(text, s);
}

/** True when field k was written in double quotes. */
export function fieldQuoted(line: string, off: Int32Array, k: number): boolean {
  const s = off[2 * k] ?? 0;
  return s > 0 && line.charCodeAt(s - 1) === 34;
}

/** The ISO time of field k (as isoToEpochMs of its text, without the substring). */
export function fieldIso(line: string, f: Int32Array, k: number): number {
  return isoToEpochMsAt(line, f[2 * k] ?? 0, Math.min(f[2 * k + 1] ?? 0, line.length));
}
