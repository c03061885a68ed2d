/**
 * `lbua sql --engine athena`: the SQL that has Athena parse and filter ALB logs in S3 and write the window's records
 * for lbua to judge (engine/athena.ts; README "When logs outgrow one machine"). Prints SQL on stdout, nothing else.
 */
import type { Command } from 'commander';
import { fail } from '../../core/types';
import { checkRange, parseTimeOption } from '../options';
import { athenaTableSql, athenaUnloadSql, type AthenaPlan } from '../../engine/athena';

interface RawSqlOptions {
  readonly engine?: string;
  readonly table?: string;
  readonly location?: string;
  readonly since?: string;
  readonly unloadTo?: string;
  readonly from?: string;
  readonly to?: string;
}

/** database.table or table: plain identifiers. */
const TABLE = /^(?:[A-Za-z_][A-Za-z0-9_]{0,127}\.)?[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** An S3 folder: s3://bucket/optional/prefix. */
const S3 = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?:\/[^'\s]*)?$/;
const DAY = /^\d{4}\/\d{2}\/\d{2}$/;

/** The plan the options describe; exit 2 with one line on a bad one. */
export function sqlPlan(raw: RawSqlOptions): AthenaPlan {
  const engine = raw.engine ?? 'athena';
  if (engine !== 'athena') fail('OPTION_INVALID', `--engine: \`${engine}\` is not one lbua writes SQL for here`, 'athena (DuckDB and ClickHouse: `lbua export`, then `lbua analyze --engine`)');
  const table = raw.table ?? 'alb_logs';
  if (!TABLE.test(table)) fail('OPTION_INVALID', `--table: \`${table}\` is not a plain table name`, 'letters, digits and _, optionally database.table');
  if (raw.location === undefined || !S3.test(raw.location)) {
    fail('OPTION_INVALID', raw.location === undefined ? 'sql: say where the logs are: --location s3://bucket/prefix/AWSLogs/ACCOUNT/elasticloadbalancing/REGION' : `--location: \`${raw.location}\` is not an s3:// folder`);
  }
  if (raw.unloadTo === undefined || !S3.test(raw.unloadTo)) {
    fail('OPTION_INVALID', raw.unloadTo === undefined ? 'sql: say where Athena writes the records: --unload-to s3://bucket/empty-folder/' : `--unload-to: \`${raw.unloadTo}\` is not an s3:// folder`);
  }
  const fromMs = parseTimeOption('from', raw.from);
  const toMs = parseTimeOption('to', raw.to);
  checkRange(fromMs, toMs);
  if (fromMs === null && toMs === null) fail('OPTION_INVALID', 'sql: give the window (--from and/or --to): the query reads only its days', 'e.g. --from 2026-12-04T06:00Z --to 2026-12-04T12:00Z');
  const since = raw.since ?? '2016/08/11';
  if (!DAY.test(since)) fail('OPTION_INVALID', `--since: \`${since}\` is not a day as yyyy/MM/dd`);
  return { table, location: raw.location as string, since, fromMs, toMs, unloadTo: raw.unloadTo as string };
}

/** The text printed: the table, the UNLOAD, and how to judge the result. */
export function sqlText(plan: AthenaPlan): string {
  const out = plan.unloadTo.replace(/\/*$/, '/');
  return [
    '-- lbua sql --engine athena: Athena parses and filters the ALB logs in S3; lbua judges the records it writes.',
    '-- 1. The table, once (AWS\'s ALB access-log columns, RegexSerDe, partition projection by day: no partitions to add).',
    athenaTableSql(plan),
    '',
    '-- 2. The window\'s requests as lbua\'s records (gzipped JSON lines) into an empty folder (UNLOAD refuses a non-empty one).',
    athenaUnloadSql(plan),
    '',
    '-- 3. Copy them down and judge them:',
    `--   aws s3 cp --recursive ${out} ./lbua-records/ && lbua analyze ./lbua-records/`,
    '',
  ].join('\n');
}

/** Adds the command. */
export function registerSql(program: Command): void {
  program
    .command('sql')
    .description('print the SQL that has an engine (Athena) parse and filter ALB logs where they are, for lbua to judge')
    .option('--engine <name>', 'the engine: athena (default)')
    .option('--location <s3>', 'the ALB logs: s3://bucket/prefix/AWSLogs/ACCOUNT/elasticloadbalancing/REGION')
    .option('--unload-to <s3>', 'an empty S3 folder for the records Athena writes')
    .option('--table <name>', 'the table to create (default alb_logs; database.table allowed)')
    .option('--since <day>', 'first day partition projection knows, yyyy/MM/dd (default 2016/08/11, when ALB logs began)')
    .option('--from <time>', 'requests starting at or after this ISO 8601 time (UTC unless a zone is given)')
    .option('--to <time>', 'requests starting before this ISO 8601 time')
    .action((raw: RawSqlOptions) => {
      process.stdout.write(sqlText(sqlPlan(raw)));
    });
}
