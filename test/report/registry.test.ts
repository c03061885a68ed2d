/** Meta-test of the reporter registry: ids equal keys, extensions are unambiguous, --output and -o choose from it. */
import { parseOutputOption } from '../../src/cli/options';
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
    expect(OUTPUT_KINDS).toEqual(['table', 'json', 'html']);
    expect(outputKindList()).toBe('table, json or html');
    expect(getReporter('markdown')).toBeNull();
  });

  it('--output takes any reporter id; -o chooses by extension, else table; stdout: table on a terminal, else json', () => {
    for (const k of OUTPUT_KINDS) expect(parseOutputOption(k, null, true)).toBe(k);
    expect(reporterForFile('r.HTM')).toBe('html');
    expect(parseOutputOption(undefined, 'out/r.json', true)).toBe('json');
    expect(parseOutputOption(undefined, 'r.html', false)).toBe('html');
    expect(parseOutputOption(undefined, 'r.txt', false)).toBe('table');
    expect(parseOutputOption(undefined, null, true)).toBe('table');
    expect(parseOutputOption(undefined, null, false)).toBe('json');
    expect(() => parseOutputOption('md', null, true)).toThrow(LbuaError);
  });
});
