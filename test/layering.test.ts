/**
 * The layout rule of the README ("Layout"): src/ is shaped like the pipeline, input → formats → enrich → sessions →
 * profile/detect → report, with core/ shared by all. A folder imports core/ and the folders before it in the
 * pipeline, never one after it; profile/ and detect/ do not import each other; report/ gets what profiles and
 * detectors found through the report's types (core/report-types.ts), not from profile/ or detect/; the top-level
 * pipeline files (pipeline*.ts, analysis*.ts, ...) wire the folders; only cli/ imports cli/.
 *
 * Every relative import of every src/**\/*.ts file is checked (static `import`/`export … from`, `import '…'`,
 * `import(…)` and `require(…)`, type-only imports included) against the table below.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ROOT } from './helpers/cli';

const SRC = join(ROOT, 'src');

/** A folder of src/, or 'top' for the files directly in src/ (the pipeline and analysis wiring, diagnostics, version). */
type Area = 'core' | 'input' | 'formats' | 'enrich' | 'sessions' | 'aggregate' | 'profile' | 'detect' | 'report' | 'generate' | 'live' | 'engine' | 'cli' | 'top';

const PIPELINE: readonly Area[] = ['input', 'formats', 'enrich', 'sessions'];

/** What each area may import besides itself. Written out in full, from the README's layout text. */
const ALLOWED: Readonly<Record<Area, readonly Area[]>> = {
  // core/ is shared by everyone and imports nothing from src/ outside core/.
  core: [],
  // The pipeline: each stage may use core/ and the stages before it.
  input: ['core'],
  formats: ['core', 'input'],
  enrich: ['core', 'input', 'formats'],
  sessions: ['core', 'input', 'formats', 'enrich'],
  // aggregate/ holds the mergeable state records and sessions are counted into; profiles and detectors judge it.
  aggregate: ['core', ...PIPELINE],
  // profile/ and detect/ sit side by side after aggregate/: neither imports the other.
  profile: ['core', ...PIPELINE, 'aggregate'],
  detect: ['core', ...PIPELINE, 'aggregate'],
  // report/ renders the report document: its types are in core/, so it needs nothing from profile/ or detect/.
  report: ['core', ...PIPELINE],
  // `lbua generate` writes synthetic logs (tests, benchmarks): core/ and enrich/'s address helpers.
  generate: ['core', 'enrich'],
  // The top-level files run the pipeline: every folder but cli/.
  top: ['core', ...PIPELINE, 'aggregate', 'profile', 'detect', 'report', 'generate'],
  // `lbua watch` runs the analysis along time (the top-level task and join judge each window): it reads what the
  // run does, never cli/; only cli/ imports it.
  live: ['core', ...PIPELINE, 'aggregate', 'detect', 'report', 'top'],
  // `lbua export` writes normalized records into an SQL engine (DuckDB, Parquet): it reads as the pipeline reads,
  // never what profiles or detectors make of it; only cli/ imports it. `lbua analyze --engine` counts the partitions
  // it reads back with the top-level task core and join, in their evidence order (aggregate/types.ts).
  engine: ['core', 'input', 'formats', 'enrich', 'aggregate', 'top'],
  // cli/ wires options to everything; nothing but cli/ imports it.
  cli: ['core', ...PIPELINE, 'aggregate', 'profile', 'detect', 'report', 'generate', 'live', 'engine', 'top'],
};

/** Every .ts file under `dir`. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Module specifiers a source text imports, re-exports or requires. */
export function specifiers(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((re) => [...source.matchAll(re)].map((m) => m[1] ?? ''));
}

/** The area of a path under src/ (relative, with '/' separators). */
function areaOf(rel: string): string {
  const parts = rel.split('/');
  return parts.length === 1 ? 'top' : (parts[0] ?? '');
}

function isArea(a: string): a is Area {
  return Object.hasOwn(ALLOWED, a);
}

/** Every relative import in src/ as [importing file, imported path], both relative to src/. */
function imports(): [string, string][] {
  return tsFiles(SRC).flatMap((file) =>
    specifiers(readFileSync(file, 'utf8'))
      .filter((s) => s.startsWith('.'))
      .map((s): [string, string] => [relative(SRC, file).split(sep).join('/'), relative(SRC, resolve(dirname(file), s)).split(sep).join('/')]));
}

describe('layering of src/', () => {
  it('finds the import forms it checks', () => {
    const src = [
      "import { a } from './a';",
      "import type {\n  B,\n  C,\n} from '../b';",
      "export { d } from './d';",
      "export * from '../e';",
      "import './f';",
      "const g = require('./g');",
      "const h = await import('./h');",
    ].join('\n');
    expect(specifiers(src).sort()).toEqual(['../b', '../e', './a', './d', './f', './g', './h']);
    expect(imports().length).toBeGreaterThan(300);
  });

  it('knows every folder of src/', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !isArea(f))).toEqual([]);
  });

  it('has no import that crosses the layering', () => {
    const violations = imports().flatMap(([from, to]) => {
      const a = areaOf(from);
      const b = areaOf(to);
      if (to.startsWith('..')) return [`${from} imports ${to}, outside src/`];
      if (!isArea(a) || !isArea(b)) return [`${from} → ${to}: unknown folder`];
      return a === b || ALLOWED[a].includes(b) ? [] : [`${from} imports ${to} (${a}/ may import ${ALLOWED[a].join(', ') || 'nothing outside itself'})`];
    });
    expect(violations).toEqual([]);
  });
});
