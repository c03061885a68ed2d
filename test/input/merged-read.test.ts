/**
 * Inputs that overlap in time are read merged by time (runInputs, input/merge.ts): two servers' logs of the same
 * hours give the findings and sessions of one file holding both, whatever order they are named in; inputs that
 * follow one another are read as before; diagnostics stay in read order.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, type AnalyzeOptions } from '../../src/analysis';
import type { LogRecord } from '../../src/core/types';
import { expandInputs } from '../../src/input/expand';
import { orderInputsByTime, runInputs, type DetectedFormats, type InputSummary, type PipelineOptions } from '../../src/pipeline';
import { renderJson } from '../../src/report/json';
import type { Report } from '../../src/core/report-types';
import { generatedLog } from '../helpers/generated';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const tmp = tempDir('lbua-merge-');
const generated = generatedLog(['-n', '4000', '--hours', '2', '--seed', '7', '--incident', 'all'], '.log');
const lines = readFileSync(generated.path, 'utf8').split('\n').filter((l) => l !== '');

/** Writes `name` with the given lines. */
function write(name: string, body: readonly string[]): string {
  const path = join(tmp, name);
  writeFileSync(path, `${body.join('\n')}\n`);
  return path;
}

// Two servers: every other line each. Three: the third starts half way through (joins the merge late).
const all = write('all.log', lines);
const a = write('a.log', lines.filter((_, i) => i % 2 === 0));
const b = write('b.log', lines.filter((_, i) => i % 2 === 1));
const half = Math.floor(lines.length / 2);
const third = (k: number): string[] => lines.filter((_, i) => (i < half ? i % 2 : i % 3) === k);
const x = write('x.log', third(0));
const y = write('y.log', third(1));
const z = write('z.log', third(2));

const options: AnalyzeOptions = {
  format: 'auto', strict: false, maxLineLength: 65_536, from: null, to: null, top: 10, maxWarnings: 20, jobs: 1, geo: null,
  detectors: { only: null, disabled: [], overrides: {}, evidenceLimit: 5 },
};

async function run(paths: readonly string[], opts: AnalyzeOptions = options): Promise<{ report: Report; json: string; workers: number }> {
  const outcome = await analyze(expandInputs(paths).inputs, opts);
  return { report: outcome.report, json: renderJson(outcome.report), workers: outcome.workers };
}

/** The report without what may differ between one file and the same lines in several: inputs, evidence's place. */
function comparable(r: Report): unknown {
  return {
    ...r,
    inputs: null,
    findings: r.findings.map((f) => ({ ...f, evidence: f.evidence.map((e) => ({ ...e, file: null, line: null, text: null })) })),
  };
}

describe('inputs that overlap in time', () => {
  let single: Report;
  /** `run([a, b])`, made once for the tests that read it. */
  let abRun: ReturnType<typeof run> | null = null;
  const runAb = (): ReturnType<typeof run> => (abRun ??= run([a, b]));
  beforeAll(async () => {
    expect(generated.code).toBe(0);
    single = (await run([all])).report;
    // The scenario is worth testing: findings, sessions, nothing late.
    expect(single.findings.length).toBeGreaterThanOrEqual(5);
    expect(single.sessions?.stitching.late_records).toBe(0);
  }, 60_000);

  it('give the findings, sessions and profiles of one file holding both, nothing late', async () => {
    const split = (await runAb()).report;
    expect(split.sessions?.stitching.late_records).toBe(0);
    expect(comparable(split)).toEqual(comparable(single));
    expect(split.inputs.map((i) => i.records)).toEqual([Math.ceil(lines.length / 2), Math.floor(lines.length / 2)]);
  }, 60_000);

  it('give the same report whatever order they are named in (ties by read order, not argument order)', async () => {
    const ab = await runAb();
    const ba = await run([b, a]);
    // Inputs are listed in the order given; everything else is byte for byte the same.
    expect(ba.report.inputs.map((i) => i.path)).toEqual([b, a]);
    expect(renderJson({ ...ba.report, inputs: [...ba.report.inputs].reverse() })).toBe(ab.json);
    // z starts half way: read merged from its first timestamp on (no join slack), it gives the single file's report;
    // with the default slack (analysis.ts joinSlackMs) x and y run 2 minutes past it first, which moves a few
    // sequence figures, the same whatever the order the inputs are named in.
    expect(comparable((await run([x, y, z], { ...options, joinSlackMs: 0 })).report)).toEqual(comparable(single));
    const xyz = await run([x, y, z]);
    const zyx = await run([z, x, y]);
    expect(renderJson({ ...zyx.report, inputs: [zyx.report.inputs[1], zyx.report.inputs[2], zyx.report.inputs[0]].flatMap((i) => (i ? [i] : [])) })).toBe(xyz.json);
  }, 60_000);

  it('keep the run on the main thread with --jobs 2: a task of whole inputs finds the overlap, and the run reads them merged', async () => {
    const two = await run([a, b], { ...options, jobs: 2 });
    expect(two.workers).toBe(0);
    expect(comparable(two.report)).toEqual(comparable(single));
  }, 60_000);
});

const read: PipelineOptions = { format: 'auto', strict: false, maxLineLength: 65_536, from: null, to: null };

/** Reads `paths` ordered by time, as analyze does; the records as they reach the sink, and the summaries. */
async function readAll(paths: readonly string[], progress?: InputSummary[]): Promise<{ records: LogRecord[]; summaries: InputSummary[]; warnings: string[] }> {
  const detected: DetectedFormats = new Map();
  const ordered = await orderInputsByTime(expandInputs(paths).inputs, read, detected);
  const records: LogRecord[] = [];
  const warnings: string[] = [];
  const summaries = await runInputs(ordered, read, {
    record: (r) => records.push(r),
    diagnostic: (d) => warnings.push(`${d.source ? `${d.source.file.slice(tmp.length + 1)}:${d.source.line}` : '-'} ${d.code}`),
    keptLineDiagnostics: 3,
    unkeptDiagnostics: (n) => warnings.push(`+${n}`),
    ...(progress ? { afterBatch: (p: InputSummary) => void progress.push({ ...p }) } : {}),
  }, detected);
  return { records, summaries, warnings };
}

describe('the merged read', () => {
  it('emits each record when the newest time seen so far is its own input\'s newest (lateness is per input)', async () => {
    const { records } = await readAll([x, y, z]);
    expect(records.length).toBe(lines.length);
    let newest = Number.NEGATIVE_INFINITY;
    const own = new Map<string, number>();
    let checked = 0;
    for (const r of records) {
      newest = Math.max(newest, r.startMs);
      const mine = Math.max(own.get(r.source.file) ?? Number.NEGATIVE_INFINITY, r.startMs);
      own.set(r.source.file, mine);
      expect(mine).toBe(newest);
      checked++;
    }
    expect(checked).toBe(lines.length);
    // Each input's records keep their order, each a record object of its own (a buffered batch stays valid).
    for (const f of ['x.log', 'y.log', 'z.log']) {
      const mine = records.filter((r) => r.source.file.endsWith(f)).map((r) => r.source.line);
      expect(mine).toEqual(mine.map((_, i) => i + 1));
    }
    expect(new Set(records).size).toBe(records.length);
  }, 60_000);

  it('counts every line of every input as a read of that input alone does, with progress per batch', async () => {
    const progress: InputSummary[] = [];
    const merged = await readAll([a, b], progress);
    const alone = [(await readAll([a])).summaries[0], (await readAll([b])).summaries[0]];
    expect(merged.summaries).toEqual(alone);
    // Progress reports each input's running totals, ending with its final ones.
    for (const s of merged.summaries) {
      const mine = progress.filter((p) => p.path === s.path);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine[mine.length - 1]?.lines).toBe(s.lines);
    }
  }, 60_000);

  it('keeps diagnostics in read order then line, holding a later input\'s (up to the sink\'s limit) until the earlier ones are done', async () => {
    const withErrors = (name: string, body: string[], at: readonly number[]): string => {
      const copy = [...body];
      for (const n of [...at].sort((m, o) => m - o)) copy.splice(n - 1, 0, `garbage ${n}`);
      return write(name, copy);
    };
    // Same first time: read order by path (p before q), whatever the argument order.
    const p = withErrors('p.log', lines.filter((_, i) => i % 2 === 0), [100, 9000]);
    const q = withErrors('q.log', lines.filter((_, i) => i % 2 === 1), [50, 60, 70, 80, 90]);
    const expected = ['p.log:100 PARSE_ERROR', 'p.log:9000 PARSE_ERROR', 'q.log:50 PARSE_ERROR', 'q.log:60 PARSE_ERROR', 'q.log:70 PARSE_ERROR', '+2'];
    const codes = (ws: string[]): string[] => ws.map((w) => w.replace(/ [A-Z_]+$/, ' PARSE_ERROR'));
    expect(codes((await readAll([p, q])).warnings)).toEqual(expected);
    expect(codes((await readAll([q, p])).warnings)).toEqual(expected);
  }, 60_000);

  it('reads inputs that follow one another in time one after the other, as before', async () => {
    const first = write('first.log', lines.slice(0, half));
    const second = write('second.log', lines.slice(half));
    const { records, summaries } = await readAll([second, first]);
    expect(summaries.map((s) => s.path)).toEqual([first, second]);
    expect(records.map((r) => `${r.source.file === first ? 0 : 1}:${r.source.line}`)).toEqual([
      ...lines.slice(0, half).map((_, i) => `0:${i + 1}`),
      ...lines.slice(half).map((_, i) => `1:${i + 1}`),
    ]);
  }, 60_000);
});
