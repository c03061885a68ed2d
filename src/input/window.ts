/**
 * Skipping files by name. AWS names each ELB/ALB/NLB access-log file after the end of the interval it covers
 * (`<account>_elasticloadbalancing_<region>_<lb>_<YYYYMMDD>T<HHMM>Z_<node ip>_<random>.log[.gz]`, NLB names without
 * the node address; one file per node every 5 minutes, or every 60 for Classic ELB). With --from/--to, a file
 * whose interval cannot hold a request
 * starting inside the window is not read at all: after an incident, `lbua analyze AWSLogs/ --from ... --to ...` over
 * a month of logs reads the hours it needs, not the month.
 *
 * A request is logged when it ends, so its start is at or before the file's end time: a file that ends before
 * --from (less a delivery margin) holds nothing at or after --from, exactly. Toward --to the bound is the longest
 * request: a file whose interval starts more than LONGEST_REQUEST_MS after --to is skipped, so a request held open
 * longer than that (a WebSocket kept for hours), started inside the window and logged later, is not read.
 * `--all-files` turns skipping off.
 */
import { basename } from 'node:path';
import type { Diagnostic, EpochMs } from '../core/types';
import type { InputSpec } from './expand';

/** AWS's file-name layout, with the interval end captured (NLB names have no node address). */
const AWS_NAME = /^\d{12}_elasticloadbalancing_[^_]+_.+_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z(?:_[^_]+)?_[^_]+\.log(?:\.gz)?$/;
/** Classic ELB can emit every 60 minutes: the widest interval a file covers. */
const INTERVAL_MS = 60 * 60_000;
/** Margin for entries written into a neighbouring interval's file. */
const MARGIN_MS = 15 * 60_000;
/** Longest request assumed toward --to (ALB and ELB idle timeouts go up to 4,000 s; this is over five times that). */
export const LONGEST_REQUEST_MS = 6 * 60 * 60_000;

/** The interval end an AWS load-balancer log file is named after, or null when the name is not of that shape. */
export function awsLogEndMs(path: string): EpochMs | null {
  const m = AWS_NAME.exec(basename(path));
  if (m === null) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  return Date.UTC(y, mo - 1, d, h, mi);
}

/** The window options this needs. */
export interface WindowOptions {
  readonly from: EpochMs | null;
  readonly to: EpochMs | null;
  /** Read every file whatever its name says. */
  readonly allFiles?: boolean;
}

/** Inputs to read, and a note (null when nothing was skipped) for the diagnostics. */
export interface WindowSelection {
  readonly inputs: InputSpec[];
  readonly skipped: number;
  readonly diagnostic: Diagnostic | null;
}

/** Drops the AWS-named files that cannot hold a request starting in [from, to). Other inputs are always kept. */
export function selectByFileName(inputs: readonly InputSpec[], options: WindowOptions): WindowSelection {
  const { from, to } = options;
  if (options.allFiles === true || (from === null && to === null)) return { inputs: [...inputs], skipped: 0, diagnostic: null };
  const kept = inputs.filter((input) => {
    const end = input.stdin ? null : awsLogEndMs(input.path);
    if (end === null) return true;
    if (from !== null && end + MARGIN_MS < from) return false;
    if (to !== null && end - INTERVAL_MS - MARGIN_MS - LONGEST_REQUEST_MS >= to) return false;
    return true;
  });
  const skipped = inputs.length - kept.length;
  if (skipped === 0) return { inputs: kept, skipped, diagnostic: null };
  return {
    inputs: kept,
    skipped,
    diagnostic: {
      code: 'INPUT_SKIPPED',
      severity: 'info',
      source: null,
      message: `skipped ${skipped.toLocaleString('en-US')} of ${inputs.length.toLocaleString('en-US')} files whose AWS file names put them outside --from/--to`,
      hint: '--all-files reads them anyway',
    },
  };
}
