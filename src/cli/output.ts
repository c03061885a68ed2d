/**
 * Writing results, checked: every command writes through here, to stdout or to a file.
 *
 * A file (`-o r.html`) is written to a temporary file beside it (`.r.html.lbua-<pid>-<random>.tmp`, same
 * directory, the old file's mode), synced, closed and renamed over it only when complete: a failed write, a full
 * disk, an error or Ctrl-C (SIGINT, SIGTERM, SIGHUP: the temporary file is removed) leaves yesterday's report as
 * it was; SIGKILL can leave the temporary file, never a half-written target. A target that cannot be renamed over
 * (a device such as /dev/full or /dev/null, a FIFO, /dev/stdout and other links through /proc) is written in
 * place, still checked. Any write error is LbuaError OUTPUT_UNWRITABLE (`r.html: cannot write (ENOSPC)`, exit 2).
 *
 * stdout: a reader that goes away (EPIPE, `| head`) is a quiet early stop (`closed`, exit 0); any other error
 * (`> /dev/full`) is exit 2 with one line.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, readlinkSync, realpathSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { errCode } from '../input/expand';
import { fail } from '../core/types';

/** Thrown by writers to stop reading input once the reader of our output has gone (EPIPE). */
export class OutputClosed extends Error {
  override readonly name = 'OutputClosed';
}

/** A text sink with buffered, checked writes. */
export interface TextOut {
  write(s: string | Uint8Array): void;
  /**
   * Resolves when buffered output has been handed to the OS (await between batches). Throws LbuaError
   * OUTPUT_UNWRITABLE when a write failed, so a long run stops at the first failure.
   */
  drain(): Promise<void>;
  /** Finishes the output (for a file: sync, close, rename over the target). Throws LbuaError on any failure. */
  close(): Promise<void>;
  /** True when the reader went away (EPIPE); writers should stop. */
  readonly closed: boolean;
  readonly isTTY: boolean;
}

/** An open output that can also be given up (the temporary file removed, the target untouched). */
export interface OpenOut extends TextOut {
  abort(): Promise<void>;
}

const FLUSH_AT = 64 * 1024;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Opens stdout (file === null) or a file for writing. Throws LbuaError OUTPUT_UNWRITABLE when the file cannot be
 * created (a missing or read-only directory, a directory as target): before any work is done.
 */
export async function openOut(file: string | null): Promise<OpenOut> {
  if (file === null) return stdoutSink();
  const plan = planTarget(file);
  if (plan.kind === 'direct') {
    let handle: FileHandle;
    try {
      // Append: a device or FIFO does not mind, and /dev/stdout reopens what the shell opened (`>` truncated it
      // already, `>>` must not be).
      handle = await open(file, 'a');
    } catch (e) {
      return fail('OUTPUT_UNWRITABLE', `${file}: cannot write (${errCode(e)})`);
    }
    return fileSink(file, handle, null, () => undefined);
  }
  const temp = join(dirname(plan.path), `.${basename(plan.path)}.lbua-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  // Hooked before the file exists, so that no signal can come between its creation and its cleanup.
  const unhook = cleanupOnSignal(temp);
  let handle: FileHandle;
  try {
    handle = await open(temp, 'wx', plan.mode ?? 0o666);
  } catch (e) {
    unhook();
    const code = errCode(e);
    const hint = code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? `lbua writes a temporary file beside ${basename(plan.path)} and renames it over ${basename(plan.path)} when complete, so the directory must be writable`
      : undefined;
    return fail('OUTPUT_UNWRITABLE', `${file}: cannot write (${code})`, hint);
  }
  if (plan.mode !== null) await handle.chmod(plan.mode).catch(() => undefined);
  return fileSink(file, handle, { temp, target: plan.path }, unhook);
}

/**
 * Runs `body` with the output open, then closes it; when `body` throws, the output is given up (a file target keeps
 * its old content) and the error goes on. OutputClosed (the reader went away) ends quietly.
 */
export async function withOut(file: string | null, body: (out: TextOut) => Promise<void> | void): Promise<void> {
  const out = await openOut(file);
  try {
    await body(out);
  } catch (e) {
    await out.abort();
    if (e instanceof OutputClosed) return;
    throw e;
  }
  await out.close();
}

/**
 * withOut for several outputs at once (`-o r.json -o r.html -o r.md`): all are opened first (an unwritable one fails
 * before any work), `body` writes them, then each is closed (renamed over its target) in order. When `body` throws,
 * every output is given up (each target keeps its old content); when one close fails, the outputs not yet closed are
 * given up too and the error goes on (those closed before it are complete). OutputClosed ends quietly.
 */
export async function withOuts(files: readonly (string | null)[], body: (outs: readonly TextOut[]) => Promise<void> | void): Promise<void> {
  const outs: OpenOut[] = [];
  try {
    for (const f of files) outs.push(await openOut(f));
  } catch (e) {
    for (const o of outs) await o.abort();
    throw e;
  }
  try {
    await body(outs);
  } catch (e) {
    for (const o of outs) await o.abort();
    if (e instanceof OutputClosed) return;
    throw e;
  }
  for (let i = 0; i < outs.length; i++) {
    try {
      await (outs[i] as OpenOut).close();
    } catch (e) {
      for (const o of outs.slice(i + 1)) await o.abort();
      throw e;
    }
  }
}

/** How to write `file`: renamed over (a new or regular file, through links that stay out of /proc) or in place. */
function planTarget(file: string): { kind: 'atomic'; path: string; mode: number | null } | { kind: 'direct' } {
  let st: Stats;
  try {
    st = lstatSync(file);
  } catch (e) {
    if (errCode(e) === 'ENOENT') return { kind: 'atomic', path: file, mode: null };
    return fail('OUTPUT_UNWRITABLE', `${file}: cannot write (${errCode(e)})`);
  }
  if (st.isSymbolicLink()) {
    // /dev/stdout, /dev/fd/N and /proc/self/fd/N name whatever the shell opened (maybe `>>` a file): in place.
    if (throughProc(file)) return { kind: 'direct' };
    let real: string;
    try {
      real = realpathSync(file);
      st = statSync(real);
    } catch {
      return { kind: 'direct' }; // a dangling link: writing creates its target
    }
    if (st.isFile()) return { kind: 'atomic', path: real, mode: st.mode & 0o7777 };
  }
  if (st.isDirectory()) return fail('OUTPUT_UNWRITABLE', `${file}: cannot write (EISDIR)`);
  if (st.isFile()) return { kind: 'atomic', path: file, mode: st.mode & 0o7777 };
  return { kind: 'direct' };
}

/** True when following the link `file` passes through /proc (the kernel's links to open files). */
function throughProc(file: string): boolean {
  let p = resolve(file);
  for (let hops = 0; hops < 40; hops++) {
    if (p === '/proc' || p.startsWith('/proc/')) return true;
    let target: string;
    try {
      target = readlinkSync(p);
    } catch {
      return false;
    }
    p = isAbsolute(target) ? target : resolve(dirname(p), target);
  }
  return true;
}

/** Error text for a failed write. */
function cannotWrite(name: string, e: unknown): never {
  return fail('OUTPUT_UNWRITABLE', `${name}: cannot write (${errCode(e)})`);
}

function stdoutSink(): OpenOut {
  const stream = process.stdout;
  let closed = false;
  let failure: unknown = null;
  const onError = (e: unknown): void => {
    if (errCode(e) === 'EPIPE') closed = true;
    else failure ??= e;
  };
  stream.on('error', onError);
  let buf: (string | Uint8Array)[] = [];
  let size = 0;
  const flush = (): void => {
    if (buf.length === 0) return;
    const data = joinChunks(buf);
    buf = [];
    size = 0;
    if (closed || failure !== null) return;
    stream.write(data);
  };
  /** Waits until what was written has gone (or failed): errors of synchronous writes arrive on the next tick. */
  const settle = async (): Promise<void> => {
    if (stream.writableNeedDrain && !closed && failure === null) await firstOf(stream, ['drain', 'error', 'close']);
    await new Promise<void>((r) => setImmediate(r));
  };
  const check = (): void => {
    if (failure !== null) cannotWrite('<stdout>', failure);
  };
  return {
    get closed() {
      return closed;
    },
    isTTY: stream.isTTY === true,
    write(s) {
      if (closed || failure !== null) return;
      buf.push(s);
      size += s.length;
      if (size > FLUSH_AT) flush();
    },
    async drain() {
      flush();
      if (stream.writableNeedDrain && !closed && failure === null) await firstOf(stream, ['drain', 'error', 'close']);
      check();
    },
    async close() {
      flush();
      await settle();
      check();
    },
    async abort() {
      buf = [];
      await settle();
    },
  };
}

/**
 * Ctrl-C or a kill (SIGINT, SIGTERM, SIGHUP) or an exit while `temp` may exist: remove it, then die of the signal
 * as the process would have. Returns the function that takes the hooks off again.
 */
function cleanupOnSignal(temp: string): () => void {
  const remove = (): void => {
    try {
      unlinkSync(temp);
    } catch {
      // not created yet, or already gone
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    remove();
    unhook();
    process.kill(process.pid, signal);
  };
  const unhook = (): void => {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    process.removeListener('exit', remove);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', remove);
  return unhook;
}

/** A file (direct, or a temporary file to rename over `atomic.target`) written through `handle`. */
function fileSink(name: string, handle: FileHandle, atomic: { temp: string; target: string } | null, unhook: () => void): OpenOut {
  let closed = false;
  let failure: unknown = null;
  let done = false;
  let pending: Promise<void> = Promise.resolve();
  let buf: (string | Uint8Array)[] = [];
  let size = 0;
  const writeAll = async (data: Buffer): Promise<void> => {
    for (let off = 0; off < data.length; ) {
      const { bytesWritten } = await handle.write(data, off, data.length - off);
      if (bytesWritten <= 0) throw Object.assign(new Error('write returned 0'), { code: 'EIO' });
      off += bytesWritten;
    }
  };
  const flush = (): void => {
    if (buf.length === 0) return;
    const data = Buffer.from(joinChunks(buf));
    buf = [];
    size = 0;
    pending = pending.then(async () => {
      if (closed || failure !== null) return;
      try {
        await writeAll(data);
      } catch (e) {
        if (errCode(e) === 'EPIPE') closed = true;
        else failure = e;
      }
    });
  };
  const giveUp = async (): Promise<void> => {
    if (done) return;
    done = true;
    await pending;
    await handle.close().catch(() => undefined);
    if (atomic !== null) await unlink(atomic.temp).catch(() => undefined);
    unhook();
  };
  return {
    get closed() {
      return closed;
    },
    isTTY: false,
    write(s) {
      if (closed || failure !== null || done) return;
      buf.push(s);
      size += s.length;
      if (size > FLUSH_AT) flush();
    },
    async drain() {
      flush();
      await pending;
      if (failure !== null) {
        const e = failure;
        await giveUp();
        cannotWrite(name, e);
      }
    },
    async close() {
      if (done) return;
      flush();
      await pending;
      done = true;
      let error = failure;
      // fsync surfaces what the disk refuses late (a full disk, a quota, NFS); a file system that cannot sync is no failure.
      if (error === null && atomic !== null && !closed) error = await handle.sync().then(() => null, (e: unknown) => (['EINVAL', 'ENOTSUP'].includes(errCode(e)) ? null : e));
      const closeError = await handle.close().then(() => null, (e: unknown) => e);
      error ??= closeError;
      if (error === null && atomic !== null) error = await rename(atomic.temp, atomic.target).then(() => null, (e: unknown) => e);
      if (error !== null && atomic !== null) await unlink(atomic.temp).catch(() => undefined);
      unhook();
      if (error !== null) cannotWrite(name, error);
    },
    abort: giveUp,
  };
}

/** One string or buffer from pieces (strings joined as strings). */
function joinChunks(parts: readonly (string | Uint8Array)[]): string | Uint8Array {
  if (parts.length === 1) return parts[0] ?? '';
  const text: string[] = [];
  for (const p of parts) {
    if (typeof p !== 'string') return Buffer.concat(parts.map((q) => (typeof q === 'string' ? Buffer.from(q) : q)));
    text.push(p);
  }
  return text.join('');
}

/** Resolves on the first of the events (never rejects: 'error' is handled by the stream's own listener). */
function firstOf(stream: NodeJS.EventEmitter, events: readonly string[]): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const e of events) stream.removeListener(e, done);
      resolve();
    };
    for (const e of events) stream.once(e, done);
  });
}
