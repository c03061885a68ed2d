/**
 * The user's own log layouts: `--log-format 'nginx:<log_format string>'` (also apache:, haproxy:, envoy:; a name
 * first, `shop=nginx:...`, names the format), and `--format-file my-formats.json`:
 *   { "formats": [ { "name": "shop", "dialect": "nginx", "layout": "$remote_addr ..." }, ... ] }
 * or, for a JSON-lines log, a table from JSON paths to record fields (formats/json/engine.ts):
 *   { "name": "edge", "json": { "all": ["ts", "req.uri"], "fields": [{ "field": "startMs", "path": "ts" }, ...] } }
 * Each becomes a format usable as --format NAME and by auto-detection (formats/layout/). Every layout is compiled
 * here, so a layout that cannot be is a one-line error naming the column, exit 2, before any input is read.
 */
import { readFileSync } from 'node:fs';
import { fail } from '../core/types';
import { getFormat, type FormatSpec } from '../formats/registry';
import { compileJsonLayout, JsonTableError } from '../formats/json/engine';
import { compileLayout, type LayoutSpec } from '../formats/layout/compile';
import { DIALECTS, type Dialect } from '../formats/layout/dialects';
import { FormatSpecError, specFromEntry } from '../formats/layout/specs';

const isDialect = (s: string): s is Dialect => (DIALECTS as readonly string[]).includes(s);

/** The layouts of --log-format values (in order) and of a --format-file, compiled once to check them. */
export function parseLayouts(logFormats: readonly string[], formatFile: string | undefined): FormatSpec[] {
  const specs: FormatSpec[] = [];
  const taken = new Set<string>();
  const add = (spec: FormatSpec, what: string): void => {
    if (getFormat(spec.id) !== undefined) fail('OPTION_INVALID', `${what}: "${spec.id}" is the name of a built-in format; choose another`);
    if (taken.has(spec.id)) fail('OPTION_INVALID', `${what}: the name "${spec.id}" is used twice`);
    if ('json' in spec) {
      try {
        compileJsonLayout(spec);
      } catch (e) {
        if (e instanceof JsonTableError) fail('OPTION_INVALID', `${what}: JSON table "${spec.id}": ${e.message}`);
        throw e;
      }
    } else compileLayout(spec, what);
    taken.add(spec.id);
    specs.push(spec);
  };
  for (const v of logFormats) {
    const m = /^(?:([a-z][a-z0-9_-]{0,39})=)?(nginx|apache|haproxy|envoy):/.exec(v);
    if (!m) fail('OPTION_INVALID', `--log-format must look like nginx:<log_format>, apache:<LogFormat>, haproxy:<log-format> or envoy:<format> (optionally NAME= first), got ${JSON.stringify(v.slice(0, 60))}`);
    const dialect = m[2] ?? '';
    if (!isDialect(dialect)) continue;
    let id = m[1] ?? `${dialect}-layout`;
    if (m[1] === undefined) for (let n = 2; taken.has(id); n++) id = `${dialect}-layout-${n}`;
    add({ id, dialect, layout: v.slice(m[0].length) }, '--log-format');
  }
  if (formatFile !== undefined) for (const spec of readFormatFile(formatFile)) add(spec, `--format-file ${formatFile}`);
  return specs;
}

function readFormatFile(path: string): FormatSpec[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return fail('INPUT_UNREADABLE', `--format-file ${path}: ${e instanceof SyntaxError ? `not JSON (${e.message})` : `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`}`);
  }
  const list = Array.isArray(json) ? json : typeof json === 'object' && json !== null && Array.isArray((json as { formats?: unknown }).formats) ? (json as { formats: unknown[] }).formats : null;
  if (list === null) return fail('OPTION_INVALID', `--format-file ${path}: expected {"formats": [{"name", "dialect", "layout"} or {"name", "json"}, ...]}`);
  return list.map((entry, i): FormatSpec => {
    try {
      return specFromEntry(entry, `--format-file ${path}: formats[${i}]`);
    } catch (e) {
      if (e instanceof FormatSpecError) return fail('OPTION_INVALID', e.message);
      throw e;
    }
  });
}
