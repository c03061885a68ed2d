import fc from 'fast-check';
import { CappedMap } from '../../src/core/capped';
import { CellPool, CellTable } from '../../src/core/cells';
import { evidenceOrder, mergeEvidence } from '../../src/aggregate/types';
import type { SourceRef } from '../../src/core/types';

/** Counts `keys` into a CellTable and into a CappedMap of counters with the same cap: the same cells survive. */
function both(keys: readonly string[], cap: number): { table: CellTable; map: CappedMap<{ n: number }>; hist: Map<number, number> } {
  const table = new CellTable({ ints: 1, refs: 0, evidence: 2, cap });
  const hist = new Map<number, number>();
  const map = new CappedMap<{ n: number }>({ cap, weight: (c) => c.n, onEvict: (_k, c) => hist.set(c.n, (hist.get(c.n) ?? 0) + 1) });
  keys.forEach((k, i) => {
    const s = table.slot(k);
    const col = table.ints[0] as Int32Array;
    col[s] = (col[s] ?? 0) + 1;
    table.addEvidence(s, { file: 'f', line: i + 1 });
    let c = map.get(k);
    if (c === undefined) {
      c = { n: 0 };
      map.add(k, c);
    }
    c.n++;
  });
  return { table, map, hist };
}

describe('CellTable', () => {
  it('keeps the cells a CappedMap keeps, in the same order, with the same counts, evicted histogram and stats', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 400 }), fc.integer({ min: 2, max: 30 }), (ks, cap) => {
        const keys = ks.map((k) => `k${k % 7 === 0 ? 0 : k}`);
        const { table, map, hist } = both(keys, cap);
        const rows = table.keys.map((k, s) => [k, (table.ints[0] as Int32Array)[s]]);
        expect(rows).toEqual([...map.entries()].map(([k, c]) => [k, c.n]));
        expect(table.evicted === null ? [] : [...table.evicted]).toEqual([...hist]);
        expect(table.stats).toEqual(map.stats);
      }),
    );
  });

  it('keeps the first evidence of each cell through prunings', () => {
    const { table } = both(['a', 'b', 'a', 'c', 'a', 'd', 'e', 'a', 'f'], 4);
    const s = table.find('a');
    expect(s).toBeGreaterThanOrEqual(0);
    expect(table.evidence(s)).toEqual([{ file: 'f', line: 1 }, { file: 'f', line: 3 }]);
    expect(table.find('b')).toBe(-1);
  });

  it('finds every key it holds whatever hashes the callers give (colliding ones probe on), through prunings and growth', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 1500 }), fc.integer({ min: 2, max: 400 }), (ks, cap) => {
        const plain = new CellTable({ ints: 1, refs: 0, evidence: 0, cap });
        const hinted = new CellTable({ ints: 1, refs: 0, evidence: 0, cap });
        for (const k of ks) {
          const key = `10.0.${k}.0/24`;
          const a = plain.slot(key);
          // A hash of few values: most keys share one with others.
          const b = hinted.slot(key, k % 3);
          for (const [t, s] of [[plain, a], [hinted, b]] as const) {
            const col = t.ints[0] as Int32Array;
            col[s] = (col[s] ?? 0) + 1;
          }
        }
        expect(hinted.keys).toEqual(plain.keys);
        expect(hinted.stats).toEqual(plain.stats);
        plain.keys.forEach((key, s) => {
          expect(plain.find(key)).toBe(s);
          expect(hinted.find(key, Number(key.split('.')[2]) % 3)).toBe(s);
        });
        expect(plain.find('10.0.999.0/24')).toBe(-1);
      }),
      { numRuns: 40 },
    );
  });

  it('is empty and reusable after the pool takes it back', () => {
    const pool = new CellPool({ ints: 1, refs: 1, evidence: 1, cap: 10 });
    const t = pool.take();
    for (let i = 0; i < 200; i++) t.slot(`k${i % 9}`);
    t.refs[0]![0] = 'x';
    pool.give(t);
    const again = pool.take();
    expect(again).toBe(t);
    expect(again.size).toBe(0);
    expect(again.evicted).toBeNull();
    const s = again.slot('z');
    expect([again.ints[0]![s], again.refs[0]![s], again.evidence(s)]).toEqual([0, null, []]);
  });
});

describe('CellTable.addEvidenceBy as a merge', () => {
  it('adding a sorted list reference by reference keeps what mergeEvidence of the kept and that list keeps', () => {
    const order = evidenceOrder(['b.log', 'a.log', 'c.log']);
    const ref = fc.record({ file: fc.constantFrom('a.log', 'b.log', 'c.log'), line: fc.integer({ min: 1, max: 6 }) });
    const sorted = (rs: SourceRef[]): SourceRef[] => [...rs].sort(order);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.array(fc.array(ref, { maxLength: 6 }).map(sorted), { maxLength: 4 }), (k, parts) => {
        const table = new CellTable({ ints: 1, refs: 0, evidence: k, cap: 4 });
        const s = table.slot('x');
        let merged: SourceRef[] = [];
        for (const part of parts) {
          for (const r of part) table.addEvidenceBy(s, r, order);
          merged = mergeEvidence(merged, part, k, order);
          // The same references, the same objects, in the same order.
          expect(table.evidence(s)).toEqual(merged);
          table.evidence(s).forEach((r, i) => expect(r).toBe(merged[i]));
        }
      }),
      { numRuns: 500 },
    );
  });
});
