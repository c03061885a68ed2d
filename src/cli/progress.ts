/** A one-line progress indicator on stderr, only when stderr is a terminal; at most 4 updates a second. */
import type { InputSummary } from '../pipeline';
import { stripControl } from '../core/text';

/** Progress reporter. */
export interface Progress {
  readonly update: (current: InputSummary) => void;
  /** Runs `write` with the progress line cleared, so other stderr output is not garbled. */
  around(write: () => void): void;
  done(): void;
}

/** Creates a progress line on `stream` (a no-op when it is not a TTY). */
export function createProgress(stream: { readonly isTTY?: boolean; write(s: string): unknown }): Progress {
  const tty = stream.isTTY === true;
  let last = 0;
  let shown = false;
  let total = 0;
  let currentPath = '';
  let currentLines = 0;
  const clear = (): void => {
    if (shown) stream.write('\r\u001b[2K');
    shown = false;
  };
  return {
    update(cur) {
      if (!tty) return;
      if (cur.path !== currentPath) {
        total += currentLines;
        currentPath = cur.path;
      }
      currentLines = cur.lines;
      const now = performance.now();
      if (now - last < 250) return;
      last = now;
      const name = stripControl(cur.path).slice(-50);
      stream.write(`\r\u001b[2Klbua: ${(total + cur.lines).toLocaleString('en-US')} lines … ${name}`);
      shown = true;
    },
    around(write) {
      clear();
      write();
    },
    done: clear,
  };
}
