import fc from 'fast-check';
import { AuthAttempts, type AuthAttemptsOptions } from '../../src/aggregate/auth-attempts';
import { evidenceOrder } from '../../src/aggregate/types';
import { judgeCredentialStuffing } from '../../src/detect/credential-stuffing';
import type { EnrichedRecord } from '../../src/enrich/types';
import { rec } from '../helpers/records';
import { asFile, expectCutsMergeToOnePass } from '../helpers/shards';

const OPTIONS: AuthAttemptsOptions = { endpoints: 500, clients: 50_000, clientMinutes: 200_000, evidenceLimit: 3 };
const JUDGE = { minFailuresPerMinute: 20, factor: 5, bruteForceFailures: 30, bruteForceRatio: 0.8, distributedClients: 10 };

/**
 * Records over an hour: people logging in (mostly successfully) on two endpoints, a brute-forcing address from
 * minute 15 to 20, and credential stuffing over many addresses from minute 40 to 44; other traffic is not counted.
 */
function records(seed: number): EnrichedRecord[] {
  let x = seed >>> 0 || 1;
  const rnd = (): number => ((x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
  const login = (path: string): Partial<EnrichedRecord> => ({ method: 'POST', path, route: path, endpoint: `POST ${path}` });
  const out: EnrichedRecord[] = [];
  for (let m = 0; m < 60; m++) {
    for (let k = 0; k < 30; k++) {
      const t = m * 60_000 + k * 2000;
      out.push(rec(t, { clientIp: `203.0.113.${1 + Math.floor(rnd() * 60)}`, ...login(rnd() < 0.7 ? '/api/v1/login' : '/oauth/token'), status: rnd() < 0.1 ? 401 : 200 }));
      if (rnd() < 0.5) out.push(rec(t + 5, { clientIp: `203.0.113.${1 + Math.floor(rnd() * 60)}`, path: '/products' }));
      if (m >= 15 && m < 20) out.push(rec(t + 10, { clientIp: '198.51.100.30', ...login('/api/v1/login'), status: rnd() < 0.95 ? 401 : 200 }));
      if (m >= 40 && m < 45) out.push(rec(t + 20, { clientIp: `192.0.${2 + Math.floor(rnd() * 20)}.${1 + Math.floor(rnd() * 200)}`, ...login('/oauth/token'), status: rnd() < 0.9 ? 403 : 200 }));
    }
  }
  return out;
}

function count(rs: readonly EnrichedRecord[], options = OPTIONS): AuthAttempts {
  const s = new AuthAttempts(options);
  for (const r of rs) s.add(r);
  return s;
}

describe('AuthAttempts (the credential-stuffing state)', () => {
  const all = asFile(records(13), 'a.log');
  const order = evidenceOrder(['a.log', 'b.log']);
  const judge = (s: AuthAttempts): unknown => judgeCredentialStuffing(s, JUDGE, 3);

  it('judges the brute force and the distributed stuffing', () => {
    const found = judgeCredentialStuffing(count(all), JUDGE, 3);
    const subjects = found.map((f) => `${f.severity} ${f.subject.type}:${f.subject.value}`);
    expect(subjects).toContain('high ip:198.51.100.30');
    expect(subjects).toContain('high endpoint:POST /oauth/token');
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
        const merged = count(b);
        merged.merge(count(a), order);
        expect(merged.toJSON()).toEqual(one.toJSON());
        expect(judge(merged)).toEqual(judge(one));
      }),
      { numRuns: 10 },
    );
  });

  it("keeps the endpoint of a client's first attempt, whichever shard holds it", () => {
    const rs = asFile([rec(0, { clientIp: '198.51.100.40', method: 'POST', path: '/signin', endpoint: 'POST /signin', status: 401 }), rec(1000, { clientIp: '198.51.100.40', method: 'POST', path: '/login', endpoint: 'POST /login', status: 401 })], 'a.log');
    const s = count(rs.slice(1));
    s.merge(count(rs.slice(0, 1)), order);
    expect(s.clients.get('198.51.100.40')?.endpoint).toBe('POST /signin');
  });

  it('round-trips through JSON', () => {
    const s = count(all);
    const back = AuthAttempts.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(back.toJSON()).toEqual(s.toJSON());
    expect(judge(back)).toEqual(judge(s));
  });

  it('past the (client, minute) budget counts failures without their client, merged or not', () => {
    const small = { ...OPTIONS, clientMinutes: 50 };
    const one = count(all, small);
    const merged = count(all.slice(0, 2000), small);
    merged.merge(count(all.slice(2000), small), order);
    expect(one.unattributed).toBeGreaterThan(0);
    expect(merged.unattributed).toBeGreaterThan(0);
    expect(judgeCredentialStuffing(merged, JUDGE, 3).map((f) => f.subject.value)).toContain('198.51.100.30');
  });
});
