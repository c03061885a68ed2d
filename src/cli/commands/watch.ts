/**
 * `lbua watch <inputs...>`: follows logs as they are written and emits findings the minute they are true (README:
 * Live). NDJSON events on stdout (or the live terminal view when stdout is a terminal), `--exec` per event,
 * `--emit-rules` kept current, `--state` checkpoints; SIGTERM/SIGINT flush and exit 0.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { ReadStream as TtyReadStream } from 'node:tty';
import { openSync } from 'node:fs';
import { fail } from '../../core/types';
import { stripControl } from '../../core/text';
import { reportFindings, withContextDetectors, type AnalyzeOptions } from '../../analysis';
import { LIVE_DEFAULTS } from '../../live/engine';
import { runWatch, type WatchStateJson } from '../../live/run';
import { watchSource, type WatchStart } from '../../live/sources';
import type { LiveEvent } from '../../live/types';
import { createExecRunner } from '../../live/exec';
import { createRulesFile, type RulesFile } from '../../live/rules-file';
import { startView } from '../../live/view';
import { makeStyle } from '../../report/style';
import { limitsFromEnv } from '../../core/limits';
import { parseColorOption, parseNonNegativeInt } from '../options';
import { addReadOptions, readOptions, type RawReadOptions } from './common';
import { addBehaviourOptions, behaviourOptions, type RawBehaviourOptions } from './behaviour-options';
import { addGeoOptions, geoFromOptions, type RawGeoOptions } from './geo-options';
import { collectList, detectorSelection, parseRuleTarget } from './analyze';
import { validateSelection } from '../../detect/stage';
import { readBaseline } from './baseline';

interface RawWatchOptions extends RawReadOptions, RawBehaviourOptions, RawGeoOptions {
  readonly fromStart?: boolean;
  readonly since?: string;
  readonly window?: string;
  readonly closeAfter?: string;
  readonly updateEvery?: string;
  readonly judgeEvery?: string;
  readonly idle?: string;
  readonly heartbeat?: string;
  readonly poll?: string;
  readonly settle?: string;
  readonly state?: string;
  readonly checkpointEvery?: string;
  readonly exec?: string;
  readonly execTimeout?: string;
  readonly emitRules?: string;
  readonly out?: string;
  readonly rulesHold?: string;
  readonly view?: boolean;
  readonly ndjson?: boolean;
  readonly color?: string | boolean;
  readonly detectors?: string;
  readonly detector?: boolean | string[];
  readonly detectorOpt?: string[];
  readonly evidenceLimit?: string;
  readonly baseline?: string;
  readonly maxWarnings?: string;
  readonly quiet?: boolean;
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3600_000, d: 86_400_000 };

/** A duration option: 250ms, 30s, 10m, 2h, 1d (a bare number is seconds); between `min` and `max` ms. */
export function parseDuration(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?$/i.exec(v.trim());
  const ms = m ? Number(m[1]) * (UNITS[(m[2] ?? 's').toLowerCase()] ?? 1000) : Number.NaN;
  if (!(ms >= min && ms <= max)) fail('OPTION_INVALID', `--${name} must be a duration (250ms, 30s, 10m, 2h, 1d) from ${durationText(min)} to ${durationText(max)}, got ${JSON.stringify(v)}`);
  return Math.round(ms);
}

/** A duration as an option would say it (the largest unit that divides it). */
function durationText(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3600_000], ['m', 60_000], ['s', 1000]] as const) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** The saved state of `--state FILE` (null when the file does not exist yet); exit 2 when it is not one. */
function readState(path: string): WatchStateJson | null {
  if (!existsSync(path)) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    fail('INPUT_UNREADABLE', `--state ${path}: not readable as a watch state (${e instanceof Error ? e.message : String(e)})`, 'remove it to start afresh');
  }
  if (typeof doc !== 'object' || doc === null || (doc as { schema?: unknown }).schema !== 'lbua.watch-state/1') {
    fail('INPUT_UNREADABLE', `--state ${path}: not a lbua watch state (schema lbua.watch-state/1)`, 'remove it to start afresh');
  }
  return doc as WatchStateJson;
}

export function registerWatch(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('watch')
    .description('follow logs as they are written (files like tail -F, directories new files land in, or - for stdin) and emit findings as they happen: NDJSON events, or a live view on a terminal')
    .argument('<inputs...>', 'files (followed; they may appear later), directories (new files read as they land), or - for stdin');
  addGeoOptions(addBehaviourOptions(addReadOptions(cmd)))
    .option('--from-start', 'read what the files and directories already hold first (default: only what is written from now on, as tail -F)')
    .option('--since <duration>', 'read the last DURATION of what exists first, to warm up the window (e.g. 1h; records dated before now - DURATION are skipped)')
    .option('--window <duration>', 'log time judged together: what the detectors compare with (default 2h)')
    .option('--close-after <duration>', 'an incident closes when nothing has added to it for this long, in log time (default 10m)')
    .option('--update-every <duration>', 'an incident that only grows is updated at most this often, in log time (default 5m; a change of severity at once; 0 = every judgment)')
    .option('--judge-every <duration>', 'least wall-clock time between two judgments while input is read faster than it is written (default 1s)')
    .option('--idle <duration>', 'the minute being read is judged once no line has come for this long (default 30s)')
    .option('--heartbeat <duration>', 'a heartbeat event this often: lines/s, lag, state size (default 10s; 0 = none)')
    .option('--poll <duration>', 'how often followed files and directories are checked (default 250ms)')
    .option('--settle <duration>', "a file in a watched directory is read once it has not changed for this long (default 1s)")
    .option('--state <file>', 'checkpoint the analysis to FILE (atomically) and continue from it on restart: no finding repeated or lost')
    .option('--checkpoint-every <duration>', 'with --state: how often besides after each new finding (default 30s)')
    .option('--exec <command>', 'run a shell command per finding, update and closed event, with the event JSON on stdin (LBUA_EVENT, LBUA_FINDING_ID, LBUA_SEVERITY set)')
    .option('--exec-timeout <duration>', 'longest an --exec command may run (default 30s)')
    .option('--emit-rules <target>', 'keep a rules file for nginx, haproxy or aws-waf current (with -o FILE): written atomically when it changes')
    .option('-o, --out <file>', 'with --emit-rules: the rules file')
    .option('--rules-hold <duration>', "with --emit-rules: how long a closed incident's rules stay (default 15m)")
    .option('--ndjson', 'NDJSON events on stdout even when it is a terminal (default there: the live view)')
    .option('--no-view', 'the same as --ndjson')
    .option('--color <when>', 'colour in the live view: auto, always or never', 'auto')
    .option('--no-color', 'the same as --color never')
    .option('--detectors <ids>', 'run only these detectors (comma-separated)')
    .option('--no-detector <id>', 'turn a detector off (repeatable)', collectList)
    .option('--detector-opt <id.key=value>', 'override a detector option (repeatable)', collectList)
    .option('--evidence-limit <n>', 'evidence lines kept per finding (default 5)')
    .option('--baseline <file>', 'also judge against a learned baseline (lbua baseline build): the history detector')
    .option('--max-warnings <n>', 'malformed lines reported as notices (default 20; all are counted in the heartbeat)')
    .option('-q, --quiet', 'no notices on stderr')
    .action(async (args: string[], raw: RawWatchOptions) => {
      if (raw.strict === true) fail('OPTION_INVALID', '--strict is for runs that end: lbua watch counts malformed lines in its heartbeat and reports the first ones as notices');
      const read = readOptions(raw);
      const selection = detectorSelection(raw);
      if (selection === null) fail('OPTION_INVALID', '--detectors none: lbua watch has nothing to report without detectors');
      validateSelection(selection);
      const day = 86_400_000;
      const windowMs = parseDuration('window', raw.window, LIVE_DEFAULTS.windowMs, 10 * 60_000, 7 * day);
      const emit = raw.emitRules === undefined ? null : parseRuleTarget(raw.emitRules);
      if (emit !== null && raw.out === undefined) fail('OPTION_INVALID', '--emit-rules needs -o FILE: the rules file kept current');
      if (emit === null && raw.out !== undefined) fail('OPTION_INVALID', '-o is the --emit-rules file: give --emit-rules nginx|haproxy|aws-waf');
      if (raw.fromStart === true && raw.since !== undefined) fail('OPTION_INVALID', '--from-start and --since: give one');
      const sinceMs = raw.since === undefined ? null : Date.now() - parseDuration('since', raw.since, 0, 1000, 400 * day);
      const start: WatchStart = raw.fromStart === true ? { kind: 'start' } : sinceMs !== null ? { kind: 'since', sinceMs } : { kind: 'end' };
      const analyzeOptions: AnalyzeOptions = withContextDetectors({
        ...read,
        detectors: selection,
        top: 10,
        maxWarnings: parseNonNegativeInt('max-warnings', raw.maxWarnings, 20),
        ...behaviourOptions(raw),
        jobs: 1,
        geo: await geoFromOptions(raw),
        limits: limitsFromEnv(),
        baseline: raw.baseline === undefined ? null : readBaseline(raw.baseline),
      });
      const stateFile = raw.state ?? null;
      const saved = stateFile === null ? null : readState(stateFile);
      const quiet = raw.quiet === true;
      const view = process.stdout.isTTY === true && raw.ndjson !== true && raw.view !== false;
      const controller = new AbortController();
      const noticeLine = (code: string, message: string): void => {
        if (!quiet && !view) process.stderr.write(`lbua: watch: ${stripControl(message)} (${code})\n`);
      };
      const exec = raw.exec === undefined ? null : createExecRunner({
        command: raw.exec,
        timeoutMs: parseDuration('exec-timeout', raw.execTimeout, 30_000, 100, day),
        onNotice: (n) => noticeLine(n.code, n.message),
      });
      let rules: RulesFile | null = null;
      if (emit !== null && raw.out !== undefined) rules = createRulesFile({ target: emit, path: raw.out, holdMs: parseDuration('rules-hold', raw.rulesHold, 15 * 60_000, 0, 7 * day) });
      const write = (e: LiveEvent): void => {
        if (e.event === 'notice') noticeLine(e.code, e.message);
        if (!view) process.stdout.write(`${JSON.stringify(e)}\n`);
        exec?.push(e);
      };
      const ctx = {
        options: analyzeOptions, start, signal: controller.signal,
        pollMs: parseDuration('poll', raw.poll, 250, 10, 60_000),
        settleMs: parseDuration('settle', raw.settle, 1000, 0, 3600_000),
        notice: (n: { code: string; message: string }): void => write({ schema: 'lbua.live/1', at: new Date().toISOString(), watermark: null, event: 'notice', code: n.code, message: n.message }),
      };
      const sources = args.map((path) => watchSource(path, ctx, saved?.sources[path]));
      if (args.filter((a) => a === '-').length > 1) fail('OPTION_INVALID', 'stdin (-) can be watched once');
      const run = await runWatch({
        analyze: analyzeOptions,
        findingsOf: (r) => reportFindings(r, [], analyzeOptions),
        live: {
          segmentMs: LIVE_DEFAULTS.segmentMs, windowMs,
          closeAfterMs: parseDuration('close-after', raw.closeAfter, LIVE_DEFAULTS.closeAfterMs, 60_000, day),
          updateEveryMs: parseDuration('update-every', raw.updateEvery, LIVE_DEFAULTS.updateEveryMs, 0, day),
        },
        sources,
        judgeEveryMs: parseDuration('judge-every', raw.judgeEvery, 1000, 0, 3600_000),
        idleMs: parseDuration('idle', raw.idle, 30_000, 100, 3600_000),
        heartbeatMs: parseDuration('heartbeat', raw.heartbeat, 10_000, 0, day),
        state: stateFile === null ? null : { path: stateFile, everyMs: parseDuration('checkpoint-every', raw.checkpointEvery, 30_000, 1000, day), saved },
        emit: write,
        judged: (engine) => {
          if (rules === null) return;
          const rows = engine.incidentRows();
          rules.update(rows.open, rows.closed, engine.watermarkMs ?? Date.now());
        },
        maxWarnings: analyzeOptions.maxWarnings,
        signal: controller.signal,
      });
      const stop = (): void => controller.abort();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      let screen: { stop(): void } | null = null;
      if (view) {
        // Keys come from the terminal itself when the logs come on stdin.
        const keys = args.includes('-') ? new TtyReadStream(openSync('/dev/tty', 'r')) : process.stdin;
        const color = parseColorOption(raw.color);
        screen = startView({
          input: keys as NodeJS.ReadStream, output: process.stdout, status: run.status, onQuit: stop,
          style: makeStyle(color === 'always' || (color === 'auto' && !process.env.NO_COLOR)),
        });
      }
      try {
        await run.outcome;
      } finally {
        screen?.stop();
        process.removeListener('SIGTERM', stop);
        process.removeListener('SIGINT', stop);
      }
      if (exec !== null) await exec.drain(10_000);
      setExit(0);
    });
}
