/** The country and ASN views: the "other" ASN row and the first-third/last-third comparison. */
import { GeoView } from '../../src/profile/geo-view';
import { rec } from '../helpers/records';
import { geo } from '../detectors/harness';

const HOUR = 3_600_000;

describe('GeoView', () => {
  // Three hours; AS1 and AS2 from the start, AS3 and AS4 only in the last hour, latency rising there for all.
  const view = new GeoView([], 2);
  for (let m = 0; m < 180; m++) {
    const late = m >= 120;
    const asns = late ? [1, 2, 3, 4] : [1, 2];
    for (const asn of asns) for (let k = 0; k < 3; k++) view.observe(rec(m * 60_000 + k * 1000, { geo: geo('US', asn), durationMs: late ? 200 : 20 }));
  }
  const result = view.result(10);

  it('compares the first and last third of each capped ASN and of the country', () => {
    const as1 = result.asns.find((r) => r.key === 'AS1');
    expect(as1?.change).toMatchObject({ requests_first: 180, requests_last: 180 });
    expect(as1?.change?.p95_change).toBeGreaterThan(5);
    expect(result.countries[0]?.change?.requests_last).toBe(720);
  });

  it('gives "other" (the ASNs past the busiest two) no comparison, and never lists it as a riser', () => {
    const other = result.asns.find((r) => r.key === 'other');
    expect(other?.requests).toBe(360);
    expect(other?.change).toBeNull();
    expect(result.latency_risers.map((r) => r.key)).toEqual(expect.arrayContaining(['AS1', 'AS2', 'US']));
    expect(result.latency_risers.map((r) => r.key)).not.toContain('other');
  });

  it('names the busiest ASNs, not the first seen: a heavy network that arrives last is in the table, in any order', () => {
    const records = [
      ...[1, 2, 3].flatMap((asn) => Array.from({ length: 5 }, (_, k) => rec(asn * 60_000 + k * 1000, { geo: geo('US', asn) }))),
      ...Array.from({ length: 50 }, (_, k) => rec(10 * 60_000 + k * 1000, { geo: geo('US', 9) })),
    ];
    const named = (rs: typeof records): string[] => {
      const v = new GeoView([], 2);
      for (const r of rs) v.observe(r);
      return v.result(10).asns.map((r) => `${r.key}:${r.requests}`);
    };
    expect(named(records)).toEqual(['AS9:50', 'other:10', 'AS1:5']);
    expect(named([...records].reverse())).toEqual(named(records));
  });
});
