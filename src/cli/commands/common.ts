/** Options shared by the commands that read logs. */
import type { Command } from 'commander';
import type { PipelineOptions } from '../../pipeline';
import type { DiagnosticLog } from '../../diagnostics';
import { expandInputs, type InputSpec } from '../../input/expand';
import { selectByFileName } from '../../input/window';
import { checkRange, parseFormatOption, parsePositiveInt, parseTimeOption } from '../options';
import { parseLayouts } from '../layouts';
import { parseTrustedProxies } from '../../enrich/trusted-proxy';
import { fail } from '../../core/types';

/** `--trust-proxy`: checked here (one line, exit 2), kept as text for the worker threads, which parse it again. */
function parseTrustProxyOption(v: string): string {
  try {
    parseTrustedProxies(v);
  } catch (e) {
    fail('OPTION_INVALID', `--trust-proxy: ${e instanceof Error ? e.message : String(e)}`, 'give CIDR ranges or addresses, comma-separated (10.0.0.0/8,2001:db8::/32), or private');
  }
  return v;
}

const collect = (v: string, prev: unknown): string[] => [...(Array.isArray(prev) ? prev.filter((x): x is string => typeof x === 'string') : []), v];

/** Raw commander values of the shared reading options. */
export interface RawReadOptions {
  readonly format?: string;
  readonly from?: string;
  readonly to?: string;
  readonly strict?: boolean;
  readonly maxLineLength?: string;
  readonly allFiles?: boolean;
  readonly logFormat?: string[];
  readonly formatFile?: string;
  readonly trustProxy?: string;
}

/** Declares --format, --from, --to, --strict, --max-line-length. */
export function addReadOptions(cmd: Command): Command {
  return cmd
    .option('-f, --format <id>', 'log format: auto (default), one of `lbua formats`, or the name of a declared layout')
    .option('--log-format <dialect:layout>', "your own layout, e.g. 'nginx:$remote_addr [$time_local] \"$request\" $status ...' (nginx, apache, haproxy, envoy; NAME= first to name it; repeatable)", collect)
    .option('--trust-proxy <ranges>', 'proxies whose forwarded addresses (X-Forwarded-For, CF-Connecting-IP) name the client: CIDR ranges or addresses, comma-separated, or "private"')
    .option('--format-file <file>', 'named layouts from a JSON file: {"formats": [{"name", "dialect", "layout"}]}')
    .option('--from <time>', 'only requests starting at or after this ISO 8601 time (UTC unless a zone is given)')
    .option('--to <time>', 'only requests starting before this ISO 8601 time')
    .option('--strict', 'exit 2 if any line is malformed or any input is damaged')
    .option('--max-line-length <n>', 'longest line accepted, in characters (default 65536)')
    .option('--all-files', 'with --from/--to, also read the AWS log files whose names put them outside the window');
}

/** Normalizes the shared reading options. */
export function readOptions(raw: RawReadOptions): PipelineOptions {
  const from = parseTimeOption('from', raw.from);
  const to = parseTimeOption('to', raw.to);
  checkRange(from, to);
  const layouts = parseLayouts(raw.logFormat ?? [], raw.formatFile);
  return {
    format: parseFormatOption(raw.format, layouts),
    ...(layouts.length > 0 ? { layouts } : {}),
    ...(raw.trustProxy === undefined ? {} : { trustProxy: parseTrustProxyOption(raw.trustProxy) }),
    strict: raw.strict === true,
    maxLineLength: parsePositiveInt('max-line-length', raw.maxLineLength, 64 * 1024),
    from,
    to,
    allFiles: raw.allFiles === true,
  };
}

/** The inputs `args` name and whether some path under them could not be read (an input error under --strict). */
export interface SelectedInputs {
  readonly inputs: InputSpec[];
  readonly unreadable: boolean;
}

/**
 * The inputs `args` name, less the AWS log files whose names put them outside --from/--to; what the expansion
 * found (links not followed, unreadable subdirectories) and the files skipped by name are noted in `diags`.
 */
export function selectInputs(args: readonly string[], options: PipelineOptions, diags: DiagnosticLog): SelectedInputs {
  const expanded = expandInputs(args);
  for (const d of expanded.diagnostics) diags.add(d);
  const selection = selectByFileName(expanded.inputs, options);
  if (selection.diagnostic) diags.add(selection.diagnostic);
  return { inputs: selection.inputs, unreadable: expanded.diagnostics.some((d) => d.code === 'INPUT_UNREADABLE') };
}
