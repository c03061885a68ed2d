/** The traffic summary's request rate: peak, median and mean per minute over the whole period. */
import { TrafficProfile } from '../../src/profile/traffic';
import { rec, T0 } from '../helpers/records';

const MIN = 60_000;

describe('TrafficProfile requests_per_minute', () => {
  it('keeps a sparse log mean readable: 3 requests over 1,000 days average 2.08e-6/min, not 0', () => {
    const t = new TrafficProfile();
    for (const at of [0, 500 * 1440 * MIN, 1000 * 1440 * MIN]) t.observe(rec(at));
    const rpm = t.result(10).summary.requests_per_minute;
    expect(rpm.peak).toBe(1);
    expect(rpm.median).toBe(0);
    expect(rpm.mean).toBe(0.00000208);
    expect(rpm.peak_minute).toBe(Math.floor(T0 / MIN) * MIN);
  });

  it('rounds a mean of 1 or more to two decimals', () => {
    const t = new TrafficProfile();
    // 7 requests in minute 0, none in minute 1, 1 in minute 2: 8 over 3 minutes = 2.67; the median of 7, 0, 1 is 1.
    for (let i = 0; i < 7; i++) t.observe(rec(i * 1000));
    t.observe(rec(2 * MIN + 5));
    const rpm = t.result(10).summary.requests_per_minute;
    expect([rpm.peak, rpm.median, rpm.mean]).toEqual([7, 1, 2.67]);
  });
});
