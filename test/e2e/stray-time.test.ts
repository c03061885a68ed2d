/**
 * A stray timestamp far from the rest (a broken clock, a hostile line) must not make the run slow or big: nothing
 * walks or allocates every minute of the range. Before the fix, one line dated 1996 next to a 2026 log took
 * minutes in the surge detector and allocated a zero per empty minute for the median rate.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

describe('a stray timestamp thirty years away', () => {
  it('is analyzed quickly, with a bounded timeline and a median rate that counts the empty minutes', async () => {
    const tmp = tempDir('lbua-stray-');
    const log = join(tmp, 'stray.log');
    expect((await lbuaIn(['generate', '-n', '3000', '--hours', '1', '--seed', '2', '-o', log])).code).toBe(0);
    appendFileSync(log, 'http 1996-03-10T09:00:00.100000Z app/shop/50dc6c495c0c9188 198.51.100.7:4000 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://shop.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 1996-03-10T09:00:00.000000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1 "-" "-" "-"\n');
    const r = await lbuaIn(['analyze', log, '--output', 'json']);
    expect(r.code).toBe(0);
    const report = json(r) as { summary: { time_range: { start: string }; requests_per_minute: { median: number; peak: number } }; timeline: { bucket_seconds: number; buckets: unknown[] } };
    expect(report.summary.time_range.start).toBe('1996-03-10T09:00:00.000Z');
    expect(report.summary.requests_per_minute.median).toBe(0);
    expect(report.summary.requests_per_minute.peak).toBeGreaterThan(10);
    expect(report.timeline.buckets.length).toBeLessThanOrEqual(720);
    expect(report.timeline.bucket_seconds).toBe(2_592_000);
  }, 30_000);
});

describe('a stray timestamp months ahead, in the middle of a log', () => {
  it('is reported as a malformed line and not analyzed, so the records after it are not late', async () => {
    const tmp = tempDir('lbua-stray-ahead-');
    const clean = join(tmp, 'clean.log');
    expect((await lbuaIn(['generate', '-n', '6000', '--hours', '2', '--seed', '3', '--incident', 'all', '-o', clean])).code).toBe(0);
    const lines = readFileSync(clean, 'utf8').split('\n');
    // Line 2,001 of the new file: a copy of line 2,000 dated six months later (a broken clock on one host).
    const stray = (lines[1999] ?? '').replace(/2026-03-10T\d\d/g, '2026-09-10T06');
    const withStray = join(tmp, 'stray.log');
    writeFileSync(withStray, [...lines.slice(0, 2000), stray, ...lines.slice(2000)].join('\n'));
    type R = { inputs: { malformed: number; records: number }[]; warnings: { code: string; line: number | null }[]; sessions: { stitching: { late_records: number } }; findings: { detector: string; severity: string; subject: { value: string } }[] };
    const a = json(await lbuaIn(['analyze', clean, '--output', 'json'])) as R;
    const b = json(await lbuaIn(['analyze', withStray, '--output', 'json'])) as R;
    expect(b.inputs[0]?.malformed).toBe(1);
    expect(b.inputs[0]?.records).toBe(a.inputs[0]?.records);
    expect(b.warnings.filter((w) => w.code === 'TIME_STRAY').map((w) => w.line)).toEqual([2001]);
    expect(b.sessions.stitching.late_records).toBe(a.sessions.stitching.late_records);
    const what = (r: R): string[] => r.findings.map((f) => `${f.detector} ${f.severity} ${f.subject.value}`);
    expect(what(a).length).toBeGreaterThanOrEqual(5);
    expect(what(b)).toEqual(what(a));
  }, 60_000);
});
