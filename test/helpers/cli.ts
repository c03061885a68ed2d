/** Spawns the built CLI (bin/lbua.js) like a user would. Build first (npm test does). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Project root. */
export const ROOT = join(__dirname, '..', '..');
/** The CLI entry. */
export const BIN = join(ROOT, 'bin', 'lbua.js');

/** Result of a CLI run. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `lbua args...` with optional stdin, TZ=UTC and NO_COLOR. */
export function lbua(args: readonly string[], options: { input?: string | Buffer; cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input,
    env: { ...process.env, TZ: 'UTC', NO_COLOR: '1', ...options.env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** Parses stdout as JSON, failing the test with stderr when it is not. */
export function json(r: CliResult): unknown {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}); stderr:\n${r.stderr}\nstdout:\n${r.stdout.slice(0, 2000)}`);
  }
}
