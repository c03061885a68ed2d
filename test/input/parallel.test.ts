/**
 * A run sharded by data over worker threads (tasks of whole inputs, pipeline-parallel.ts) must be the run on one
 * thread: same lines, same numbers, same diagnostics in the same order, byte-identical JSON, findings and all.
 * Whole runs are compared on inputs that exercise every accounting path; `minTaskBytes: 1` makes each input a task.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { analyze, type AnalyzeOptions } from '../../src/analysis';
import { expandInputs } from '../../src/input/expand';
import { renderJson } from '../../src/report/json';
import { openGeo } from '../../src/enrich/geo/index';
import { json, lbua, ROOT } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { generatedLog } from '../helpers/generated';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

describe('runs sharded over worker threads', () => {
  const tmp = tempDir('lbua-par-');
  const gen = join(tmp, 'gen.log');
  expect(lbua(['generate', '-n', '20000', '--hours', '2', '--seed', '5', '-o', gen]).code).toBe(0);
  // Malformed, blank, over-long and CRLF lines in the middle of real traffic, at known places.
  const genLines = readFileSync(gen, 'utf8').split('\n');
  genLines.splice(5000, 0, 'garbage that is no ALB line', '', `http ${'x'.repeat(70_000)}`, 'h2 2026-03-10T09:00:00Z truncated');
  genLines.splice(12_000, 0, ...Array.from({ length: 30 }, (_, i) => `broken line ${i}`));
  const mixed = join(tmp, 'mixed.log.gz');
  writeFileSync(mixed, gzipSync(Buffer.from(genLines.join('\n').replace(/\n(?=https 2026-03-10T07)/g, '\r\n'))));
  const truncated = join(tmp, 'truncated.log.gz');
  const whole = readFileSync(mixed);
  writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const unknown = join(tmp, 'unknown.txt');
  writeFileSync(unknown, 'hello\nthis is not a log\n\nat all\n');
  const nginx = join(tmp, 'nginx.log');
  copyFileSync(join(ROOT, 'fixtures', 'formats', 'nginx', 'basic.log'), nginx);
  const inputs = expandInputs([mixed, nginx, unknown, truncated, join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz')]).inputs;
  const base: AnalyzeOptions = { format: 'auto', strict: false, maxLineLength: 65_536, from: null, to: null, top: 10, maxWarnings: 20, summaryOnly: true, minTaskBytes: 1 };

  const run = async (options: AnalyzeOptions): Promise<string> => {
    const outcome = await analyze(inputs, options);
    expect(outcome.workers).toBe(options.jobs === 1 ? 0 : options.jobs);
    return renderJson(outcome.report);
  };

  it('gives the same report as the main thread, byte for byte, with 2 and 3 workers', async () => {
    const one = await run({ ...base, jobs: 1 });
    const report = JSON.parse(one) as { inputs: { malformed: number; damaged: unknown; lines: number }[]; warnings: { code: string; line: number | null }[]; warnings_total: number; summary: { requests: number } };
    // The run really went through the hard cases.
    expect(report.inputs[0]?.malformed).toBe(33);
    expect(report.inputs[2]?.malformed).toBe(3);
    expect(report.inputs[3]?.damaged).not.toBeNull();
    expect(report.warnings.map((w) => w.code)).toContain('LINE_TOO_LONG');
    expect(report.warnings.map((w) => w.code)).toContain('INPUT_DAMAGED');
    expect(report.summary.requests).toBeGreaterThan(20_000);
    expect(await run({ ...base, jobs: 2 })).toBe(one);
    expect(await run({ ...base, jobs: 3 })).toBe(one);
  }, 60_000);

  it('keeps the first diagnostics in line order when there are more than --max-warnings, and counts them all', async () => {
    const one = await run({ ...base, jobs: 1, maxWarnings: 3 });
    const two = await run({ ...base, jobs: 2, maxWarnings: 3 });
    expect(two).toBe(one);
    const r = JSON.parse(two) as { warnings: { line: number | null }[]; warnings_total: number };
    expect(r.warnings_total).toBeGreaterThan(35);
    expect(r.warnings.filter((w) => w.line !== null).map((w) => w.line)).toEqual([5001, 5003, 5004]);
  }, 60_000);

  it('applies --from/--to the same way', async () => {
    const window = { from: Date.parse('2026-03-10T06:30:00Z'), to: Date.parse('2026-03-10T07:10:00Z') };
    const one = await run({ ...base, ...window, jobs: 1 });
    expect(await run({ ...base, ...window, jobs: 2 })).toBe(one);
    expect((JSON.parse(one) as { summary: { requests: number } }).summary.requests).toBeGreaterThan(1000);
  }, 60_000);

  it('a full run gives the same report with 1, 2 and 3 workers, findings and all; inputs that overlap go on one thread', async () => {
    // Shared with test/e2e/incidents.test.ts (generated once per run).
    const generated = generatedLog(['-n', '30000', '--hours', '3', '--seed', '4', '--incident', 'all'], '.log.gz');
    expect(generated.code).toBe(0);
    const incidents = generated.path;
    const geo = await openGeo({ geoipPath: null, asnPath: null, noBundled: false });
    const fullOptions: AnalyzeOptions = {
      ...base, summaryOnly: false, geo, evidenceText: true,
      detectors: { only: null, disabled: [], overrides: {}, evidenceLimit: 5 },
    };
    // Tasks read whole inputs, so the inputs must follow one another in time (overlapping ones are read merged, on the
    // main thread: test/input/merged-read.test.ts). The malformed and damaged inputs, moved two days and one day
    // earlier; the damaged gzip named as AWS names its files.
    const earlier = (days: number, text: string): string => text.replace(/2026-03-10T/g, `2026-03-0${10 - days}T`);
    const mixedText = gunzipSync(readFileSync(mixed)).toString('latin1');
    const mixedEarlier = join(tmp, 'mixed-earlier.log');
    writeFileSync(mixedEarlier, earlier(2, mixedText), 'latin1');
    const truncatedEarlier = join(tmp, '123456789012_elasticloadbalancing_us-east-1_app.shop.0123_20260309T0800Z_10.0.1.5_x.log.gz');
    const shifted = gzipSync(Buffer.from(earlier(1, mixedText), 'latin1'));
    writeFileSync(truncatedEarlier, shifted.subarray(0, Math.floor(shifted.length * 0.6)));
    const many = expandInputs([incidents, mixedEarlier, unknown, truncatedEarlier]).inputs;
    // As given before: the generated lines and their truncated copy overlap in time (a gzip's end is not known
    // before reading it): the run goes on the main thread, with the report of a run there. (Without the 30,000-line
    // incidents log, which overlapped them too: the fallback needs an overlap, not findings.)
    const overlapInputs = expandInputs([mixed, nginx, unknown, truncated]).inputs;
    const overlapping = await analyze(overlapInputs, { ...fullOptions, jobs: 2 });
    expect(overlapping.workers).toBe(0);
    expect(renderJson(overlapping.report)).toBe(renderJson((await analyze(overlapInputs, { ...fullOptions, jobs: 1 })).report));
    const full = async (jobs: number): Promise<string> => {
      const outcome = await analyze(many, { ...fullOptions, jobs });
      expect(outcome.workers).toBe(jobs === 1 ? 0 : jobs);
      return renderJson(outcome.report);
    };
    const one = await full(1);
    const report = JSON.parse(one) as { inputs: { malformed: number; damaged: unknown }[]; findings: { detector: string; evidence: { text?: string }[] }[]; sessions: unknown; geo: unknown; timeline: unknown };
    expect(report.inputs[1]?.malformed).toBe(33);
    expect(report.inputs[3]?.damaged).not.toBeNull();
    // Findings judged from merged aggregates, merged windows (burst) and joined sessions (looping-session).
    const detectors = new Set(report.findings.map((f) => f.detector));
    for (const d of ['burst', 'scanner', 'credential-stuffing', 'looping-session']) expect(detectors).toContain(d);
    expect(report.findings[0]?.evidence[0]?.text).toBeDefined();
    expect(report.sessions).toBeDefined();
    expect(report.geo).toBeDefined();
    expect(await full(2)).toBe(one);
    expect(await full(3)).toBe(one);
  }, 180_000);

  it('is chosen with --jobs from the CLI, and --jobs 0 is a usage error', async () => {
    const args = ['analyze', join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz'), '--summary-only', '--output', 'json'];
    // The sharded run spawned (bin/lbua.js, workers from dist/), the others in this process.
    const one = await lbuaIn([...args, '--jobs', '1']);
    const two = lbua([...args, '--jobs', '2']);
    expect(two.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    expect((json(two) as { summary: { requests: number } }).summary.requests).toBeGreaterThan(0);
    const bad = await lbuaIn([...args, '--jobs', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
