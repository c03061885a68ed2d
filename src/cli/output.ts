/** Writing results to stdout or a file, with backpressure and quiet handling of a closed pipe (`| head`). */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
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
  stream.on('error', (e: unknown) => {
    if (errCode(e) === 'EPIPE') closed = true;
    else closed = true;
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
        await Promise.race([once(stream, 'drain'), once(stream, 'error').catch(() => undefined), once(stream, 'close')]);
      }
    },
    async close() {
      flush();
      if (file !== null && !closed) {
        await new Promise<void>((resolve) => (stream as WriteStream).end(resolve));
      } else if (!closed && blocked) {
        await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
      }
    },
  };
}
