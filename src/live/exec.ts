/**
 * `lbua watch --exec 'cmd'`: runs a command per event, the way a team wires Slack, PagerDuty or a WAF update.
 *
 * Semantics:
 *   - `sh -c cmd` once per `finding`, `update` and `closed` event (heartbeats and notices only when `events` lists
 *     them), with the event's JSON on stdin (one line) and in the
 *     environment `LBUA_EVENT` (the event type), and for finding events `LBUA_FINDING_ID` and `LBUA_SEVERITY`.
 *   - Serial and in order: the next command starts when the previous one has ended, so a WAF update never races
 *     itself and a `closed` never overtakes its `finding`.
 *   - A command that exits non-zero, is killed, times out (`timeoutMs`: its whole process group is killed) or cannot
 *     start is a notice naming the event and its exit status; the next event still runs.
 *   - Nothing is dropped: events wait in memory while the command is slower than they arrive. Past `maxQueue` waiting
 *     events a notice says so, once (the queue keeps growing in memory until the command catches up).
 *   - The command's stdout and stderr go to `output` (lbua's stderr: stdout is the NDJSON stream), line by line,
 *     prefixed `[exec] `, control characters stripped (log text in the event can reach them through the command).
 *   - `drain(ms)` (at exit, on SIGTERM) waits for the queue up to `ms`, then kills the running command and says how
 *     many events did not run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { oneLine } from '../core/text';
import type { LiveEvent } from './types';

/** Event types that run the command unless `events` says otherwise. */
export const DEFAULT_EXEC_EVENTS: readonly LiveEvent['event'][] = ['finding', 'update', 'closed'];

/** A problem to show people: the caller prints it on stderr (and may emit it as a `notice` event). */
export interface ExecNotice {
  /** EXEC_FAILED (non-zero exit or signal), EXEC_TIMEOUT, EXEC_SPAWN (could not start), EXEC_QUEUE (backlog past maxQueue), EXEC_DRAIN (events not run at exit). */
  readonly code: 'EXEC_FAILED' | 'EXEC_TIMEOUT' | 'EXEC_SPAWN' | 'EXEC_QUEUE' | 'EXEC_DRAIN';
  readonly message: string;
}

export interface ExecOptions {
  /** The shell command (run with `sh -c`). */
  readonly command: string;
  /** Longest a command may run for one event before its process group is killed (default 30 s). */
  readonly timeoutMs?: number;
  /** Waiting events past which a notice is given, once (default 10,000). Nothing is dropped. */
  readonly maxQueue?: number;
  readonly onNotice: (notice: ExecNotice) => void;
  /** The commands' base environment (default process.env); the LBUA_* variables are set on top of it. */
  readonly env?: NodeJS.ProcessEnv;
  /** Event types that run the command (default finding, update, closed). */
  readonly events?: readonly LiveEvent['event'][];
  /** Where each line the command prints goes (default: lbua's stderr, with a newline). */
  readonly output?: (line: string) => void;
}

export interface ExecRunner {
  /** Queues `event` (ignored when its type is not one that runs the command). Never blocks, never drops. */
  push(event: LiveEvent): void;
  /** Resolves when every queued event has run, or after `timeoutMs`: then kills the running command, drops the rest and says so. */
  drain(timeoutMs: number): Promise<void>;
  /** Events waiting or running. */
  readonly pending: number;
}

/** One queued run: the event's JSON line, what its environment adds, and how notices name it (no copy of the environment: 10,000 waiting events would hold 10,000). */
interface Job {
  readonly line: string;
  readonly event: LiveEvent['event'];
  readonly finding: { readonly id: string; readonly severity: string } | null;
  readonly label: string;
}

/** Characters of a line the command prints without a newline, after which it is passed on anyway (bounded memory). */
const MAX_LINE = 8192;
/** After the command exits, how long its output may still be read before the next one starts (a grandchild holding the pipe). */
const CLOSE_GRACE_MS = 1000;

/** A runner for `--exec`; see the module comment for what it does. */
export function createExecRunner(options: ExecOptions): ExecRunner {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxQueue = options.maxQueue ?? 10_000;
  const kinds = new Set(options.events ?? DEFAULT_EXEC_EVENTS);
  const output = options.output ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const baseEnv = options.env ?? process.env;
  // A FIFO without Array#shift's copying: jobs[head] is next.
  let jobs: (Job | undefined)[] = [];
  let head = 0;
  let running: ChildProcess | null = null;
  // A job is under way (its command running, or its failure to start being reported).
  let busy = false;
  let warned = false;
  let seq = 0;
  let idle: (() => void)[] = [];
  // Set when drain() gave up: the command it kills then is not reported as failing too.
  let abandoned = false;

  const waiting = (): number => jobs.length - head;

  const finished = (): void => {
    running = null;
    busy = false;
    if (waiting() > 0) startNext();
    else {
      jobs = [];
      head = 0;
      for (const f of idle.splice(0)) f();
    }
  };

  const startNext = (): void => {
    const job = jobs[head];
    if (job === undefined) return;
    jobs[head] = undefined;
    head++;
    busy = true;
    if (head > 1024 && head * 2 > jobs.length) {
      jobs = jobs.slice(head);
      head = 0;
    }
    run(job);
  };

  const run = (job: Job): void => {
    const env: NodeJS.ProcessEnv = { ...baseEnv, LBUA_EVENT: job.event };
    delete env['LBUA_FINDING_ID'];
    delete env['LBUA_SEVERITY'];
    if (job.finding !== null) {
      env['LBUA_FINDING_ID'] = job.finding.id;
      env['LBUA_SEVERITY'] = job.finding.severity;
    }
    let child: ChildProcess;
    try {
      child = spawn('sh', ['-c', options.command], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    } catch (e) {
      options.onNotice({ code: 'EXEC_SPAWN', message: `--exec could not start for ${job.label}: ${(e as Error).message}` });
      queueMicrotask(finished);
      return;
    }
    running = child;
    let timedOut = false;
    let done = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const lines = [lineSplitter(output), lineSplitter(output)];
    const end = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(grace);
      for (const l of lines) l.flush();
      child.stdout?.destroy();
      child.stderr?.destroy();
      if (exit !== null && !abandoned) {
        if (timedOut) options.onNotice({ code: 'EXEC_TIMEOUT', message: `--exec timed out after ${timeoutMs / 1000} s on ${job.label} and was killed (${status(exit)})` });
        else if (exit.code !== 0) options.onNotice({ code: 'EXEC_FAILED', message: `--exec failed on ${job.label}: ${status(exit)}` });
      }
      abandoned = false;
      finished();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    let grace: NodeJS.Timeout | undefined;
    child.stdout?.setEncoding('utf8').on('data', (s: string) => lines[0]?.push(s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => lines[1]?.push(s));
    // A command that does not read its stdin closes the pipe: EPIPE here is not its failure.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(`${job.line}\n`);
    child.on('error', (e) => {
      if (exit !== null || done) return;
      options.onNotice({ code: 'EXEC_SPAWN', message: `--exec could not start for ${job.label}: ${e.message}` });
      end();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Killed on a timeout, the group goes too; otherwise a grandchild may keep the pipes open: read them a little longer.
      grace = setTimeout(end, CLOSE_GRACE_MS);
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      exit ??= { code, signal };
      end();
    });
  };

  return {
    push(event) {
      if (!kinds.has(event.event)) return;
      seq++;
      const finding = event.event === 'finding' || event.event === 'update' || event.event === 'closed' ? { id: event.id, severity: event.finding.severity } : null;
      const label = finding === null ? `event #${seq} (${event.event})` : `event #${seq} (${event.event} ${oneLine(finding.id)})`;
      jobs.push({ line: JSON.stringify(event), event: event.event, finding, label });
      if (!warned && waiting() > maxQueue) {
        warned = true;
        options.onNotice({
          code: 'EXEC_QUEUE',
          message: `--exec is behind: ${waiting().toLocaleString('en-US')} events wait for the command (more than ${maxQueue.toLocaleString('en-US')}); they are kept in memory, which grows until the command catches up (nothing is dropped; this is said once)`,
        });
      }
      if (!busy) startNext();
    },
    drain(ms) {
      if (!busy && waiting() === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          const left = waiting();
          jobs = [];
          head = 0;
          abandoned = running !== null;
          if (running !== null) killGroup(running);
          options.onNotice({
            code: 'EXEC_DRAIN',
            message: `--exec did not finish within ${ms / 1000} s at exit: ${running !== null ? 'the running command was killed and ' : ''}${left} queued event${left === 1 ? '' : 's'} did not run`,
          });
          idle = idle.filter((f) => f !== done);
          resolve();
        }, ms);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        idle.push(done);
      });
    },
    get pending() {
      return waiting() + (busy ? 1 : 0);
    },
  };
}

/** "exit status 3", "killed by SIGKILL". */
function status(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal !== null ? `killed by ${exit.signal}` : `exit status ${exit.code ?? '?'}`;
}

/** Kills the command and everything it started (it leads its own process group: spawned detached). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Passes text on line by line, prefixed and with control characters stripped; a line longer than MAX_LINE is cut. */
function lineSplitter(output: (line: string) => void): { push(s: string): void; flush(): void } {
  let part = '';
  const emit = (s: string): void => output(`[exec] ${oneLine(s)}`);
  return {
    push(s) {
      part += s;
      let nl = part.indexOf('\n');
      while (nl >= 0) {
        emit(part.slice(0, nl).replace(/\r$/, ''));
        part = part.slice(nl + 1);
        nl = part.indexOf('\n');
      }
      if (part.length > MAX_LINE) {
        emit(part);
        part = '';
      }
    },
    flush() {
      if (part !== '') emit(part);
      part = '';
    },
  };
}
