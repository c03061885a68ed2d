/**
 * followDirectory (input/follow-dir.ts): complete new log files arriving in a folder (an S3 sync target of ALB
 * 5-minute files), on real files in temporary folders, with short polls. Nothing asserts a delay.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { followDirectory, isTempName, type DirFollowOptions } from '../../src/input/follow-dir';
import { botnetAlbLines } from '../helpers/cardinality';
import { consume, Notices, sleep, waitFor } from '../helpers/follow';
import { tempDirs } from '../helpers/tmp';

jest.setTimeout(60_000);
const tempDir = tempDirs();

const controllers: AbortController[] = [];
afterEach(() => {
  for (const ac of controllers.splice(0)) ac.abort();
});

const T0 = Date.UTC(2026, 2, 10, 23, 50);
const MIN = 60_000;

/** The S3 key layout of ALB logs: AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/<name>. */
function awsPath(root: string, endMs: number, node: string): string {
  const d = new Date(endMs).toISOString();
  const stamp = `${d.slice(0, 4)}${d.slice(5, 7)}${d.slice(8, 10)}T${d.slice(11, 13)}${d.slice(14, 16)}Z`;
  const folder = join(root, 'AWSLogs', '123456789012', 'elasticloadbalancing', 'us-east-1', d.slice(0, 4), d.slice(5, 7), d.slice(8, 10));
  mkdirSync(folder, { recursive: true });
  return join(folder, `123456789012_elasticloadbalancing_us-east-1_app.shop-prod.50dc6c495c0c9188_${stamp}_${node}_2kd8s7q1.log.gz`);
}

/** A gzipped 5-minute ALB file ending at `endMs`, from node `node`. */
function albFile(root: string, endMs: number, node: string): string {
  const path = awsPath(root, endMs, node);
  const lines = botnetAlbLines({ startMs: endMs - 5 * MIN, clients: 200, minutes: 5 });
  writeFileSync(path, gzipSync(lines.map((l) => `${l}\n`).join('')));
  return path;
}

function follow(dir: string, options: Partial<DirFollowOptions> = {}) {
  const ac = new AbortController();
  controllers.push(ac);
  const notices = new Notices();
  const followed = followDirectory(dir, { start: 'all', pollMs: 30, settleMs: 60, onNotice: notices.on, signal: ac.signal, ...options });
  const { got, done } = consume(followed.groups);
  const rel = (): string[][] => got.map((g) => g.map((p) => relative(dir, p)));
  const stop = async (): Promise<void> => {
    ac.abort();
    await done;
  };
  const files = (): number => got.reduce((n, g) => n + g.length, 0);
  return { followed, notices, got, rel, stop, files, until: (what: string, cond: () => boolean) => waitFor(what, cond, () => ({ got: rel(), notices: notices.all })) };
}

describe('followDirectory', () => {
  it("'all': existing files first, one group per 5-minute slot (every node's file), in time order, across day folders", async () => {
    const root = tempDir('lbua-fdir-');
    // Written out of order, as s3 sync does; the slots cross midnight into a new day folder.
    const files = [
      albFile(root, T0 + 15 * MIN, '10.0.2.20'),
      albFile(root, T0 + 5 * MIN, '10.0.1.10'),
      albFile(root, T0 + 15 * MIN, '10.0.1.10'),
      albFile(root, T0 + 5 * MIN, '10.0.2.20'),
      albFile(root, T0 + 10 * MIN, '10.0.1.10'),
    ];
    const other = join(root, 'nginx-access.log');
    writeFileSync(other, 'x\n');
    utimesSync(other, new Date(T0 + 12 * MIN), new Date(T0 + 12 * MIN));
    const f = follow(root);
    await f.until('6 files', () => f.files() >= 6);
    await sleep(150);
    await f.stop();
    const [a5, b5, a10, a15, b15] = [files[1], files[3], files[4], files[2], files[0]];
    expect(f.got).toEqual([[a5, b5].sort(), [a10], [other], [a15, b15].sort()]);
    expect(f.rel()[3]?.[0]).toContain('2026/03/11/');
    expect(f.followed.seen()).toEqual([...files, other].sort());
    expect(f.notices.all).toEqual([]);
  });

  it("'new': files present at start are skipped; files arriving later (in a new day folder too) are read", async () => {
    const root = tempDir('lbua-fdir-');
    const old = albFile(root, T0, '10.0.1.10');
    const f = follow(root, { start: 'new' });
    await f.until('the first listing', () => f.followed.listings() > 0);
    expect(f.got).toEqual([]);
    const later = [albFile(root, T0 + 15 * MIN, '10.0.1.10'), albFile(root, T0 + 10 * MIN, '10.0.1.10')];
    await f.until('2 groups', () => f.got.length >= 2);
    await sleep(100);
    await f.stop();
    expect(f.got).toEqual([[later[1]], [later[0]]]);
    expect(f.followed.seen()).toEqual([old, ...later].sort());
  });

  it('{ sinceMs }: existing files whose time is at or after it', async () => {
    const root = tempDir('lbua-fdir-');
    const files = [0, 5, 10, 15].map((m) => albFile(root, T0 + m * MIN, '10.0.1.10'));
    const f = follow(root, { start: { sinceMs: T0 + 10 * MIN } });
    await f.until('2 groups', () => f.got.length >= 2);
    await sleep(150);
    await f.stop();
    expect(f.got).toEqual([[files[2]], [files[3]]]);
  });

  it('a file is complete when it stops changing: one written in two steps is yielded once, whole', async () => {
    const root = tempDir('lbua-fdir-');
    const f = follow(root, { start: 'new', settleMs: 400 });
    await f.until('the first listing', () => f.followed.listings() > 0);
    const path = join(root, 'app.log');
    const lines = botnetAlbLines({ startMs: T0, clients: 100, minutes: 1 }).map((l) => `${l}\n`);
    let sizeWhenYielded = -1;
    writeFileSync(path, lines.slice(0, 50).join(''));
    await sleep(150);
    appendFileSync(path, lines.slice(50).join(''));
    await f.until('the file', () => {
      if (f.got.length > 0 && sizeWhenYielded < 0) sizeWhenYielded = readFileSync(path).length;
      return f.got.length > 0;
    });
    await sleep(200);
    await f.stop();
    expect(f.got).toEqual([[path]]);
    expect(sizeWhenYielded).toBe(Buffer.byteLength(lines.join('')));
  });

  it('a gzip written in two steps is not complete until it decodes to its end, however long the pause', async () => {
    const root = tempDir('lbua-fdir-');
    const f = follow(root, { start: 'new' });
    await f.until('the first listing', () => f.followed.listings() > 0);
    const path = awsPath(root, T0, '10.0.1.10');
    const body = botnetAlbLines({ startMs: T0 - 5 * MIN, clients: 2000, minutes: 5 }).map((l) => `${l}\n`).join('');
    const gz = gzipSync(body);
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length / 2)));
    await sleep(500); // settled many times over (settleMs 60), but cut: not yielded
    expect(f.got).toEqual([]);
    appendFileSync(path, gz.subarray(Math.floor(gz.length / 2)));
    await f.until('the file', () => f.got.length > 0);
    await f.stop();
    expect(f.got).toEqual([[path]]);
    expect(gunzipSync(readFileSync(path)).toString()).toBe(body);
    expect(f.notices.all).toEqual([]);
  });

  it('a gzip that stays damaged after it settles is yielded anyway after the grace, with a notice', async () => {
    const root = tempDir('lbua-fdir-');
    const f = follow(root, { start: 'new', damageGraceMs: 400 });
    await f.until('the first listing', () => f.followed.listings() > 0);
    const path = awsPath(root, T0, '10.0.1.10');
    const gz = gzipSync(botnetAlbLines({ startMs: T0 - 5 * MIN, clients: 500, minutes: 5 }).join('\n'));
    writeFileSync(path, gz.subarray(0, gz.length - 100));
    await sleep(250);
    expect(f.got).toEqual([]);
    await f.until('the file', () => f.got.length > 0);
    await f.stop();
    expect(f.got).toEqual([[path]]);
    expect(f.notices.codes()).toEqual(['FOLLOW_DAMAGED']);
  });

  it("a slot is held while one node's file of it is still being written, then yielded as one group", async () => {
    const root = tempDir('lbua-fdir-');
    const f = follow(root, { start: 'new' });
    await f.until('the first listing', () => f.followed.listings() > 0);
    const a = albFile(root, T0, '10.0.1.10');
    const b = awsPath(root, T0, '10.0.2.20');
    const gz = gzipSync(botnetAlbLines({ startMs: T0 - 5 * MIN, clients: 2000, minutes: 5 }).join('\n'));
    writeFileSync(b, gz.subarray(0, 1000));
    await sleep(400);
    expect(f.got).toEqual([]);
    appendFileSync(b, gz.subarray(1000));
    await f.until('the slot', () => f.got.length > 0);
    await sleep(150);
    await f.stop();
    expect(f.got).toEqual([[a, b].sort()]);
  });

  it('an old damaged gzip (mtime over a minute ago when first seen) is yielded without waiting', async () => {
    const root = tempDir('lbua-fdir-');
    const path = awsPath(root, T0, '10.0.1.10');
    const gz = gzipSync(botnetAlbLines({ startMs: T0 - 5 * MIN, clients: 500, minutes: 5 }).join('\n'));
    writeFileSync(path, gz.subarray(0, gz.length - 100));
    utimesSync(path, new Date(T0), new Date(T0));
    const f = follow(root, { damageGraceMs: 600_000 });
    await f.until('the file', () => f.got.length > 0);
    await f.stop();
    expect(f.got).toEqual([[path]]);
  });

  it('temporary names are never read; the file renamed from one is', async () => {
    expect(['.access.log.gz', 'a.log.tmp', 'a.log.gz.part', 'a.log.crdownload', 'a.log~', 'x_0905Z_2kd8.log.gz.3fA9b0c1'].map(isTempName)).toEqual([true, true, true, true, true, true]);
    expect(['access.log.20261207', 'access.log.1', 'access.log.gz', 'x_0905Z_2kd8.log.gz'].map(isTempName)).toEqual([false, false, false, false]);
    const root = tempDir('lbua-fdir-');
    const f = follow(root, { start: 'new' });
    await f.until('the first listing', () => f.followed.listings() > 0);
    const final = albFile(root, T0, '10.0.1.10');
    const temp = `${final}.3fA9b0c1`;
    renameSync(final, temp);
    writeFileSync(join(root, 'b.log.tmp'), 'x\n');
    writeFileSync(join(root, '.hidden.log'), 'x\n');
    mkdirSync(join(root, '.staging'));
    writeFileSync(join(root, '.staging', 'c.log'), 'x\n');
    await sleep(400);
    expect(f.got).toEqual([]);
    renameSync(temp, final);
    await f.until('the renamed file', () => f.got.length > 0);
    await sleep(150);
    await f.stop();
    expect(f.got).toEqual([[final]]);
  });

  it("restores seen: a restart reads only what it had not read, including what arrived while stopped (whatever start says)", async () => {
    const root = tempDir('lbua-fdir-');
    const first = [0, 5].map((m) => albFile(root, T0 + m * MIN, '10.0.1.10'));
    const one = follow(root);
    await one.until('2 groups', () => one.got.length >= 2);
    await one.stop();
    const seen = one.followed.seen();
    expect(seen).toEqual(first);
    const meanwhile = albFile(root, T0 + 10 * MIN, '10.0.1.10');
    const two = follow(root, { start: 'new', seen });
    await two.until('1 group', () => two.got.length >= 1);
    await sleep(200);
    await two.stop();
    expect(two.got).toEqual([[meanwhile]]);
  });

  it('a group is in seen() once the consumer asks for the next one, not while it is being read', async () => {
    const root = tempDir('lbua-fdir-');
    const files = [0, 5].map((m) => albFile(root, T0 + m * MIN, '10.0.1.10'));
    const ac = new AbortController();
    controllers.push(ac);
    const followed = followDirectory(root, { start: 'all', pollMs: 30, settleMs: 30, onNotice: () => undefined, signal: ac.signal });
    const seenDuring: string[][] = [];
    for await (const group of followed.groups) {
      seenDuring.push(followed.seen());
      if (group[0] === files[1]) break;
    }
    expect(seenDuring).toEqual([[], [files[0]]]);
    expect(followed.seen()).toEqual(files); // stopped by break, not by abort: the last group was taken
  });

  it('walks at most 8 folders deep and does not loop through a link to a parent', async () => {
    const root = tempDir('lbua-fdir-');
    let d = root;
    const byDepth: string[] = [];
    for (let depth = 0; depth <= 9; depth++) {
      const p = join(d, `depth${depth}.log`);
      writeFileSync(p, `${depth}\n`);
      byDepth.push(p);
      d = join(d, `sub${depth}`);
      mkdirSync(d);
    }
    symlinkSync('..', join(root, 'sub0', 'up'));
    const f = follow(root, { settleMs: 0 });
    await f.until('9 files', () => f.files() >= 9);
    await sleep(200);
    await f.stop();
    expect(f.got.flat().sort()).toEqual(byDepth.slice(0, 9).sort());
  });

  it('waits for a folder that does not exist yet (one notice); every file in it is new', async () => {
    const root = join(tempDir('lbua-fdir-'), 'sync-target');
    const f = follow(root, { start: 'new' });
    await f.until('the notice', () => f.notices.all.length > 0);
    await sleep(100);
    mkdirSync(root);
    const file = albFile(root, T0, '10.0.1.10');
    await f.until('the file', () => f.got.length > 0);
    await f.stop();
    expect(f.got).toEqual([[file]]);
    expect(f.notices.codes()).toEqual(['FOLLOW_WAITING']);
  });

  it('seen() stays bounded over days: deleted files and files 2 days older than the newest are forgotten, and not read again', async () => {
    const root = tempDir('lbua-fdir-');
    const day0 = [0, 5, 10].map((m) => albFile(root, T0 + m * MIN, '10.0.1.10'));
    const other = join(root, 'app.log'); // not an AWS name: its time is its mtime
    writeFileSync(other, 'x\n');
    utimesSync(other, new Date(T0 + 12 * MIN), new Date(T0 + 12 * MIN));
    const f = follow(root);
    await f.until('4 groups', () => f.got.length >= 4);
    unlinkSync(day0[0] ?? '');
    await waitFor('the deleted file forgotten', () => !f.followed.seen().includes(day0[0] ?? ''));
    const day3 = albFile(root, T0 + 3 * 24 * 60 * MIN, '10.0.1.10');
    await f.until('the file 3 days later', () => f.got.length >= 5);
    await waitFor('old paths forgotten', () => f.followed.seen().length === 1);
    expect(f.followed.seen()).toEqual([day3]);
    // A file that lands more than 2 days late is not read.
    const late = albFile(root, T0 + 15 * MIN, '10.0.2.20');
    await f.until('the too-old notice', () => f.notices.count('FOLLOW_TOO_OLD') > 0);
    await sleep(200);
    await f.stop();
    expect(f.got).toEqual([[day0[0]], [day0[1]], [day0[2]], [other], [day3]]);
    expect(f.notices.codes()).toEqual(['FOLLOW_TOO_OLD']);
    expect(f.notices.all[0]?.message).toContain(late);
    // A restart on that checkpoint reads none of the old files (forgotten from seen) and says nothing of them.
    const two = follow(root, { start: 'new', seen: f.followed.seen() });
    await sleep(300);
    const next = albFile(root, T0 + 3 * 24 * 60 * MIN + 5 * MIN, '10.0.1.10');
    await two.until('the next file', () => two.got.length > 0);
    await sleep(150);
    await two.stop();
    expect(two.got).toEqual([[next]]);
    expect(two.notices.all).toEqual([]);
  });
});
