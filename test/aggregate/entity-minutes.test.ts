import fc from 'fast-check';
import { EntityMinutes, type EntityMinutesOptions } from '../../src/aggregate/entity-minutes';
import { evidenceOrder } from '../../src/aggregate/types';
import type { EnrichedRecord } from '../../src/enrich/types';
import { rec, T0 } from '../helpers/records';
import { clientFacts } from '../../src/enrich/client';
import { asFile } from '../helpers/shards';

const OPTIONS: EntityMinutesOptions = { cap: 100_000, evidenceLimit: 3, asn: false };
const AGENTS = ['curl/8.5.0', 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'python-requests/2.31.0'];

/** Records over 20 minutes: background clients in a few networks and one address that bursts in minutes 10–12. */
function records(n: number, seed: number): EnrichedRecord[] {
  let x = seed >>> 0 || 1;
  const rnd = (): number => ((x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
  const out: EnrichedRecord[] = [];
  for (let i = 0; i < n; i++) {
    const m = Math.floor((i / n) * 20);
    const burst = m >= 10 && m <= 12 && rnd() < 0.6;
    const ip = burst ? '198.51.100.9' : `203.0.${113 + Math.floor(rnd() * 3)}.${1 + Math.floor(rnd() * 40)}`;
    out.push(rec(m * 60_000 + Math.floor(rnd() * 59_000), { clientIp: ip, userAgent: AGENTS[Math.floor(rnd() * 3)] ?? null, path: rnd() < 0.2 ? '/app.js' : '/' }));
  }
  return out;
}

function count(rs: readonly EnrichedRecord[]): EntityMinutes {
  const s = new EntityMinutes(OPTIONS);
  for (const r of rs) s.add(r);
  return s;
}

describe('EntityMinutes (the burst state)', () => {
  const all = records(3000, 11);
  const order = evidenceOrder(['a.log', 'b.log']);

  it('two inputs counted apart and merged equal one pass over both (any split of the records between them)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: all.length, maxLength: all.length }), (side) => {
        const a = asFile(all.filter((_, i) => side[i]), 'a.log');
        const b = asFile(all.filter((_, i) => !side[i]), 'b.log');
        const merged = count(a);
        merged.merge(count(b), order);
        expect(merged.toJSON()).toEqual(count([...a, ...b]).toJSON());
        // Merged the other way round: the same state (evidence by input order, members and agents as sets).
        const other = count(b);
        other.merge(count(a), order);
        const norm = (j: ReturnType<EntityMinutes['toJSON']>): unknown => j.minutes.map(([m, kinds]) => [m, kinds.map(([cells]) => cells.map(([key, n, st, bots, members, agents, ev]) => [key, n, st, bots, [...members].sort(), [...agents].sort(), ev]).sort((p, q) => (String(p[0]) < String(q[0]) ? -1 : 1)))]);
        expect(norm(other.toJSON())).toEqual(norm(merged.toJSON()));
      }),
      { numRuns: 15 },
    );
  });

  it('hands over closed minutes in order and drops what comes for them later', () => {
    const s = count(all.slice(0, 1500));
    const seen: number[] = [];
    s.closeUntil(s.maxMinute - 3, (m, tables) => {
      seen.push(m);
      expect(tables).toHaveLength(4);
    });
    expect(seen).toEqual([...seen].sort((p, q) => p - q));
    expect(seen.length).toBeGreaterThan(0);
    const before = s.late;
    s.add(all[0] as EnrichedRecord);
    expect(s.late).toBe(before + 1);
  });

  it('after closeUntil(m), a record for any minute up to m is late, whether or not that minute had records', () => {
    const s = new EntityMinutes(OPTIONS);
    s.add(rec(0));
    s.add(rec(9 * 60_000));
    const m0 = Math.floor(T0 / 60_000);
    s.closeUntil(m0 + 5, () => undefined);
    expect(s.watermark).toBe(m0 + 5);
    s.add(rec(4 * 60_000));
    s.add(rec(6 * 60_000));
    expect(s.late).toBe(1);
    // A record without a client address is not counted, but it is the input's newest: the watermark follows it.
    s.add(rec(20 * 60_000, { clientIp: null }));
    expect(s.maxMinute).toBe(m0 + 20);
  });

  it('given an evidence order, a cell keeps the earliest references in it whatever order they come in', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a.log', 'b.log'), fc.integer({ min: 1, max: 50 })), { minLength: 1, maxLength: 30 }), (refs) => {
        const s = new EntityMinutes(OPTIONS, order);
        for (const [file, line] of refs) s.add({ ...rec(1000), source: { file, line } });
        const kept = s.toJSON().minutes[0]?.[1][0]?.[0][0]?.[6];
        const expected = [...refs].sort((p, q) => order({ file: p[0], line: p[1] }, { file: q[0], line: q[1] })).slice(0, OPTIONS.evidenceLimit);
        expect(kept).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('round-trips through JSON', () => {
    const s = count(asFile(all, 'a.log'));
    const back = EntityMinutes.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(back.toJSON()).toEqual(s.toJSON());
  });

  it('a network cell holds every address and agent of its minute, with one facts object per address as the enricher gives (agents changing, missing)', () => {
    // The enricher hands every record of an address the same facts object, on which the state remembers the
    // address's slot; an address's later requests in a minute skip what its earlier ones gave its network's cell.
    const facts = new Map<string, ReturnType<typeof clientFacts>>();
    const agents = [...AGENTS, null];
    let x = 7;
    const rnd = (k: number): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16) % k;
    const rs: EnrichedRecord[] = [];
    for (let i = 0; i < 4000; i++) {
      const ip = `10.${rnd(2)}.${rnd(4)}.${rnd(3)}`;
      let f = facts.get(ip);
      if (f === undefined) facts.set(ip, (f = clientFacts(ip, null)));
      rs.push(rec(Math.floor(i / 400) * 60_000 + i, { clientIp: ip, client: f, userAgent: agents[rnd(agents.length)] ?? null }));
    }
    const state = count(rs);
    const want = new Map<string, { ips: Set<string>; agents: Set<string> }>();
    for (const r of rs) {
      const key = `${Math.floor(r.startMs / 60_000)} ${r.client?.narrow ?? ''}`;
      let w = want.get(key);
      if (w === undefined) want.set(key, (w = { ips: new Set(), agents: new Set() }));
      w.ips.add(r.clientIp ?? '');
      if (r.userAgent !== null) w.agents.add(r.userAgent);
    }
    const got = new Map<string, { ips: Set<string>; agents: Set<string> }>();
    for (const [m, kinds] of state.toJSON().minutes) for (const [key, , , , members, cellAgents] of kinds[1]?.[0] ?? []) got.set(`${m} ${key}`, { ips: new Set(members), agents: new Set(cellAgents) });
    expect(got.size).toBe(want.size);
    for (const [key, w] of want) expect(got.get(key)).toEqual(w);
  });
});
