/**
 * Single-pass tokenizer for space-separated lines with double-quoted fields (ALB, ELB, nginx, CLF, HAProxy).
 * - Quoted fields are returned without their quotes; a backslash escapes the next character
 *   (Apache writes `\"`; nginx writes `\x22`, which stays as text).
 * - A closing quote not followed by a space still ends the field (ALB's `"-"1` corpus quirk).
 * - Runs of spaces between fields count as one separator.
 * Uses String#indexOf (vectorized in V8) to find delimiters instead of a per-character loop.
 * Returns null when a quote is not closed.
 */
import { closingQuote } from './scan';
export function tokenize(line: string, maxFields = 64): string[] | null {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n && out.length < maxFields) {
    const c = line.charCodeAt(i);
    if (c === 32) {
      i++;
      continue;
    }
    if (c === 34 /* " */) {
      const start = i + 1;
      let j = line.indexOf('"', start);
      if (j < 0) return null;
      if (line.charCodeAt(j - 1) === 92 /* \ */) {
        j = closingQuote(line, start);
        if (j < 0) return null;
        out.push(unescapeQuoted(line.slice(start, j)));
      } else {
        out.push(line.slice(start, j));
      }
      i = j + 1;
      continue;
    }
    let j = line.indexOf(' ', i + 1);
    if (j < 0) j = n;
    out.push(line.slice(i, j));
    i = j;
  }
  if (i < n && line.slice(i).trim() !== '') out.push(line.slice(i).trim());
  return out;
}

/** Undoes `\"` and `\\` (Apache); leaves `\xHH` sequences as written. */
function unescapeQuoted(s: string): string {
  return s.replace(/\\(["\\])/g, '$1');
}

/** `-` or empty means "not logged". */
export function dash(s: string | undefined): string | null {
  return s === undefined || s === '-' || s === '' ? null : s;
}
