/**
 * `lbua diff old.json new.json` on reports saved by `lbua analyze --output json` of two generated days: the numbers
 * are each report's own, a report against itself is "nothing changed", gzip is read by its magic bytes, markdown
 * renders as GitHub renders it (markdown-it) with log text escaped, and the exit codes are 0, 1 (--fail-on) and 2.
 * The analyses, a --fail-on exit and a missing report are spawned (bin/lbua.js); the other diffs are main() in this
 * process (test/helpers/in-process.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Report } from '../../src/core/report-types';
import type { ReportDiff } from '../../src/report/diff';
import { lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { generatedLog } from '../helpers/generated';
import { tempDirs } from '../helpers/tmp';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it') as new (opts?: { html?: boolean }) => { render(s: string): string };

const tempDir = tempDirs();

describe('lbua diff', () => {
  const dir = tempDir('lbua-diff-');
  const day1 = generatedLog(['-n', '12000', '--hours', '3', '--seed', '21'], '.log.gz');
  const day2 = generatedLog(['-n', '15000', '--hours', '3', '--seed', '22', '--start', '2026-03-11T06:00:00Z', '--incident', 'scanner'], '.log.gz');
  const saved = (path: string, code: number | null): { path: string; report: Report } => {
    expect(code).toBe(0);
    return { path, report: JSON.parse(readFileSync(path, 'utf8')) as Report };
  };
  // Analyses spawned (12,000-15,000 lines take longer in a jest worker than in their own process); diffs in-process.
  const save = (log: string, name: string, extra: readonly string[] = []): { path: string; report: Report } => {
    const path = join(dir, name);
    return saved(path, lbua(['analyze', log, '--output', 'json', '-o', path, ...extra]).code);
  };
  const a = save(day1.path, 'day1.json');
  const b = save(day2.path, 'day2.json');
  const diffJson = async (x: string, y: string, extra: readonly string[] = []): Promise<ReportDiff> => {
    const r = await lbuaIn(['diff', x, y, '--output', 'json', ...extra]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    return JSON.parse(r.stdout) as ReportDiff;
  };

  it('compares traffic, endpoints and findings with the numbers each report gives', async () => {
    const d = await diffJson(a.path, b.path);
    expect(d.schema).toBe('lbua.diff/1');
    expect(d.old.period).toEqual(a.report.summary.time_range);
    expect(d.new.period).toEqual(b.report.summary.time_range);
    expect(d.traffic.requests).toMatchObject({ old: a.report.summary.requests, new: b.report.summary.requests, delta: b.report.summary.requests - a.report.summary.requests });
    expect(d.traffic.p95_ms).toMatchObject({ old: a.report.summary.latency_ms.total.p95, new: b.report.summary.latency_ms.total.p95 });
    expect(d.traffic.bytes_out).toMatchObject({ old: a.report.summary.bytes.out, new: b.report.summary.bytes.out });
    const fiveXX = (r: Report): number => (r.summary.status_classes['5xx'] ?? 0) / r.summary.requests;
    expect(d.traffic.server_error_rate.old).toBeCloseTo(fiveXX(a.report), 4);
    expect(d.traffic.server_error_rate.new).toBeCloseTo(fiveXX(b.report), 4);
    // Every endpoint in both top lists carries each report's row.
    const home = d.endpoints.find((e) => e.endpoint === 'GET /');
    const rowOf = (r: Report): { requests: number; p95_ms: number | null; error_rate: number } | undefined => r.profiles?.endpoints_top.find((e) => e.endpoint === 'GET /');
    expect(home?.presence).toBe('both');
    expect(home?.requests).toMatchObject({ old: rowOf(a.report)?.requests, new: rowOf(b.report)?.requests });
    expect(home?.p95_ms).toMatchObject({ old: rowOf(a.report)?.p95_ms, new: rowOf(b.report)?.p95_ms });
    // The scanner of day 2: one new finding, matched by detector and subject, and its country/agent family new.
    expect(b.report.findings.length).toBeGreaterThan(0);
    expect(d.findings.matched_by).toBe('detector+subject');
    expect(d.findings.new.map((f) => f.detector)).toEqual(b.report.findings.map((f) => f.detector).sort());
    expect(d.findings.gone).toEqual([]);
    expect(d.unchanged).toBe(false);
    const families = d.tables.find((t) => t.name === 'agent_families');
    expect(families?.rows.find((r) => r.presence === 'new')).toBeDefined();
  });

  it('names a key missing from a capped list "not in the top N", and new only when the other list was complete', async () => {
    const a3 = save(day1.path, 'day1-top3.json', ['--top', '3']);
    const b3 = save(day2.path, 'day2-top3.json', ['--top', '3']);
    const d3 = await diffJson(a3.path, b3.path);
    const paths = d3.tables.find((t) => t.name === 'top.paths');
    expect(paths?.old_complete).toBe(false);
    expect(paths?.rows.every((r) => r.presence === 'both' || r.presence.startsWith('below_top'))).toBe(true);
    expect(d3.endpoints.some((e) => e.presence === 'new' || e.presence === 'gone')).toBe(false);
    // With room for every endpoint, the scanner's probes are new (the old report listed all of its endpoints).
    const aAll = save(day1.path, 'day1-all.json', ['--top', '1000']);
    const bAll = save(day2.path, 'day2-all.json', ['--top', '1000']);
    const dAll = await diffJson(aAll.path, bAll.path);
    expect(aAll.report.profiles?.endpoints_top.length).toBeLessThan(1000);
    const fresh = dAll.endpoints.filter((e) => e.presence === 'new').map((e) => e.endpoint);
    expect(fresh).toContain('GET /.env');
    expect(dAll.endpoints.find((e) => e.endpoint === 'GET /.env')?.requests.old).toBeNull();
  });

  it('finds nothing changed between a report and itself, and reads a gzipped report as the same report', async () => {
    const same = await diffJson(a.path, a.path);
    expect(same.unchanged).toBe(true);
    expect(same.findings.new).toEqual([]);
    expect(same.findings.gone).toEqual([]);
    expect(same.findings.still).toHaveLength(a.report.findings.length);
    expect(same.traffic.requests.delta).toBe(0);
    const table = await lbuaIn(['diff', a.path, a.path, '--output', 'table']);
    expect(table.stdout).toContain('Nothing changed.');
    const gz = join(dir, 'day2.json.gz');
    writeFileSync(gz, gzipSync(readFileSync(b.path)));
    const plain = await diffJson(a.path, b.path);
    const zipped = await diffJson(a.path, gz);
    expect({ ...zipped, new: { ...zipped.new, path: b.path } }).toEqual(plain);
    // One document, deterministic.
    expect((await lbuaIn(['diff', a.path, gz, '--output', 'json'])).stdout).toBe(lbua(['diff', a.path, gz, '--output', 'json']).stdout);
  });

  it('renders markdown that GitHub shows as tables, with log text escaped', async () => {
    const hostile = join(dir, 'hostile.json');
    const f = b.report.findings[0];
    if (f === undefined) throw new Error('day 2 has no finding');
    const evil = { ...f, subject: { type: 'ip', value: '<img src=x onerror=alert(1)>' }, title: 'x | y [click](javascript:alert(1)) <script>alert(1)</script> *bold*' };
    writeFileSync(hostile, JSON.stringify({ ...b.report, findings: [...b.report.findings, evil] }));
    const r = await lbuaIn(['diff', a.path, hostile, '--output', 'markdown']);
    expect(r.code).toBe(0);
    const html = new MarkdownIt({ html: true }).render(r.stdout);
    expect(html).toContain('<table>');
    expect(html).toContain('<h3>Traffic</h3>');
    expect(html).toContain(`<td>${a.report.summary.requests.toLocaleString('en-US')}</td>`);
    expect(html).not.toMatch(/<script|<img|<a |<strong>bold/);
    expect(html).toContain('&lt;script&gt;');
    // The pipe stayed in its cell: every table row has the header's number of cells.
    for (const table of html.split('<table>').slice(1)) {
      const head = (table.split('</thead>')[0]?.match(/<th[ >]/g) ?? []).length;
      for (const row of (table.split('<tbody>')[1] ?? '').split('<tr>').slice(1)) expect((row.match(/<td[ >]/g) ?? []).length).toBe(head);
    }
    // -o picks the kind from the extension.
    const md = join(dir, 'diff.md');
    expect((await lbuaIn(['diff', a.path, b.path, '-o', md])).code).toBe(0);
    expect(readFileSync(md, 'utf8')).toMatch(/^## lbua diff/);
    const js = join(dir, 'diff.json');
    expect((await lbuaIn(['diff', a.path, b.path, '-o', js])).code).toBe(0);
    expect((JSON.parse(readFileSync(js, 'utf8')) as ReportDiff).schema).toBe('lbua.diff/1');
  });

  it('exits 1 on a new finding at or above --fail-on, 2 with one line on an unreadable or invalid report', async () => {
    const sev = b.report.findings[0]?.severity ?? 'low';
    expect(lbua(['diff', a.path, b.path, '--output', 'json', '--fail-on', sev]).code).toBe(1);
    expect((await lbuaIn(['diff', a.path, b.path, '--output', 'json', '--fail-on', 'critical'])).code).toBe(sev === 'critical' ? 1 : 0);
    expect((await lbuaIn(['diff', b.path, a.path, '--output', 'json', '--fail-on', 'info'])).code).toBe(0);
    const missing = lbua(['diff', a.path, join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...a.report, summary: { ...a.report.summary, requests: 'many' } }));
    const invalid = await lbuaIn(['diff', bad, b.path]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('summary.requests is not a number');
    const notGzip = join(dir, 'broken.json.gz');
    writeFileSync(notGzip, gzipSync(readFileSync(a.path)).subarray(0, 100));
    expect((await lbuaIn(['diff', notGzip, b.path])).code).toBe(2);
    expect((await lbuaIn(['diff', a.path, b.path, '--output', 'html'])).code).toBe(2);
  });
});
