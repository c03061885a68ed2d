/**
 * Logs written by `lbua generate`, made once per test run and shared by the test files that ask for the same
 * arguments. The cache folder is $LBUA_TEST_CACHE (test/helpers/global-setup.ts makes one per jest run and
 * test/helpers/global-teardown.ts removes it); without it (a test file run outside that jest config) each process
 * gets a folder of its own under the system temp folder, and generates on demand as before.
 *
 * The files are read-only for the tests: a test that changes a log (appends planted lines, splits it) copies it
 * first. Two jest workers asking for the same log at once: the first takes a lock (an atomic mkdir) and generates,
 * the other waits for its `done` marker.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lbua } from './cli';

/** The environment variable that names the per-run cache folder. */
export const CACHE_ENV = 'LBUA_TEST_CACHE';

/** How long a worker waits for another one generating the same log before it gives up. */
const WAIT_MS = 10 * 60_000;

let ownDir: string | null = null;

/** The cache folder for this run (or, outside the jest config, for this process). */
export function cacheDir(): string {
  const dir = process.env[CACHE_ENV];
  if (dir !== undefined && dir !== '') {
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  ownDir ??= mkdtempSync(join(tmpdir(), 'lbua-gen-'));
  return ownDir;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A cache entry's key: what it holds and every argument given to the generator. */
export function cacheKey(kind: string, args: readonly string[]): string {
  return `${kind}-${createHash('sha256').update(JSON.stringify([kind, ...args])).digest('hex').slice(0, 16)}`;
}

/**
 * The folder of cache entry `key`, filled by `make(folder)` once per run; `make` writes into a fresh folder and
 * returns what the callers need to know (JSON), which is kept beside the files and returned on every call.
 */
export function cached<T>(key: string, make: (dir: string) => T): { dir: string; meta: T } {
  const root = cacheDir();
  const dir = join(root, key);
  const done = join(dir, 'done.json');
  const lock = join(root, `${key}.lock`);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (existsSync(done)) return { dir, meta: JSON.parse(readFileSync(done, 'utf8')) as T };
    let mine = false;
    try {
      mkdirSync(lock);
      mine = true;
    } catch {
      // Another worker is generating it.
    }
    if (mine) {
      try {
        // Made by another worker between the check above and the lock.
        if (existsSync(done)) return { dir, meta: JSON.parse(readFileSync(done, 'utf8')) as T };
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir);
        const meta = make(dir);
        writeFileSync(`${done}.tmp`, JSON.stringify(meta));
        renameSync(`${done}.tmp`, done);
        return { dir, meta };
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
    }
    if (Date.now() > deadline) throw new Error(`waited ${WAIT_MS / 1000} s for another jest worker to generate ${dir}`);
    sleep(100);
  }
}

/** A generated log: its path (do not change the file: copy it) and the generator's exit code. */
export interface GeneratedLog {
  readonly path: string;
  readonly code: number | null;
  /** The `--expected` file, when asked for. */
  readonly expected: string | null;
}

/**
 * `lbua generate ARGS -o FILE` (FILE named `log${ext}`: `.log.gz` writes gzip), once per run for the same
 * arguments; with `expected`, also `--expected` (the injected incidents, with `--incident`).
 */
export function generatedLog(args: readonly string[], ext: '.log' | '.log.gz', expected = false): GeneratedLog {
  const { dir, meta } = cached(cacheKey(`log${ext}${expected ? '+expected' : ''}`, args), (d) => {
    const out = [...args, ...(expected ? ['--expected', join(d, 'expected.json')] : []), '-o', join(d, `log${ext}`)];
    return { code: lbua(['generate', ...out]).code };
  });
  return { path: join(dir, `log${ext}`), code: meta.code, expected: expected ? join(dir, 'expected.json') : null };
}
