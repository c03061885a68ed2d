/** `lbua formats`: id, one-line description, docs link and a sample line for each format. */
import type { Command } from 'commander';
import { allFormats } from '../../formats/registry';
import { withOut } from '../output';

/** Adds the command. */
export function registerFormats(program: Command): void {
  program
    .command('formats')
    .description('list the supported log formats with a sample line each')
    .option('--output <kind>', 'table or json', 'table')
    .action(async (opts: { output: string }) => {
      const formats = allFormats();
      if (opts.output === 'json') {
        await withOut(null, (out) => out.write(`${JSON.stringify(formats.map((f) => ({ id: f.id, title: f.title, description: f.description, docs: f.docsUrl, sample: f.samples[0] ?? null })), null, 2)}\n`));
        return;
      }
      const lines: string[] = [];
      const width = Math.max(8, ...formats.map((f) => f.id.length));
      const indent = ' '.repeat(width + 1);
      for (const f of formats) {
        lines.push(`${f.id.padEnd(width)} ${f.title} — ${f.description}`);
        lines.push(`${indent}docs:   ${f.docsUrl}`);
        lines.push(`${indent}sample: ${f.samples[0] ?? ''}`);
        lines.push('');
      }
      lines.push('Default: --format auto (samples the first lines of each input and picks the format that parses them best).');
      await withOut(null, (out) => out.write(`${lines.join('\n')}\n`));
    });
}
