/**
 * The report's state merges and persists: the traffic summary, the timeline, the geo view and the session summary,
 * counted over the incident scenario cut anywhere into three parts and merged (in order or reversed), hold what one
 * pass holds (equal JSON), and read back from JSON equal. All below the caps (100,000 keys per top table, 1,200
 * ASNs): past them a merge is not exact (what was pruned depends on the cut), as the files say.
 */
import fc from 'fast-check';
import { Timeline } from '../../src/profile/timeline';
import { GeoView } from '../../src/profile/geo-view';
import { DEFAULT_LIMITS } from '../../src/core/limits';
import { TrafficProfile } from '../../src/profile/traffic';
import { SessionSummary } from '../../src/sessions/summary';
import type { EnrichedRecord } from '../../src/enrich/types';
import type { Session } from '../../src/sessions/types';
import type { LogRecord } from '../../src/core/types';
import { expectCutsMergeToOnePass } from '../helpers/shards';
import { generatedLog } from '../helpers/generated';
import { scenarioRecords } from '../helpers/scenario-records';

/** JSON text and back: what a saved file or a worker's message holds. */
const viaJson = <T>(x: { toJSON(): T }): T => JSON.parse(JSON.stringify(x.toJSON())) as T;

describe('report state over the incident scenario', () => {
  const log = generatedLog(['-n', '30000', '--hours', '3', '--seed', '4', '--incident', 'all'], '.log.gz');
  let records: EnrichedRecord[] = [];
  let sessions: Session[] = [];
  beforeAll(async () => {
    ({ records, sessions } = await scenarioRecords(log.path, 'a.log'));
  }, 120_000);

  const counted = <S>(make: () => S, add: (s: S, r: EnrichedRecord) => void) => (rs: readonly EnrichedRecord[]): S => {
    const s = make();
    for (const r of rs) add(s, r);
    return s;
  };

  it('traffic summary: merged parts equal one pass; JSON round trip', () => {
    const count = counted(() => new TrafficProfile(true), (t, r) => t.observe(r));
    expectCutsMergeToOnePass(records, count, (t) => t.result(10), { numRuns: 3 });
    const whole = count(records);
    const back = TrafficProfile.fromJSON(viaJson(whole), true);
    expect(back.toJSON()).toEqual(whole.toJSON());
    expect(back.result(10)).toEqual(whole.result(10));
  });

  it('traffic summary: mergeJSON of parts equals merge of their fromJSON, pruned tables included', () => {
    // Caps small enough that the parts' client and path tables are pruned, and big enough that most are not.
    for (const limits of [DEFAULT_LIMITS, { ...DEFAULT_LIMITS, topKeys: 300, topKeyChars: 6_000 }]) {
      const count = counted(() => new TrafficProfile(true, limits), (t, r) => t.observe(r));
      const cut = [0, 9_000, 21_000, records.length];
      const parts = cut.slice(1).map((end, i) => viaJson(count(records.slice(cut[i], end))));
      const viaProfiles = new TrafficProfile(true, limits);
      const direct = new TrafficProfile(true, limits);
      for (const j of parts) {
        viaProfiles.merge(TrafficProfile.fromJSON(j, true));
        direct.mergeJSON(j, true);
      }
      expect(JSON.stringify(direct.toJSON())).toBe(JSON.stringify(viaProfiles.toJSON()));
      expect(direct.result(10)).toEqual(viaProfiles.result(10));
      if (limits !== DEFAULT_LIMITS) expect(parts.some((j) => j.clients.prunes > 0)).toBe(true);
    }
  });

  it('timeline: merged parts equal one pass; JSON round trip', () => {
    const count = counted(() => new Timeline(), (t, r) => t.observe(r));
    expectCutsMergeToOnePass(records, count, (t) => t.result(), { numRuns: 3 });
    const whole = count(records);
    expect(Timeline.fromJSON(viaJson(whole)).toJSON()).toEqual(whole.toJSON());
  });

  it('geo view: merged parts equal one pass; JSON round trip', () => {
    const count = counted(() => new GeoView(['bundled']), (v, r) => v.observe(r));
    expectCutsMergeToOnePass(records, count, (v) => v.result(10), { numRuns: 2 });
    const whole = count(records);
    const back = GeoView.fromJSON(viaJson(whole));
    expect(back.toJSON()).toEqual(whole.toJSON());
    expect(back.result(10)).toEqual(whole.result(10));
    expect(whole.result(10).countries.length).toBeGreaterThan(3);
  });

  it('session summary: sessions counted in parts and merged equal one pass; JSON round trip', () => {
    const meta = { timeoutMs: 30 * 60_000, key: 'ip+ua', late: 0, forced: 0, peakOpen: 0 };
    const count = (ss: readonly Session[]): SessionSummary => {
      const s = new SessionSummary();
      for (const x of ss) s.observe(x);
      return s;
    };
    const whole = count(sessions);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sessions.length }), fc.integer({ min: 0, max: sessions.length }), fc.boolean(), (i, j, reversed) => {
        const [a, b] = [Math.min(i, j), Math.max(i, j)];
        const parts = [sessions.slice(0, a), sessions.slice(a, b), sessions.slice(b)].map(count);
        if (reversed) parts.reverse();
        const [first, ...rest] = parts as [SessionSummary, ...SessionSummary[]];
        for (const p of rest) first.merge(p);
        expect(first.toJSON()).toEqual(whole.toJSON());
        expect(first.result(10, meta)).toEqual(whole.result(10, meta));
      }),
      { numRuns: 10 },
    );
    const back = SessionSummary.fromJSON(viaJson(whole));
    expect(back.toJSON()).toEqual(whole.toJSON());
    expect(back.result(10, meta)).toEqual(whole.result(10, meta));
    expect(whole.result(10, meta).top_non_human.length).toBe(10);
  });
});

describe('Timeline merges parts of different widths', () => {
  const rec = (startMs: number, status: number, durationMs: number): LogRecord => ({ startMs, status, durationMs }) as unknown as LogRecord;
  const T0 = Date.parse('2026-03-10T06:00:00Z');
  const DAY = 86_400_000;

  it('a part of minutes merged with a part of weeks holds what one timeline of both holds, whatever the cut', () => {
    // Times over spans from minutes to months, so the parts end at different widths (and storage widths).
    const stream = fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(200, 302, 404, 503), fc.integer({ min: 1, max: 5000 })), { minLength: 1, maxLength: 300 });
    const spans = [3_600_000, 12 * 3_600_000, 7 * DAY, 60 * DAY, 3 * 365 * DAY];
    fc.assert(
      fc.property(stream, fc.nat(), fc.nat(), (xs, i, j) => {
        const rs = xs.map(([s, x, st, d]) => rec(T0 + Math.floor(x * (spans[s] ?? DAY)), st, d));
        const count = (part: readonly LogRecord[]): Timeline => {
          const t = new Timeline();
          for (const r of part) t.observe(r);
          return t;
        };
        const whole = count(rs);
        const [a, b] = [Math.min(i, j) % (rs.length + 1), Math.max(i, j) % (rs.length + 1)].sort((p, q) => p - q) as [number, number];
        for (const reversed of [false, true]) {
          const parts = [rs.slice(0, a), rs.slice(a, b), rs.slice(b)].map(count);
          if (reversed) parts.reverse();
          const [first, ...rest] = parts as [Timeline, ...Timeline[]];
          for (const p of rest) first.merge(p);
          expect(first.toJSON()).toEqual(whole.toJSON());
          expect(first.result()).toEqual(whole.result());
        }
      }),
      { numRuns: 200 },
    );
  });

  it('an hour merged with a later week coarsens to the week\'s width', () => {
    const hour = new Timeline();
    for (let m = 0; m < 60; m++) hour.observe(rec(T0 + m * 60_000, 200, 10));
    const week = new Timeline();
    for (let d = 0; d < 7; d++) week.observe(rec(T0 + 30 * DAY + d * DAY, 500, 20));
    expect(hour.result().bucket_seconds).toBe(60);
    hour.merge(week);
    const r = hour.result();
    expect(r.buckets.length).toBeLessThanOrEqual(720);
    expect(r.buckets.reduce((a, b) => a + b.requests, 0)).toBe(67);
    expect(r.bucket_seconds).toBe(7200);
  });
});
