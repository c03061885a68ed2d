/** Options shared by the commands that read logs. */
import type { Command } from 'commander';
import type { PipelineOptions } from '../../pipeline';
import { checkRange, parseFormatOption, parsePositiveInt, parseTimeOption } from '../options';

/** Raw commander values of the shared reading options. */
export interface RawReadOptions {
  readonly format?: string;
  readonly from?: string;
  readonly to?: string;
  readonly strict?: boolean;
  readonly maxLineLength?: string;
}

/** Declares --format, --from, --to, --strict, --max-line-length. */
export function addReadOptions(cmd: Command): Command {
  return cmd
    .option('-f, --format <id>', 'log format: auto (default) or one of `lbua formats`')
    .option('--from <time>', 'only requests starting at or after this ISO 8601 time (UTC unless a zone is given)')
    .option('--to <time>', 'only requests starting before this ISO 8601 time')
    .option('--strict', 'exit 2 if any line is malformed or any input is damaged')
    .option('--max-line-length <n>', 'longest line accepted, in characters (default 65536)');
}

/** Normalizes the shared reading options. */
export function readOptions(raw: RawReadOptions): PipelineOptions {
  const from = parseTimeOption('from', raw.from);
  const to = parseTimeOption('to', raw.to);
  checkRange(from, to);
  return {
    format: parseFormatOption(raw.format),
    strict: raw.strict === true,
    maxLineLength: parsePositiveInt('max-line-length', raw.maxLineLength, 64 * 1024),
    from,
    to,
  };
}
