/** `lbua sessions`: sessions stitched from the inputs, as NDJSON (snake_case), in close order. */
import type { Command } from 'commander';
import { formatDiagnostic } from '../../core/types';
import { stripControl, terminalSafeJson } from '../../core/text';
import { capDiagnostic, DiagnosticLog } from '../../diagnostics';
import { CapLog } from '../../core/capped';
import { limitsFromEnv } from '../../core/limits';
import { createEnricher } from '../../enrich/index';
import { orderInputsByTime, runInputs, type DetectedFormats } from '../../pipeline';
import { createStitcher } from '../../sessions/stitcher';
import { sessionToJson } from '../../sessions/summary';
import type { Session } from '../../sessions/types';
import { OutputClosed, withOut } from '../output';
import { parseNonNegativeInt } from '../options';
import { addReadOptions, readOptions, selectInputs, type RawReadOptions } from './common';
import { addBehaviourOptions, behaviourOptions, type RawBehaviourOptions } from './behaviour-options';
import { addGeoOptions, geoFromOptions, type RawGeoOptions } from './geo-options';

interface RawSessionsOptions extends RawReadOptions, RawBehaviourOptions, RawGeoOptions {
  readonly out?: string;
  readonly minRequests?: string;
}

/** Adds the command. */
export function registerSessions(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('sessions')
    .description('stitch requests into sessions (client key + inactivity timeout, event time) and print them as NDJSON')
    .argument('<inputs...>', 'files, directories, glob patterns, or - for stdin');
  addGeoOptions(addBehaviourOptions(addReadOptions(cmd)))
    .option('--min-requests <n>', 'only sessions with at least this many requests (default 1)')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .action(async (args: string[], raw: RawSessionsOptions) => {
      const options = readOptions(raw);
      const b = behaviourOptions(raw);
      const minRequests = parseNonNegativeInt('min-requests', raw.minRequests, 1);
      const diags = new DiagnosticLog(20, (d) => process.stderr.write(`${stripControl(formatDiagnostic(d))}\n`));
      const detected: DetectedFormats = new Map();
      const selected = selectInputs(args, options, diags);
      const inputs = await orderInputsByTime(selected.inputs, options, detected);
      await withOut(raw.out ?? null, async (out) => {
        const limits = limitsFromEnv();
        const caps = new CapLog();
        const enrich = createEnricher({ routes: { patterns: b.routes }, geo: await geoFromOptions(raw), limits, caps });
        const stitcher = createStitcher({ timeoutMs: b.sessionTimeoutMs, key: b.sessionKey, maxOpen: limits.openSessions });
        caps.watch(() => stitcher.capNote());
        const emit = (closed: readonly Session[]): void => {
          for (const s of closed) if (s.requests >= minRequests) out.write(`${terminalSafeJson(JSON.stringify(sessionToJson(s)))}\n`);
        };
        const summaries = await runInputs(inputs, options, {
          record: (r) => emit(stitcher.push(enrich(r))),
          diagnostic: (d) => diags.add(d),
          afterBatch: async () => {
            // A failed write throws here (exit 2); a reader that went away stops the run quietly.
            await out.drain();
            if (out.closed) throw new OutputClosed();
          },
        }, detected);
        emit(stitcher.flush());
        for (const message of caps.notes()) diags.add(capDiagnostic(message));
        if (stitcher.stats.late > 0) process.stderr.write(`lbua: ${stitcher.stats.late} record(s) arrived later than the 10-minute lateness allowance\n`);
        if (options.strict && (selected.unreadable || summaries.some((s) => s.malformed > 0 || s.damaged))) setExit(2);
      });
    });
}
