/**
 * Harness for the follow tests (test/input/follow*.test.ts): a consumer that takes what a follower yields in the
 * background, and waitFor, which polls a condition with a generous deadline (the machine is shared and loaded:
 * nothing here asserts how fast, only what, and in what order).
 */
import type { FollowNotice } from '../../src/input/follow';

/** Waits until `cond()` holds (checked every 10 ms), failing with `what` and `detail()` after `timeoutMs`. */
export async function waitFor(what: string, cond: () => boolean, detail: () => unknown = () => '', timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(detail())}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Notices, kept in order. */
export class Notices {
  readonly all: FollowNotice[] = [];
  readonly on = (n: FollowNotice): void => {
    this.all.push(n);
  };
  codes(): string[] {
    return this.all.map((n) => n.code);
  }
  count(code: string): number {
    return this.all.filter((n) => n.code === code).length;
  }
}

/** Takes every item of `items` in the background into `got`; `done` settles when the iterator ends. */
export function consume<T>(items: AsyncIterable<T>, each: (item: T) => void = () => undefined): { got: T[]; done: Promise<void> } {
  const got: T[] = [];
  const done = (async () => {
    for await (const item of items) {
      got.push(item);
      each(item);
    }
  })();
  return { got, done };
}
