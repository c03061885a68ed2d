/**
 * The `lbua` command. Maps errors to exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or input error.
 * Known errors (LbuaError, commander usage errors) print one line; anything else is a bug and keeps its stack.
 */
import { Command, CommanderError } from 'commander';
import { LbuaError } from '../core/types';
import { stripControl } from '../core/text';
import { VERSION } from '../version';
import { registerAnalyze } from './commands/analyze';
import { registerRecords } from './commands/records';
import { registerFormats } from './commands/formats';
import { registerGenerate } from './commands/generate';
import { registerSessions } from './commands/sessions';
import { registerProfile } from './commands/profile';
import { registerGeo } from './commands/geo';
import { registerDetectors } from './commands/detectors';
import { registerReport } from './commands/report';
import { bundledAttribution } from '../enrich/geo/index';

/** Runs the CLI with `argv` (process.argv shape); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command();
  let exitCode = 0;
  const setExit = (code: number): void => {
    exitCode = Math.max(exitCode, code);
  };
  program
    .name('lbua')
    .description('Forensic analyzer for load-balancer access logs (AWS ALB/ELB, nginx, HAProxy, Apache)')
    .option('-V, --version', 'print the version and the data attributions')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) })
    .showHelpAfterError('(run lbua --help for usage)');
  registerAnalyze(program, setExit);
  registerRecords(program, setExit);
  registerSessions(program, setExit);
  registerProfile(program, setExit);
  registerGeo(program, setExit);
  registerReport(program);
  registerDetectors(program);
  registerFormats(program);
  registerGenerate(program);
  const first = argv[2];
  if (first === '-V' || first === '--version') {
    process.stdout.write(`lbua ${VERSION}\n${bundledAttribution().map((l) => `bundled ${l}`).join('\n')}\n`);
    return 0;
  }
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (e instanceof LbuaError) {
      process.stderr.write(`lbua: ${stripControl(e.diagnostic.message)}\n`);
      if (e.diagnostic.hint) process.stderr.write(`lbua: hint: ${e.diagnostic.hint}\n`);
      return 2;
    }
    throw e;
  }
  if (process.env['LBUA_BENCH_STATS']) process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\n`);
  return exitCode;
}
