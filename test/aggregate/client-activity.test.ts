import fc from 'fast-check';
import { ClientActivity, clientRoutes, type ClientActivityOptions } from '../../src/aggregate/client-activity';
import { evidenceOrder } from '../../src/aggregate/types';
import { judgeApiAbuse } from '../../src/detect/api-abuse';
import type { EnrichedRecord } from '../../src/enrich/types';
import { rec, T0 } from '../helpers/records';
import { asFile, expectCutsMergeToOnePass } from '../helpers/shards';

const OPTIONS: ClientActivityOptions = { clients: 50_000, routesPerClient: 64, evidenceLimit: 3 };
const JUDGE = { steadyMinRpm: 30, steadyMaxRpm: 600, steadyMinutes: 45, steadyMaxCv: 0.35, minSequential: 50, minDistinctIds: 300, distinctFactor: 20 };
const AGENTS = ['curl/8.5.0', 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'python-requests/2.31.0', null];
const BROWSERS = Array.from({ length: 8 }, (_, i) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${120 + i}.0.0.0 Safari/537.36`);

/**
 * Records over 70 minutes: a steady client (40 requests a minute), an enumerator walking /items/N, a client
 * fetching many random items, people behind one NAT address (many agents, static assets), a crawler (not counted)
 * and ordinary clients.
 */
function records(seed: number): EnrichedRecord[] {
  let x = seed >>> 0 || 1;
  const rnd = (): number => ((x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
  const pick = <T>(l: readonly T[]): T => l[Math.floor(rnd() * l.length)] as T;
  const out: EnrichedRecord[] = [];
  let walk = 1000;
  const item = (id: number): Partial<EnrichedRecord> => ({ path: `/items/${id}`, route: '/items/:id', endpoint: 'GET /items/:id' });
  for (let m = 0; m < 70; m++) {
    for (let k = 0; k < 60; k++) {
      const t = m * 60_000 + k * 1000;
      out.push(rec(t, { clientIp: '198.51.100.20', userAgent: 'python-requests/2.31.0', ...(k < 40 ? { path: '/api/price', route: '/api/price' } : { path: '/app.js', route: '/app.js', isStatic: true }) }));
      if (m >= 10 && m < 20 && k % 3 === 0) out.push(rec(t + 10, { clientIp: '198.51.100.21', userAgent: pick(AGENTS), ...item(walk++) }));
      if (m >= 30 && m < 50 && k % 2 === 0) out.push(rec(t + 20, { clientIp: '198.51.100.22', userAgent: 'curl/8.5.0', ...item(Math.floor(rnd() * 100_000)) }));
      if (k % 4 === 0) out.push(rec(t + 30, { clientIp: '203.0.113.50', userAgent: pick(BROWSERS), ...(rnd() < 0.3 ? { path: '/style.css', route: '/style.css', isStatic: true } : item(Math.floor(rnd() * 100_000))) }));
      if (k % 10 === 0) out.push(rec(t + 40, { clientIp: '66.249.66.1', userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', ...item(Math.floor(rnd() * 500)) }));
      if (rnd() < 0.3) out.push(rec(t + 50, { clientIp: `203.0.113.${1 + Math.floor(rnd() * 40)}`, userAgent: pick(AGENTS), ...item(Math.floor(rnd() * 30)) }));
    }
  }
  return out;
}

function count(rs: readonly EnrichedRecord[], options = OPTIONS): ClientActivity {
  const s = new ClientActivity(options);
  for (const r of rs) s.add(r);
  return s;
}

describe('ClientActivity (the api-abuse state)', () => {
  const all = asFile(records(9), 'a.log');
  const order = evidenceOrder(['a.log', 'b.log']);
  const judge = (s: ClientActivity): unknown => judgeApiAbuse(s, JUDGE, 3);

  it('judges the steady client, the enumerator and the many-resources client, and the NAT as low', () => {
    const found = judgeApiAbuse(count(all), JUDGE, 3);
    const kinds = found.map((f) => `${f.severity} ${f.subject.value} ${String(f.metrics['kind'])}`);
    expect(kinds).toContain('medium 198.51.100.20 steady');
    expect(kinds).toContain('medium 198.51.100.21 enumeration');
    expect(kinds).toContain('medium 198.51.100.22 many-resources');
    expect(kinds).toContain('low 203.0.113.50 many-resources');
    expect(found.some((f) => f.subject.value === '66.249.66.1')).toBe(false);
  });

  it('merged shards give the state and the findings of one pass, wherever the input is cut, in order or reversed', () => {
    // Cuts inside the enumeration walk (a step across each cut) are the interesting ones.
    const walk = all.findIndex((r) => r.clientIp === '198.51.100.21');
    const cut = fc.oneof(fc.integer({ min: 0, max: all.length }), fc.integer({ min: walk, max: walk + 3000 }));
    expectCutsMergeToOnePass(all, (rs) => count(rs), judge, { cut, numRuns: 25 });
  });

  it('two inputs counted apart and merged equal one pass over both', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: all.length }), (i) => {
        const a = asFile(all.slice(0, i), 'a.log');
        const b = asFile(all.slice(i), 'b.log');
        const one = count([...a, ...b]);
        const merged = count(b);
        merged.merge(count(a), order);
        expect(merged.toJSON()).toEqual(one.toJSON());
        expect(judge(merged)).toEqual(judge(one));
      }),
      { numRuns: 15 },
    );
  });

  it('counts the step across a cut and keeps its record as evidence', () => {
    const walk = all.filter((r) => r.clientIp === '198.51.100.21');
    const at = all.indexOf(walk[1] as EnrichedRecord);
    const s = count(all.slice(at));
    s.merge(count(all.slice(0, at)), order);
    const walker = s.clients.get('198.51.100.21');
    expect(walker && new Map(clientRoutes(walker)).get('/items/:id')?.sequential).toBe(walk.length - 1);
    expect(s.clients.get('198.51.100.21')?.evidence.map((e) => e.line)).toEqual(walk.slice(1, 4).map((r) => r.source.line));
  });

  it("starts a client's window at its first request, a static asset included, whichever shard holds it", () => {
    const walker = all.filter((r) => r.clientIp === '198.51.100.21');
    const first = walker[0] as EnrichedRecord;
    const asset = { ...rec(first.startMs - 120_000 - T0, { clientIp: '198.51.100.21', path: '/app.js', route: '/app.js', isStatic: true }), source: { file: 'a.log', line: 0 } };
    const rs = [asset, ...all];
    const one = judgeApiAbuse(count(rs), JUDGE, 3).filter((f) => f.subject.value === '198.51.100.21');
    const merged = count(rs.slice(1000));
    merged.merge(count(rs.slice(0, 1000)), order);
    expect(one.map((f) => f.startMs)).toEqual([asset.startMs]);
    expect(judgeApiAbuse(merged, JUDGE, 3).filter((f) => f.subject.value === '198.51.100.21')).toEqual(one);
  });

  it('round-trips through JSON', () => {
    const s = count(all.slice(0, 5000));
    const back = ClientActivity.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(back.toJSON()).toEqual(s.toJSON());
    expect(judge(back)).toEqual(judge(s));
  });

  it('hands a task\'s state over packed: unpacked it is the state, and merged it merges as the state', () => {
    const s = count(all.slice(0, 5000));
    // What postMessage does to it (the data buffer is transferred in a run).
    const packed = structuredClone(s.pack());
    expect(packed.strings.length).toBeLessThan(20);
    expect(ClientActivity.unpack(packed).toJSON()).toEqual(s.toJSON());
    const plain = count(all.slice(0, 5000));
    plain.merge(count(all.slice(5000)), order);
    const viaPack = count(all.slice(0, 5000));
    viaPack.mergePacked(structuredClone(count(all.slice(5000)).pack()), order);
    expect(viaPack.toJSON()).toEqual(plain.toJSON());
    expect(judge(viaPack)).toEqual(judge(plain));
    expect(judge(viaPack)).toEqual(judge(count(all)));
  });

  it('at the caps keeps the busiest clients and counts what it dropped', () => {
    const small = { clients: 4, routesPerClient: 64, evidenceLimit: 3 };
    const s = count(all.slice(0, 6000), small);
    s.merge(count(all.slice(6000), small), order);
    expect(s.clients.size).toBeLessThanOrEqual(4);
    expect(s.clients.has('198.51.100.20')).toBe(true);
    expect(s.clients.stats.evicted).toBeGreaterThan(0);
  });
});
