/** The only module that imports chalk. Colour is on only when the caller says so (TTY, no NO_COLOR, no --no-color). */
import chalk from 'chalk';
import Table from 'cli-table3';
import { oneLine } from '../core/text';
import { maxOf } from '../core/arrays';
import { boundedShare } from '../core/units';

/** Styling functions; identity when colour is off. */
export interface Style {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly green: (s: string) => string;
  readonly cyan: (s: string) => string;
  readonly magenta: (s: string) => string;
}

/** A style for the given colour setting. */
export function makeStyle(color: boolean): Style {
  if (!color) {
    const id = (s: string): string => s;
    return { bold: id, dim: id, red: id, yellow: id, green: id, cyan: id, magenta: id };
  }
  const c = new chalk.Instance({ level: 1 });
  return { bold: c.bold, dim: c.dim, red: c.red, yellow: c.yellow, green: c.green, cyan: c.cyan, magenta: c.magenta };
}

/** Log-derived text made safe for a terminal: control characters stripped, cut to `max` characters. */
export function safe(s: string | null | undefined, max = 80): string {
  if (s === null || s === undefined) return '-';
  const clean = oneLine(s);
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Like safe(), but a long text keeps its end (file paths: the file name is the part that tells them apart). */
export function safeTail(s: string | null | undefined, max = 80): string {
  if (s === null || s === undefined) return '-';
  const clean = oneLine(s);
  return clean.length > max ? `…${clean.slice(clean.length - max + 1)}` : clean;
}

/** Whether colour should be used on a stream. */
export function colorEnabled(stream: { isTTY?: boolean }, noColorFlag: boolean): boolean {
  if (noColorFlag) return false;
  const nc = process.env['NO_COLOR'];
  if (nc !== undefined && nc !== '') return false;
  if (process.env['FORCE_COLOR'] !== undefined && process.env['FORCE_COLOR'] !== '0') return true;
  return stream.isTTY === true;
}

/** Rows collected for a terminal table; rendered by toString(). */
export interface TextTable {
  push(row: string[]): void;
  toString(): string;
}

/** A formatted number ("1,234", "12.5", "3.1%"); an IPv4 address is not one. */
const NUMERIC = /^[-+]?\d{1,3}(?:,\d{3})*(?:\.\d+)?%?$|^[-+]?\d+(?:\.\d+)?%?$/;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Visible width of text (colour codes do not count). */
export const visible = (s: string): number => s.replace(ANSI, '').length;

/**
 * Words of `text` in lines of at most `width` visible characters, `next` for the lines after the first (a word
 * longer than that gets a line of its own).
 */
export function wrapWords(text: string, width: number, next = width): string[] {
  const out: string[] = [];
  let cur = '';
  for (const word of text.split(' ')) {
    const joined = cur === '' ? word : `${cur} ${word}`;
    if (cur !== '' && visible(joined) > (out.length === 0 ? width : next)) {
      out.push(cur);
      cur = word;
    } else cur = joined;
  }
  if (cur !== '') out.push(cur);
  return out;
}

/** `s` cut to `w` visible characters with "…" (colour codes are dropped from a cut cell). */
function cut(s: string, w: number): string {
  if (visible(s) <= w) return s;
  const plain = s.replace(ANSI, '');
  return `${plain.slice(0, Math.max(0, w - 1))}…`;
}

/**
 * Column widths that fit `maxWidth` (borders and padding included). Numbers are never cut. The widest text columns
 * are narrowed first, down to 24 characters (or their header); then columns are hidden from the right (at least
 * two stay); only then are text columns narrowed further, down to 8. Returns the widths of the columns kept.
 */
function fitColumns(natural: readonly number[], numeric: readonly boolean[], head: readonly string[], maxWidth: number): number[] {
  const w = [...natural];
  const total = (): number => w.reduce((a, x) => a + x + 2, 0) + w.length + 1;
  const narrow = (least: number): void => {
    const floor = (c: number): number => Math.min(natural[c] ?? 0, Math.max(least, (head[c] ?? '').length));
    while (total() > maxWidth) {
      let widest = -1;
      for (let c = 0; c < w.length; c++) if (!numeric[c] && (w[c] ?? 0) > floor(c) && (widest < 0 || (w[c] ?? 0) > (w[widest] ?? 0))) widest = c;
      if (widest < 0) return;
      w[widest] = (w[widest] ?? 0) - 1;
    }
  };
  narrow(24);
  while (total() > maxWidth && w.length > 2) w.pop();
  narrow(8);
  return w;
}

/**
 * A terminal table: a rule under the header row (when there is one), none between data rows, no colour codes of its
 * own. Columns whose cells are all numbers (or "-") are right-aligned, so magnitudes line up. With `maxWidth` (the
 * terminal's width) a wider table is narrowed to fit (fitColumns), and hidden columns are named under it.
 */
export function textTable(head: string[] = [], maxWidth = Number.POSITIVE_INFINITY): TextTable {
  const rows: string[][] = [];
  return {
    push: (row) => void rows.push(row),
    toString: () => {
      const width = Math.max(head.length, maxOf(rows.map((r) => r.length), 0));
      const colAligns: ('left' | 'right')[] = [];
      const natural: number[] = [];
      for (let c = 0; c < width; c++) {
        const cells = rows.map((r) => (r[c] ?? '').replace(ANSI, ''));
        const numeric = cells.some((x) => NUMERIC.test(x)) && cells.every((x) => x === '-' || x === '' || NUMERIC.test(x));
        colAligns.push(numeric ? 'right' : 'left');
        natural.push(Math.max(visible(head[c] ?? ''), ...rows.map((r) => visible(r[c] ?? ''))));
      }
      const fit = Number.isFinite(maxWidth) ? fitColumns(natural, colAligns.map((a) => a === 'right'), head, maxWidth) : natural;
      const kept = fit.length;
      // A key/value table (no header) wraps its narrowed values; a table with a header cuts them with "…".
      const wrap = head.length === 0 && fit.some((x, c) => x < (natural[c] ?? 0));
      const shape = (r: readonly string[]): string[] => r.slice(0, kept).map((x, c) => (!wrap && (fit[c] ?? 0) < (natural[c] ?? 0) ? cut(x, fit[c] ?? 0) : x));
      const t = new Table({
        head: shape(head), colAligns: colAligns.slice(0, kept), style: { head: [], border: [], compact: true },
        ...(wrap ? { colWidths: fit.map((x) => x + 2), wordWrap: true } : {}),
      });
      for (const r of rows) t.push(shape(r));
      const hidden = head.slice(kept);
      if (kept === width) return t.toString();
      const note = `(${hidden.length > 0 ? `hidden at this width: ${hidden.join(', ')}` : `${width - kept} more columns hidden at this width`}; --output json has them)`;
      return [t.toString(), ...wrapWords(note, Math.max(20, maxWidth - 2)).map((l) => `  ${l}`)].join('\n');
    },
  };
}

/** A section heading. */
export function heading(st: Style, title: string): string {
  return `\n${st.bold(st.cyan(title))}`;
}

/**
 * A share (0..1) as a percentage with one decimal. A share that is not zero never reads "0.0%" and one short of
 * everything never reads "100.0%": 3 server errors in 10,000 requests are "<0.1%", not nothing.
 */
export function percent(share: number): string {
  return boundedShare(share, 1) ?? `${(share * 100).toFixed(1)}%`;
}
