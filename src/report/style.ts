/** The only module that imports chalk. Colour is on only when the caller says so (TTY, no NO_COLOR, no --no-color). */
import chalk from 'chalk';
import { stripControl } from '../core/text';

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
  const clean = stripControl(s.replace(/[\r\n\t]/g, ' '));
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Whether colour should be used on a stream. */
export function colorEnabled(stream: { isTTY?: boolean }, noColorFlag: boolean): boolean {
  if (noColorFlag) return false;
  const nc = process.env['NO_COLOR'];
  if (nc !== undefined && nc !== '') return false;
  if (process.env['FORCE_COLOR'] !== undefined && process.env['FORCE_COLOR'] !== '0') return true;
  return stream.isTTY === true;
}
