/**
 * Log-derived text made safe for markdown (the digest of `--output markdown`), for the renderers it is read in:
 * GitHub (CommonMark + GFM tables, autolinks, math), Slack and mail clients. Log values are hostile: a path such as
 * `/a|b*<script>` or `[x](http://evil)` must not add a table cell, a link, emphasis or raw HTML.
 *
 * Two forms:
 * - {@link mdText} for running text (titles, actions): on one line, control characters stripped, every character
 *   with a meaning escaped with a backslash (CommonMark allows it before any ASCII punctuation), and the starts of
 *   GFM autolinks (`://`, `www.`, `@`) broken.
 * - {@link mdCode} for a value on its own (an address, an endpoint, a file name): a code span, in which nothing is
 *   interpreted (no links, mentions, emphasis or HTML), fenced by more backticks than the value holds.
 * Both escape `|` as `\|`, which GFM tables read as a literal pipe (also inside code spans), so a value cannot split
 * a cell; outside a table mdText escapes it the same way and mdCode replaces it only when `inTable`.
 */
import { oneLine } from '../core/text';

/** Characters escaped in running text: inline markup, HTML, entities, table cells, GitHub math. */
const SPECIAL = /[\\`*_[\]<>|&~$]/g;

/** `s` cut to `max` characters (on one line), with an ellipsis. */
function cut(s: string, max: number): string {
  const clean = oneLine(s);
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Running text that reads as itself in markdown: one line, at most `max` characters, nothing interpreted. */
export function mdText(s: string, max = 300): string {
  return cut(s, max)
    .replace(SPECIAL, (c) => `\\${c}`)
    // GFM autolinks: "http://…", "www.…" and "a@b.c" (also GitHub mentions) start no link once broken.
    .replace(/:\/\//g, '\\://')
    .replace(/\b(www)\./gi, '$1\\.')
    .replace(/@/g, '\\@');
}

/**
 * A value as a code span: one line, at most `max` characters, fenced by one backtick more than its longest run of
 * backticks (padded with spaces when it starts or ends with one). `inTable`: pipes escaped for a GFM table cell.
 */
export function mdCode(s: string, max = 120, inTable = false): string {
  let v = cut(s, max);
  if (v === '') return '-';
  if (inTable) v = v.replace(/\|/g, '\\|');
  let longest = 0;
  for (const run of v.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = v.startsWith('`') || v.endsWith('`') || (v.startsWith(' ') && v.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${v}${pad}${fence}`;
}

/**
 * A link destination for a relative file path: each segment percent-encoded (spaces, parentheses, `<`, `>` and
 * non-ASCII all become %XX), so no file name can end the link early or become markup.
 */
export function mdHref(path: string): string {
  return path.split('/').map((seg) => encodeURIComponent(seg).replace(/[()'*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
}
