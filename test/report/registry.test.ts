/**
 * Meta-test of the reporter registry: ids equal keys, extensions are unambiguous, --output, --json and -o (one or
 * several) choose from it; severity and colour option values.
 */
import { parseColorOption, parseOutputOption, parseOutputTargets, parseSeverityOption } from '../../src/cli/options';
import { LbuaError } from '../../src/core/types';
import { getReporter, OUTPUT_KINDS, outputKindList, REPORTERS, reporterForFile } from '../../src/report/registry';

describe('REPORTERS', () => {
  it.each(Object.entries(REPORTERS))('%s: id equals its key, with a description and lower-case extensions', (key, reporter) => {
    expect(reporter.id).toBe(key);
    expect(reporter.description).not.toBe('');
    for (const ext of reporter.extensions) expect(ext).toMatch(/^\.[a-z0-9]+$/);
    expect(getReporter(key)).toBe(reporter);
  });

  it('no extension chooses two reporters', () => {
    const all = Object.values(REPORTERS).flatMap((r) => r.extensions);
    expect(new Set(all).size).toBe(all.length);
  });

  it('lists the kinds for messages in registry order', () => {
    expect(OUTPUT_KINDS).toEqual(['table', 'json', 'html', 'markdown']);
    expect(outputKindList()).toBe('table, json, html or markdown');
    expect(getReporter('markdown')).toBe(REPORTERS.markdown);
    expect(getReporter('md')).toBeNull();
  });

  it('--output takes any reporter id (any case); -o chooses by extension (through .gz), else table — piped or not', () => {
    for (const k of OUTPUT_KINDS) expect(parseOutputOption(k, null)).toBe(k);
    expect(parseOutputOption('JSON', null)).toBe('json');
    expect(reporterForFile('r.HTM')).toBe('html');
    expect(parseOutputOption(undefined, 'out/r.json')).toBe('json');
    expect(parseOutputOption(undefined, 'r.html')).toBe('html');
    expect(parseOutputOption(undefined, 'r.md')).toBe('markdown');
    expect(parseOutputOption(undefined, 'r.json.gz')).toBe('json');
    expect(parseOutputOption(undefined, 'r.MD.GZ')).toBe('markdown');
    expect(parseOutputOption(undefined, 'r.txt')).toBe('table');
    expect(parseOutputOption(undefined, null)).toBe('table');
    expect(() => parseOutputOption('md', null)).toThrow(LbuaError);
  });
});

describe('parseOutputTargets', () => {
  it('one output: stdout, or the -o file (- is stdout), --output over the extension, --json as --output json', () => {
    expect(parseOutputTargets(undefined, false, [])).toEqual([{ file: null, kind: 'table', gzip: false }]);
    expect(parseOutputTargets(undefined, true, [])).toEqual([{ file: null, kind: 'json', gzip: false }]);
    expect(parseOutputTargets('json', true, ['-'])).toEqual([{ file: null, kind: 'json', gzip: false }]);
    expect(parseOutputTargets('json', false, ['r.html'])).toEqual([{ file: 'r.html', kind: 'json', gzip: false }]);
    expect(parseOutputTargets(undefined, false, ['r.html.gz'])).toEqual([{ file: 'r.html.gz', kind: 'html', gzip: true }]);
    expect(parseOutputTargets(undefined, false, ['r.txt'], 'html')).toEqual([{ file: 'r.txt', kind: 'html', gzip: false }]);
    expect(() => parseOutputTargets('html', true, [])).toThrow('--json and --output html contradict each other');
  });

  it('several: each kind from its extension; --output for - and names that say none, an error when nothing takes it', () => {
    expect(parseOutputTargets(undefined, false, ['r.json', 'r.html', 'r.md.gz', '-'])).toEqual([
      { file: 'r.json', kind: 'json', gzip: false },
      { file: 'r.html', kind: 'html', gzip: false },
      { file: 'r.md.gz', kind: 'markdown', gzip: true },
      { file: null, kind: 'table', gzip: false },
    ]);
    expect(parseOutputTargets('markdown', false, ['r.md', '-', 'notes.txt']).map((t) => t.kind)).toEqual(['markdown', 'markdown', 'markdown']);
    expect(parseOutputTargets(undefined, true, ['-', 'r.md', 'r.html']).map((t) => t.kind)).toEqual(['json', 'markdown', 'html']);
    expect(() => parseOutputTargets('markdown', false, ['r.json', 'r.md'])).toThrow('--output markdown contradicts -o r.json (its name says json)');
    expect(parseOutputTargets('json', false, ['a.json', 'b.json']).map((t) => t.kind)).toEqual(['json', 'json']);
    expect(() => parseOutputTargets('json', false, ['r.json', 'r.html'])).toThrow('--output json contradicts -o r.html');
    expect(() => parseOutputTargets(undefined, true, ['r.json', 'r.md'])).toThrow('--output json contradicts -o r.md');
    expect(() => parseOutputTargets('html', false, ['r.html.gz', 'r.md'])).toThrow('--output html contradicts -o r.md');
    expect(() => parseOutputTargets(undefined, false, ['-', '-'])).toThrow('-o - is given twice');
    expect(() => parseOutputTargets(undefined, false, ['r.json', './r.json'])).toThrow('is given twice');
  });
});

describe('option values', () => {
  it('severities and colour modes in any case', () => {
    expect(parseSeverityOption('fail-on', 'HIGH')).toBe('high');
    expect(parseSeverityOption('fail-on', 'Critical')).toBe('critical');
    expect(parseSeverityOption('fail-on', undefined)).toBeNull();
    expect(() => parseSeverityOption('fail-on', 'severe')).toThrow('--fail-on must be one of critical, high, medium, low, info, got "severe"');
    expect(parseColorOption(undefined)).toBe('auto');
    expect(parseColorOption(false)).toBe('never');
    expect(parseColorOption('ALWAYS')).toBe('always');
    expect(() => parseColorOption('yes')).toThrow('--color must be auto, always or never');
  });
});
