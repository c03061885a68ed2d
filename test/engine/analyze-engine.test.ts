/**
 * `lbua analyze --engine duckdb` (engine/analyze.ts): the records stored in DuckDB, read back by partitions of a
 * hash of the client and counted per partition, must give the in-process report byte for byte: the whole JSON
 * document (inputs, warnings, evidence text, findings), with one partition and with two (worker threads).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { analyze, type AnalyzeOptions } from '../../src/analysis';
import { analyzeWithDuckdb, type EnginePhases } from '../../src/engine/analyze';
import { expandInputs } from '../../src/input/expand';
import { renderJson } from '../../src/report/json';
import { openGeo } from '../../src/enrich/geo/index';
import type { LogRecord } from '../../src/core/types';
import { openStoreLoad } from '../../src/engine/load';
import { readPartition } from '../../src/engine/source';
import { partitionFirsts } from '../../src/engine/duckdb-partition';
import { lbua, ROOT } from '../helpers/cli';
import { generatedLog } from '../helpers/generated';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

/** The engine's temporary folders under the system temp folder (engine/load.ts). */
const engineDirs = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('lbua-engine-')).sort();

describe('analyze --engine duckdb', () => {
  const tmp = tempDir('lbua-engine-test-');
  // Shared with test/input/parallel.test.ts and others (generated once per run).
  const incidents = generatedLog(['-n', '30000', '--hours', '3', '--seed', '4', '--incident', 'all'], '.log.gz');
  // The same traffic a day earlier with malformed, blank and over-long lines, and a day before that cut short: a
  // truncated gzip.
  const text = gunzipSync(readFileSync(incidents.path)).toString('latin1');
  const lines = text.split('\n').slice(0, 3000).map((l) => l.replace(/2026-03-10T/g, '2026-03-09T'));
  lines.splice(1000, 0, 'garbage that is no ALB line', '', `http ${'x'.repeat(70_000)}`, 'h2 2026-03-09T09:00:00Z truncated');
  lines.splice(2000, 0, ...Array.from({ length: 30 }, (_, i) => `broken line ${i}`));
  const malformed = join(tmp, 'malformed.log');
  writeFileSync(malformed, lines.join('\n'), 'latin1');
  const earlier = gzipSync(Buffer.from(text.split('\n').slice(0, 4000).join('\n').replace(/2026-03-10T/g, '2026-03-08T'), 'latin1'));
  const truncated = join(tmp, 'truncated.log.gz');
  writeFileSync(truncated, earlier.subarray(0, Math.floor(earlier.length * 0.6)));
  const inputs = expandInputs([incidents.path, malformed, truncated]).inputs;

  let options: AnalyzeOptions;
  let inProcess = '';
  beforeAll(async () => {
    expect(incidents.code).toBe(0);
    const geo = await openGeo({ geoipPath: null, asnPath: null, noBundled: false });
    options = {
      format: 'auto', strict: false, maxLineLength: 65_536, from: null, to: null, top: 10, maxWarnings: 20, geo, evidenceText: true,
      detectors: { only: null, disabled: [], overrides: {}, evidenceLimit: 5 }, jobs: 1,
    };
    inProcess = renderJson((await analyze(inputs, options)).report);
  }, 60_000);

  // Two partitions: the task cores and the join. One partition (the one-pass core over the same store) is the CLI
  // test's below.
  it.each([2])('gives the in-process report byte for byte with %i partitions', async (jobs) => {
    const before = engineDirs();
    let phases: EnginePhases | null = null;
    const outcome = await analyzeWithDuckdb(inputs, { ...options, jobs }, { memoryLimit: '256MB' }, undefined, undefined, [], (p) => (phases = p));
    expect(outcome.workers).toBe(jobs);
    expect(phases).toMatchObject({ partitions: jobs });
    const report = JSON.parse(inProcess) as { inputs: { malformed: number; damaged: unknown }[]; warnings: { code: string }[]; findings: { detector: string; evidence: { text?: string }[] }[] };
    // The run went through the hard cases and found the incidents.
    expect(report.inputs[1]?.malformed).toBe(33);
    expect(report.inputs[2]?.damaged).not.toBeNull();
    expect(report.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['LINE_TOO_LONG', 'INPUT_DAMAGED', 'PARSE_NO_MATCH']));
    const detectors = new Set(report.findings.map((f) => f.detector));
    for (const d of ['burst', 'scanner', 'credential-stuffing', 'looping-session']) expect(detectors).toContain(d);
    expect(report.findings[0]?.evidence[0]?.text).toBeDefined();
    expect(renderJson(outcome.report)).toBe(inProcess);
    // The temporary database is gone.
    expect(engineDirs()).toEqual(before);
  }, 60_000);

  it('is chosen with --engine duckdb from the CLI (stdin too), leaving nothing in TMPDIR', () => {
    const tmpDir = tempDir('lbua-engine-cli-');
    const sample = gunzipSync(readFileSync(join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz')));
    const args = ['analyze', '-', '--output', 'json', '--jobs', '1'];
    const inProcessRun = lbua(args, { input: sample });
    const engineRun = lbua([...args, '--engine', 'duckdb', '--memory-limit', '128MB'], { input: sample, env: { TMPDIR: tmpDir } });
    expect(engineRun.stderr).toBe('');
    expect(engineRun.code).toBe(0);
    expect((JSON.parse(engineRun.stdout) as { summary: { requests: number } }).summary.requests).toBeGreaterThan(0);
    expect(engineRun.stdout).toBe(inProcessRun.stdout);
    expect(readdirSync(tmpDir)).toEqual([]);
  });

  it('refuses an unknown engine, a bad --memory-limit, and --memory-limit without the engine: exit 2, one line', () => {
    for (const bad of [['--engine', 'spark'], ['--engine', 'duckdb', '--memory-limit', 'lots'], ['--memory-limit', '1GB']]) {
      const r = lbua(['analyze', incidents.path, ...bad]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--engine|--memory-limit/);
    }
  });

  it('says --memory-limit when DuckDB runs out of the memory it was given: exit 2, one line', () => {
    const tmpDir = tempDir('lbua-engine-oom-');
    const r = lbua(['analyze', incidents.path, '--engine', 'duckdb', '--memory-limit', '2MB', '--output', 'json'], { env: { TMPDIR: tmpDir } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^lbua: DuckDB ran out of memory within --memory-limit 2MB/);
    expect(readdirSync(tmpDir)).toEqual([]);
  });
});

describe('the store', () => {
  it('gives back every field of a record exactly, escapes and nulls included, by client partitions in read order', async () => {
    const base: LogRecord = {
      startMs: 1_773_133_200_123.456, format: 'aws-alb', clientIp: '203.0.113.9', clientPort: 443, clientHost: null, method: 'GET', scheme: 'https',
      host: 'shop.example', path: '/a\\b', query: 'q=\\N', protocol: 'HTTP/1.1', status: 200, backendStatus: null, backend: '10.0.0.1:80',
      durationMs: 1.234567, backendMs: null, bytesIn: 2 ** 40, bytesOut: 0, userAgent: 'line\nbreak \\n \u{1F600} é', referer: '', tlsProtocol: null,
      tlsCipher: null, traceId: 'Root=1-abc', errorReason: null, lb: 'app/x', forwardedFor: '\\N', peerIp: null, edgeLocation: null, cacheStatus: null,
      tlsFingerprint: null, source: { file: 'a.log', line: 7 },
    };
    const records: LogRecord[] = Array.from({ length: 5000 }, (_, i) => ({
      ...base, startMs: base.startMs + i * 17.5, clientIp: i % 7 === 0 ? null : `198.51.100.${i % 50}`, clientHost: i % 7 === 0 ? `host-${i % 3}` : null,
      status: i % 5 === 0 ? null : 200 + (i % 3), source: { file: i < 2500 ? 'a.log' : '<stdin>', line: i + 1 },
    }));
    const load = await openStoreLoad('64MB');
    try {
      for (const r of records) load.add(r);
      expect(await load.finish()).toBe(records.length);
      const store = { kind: 'duckdb' as const, ...load.store };
      const parts: LogRecord[][] = [];
      for (let k = 0; k < 3; k++) {
        const got: LogRecord[] = [];
        expect(await readPartition(store, { partition: k, partitions: 3 }, (batch) => got.push(...batch))).toBe(got.length);
        parts.push(got);
      }
      // Every record once, each client in one partition, each partition in read order.
      expect(parts.flat().sort((a, b) => a.source.line - b.source.line)).toEqual(records);
      const key = (r: LogRecord): string => r.clientIp ?? r.clientHost ?? '';
      const homes = new Map<string, number>();
      parts.forEach((p, k) => {
        expect(p.length).toBeGreaterThan(0);
        for (const r of p) {
          expect(homes.get(key(r)) ?? k).toBe(k);
          homes.set(key(r), k);
        }
        expect(p.map((r) => r.source.line)).toEqual([...p.map((r) => r.source.line)].sort((a, b) => a - b));
      });
      expect(await partitionFirsts(load.store, 3)).toEqual(parts.map((p) => p[0]?.startMs));
    } finally {
      load.remove();
    }
    expect(existsSync(load.dir)).toBe(false);
  });
});
