/** `lbua detectors`: the detectors with their descriptions and options. */
import type { Command } from 'commander';
import { DETECTORS } from '../../detect/registry';
import { withOut } from '../output';

/** Adds the command. */
export function registerDetectors(program: Command): void {
  program
    .command('detectors')
    .description('list the anomaly detectors and their options (override with --detector-opt id.key=value)')
    .option('--output <kind>', 'table or json', 'table')
    .action(async (opts: { output: string }) => {
      const defs = Object.values(DETECTORS);
      if (opts.output === 'json') {
        await withOut(null, (out) => out.write(`${JSON.stringify(defs.map((d) => ({ id: d.id, title: d.title, description: d.description, options: d.defaultOptions, option_docs: d.optionDocs })), null, 2)}\n`));
        return;
      }
      const lines: string[] = [];
      for (const d of defs) {
        lines.push(`${d.id} — ${d.title}`, `  ${d.description}`);
        for (const [k, v] of Object.entries(d.defaultOptions)) lines.push(`    ${d.id}.${k} = ${v}   ${d.optionDocs[k] ?? ''}`);
        lines.push('');
      }
      await withOut(null, (out) => out.write(lines.join('\n')));
    });
}
