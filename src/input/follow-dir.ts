/**
 * Following a directory into which complete log files arrive, for `lbua watch`: an `aws s3 sync` target of ALB
 * 5-minute files (AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/, a folder a day), or any folder that
 * log files are moved into. It yields groups of new complete files, polling every `pollMs` (default 1000).
 *
 * - Which files: regular files (links followed) under the folder, at most 8 folders deep, each folder read once
 *   (known by device and inode: a link loop is not followed round). Names starting with a dot are skipped (files and
 *   folders), and so are temporary names: `.tmp`, `.part`, `.crdownload`, a `~` suffix, and the aws CLI's download
 *   names (`<name>.<ext>.<8 hex digits>`, renamed to `<name>.<ext>` when complete).
 * - When a file is complete: its size and mtime have not changed for `settleMs` (default 1000). A gzip file (by its
 *   magic bytes) whose mtime was recent (< 60 s) when it was first seen must also decode to its end without error:
 *   a gzip still being written is retried next poll; one still damaged `damageGraceMs` (default 5 min) after it
 *   settled is yielded anyway, with a FOLLOW_DAMAGED notice, so its readable part is read.
 * - Order: a file's time is the end of the interval its AWS name says (input/window.ts awsLogEndMs), else its mtime.
 *   One group is the files of one 5-minute slot (same AWS name time: one file per load-balancer node, to be read
 *   merged by time), or one file alone for other names; groups come in time order within a poll. A slot is held
 *   while one of its files is still incomplete. A file that lands later than files already yielded (s3 sync
 *   downloads in no set order; ALB delivers up to 5 minutes late) comes in a later group: the reader allows
 *   lateness.
 * - Start: 'new' skips the files present at the first poll (reading only those arriving later; if the folder does
 *   not exist yet, every file in it is new); 'all' yields the existing ones first; `{ sinceMs }` the existing ones
 *   whose time is at or after it. `seen` restores a checkpoint: then `start` is not used: every file not in it is
 *   read (what arrived while stopped too), but for files more than 2 days older than the newest AWS name time in it
 *   (forgotten from seen() as below), which are skipped without a word.
 * - seen(): the paths yielded and taken (a group counts once the consumer asks for the next one, or stops the
 *   iteration without aborting the signal; a group out when the signal aborts does not count), plus those skipped
 *   at start. Bounded over days: a path that no longer exists is forgotten, and so is one whose time is more than
 *   2 days before the newest time yielded; a new file that old is not read (FOLLOW_TOO_OLD, one notice a poll
 *   with a count).
 * - A folder that does not exist (yet) is FOLLOW_WAITING once, an unreadable one FOLLOW_UNREADABLE once; retried
 *   each poll.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { errCode } from './expand';
import type { FollowNotice } from './follow';
import { readDecodedChunks, type ReadOutcome } from './lines';
import { awsLogEndMs } from './window';

export interface DirFollowOptions {
  readonly start: 'new' | 'all' | { readonly sinceMs: number };
  /** Paths already read (a checkpoint's seen()). */
  readonly seen?: readonly string[];
  /** Milliseconds between polls (default 1000). */
  readonly pollMs?: number;
  /** How long a file's size and mtime must stay the same before it is complete (default 1000 ms). */
  readonly settleMs?: number;
  /** How long a settled gzip may stay damaged before it is yielded anyway (default 5 min). */
  readonly damageGraceMs?: number;
  readonly onNotice: (n: FollowNotice) => void;
  readonly signal: AbortSignal;
}

export interface FollowedDir {
  /** Groups of complete new files (paths), in time order. */
  readonly groups: AsyncIterable<readonly string[]>;
  /** Paths read or skipped, for a checkpoint (sorted). */
  seen(): string[];
  /** Listings of the folder done so far (after the first, the files present at the start are known). */
  listings(): number;
}

/** Follows `dir`; see the module comment. */
export function followDirectory(dir: string, options: DirFollowOptions): FollowedDir {
  const follower = new DirFollower(dir, options);
  return { groups: follower.run(), seen: () => follower.seen(), listings: () => follower.listings };
}

const MAX_DEPTH = 8;
/** A gzip whose mtime is older than this when first seen is taken as written. */
const RECENT_MS = 60_000;
/** Paths whose time is this much before the newest time yielded are forgotten (and such files not read). */
const KEEP_MS = 2 * 24 * 60 * 60_000;

/** A temporary name: a download or a copy in progress, renamed when complete. */
export function isTempName(name: string): boolean {
  if (name.startsWith('.') || name.endsWith('~')) return true;
  if (/\.(?:tmp|temp|part|partial|crdownload|download)$/i.test(name)) return true;
  // The aws CLI (s3transfer) downloads to `<file>.<8 random hex digits>`; all digits is more likely a date suffix.
  const m = /\.[^.]+\.([0-9a-fA-F]{8})$/.exec(name);
  return m !== null && !/^\d+$/.test(m[1] ?? '');
}

/** A file not yet complete, as last seen. */
interface Candidate {
  size: number;
  mtimeMs: number;
  /** Wall-clock time its size and mtime were last seen to change. */
  since: number;
  /** Its mtime was recent when first seen: a gzip must decode to its end. */
  readonly check: boolean;
  /** Wall-clock time it was first found damaged while settled. */
  damagedSince: number | null;
}

interface Ready {
  readonly path: string;
  readonly time: number;
  /** Files with the same key form one group. */
  readonly key: string;
}

class DirFollower {
  private readonly pollMs: number;
  private readonly settleMs: number;
  private readonly graceMs: number;
  /** Paths read or skipped, with their time when known. */
  private readonly seenPaths = new Map<string, number | null>();
  private readonly pending = new Map<string, Candidate>();
  /** Files too old to read, or read and forgotten since (not read again). */
  private readonly tooOld = new Set<string>();
  /** Folders and files said to be unreadable (each said once until it can be read). */
  private readonly unreadable = new Set<string>();
  /** Newest time yielded (or restored). */
  private newest = -Infinity;
  private problem: 'waiting' | 'unreadable' | null = null;
  /** Listings done (the folder read, and at the first the files present at the start set aside). */
  listings = 0;

  constructor(private readonly dir: string, private readonly options: DirFollowOptions) {
    this.pollMs = options.pollMs ?? 1000;
    this.settleMs = options.settleMs ?? 1000;
    this.graceMs = options.damageGraceMs ?? 5 * 60_000;
    for (const p of options.seen ?? []) {
      const t = awsLogEndMs(p);
      this.seenPaths.set(p, t);
      if (t !== null && t > this.newest) this.newest = t;
    }
  }

  seen(): string[] {
    return [...this.seenPaths.keys()].sort();
  }

  async *run(): AsyncGenerator<readonly string[]> {
    const { signal } = this.options;
    let first = true;
    let out: readonly Ready[] | null = null;
    try {
      while (!signal.aborted) {
        const listing = await this.walk();
        if (listing !== null && first) await this.skipAtStart(listing.files);
        first = false;
        if (listing !== null) {
          this.listings++;
          for (const group of await this.ready(listing.files)) {
            out = group;
            yield group.map((r) => r.path);
            this.taken(group);
            out = null;
            if (signal.aborted) return;
          }
          this.prune(listing);
        }
        await delay(this.pollMs, undefined, { signal }).catch(() => undefined);
      }
    } finally {
      // Stopped by return() after the consumer's loop body ran: the group was taken.
      if (out !== null && !signal.aborted) this.taken(out);
    }
  }

  private notice(code: string, message: string): void {
    this.options.onNotice({ code, message });
  }

  private taken(group: readonly Ready[]): void {
    for (const { path, time } of group) {
      this.seenPaths.set(path, time);
      if (time > this.newest) this.newest = time;
      this.pending.delete(path);
    }
  }

  /** The files under the folder (sorted by folder), and whether every folder could be read. */
  private async walk(): Promise<{ files: string[]; complete: boolean } | null> {
    let root;
    try {
      root = await stat(this.dir);
      if (!root.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'not a folder' });
    } catch (e) {
      const code = errCode(e);
      if (code === 'ENOENT') {
        if (this.problem !== 'waiting') this.notice('FOLLOW_WAITING', `${this.dir}: does not exist (yet); waiting for it to appear`);
        this.problem = 'waiting';
      } else {
        if (this.problem !== 'unreadable') this.notice('FOLLOW_UNREADABLE', `${this.dir}: cannot read (${code}); retrying every ${this.pollMs} ms`);
        this.problem = 'unreadable';
      }
      return null;
    }
    const visited = new Set([`${root.dev}:${root.ino}`]);
    const files: string[] = [];
    let complete = true;
    const stack: [string, number][] = [[this.dir, 0]];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const [d, depth] = next;
      let entries;
      try {
        entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      } catch (e) {
        complete = false;
        if (d === this.dir) {
          if (this.problem !== 'unreadable') this.notice('FOLLOW_UNREADABLE', `${this.dir}: cannot read (${errCode(e)}); retrying every ${this.pollMs} ms`);
          this.problem = 'unreadable';
          return null;
        }
        if (!this.unreadable.has(d)) this.notice('FOLLOW_UNREADABLE', `${d}: cannot read (${errCode(e)}); its files are not read until it can be`);
        this.unreadable.add(d);
        continue;
      }
      this.unreadable.delete(d);
      const subdirs: string[] = [];
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const p = join(d, e.name);
        if (e.isFile()) files.push(p);
        else if (e.isDirectory() || e.isSymbolicLink()) {
          try {
            const s = await stat(p);
            if (s.isFile()) files.push(p);
            else if (s.isDirectory() && depth < MAX_DEPTH && !visited.has(`${s.dev}:${s.ino}`)) {
              visited.add(`${s.dev}:${s.ino}`);
              subdirs.push(p);
            }
          } catch {
            // A dangling link, or gone since the listing.
          }
        }
      }
      for (const s of subdirs.reverse()) stack.push([s, depth + 1]);
    }
    if (this.problem === 'unreadable') this.notice('FOLLOW_RESUMED', `${this.dir}: readable again`);
    this.problem = null;
    return { files, complete };
  }

  /**
   * The files present at the first poll that `start` skips. Restoring `seen`, every file not in it is read, but for
   * those more than 2 days older than its newest AWS name time: not read, and not said (history, not late arrivals).
   */
  private async skipAtStart(files: readonly string[]): Promise<void> {
    const start = this.options.seen !== undefined ? 'all' : this.options.start;
    const horizon = this.newest - KEEP_MS;
    if (start === 'all' && horizon === -Infinity) return;
    for (const p of files) {
      if (this.seenPaths.has(p) || isTempName(basename(p))) continue;
      if (start === 'new') {
        this.seenPaths.set(p, awsLogEndMs(p));
        continue;
      }
      let t = awsLogEndMs(p);
      if (t === null) {
        try {
          t = (await stat(p)).mtimeMs;
        } catch {
          continue;
        }
      }
      if (t < horizon) this.tooOld.add(p);
      else if (start !== 'all' && t < start.sinceMs) this.seenPaths.set(p, t);
    }
  }

  /** The complete new files, in groups in time order. */
  private async ready(files: readonly string[]): Promise<(readonly Ready[])[]> {
    const now = Date.now();
    const horizon = this.newest - KEEP_MS;
    const ready: Ready[] = [];
    /** Slots with a file still incomplete: held back whole. */
    const held = new Set<string>();
    const late: string[] = [];
    for (const p of files) {
      if (this.seenPaths.has(p) || this.tooOld.has(p) || isTempName(basename(p))) continue;
      const aws = awsLogEndMs(p);
      let st;
      try {
        // An AWS name says its time: a file too old is not even looked at.
        if (aws !== null && aws < horizon) throw Object.assign(new Error('too old'), { code: 'too old' });
        st = await stat(p);
      } catch (e) {
        if (errCode(e) === 'too old') late.push(p);
        this.pending.delete(p);
        continue;
      }
      const time = aws ?? st.mtimeMs;
      const key = aws !== null ? `aws:${aws}` : `file:${p}`;
      if (time < horizon) {
        late.push(p);
        this.pending.delete(p);
        continue;
      }
      const c = this.pending.get(p);
      if (c === undefined || c.size !== st.size || c.mtimeMs !== st.mtimeMs) {
        this.pending.set(p, { size: st.size, mtimeMs: st.mtimeMs, since: now, check: c?.check ?? now - st.mtimeMs < RECENT_MS, damagedSince: null });
        if (this.settleMs > 0 || c !== undefined) {
          held.add(key);
          continue;
        }
      }
      const cand = this.pending.get(p);
      if (cand === undefined || now - cand.since < this.settleMs || !(await this.whole(p, cand, now))) {
        held.add(key);
        continue;
      }
      ready.push({ path: p, time, key });
    }
    for (const p of late) this.tooOld.add(p);
    if (late.length > 0) {
      this.notice('FOLLOW_TOO_OLD', `${late.length} ${late.length === 1 ? 'file' : 'files'} more than 2 days older than the newest file read (${new Date(this.newest).toISOString()}) not read, e.g. ${late[0] ?? ''}`);
    }
    ready.sort((a, b) => a.time - b.time || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const groups: Ready[][] = [];
    let lastKey: string | null = null;
    for (const r of ready) {
      if (held.has(r.key)) continue;
      if (r.key === lastKey) groups[groups.length - 1]?.push(r);
      else groups.push([r]);
      lastKey = r.key;
    }
    return groups;
  }

  /** Whether a settled file can be read whole: a recent gzip must decode to its end (or stay damaged past the grace). */
  private async whole(path: string, c: Candidate, now: number): Promise<boolean> {
    if (!c.check) return true;
    const outcome: ReadOutcome = { gzip: false, damage: null };
    try {
      if (!(await isGzip(path))) return true;
      for await (const chunk of readDecodedChunks(path, outcome)) void chunk;
    } catch (e) {
      if (!this.unreadable.has(path)) this.notice('FOLLOW_UNREADABLE', `${path}: cannot read (${errCode(e)}); retrying`);
      this.unreadable.add(path);
      return false;
    }
    this.unreadable.delete(path);
    if (outcome.damage === null) return true;
    c.damagedSince ??= now;
    if (now - c.damagedSince < this.graceMs) return false;
    this.notice('FOLLOW_DAMAGED', `${path}: still damaged ${Math.round((now - c.damagedSince) / 1000)} s after it stopped changing (${outcome.damage.message}); read as far as it goes`);
    return true;
  }

  /** Forgets what no longer exists, and paths too old to matter. */
  private prune(listing: { files: readonly string[]; complete: boolean }): void {
    const present = new Set(listing.files);
    const horizon = this.newest - KEEP_MS;
    for (const [p, t] of this.seenPaths) {
      if (listing.complete && !present.has(p)) this.seenPaths.delete(p);
      else if (t !== null && t < horizon) {
        // Read, and now too old to be read again: kept apart (not in checkpoints) while it exists.
        this.seenPaths.delete(p);
        this.tooOld.add(p);
      }
    }
    for (const p of this.pending.keys()) if (!present.has(p)) this.pending.delete(p);
    for (const p of this.tooOld) if (!present.has(p)) this.tooOld.delete(p);
  }
}

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await handle.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await handle.close();
  }
}
