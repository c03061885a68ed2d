/**
 * Following one growing plain-text file, with `tail -F` semantics, for `lbua watch`: line batches as the file grows,
 * surviving rotation, truncation, deletion and a file that appears later. Polling is the mechanism (every `pollMs`,
 * default 250): it works the same on every file system, network ones included; nothing here waits on fs.watch.
 *
 * What it does, case by case (each case says so once through `onNotice`; codes in FOLLOW_NOTICE_CODES):
 * - Start: 'end' skips what the file holds (like `tail -F -n 0`), from just after its last complete line, so a line
 *   being written when following starts is read whole; its line numbers still count the lines before (one read of
 *   the file at start, in chunks). 'start' reads it all. A FollowPosition resumes a checkpoint: when the file there
 *   is still the same one (device and inode) and still holds a newline just before the offset, reading continues
 *   there; otherwise it was rotated or truncated meanwhile. A rotated file is looked for beside it by its device and
 *   inode (`access.log.1` after a rename): when found, the rest of it is read first, so nothing written before the
 *   rotation is lost; then the file at the path is read from its start (FOLLOW_ROTATED, or FOLLOW_TRUNCATED).
 * - A file that does not exist yet: FOLLOW_WAITING once; when it appears it is read from its start.
 * - Growth: read in chunks of 1 MiB, cut into batches of at most `maxBatchLines` lines; the consumer's await between
 *   batches is the back-pressure (a fast writer is read as fast as the batches are taken, never buffered).
 * - A partial last line (written in two steps) is held, as bytes, until its newline comes: never yielded half, not
 *   counted in position(). The bytes held are capped by `maxLineLength`: a longer line becomes a null entry when its
 *   newline comes, as in readLineBatches (input/lines.ts's LineSplitter does the splitting: LF and CRLF, UTF-8
 *   sequences split across reads, a byte-order mark on line 1).
 * - Truncation (the size falls below what was read, or, when it grew back past it between two polls, the byte
 *   before the last complete line is no longer a newline): FOLLOW_TRUNCATED, the held partial line is dropped and
 *   the file is read again from its start, from line 1. With copytruncate, lines written between the last poll and
 *   the copy are in the copy only.
 * - Rotation by rename + create (a new file, another inode, at the path): the old file is read to its end (its
 *   unterminated last line, if any, is yielded as a line), then the new one from its start, from line 1
 *   (FOLLOW_ROTATED). While the new file is still empty the old one is kept and read: a writer that reopens its log
 *   a while after the rename (logrotate `create` + a signal) loses nothing.
 * - Deletion: the open file is read to its end, and kept open and read while the path is gone (a writer may still
 *   write to it); FOLLOW_DELETED once. When the path reappears, the old file is read to its end and the new one
 *   from its start (FOLLOW_RESUMED).
 * - Permission: a file that cannot be opened or read (EACCES, EPERM, or any other error) is FOLLOW_UNREADABLE once,
 *   retried each poll, and FOLLOW_RESUMED when it can be read again. (Tests inject `fs`: as root, chmod does not
 *   stop reads.)
 *
 * Memory: one 1 MiB read buffer while reading, plus the partial line (at most maxLineLength bytes); state does not
 * grow with lines. Abort `signal` to stop: the iterator then ends and the file is closed.
 */
import { open as fsOpen, readdir as fsReaddir, stat as fsStat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { errCode } from './expand';
import { LineSplitter, type LineBatch } from './lines';

/** Where reading stands: just after the last complete line yielded (for `--state` checkpoints). */
export interface FollowPosition {
  /** The path followed (as given), even while the rest of a rotated file beside it is read. */
  readonly path: string;
  /** Device and inode of the file the offset is in. */
  readonly dev: number;
  readonly ino: number;
  /** Byte offset just after the last complete line yielded. */
  readonly offset: number;
  /** Number of that line (1-based; 0 before any line). */
  readonly line: number;
}

/** Something about the followed file people should know (a `notice` event of `lbua watch`). */
export interface FollowNotice {
  readonly code: string;
  readonly message: string;
}

/** The notice codes followFile and followDirectory use. */
export const FOLLOW_NOTICE_CODES = [
  'FOLLOW_WAITING', 'FOLLOW_ROTATED', 'FOLLOW_TRUNCATED', 'FOLLOW_DELETED', 'FOLLOW_UNREADABLE', 'FOLLOW_RESUMED',
  // followDirectory only:
  'FOLLOW_DAMAGED', 'FOLLOW_TOO_OLD',
] as const;

/** What followFile needs to know of a file. */
export interface FollowStat {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  isFile(): boolean;
}

/** An open file (node's FileHandle is one). */
export interface FollowHandle {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  stat(): Promise<FollowStat>;
  close(): Promise<void>;
}

/** The file-system calls followFile makes; tests replace them to make a file unreadable (as root chmod does not). */
export interface FollowFs {
  open(path: string): Promise<FollowHandle>;
  stat(path: string): Promise<FollowStat>;
  readdir(path: string): Promise<string[]>;
}

/** node:fs/promises. */
export const NODE_FOLLOW_FS: FollowFs = {
  open: (path) => fsOpen(path, 'r'),
  stat: (path) => fsStat(path),
  readdir: (path) => fsReaddir(path),
};

export interface FollowOptions {
  /** 'end' = like tail -F (skip what exists); 'start' = read it all; a position = resume a checkpoint. */
  readonly start: 'end' | 'start' | FollowPosition;
  /** Milliseconds between polls (default 250). */
  readonly pollMs?: number;
  /** Longest line kept, in bytes; a longer one is yielded as null. */
  readonly maxLineLength: number;
  /** Most lines in one batch (default 2000). */
  readonly maxBatchLines?: number;
  readonly onNotice: (n: FollowNotice) => void;
  /** Abort to stop: the iterator then ends. */
  readonly signal: AbortSignal;
  /** File-system calls (default NODE_FOLLOW_FS); for tests. */
  readonly fs?: FollowFs;
}

export interface Followed {
  /**
   * Line batches; `firstLine` is 1-based and continues through the file, and starts again at 1 in a new file.
   * One iteration only; nothing is opened before the first batch is asked for.
   */
  readonly batches: AsyncIterable<LineBatch>;
  /**
   * Just after the last complete line yielded: after a batch is taken, it is counted. Null before a file was opened
   * (unless resuming a position, which it returns until then); after a file is left, where it was left.
   */
  position(): FollowPosition | null;
}

/** Follows `path`; see the module comment. */
export function followFile(path: string, options: FollowOptions): Followed {
  const follower = new FileFollower(path, options);
  return { batches: follower.run(), position: () => follower.position() };
}

const CHUNK = 1024 * 1024;
/** Names looked at when searching a rotated file beside the followed one. */
const MAX_SIBLINGS = 10_000;

/** The file being read. */
interface Current {
  readonly handle: FollowHandle;
  readonly dev: number;
  readonly ino: number;
  /** The path it was opened by (the followed path, or a rotated file beside it). */
  readonly name: string;
  /** Bytes read so far. */
  readPos: number;
  /** Just after the last complete line. */
  offset: number;
  /** Complete lines so far. */
  line: number;
  splitter: LineSplitter;
  /** A rotated file found beside the followed one when resuming: read to its end, then the path from its start. */
  readonly retired: boolean;
}

class FileFollower {
  private readonly pollMs: number;
  private readonly maxBatch: number;
  private readonly fs: FollowFs;
  private cur: Current | null = null;
  /** How the next file opened at the path is read. */
  private pending: 'end' | 'start' | FollowPosition;
  /** The checkpoint resumed, reported by position() until a file is open. */
  private resumed: FollowPosition | null;
  /** What was last said about the path, so that each state is said once. */
  private problem: 'waiting' | 'unreadable' | null = null;
  /** The open file's path is gone (FOLLOW_DELETED said). */
  private deleted = false;
  private buf: Buffer | null = null;

  constructor(private readonly path: string, private readonly options: FollowOptions) {
    this.pollMs = options.pollMs ?? 250;
    this.maxBatch = Math.max(1, options.maxBatchLines ?? 2000);
    this.fs = options.fs ?? NODE_FOLLOW_FS;
    this.pending = options.start;
    this.resumed = typeof options.start === 'object' ? options.start : null;
  }

  position(): FollowPosition | null {
    const c = this.cur;
    if (c === null) return this.resumed;
    return { path: this.path, dev: c.dev, ino: c.ino, offset: c.offset, line: c.line };
  }

  async *run(): AsyncGenerator<LineBatch> {
    const { signal } = this.options;
    try {
      while (!signal.aborted) {
        if (this.cur === null) await this.open();
        const cur = this.cur;
        if (cur !== null) {
          yield* this.drain(cur);
          if (signal.aborted) break;
          if (cur.retired) {
            yield* this.flush(cur);
            await this.close();
            continue;
          }
          if (yield* this.checkPath(cur)) continue;
        }
        await delay(this.pollMs, undefined, { signal }).catch(() => undefined);
      }
    } finally {
      await this.close();
    }
  }

  private notice(code: (typeof FOLLOW_NOTICE_CODES)[number], message: string): void {
    this.options.onNotice({ code, message });
  }

  /** Says once that the path cannot be opened, by why. */
  private cannotOpen(e: unknown): void {
    const code = errCode(e);
    if (isGone(e)) {
      if (this.problem !== 'waiting') this.notice('FOLLOW_WAITING', `${this.path}: does not exist (yet); waiting for it to appear`);
      this.problem = 'waiting';
    } else {
      if (this.problem !== 'unreadable') this.notice('FOLLOW_UNREADABLE', `${this.path}: cannot read (${code}); retrying every ${this.pollMs} ms`);
      this.problem = 'unreadable';
    }
  }

  /** Opens the path as `pending` says (a resumed position may open a rotated file beside it instead). */
  private async open(): Promise<void> {
    const start = this.pending;
    let opened: Opened | null = null;
    try {
      opened = await this.openFile(this.path);
    } catch (e) {
      // A checkpoint whose file is gone: the rest of it may be in its rotated file beside it.
      if (typeof start !== 'object' || !isGone(e)) {
        this.cannotOpen(e);
        // A file that did not exist when following started is read from its start when it appears.
        if (start === 'end' && isGone(e)) this.pending = 'start';
        return;
      }
    }
    if (opened !== null) this.readable();
    if (typeof start === 'object') {
      await this.resume(start, opened);
      return;
    }
    if (opened === null) return;
    const at = start === 'end' ? await this.endOf(opened.handle, opened.st.size) : { offset: 0, line: 0 };
    this.use(opened, this.path, at.offset, at.line, false);
    this.pending = 'start';
  }

  private async openFile(path: string): Promise<Opened> {
    const handle = await this.fs.open(path);
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
      return { handle, st };
    } catch (e) {
      await handle.close().catch(() => undefined);
      throw e;
    }
  }

  /** The path could be opened or read: says so if it could not before. */
  private readable(): void {
    if (this.problem === 'unreadable') this.notice('FOLLOW_RESUMED', `${this.path}: readable again`);
    this.problem = null;
  }

  private use({ handle, st }: Opened, name: string, offset: number, line: number, retired: boolean): void {
    this.cur = { handle, dev: st.dev, ino: st.ino, name, readPos: offset, offset, line, splitter: new LineSplitter(this.options.maxLineLength, line + 1), retired };
    this.deleted = false;
    if (!retired) this.resumed = null;
  }

  /** Resumes a checkpoint: the same file where it was, or the rest of its rotated file then the path from its start. */
  private async resume(pos: FollowPosition, opened: Opened | null): Promise<void> {
    this.pending = 'start';
    const st = opened?.st ?? null;
    const sameFile = st !== null && st.dev === pos.dev && st.ino === pos.ino;
    if (opened !== null && sameFile && opened.st.size >= pos.offset && (await this.newlineBefore(opened.handle, pos.offset))) {
      this.use(opened, this.path, pos.offset, pos.line, false);
      return;
    }
    const rotated = sameFile ? null : await this.findRotated(pos);
    if (rotated !== null) {
      this.notice('FOLLOW_ROTATED', `${this.path}: rotated since the checkpoint; reading the rest of ${rotated.name} from byte ${pos.offset} (after line ${pos.line}), then ${this.path} from its start`);
      await opened?.handle.close().catch(() => undefined);
      this.use(rotated, rotated.name, pos.offset, pos.line, true);
      return;
    }
    if (sameFile) {
      this.notice('FOLLOW_TRUNCATED', `${this.path}: truncated since the checkpoint (byte ${pos.offset}, line ${pos.line}); reading it from its start`);
    } else {
      const now = opened === null ? 'is gone' : 'is another file';
      this.notice('FOLLOW_ROTATED', `${this.path}: ${now} since the checkpoint and the old file was not found beside it: lines written to it after line ${pos.line} may be missing; reading ${this.path} from its start`);
    }
    this.resumed = null;
    if (opened === null) this.cannotOpen(Object.assign(new Error('gone'), { code: 'ENOENT' }));
    else this.use(opened, this.path, 0, 0, false);
  }

  /** The file beside the followed one with the checkpoint's device and inode, still holding its offset. */
  private async findRotated(pos: FollowPosition): Promise<(Opened & { name: string }) | null> {
    const dir = dirname(this.path);
    let names: string[];
    try {
      names = (await this.fs.readdir(dir)).sort().slice(0, MAX_SIBLINGS);
    } catch {
      return null;
    }
    for (const n of names) {
      if (n === basename(this.path)) continue;
      const p = join(dir, n);
      try {
        const s = await this.fs.stat(p);
        if (s.dev !== pos.dev || s.ino !== pos.ino || !s.isFile() || s.size < pos.offset) continue;
        const { handle, st } = await this.openFile(p);
        if (st.dev === pos.dev && st.ino === pos.ino && (await this.newlineBefore(handle, pos.offset))) return { handle, st, name: p };
        await handle.close().catch(() => undefined);
      } catch {
        // Gone or unreadable: not it.
      }
    }
    return null;
  }

  /** Whether the byte before `offset` is a newline (or offset is 0): the checkpoint still lands after a line. */
  private async newlineBefore(handle: FollowHandle, offset: number): Promise<boolean> {
    if (offset === 0) return true;
    const b = Buffer.alloc(1);
    try {
      const { bytesRead } = await handle.read(b, 0, 1, offset - 1);
      return bytesRead === 1 && b[0] === 10;
    } catch {
      return false;
    }
  }

  /** 'end': just after the last newline (looking back at most one line's length), and the lines before it. */
  private async endOf(handle: FollowHandle, size: number): Promise<{ offset: number; line: number }> {
    const tail = Math.min(size, this.options.maxLineLength + 1);
    const tb = Buffer.alloc(tail);
    let offset = size - tail;
    try {
      const { bytesRead } = await handle.read(tb, 0, tail, size - tail);
      const nl = tb.subarray(0, bytesRead).lastIndexOf(10);
      if (nl >= 0) offset += nl + 1;
      let line = 0;
      const buf = this.buffer();
      for (let at = 0; at < offset; ) {
        const { bytesRead: n } = await handle.read(buf, 0, Math.min(buf.length, offset - at), at);
        if (n === 0) break;
        for (let i = buf.indexOf(10, 0); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) line++;
        at += n;
      }
      return { offset, line };
    } catch {
      return { offset: size, line: 0 };
    }
  }

  private buffer(): Buffer {
    this.buf ??= Buffer.allocUnsafe(CHUNK);
    return this.buf;
  }

  /** Reads what the open file holds beyond what was read, in batches. */
  private async *drain(cur: Current): AsyncGenerator<LineBatch> {
    while (!this.options.signal.aborted) {
      let size: number;
      try {
        size = (await cur.handle.stat()).size;
      } catch (e) {
        this.cannotOpen(e);
        return;
      }
      if (size < cur.readPos || (size > cur.readPos && !(await this.newlineBefore(cur.handle, cur.offset)))) {
        this.notice('FOLLOW_TRUNCATED', `${cur.name}: truncated (${size} bytes, ${cur.readPos} were read); reading it again from its start, lines written just before the truncation may be missing`);
        cur.readPos = 0;
        cur.offset = 0;
        cur.line = 0;
        cur.splitter = new LineSplitter(this.options.maxLineLength, 1);
      }
      if (size <= cur.readPos) return;
      const buf = this.buffer();
      let n: number;
      try {
        n = (await cur.handle.read(buf, 0, Math.min(buf.length, size - cur.readPos), cur.readPos)).bytesRead;
      } catch (e) {
        this.cannotOpen(e);
        return;
      }
      if (n === 0) return;
      this.readable();
      const at = cur.readPos;
      cur.readPos += n;
      yield* this.split(cur, buf.subarray(0, n), at);
    }
  }

  /** Cuts read bytes into pieces of at most maxBatchLines lines and splits each into a batch. */
  private *split(cur: Current, data: Buffer, at: number): Generator<LineBatch> {
    let from = 0;
    let count = 0;
    for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, nl + 1)) {
      if (++count < this.maxBatch) continue;
      if (this.options.signal.aborted) return;
      yield* this.piece(cur, data.subarray(from, nl + 1), at + from);
      from = nl + 1;
      count = 0;
    }
    if (from < data.length && !this.options.signal.aborted) yield* this.piece(cur, data.subarray(from), at + from);
  }

  private *piece(cur: Current, piece: Buffer, at: number): Generator<LineBatch> {
    const batch = cur.splitter.push(piece);
    const nl = piece.lastIndexOf(10);
    if (nl >= 0) cur.offset = at + nl + 1;
    if (batch === null) return;
    cur.line = batch.firstLine + batch.lines.length - 1;
    yield batch;
  }

  /** The end of a file that is left for another: its unterminated last line is a line. */
  private *flush(cur: Current): Generator<LineBatch> {
    const last = cur.splitter.end();
    cur.offset = cur.readPos;
    if (last === null) return;
    cur.line = last.firstLine;
    yield last;
  }

  /** Deletion and rotation: true when it moved to a new file at the path (to be read at once). */
  private async *checkPath(cur: Current): AsyncGenerator<LineBatch, boolean> {
    let st: FollowStat;
    try {
      st = await this.fs.stat(this.path);
    } catch (e) {
      if (isGone(e) && !this.deleted) {
        this.deleted = true;
        this.notice('FOLLOW_DELETED', `${this.path}: deleted; read to its end (line ${cur.line}), still reading it while it is open; waiting for the path to reappear`);
      }
      return false;
    }
    if (st.dev === cur.dev && st.ino === cur.ino) {
      this.deleted = false;
      return false;
    }
    // The writer has not moved to the new file yet: the old one may still grow.
    if (st.size === 0 && !this.deleted) return false;
    yield* this.drain(cur);
    yield* this.flush(cur);
    const lines = cur.line;
    const wasDeleted = this.deleted;
    await this.close();
    this.pending = 'start';
    if (wasDeleted) this.notice('FOLLOW_RESUMED', `${this.path}: reappeared (a new file); reading it from its start`);
    else this.notice('FOLLOW_ROTATED', `${this.path}: rotated; read the old file to its end (line ${lines}), reading the new one from its start`);
    await this.open();
    return this.cur !== null;
  }

  /**
   * Closes the file. Until another is open, position() is where this one was left (a restart then finds it beside
   * the path by its inode, or reads the path from its start).
   */
  private async close(): Promise<void> {
    const c = this.cur;
    if (c === null) return;
    this.resumed = this.position();
    this.cur = null;
    await c.handle.close().catch(() => undefined);
  }
}

/** An open regular file and what it was when opened. */
interface Opened {
  readonly handle: FollowHandle;
  readonly st: FollowStat;
}

function isGone(e: unknown): boolean {
  const code = errCode(e);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
