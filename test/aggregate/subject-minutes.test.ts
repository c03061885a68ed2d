import fc from 'fast-check';
import { SubjectMinutes } from '../../src/aggregate/subject-minutes';
import { evidenceOrder } from '../../src/aggregate/types';
import { judgeErrorSpikes } from '../../src/detect/error-spike';
import type { EnrichedRecord } from '../../src/enrich/types';
import { rec } from '../helpers/records';

const OPTIONS = { minErrors: 5, factor: 3, minRate: 0.05, maxSubjects: 300 };

/** A log over `minutes` minutes: three targets, four endpoints, and a failing target from minute 20 to 24. */
function traffic(seed: number, minutes: number, file: (i: number) => string): EnrichedRecord[] {
  let x = seed >>> 0 || 1;
  const rnd = (): number => ((x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
  const out: EnrichedRecord[] = [];
  let line = 0;
  for (let m = 0; m < minutes; m++) {
    for (let k = 0; k < 30; k++) {
      const target = `10.0.0.${1 + Math.floor(rnd() * 3)}:80`;
      const path = ['/a', '/b', '/c', '/d'][Math.floor(rnd() * 4)] ?? '/a';
      const failing = target === '10.0.0.2:80' && m >= 20 && m < 25;
      const status = failing ? (rnd() < 0.8 ? 502 : 200) : rnd() < 0.01 ? 500 : 200;
      line++;
      const r = rec(m * 60_000 + k * 1000, { path, backend: target, status, backendStatus: status === 502 && rnd() < 0.5 ? null : status });
      out.push({ ...r, source: { file: file(line), line } });
    }
  }
  return out;
}

function count(records: readonly EnrichedRecord[], maxSubjects = 1200, k = 5): SubjectMinutes {
  const s = new SubjectMinutes(maxSubjects, k);
  for (const r of records) s.add(r);
  return s;
}

describe('SubjectMinutes (the error-spike state)', () => {
  const records = traffic(7, 60, (i) => (i <= 900 ? 'a.log' : 'b.log'));
  const order = evidenceOrder(['a.log', 'b.log']);

  it('finds the failing target', () => {
    const found = judgeErrorSpikes(count(records), OPTIONS, 5);
    expect(found.map((f) => `${f.subject.type}:${f.subject.value}`)).toContain('target:10.0.0.2:80');
  });

  it('merged shards give the state and the findings of one pass, wherever the input is cut', () => {
    const whole = count(records);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: records.length }), fc.integer({ min: 0, max: records.length }), (i, j) => {
        const [a, b] = [Math.min(i, j), Math.max(i, j)];
        const parts = [records.slice(0, a), records.slice(a, b), records.slice(b)].map((p) => count(p));
        const [first, ...rest] = parts;
        for (const p of rest) first?.merge(p, order);
        expect(first?.toJSON()).toEqual(whole.toJSON());
        expect(judgeErrorSpikes(first as SubjectMinutes, OPTIONS, 5)).toEqual(judgeErrorSpikes(whole, OPTIONS, 5));
      }),
      { numRuns: 25 },
    );
  });

  it('keeps the earliest evidence in input order when shards are merged out of order', () => {
    const cut = 1000;
    const later = count(records.slice(cut));
    const earlier = count(records.slice(0, cut));
    later.merge(earlier, order);
    expect(judgeErrorSpikes(later, OPTIONS, 5).map((f) => f.evidence)).toEqual(judgeErrorSpikes(count(records), OPTIONS, 5).map((f) => f.evidence));
  });

  it('round-trips through JSON', () => {
    const s = count(records);
    const json = JSON.parse(JSON.stringify(s.toJSON()));
    const back = SubjectMinutes.fromJSON(json);
    expect(back.toJSON()).toEqual(s.toJSON());
    expect(judgeErrorSpikes(back, OPTIONS, 5)).toEqual(judgeErrorSpikes(s, OPTIONS, 5));
  });

  it('judges the busiest subjects, whatever order they arrive in', () => {
    // 6 endpoints, only 2 judged: the two busiest, whether they come first or last.
    const rs: EnrichedRecord[] = [];
    for (let m = 0; m < 30; m++) {
      for (const [path, n] of [['/quiet1', 1], ['/quiet2', 1], ['/busy', 40], ['/busier', 50], ['/quiet3', 1], ['/quiet4', 1]] as const) {
        for (let k = 0; k < n; k++) rs.push(rec(m * 60_000 + k * 100, { path, status: path === '/busy' && m >= 20 && m < 23 ? 503 : 200 }));
      }
    }
    const o = { ...OPTIONS, maxSubjects: 2 };
    const forward = judgeErrorSpikes(count(rs, 8), o, 5);
    const backward = judgeErrorSpikes(count([...rs].reverse(), 8), o, 5);
    expect(forward.map((f) => f.subject.value)).toContain('GET /busy');
    expect(backward.map((f) => f.subject.value).sort()).toEqual(forward.map((f) => f.subject.value).sort());
  });
});
