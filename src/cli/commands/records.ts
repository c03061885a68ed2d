/** `lbua records`: normalized records as NDJSON, one per line, in input order. */
import type { Command } from 'commander';
import { recordToJson } from '../../core/record-json';
import { formatDiagnostic } from '../../core/types';
import { stripControl, terminalSafeJson } from '../../core/text';
import { DiagnosticLog } from '../../diagnostics';
import { runInputs } from '../../pipeline';
import { OutputClosed, withOut } from '../output';
import { addReadOptions, readOptions, selectInputs, type RawReadOptions } from './common';
import { addGeoOptions, geoFromOptions, type RawGeoOptions } from './geo-options';

interface RawRecordsOptions extends RawReadOptions, RawGeoOptions {
  readonly output?: string;
  readonly maxWarnings?: string;
}

/** Adds the command. */
export function registerRecords(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('records')
    .description('print normalized records as NDJSON (one JSON object per line) on stdout')
    .argument('<inputs...>', 'files, directories, glob patterns, or - for stdin');
  addGeoOptions(addReadOptions(cmd))
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .option('--max-warnings <n>', 'malformed lines reported on stderr (default 20)')
    .action(async (args: string[], raw: RawRecordsOptions & { out?: string }) => {
      const options = readOptions(raw);
      const maxWarnings = raw.maxWarnings === undefined ? 20 : Number(raw.maxWarnings);
      const diags = new DiagnosticLog(Number.isFinite(maxWarnings) ? maxWarnings : 20, (d) => process.stderr.write(`${stripControl(formatDiagnostic(d))}\n`));
      const selected = selectInputs(args, options, diags);
      const geo = await geoFromOptions(raw);
      await withOut(raw.out ?? null, async (out) => {
        const summaries = await runInputs(selected.inputs, options, {
          record: (r) => {
            if (geo === null || r.clientIp === null) {
              out.write(`${terminalSafeJson(JSON.stringify(recordToJson(r)))}\n`);
              return;
            }
            const g = geo.lookup(r.clientIp);
            const fields = { country: g?.country ?? null, asn: g?.asn ?? null, asOrg: g?.asOrg ?? null, ...(geo.hasCity ? { city: g?.city ?? null, region: g?.region ?? null } : {}) };
            out.write(`${terminalSafeJson(JSON.stringify(recordToJson({ ...r, ...fields })))}\n`);
          },
          diagnostic: (d) => diags.add(d),
          afterBatch: async () => {
            // A failed write throws here (exit 2); a reader that went away stops the run quietly.
            await out.drain();
            if (out.closed) throw new OutputClosed();
          },
        });
        const malformed = summaries.reduce((a, s) => a + s.malformed, 0);
        if (malformed > 0) process.stderr.write(`lbua: ${malformed} malformed line(s) in ${summaries.filter((s) => s.malformed > 0).length} input(s)\n`);
        if (options.strict && (malformed > 0 || summaries.some((s) => s.damaged) || selected.unreadable)) setExit(2);
      });
    });
}
