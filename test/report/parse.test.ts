/**
 * parseReport: reports from real runs (bundled sample, a generated log with every incident, with and without geo,
 * --summary-only, every format fixture) pass and round-trip byte for byte; mutated ones are rejected with one line
 * naming the file and the JSON path of the bad field, never a crash; whatever it accepts the reporters render; and
 * `lbua report` exits 2 on a bad one.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { LbuaError } from '../../src/core/types';
import { parseReport } from '../../src/report/parse';
import { REPORTERS } from '../../src/report/registry';
import type { Report } from '../../src/report/types';
import { lbua, ROOT } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const tmp = tempDir('lbua-parse-');
const generated = join(tmp, 'incidents.log.gz');
const gen = lbua(['generate', '--seed', '1', '--hours', '1', '--incident', 'all', '-o', generated]);
const sample = join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz');
const fixtures = readdirSync(join(ROOT, 'fixtures', 'formats')).flatMap((d) =>
  readdirSync(join(ROOT, 'fixtures', 'formats', d)).filter((f) => f.endsWith('.log')).map((f) => join(ROOT, 'fixtures', 'formats', d, f)));

/** Saved reports of real runs, as the text `--output json` wrote. */
const RUNS: readonly (readonly [string, readonly string[]])[] = [
  ['bundled sample', [sample]],
  ['generated incidents', [generated]],
  ['generated incidents, no geo', [generated, '--no-geo']],
  ['generated incidents, --summary-only', [generated, '--summary-only']],
  ['every format fixture', fixtures],
];
const saved = new Map<string, string>();
// The first run spawned (bin/lbua.js: what a user's shell gets), the others main() in this process.
beforeAll(async () => {
  for (const [i, [name, args]] of RUNS.entries()) {
    const argv = ['analyze', '--jobs', '1', '--output', 'json', ...args];
    saved.set(name, (i === 0 ? lbua(argv) : await lbuaIn(argv)).stdout);
  }
});

function text(name: string): string {
  return saved.get(name) ?? '';
}

/** The report's top-level keys, in the order the analysis writes them (typed: each must be a field of Report). */
const REPORT_KEYS: readonly (keyof Report)[] = ['schema', 'tool', 'options', 'inputs', 'summary', 'top', 'sessions', 'profiles', 'timeline', 'geo', 'warnings', 'warnings_total', 'detectors_run', 'findings', 'incidents'];

/** The error parseReport throws for `doc`, or null when it accepts it. */
function rejection(doc: unknown): LbuaError | null {
  try {
    parseReport(doc, 'saved.json');
    return null;
  } catch (e) {
    if (e instanceof LbuaError) return e;
    throw e;
  }
}

describe('parseReport on reports from real runs', () => {
  it('has them', () => {
    expect(gen.code).toBe(0);
    for (const [name] of RUNS) expect(text(name)).toMatch(/^\{\n {2}"schema": "lbua\.report\/1"/);
  });

  it.each(RUNS.map(([name]) => name))('%s: accepted, and the JSON reporter writes it back byte for byte', (name) => {
    const doc: unknown = JSON.parse(text(name));
    const report = parseReport(doc, `${name}.json`);
    expect(report).toEqual(doc);
    expect(REPORTERS.json.render(report, { color: false, columns: 120, evidence: false })).toBe(text(name));
  });

  it.each(RUNS.map(([name]) => name))('%s: every section is one the Report type declares', (name) => {
    const keys = Object.keys(JSON.parse(text(name)) as object);
    expect(keys.filter((k) => !(REPORT_KEYS as readonly string[]).includes(k))).toEqual([]);
    expect(keys).toEqual(REPORT_KEYS.filter((k) => keys.includes(k)));
  });

  it('the full runs have every section, geo only with geo data, --summary-only none', () => {
    const keys = (name: string): string[] => Object.keys(JSON.parse(text(name)) as object);
    expect(keys('generated incidents')).toEqual(REPORT_KEYS);
    expect(keys('generated incidents, no geo')).not.toContain('geo');
    expect(keys('generated incidents, --summary-only')).toEqual(['schema', 'tool', 'options', 'inputs', 'summary', 'top', 'warnings', 'warnings_total', 'detectors_run', 'findings', 'incidents']);
  });

  it('reads a report from before static_only (2026-12) and renders it', () => {
    const doc = JSON.parse(text('generated incidents')) as { sessions: Record<string, unknown> };
    delete doc.sessions['static_only'];
    const report = parseReport(doc, 'old.json');
    expect(REPORTERS.table.render(report, { color: false, columns: 120, evidence: false })).toContain('Sessions (');
  });
});

describe('parseReport rejects what the renderers cannot trust', () => {
  const base = (): Record<string, unknown> => JSON.parse(text('generated incidents')) as Record<string, unknown>;
  /** Sets (or with `undefined`, deletes) the value at a path of keys and indexes. */
  const mutate = (doc: unknown, path: readonly (string | number)[], value: unknown): unknown => {
    let cur = doc as Record<string | number, unknown>;
    for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
    const last = path[path.length - 1] ?? '';
    if (value === undefined) delete cur[last];
    else cur[last] = value;
    return doc;
  };

  it.each<[string, readonly (string | number)[], unknown, string]>([
    ['a count as text', ['summary', 'requests'], '12', 'saved.json: summary.requests is not a number'],
    ['a missing required field', ['warnings_total'], undefined, 'saved.json: warnings_total is missing'],
    ['a list that is not an array', ['findings'], {}, 'saved.json: findings is not an array'],
    ['a finding without a title', ['findings', 0, 'title'], undefined, 'saved.json: findings[0].title is missing'],
    ['an unknown severity', ['findings', 1, 'severity'], 'severe', 'saved.json: findings[1].severity is not one of info, low, medium, high, critical'],
    ['evidence lines as text', ['findings', 0, 'evidence', 0, 'line'], '3', 'saved.json: findings[0].evidence[0].line is not a number'],
    ['a section that is not an object', ['sessions'], [], 'saved.json: sessions is not an object'],
    ['a timeline bucket without a class', ['timeline', 'buckets', 3, 'status', '5xx'], undefined, 'saved.json: timeline.buckets[3].status["5xx"] is missing'],
    ['a geo change as text', ['geo', 'countries', 0, 'change'], 'up', 'saved.json: geo.countries[0].change is not an object'],
    ['a null where a string is required', ['tool', 'version'], null, 'saved.json: tool.version is not a string'],
    ['a top row share as text', ['top', 'clients', 0, 'share'], '10%', 'saved.json: top.clients[0].share is not a number'],
    ['an option as an object', ['options', 'top'], { n: 10 }, 'saved.json: options.top is not a string, number, true or false'],
    ['a metric as an array', ['findings', 0, 'metrics', 'rate'], [1], 'saved.json: findings[0].metrics.rate is not a number or a string'],
    ['another tool', ['tool', 'name'], 'goaccess', 'saved.json: tool.name is not one of lbua'],
  ])('%s', (_name, path, value, message) => {
    const e = rejection(mutate(base(), path, value));
    expect(e?.diagnostic.code).toBe('REPORT_INVALID');
    expect(e?.diagnostic.message).toBe(message);
  });

  it('numbers too large for a double (1e999 reads as Infinity) are not numbers', () => {
    const e = rejection(JSON.parse(text('bundled sample').replace(/"requests": (\d+)/, '"requests": 1e999')));
    expect(e?.diagnostic.message).toBe('saved.json: summary.requests is not a number');
  });

  it('an odd key in a path is quoted and shortened', () => {
    const doc = base();
    mutate(doc, ['summary', 'status_classes', `bad\nkey${'x'.repeat(100)}`], 'many');
    const message = rejection(doc)?.diagnostic.message ?? '';
    expect(message).toMatch(/^saved\.json: summary\.status_classes\["bad\\nkeyx+\.\.\."\] is not a number$/);
    expect(message.length).toBeLessThan(140);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', [1, 2], /^saved\.json: not an lbua report/],
    ['no schema', { summary: {} }, /^saved\.json: not an lbua report/],
    ['a newer schema', { schema: 'lbua.report/2' }, /^saved\.json: report schema lbua\.report\/2 is newer than this lbua understands$/],
  ])('%s', (_name, doc, message) => {
    const e = rejection(doc);
    expect(e?.diagnostic.code).toBe('INPUT_UNREADABLE');
    expect(e?.diagnostic.message).toMatch(message);
  });

  it('any mutation: rejected with one line naming a path, or accepted and rendered by every reporter', () => {
    const original = JSON.parse(text('generated incidents')) as unknown;
    // Every path in the report (arrays: their first three elements) but the schema (tested above), to pick from.
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]): void => {
      if (path.length > 0 && path[0] !== 'schema') paths.push(path);
      if (Array.isArray(v)) v.slice(0, 3).forEach((x, i) => walk(x, [...path, i]));
      else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    walk(original, []);
    const replacement = fc.oneof(
      fc.constant(undefined), fc.constant(null), fc.boolean(), fc.double(), fc.integer(), fc.string(),
      fc.array(fc.oneof(fc.integer(), fc.string())), fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string())),
    );
    fc.assert(
      fc.property(fc.nat(paths.length - 1), replacement, (i, value) => {
        // Through JSON, as a saved file would be (an array element deleted leaves a hole that reads as null).
        const doc: unknown = JSON.parse(JSON.stringify(mutate(structuredClone(original), paths[i] ?? [], value)));
        const e = rejection(doc);
        if (e !== null) {
          expect(e.diagnostic.code).toBe('REPORT_INVALID');
          expect(e.diagnostic.message).toMatch(/^saved\.json: \S+ (is missing|is not .+)$/);
          expect(e.diagnostic.message).not.toContain('\n');
          return;
        }
        const report = parseReport(doc, 'saved.json');
        for (const reporter of Object.values(REPORTERS)) expect(typeof reporter.render(report, { color: false, columns: 100, evidence: true, fit: 100 })).toBe('string');
      }),
      { numRuns: 300, seed: 17 },
    );
  });
});

describe('lbua report on a bad saved report', () => {
  it('exits 2 with one line naming the file and the field', async () => {
    const p = join(tmp, 'bad.json');
    writeFileSync(p, text('bundled sample').replace(/"warnings_total": \d+/, '"warnings_total": "many"'));
    const r = await lbuaIn(['report', p]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(`lbua: ${p}: warnings_total is not a number`);
  });

  it('renders a good one with any reporter', async () => {
    const p = join(tmp, 'good.json');
    writeFileSync(p, text('bundled sample'));
    expect((await lbuaIn(['report', p, '--output', 'json'])).stdout).toBe(text('bundled sample'));
    const table = await lbuaIn(['report', p, '--output', 'table']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Findings (');
    expect((await lbuaIn(['report', p, '--output', 'markdown'])).stdout).toMatch(/^# lbua: no findings\n/);
    const unknown = await lbuaIn(['report', p, '--output', 'pdf']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--output must be table, json, html or markdown, got "pdf"');
  });
});
