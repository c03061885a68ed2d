/**
 * Declared formats as data: the entries of a --format-file, `{"name", "dialect", "layout"}` for a text layout or
 * `{"name", "json"}` for a JSON table, read into FormatSpecs and written back. A report keeps its run's declared
 * formats (--log-format, --format-file) as such entries in `options.layouts` (a JSON list, text like every option),
 * so that a saved report is rendered later with the formats its inputs were read with (evidence lines), and
 * checked when it is loaded (report/parse.ts).
 */
import { LbuaError } from '../../core/types';
import { DIALECTS, type Dialect } from './dialects';
import { compileLayout } from './compile';
import { compileJsonLayout, JsonTableError } from '../json/engine';
import { formatSet, getFormat, type FormatSet, type FormatSpec } from '../registry';

/** An entry that is not a declared format, or a list of them that cannot be one run's: what is wrong, in one line. */
export class FormatSpecError extends Error {}

/** A declared format's name: lowercase letters, digits, - and _ (it is also an id in the report). */
export const FORMAT_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

const isDialect = (s: string): s is Dialect => (DIALECTS as readonly string[]).includes(s);

/** A --format-file entry as a FormatSpec (not compiled). `at` names the entry in messages. Throws FormatSpecError. */
export function specFromEntry(entry: unknown, at: string): FormatSpec {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new FormatSpecError(`${at} is not an object`);
  const e = entry as Record<string, unknown>;
  const name = e['name'];
  if (typeof name !== 'string' || !FORMAT_NAME.test(name)) throw new FormatSpecError(`${at}.name must be a lowercase name (letters, digits, - and _), got ${JSON.stringify(name)}`);
  if ('json' in e) return { id: name, json: e['json'] };
  const dialect = e['dialect'];
  const layout = e['layout'];
  if (typeof dialect !== 'string' || !isDialect(dialect)) throw new FormatSpecError(`${at}.dialect must be one of ${DIALECTS.join(', ')}, got ${JSON.stringify(dialect)}`);
  if (typeof layout !== 'string') throw new FormatSpecError(`${at}.layout must be a string`);
  return { id: name, dialect, layout };
}

/** The value of a report's `options.layouts`: the declared formats as --format-file entries (null: none declared). */
export function layoutsOption(specs: readonly FormatSpec[] | undefined): string | null {
  if (specs === undefined || specs.length === 0) return null;
  return JSON.stringify(specs.map((s) => ('json' in s ? { name: s.id, json: s.json } : { name: s.id, dialect: s.dialect, layout: s.layout })));
}

/**
 * The declared formats of a report's `options.layouts` (absent or null: none), each compiled once to check it, with
 * names that are neither a built-in format's nor used twice. Throws FormatSpecError saying what is wrong.
 */
export function layoutsOfOption(value: unknown): FormatSpec[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'string') throw new FormatSpecError('is not a string (a JSON list of declared formats)');
  let list: unknown;
  try {
    list = JSON.parse(value);
  } catch {
    throw new FormatSpecError('is not a JSON list of declared formats');
  }
  if (!Array.isArray(list)) throw new FormatSpecError('is not a JSON list of declared formats');
  const seen = new Set<string>();
  return list.map((entry, i) => {
    const spec = specFromEntry(entry, `[${i}]`);
    if (getFormat(spec.id) !== undefined) throw new FormatSpecError(`[${i}]: "${spec.id}" is the name of a built-in format`);
    if (seen.has(spec.id)) throw new FormatSpecError(`[${i}]: the name "${spec.id}" is used twice`);
    seen.add(spec.id);
    try {
      if ('json' in spec) compileJsonLayout(spec);
      else compileLayout(spec, `[${i}]`);
    } catch (e) {
      if (e instanceof JsonTableError) throw new FormatSpecError(`[${i}]: JSON table "${spec.id}": ${e.message}`);
      if (e instanceof LbuaError) throw new FormatSpecError(e.diagnostic.message);
      throw e;
    }
    return spec;
  });
}

/** The formats a report's inputs were read with: the built-in ones and those its options declare (checked on load). */
export function reportFormats(options: { readonly [k: string]: unknown } | null | undefined): FormatSet {
  try {
    return formatSet(layoutsOfOption(options?.['layouts']));
  } catch (e) {
    // A report that was not checked (an HTML render of a partial document): its evidence is read by built-in formats.
    if (e instanceof FormatSpecError) return formatSet();
    throw e;
  }
}
