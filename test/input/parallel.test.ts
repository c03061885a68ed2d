/**
 * The summary on worker threads must be the summary on one thread: same lines, same numbers, same diagnostics in
 * the same order, byte-identical JSON. The cutting of decoded bytes into pieces is checked against LineSplitter for
 * any chunking; whole runs are compared on inputs that exercise every accounting path.
 */
import fc from 'fast-check';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { LineSplitter } from '../../src/input/lines';
import { PieceChunker, pieceBatches } from '../../src/pipeline-parallel';
import { analyze, type AnalyzeOptions } from '../../src/analysis';
import { expandInputs } from '../../src/input/expand';
import { renderJson } from '../../src/report/json';
import { openGeo } from '../../src/enrich/geo/index';
import { json, lbua, ROOT } from '../helpers/cli';
import { cutAt } from '../helpers/chunks';
import { generatedLog } from '../helpers/generated';

/** Lines by number from the sequential splitter. */
function sequential(chunks: readonly Buffer[], max: number, clean: boolean): (string | null)[] {
  const s = new LineSplitter(max);
  const out: (string | null)[] = [];
  for (const c of chunks) out.push(...(s.push(c)?.lines ?? []));
  if (clean) out.push(...(s.end()?.lines ?? []));
  return out;
}

/** Lines by number from pieces, split as the workers split them; pieces must tile the line numbers. */
function viaPieces(chunks: readonly Buffer[], max: number, clean: boolean, pieceBytes: number): { lines: (string | null)[]; counted: number } {
  const chunker = new PieceChunker(max, pieceBytes);
  const pieces = chunks.flatMap((c) => chunker.push(c));
  pieces.push(...chunker.end(clean));
  const lines: (string | null)[] = [];
  for (const p of pieces) {
    let n = 0;
    for (const b of pieceBatches(p, max)) {
      expect(b.firstLine).toBe(lines.length + 1);
      lines.push(...b.lines);
      n += b.lines.length;
    }
    expect(n).toBe(p.lines);
    expect(p.bytes.byteOffset).toBe(0);
    expect(p.bytes.byteLength).toBe(p.bytes.buffer.byteLength);
  }
  expect(pieces.slice(0, -1).every((p) => !p.final)).toBe(true);
  return { lines, counted: chunker.lines };
}

describe('PieceChunker', () => {
  const line = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '')),
    fc.string({ unit: 'grapheme-ascii', minLength: 20, maxLength: 90 }).map((s) => s.replace(/[\r\n]/g, '')),
    fc.constant(''),
  );

  it('cuts pieces whose lines are exactly LineSplitter\'s lines, for any chunking, piece size, CRLF and over-long lines', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(line, fc.boolean()), { maxLength: 40 }),
        fc.array(fc.nat(4000), { maxLength: 12 }),
        fc.integer({ min: 1, max: 300 }),
        fc.boolean(),
        fc.boolean(),
        (ls, cuts, pieceBytes, unterminated, clean) => {
          const max = 40;
          let text = ls.map(([l, crlf]) => `${l}${crlf ? '\r\n' : '\n'}`).join('');
          if (unterminated) text += 'last line without newline';
          const chunks = cutAt(Buffer.from(`\ufeff${text}`), cuts);
          const want = sequential(chunks, max, clean);
          const got = viaPieces(chunks, max, clean, pieceBytes);
          expect(got.lines).toEqual(want);
          expect(got.counted).toBe(want.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('drops a line longer than the limit that spans many chunks, and flags it so the worker reports it', () => {
    const long = Buffer.alloc(50, 'x');
    const chunks = [Buffer.from('ok\n'), long, long, long, Buffer.from('tail\nnext\n')];
    expect(viaPieces(chunks, 100, true, 1).lines).toEqual(['ok', null, 'next']);
    expect(viaPieces([Buffer.from('ok\n'), long, long, long], 100, true, 1 << 20).lines).toEqual(['ok', null]);
    // A damaged input: the cut last line is dropped whatever its length.
    expect(viaPieces([Buffer.from('ok\n'), long, long, long], 100, false, 1 << 20).lines).toEqual(['ok']);
  });
});

describe('summary on worker threads', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lbua-par-'));
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
  const base: AnalyzeOptions = { format: 'auto', strict: false, maxLineLength: 65_536, from: null, to: null, top: 10, maxWarnings: 20, summaryOnly: true };

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

  it('a full run split over two workers (detectors in the second) gives the same report, findings and all', async () => {
    // Shared with test/e2e/incidents.test.ts (generated once per run).
    const generated = generatedLog(['-n', '30000', '--hours', '3', '--seed', '4', '--incident', 'all'], '.log.gz');
    expect(generated.code).toBe(0);
    const incidents = generated.path;
    const geo = await openGeo({ geoipPath: null, asnPath: null, noBundled: false });
    const fullOptions: AnalyzeOptions = {
      ...base, summaryOnly: false, geo, evidenceText: true,
      detectors: { only: null, disabled: [], overrides: {}, evidenceLimit: 5 },
    };
    // The split path reads inputs one after another, so its inputs must follow one another in time (overlapping ones
    // are read merged, on the main thread: test/input/merged-read.test.ts). The malformed and damaged inputs, moved
    // two days and one day earlier; the damaged gzip named as AWS names its files, which says when it ends.
    const earlier = (days: number, text: string): string => text.replace(/2026-03-10T/g, `2026-03-0${10 - days}T`);
    const mixedText = gunzipSync(readFileSync(mixed)).toString('latin1');
    const mixedEarlier = join(tmp, 'mixed-earlier.log');
    writeFileSync(mixedEarlier, earlier(2, mixedText), 'latin1');
    const truncatedEarlier = join(tmp, '123456789012_elasticloadbalancing_us-east-1_app.shop.0123_20260309T0800Z_10.0.1.5_x.log.gz');
    const shifted = gzipSync(Buffer.from(earlier(1, mixedText), 'latin1'));
    writeFileSync(truncatedEarlier, shifted.subarray(0, Math.floor(shifted.length * 0.6)));
    const many = expandInputs([incidents, mixedEarlier, unknown, truncatedEarlier]).inputs;
    // As given before: the incidents and the generated lines overlap in time; --jobs 2 then stays on the main thread.
    const overlapping = await analyze(expandInputs([incidents, mixed, nginx, unknown, truncated]).inputs, { ...fullOptions, jobs: 2 });
    expect(overlapping.workers).toBe(0);
    const full = async (jobs: number): Promise<string> => {
      const outcome = await analyze(many, { ...fullOptions, jobs });
      expect(outcome.workers).toBe(jobs === 1 ? 0 : 2);
      return renderJson(outcome.report);
    };
    const one = await full(1);
    const report = JSON.parse(one) as { inputs: { malformed: number; damaged: unknown }[]; findings: { detector: string; evidence: { text?: string }[] }[]; sessions: unknown; geo: unknown; timeline: unknown };
    expect(report.inputs[1]?.malformed).toBe(33);
    expect(report.inputs[3]?.damaged).not.toBeNull();
    // Findings from both parts of the split (session detectors in the primary, record detectors in the other).
    const detectors = new Set(report.findings.map((f) => f.detector));
    for (const d of ['burst', 'scanner', 'credential-stuffing', 'looping-session']) expect(detectors).toContain(d);
    expect(report.findings[0]?.evidence[0]?.text).toBeDefined();
    expect(report.sessions).toBeDefined();
    expect(report.geo).toBeDefined();
    expect(await full(2)).toBe(one);
  }, 120_000);

  it('is chosen with --jobs from the CLI, and --jobs 0 is a usage error', () => {
    const args = ['analyze', join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz'), '--summary-only', '--output', 'json'];
    const one = lbua([...args, '--jobs', '1']);
    const two = lbua([...args, '--jobs', '2']);
    expect(two.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    expect((json(two) as { summary: { requests: number } }).summary.requests).toBeGreaterThan(0);
    const bad = lbua([...args, '--jobs', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
