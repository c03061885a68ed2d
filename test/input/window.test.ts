import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { awsLogEndMs, LONGEST_REQUEST_MS, selectByFileName } from '../../src/input/window';
import { json, lbua, ROOT } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const SAMPLE_LOG = join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz');

const ALB_NAME = '123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20140215T2340Z_172.160.001.192_20sg8hgm.log.gz';
const ELB_NAME = '123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140215T2340Z_172.160.001.192_20sg8hgm.log';
const NLB_NAME = '123456789012_elasticloadbalancing_us-east-2_net.my-loadbalancer.1234567890abcdef_20181220T2340Z_2a3b4c5d.log.gz';
const at = (iso: string): number => Date.parse(iso);
const spec = (path: string) => ({ path, stdin: false });

describe('AWS log file names', () => {
  it('give the end of their interval for ALB, Classic ELB and NLB names (the examples of the AWS docs)', async () => {
    expect(awsLogEndMs(`AWSLogs/123456789012/elasticloadbalancing/us-east-2/2014/02/15/${ALB_NAME}`)).toBe(at('2014-02-15T23:40:00Z'));
    expect(awsLogEndMs(ELB_NAME)).toBe(at('2014-02-15T23:40:00Z'));
    expect(awsLogEndMs(NLB_NAME)).toBe(at('2018-12-20T23:40:00Z'));
  });

  it('give nothing for other names or impossible times', async () => {
    expect(awsLogEndMs('access.log.gz')).toBeNull();
    expect(awsLogEndMs('alb-20140215T2340Z.log.gz')).toBeNull();
    expect(awsLogEndMs(ALB_NAME.replace('T2340Z', 'T2561Z'))).toBeNull();
    expect(awsLogEndMs(ALB_NAME.replace('.log.gz', '.txt'))).toBeNull();
  });
});

describe('selectByFileName', () => {
  const named = (hhmm: string) => spec(ALB_NAME.replace('T2340Z', `T${hhmm}Z`));
  const files = [named('2200'), named('2225'), named('2230'), named('2340'), spec('other.log'), { path: '-', stdin: true }];

  it('keeps everything without a window or with --all-files', async () => {
    expect(selectByFileName(files, { from: null, to: null }).inputs).toEqual(files);
    expect(selectByFileName(files, { from: at('2014-02-15T23:00:00Z'), to: null, allFiles: true }).skipped).toBe(0);
  });

  it('skips files that end more than 15 minutes before --from, keeps the rest and every other input', async () => {
    const s = selectByFileName(files, { from: at('2014-02-15T22:45:00Z'), to: null });
    expect(s.inputs.map((i) => i.path)).toEqual([named('2230').path, named('2340').path, 'other.log', '-']);
    expect(s.skipped).toBe(2);
    expect(s.diagnostic).toMatchObject({ code: 'INPUT_SKIPPED', severity: 'info', source: null });
    expect(s.diagnostic?.message).toBe('skipped 2 of 6 files whose AWS file names put them outside --from/--to');
  });

  it('skips files toward --to only past the longest request (plus a 60-minute interval and the margin)', async () => {
    const to = at('2014-02-15T16:00:00Z');
    const bound = to + LONGEST_REQUEST_MS + 75 * 60_000; // a file ending here could still hold a request started before --to
    const end = (ms: number) => spec(ALB_NAME.replace('20140215T2340Z', new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z'));
    const s = selectByFileName([end(bound - 5 * 60_000), end(bound)], { from: null, to });
    expect(s.inputs).toHaveLength(1);
    expect(s.skipped).toBe(1);
  });
});

describe('lbua over an S3 export tree with --from/--to', () => {
  const root = tempDir('lbua-window-');
  const log = join(root, 'gen.log');
  lbua(['generate', '-n', '6000', '--hours', '6', '--seed', '4', '-o', log]);
  // One file per 5-minute interval, named after its end as AWS does (entries by their `time` field).
  const dir = join(root, 'AWSLogs', '123456789012', 'elasticloadbalancing', 'us-east-1', '2026', '03', '10');
  mkdirSync(dir, { recursive: true });
  const byEnd = new Map<string, string[]>();
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (line === '') continue;
    const t = Date.parse(line.split(' ')[1] ?? '');
    const end = new Date(Math.floor(t / 300_000) * 300_000 + 300_000).toISOString();
    const key = `${end.slice(0, 4)}${end.slice(5, 7)}${end.slice(8, 10)}T${end.slice(11, 13)}${end.slice(14, 16)}Z`;
    byEnd.set(key, [...(byEnd.get(key) ?? []), line]);
  }
  for (const [end, lines] of byEnd) {
    const file = join(dir, `123456789012_elasticloadbalancing_us-east-1_app.shop.50dc6c495c0c9188_${end}_10.0.1.17_2abc3def.log.gz`);
    writeFileSync(file, gzipSync(`${lines.join('\n')}\n`));
  }
  const window = ['--from', '2026-03-10T08:00:00Z', '--to', '2026-03-10T08:30:00Z'];

  it('reads only the files that can hold the window, with the same result as reading all of them', async () => {
    const some = await lbuaIn(['analyze', join(root, 'AWSLogs'), ...window, '--output', 'json']);
    const all = await lbuaIn(['analyze', join(root, 'AWSLogs'), ...window, '--all-files', '--output', 'json']);
    const [a, b] = [json(some) as Record<string, unknown>, json(all) as Record<string, unknown>];
    expect(byEnd.size).toBe(72);
    expect((a['inputs'] as unknown[]).length).toBe(52);
    expect((b['inputs'] as unknown[]).length).toBe(72);
    expect(a['summary']).toEqual(b['summary']);
    expect(a['findings']).toEqual(b['findings']);
    expect((a['summary'] as { requests: number }).requests).toBeGreaterThan(0);
    expect(a['warnings']).toEqual([expect.objectContaining({ code: 'INPUT_SKIPPED', severity: 'info', message: 'skipped 20 of 72 files whose AWS file names put them outside --from/--to' })]);
  });

  it('skips the same files for lbua records, and says so on stderr', async () => {
    const some = await lbuaIn(['records', join(root, 'AWSLogs'), ...window]);
    const all = await lbuaIn(['records', join(root, 'AWSLogs'), ...window, '--all-files']);
    expect(some.stdout).toBe(all.stdout);
    expect(some.stdout.split('\n').length).toBeGreaterThan(10);
    expect(some.stderr).toContain('info INPUT_SKIPPED: skipped 20 of 72 files');
    expect(all.stderr).not.toContain('INPUT_SKIPPED');
  });
});

describe('the test file Elastic Load Balancing writes when access logs are turned on', () => {
  it('is skipped in an S3 export tree, not reported as a file no format parses', async () => {
    const root = tempDir('lbua-testfile-');
    const dir = join(root, 'AWSLogs', '123456789012', 'elasticloadbalancing', 'us-east-1', '2026', '03', '10');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(root, 'AWSLogs', '123456789012', 'ELBAccessLogTestFile'), 'Enable AccessLog for ELB: shop at 2026-03-10T08:55:01.412Z\n');
    await lbuaIn(['generate', '-n', '300', '--hours', '1', '--seed', '5', '-o', join(dir, 'x.log.gz')]);
    const r = await lbuaIn(['analyze', join(root, 'AWSLogs'), '--output', 'json']);
    expect(r.code).toBe(0);
    const report = json(r) as { inputs: { path: string; format: string | null; lines: number; skipped: number; malformed: number }[]; warnings: { code: string }[] };
    expect(report.inputs.find((i) => i.path.endsWith('ELBAccessLogTestFile'))).toMatchObject({ format: 'alb', lines: 1, skipped: 1, malformed: 0 });
    expect(report.warnings.map((w) => w.code)).not.toContain('DETECT_NO_FORMAT');
  });
});

describe('files under a directory that no format parses', () => {
  const root = tempDir('lbua-notlog-');
  const dir = join(root, 'AWSLogs', '123456789012');
  mkdirSync(join(dir, 'CloudTrail'), { recursive: true });
  mkdirSync(join(dir, 'elasticloadbalancing'), { recursive: true });
  lbua(['generate', '-n', '300', '--hours', '1', '--seed', '6', '-o', join(dir, 'elasticloadbalancing', 'x.log.gz')]);
  const trail = join(dir, 'CloudTrail', 'trail.json');
  writeFileSync(trail, '{"Records": [\n{"eventName": "GetObject"},\n{"eventName": "PutObject"}\n]}\n');
  // Compressed data lbua does not read is still an error: it is probably a log.
  writeFileSync(join(dir, 'elasticloadbalancing', 'y.log.zst'), Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa4, 0x5d, 0x13, 0x02, 0x0a, 0x41]));
  type Rep = { inputs: { path: string; format: string | null; lines: number; skipped: number; malformed: number; records: number }[]; warnings: { code: string; severity: string; file?: string | null; message: string }[] };

  it.each(['1', '2'])('are one warning each, their lines skipped, not malformed (--jobs %s)', async (jobs) => {
    const r = await lbuaIn(['analyze', join(root, 'AWSLogs'), '--output', 'json', '--jobs', jobs]);
    const rep = json(r) as Rep;
    expect(rep.inputs.find((i) => i.path === trail)).toMatchObject({ format: null, lines: 4, skipped: 4, malformed: 0 });
    expect(rep.inputs.find((i) => i.path.endsWith('y.log.zst'))).toMatchObject({ format: null, lines: 2, skipped: 0, malformed: 2 });
    // One warning after the run names them all, so a tree full of them does not crowd out the line errors of logs.
    expect(rep.warnings.filter((w) => w.code === 'INPUT_NOT_A_LOG')).toEqual([expect.objectContaining({ severity: 'warning', file: null })]);
    expect(rep.warnings.find((w) => w.code === 'INPUT_NOT_A_LOG')?.message).toBe(`1 file found under a directory matches no log format lbua knows; their lines are counted as skipped: ${trail}`);
    expect(rep.warnings.filter((w) => w.code === 'DETECT_NO_FORMAT')).toHaveLength(1);
    expect(rep.inputs.find((i) => i.path.endsWith('x.log.gz'))?.records).toBeGreaterThan(0);
  });

  it('are read as a log, and fail, when named on the command line', async () => {
    // Alone it yields no record: exit 2 with the reason (empty-run.ts).
    const alone = await lbuaIn(['analyze', trail, '--output', 'json']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('no record: ');
    expect(alone.stderr).toContain('no known format parses the first lines of this input');
    // Next to a log, its lines are malformed, and it is named as an input that yielded no record.
    const rep = json(await lbuaIn(['analyze', trail, SAMPLE_LOG, '--output', 'json'])) as Rep;
    expect(rep.inputs[0]).toMatchObject({ lines: 4, skipped: 0, malformed: 4 });
    expect(rep.warnings.map((w) => w.code)).toEqual(['DETECT_NO_FORMAT', 'INPUT_NO_RECORDS']);
  });
});
