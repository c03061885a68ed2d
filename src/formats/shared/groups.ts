/**
 * Tokenizer for the text formats whose fields are words, "quoted strings", [bracketed] and {braced} groups
 * (Apache/NCSA, nginx, HAProxy). Each token keeps its kind so parsers can tell a quoted "-" from a word.
 * Rules: `"..."` may contain backslash escapes (Apache `\"`, nginx `\x22` kept as text); `[...]` and `{...}` end at
 * the first closing bracket and only count as a group when they start a token (an IPv6 `[::1]:80` followed by
 * a port stays one word). A closing quote need not be followed by a space.
 */

/** Kind of a token: word, quoted, bracketed, braced. */
export type TokenKind = 'w' | 'q' | 'b' | 'c';

/** A token: its text (without delimiters, escapes undone for quotes) and kind. */
export interface Token {
  readonly text: string;
  readonly kind: TokenKind;
  /** A quoted field cut off by the end of the line (no closing quote). */
  readonly cut?: boolean;
}

/**
 * Splits a line into tokens; returns null when a quote or group is not closed — except a quote opened in the
 * last field, which runs to the end of the line (real logs get cut inside the user agent) and is marked `cut`.
 */
export function scanGroups(line: string): Token[] | null {
  const out: Token[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    if (c === 34) {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        if (j >= n) {
          if (line.indexOf(' "', i + 1) >= 0 && line.indexOf('" ', i + 1) >= 0) return null;
          out.push({ text: line.slice(i + 1), kind: 'q', cut: true });
          return out;
        }
        const d = line.charCodeAt(j);
        if (d === 92) {
          escaped = true;
          j += 2;
          continue;
        }
        if (d === 34) break;
        j++;
      }
      const raw = line.slice(i + 1, j);
      out.push({ text: escaped ? raw.replace(/\\(["\\])/g, '$1') : raw, kind: 'q' });
      i = j + 1;
      continue;
    }
    if (c === 91 || c === 123) {
      const close = line.indexOf(c === 91 ? ']' : '}', i + 1);
      if (close < 0) return null;
      const after = line.charCodeAt(close + 1);
      if (close + 1 >= n || after === 32 || after === 9) {
        out.push({ text: line.slice(i + 1, close), kind: c === 91 ? 'b' : 'c' });
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
    out.push({ text: line.slice(i, j), kind: 'w' });
    i = j;
  }
  return out;
}
