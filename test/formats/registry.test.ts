/** Meta-test: every format file is registered under its file name, documented and has fixtures. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FORMATS } from '../../src/formats/registry';
import { ROOT } from '../helpers/cli';

const NOT_FORMATS = new Set(['types.ts', 'registry.ts', 'detect.ts']);

describe('format registry', () => {
  const files = readdirSync(join(ROOT, 'src', 'formats')).filter((f) => f.endsWith('.ts') && !NOT_FORMATS.has(f));

  // JSON-lines formats are tables in src/formats/json/ (one file per format id) compiled by json/engine.ts.
  const tables = readdirSync(join(ROOT, 'src', 'formats', 'json')).filter((f) => f.endsWith('.ts') && f !== 'engine.ts' && f !== 'units.ts');

  it('registers every src/formats/*.ts and src/formats/json/*.ts table under its file name', () => {
    expect([...files, ...tables].map((f) => f.slice(0, -3)).sort()).toEqual(Object.keys(FORMATS).sort());
  });

  it.each(Object.entries(FORMATS))('%s: id = key, https docs, samples, description, fixtures', (key, f) => {
    expect(f.id).toBe(key);
    // lbua's own records are documented in its README.
    expect(f.docsUrl).toMatch(key === 'lbua-records' ? /^README\.md#/ : /^https?:\/\//);
    expect(f.samples.length).toBeGreaterThan(0);
    expect(f.description.length).toBeGreaterThan(10);
    expect(existsSync(join(ROOT, 'fixtures', 'formats', key))).toBe(true);
  });

  it('every format builds its records in one shape: the same keys in the same order, enrichment slots empty', () => {
    // One hidden class for every format's records, and enrich() fills the slots in place (formats/shared/record.ts).
    const shapes = new Set<string>();
    let records = 0;
    for (const f of Object.values(FORMATS)) {
      for (const [i, sample] of f.samples.entries()) {
        const r = f.parse(sample, { source: { file: 's.log', line: i + 1 }, strict: false });
        if (r.kind !== 'record') continue;
        records++;
        shapes.add(Object.keys(r.record).join(','));
        for (const slot of ['route', 'endpoint', 'isStatic', 'agent', 'geo', 'client', 'pathClass', 'pathId']) {
          expect(Object.hasOwn(r.record, slot)).toBe(true);
          expect((r.record as unknown as Record<string, unknown>)[slot]).toBeUndefined();
        }
      }
    }
    expect(records).toBeGreaterThanOrEqual(Object.keys(FORMATS).length);
    expect([...shapes]).toHaveLength(1);
  });
});
