/**
 * surge with a learned baseline: a level the same time of day reached on the learned days is the site's rhythm,
 * not an incident. The days are the generator's same seed placed on four dates, so every day has the same rhythm
 * (its lulls at the same minutes); the judged day also has an outage cut into it (no request from 14:00 to 14:12),
 * which no learned day had.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { lbua, json } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { generatedLog } from '../helpers/generated';
import { tempDirs } from '../helpers/tmp';
import { Baseline } from '../../src/aggregate/baseline';

const tempDir = tempDirs();
const day = (d: number): string => generatedLog(['-n', '8000', '--hours', '24', '--seed', '5', '--start', `2026-03-0${d}T00:00:00Z`], '.log.gz').path;

interface Finding {
  readonly detector: string;
  readonly severity: string;
  readonly title: string;
  readonly window: { readonly start: string };
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly actions: readonly unknown[];
}

describe('surge against the learned time of day (--baseline)', () => {
  let dir = '';
  let base = '';
  let judged = '';
  beforeAll(async () => {
    dir = tempDir('lbua-seasonal-');
    base = join(dir, 'base.json');
    expect((await lbuaIn(['baseline', 'build', day(1), day(2), day(3), '-o', base])).code).toBe(0);
    // Day 4 with an outage: every request logged from 14:00 to 14:12 removed.
    const lines = gunzipSync(readFileSync(day(4))).toString('utf8').split('\n');
    judged = join(dir, 'day4-outage.log');
    writeFileSync(judged, lines.filter((l) => !/^\S+ 2026-03-04T14:(0\d|1[01])/.test(l)).join('\n'));
  }, 120_000);

  it('calls the lulls every learned day has at that time info, and keeps the outage none of them had', async () => {
    const without = (json(await lbuaIn(['analyze', judged, '--detectors', 'surge', '--output', 'json'])) as { findings: Finding[] }).findings;
    const withBase = (json(await lbuaIn(['analyze', judged, '--detectors', 'surge', '--baseline', base, '--output', 'json'])) as { findings: Finding[] }).findings;
    // The same spans either way: the baseline changes how they are judged, not what the in-run rule finds.
    // (Findings are listed most severe first, so compare the windows in time order.)
    const starts = (fs: readonly Finding[]): string[] => fs.map((f) => f.window.start).sort();
    expect(starts(withBase)).toEqual(starts(without));
    const outage = (fs: readonly Finding[]): Finding | undefined => fs.find((f) => f.window.start.startsWith('2026-03-04T14:0'));
    expect(outage(without)).toMatchObject({ severity: 'medium', metrics: { kind: 'drop', peak_rpm: 0 } });
    const kept = outage(withBase);
    expect(kept).toMatchObject({ severity: 'medium', metrics: { kind: 'drop', peak_rpm: 0, baseline_days: 3 } });
    expect(Number(kept?.metrics['seasonal_low_rpm'])).toBeGreaterThan(0);
    expect(kept?.title).toMatch(/req\/min at this time on 3 learned days\)$/);
    expect(kept?.actions.length).toBeGreaterThan(0);
    // The lulls: medium without the history, info with it, each saying why.
    const lulls = without.filter((f) => f !== outage(without));
    expect(lulls.length).toBeGreaterThan(0);
    expect(lulls.every((f) => f.severity === 'medium' && f.metrics['kind'] === 'drop')).toBe(true);
    const judgedLulls = withBase.filter((f) => f !== kept);
    expect(judgedLulls.length).toBe(lulls.length);
    expect(judgedLulls.every((f) => f.severity === 'info')).toBe(true);
    for (const f of judgedLulls) {
      expect(f.title).toMatch(/ — usual for this time of day \(\d+–\d+ req\/min on 3 learned days\)$/);
      expect(Number(f.metrics['peak_rpm'])).toBeGreaterThanOrEqual(Number(f.metrics['seasonal_low_rpm']));
      expect(f.actions).toEqual([]);
    }
  }, 120_000);

  it('keeps requests per minute per day, merged exactly, written as runs and read back', () => {
    const b = Baseline.fromJSON(JSON.parse(readFileSync(base, 'utf8')));
    const days = b.sortedDays();
    expect(days.map((d) => d.date)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    for (const { day: d } of days) {
      // Minutes add up to the hours they fall in.
      for (let h = 0; h < 24; h++) {
        let sum = 0;
        for (let m = h * 60; m < (h + 1) * 60; m++) sum += d.minutes[m] ?? 0;
        expect(sum).toBe(d.hours[h]?.[0]);
      }
    }
    // The same seed on three dates: the same rhythm, minute for minute.
    expect([...(days[1]?.day.minutes ?? [])]).toEqual([...(days[0]?.day.minutes ?? [])]);
    expect(JSON.stringify(Baseline.fromJSON(b.toJSON()).toJSON())).toBe(JSON.stringify(b.toJSON()));
    const start = Date.parse('2026-03-04T14:00:00Z') / 60_000;
    expect(b.seasonalMinutes(start, start + 11)?.days).toBe(3);
    // Two learned days are too few to call anything usual.
    const two = Baseline.fromJSON({ ...b.toJSON(), days: b.toJSON().days.slice(0, 2) });
    expect(two.seasonalMinutes(start, start + 11)).toBeNull();
  });
});
