/** Writing results to stdout or a file, with backpressure and quiet handling of a closed pipe (`| head`). */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/** Thrown by writers to stop reading input once the reader of our output has gone (EPIPE). */
export class OutputClosed extends Error {
  override readonly name = 'OutputClosed';
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
import { errCode } from '../input/expand';
import { fail } from '../core/types';

/** A text sink with buffered writes. */
export interface TextOut {
  write(s: string): void;
  /** Resolves when buffered output has been handed to the OS (await between batches). */
  drain(): Promise<void>;
  close(): Promise<void>;
  /** True when the reader went away (EPIPE); writers should stop. */
  readonly closed: boolean;
  readonly isTTY: boolean;
}

/** Opens stdout (file === null) or a file for writing. Throws LbuaError when the file cannot be created. */
export async function openOut(file: string | null): Promise<TextOut> {
  const stream: NodeJS.WritableStream & { isTTY?: boolean } = file === null ? process.stdout : createWriteStream(file);
  let closed = false;
  if (file !== null) {
    try {
      await once(stream as WriteStream, 'open');
    } catch (e) {
      fail('INPUT_UNREADABLE', `${file}: cannot write (${errCode(e)})`);
    }
  }
  // EPIPE (reader went away, e.g. `| head`) and other write errors: stop writing quietly; the command ends early.
  stream.on('error', () => {
    closed = true;
  });
  let buf: string[] = [];
  let size = 0;
  let blocked = false;
  const flush = (): void => {
    if (buf.length === 0 || closed) return;
    const ok = stream.write(buf.join(''));
    buf = [];
    size = 0;
    if (!ok) blocked = true;
  };
  return {
    get closed() {
      return closed;
    },
    isTTY: stream.isTTY === true,
    write(s: string) {
      if (closed) return;
      buf.push(s);
      size += s.length;
      if (size > 65536) flush();
    },
    async drain() {
      flush();
      if (blocked && !closed) {
        blocked = false;
        await firstOf(stream, ['drain', 'error', 'close']);
      }
    },
    async close() {
      flush();
      if (file !== null && !closed) {
        await new Promise<void>((resolve) => (stream as WriteStream).end(resolve));
      } else if (!closed && blocked) {
        await firstOf(stream, ['drain', 'error', 'close']);
      }
    },
  };
}
