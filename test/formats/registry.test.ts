/** Meta-test: every format file is registered under its file name, documented and has fixtures. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FORMATS } from '../../src/formats/registry';
import { ROOT } from '../helpers/cli';

const NOT_FORMATS = new Set(['types.ts', 'registry.ts', 'detect.ts']);

describe('format registry', () => {
  const files = readdirSync(join(ROOT, 'src', 'formats')).filter((f) => f.endsWith('.ts') && !NOT_FORMATS.has(f));

  it('registers every src/formats/*.ts under its file name', () => {
    expect(files.map((f) => f.slice(0, -3)).sort()).toEqual(Object.keys(FORMATS).sort());
  });

  it.each(Object.entries(FORMATS))('%s: id = key, https docs, samples, description, fixtures', (key, f) => {
    expect(f.id).toBe(key);
    expect(f.docsUrl).toMatch(/^https?:\/\//);
    expect(f.samples.length).toBeGreaterThan(0);
    expect(f.description.length).toBeGreaterThan(10);
    expect(existsSync(join(ROOT, 'fixtures', 'formats', key))).toBe(true);
  });
});
