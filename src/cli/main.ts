/**
 * The `lbua` command. Maps errors to exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or input error,
 * 3 an unexpected error (a bug: one line on stderr; the stack only with LBUA_DEBUG=1), so a cron job can tell a
 * crash from an alert. Known errors (LbuaError, commander usage errors) print one line.
 */
import { Command, CommanderError } from 'commander';
import { LbuaError } from '../core/types';
import { stripControl } from '../core/text';
import { VERSION } from '../version';
import { withOut } from './output';
import { limitHeapGrowth } from './heap';
import { registerAnalyze } from './commands/analyze';
import { registerRecords } from './commands/records';
import { registerExport } from './commands/export';
import { registerFormats } from './commands/formats';
import { registerGenerate } from './commands/generate';
import { registerSessions } from './commands/sessions';
import { registerProfile } from './commands/profile';
import { registerGeo } from './commands/geo';
import { registerDetectors } from './commands/detectors';
import { registerReport } from './commands/report';
import { registerDiff } from './commands/diff';
import { registerBaseline } from './commands/baseline';
import { registerWatch } from './commands/watch';
import { registerSql } from './commands/sql';
import { bundledAttribution } from '../enrich/geo/index';

/** Runs the CLI with `argv` (process.argv shape); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command();
  let helpText = '';
  let exitCode = 0;
  const setExit = (code: number): void => {
    exitCode = Math.max(exitCode, code);
  };
  program
    .name('lbua')
    .description('Forensic analyzer for load-balancer access logs (AWS ALB/ELB, nginx, HAProxy, Apache)')
    .option('-V, --version', 'print the version and the data attributions')
    .exitOverride()
    // Help and version text go out through the checked writer after parsing (a full disk is exit 2, not a crash).
    .configureOutput({ outputError: (str, write) => write(str), writeOut: (str) => { helpText += str; } })
    .showHelpAfterError('(run lbua --help for usage)');
  registerAnalyze(program, setExit);
  registerRecords(program, setExit);
  registerExport(program, setExit);
  registerSql(program);
  registerSessions(program, setExit);
  registerProfile(program, setExit);
  registerBaseline(program, setExit);
  registerWatch(program, setExit);
  registerGeo(program, setExit);
  registerReport(program);
  registerDiff(program, setExit);
  registerDetectors(program);
  registerFormats(program);
  registerGenerate(program);
  // Diagnostics to a reader that went away (`2>&1 | head`) are dropped, not a crash.
  process.stderr.on('error', () => undefined);
  const first = argv[2];
  const stopHeapWatch = limitHeapGrowth();
  try {
    crashForTests(process.env['LBUA_TEST_CRASH']);
    // No arguments: the help, on stdout, exit 0 (as `lbua --help`), not a usage error.
    if (first === undefined) return await writeHelp(program.helpInformation());
    if (first === '-V' || first === '--version') {
      await withOut(null, (out) => out.write(`lbua ${VERSION}\n${bundledAttribution().map((l) => `bundled ${l}`).join('\n')}\n`));
      return 0;
    }
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
        return writeHelp(helpText);
      }
      return 2;
    }
    if (e instanceof LbuaError) {
      process.stderr.write(`lbua: ${stripControl(e.diagnostic.message)}\n`);
      if (e.diagnostic.hint) process.stderr.write(`lbua: hint: ${e.diagnostic.hint}\n`);
      return 2;
    }
    return reportCrash(e);
  } finally {
    stopHeapWatch();
  }
  if (process.env['LBUA_BENCH_STATS']) process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\n`);
  return exitCode;
}

/** Exit code of an unexpected error (a bug in lbua, not a finding and not bad input). */
export const EXIT_CRASH = 3;

/**
 * Reports an unexpected error as one line on stderr (the stack too with LBUA_DEBUG=1) and returns EXIT_CRASH.
 * Also used by bin/lbua.js for errors that escape main() (an uncaught exception in a callback).
 */
export function reportCrash(e: unknown): number {
  const debug = process.env['LBUA_DEBUG'] === '1';
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const first = stripControl(what.split('\n')[0] ?? '').slice(0, 500);
  process.stderr.write(`lbua: internal error: ${first}${debug ? '' : ' (a bug in lbua; run with LBUA_DEBUG=1 for the stack)'}\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${stripControl(e.stack)}\n`);
  return EXIT_CRASH;
}

/**
 * LBUA_TEST_CRASH=sync|async makes the run fail the way a bug would (thrown inside main, or thrown later from a
 * timer, outside any promise), so the tests can check what a user sees on a crash. Unset in normal use.
 */
function crashForTests(mode: string | undefined): void {
  if (mode === 'sync') throw new TypeError('crash requested by LBUA_TEST_CRASH\u001b[2J');
  if (mode === 'async') setTimeout(() => { throw new RangeError('crash requested by LBUA_TEST_CRASH (async)'); }, 0);
}

/** Writes help text to stdout through the checked writer: 0, or 2 with one line when stdout cannot take it. */
async function writeHelp(text: string): Promise<number> {
  try {
    await withOut(null, (out) => out.write(text));
    return 0;
  } catch (e) {
    if (!(e instanceof LbuaError)) throw e;
    process.stderr.write(`lbua: ${stripControl(e.diagnostic.message)}\n`);
    return 2;
  }
}
