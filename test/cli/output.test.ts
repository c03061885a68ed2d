/**
 * Output never lies about what it wrote: every write error is exit 2 with one line; `-o FILE` replaces the file only
 * when the new content is complete (a failed write, a failed run, Ctrl-C or a kill leave the old file byte for byte);
 * a reader that goes away (`| head`) is a quiet stop.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { LbuaError } from '../../src/core/types';
import { openOut } from '../../src/cli/output';
import { BIN, lbua, ROOT } from '../helpers/cli';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const SAMPLE = join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz');
const hasFull = existsSync('/dev/full');
const itFull = hasFull ? it : it.skip;
const OLD = 'yesterday\'s report, byte for byte\n';

function freshDir(): string {
  const d = tempDir('lbua-out-');
  chmodSync(d, 0o777);
  return d;
}

/** The entries of `dir` other than `keep`: a temporary file left behind shows here. */
function strays(dir: string, keep: readonly string[]): string[] {
  return readdirSync(dir).filter((n) => !keep.includes(n));
}

describe('write errors are exit 2 with one line', () => {
  const dir = freshDir();
  const saved = join(dir, 'saved.json');
  const profileJson = join(dir, 'profile.json');
  beforeAll(() => {
    expect(lbua(['analyze', SAMPLE, '--output', 'json', '-o', saved]).code).toBe(0);
    expect(lbua(['profile', SAMPLE, '-o', profileJson]).code).toBe(0);
  });

  const toFile: [string, string[]][] = [
    ['analyze (table)', ['analyze', SAMPLE, '--output', 'table']],
    ['analyze (json)', ['analyze', SAMPLE, '--output', 'json']],
    ['analyze (html)', ['analyze', SAMPLE, '--output', 'html']],
    ['analyze --emit-rules', ['analyze', SAMPLE, '--emit-rules', 'nginx']],
    ['records', ['records', SAMPLE]],
    ['sessions', ['sessions', SAMPLE]],
    ['profile', ['profile', SAMPLE]],
    ['profile --merge', ['profile', '--merge', '__PROFILE__']],
    ['report', ['report', '__SAVED__']],
    ['generate', ['generate', '-n', '2000']],
  ];
  const fill = (args: string[]): string[] => args.map((a) => (a === '__SAVED__' ? saved : a === '__PROFILE__' ? profileJson : a));

  itFull.each(toFile)('%s -o /dev/full', (_name, args) => {
    const r = lbua([...fill(args), '-o', '/dev/full']);
    expect([r.code, r.stderr]).toEqual([2, 'lbua: /dev/full: cannot write (ENOSPC)\n']);
  });

  itFull('generate --expected /dev/full', () => {
    const r = lbua(['generate', '-n', '100', '-o', join(dir, 'g.log'), '--expected', '/dev/full']);
    expect([r.code, r.stderr]).toEqual([2, 'lbua: /dev/full: cannot write (ENOSPC)\n']);
  });

  const toStdout: [string, string[]][] = [
    ...toFile,
    ['formats', ['formats']],
    ['formats --output json', ['formats', '--output', 'json']],
    ['detectors', ['detectors']],
    ['geo', ['geo', '1.1.1.1', '8.8.8.8']],
    ['geo --info', ['geo', '--info']],
    ['generate --incident list', ['generate', '--incident', 'list']],
  ];
  itFull.each(toStdout)('%s > /dev/full', (_name, args) => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [BIN, ...fill(args)], { cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' }, stdio: ['ignore', fd, 'pipe'] });
      expect([r.status, r.stderr.toString('utf8')]).toEqual([2, 'lbua: <stdout>: cannot write (ENOSPC)\n']);
    } finally {
      closeSync(fd);
    }
  });
});

describe('a reader that goes away (| head) is a quiet stop with exit 0', () => {
  const ips = Array.from({ length: 4000 }, (_, i) => `1.1.${(i >> 8) & 255}.${i & 255}`);
  it.each([
    ['geo', ['geo', ...ips]],
    ['geo --output json', ['geo', '--output', 'json', ...ips]],
    ['records', ['records', SAMPLE]],
    ['sessions', ['sessions', SAMPLE]],
    ['generate', ['generate', '-n', '20000']],
    ['analyze (table)', ['analyze', SAMPLE, '--output', 'table']],
  ])('%s | head -1', (_name, args) => {
    const quoted = args.map((a) => `'${a}'`).join(' ');
    const r = spawnSync('bash', ['-c', `'${process.execPath}' '${BIN}' ${quoted} | head -1; exit "\${PIPESTATUS[0]}"`], { cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
    expect([r.status, r.stderr.toString('utf8')]).toEqual([0, '']);
    expect(r.stdout.toString('utf8').split('\n')).toHaveLength(2);
  });
});

describe('-o FILE replaces the file only when the new content is complete', () => {
  it('writes a new file whole, with no temporary file left, and keeps the old file\'s mode on replace', () => {
    const dir = freshDir();
    const target = join(dir, 'r.json');
    expect(lbua(['analyze', SAMPLE, '-o', target]).code).toBe(0);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toMatchObject({ schema: 'lbua.report/1' });
    chmodSync(target, 0o640);
    expect(lbua(['analyze', SAMPLE, '-o', target]).code).toBe(0);
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(strays(dir, ['r.json'])).toEqual([]);
  });

  it('a run that fails after -o was opened (an unreadable input) leaves the old file and no temporary file', () => {
    const dir = freshDir();
    const target = join(dir, 'r.json');
    writeFileSync(target, OLD);
    const r = lbua(['analyze', SAMPLE, '/proc/1/mem', '-o', target]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lbua: \/proc\/1\/mem: cannot read \(E[A-Z]+\)\n$/);
    expect(readFileSync(target, 'utf8')).toBe(OLD);
    expect(strays(dir, ['r.json'])).toEqual([]);
  });

  it.each([
    ['a write', 'write'],
    ['the sync', 'sync'],
  ] as const)('%s failing (ENOSPC, EIO) is an error naming the file; the old file is byte-identical, no temporary file is left', async (_name, method) => {
    const dir = freshDir();
    const target = join(dir, 'r.html');
    writeFileSync(target, OLD);
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as Record<string, unknown>;
    await probe.close();
    const code = method === 'write' ? 'ENOSPC' : 'EIO';
    const spy = jest.spyOn(proto as never, method as never).mockRejectedValue(Object.assign(new Error(code), { code }) as never);
    try {
      const out = await openOut(target);
      out.write('x'.repeat(300_000));
      await expect(out.close()).rejects.toThrow(new LbuaError({ code: 'OUTPUT_UNWRITABLE', severity: 'error', message: `${target}: cannot write (${code})`, source: null }));
    } finally {
      spy.mockRestore();
    }
    expect(readFileSync(target, 'utf8')).toBe(OLD);
    expect(strays(dir, ['r.html', 'probe'])).toEqual([]);
  });

  it('a write failing in a long run stops it at the next batch (drain throws)', async () => {
    const dir = freshDir();
    const target = join(dir, 'r.ndjson');
    const out = await openOut(target);
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as Record<string, unknown>;
    await probe.close();
    const spy = jest.spyOn(proto as never, 'write' as never).mockRejectedValue(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }) as never);
    try {
      out.write('y'.repeat(100_000));
      await expect(out.drain()).rejects.toThrow(/cannot write \(ENOSPC\)/);
    } finally {
      spy.mockRestore();
    }
    expect(existsSync(target)).toBe(false);
    expect(strays(dir, ['probe'])).toEqual([]);
  });

  it('a directory that cannot take the temporary file: exit 2 with one line and a hint, the old file untouched', () => {
    const dir = freshDir();
    const sub = join(dir, 'ro');
    mkdirSync(sub);
    const target = join(sub, 'r.json');
    writeFileSync(target, OLD);
    chmodSync(target, 0o666);
    chmodSync(sub, 0o555);
    const r = lbuaAsUser(['analyze', SAMPLE, '-o', target]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`lbua: ${target}: cannot write (EACCES)\nlbua: hint: lbua writes a temporary file beside r.json and renames it over r.json when complete, so the directory must be writable\n`);
    expect(readFileSync(target, 'utf8')).toBe(OLD);
  });

  it('a directory that becomes unwritable during the run: exit 2, the old file untouched', async () => {
    const dir = freshDir();
    const sub = join(dir, 'out');
    mkdirSync(sub);
    chmodSync(sub, 0o777);
    const target = join(sub, 'r.ndjson');
    writeFileSync(target, OLD);
    chmodSync(target, 0o666);
    const child = start(['records', bigLog(), '-o', target]);
    await waitForTemp(sub, 'r.ndjson');
    chmodSync(sub, 0o555);
    const { code, stderr } = await child.done;
    chmodSync(sub, 0o777);
    expect(code).toBe(2);
    expect(stderr).toBe(`lbua: ${target}: cannot write (EACCES)\n`);
    expect(readFileSync(target, 'utf8')).toBe(OLD);
  }, 60_000);

  it.each(['SIGINT', 'SIGTERM'] as const)('%s mid-write: the old file is intact and the temporary file removed', async (signal) => {
    const dir = freshDir();
    const target = join(dir, 'r.ndjson');
    writeFileSync(target, OLD);
    const child = start(['records', bigLog(), '-o', target], false);
    await waitForTemp(dir, 'r.ndjson');
    child.proc.kill(signal);
    const { code, signal: got } = await child.done;
    expect([code, got]).toEqual([null, signal]);
    expect(readFileSync(target, 'utf8')).toBe(OLD);
    expect(strays(dir, ['r.ndjson'])).toEqual([]);
  }, 60_000);

  it('SIGINT during the analysis (before the report is written): the old file is intact, no temporary file', async () => {
    const dir = freshDir();
    const target = join(dir, 'r.json');
    writeFileSync(target, OLD);
    const child = start(['analyze', bigLog(), '--jobs', '1', '-o', target], false);
    await waitForTemp(dir, 'r.json', false);
    child.proc.kill('SIGINT');
    await child.done;
    expect(readFileSync(target, 'utf8')).toBe(OLD);
    expect(strays(dir, ['r.json'])).toEqual([]);
  }, 60_000);

  it('SIGKILL mid-write: the old file is intact (a temporary file may stay, named after it)', async () => {
    const dir = freshDir();
    const target = join(dir, 'r.ndjson');
    writeFileSync(target, OLD);
    const child = start(['records', bigLog(), '-o', target], false);
    await waitForTemp(dir, 'r.ndjson');
    child.proc.kill('SIGKILL');
    await child.done;
    expect(readFileSync(target, 'utf8')).toBe(OLD);
    for (const n of strays(dir, ['r.ndjson'])) expect(n).toMatch(/^\.r\.ndjson\.lbua-\d+-[0-9a-f]{8}\.tmp$/);
  }, 60_000);

  it('writes in place to a device or a FIFO, and through /dev/stdout to what the shell opened (>> appends)', () => {
    expect(lbua(['formats', '--output', 'json']).code).toBe(0);
    expect(lbua(['analyze', SAMPLE, '-o', '/dev/null']).code).toBe(0);
    const dir = freshDir();
    const log = join(dir, 'appended.txt');
    writeFileSync(log, 'first line\n');
    const r = spawnSync('bash', ['-c', `'${process.execPath}' '${BIN}' records '${SAMPLE}' -o /dev/stdout >> '${log}'`], { cwd: ROOT });
    expect(r.status).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n');
    expect(lines[0]).toBe('first line');
    expect(lines).toHaveLength(5105 + 2);
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const cat = spawnSync('bash', ['-c', `cat '${fifo}' | wc -l & '${process.execPath}' '${BIN}' records '${SAMPLE}' -o '${fifo}'; wait`], { cwd: ROOT });
    expect([cat.status, cat.stdout.toString().trim()]).toEqual([0, '5105']);
  });
});

/** A log big enough that `records` writes for a few seconds. */
let big: string | null = null;
function bigLog(): string {
  if (big !== null) return big;
  const dir = freshDir();
  const f = join(dir, 'big.log');
  expect(lbua(['generate', '-n', '60000', '--hours', '3', '-o', f]).code).toBe(0);
  big = f;
  return f;
}

/** Runs as an unprivileged user when the tests run as root (root writes into any directory). */
function userOptions(): { uid?: number; gid?: number } {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
}

function lbuaAsUser(args: readonly string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' }, ...userOptions() });
  return { code: r.status, stderr: r.stderr.toString('utf8') };
}

function start(args: readonly string[], asUser = true): { proc: ReturnType<typeof spawn>; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' }, ...(asUser ? userOptions() : {}), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal, stderr })));
  return { proc, done };
}

/**
 * Waits until the run is writing `name` in `dir`: its temporary file exists (and, with `written`, holds some
 * output), or (a writer that truncates the target at start) the target itself holds new output.
 */
async function waitForTemp(dir: string, name: string, written = true): Promise<void> {
  const prefix = `.${name}.lbua-`;
  const size = (f: string): number => {
    try {
      return statSync(join(dir, f)).size;
    } catch {
      return 0;
    }
  };
  for (let i = 0; i < 2000; i++) {
    const temp = readdirSync(dir).find((n) => n.startsWith(prefix));
    if (temp !== undefined && (!written || size(temp) > 100_000)) return;
    if (size(name) !== OLD.length && (!written || size(name) > 100_000)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no output for ${name} appeared in ${dir}`);
}
