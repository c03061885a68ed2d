/**
 * Learned baselines end to end: a generated week of normal traffic (2026-03-02 .. 03-08, a seed per day), a drift day
 * (03-09: a new network whose 5xx rate creeps up, a new endpoint taking traffic, latency 60% above normal for the
 * first hours) and a clean day after it (03-10). With `--baseline` the history detector finds each drift, without it
 * nothing does; the clean day gives no high finding. `baseline build`, `merge` and `update` give the same bytes.
 */
import { readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { lbua, json } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { generatedLog } from '../helpers/generated';
import { tempDirs } from '../helpers/tmp';
import { findsIncident, type Expected } from '../../src/generate/incidents';
import { analyze, type AnalyzeOptions } from '../../src/analysis';
import { openGeo } from '../../src/enrich/geo/index';
import { Baseline, checkBaseline, type BaselineJson } from '../../src/aggregate/baseline';
import { renderJson } from '../../src/report/json';
import historyDetector, { judgeHistory } from '../../src/detect/history';
import { rec } from '../helpers/records';

const tempDir = tempDirs();
const N = '8000';
const day = (d: number, extra: string[] = []): string =>
  generatedLog(['-n', N, '--hours', '24', '--seed', String(d), '--start', `2026-03-${String(d).padStart(2, '0')}T00:00:00Z`, ...extra], '.log.gz', extra.length > 0).path;

interface Report {
  findings: { detector: string; severity: string; subject: { type: string; value: string }; window: { start: string; end: string }; metrics: Record<string, number | string | null> }[];
}

describe('lbua baseline and analyze --baseline', () => {
  let dir = '';
  let week: string[] = [];
  let weekFile = '';
  beforeAll(() => {
    dir = tempDir('lbua-baseline-');
    week = [2, 3, 4, 5, 6, 7, 8].map((d) => day(d));
    weekFile = join(dir, 'week.json');
    // Spawned once (the CLI path of baseline); the other runs are in-process.
    const r = lbua(['baseline', 'build', ...week, '-o', weekFile]);
    expect(r.code).toBe(0);
  }, 120_000);

  it('finds each drift of the day after the week, and without --baseline nothing finds them', async () => {
    const drift = generatedLog(['-n', N, '--hours', '24', '--seed', '9', '--start', '2026-03-09T00:00:00Z', '--incident', 'drift'], '.log.gz', true);
    const expected = JSON.parse(readFileSync(drift.expected ?? '', 'utf8')) as Expected[];
    expect(expected.map((e) => e.incident).sort()).toEqual(['latency-shift', 'new-asn-errors', 'new-endpoint']);
    const withBase = json(await lbuaIn(['analyze', drift.path, '--baseline', weekFile, '--output', 'json'])) as Report;
    const without = json(await lbuaIn(['analyze', drift.path, '--output', 'json'])) as Report;
    for (const e of expected) {
      expect(withBase.findings.filter((f) => findsIncident(f, e)).map((f) => f.subject.value)).toEqual([e.subject]);
      // Under the run's own thresholds: no detector finds it without the history (any detector, same subject and window).
      expect(without.findings.filter((f) => f.subject.value === e.subject && f.subject.type === e.subjectType)).toEqual([]);
    }
    expect(without.findings.filter((f) => f.severity === 'high' || f.severity === 'critical')).toEqual([]);
    const by = (kind: string): Report['findings'][number] => {
      const f = withBase.findings.find((x) => x.metrics['kind'] === kind);
      if (f === undefined) throw new Error(`no ${kind} finding`);
      return f;
    };
    // A new network whose errors are far above the learned rate: high, with what the baseline expected.
    const asn = by('new-asn');
    expect(asn).toMatchObject({ severity: 'high', subject: { type: 'asn', value: '5650' } });
    expect(asn.metrics['baseline_days']).toBe(7);
    expect(Number(asn.metrics['expected_error_rate'])).toBeGreaterThan(0);
    expect(Number(asn.metrics['expected_error_rate'])).toBeLessThan(0.002);
    expect(Number(asn.metrics['expected_error_rate_spread'])).toBeGreaterThan(0);
    expect(Number(asn.metrics['error_rate'])).toBeGreaterThan(10 * Number(asn.metrics['expected_error_rate']));
    const ep = by('new-endpoint');
    expect(ep).toMatchObject({ subject: { type: 'endpoint', value: 'GET /api/v2/export' }, metrics: { baseline_days: 7 } });
    expect(Number(ep.metrics['requests'])).toBeGreaterThanOrEqual(200);
    // Latency: the same hours of 7 days expected ~9 ms; the first hours of the drift day were well above.
    const lat = by('latency');
    expect(lat.subject).toEqual({ type: 'global', value: 'all' });
    expect(lat.metrics['baseline_days']).toBe(7);
    expect(Number(lat.metrics['observed'])).toBeGreaterThan(1.3 * Number(lat.metrics['expected']));
    expect(Number(lat.metrics['expected_spread'])).toBeGreaterThan(0);
    expect(Number(lat.metrics['hours'])).toBeGreaterThanOrEqual(6);
    expect(lat.window.start).toBe('2026-03-09T00:00:00.000Z');
    expect(Date.parse(lat.window.end)).toBeLessThanOrEqual(Date.parse('2026-03-09T11:00:00.000Z'));
    expect(withBase.findings.every((f) => f.detector === 'history')).toBe(true);
  }, 120_000);

  it('gives no high finding (no history finding at all) on the clean day after', async () => {
    const clean = json(await lbuaIn(['analyze', day(10), '--baseline', weekFile, '--output', 'json'])) as Report;
    expect(clean.findings.filter((f) => f.severity === 'high' || f.severity === 'critical')).toEqual([]);
    expect(clean.findings.filter((f) => f.detector === 'history')).toEqual([]);
  }, 60_000);

  it('gives the same bytes from build, merge of nightly files in any order, and nightly updates', async () => {
    const days = week.slice(0, 3);
    const nightly: string[] = [];
    for (const [i, w] of days.entries()) {
      const out = join(dir, `night${i}.json`);
      expect((await lbuaIn(['baseline', 'build', w, '-o', out])).code).toBe(0);
      nightly.push(out);
    }
    const built = join(dir, 'three.json');
    expect((await lbuaIn(['baseline', 'build', ...days, '-o', built])).code).toBe(0);
    const whole = readFileSync(built, 'utf8');
    expect((JSON.parse(whole) as BaselineJson).days.map((d) => d.date)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04']);
    const merged = join(dir, 'merged.json.gz');
    expect((await lbuaIn(['baseline', 'merge', nightly[2] ?? '', nightly[0] ?? '', nightly[1] ?? '', '-o', merged])).code).toBe(0);
    expect(gunzipSync(readFileSync(merged)).toString('utf8')).toBe(whole);
    // Nightly updates of a rolling window of 2 days: the same as building the last two days; the oldest is gone.
    const rolling = join(dir, 'rolling.json');
    copyFileSync(nightly[0] ?? '', rolling);
    for (const w of days.slice(1)) expect((await lbuaIn(['baseline', 'update', rolling, w, '--keep-days', '2'])).code).toBe(0);
    // The last night again: its day is replaced, not counted twice.
    expect((await lbuaIn(['baseline', 'update', rolling, days[2] ?? '', '--keep-days', '2'])).code).toBe(0);
    const two = join(dir, 'two.json');
    expect((await lbuaIn(['baseline', 'merge', nightly[1] ?? '', nightly[2] ?? '', '-o', two])).code).toBe(0);
    expect(readFileSync(rolling, 'utf8')).toBe(readFileSync(two, 'utf8'));
    expect((JSON.parse(readFileSync(rolling, 'utf8')) as BaselineJson).days.map((d) => d.date)).toEqual(['2026-03-03', '2026-03-04']);
    // Size is per day, bounded by --keep-days: the week is about 7 days' worth of a single day's bytes, not more.
    const perDay = statSync(nightly[0] ?? '').size;
    expect(statSync(weekFile).size).toBeLessThan(perDay * 7.5);
    expect(statSync(rolling).size).toBeLessThan(perDay * 2.5);
    expect(perDay).toBeLessThan(40_000);
  }, 120_000);

  it('judges the same with --jobs 1 and with workers', async () => {
    const base = Baseline.fromJSON(JSON.parse(readFileSync(weekFile, 'utf8')) as BaselineJson);
    const drift = generatedLog(['-n', N, '--hours', '24', '--seed', '9', '--start', '2026-03-09T00:00:00Z', '--incident', 'drift'], '.log.gz', true).path;
    // Two inputs (the drift day cut in two), so a run can shard them.
    const lines = gunzipSync(readFileSync(drift)).toString('utf8').split('\n');
    const half = Math.floor(lines.length / 2);
    const a = join(dir, 'a.log');
    const b = join(dir, 'b.log');
    writeFileSync(a, `${lines.slice(0, half).join('\n')}\n`);
    writeFileSync(b, lines.slice(half).join('\n'));
    const sel = { only: null, disabled: [], overrides: {}, evidenceLimit: 5, withBaseline: true };
    const geo = await openGeo({ geoipPath: null, asnPath: null, noBundled: false });
    const options: AnalyzeOptions = { format: 'auto', strict: false, maxLineLength: 65_536, from: null, to: null, top: 10, maxWarnings: 20, detectors: sel, baseline: base, geo, minTaskBytes: 1 };
    const inputs = [a, b].map((path) => ({ path, stdin: false }));
    const one = await analyze(inputs, { ...options, jobs: 1 });
    const two = await analyze(inputs, { ...options, jobs: 2 });
    expect(two.workers).toBe(2);
    expect(one.report.findings.filter((f) => f.detector === 'history')).toHaveLength(3);
    expect(renderJson(two.report)).toBe(renderJson(one.report));
  }, 120_000);

  it('refuses a bad or mismatched baseline with exit 2 and one line', async () => {
    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, '{"schema": "lbua.baseline/1", "settings"');
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ schema: 'lbua.profile/2' }));
    const log = week[0] ?? '';
    // A missing file spawned (node's fs error codes do not pass jest's sandbox), the others in-process.
    const missing = join(dir, 'missing.json');
    for (const args of [['--baseline', notJson], ['--baseline', other], ['--baseline', missing], ['--baseline', weekFile, '--no-geo'], ['--baseline', weekFile, '--route', '/x/:id']]) {
      const argv = ['analyze', log, '--output', 'json', ...args];
      const r = args.includes(missing) ? lbua(argv) : await lbuaIn(argv);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const merged = await lbuaIn(['baseline', 'merge', weekFile, other]);
    expect(merged.code).toBe(2);
    expect(merged.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('history judge (hand-built state)', () => {
  const DAY = 86_400_000;
  const HOUR = 3_600_000;
  const defaults = historyDetector.defaultOptions;
  /** `perHour` requests in each of hours 0..5 of day `d` (relative to T0's day), every `errEvery`-th a 502. */
  const dayOf = (b: Baseline, d: number, perHour: number, o: { errEvery?: number; ms?: number; path?: string } = {}): void => {
    for (let h = 0; h < 6; h++) {
      for (let i = 0; i < perHour; i++) {
        const errEvery = o.errEvery ?? 0;
        b.add(rec(d * DAY + h * HOUR + Math.floor((i * HOUR) / perHour), { status: errEvery > 0 && i % errEvery === 0 ? 502 : 200, durationMs: o.ms ?? 20, path: o.path ?? '/' }));
      }
    }
  };
  const base = (): Baseline => {
    const b = new Baseline({ geo: false, routes: [] });
    dayOf(b, -3, 300, { errEvery: 100 });
    dayOf(b, -2, 320, { errEvery: 100 });
    dayOf(b, -1, 280, { errEvery: 100 });
    return b;
  };
  const judge = (fill: (b: Baseline) => void): ReturnType<typeof judgeHistory> => {
    const today = new Baseline({ geo: false, routes: [] });
    fill(today);
    return judgeHistory(today, base(), defaults);
  };

  it.each([
    ['a day like the learned ones', (b: Baseline) => dayOf(b, 0, 310, { errEvery: 100 })],
    ['traffic 1.4x (under trafficFactor)', (b: Baseline) => dayOf(b, 0, 420, { errEvery: 100 })],
    ['latency 1.25x (under latencyFactor)', (b: Baseline) => dayOf(b, 0, 300, { errEvery: 100, ms: 25 })],
    ['a new endpoint under newMinRequests', (b: Baseline) => {
      dayOf(b, 0, 300, { errEvery: 100 });
      dayOf(b, 0, 30, { path: '/api/v2/export' });
    }],
  ])('silent: %s', (_name, fill) => {
    expect(judge(fill)).toEqual([]);
  });

  it('fires on a traffic drop: expected value, spread and days', () => {
    const fs = judge((b) => dayOf(b, 0, 100, { errEvery: 100 }));
    // All traffic and its one endpoint, GET /: each judged against its own same hours.
    expect(fs.map((f) => f.subject.value)).toEqual(['GET /', 'all']);
    expect(fs[1]).toMatchObject({ detector: 'history', subject: { type: 'global', value: 'all' }, metrics: { kind: 'traffic', direction: 'down', observed: 100, expected: 300, baseline_days: 3 } });
    expect(fs[1]?.metrics['expected_spread']).toBe(30);
  });

  it('fires on an error rate and a latency far above the same hours', () => {
    const fs = judge((b) => dayOf(b, 0, 300, { errEvery: 10, ms: 40 }));
    expect(fs.map((f) => [f.metrics['kind'], f.subject.value, f.metrics['baseline_days']])).toEqual(expect.arrayContaining([
      ['error-rate', 'all', 3], ['latency', 'all', 3],
    ]));
    const lat = fs.find((f) => f.metrics['kind'] === 'latency' && f.subject.type === 'global');
    expect(lat?.metrics).toMatchObject({ observed: 40, expected: 20, hours: 6 });
    expect(lat?.severity).toBe('high');
  });

  it('fires on a new endpoint taking traffic', () => {
    const fs = judge((b) => {
      dayOf(b, 0, 300, { errEvery: 100 });
      dayOf(b, 0, 60, { path: '/api/v2/export' });
    });
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ severity: 'medium', subject: { type: 'endpoint', value: 'GET /api/v2/export' }, metrics: { kind: 'new-endpoint', requests: 360, baseline_days: 3 } });
  });

  it('merges shards into what one pass counts, whatever the order', () => {
    const one = base();
    const parts = [new Baseline({ geo: false, routes: [] }), new Baseline({ geo: false, routes: [] }), new Baseline({ geo: false, routes: [] })];
    dayOf(parts[2] ?? one, -1, 280, { errEvery: 100 });
    dayOf(parts[0] ?? one, -3, 300, { errEvery: 100 });
    dayOf(parts[1] ?? one, -2, 320, { errEvery: 100 });
    const [a, b, c] = parts as [Baseline, Baseline, Baseline];
    b.merge(c);
    a.merge(b);
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(one.toJSON()));
    expect(JSON.stringify(Baseline.fromJSON(a.toJSON()).toJSON())).toBe(JSON.stringify(one.toJSON()));
  });
});

describe('baseline aggregate', () => {
  it('checks the shape of a saved baseline', () => {
    expect(checkBaseline({ schema: 'lbua.baseline/1', settings: { geo: true, routes: [] }, days: [] })).not.toEqual(expect.any(String));
    expect(checkBaseline({ schema: 'lbua.baseline/1', settings: { geo: true, routes: [] }, days: [{ date: 'x' }] })).toMatch(/day 1: bad date/);
    expect(checkBaseline(null)).toMatch(/not a JSON object/);
  });
});
