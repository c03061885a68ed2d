/**
 * Output conventions that scripts and cron rely on: no arguments prints help; a table when piped (JSON only when
 * asked for); several -o from one analysis, each kind from its extension, `-` for stdout, `.gz` gzipped; --color;
 * --quiet; the --fail-on line on stderr; severities in any case. Through the spawned CLI where the process is what
 * is checked (help, the piped table, a file that cannot be written, a missing input, the --fail-on exit and line);
 * the other runs are main() in this process (test/helpers/in-process.ts).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { json, lbua, ROOT } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { generatedLog } from '../helpers/generated';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();
const tmp = tempDir('lbua-out-');
const SAMPLE = join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz');
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;
/** An environment in which only the flags decide about colour. */
const NO_ENV_COLOR = { NO_COLOR: '', FORCE_COLOR: '0' };

describe('lbua with no arguments', () => {
  it('prints the help on stdout and exits 0', async () => {
    const r = lbua([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: lbua /);
    expect(r.stdout).toBe((await lbuaIn(['--help'])).stdout);
  });
});

describe('what analyze prints when piped', () => {
  const table = lbua(['analyze', SAMPLE], { env: NO_ENV_COLOR });

  it('is the table, without colour: JSON only with --output json, --json or -o *.json', async () => {
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^\n?Findings \(0\)\n/);
    expect(table.stdout).toContain('Traffic');
    expect(table.stdout).not.toMatch(ANSI);
    const a = await lbuaIn(['analyze', SAMPLE, '--json']);
    const b = await lbuaIn(['analyze', SAMPLE, '--output', 'JSON']);
    expect((json(a) as { schema: string }).schema).toBe('lbua.report/1');
    expect(b.stdout).toBe(a.stdout);
    expect((await lbuaIn(['analyze', SAMPLE, '--json', '--output', 'html'])).code).toBe(2);
  });

  // --summary-only: the same table code, a quicker run (eight of them).
  it('--color always colours a piped table; never, --no-color and NO_COLOR do not', async () => {
    expect((await lbuaIn(['analyze', SAMPLE, '--summary-only', '--color', 'always'], { env: NO_ENV_COLOR })).stdout).toMatch(ANSI);
    expect((await lbuaIn(['analyze', SAMPLE, '--summary-only', '--color', 'Always'])).stdout).toMatch(ANSI);
    for (const flags of [['--color', 'never'], ['--no-color'], ['--color', 'auto']]) {
      expect((await lbuaIn(['analyze', SAMPLE, '--summary-only', ...flags], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout).not.toMatch(ANSI);
    }
    expect((await lbuaIn(['analyze', SAMPLE, '--summary-only', '--color', 'never'], { env: { FORCE_COLOR: '1', NO_COLOR: '' } })).stdout).not.toMatch(ANSI);
    // auto: FORCE_COLOR (as before) colours a pipe; no colour in JSON or markdown whatever the flags.
    expect((await lbuaIn(['analyze', SAMPLE, '--summary-only', '--color', 'auto'], { env: { FORCE_COLOR: '1', NO_COLOR: '' } })).stdout).toMatch(ANSI);
    expect((await lbuaIn(['analyze', SAMPLE, '--summary-only', '--color', 'always', '--output', 'markdown'])).stdout).not.toMatch(ANSI);
    const bad = await lbuaIn(['analyze', SAMPLE, '--summary-only', '--color', 'yes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--color must be auto, always or never');
  });
});

describe('several outputs from one analysis', () => {
  const dir = tempDir('lbua-outs-');
  const [j, h, m, jz] = ['r.json', 'r.html', 'r.md', 'r.json.gz'].map((f) => join(dir, f)) as [string, string, string, string];
  let run = { code: null as number | null, stdout: '', stderr: '' };
  let alone = run;
  beforeAll(async () => {
    run = await lbuaIn(['analyze', SAMPLE, '-o', j, '-o', h, '-o', m, '-o', jz, '-o', '-']);
    alone = await lbuaIn(['analyze', SAMPLE, '--output', 'json']);
  });

  it('writes each file in the kind its extension names, and - (stdout) as a table', () => {
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\n?Findings \(0\)\n/);
    expect(readFileSync(j, 'utf8')).toBe(alone.stdout);
    expect(readFileSync(h, 'utf8')).toMatch(/^<!doctype html>/i);
    expect(readFileSync(m, 'utf8')).toMatch(/^# lbua: no findings\n/);
    // The markdown links to the HTML written beside it, by file name.
    expect(readFileSync(m, 'utf8')).toContain('[r.html](r.html)');
  });

  it('gzips a *.gz output (the inner kind from the name), which lbua report reads back', async () => {
    const bytes = readFileSync(jz);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(gunzipSync(bytes).toString('utf8')).toBe(alone.stdout);
    const back = await lbuaIn(['report', jz, '--output', 'json']);
    expect(back.code).toBe(0);
    expect(back.stdout).toBe(alone.stdout);
    const md = await lbuaIn(['report', jz, '-o', join(dir, 'again.md.gz')]);
    expect(md.code).toBe(0);
    expect(gunzipSync(readFileSync(join(dir, 'again.md.gz'))).toString('utf8')).toMatch(/^# lbua: no findings\n/);
  });

  it('--output with several -o: for - and names without a kind; an error (nothing written) when nothing takes it', async () => {
    const both = await lbuaIn(['analyze', SAMPLE, '--json', '-o', '-', '-o', join(dir, 'b.md')]);
    expect(both.code).toBe(0);
    expect(both.stdout).toBe(alone.stdout);
    expect(existsSync(join(dir, 'b.md'))).toBe(true);
    const bad = await lbuaIn(['analyze', SAMPLE, '--output', 'json', '-o', join(dir, 'c.json'), '-o', join(dir, 'c.html')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--output json contradicts -o ${join(dir, 'c.html')}`);
    expect(existsSync(join(dir, 'c.json'))).toBe(false);
    expect((await lbuaIn(['analyze', SAMPLE, '-o', '-', '-o', '-'])).code).toBe(2);
    expect((await lbuaIn(['analyze', SAMPLE, '--emit-rules', 'nginx', '-o', join(dir, 'a.conf'), '-o', join(dir, 'b.conf')])).code).toBe(2);
  });

  it('keeps every old file when one output cannot be written (opened before the run)', () => {
    writeFileSync(j, 'yesterday');
    const r = lbua(['analyze', SAMPLE, '-o', j, '-o', join(dir, 'missing', 'r.html')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/r\.html: cannot write \(ENOENT\)/);
    expect(readFileSync(j, 'utf8')).toBe('yesterday');
  });
});

describe('--quiet, --fail-on', () => {
  const log = generatedLog(['-n', '30000', '--hours', '3', '--seed', '4', '--incident', 'all'], '.log.gz');
  const damaged = join(tmp, 'damaged.log');
  writeFileSync(damaged, `${gunzipSync(readFileSync(SAMPLE)).toString('utf8').split('\n').slice(0, 400).join('\n')}\nnot a log line\nanother bad one\n`);

  it('--quiet prints no diagnostics or progress; the report still counts them', async () => {
    const loud = await lbuaIn(['analyze', damaged]);
    expect(loud.code).toBe(0);
    expect(loud.stderr).toMatch(/PARSE_/);
    const quiet = await lbuaIn(['analyze', damaged, '--quiet', '-o', '-', '-o', join(tmp, 'q.json')]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toBe(loud.stdout);
    expect((JSON.parse(readFileSync(join(tmp, 'q.json'), 'utf8')) as { warnings_total: number }).warnings_total).toBe(2);
    // An error that ends the run still prints its line.
    const missing = lbua(['analyze', join(tmp, 'nope.log'), '-q']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^lbua: .*nope\.log/);
  });

  it('when --fail-on trips, one line on stderr names the findings (severity in any case), also with --quiet', async () => {
    expect(log.code).toBe(0);
    const r = lbua(['analyze', log.path, '--fail-on', 'HIGH', '--quiet', '--json']);
    expect(r.code).toBe(1);
    const doc = json(r) as { findings: { detector: string; severity: string; subject: { value: string } }[] };
    const hits = doc.findings.filter((f) => f.severity === 'critical' || f.severity === 'high');
    expect(hits.length).toBeGreaterThan(3);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(line.startsWith(`lbua: --fail-on high: ${hits.length} findings at or above high: ${hits[0]?.detector} ${hits[0]?.subject.value} (${hits[0]?.severity}), `)).toBe(true);
    expect(line.length).toBeLessThanOrEqual(300);
    expect(line).toMatch(/, … \(\d+ more\)$/);
    // Below the threshold: exit 0 and nothing on stderr.
    const clean = await lbuaIn(['analyze', SAMPLE, '--fail-on', 'Low', '--quiet']);
    expect([clean.code, clean.stderr]).toEqual([0, '']);
    const bad = await lbuaIn(['analyze', SAMPLE, '--fail-on', 'severe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--fail-on must be one of critical, high, medium, low, info, got "severe"');
  });
});
