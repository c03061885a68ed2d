/**
 * Offset scanner for the text formats whose fields are words, "quoted strings", [bracketed] and {braced} groups
 * (Apache/NCSA, nginx, HAProxy). One pass over the line; it records each field's [start, end) in an Int32Array
 * (the layout of scan.ts, so fieldText/fieldInt/fieldSecondsMs work on it) and its kind in a Uint8Array, without
 * creating substrings: a parser slices only the fields it keeps.
 *
 * Rules: fields are separated by runs of spaces or tabs. `"..."` may contain backslash escapes (Apache `\"`; nginx
 * writes `\x22`, which stays as text); the field is then flagged ESCAPED (see scan.ts) and fieldText undoes `\"` and
 * `\\`. A closing quote need not be followed by a space. `[...]` and `{...}` end at the first closing bracket and
 * are a group only when they start a field and the bracket is followed by a space or the end (an IPv6
 * `[::1]:80` stays one word).
 */
import { ESCAPED, closingQuote } from './scan';

/** Field kinds stored in the kinds array. */
export const WORD = 0;
/** A double-quoted field (offsets exclude the quotes). */
export const QUOTED = 1;
/** A `[...]` group (offsets exclude the brackets). */
export const BRACKETED = 2;
/** A `{...}` group (offsets exclude the braces). */
export const BRACED = 3;
/** A quoted field cut off by the end of the line (no closing quote): real logs get truncated inside the last field. */
export const CUT = 4;

/** Scratch space for one scan: offsets (pairs) and kinds, sized for `max` fields. */
export interface GroupScan {
  readonly off: Int32Array;
  readonly kinds: Uint8Array;
}

/** Allocates scratch space for at most `max` fields; parsers keep one at module scope (parsing is synchronous). */
export function groupScan(max: number): GroupScan {
  return { off: new Int32Array(2 * max), kinds: new Uint8Array(max) };
}

/**
 * Scans `line` into `g`. Returns the number of fields (at most g.kinds.length; the rest of the line is ignored), or
 * -1 when a bracket group is not closed or a quote is not closed and is not the last field. A quote opened in the
 * last field runs to the end of the line and is marked CUT.
 */
export function scanGroupFields(line: string, g: GroupScan): number {
  const { off, kinds } = g;
  const n = line.length;
  const max = kinds.length;
  let i = 0;
  let k = 0;
  // Next backslash at or after i (found lazily, so the line is searched once in total).
  let bs = -2;
  while (i < n && k < max) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    if (c === 34 /* " */) {
      if (bs !== -1 && bs <= i) bs = line.indexOf('\\', i + 1);
      let j = line.indexOf('"', i + 1);
      let flag = 0;
      if (bs > i && (j < 0 || bs < j)) {
        // Backslashes inside: find the real closing quote and let fieldText undo `\"` and `\\`.
        j = closingQuote(line, i + 1);
        flag = ESCAPED;
      }
      if (j < 0) {
        // Unbalanced: acceptable only for the last field (a cut line), not when more fields follow.
        if (line.indexOf(' "', i + 1) >= 0 && line.indexOf('" ', i + 1) >= 0) return -1;
        off[2 * k] = i + 1;
        off[2 * k + 1] = n | flag;
        kinds[k] = CUT;
        return k + 1;
      }
      off[2 * k] = i + 1;
      off[2 * k + 1] = j | flag;
      kinds[k] = QUOTED;
      k++;
      i = j + 1;
      continue;
    }
    if (c === 91 /* [ */ || c === 123 /* { */) {
      const close = line.indexOf(c === 91 ? ']' : '}', i + 1);
      if (close < 0) return -1;
      const after = close + 1 < n ? line.charCodeAt(close + 1) : 32;
      if (after === 32 || after === 9) {
        off[2 * k] = i + 1;
        off[2 * k + 1] = close;
        kinds[k] = c === 91 ? BRACKETED : BRACED;
        k++;
        i = close + 1;
        continue;
      }
    }
    let j = i + 1;
    while (j < n) {
      const d = line.charCodeAt(j);
      if (d === 32 || d === 9) break;
      j++;
    }
    off[2 * k] = i;
    off[2 * k + 1] = j;
    kinds[k] = WORD;
    k++;
    i = j;
  }
  return k;
}

/** Start offset of field k. */
export function fieldStart(off: Int32Array, k: number): number {
  return off[2 * k] ?? 0;
}

/** End offset of field k (escape flag removed). */
export function fieldEnd(off: Int32Array, k: number): number {
  return (off[2 * k + 1] ?? 0) & ~ESCAPED;
}

/** Raw text of field k (no unescaping; "-" kept). */
export function fieldRaw(line: string, off: Int32Array, k: number): string {
  return line.slice(off[2 * k] ?? 0, (off[2 * k + 1] ?? 0) & ~ESCAPED);
}

/** True when field k is a word that ends with `ch` (e.g. "," in "10.0.0.2, 10.0.0.1"). */
export function fieldEndsWith(line: string, off: Int32Array, k: number, ch: number): boolean {
  const e = fieldEnd(off, k);
  return e > fieldStart(off, k) && line.charCodeAt(e - 1) === ch;
}
