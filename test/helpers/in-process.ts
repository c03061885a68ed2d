/**
 * `lbua ARGS` run inside the test's own process: src/cli/main.ts `main()` with process.stdout, process.stderr and
 * process.stdin swapped for buffers while it runs, and the exit code bin/lbua.js would set (a crash that escapes
 * main() is reported as bin/lbua.js reports it: exit 3, one line). It parses the same arguments and runs the same
 * command modules as a spawned CLI, without the ~0.5 s of a node start and module load per run.
 *
 * For what a command prints and the exit code it returns, on small inputs. What only a real process shows (a closed
 * pipe, signals, a TTY, an uncaught exception, memory, node's fs error codes, which jest's sandbox hides from
 * `instanceof Error` so messages differ) stays with test/helpers/cli.ts `lbua()`, which spawns bin/lbua.js; keep
 * one or two such runs per command feature to prove the CLI path itself. So do whole analyses of more than about
 * 10,000 lines: the same analysis of a 30,000-line log took 2.5-2.8 s here against 1.5-1.6 s spawned (jest's
 * module sandbox), so past about 0.5 s of work the spawn's start-up (~0.3 s idle) is the cheaper cost.
 * Runs are serialised: the swapped streams are the process's own.
 */
import { Readable, Writable } from 'node:stream';
import { main, reportCrash } from '../../src/cli/main';
import { BIN, ROOT, type CliResult } from './cli';

/** Options of an in-process run: stdin, working folder (default: the project root, as lbua()'s) and environment variables, for the run only. */
export interface InProcessOptions {
  readonly input?: string | Buffer;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

class Capture extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer | string, encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding));
    done();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

type StdName = 'stdout' | 'stderr' | 'stdin';

function swap(name: StdName, value: unknown): () => void {
  const before = Object.getOwnPropertyDescriptor(process, name);
  Object.defineProperty(process, name, { value, configurable: true, writable: true, enumerable: before?.enumerable ?? true });
  return () => {
    if (before) Object.defineProperty(process, name, before);
  };
}

function setEnv(env: Readonly<Record<string, string>>): () => void {
  const before = new Map(Object.keys(env).map((k) => [k, process.env[k]] as const));
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  return () => {
    for (const [k, v] of before) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

function chdir(dir: string): () => void {
  const before = process.cwd();
  process.chdir(dir);
  return () => process.chdir(before);
}

let queue: Promise<unknown> = Promise.resolve();

async function runOnce(args: readonly string[], options: InProcessOptions): Promise<CliResult> {
  const out = new Capture();
  const err = new Capture();
  const input = options.input === undefined ? [] : [Buffer.from(options.input)];
  const restore = [chdir(options.cwd ?? ROOT), setEnv({ TZ: 'UTC', NO_COLOR: '1', ...options.env }), swap('stdout', out), swap('stderr', err), swap('stdin', Readable.from(input))];
  let code: number;
  try {
    code = await main(['node', BIN, ...args]);
  } catch (e) {
    code = reportCrash(e);
  } finally {
    for (const r of restore.reverse()) r();
  }
  return { code, stdout: out.text(), stderr: err.text() };
}

/** Runs `lbua ARGS` in this process (see the file comment); resolves to what a spawned run would give. */
export function lbuaIn(args: readonly string[], options: InProcessOptions = {}): Promise<CliResult> {
  const run = queue.then(() => runOnce(args, options));
  queue = run.catch(() => undefined);
  return run;
}
