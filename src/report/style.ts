/** The only module that imports chalk. Colour is on only when the caller says so (TTY, no NO_COLOR, no --no-color). */
import chalk from 'chalk';
import Table from 'cli-table3';
import { oneLine } from '../core/text';

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

/**
 * A terminal table: a rule under the header row (when there is one), none between data rows, no colour codes of its
 * own. Columns whose cells are all numbers (or "-") are right-aligned, so magnitudes line up.
 */
export function textTable(head: string[] = []): TextTable {
  const rows: string[][] = [];
  return {
    push: (row) => void rows.push(row),
    toString: () => {
      const width = Math.max(head.length, ...rows.map((r) => r.length));
      const colAligns: ('left' | 'right')[] = [];
      for (let c = 0; c < width; c++) {
        const cells = rows.map((r) => (r[c] ?? '').replace(ANSI, ''));
        const numeric = cells.some((x) => NUMERIC.test(x)) && cells.every((x) => x === '-' || x === '' || NUMERIC.test(x));
        colAligns.push(numeric ? 'right' : 'left');
      }
      const t = new Table({ head, colAligns, style: { head: [], border: [], compact: true } });
      for (const r of rows) t.push(r);
      return t.toString();
    },
  };
}

/** A section heading. */
export function heading(st: Style, title: string): string {
  return `\n${st.bold(st.cyan(title))}`;
}
