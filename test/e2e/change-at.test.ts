/**
 * `lbua analyze --change-at T` on the generator's release scenario (a deploy at mid-period: GET /api/v1/cart answers
 * 500 to 8%, GET /api/v1/products/:id twice as slow, /cart → /checkout mostly broken): the `change` section holds
 * the before/after numbers, release-impact names each injected change with the change time, a clean log with the
 * same option gets no release finding, and a run sharded over worker threads gives the same bytes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, type AnalyzeOptions } from '../../src/analysis';
import { expandInputs } from '../../src/input/expand';
import { renderJson } from '../../src/report/json';
import { findsIncident, type Expected } from '../../src/generate/incidents';
import type { Report } from '../../src/core/report-types';
import { lbua } from '../helpers/cli';
import { generatedLog } from '../helpers/generated';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();
const ARGS = ['-n', '40000', '--hours', '4', '--seed', '7'];

describe('analyze --change-at', () => {
  const release = generatedLog([...ARGS, '--incident', 'release'], '.log', true);
  const clean = generatedLog(ARGS, '.log');
  const expected = JSON.parse(readFileSync(release.expected ?? '', 'utf8')) as (Expected & { start: string })[];
  const deploy = expected[0];
  if (deploy === undefined) throw new Error('no expected incident');
  const run = (log: string, extra: readonly string[] = []): Report => {
    const r = lbua(['analyze', log, '--change-at', deploy.start, '--output', 'json', ...extra]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    return JSON.parse(r.stdout) as Report;
  };
  const report = run(release.path);
  const impact = report.findings.filter((f) => f.detector === 'release-impact');

  it('names the release in --expected, at mid-period on the minute', () => {
    expect(expected.map((e) => [e.incident, e.detector, e.subject])).toEqual([['release', 'release-impact', 'GET /api/v1/cart']]);
    expect(deploy.start).toBe('2026-03-10T08:00:00.000Z');
    expect(lbua(['generate', '--incident', 'list']).stdout).toMatch(/^release +a deploy/m);
  });

  it('finds the injected changes, each citing the change time', () => {
    expect(impact.some((f) => findsIncident(f, deploy))).toBe(true);
    const subjects = impact.map((f) => `${f.subject.type} ${f.subject.value} ${String(f.metrics['kind'])}`).sort();
    expect(subjects).toEqual([
      'endpoint GET /api/v1/cart errors',
      'endpoint GET /api/v1/products/:id latency',
      'flow GET /cart → GET /checkout flow',
    ]);
    for (const f of impact) {
      expect(f.title).toContain(`after the change at ${deploy.start}`);
      expect(f.metrics['change_at']).toBe(deploy.start);
      expect(f.window).toEqual({ start: deploy.start, end: '2026-03-10T09:00:00.000Z' });
    }
    // The cart's 500s come with the log lines that show them.
    expect(impact.find((f) => f.subject.value === 'GET /api/v1/cart')?.evidence.length).toBe(5);
    // Nothing else in the scenario is an incident.
    expect(report.findings.filter((f) => f.detector !== 'release-impact')).toEqual([]);
  });

  it('reports before and after in the change section, with the numbers the findings judged', () => {
    const c = report.change;
    if (c === undefined) throw new Error('no change section');
    expect(c.at).toBe(deploy.start);
    expect(c.window_minutes).toBe(60);
    expect(c.before).toEqual({ start: '2026-03-10T07:00:00.000Z', end: deploy.start });
    expect(c.sessions_by).toContain('counts as before');
    const cart = c.endpoints.find((e) => e.endpoint === 'GET /api/v1/cart');
    expect(cart?.before.server_errors).toBe(0);
    expect(cart?.after.server_error_rate).toBeGreaterThan(0.05);
    expect(cart?.after.server_error_rate).toBeLessThan(0.12);
    const errors = impact.find((f) => f.metrics['kind'] === 'errors');
    expect(errors?.metrics['errorsAfter']).toBe(cart?.after.server_errors);
    expect(errors?.metrics['requestsAfter']).toBe(cart?.after.requests);
    const products = c.endpoints.find((e) => e.endpoint === 'GET /api/v1/products/:id');
    expect((products?.after.p50_ms ?? 0) / (products?.before.p50_ms ?? 1)).toBeGreaterThan(1.7);
    const flow = impact.find((f) => f.metrics['kind'] === 'flow');
    expect(Number(flow?.metrics['probabilityAfter'])).toBeLessThan(Number(flow?.metrics['probabilityBefore']) / 2);
    // Totals are the requests of each window (the timeline's buckets of the same hours).
    const inHour = (from: string): number => (report.timeline?.buckets ?? []).filter((b) => b.start >= from && Date.parse(b.start) < Date.parse(from) + 3_600_000).reduce((n, b) => n + b.requests, 0);
    expect(c.totals.before.requests).toBe(inHour('2026-03-10T07:00:00.000Z'));
    expect(c.totals.after.requests).toBe(inHour(deploy.start));
    expect(report.options['change_at']).toBe(deploy.start);
    // The saved report reads back (parseReport checks the section) and renders it, as a table and as HTML.
    const dir = tempDir('lbua-change-');
    const saved = join(dir, 'r.json');
    writeFileSync(saved, JSON.stringify(report));
    const table = lbua(['report', saved, '--output', 'table']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`Before and after ${deploy.start}`);
    const html = lbua(['report', saved, '--output', 'html']);
    expect(html.stdout).toContain('<section id="change">');
    expect(html.stdout).toContain('GET /cart');
  });

  it('finds no release impact on a clean log, and takes a zone and a window length', () => {
    const quiet = run(clean.path);
    expect(quiet.findings.filter((f) => f.detector === 'release-impact')).toEqual([]);
    expect(quiet.change?.totals.after.requests).toBeGreaterThan(5000);
    const zoned = lbua(['analyze', clean.path, '--change-at', '2026-03-10T09:00+01:00', '--change-window', '30m', '--output', 'json', '--detectors', 'none']);
    const z = JSON.parse(zoned.stdout) as Report;
    expect(z.change?.at).toBe(deploy.start);
    expect(z.change?.window_minutes).toBe(30);
    expect(z.change?.after.end).toBe('2026-03-10T08:30:00.000Z');
    for (const bad of [['--change-at', 'yesterday'], ['--change-window', '1h'], ['--change-at', deploy.start, '--change-window', '0']]) {
      const r = lbua(['analyze', clean.path, ...bad]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('gives the same report sharded over two workers as on one thread', async () => {
    const dir = tempDir('lbua-change-jobs-');
    const lines = readFileSync(release.path, 'utf8').trimEnd().split('\n');
    const files = [0, 1, 2].map((i) => {
      const f = join(dir, `part${i}.log`);
      writeFileSync(f, `${lines.slice(Math.floor((i * lines.length) / 3), Math.floor(((i + 1) * lines.length) / 3)).join('\n')}\n`);
      return f;
    });
    const inputs = expandInputs(files).inputs;
    const options: AnalyzeOptions = {
      format: 'auto', strict: false, maxLineLength: 65_536, from: null, to: null, top: 10, maxWarnings: 20, minTaskBytes: 1,
      detectors: { only: null, disabled: [], overrides: {}, evidenceLimit: 5 }, change: { atMs: deploy.startMs, windowMs: 3_600_000 },
    };
    const one = await analyze(inputs, { ...options, jobs: 1 });
    const two = await analyze(inputs, { ...options, jobs: 2 });
    expect(two.workers).toBe(2);
    expect(renderJson(two.report)).toBe(renderJson(one.report));
    expect(one.report.findings.filter((f) => f.detector === 'release-impact')).toHaveLength(3);
  }, 120_000);
});
