import fc from 'fast-check';
import { ClientProbes, type ClientProbesOptions } from '../../src/aggregate/client-probes';
import { evidenceOrder } from '../../src/aggregate/types';
import { judgeScanner } from '../../src/detect/scanner';
import type { EnrichedRecord } from '../../src/enrich/types';
import { rec } from '../helpers/records';
import { asFile, expectCutsMergeToOnePass } from '../helpers/shards';

const OPTIONS: ClientProbesOptions = { cap: 100_000, evidenceLimit: 3 };
const JUDGE = { minSensitive: 3, minErrors: 20, errorRatio: 0.5, minDistinctPaths: 15, minProbeClients: 5 };
const AGENTS = ['curl/8.5.0', 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'python-requests/2.31.0', null];
const SECRETS = ['/.env', '/.git/config', '/.aws/credentials', '/backup/.env.prod', '/config.yml'];
const PROBES = ['/wp-login.php', '/phpmyadmin/', '/administrator/', '/xmlrpc.php', '/actuator/env'];

/**
 * Records over an hour: ordinary clients, a busy scanner, a client walking many 404 paths, one sending injections,
 * background probers (one or two sensitive paths each), exposures (one a catch-all page the size of the home page)
 * and home pages of two sizes.
 */
function records(n: number, seed: number): EnrichedRecord[] {
  let x = seed >>> 0 || 1;
  const rnd = (): number => ((x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
  const pick = <T>(l: readonly T[]): T => l[Math.floor(rnd() * l.length)] as T;
  const out: EnrichedRecord[] = [];
  for (let i = 0; i < n; i++) {
    const t = Math.floor((i / n) * 3_600_000);
    const u = rnd();
    const userAgent = pick(AGENTS);
    if (u < 0.08) out.push(rec(t, { clientIp: '198.51.100.9', userAgent, path: pick([...SECRETS, ...PROBES]), status: 404 }));
    else if (u < 0.12) out.push(rec(t, { clientIp: '198.51.100.10', userAgent, path: `/page/${Math.floor(rnd() * 60)}`, status: rnd() < 0.8 ? 404 : 200 }));
    else if (u < 0.14) out.push(rec(t, { clientIp: '198.51.100.11', userAgent, path: '/search', query: pick(["q=' or 1=1", 'q=../../etc/passwd', 'q=shoes']), status: 400 }));
    else if (u < 0.2) out.push(rec(t, { clientIp: `192.0.2.${1 + Math.floor(rnd() * 30)}`, userAgent, path: pick([...SECRETS, ...PROBES]), status: pick([404, 403, 200]), bytesOut: pick([0, 512, 9000, 9004]) }));
    else if (u < 0.23) out.push(rec(t, { clientIp: `192.0.2.${100 + Math.floor(rnd() * 5)}`, userAgent, path: pick(SECRETS), status: 200, bytesOut: pick([1234, 1240, 77]) }));
    else if (u < 0.4) out.push(rec(t, { clientIp: `203.0.113.${1 + Math.floor(rnd() * 40)}`, userAgent, path: '/', bytesOut: pick([9000, 9002, 4000]) }));
    else out.push(rec(t, { clientIp: `203.0.113.${1 + Math.floor(rnd() * 40)}`, userAgent, path: pick(['/products', '/cart', '/app.js']), status: rnd() < 0.03 ? 404 : 200 }));
  }
  return out;
}

function count(rs: readonly EnrichedRecord[], options = OPTIONS): ClientProbes {
  const s = new ClientProbes(options);
  for (const r of rs) s.add(r);
  return s;
}

describe('ClientProbes (the scanner state)', () => {
  const all = asFile(records(3000, 5), 'a.log');
  const order = evidenceOrder(['a.log', 'b.log']);
  const judge = (s: ClientProbes): unknown => judgeScanner(s, JUDGE, 3);

  it('judges scanners, exposures and the background of probes', () => {
    const found = judgeScanner(count(all), JUDGE, 3);
    const subjects = found.map((f) => `${f.severity} ${f.subject.type}:${f.subject.value}`);
    // Every probe of the busy scanner, the 404 walker and the injector was refused: low (issue 19, item 7).
    expect(subjects).toContain('low ip:198.51.100.9');
    expect(subjects).toContain('low ip:198.51.100.10');
    expect(subjects).toContain('low ip:198.51.100.11');
    // Secrets answered 200 with a body (not the catch-all page) make their askers high.
    expect(subjects).toContain('high ip:192.0.2.100');
    expect(subjects).toContain('low global:probes');
    expect(found.filter((f) => f.subject.type === 'endpoint').length).toBeGreaterThan(0);
  });

  it('merged shards give the state and the findings of one pass, wherever the input is cut, in order or reversed', () => {
    expectCutsMergeToOnePass(all, (rs) => count(rs), judge, { numRuns: 25 });
  });

  it('two inputs counted apart and merged equal one pass over both (any split of the records between them)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: all.length, maxLength: all.length }), (side) => {
        const a = asFile(all.filter((_, i) => side[i]), 'a.log');
        const b = asFile(all.filter((_, i) => !side[i]), 'b.log');
        const one = count([...a, ...b]);
        const merged = count(a);
        merged.merge(count(b), order);
        expect(merged.toJSON()).toEqual(one.toJSON());
        const other = count(b);
        other.merge(count(a), order);
        expect(other.toJSON()).toEqual(one.toJSON());
        expect(judge(other)).toEqual(judge(one));
      }),
      { numRuns: 15 },
    );
  });

  it('keeps the first agent, samples and evidence of one pass (the earliest in input order)', () => {
    const s = count(all.slice(1500));
    s.merge(count(all.slice(0, 1500)), order);
    const c = s.clients.get('198.51.100.9');
    const first = all.find((r) => r.clientIp === '198.51.100.9');
    expect(c?.agent).toBe(first?.userAgent);
    expect(c?.samples.map(([, r]) => r.line)).toEqual(all.filter((r) => r.clientIp === '198.51.100.9').slice(0, 5).map((r) => r.source.line));
  });

  it('round-trips through JSON', () => {
    const s = count(all);
    const back = ClientProbes.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(back.toJSON()).toEqual(s.toJSON());
    expect(judge(back)).toEqual(judge(s));
  });

  it('hands a task\'s state over packed: unpacked it is the state, and merged it merges as the state', () => {
    const s = count(all);
    expect([...s.clients.values()].some((c) => c.more !== null && c.more.kindRefs.some((r) => r !== null))).toBe(true);
    // What postMessage does to it (the data buffer is transferred in a run).
    expect(ClientProbes.unpack(structuredClone(s.pack())).toJSON()).toEqual(s.toJSON());
    const plain = count(all.slice(0, 1500));
    plain.merge(count(all.slice(1500)), order);
    const viaPack = count(all.slice(0, 1500));
    viaPack.mergePacked(structuredClone(count(all.slice(1500)).pack()), order);
    expect(viaPack.toJSON()).toEqual(plain.toJSON());
    expect(judge(viaPack)).toEqual(judge(plain));
    expect(judge(viaPack)).toEqual(judge(s));
  });

  it('at the client cap keeps the probers, counts the evicted ones and merges their counts', () => {
    const small = { cap: 20, evidenceLimit: 3 };
    const s = count(all.slice(0, 1500), small);
    s.merge(count(all.slice(1500), small), order);
    expect(s.clients.size).toBeLessThanOrEqual(20);
    expect(s.clients.has('198.51.100.9')).toBe(true);
    expect(s.clients.stats.evicted).toBeGreaterThan(0);
    const back = ClientProbes.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(back.evicted).toEqual(s.evicted);
  });
});
