/**
 * Expanding inputs over links and unreadable places: each directory and each file is read once, loops end, what was
 * not followed or not readable is said once; an unreadable subdirectory is a warning, the rest is read.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandGlob, expandInputs } from '../../src/input/expand';
import { BIN, ROOT } from '../helpers/cli';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

function tree(): string {
  const d = tempDir('lbua-expand-');
  chmodSync(d, 0o755);
  return d;
}

const names = (paths: readonly { path: string }[], base: string): string[] => paths.map((p) => p.path.slice(base.length + 1));

describe('expandInputs over links', () => {
  it('reads a file once when the tree links back up (d/up -> ..), and names the link once', () => {
    const root = tree();
    const d = join(root, 'd');
    mkdirSync(d);
    writeFileSync(join(d, 'a.log'), 'x\n');
    symlinkSync('..', join(d, 'up'));
    const r = expandInputs([d]);
    expect(names(r.inputs, root)).toEqual(['d/a.log']);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ code: 'INPUT_LINK_LOOP', severity: 'warning', message: expect.stringMatching(/^1 link\(s\) not followed: .*: .*d\/up$/) }),
    ]);
  });

  it('ends at once with two links back to the top (which used to double the work at every level)', () => {
    const root = tree();
    writeFileSync(join(root, 'a.log'), 'x\n');
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'sub', 'b.log'), 'x\n');
    symlinkSync('..', join(root, 'sub', 'back1'));
    symlinkSync(root, join(root, 'sub', 'back2'));
    const r = expandInputs([root]);
    expect(names(r.inputs, root)).toEqual(['a.log', 'sub/b.log']);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]?.message).toMatch(/^2 link\(s\) not followed: .*sub\/back1, .*sub\/back2$/);
  }, 15_000);

  it('reads a file reached by a second path (a linked directory, a file link, a hard link) once, under its first name', () => {
    const root = tree();
    mkdirSync(join(root, 'x'));
    writeFileSync(join(root, 'x', 'f.log'), 'x\n');
    symlinkSync('x', join(root, 'y'));
    symlinkSync(join('x', 'f.log'), join(root, 'z.log'));
    linkSync(join(root, 'x', 'f.log'), join(root, 'hard.log'));
    writeFileSync(join(root, 'other.log'), 'y\n');
    const r = expandInputs([root, join(root, 'x', 'f.log'), join(root, 'y', 'f.log')]);
    expect(names(r.inputs, root)).toEqual(['hard.log', 'other.log']);
    expect(r.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/^1 link\(s\) not followed: .*second path.*: .*\/y$/)]);
    // The linked directory comes after x: x is read, y is the second path.
    const r2 = expandInputs([join(root, 'x'), join(root, 'y')]);
    expect(names(r2.inputs, root)).toEqual(['x/f.log']);
  });

  it('follows a link to a directory outside the tree (logs/current -> /var/log/nginx)', () => {
    const root = tree();
    const outside = tree();
    writeFileSync(join(outside, 'access.log'), 'x\n');
    mkdirSync(join(root, 'logs'));
    symlinkSync(outside, join(root, 'logs', 'current'));
    const r = expandInputs([join(root, 'logs')]);
    expect(names(r.inputs, root)).toEqual(['logs/current/access.log']);
    expect(r.diagnostics).toEqual([]);
  });

  it('keeps the sorted depth-first order, files and subdirectories in place, hidden entries skipped', () => {
    const root = tree();
    for (const dir of ['b', 'b/c', 'e']) mkdirSync(join(root, dir));
    for (const f of ['a.log', 'b/c/x.log', 'b/y.log', 'd.log', 'e/z.log', '.hidden.log']) writeFileSync(join(root, f), '');
    expect(names(expandInputs([root]).inputs, root)).toEqual(['a.log', 'b/c/x.log', 'b/y.log', 'd.log', 'e/z.log']);
  });

  it('walks a tree of 20,000 files and a chain 500 directories deep', () => {
    const root = tree();
    for (let i = 0; i < 200; i++) {
      const dir = join(root, `d${String(i).padStart(3, '0')}`);
      mkdirSync(dir);
      for (let j = 0; j < 100; j++) writeFileSync(join(dir, `f${String(j).padStart(3, '0')}.log`), '');
    }
    let deep = join(root, 'z');
    for (let i = 0; i < 500; i++) deep = join(deep, 'z');
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'deep.log'), '');
    const r = expandInputs([root]);
    expect(r.inputs).toHaveLength(20_001);
    expect(r.inputs[0]?.path).toBe(join(root, 'd000', 'f000.log'));
    expect(r.inputs[20_000]?.path).toBe(join(deep, 'deep.log'));
  }, 60_000);
});

describe('globs over links', () => {
  it('** does not loop on a link back up, and names it', () => {
    const root = tree();
    mkdirSync(join(root, 'logs', 'a'), { recursive: true });
    writeFileSync(join(root, 'logs', 'a', 'x.log'), '');
    writeFileSync(join(root, 'logs', 'y.log'), '');
    symlinkSync('..', join(root, 'logs', 'a', 'up'));
    const r = expandInputs([join(root, 'logs', '**', '*.log')]);
    expect(names(r.inputs, root)).toEqual(['logs/a/x.log', 'logs/y.log']);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['INPUT_LINK_LOOP']);
    expect(expandGlob(join(root, 'logs', '**')).map((p) => p.slice(root.length + 1))).toEqual(['logs/a/x.log', 'logs/y.log']);
  });
});

/**
 * Runs the CLI as an unprivileged user when the tests run as root (root reads any directory), so that a
 * directory with mode 000 is unreadable.
 */
function lbuaAsUser(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' },
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  return { code: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

describe('unreadable subdirectories', () => {
  const ALB = 'https 2026-03-10T09:00:00.250000Z app/shop/50dc6c495c0c9188 203.0.113.7:51000 10.0.1.17:8080 0.001 0.200 0.000 200 200 310 5120 "GET https://shop.example.com:443/api/v1/cart?x=1 HTTP/1.1" "Mozilla/5.0 (X11; Linux x86_64)" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1 "Root=1-65ed7590-0123456789abcdef01234567" "shop.example.com" "-" 1 2026-03-10T09:00:00.049000Z "forward" "-" "-" "10.0.1.17:8080" "200" "-" "-" TID_00ff\n';
  const root = tree();
  const d = join(root, 'logs');
  mkdirSync(join(d, 'locked'), { recursive: true });
  mkdirSync(join(d, 'open'));
  writeFileSync(join(d, 'open', 'a.log'), ALB);
  writeFileSync(join(d, 'locked', 'b.log'), ALB);
  chmodSync(join(d, 'locked'), 0o000);
  const locked = join(d, 'locked');

  for (const [what, arg] of [['a directory walk', d], ['a glob', join(d, '**', '*.log')]] as const) {
    it(`${what}: the readable files are analyzed, one warning names the unreadable one, exit 0 (2 with --strict)`, () => {
      const r = lbuaAsUser(['analyze', arg, '--summary-only', '--output', 'json']);
      expect([r.code, r.stderr]).toEqual([0, '']);
      const doc = JSON.parse(r.stdout) as { summary: { requests: number }; warnings: { code: string; severity: string; message: string }[] };
      expect(doc.summary.requests).toBe(1);
      expect(doc.warnings).toEqual([
        expect.objectContaining({ code: 'INPUT_UNREADABLE', severity: 'warning', message: expect.stringContaining(`${locked} (EACCES)`) }),
      ]);
      expect(lbuaAsUser(['analyze', arg, '--summary-only', '--output', 'json', '--strict']).code).toBe(2);
      const rec = lbuaAsUser(['records', arg]);
      expect(rec.code).toBe(0);
      expect(rec.stdout.trim().split('\n')).toHaveLength(1);
      expect(rec.stderr).toContain(`warning INPUT_UNREADABLE: 1 path(s) under the inputs could not be read; the files in them are not analyzed: ${locked} (EACCES)`);
    });
  }

  it('an unreadable directory named on the command line is still exit 2 with one line', () => {
    const r = lbuaAsUser(['analyze', locked, '--output', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`lbua: ${locked}: cannot read directory (EACCES)\n`);
  });
});
