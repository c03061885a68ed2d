/**
 * followFile (input/follow.ts): a growing file followed with tail -F semantics, on real files in temporary folders,
 * with real-shaped ALB lines and short polls. Nothing asserts a delay; waits are generous (the machine is loaded).
 */
import { appendFileSync, closeSync, openSync, readFileSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { followFile, NODE_FOLLOW_FS, type FollowFs, type FollowOptions, type FollowPosition } from '../../src/input/follow';
import type { LineBatch } from '../../src/input/lines';
import { botnetAlbLines } from '../helpers/cardinality';
import { generatedLog } from '../helpers/generated';
import { consume, Notices, sleep, waitFor } from '../helpers/follow';
import { tempDirs } from '../helpers/tmp';

jest.setTimeout(60_000);
const tempDir = tempDirs();

const ALB = botnetAlbLines({ startMs: Date.UTC(2026, 2, 10, 9), clients: 6000, minutes: 30 });
/** Every follower a test starts is stopped after it, passed or failed (a follower left polling keeps jest from exiting). */
const controllers: AbortController[] = [];
afterEach(() => {
  for (const ac of controllers.splice(0)) ac.abort();
});
function controller(): AbortController {
  const ac = new AbortController();
  controllers.push(ac);
  return ac;
}

const text = (lines: readonly string[]): string => lines.map((l) => `${l}\n`).join('');

/** A follower of `path` with a consumer: every line as [line number, text], the batches and the positions seen. */
function follow(path: string, options: Partial<FollowOptions> = {}) {
  const ac = controller();
  const notices = new Notices();
  const followed = followFile(path, { start: 'start', pollMs: 25, maxLineLength: 64 * 1024, onNotice: notices.on, signal: ac.signal, ...options });
  const lines: [number, string | null][] = [];
  const positions: (FollowPosition | null)[] = [];
  const { got: batches, done } = consume<LineBatch>(followed.batches, (b) => {
    b.lines.forEach((l, i) => lines.push([b.firstLine + i, l]));
    positions.push(followed.position());
  });
  const texts = (): (string | null)[] => lines.map(([, l]) => l);
  const stop = async (): Promise<FollowPosition | null> => {
    ac.abort();
    await done;
    return followed.position();
  };
  return { followed, notices, lines, texts, batches, positions, done, stop, until: (what: string, cond: () => boolean) => waitFor(what, cond, () => ({ lines: lines.slice(-3), notices: notices.all })) };
}

/** [n, text] pairs numbered from `first`. */
const numbered = (lines: readonly string[], first = 1): [number, string][] => lines.map((l, i) => [first + i, l]);

describe('followFile', () => {
  it('reads a growing file of ALB lines in order, in batches of at most maxBatchLines, and ends on abort', async () => {
    const path = join(tempDir('lbua-follow-'), 'access.log');
    writeFileSync(path, text(ALB.slice(0, 1000)));
    const f = follow(path, { maxBatchLines: 300 });
    await f.until('the first 1000 lines', () => f.lines.length >= 1000);
    // A writer faster than the polls: 5000 lines in 50 appends, no pause.
    for (let i = 1000; i < 6000; i += 100) appendFileSync(path, text(ALB.slice(i, i + 100)));
    await f.until('all 6000 lines', () => f.lines.length >= 6000);
    expect(f.lines).toEqual(numbered(ALB));
    expect(Math.max(...f.batches.map((b) => b.lines.length))).toBe(300);
    expect(f.followed.position()).toMatchObject({ path, offset: statSync(path).size, line: 6000, ino: statSync(path).ino });
    const end = await f.stop();
    expect(end?.line).toBe(6000);
    expect(f.notices.all).toEqual([]);
  });

  it('a generated incident log appended in random pieces (cut mid-line) reads back line for line', async () => {
    const source = readFileSync(generatedLog(['-n', '4000', '--hours', '2', '--seed', '7', '--incident', 'all'], '.log').path);
    const expected = source.toString('utf8').split('\n').slice(0, -1);
    const path = join(tempDir('lbua-follow-'), 'access.log');
    writeFileSync(path, '');
    const f = follow(path, { maxBatchLines: 512 });
    // Seeded cut points (a linear congruential sequence): 0 to 64 KiB per append, a pause now and then.
    let seed = 7;
    for (let at = 0, k = 0; at < source.length; k++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const n = Math.min(source.length - at, seed % 65536);
      appendFileSync(path, source.subarray(at, at + n));
      at += n;
      if (k % 8 === 0) await sleep(5);
    }
    await f.until('every line', () => f.lines.length >= expected.length);
    await sleep(100);
    await f.stop();
    expect(f.lines.length).toBe(expected.length);
    expect(f.texts()).toEqual(expected);
    expect(f.lines.every(([n], i) => n === i + 1)).toBe(true);
    expect(f.followed.position()).toMatchObject({ offset: source.length, line: expected.length });
  });

  it("position() after each batch is just after that batch's last line", async () => {
    const path = join(tempDir('lbua-follow-'), 'access.log');
    const body = text(ALB.slice(0, 2500));
    writeFileSync(path, body);
    const f = follow(path, { maxBatchLines: 700 });
    await f.until('2500 lines', () => f.lines.length >= 2500);
    await f.stop();
    const bytes = Buffer.from(body);
    f.batches.forEach((b, i) => {
      const pos = f.positions[i];
      const last = b.firstLine + b.lines.length - 1;
      expect(pos?.line).toBe(last);
      // The offset is the end of line `last`: that many newlines before it, and a newline just before it.
      expect(bytes[(pos?.offset ?? 0) - 1]).toBe(10);
      expect(bytes.subarray(0, pos?.offset).toString().split('\n').length - 1).toBe(last);
    });
    // 1 MiB reads: a batch ends at maxBatchLines or at the end of a read.
    expect(f.batches.every((b) => b.lines.length <= 700)).toBe(true);
    expect(f.batches.slice(0, 2).map((b) => b.lines.length)).toEqual([700, 700]);
  });

  it("start 'end' skips what exists, but reads a line being written when it starts whole, with true line numbers", async () => {
    const path = join(tempDir('lbua-follow-'), 'access.log');
    writeFileSync(path, `${text(ALB.slice(0, 50))}${ALB[50]?.slice(0, 40)}`);
    const f = follow(path, { start: 'end' });
    await sleep(150);
    expect(f.lines).toEqual([]);
    expect(f.followed.position()).toMatchObject({ line: 50, offset: Buffer.byteLength(text(ALB.slice(0, 50))) });
    appendFileSync(path, `${ALB[50]?.slice(40)}\n${text(ALB.slice(51, 60))}`);
    await f.until('10 lines', () => f.lines.length >= 10);
    await f.stop();
    expect(f.lines).toEqual(numbered(ALB.slice(50, 60), 51));
  });

  it('waits for a file that does not exist yet (one notice), then reads it from its start', async () => {
    const path = join(tempDir('lbua-follow-'), 'later.log');
    const f = follow(path, { start: 'end' });
    await f.until('the waiting notice', () => f.notices.all.length > 0);
    await sleep(200);
    writeFileSync(path, text(ALB.slice(0, 20)));
    await f.until('20 lines', () => f.lines.length >= 20);
    await f.stop();
    expect(f.lines).toEqual(numbered(ALB.slice(0, 20)));
    expect(f.notices.codes()).toEqual(['FOLLOW_WAITING']);
  });

  it('holds a partial last line until its newline (not yielded, not in position), with CRLF and UTF-8 split across writes', async () => {
    const path = join(tempDir('lbua-follow-'), 'access.log');
    writeFileSync(path, 'first line\r\n');
    const f = follow(path);
    await f.until('line 1', () => f.lines.length >= 1);
    const euro = Buffer.from('€');
    appendFileSync(path, Buffer.concat([Buffer.from('GET /caf'), euro.subarray(0, 2)]));
    await sleep(200); // several polls with half a line and half a character
    expect(f.lines).toHaveLength(1);
    expect(f.followed.position()?.offset).toBe(12);
    appendFileSync(path, Buffer.concat([euro.subarray(2), Buffer.from(' 200\r\nthird\n')]));
    await f.until('3 lines', () => f.lines.length >= 3);
    await f.stop();
    expect(f.lines).toEqual([[1, 'first line'], [2, 'GET /caf€ 200'], [3, 'third']]);
    expect(f.followed.position()?.offset).toBe(statSync(path).size);
  });

  it('yields a line longer than maxLineLength as null when its newline comes, and holds no more than that', async () => {
    const path = join(tempDir('lbua-follow-'), 'access.log');
    writeFileSync(path, 'ok\n');
    const f = follow(path, { maxLineLength: 100 });
    await f.until('line 1', () => f.lines.length >= 1);
    appendFileSync(path, 'x'.repeat(80));
    await sleep(100);
    appendFileSync(path, 'y'.repeat(80));
    await sleep(100);
    appendFileSync(path, 'z\nafter\n');
    await f.until('3 lines', () => f.lines.length >= 3);
    await f.stop();
    expect(f.lines).toEqual([[1, 'ok'], [2, null], [3, 'after']]);
  });

  it('truncation: says so and reads again from the start, from line 1', async () => {
    const path = join(tempDir('lbua-follow-'), 'access.log');
    writeFileSync(path, text(ALB.slice(0, 30)));
    const f = follow(path);
    await f.until('30 lines', () => f.lines.length >= 30);
    truncateSync(path, 0);
    await f.until('the truncation notice', () => f.notices.count('FOLLOW_TRUNCATED') > 0);
    appendFileSync(path, text(ALB.slice(30, 35)));
    await f.until('35 lines', () => f.lines.length >= 35);
    await f.stop();
    expect(f.lines).toEqual([...numbered(ALB.slice(0, 30)), ...numbered(ALB.slice(30, 35))]);
    expect(f.notices.codes()).toEqual(['FOLLOW_TRUNCATED']);
  });

  it('copytruncate whose file grew back past the read offset before the next poll is still seen as a truncation', async () => {
    const path = join(tempDir('lbua-follow-'), 'access.log');
    writeFileSync(path, text(ALB.slice(0, 10)));
    const f = follow(path, { pollMs: 400 });
    await f.until('10 lines', () => f.lines.length >= 10);
    // Within one poll interval: copy, truncate, and a burst longer than what was read.
    writeFileSync(join(path, '..', 'access.log.1'), readFileSync(path));
    truncateSync(path, 0);
    appendFileSync(path, text(ALB.slice(100, 130)));
    await f.until('30 more lines', () => f.lines.length >= 40);
    await f.stop();
    expect(f.lines.slice(10)).toEqual(numbered(ALB.slice(100, 130)));
    expect(f.notices.codes()).toEqual(['FOLLOW_TRUNCATED']);
  });

  it('rotation by rename + create: reads the old file to its end (also what is written after the rename), then the new one from line 1', async () => {
    const dir = tempDir('lbua-follow-');
    const path = join(dir, 'access.log');
    writeFileSync(path, text(ALB.slice(0, 40)));
    const f = follow(path);
    await f.until('40 lines', () => f.lines.length >= 40);
    const writer = openSync(path, 'a');
    renameSync(path, join(dir, 'access.log.1'));
    writeFileSync(path, ''); // logrotate `create`: the writer still has the old file open
    writeSync(writer, text(ALB.slice(40, 45)));
    await f.until('the 5 lines written to the renamed file', () => f.lines.length >= 45);
    writeSync(writer, `${ALB[45]}`); // an unterminated last line, then the writer reopens
    closeSync(writer);
    await sleep(100);
    appendFileSync(path, text(ALB.slice(100, 110)));
    await f.until('the new file', () => f.lines.length >= 56);
    await f.stop();
    expect(f.lines).toEqual([...numbered(ALB.slice(0, 46)), ...numbered(ALB.slice(100, 110))]);
    expect(f.notices.codes()).toEqual(['FOLLOW_ROTATED']);
    expect(f.followed.position()).toMatchObject({ ino: statSync(path).ino, line: 10 });
  });

  it('deletion: reads the open file to its end and while it is open, says so once, and reads the path from its start when it reappears', async () => {
    const path = join(tempDir('lbua-follow-'), 'access.log');
    writeFileSync(path, text(ALB.slice(0, 10)));
    const f = follow(path);
    await f.until('10 lines', () => f.lines.length >= 10);
    const writer = openSync(path, 'a');
    unlinkSync(path);
    writeSync(writer, text(ALB.slice(10, 15)));
    await f.until('the deletion notice and the 5 lines written after it', () => f.notices.count('FOLLOW_DELETED') > 0 && f.lines.length >= 15);
    await sleep(150);
    writeSync(writer, text(ALB.slice(15, 17)));
    closeSync(writer);
    await f.until('2 more lines', () => f.lines.length >= 17);
    writeFileSync(path, text(ALB.slice(200, 203)));
    await f.until('the new file', () => f.lines.length >= 20);
    await f.stop();
    expect(f.lines).toEqual([...numbered(ALB.slice(0, 17)), ...numbered(ALB.slice(200, 203))]);
    expect(f.notices.codes()).toEqual(['FOLLOW_DELETED', 'FOLLOW_RESUMED']);
  });

  it('an unreadable file (EACCES, injected: as root chmod does not block reads): one notice, retried each poll, read when readable again', async () => {
    const path = join(tempDir('lbua-follow-'), 'access.log');
    writeFileSync(path, text(ALB.slice(0, 5)));
    let denied = true;
    let attempts = 0;
    const fs: FollowFs = {
      ...NODE_FOLLOW_FS,
      open: async (p) => {
        attempts++;
        if (denied) throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' });
        return NODE_FOLLOW_FS.open(p);
      },
    };
    const f = follow(path, { fs });
    await f.until('5 tries', () => attempts >= 5);
    expect(f.lines).toEqual([]);
    expect(f.notices.codes()).toEqual(['FOLLOW_UNREADABLE']);
    expect(f.notices.all[0]?.message).toContain('EACCES');
    denied = false;
    await f.until('5 lines', () => f.lines.length >= 5);
    await f.stop();
    expect(f.lines).toEqual(numbered(ALB.slice(0, 5)));
    expect(f.notices.codes()).toEqual(['FOLLOW_UNREADABLE', 'FOLLOW_RESUMED']);
  });

  it('an unreadable new file after a rotation: the old one is finished, the new one read once it can be', async () => {
    const dir = tempDir('lbua-follow-');
    const path = join(dir, 'access.log');
    writeFileSync(path, text(ALB.slice(0, 5)));
    let deniedIno = -1;
    const fs: FollowFs = {
      ...NODE_FOLLOW_FS,
      open: async (p) => {
        if (statSync(p).ino === deniedIno) throw Object.assign(new Error('EPERM'), { code: 'EPERM' });
        return NODE_FOLLOW_FS.open(p);
      },
    };
    const f = follow(path, { fs });
    await f.until('5 lines', () => f.lines.length >= 5);
    renameSync(path, join(dir, 'access.log.1'));
    appendFileSync(join(dir, 'access.log.1'), text(ALB.slice(5, 7)));
    writeFileSync(path, text(ALB.slice(50, 52)));
    deniedIno = statSync(path).ino;
    await f.until('the unreadable notice', () => f.notices.count('FOLLOW_UNREADABLE') > 0);
    await sleep(150);
    deniedIno = -1;
    await f.until('9 lines', () => f.lines.length >= 9);
    await f.stop();
    expect(f.lines).toEqual([...numbered(ALB.slice(0, 7)), ...numbered(ALB.slice(50, 52))]);
    expect(f.notices.codes()).toEqual(['FOLLOW_ROTATED', 'FOLLOW_UNREADABLE', 'FOLLOW_RESUMED']);
  });

  const asUser = typeof process.getuid === 'function' && process.getuid() !== 0 ? it : it.skip;
  asUser('an unreadable file by chmod (run only when not root)', async () => {
    const { chmodSync } = await import('node:fs');
    const path = join(tempDir('lbua-follow-'), 'access.log');
    writeFileSync(path, text(ALB.slice(0, 3)));
    chmodSync(path, 0o000);
    const f = follow(path);
    await f.until('the notice', () => f.notices.all.length > 0);
    chmodSync(path, 0o644);
    await f.until('3 lines', () => f.lines.length >= 3);
    await f.stop();
    expect(f.notices.codes()).toEqual(['FOLLOW_UNREADABLE', 'FOLLOW_RESUMED']);
  });

  describe('resuming a checkpoint', () => {
    /** Follows until `n` lines, stops, and returns the lines read and the position. */
    async function firstRun(path: string, n: number): Promise<{ lines: [number, string | null][]; pos: FollowPosition }> {
      const f = follow(path, { maxBatchLines: 100 });
      await f.until(`${n} lines`, () => f.lines.length >= n);
      const pos = await f.stop();
      if (pos === null) throw new Error('no position');
      return { lines: f.lines, pos };
    }

    it('continues where it stopped: no line lost or repeated', async () => {
      const path = join(tempDir('lbua-follow-'), 'access.log');
      writeFileSync(path, text(ALB.slice(0, 1000)));
      const one = await firstRun(path, 1000);
      appendFileSync(path, text(ALB.slice(1000, 1500)));
      const two = follow(path, { start: one.pos });
      await two.until('500 more lines', () => two.lines.length >= 500);
      await sleep(100);
      await two.stop();
      expect([...one.lines, ...two.lines]).toEqual(numbered(ALB.slice(0, 1500)));
      expect(two.notices.all).toEqual([]);
    });

    it('a checkpoint taken mid-file (between batches) resumes at the next line', async () => {
      const path = join(tempDir('lbua-follow-'), 'access.log');
      writeFileSync(path, text(ALB.slice(0, 3000)));
      const ac = controller();
      const followed = followFile(path, { start: 'start', pollMs: 25, maxLineLength: 65536, maxBatchLines: 250, onNotice: () => undefined, signal: ac.signal });
      const before: [number, string | null][] = [];
      for await (const b of followed.batches) {
        b.lines.forEach((l, i) => before.push([b.firstLine + i, l]));
        if (before.length >= 1250) break; // stop after a batch: what was yielded is consumed
      }
      const pos = followed.position();
      expect(pos?.line).toBe(1250);
      const two = follow(path, { start: pos ?? 'start' });
      await two.until('the rest', () => two.lines.length >= 1750);
      await two.stop();
      expect([...before, ...two.lines]).toEqual(numbered(ALB.slice(0, 3000)));
    });

    it('after a rotation between stop and resume: the rest of the rotated file first, then the new one from line 1', async () => {
      const dir = tempDir('lbua-follow-');
      const path = join(dir, 'access.log');
      writeFileSync(path, text(ALB.slice(0, 800)));
      const one = await firstRun(path, 800);
      appendFileSync(path, text(ALB.slice(800, 900))); // written after the checkpoint, before the rotation
      renameSync(path, join(dir, 'access.log.1'));
      writeFileSync(path, text(ALB.slice(900, 950)));
      const two = follow(path, { start: one.pos });
      await two.until('150 lines', () => two.lines.length >= 150);
      await sleep(100);
      await two.stop();
      expect([...one.lines, ...two.lines]).toEqual([...numbered(ALB.slice(0, 900)), ...numbered(ALB.slice(900, 950))]);
      expect(two.notices.codes()).toEqual(['FOLLOW_ROTATED']);
      expect(two.notices.all[0]?.message).toContain('access.log.1');
    });

    it('stopped while reading the rest of a rotated file: the next resume continues in it', async () => {
      const dir = tempDir('lbua-follow-');
      const path = join(dir, 'access.log');
      writeFileSync(path, text(ALB.slice(0, 100)));
      const one = await firstRun(path, 100);
      appendFileSync(path, text(ALB.slice(100, 1100)));
      renameSync(path, join(dir, 'access.log.1'));
      writeFileSync(path, text(ALB.slice(2000, 2010)));
      const ac = controller();
      const second = followFile(path, { start: one.pos, pollMs: 25, maxLineLength: 65536, maxBatchLines: 100, onNotice: () => undefined, signal: ac.signal });
      const mid: [number, string | null][] = [];
      for await (const b of second.batches) {
        b.lines.forEach((l, i) => mid.push([b.firstLine + i, l]));
        if (mid.length >= 300) break;
      }
      const pos = second.position();
      expect(pos).toMatchObject({ path, line: 400, ino: statSync(join(dir, 'access.log.1')).ino });
      const three = follow(path, { start: pos ?? 'start' });
      await three.until('the rest', () => three.lines.length >= 710);
      await three.stop();
      expect([...one.lines, ...mid, ...three.lines]).toEqual([...numbered(ALB.slice(0, 1100)), ...numbered(ALB.slice(2000, 2010))]);
    });

    it('a file truncated and rewritten since the checkpoint (same inode) is read from its start, and says so', async () => {
      const path = join(tempDir('lbua-follow-'), 'access.log');
      writeFileSync(path, text(ALB.slice(0, 100)));
      const one = await firstRun(path, 100);
      truncateSync(path, 0);
      appendFileSync(path, text(ALB.slice(500, 700))); // longer than before: only the byte before the offset tells
      const two = follow(path, { start: one.pos });
      await two.until('200 lines', () => two.lines.length >= 200);
      await two.stop();
      expect(two.lines).toEqual(numbered(ALB.slice(500, 700)));
      expect(two.notices.codes()).toEqual(['FOLLOW_TRUNCATED']);
    });

    it('a checkpoint whose file is gone and not found beside it: says lines may be missing, waits, reads the new file from its start', async () => {
      const dir = tempDir('lbua-follow-');
      const path = join(dir, 'access.log');
      writeFileSync(path, text(ALB.slice(0, 10)));
      const one = await firstRun(path, 10);
      unlinkSync(path);
      const two = follow(path, { start: one.pos });
      await two.until('two notices', () => two.notices.all.length >= 2);
      expect(two.followed.position()).toBeNull();
      writeFileSync(path, text(ALB.slice(10, 12)));
      await two.until('2 lines', () => two.lines.length >= 2);
      await two.stop();
      expect(two.lines).toEqual(numbered(ALB.slice(10, 12)));
      expect(two.notices.codes()).toEqual(['FOLLOW_ROTATED', 'FOLLOW_WAITING']);
      expect(two.notices.all[0]?.message).toContain('may be missing');
    });
  });
});
