/**
 * A real terminal for tests: a detached tmux session of a given size (its own server on a socket in a temporary
 * folder, no user config), keys sent with send-keys, the screen read with capture-pane. tmux is optional: without
 * /usr/bin/tmux (.ci/run installs it) the callers skip and say so.
 *
 *   const tmux = tmuxSessions();            // top level of a test file (or of a describe): cleanup after each test
 *   const pane = tmux({ cols: 80, rows: 24 });
 *   pane.type('node script.js; echo "exit=$?"'); pane.send('Enter');
 *   await pane.waitFor((s) => s.includes('Open incidents'), 'the first frame');
 *   pane.send('q');
 *
 * Every session is killed (its server and socket folder removed) after the test that made it, pass or fail.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The tmux binary, or null when absent. */
export const TMUX = ['/usr/bin/tmux', '/usr/local/bin/tmux'].find((p) => existsSync(p)) ?? null;

export interface TmuxOptions {
  readonly cols: number;
  readonly rows: number;
  /** What the pane runs (a shell command line); default an interactive `sh` with the prompt "$ ". */
  readonly command?: string;
  readonly cwd?: string;
  /** Variables set in the pane's environment (on top of this process's, with TERM from tmux). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface TmuxPane {
  /** Sends tmux key names (`Enter`, `C-c`, `q`, `Up`...), each as a key. */
  send(...keys: string[]): void;
  /** Types `text` literally (no key names). */
  type(text: string): void;
  /** The visible screen, one line per row (trailing spaces trimmed by tmux). */
  capture(): string;
  /**
   * Polls the screen until `predicate` holds and returns that screen; after `timeoutMs` (default 10 s) throws with
   * `what` and the last screen, so a failure shows what was there instead.
   */
  waitFor(predicate: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  /** Resizes the window (the program in it gets SIGWINCH). */
  resize(cols: number, rows: number): void;
  /** A tmux format of the pane (`#{alternate_on}`, `#{cursor_flag}`, `#{pane_dead}`, `#{pane_width}`...). */
  info(format: string): string;
  /** Kills the session and its server (also done after the test). */
  kill(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

/** A maker of tmux panes, each killed after the test it was made in; see the module comment. */
export function tmuxSessions(): (options: TmuxOptions) => TmuxPane {
  const live: TmuxPane[] = [];
  afterEach(() => {
    for (const p of live.splice(0)) p.kill();
  });
  return (options) => {
    const pane = startTmux(options);
    live.push(pane);
    return pane;
  };
}

/** Starts a detached session (its own server); the caller must kill() it. Prefer tmuxSessions(), which does. */
export function startTmux(options: TmuxOptions): TmuxPane {
  if (TMUX === null) throw new Error('no tmux binary');
  const tmux = TMUX;
  const dir = mkdtempSync(join(tmpdir(), 'lbua-tmux-'));
  const socket = join(dir, 'sock');
  const target = 'main';
  let killed = false;
  const run = (args: readonly string[]): string => {
    const r = spawnSync(tmux, ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env: { ...process.env, ...options.env }, cwd: options.cwd });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return r.stdout;
  };
  const command = options.command ?? "env PS1='$ ' ENV= sh";
  try {
    run(['new-session', '-d', '-s', target, '-x', String(options.cols), '-y', String(options.rows), command]);
    // A session ending must not take the pane's last screen with it.
    run(['set-option', '-t', target, 'remain-on-exit', 'on']);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const pane: TmuxPane = {
    send: (...keys) => void run(['send-keys', '-t', target, ...keys]),
    type: (text) => void run(['send-keys', '-t', target, '-l', text]),
    capture: () => run(['capture-pane', '-p', '-t', target]),
    async waitFor(predicate, what, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let screen = '';
      for (;;) {
        screen = pane.capture();
        if (predicate(screen)) return screen;
        if (Date.now() > deadline) throw new Error(`tmux: waited ${timeoutMs / 1000} s for ${what}; the screen was:\n${screen}`);
        await sleep(50);
      }
    },
    resize: (cols, rows) => void run(['resize-window', '-t', target, '-x', String(cols), '-y', String(rows)]),
    info: (format) => run(['display-message', '-p', '-t', target, format]).trim(),
    kill() {
      if (killed) return;
      killed = true;
      try {
        run(['kill-server']);
      } catch {
        // Already gone.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return pane;
}
