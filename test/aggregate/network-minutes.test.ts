import fc from 'fast-check';
import { NetworkMinutes } from '../../src/aggregate/network-minutes';
import { judgeSurges } from '../../src/detect/surge';
import type { EnrichedRecord } from '../../src/enrich/types';
import { rec } from '../helpers/records';

const OPTIONS = { factor: 3, sustainedFactor: 2, sustainedMinutes: 10, dropFactor: 0.25, minMinutes: 3, baselineMinutes: 60, minBaseline: 20, organicTopShare: 0.1 };

/**
 * Two hours at ~40 requests a minute from 300 networks; in minutes 90–95, 400 more networks send one request each
 * first and then one network (203.0.113.0/24) sends 400 a minute: the old first-256-networks-per-minute rule never
 * saw it.
 */
function traffic(): EnrichedRecord[] {
  const out: EnrichedRecord[] = [];
  for (let m = 0; m < 120; m++) {
    for (let k = 0; k < 40; k++) out.push(rec(m * 60_000 + k * 1000, { clientIp: `10.${(m * 40 + k) % 300}.0.1` }));
    if (m >= 90 && m < 96) {
      for (let k = 0; k < 400; k++) out.push(rec(m * 60_000 + 41_000, { clientIp: `172.${16 + Math.floor(k / 200)}.${k % 200}.9` }));
      for (let k = 0; k < 400; k++) out.push(rec(m * 60_000 + 42_000 + k * 10, { clientIp: `203.0.113.${1 + (k % 200)}` }));
    }
  }
  return out;
}

function count(rs: readonly EnrichedRecord[]): NetworkMinutes {
  const s = new NetworkMinutes(65_536, false);
  for (const r of rs) s.add(r);
  return s;
}

describe('NetworkMinutes (the surge state)', () => {
  const records = traffic();

  it('names the network that made the surge, even when hundreds of others came first in its minutes', () => {
    const found = judgeSurges(count(records), OPTIONS);
    const surge = found.find((f) => f.metrics['kind'] === 'surge');
    expect(surge?.metrics['top_network']).toBe('203.0.113.0/24');
  });

  it('merged shards give the state and the findings of one pass, wherever the input is cut', () => {
    const whole = count(records);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: records.length }), fc.integer({ min: 0, max: records.length }), (i, j) => {
        const [a, b] = [Math.min(i, j), Math.max(i, j)];
        const [first, ...rest] = [records.slice(0, a), records.slice(a, b), records.slice(b)].map((p) => count(p));
        for (const p of rest) first?.merge(p);
        expect(first?.toJSON()).toEqual(whole.toJSON());
        expect(judgeSurges(first as NetworkMinutes, OPTIONS)).toEqual(judgeSurges(whole, OPTIONS));
      }),
      { numRuns: 15 },
    );
  });

  it('counts records that come late for a compacted minute', () => {
    const late = rec(10 * 60_000, { clientIp: '198.51.100.7' });
    const s = count([...records, late]);
    expect(s.toJSON()).toEqual(count([late, ...records]).toJSON());
  });

  it('round-trips through JSON', () => {
    const s = count(records);
    const back = NetworkMinutes.fromJSON(JSON.parse(JSON.stringify(s.toJSON())), false);
    expect(back.toJSON()).toEqual(s.toJSON());
  });

  it('keeps at most the cap of networks a minute and counts the rest in the total', () => {
    const s = new NetworkMinutes(3, false);
    for (let k = 0; k < 10; k++) s.add(rec(1000 + k, { clientIp: `192.0.${k}.1` }));
    const m0 = s.toJSON().minutes[0];
    expect([m0?.[1], m0?.[2], m0?.[3].length, s.cappedMinutes]).toEqual([10, 7, 3, 1]);
  });
});
