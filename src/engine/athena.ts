/**
 * Athena over the ALB log tree in S3 (issue 22): the SQL `lbua sql --engine athena` prints. Athena parses and filters
 * the logs where they are; lbua judges what comes back:
 *
 * 1. the table: AWS's documented layout for ALB access logs (the columns of its `alb_access_logs` table, read by
 *    Hive's RegexSerDe), partitioned by day with partition projection over the `yyyy/MM/dd` folders ALB writes, so
 *    a query reads only the days it names and no partition is ever added by hand. The regular expression is built
 *    here from the field list (ALB_FIELDS), one group per column;
 * 2. an UNLOAD of the requests of a time window as lbua's records (JSON lines, gzipped, in S3): the columns of
 *    `lbua records` (formats/json/lbua-records.ts reads them), computed as lbua's ALB parser computes them (start =
 *    request_creation_time, else the response time less the duration; -1 processing times = not logged; the
 *    request line whole, split by lbua). The user copies the files down and runs `lbua analyze` on the folder.
 *
 * What is computed where: Athena scans, parses and filters (the window's days and times); lbua counts, sessions and
 * judges. The records of the window cross the network once, gzipped (about 60 B a request); aggregates are not
 * computed in Athena (the README says why).
 *
 * Pure string building: the SELECT uses only functions Trino and DuckDB both have (CASE, concat, CAST, arithmetic),
 * so the tests run it on DuckDB over a table built by the same regular expression.
 */

/** A column of the ALB table: its name, Hive type, and its group in the regular expression with the text around it. */
export interface AlbField {
  readonly name: string;
  readonly type: 'string' | 'int' | 'bigint' | 'double';
  /** Text before the group (a space, ` "` before a quoted field, `:` between address and port). */
  readonly before: string;
  /** The group's pattern (without the parentheses). */
  readonly group: string;
  /** Text after the group (`"` closing a quoted field). */
  readonly after: string;
}

const f = (name: string, type: AlbField['type'], group: string, before = ' ', after = ''): AlbField => ({ name, type, before, group, after });
/** A quoted field: `"..."`, no quote inside. */
const quoted = (name: string): AlbField => f(name, 'string', '[^"]*', ' "', '"');

/**
 * The ALB access-log fields, in the order ALB writes them (field docs: load-balancer-access-logs.html), named as
 * AWS's table names them. The fields after ssl_protocol are optional: a line of an older log (or one whose later
 * fields are not as documented: unquoted domain_name in some old samples) fills them with NULL from there on.
 */
export const ALB_FIELDS: readonly AlbField[] = [
  f('type', 'string', '[^ ]*', ''),
  f('time', 'string', '[^ ]*'),
  f('elb', 'string', '[^ ]*'),
  // address:port, the address possibly IPv6, in brackets or not (the last colon splits; the SELECT drops brackets).
  f('client_ip', 'string', '[^ ]*'),
  f('client_port', 'int', '[0-9]*', ':'),
  // address:port, or "-" when the request reached no target.
  f('target_ip', 'string', '[^ ]*'),
  f('target_port', 'int', '[0-9]*', '[:-]'),
  f('request_processing_time', 'double', '[-.0-9]*'),
  f('target_processing_time', 'double', '[-.0-9]*'),
  f('response_processing_time', 'double', '[-.0-9]*'),
  f('elb_status_code', 'int', '-|[0-9]*'),
  f('target_status_code', 'string', '-|[0-9]*'),
  f('received_bytes', 'bigint', '[-0-9]*'),
  f('sent_bytes', 'bigint', '[-0-9]*'),
  // "METHOD url PROTOCOL": the url may hold raw spaces (the method ends at the first space, the protocol follows the last).
  f('request_verb', 'string', '[^ "]*', ' "'),
  f('request_url', 'string', '[^"]*'),
  f('request_proto', 'string', '[^ "]*', ' ', '"'),
  quoted('user_agent'),
  f('ssl_cipher', 'string', '[^ ]*'),
  f('ssl_protocol', 'string', '[^ ]*'),
  f('target_group_arn', 'string', '[^ ]*'),
  quoted('trace_id'),
  quoted('domain_name'),
  quoted('chosen_cert_arn'),
  f('matched_rule_priority', 'string', '[-0-9]*'),
  f('request_creation_time', 'string', '[^ ]*'),
  quoted('actions_executed'),
  quoted('redirect_url'),
  quoted('error_reason'),
  quoted('target_port_list'),
  quoted('target_status_code_list'),
  quoted('classification'),
  quoted('classification_reason'),
  f('conn_trace_id', 'string', '[^ ]*'),
];

/** Index of the first field an older log may lack (the oldest ALB logs stop after ssl_protocol). */
const OPTIONAL_FROM = ALB_FIELDS.findIndex((x) => x.name === 'target_group_arn');

/**
 * The regular expression RegexSerDe matches each whole line against: one group per ALB_FIELDS entry, each field from
 * target_group_arn on optional (nested: a log that stops after any of them still matches), anything after the last known
 * field (fields ALB adds later) ignored.
 */
export function albRegex(): string {
  const part = (x: AlbField): string => `${x.before}(${x.group})${x.after}`;
  const head = ALB_FIELDS.slice(0, OPTIONAL_FROM).map(part).join('');
  const tail = ALB_FIELDS.slice(OPTIONAL_FROM).reduceRight((inner, x) => `(?:${part(x)}${inner})?`, '');
  return `${head}${tail}.*`;
}

/** Where and what: the table, the logs' S3 location, the days projected, the window, where the records go. */
export interface AthenaPlan {
  /** `database.table` or `table`. */
  readonly table: string;
  /** s3://bucket/prefix/AWSLogs/ACCOUNT/elasticloadbalancing/REGION (the folder holding the yyyy/MM/dd folders). */
  readonly location: string;
  /** First day partition projection knows (yyyy/MM/dd). */
  readonly since: string;
  /** The window's start and end (epoch ms; null: open). */
  readonly fromMs: number | null;
  readonly toMs: number | null;
  /** The (empty) S3 folder UNLOAD writes the records to. */
  readonly unloadTo: string;
}

/** A single-quoted SQL string literal. */
function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The ALB table with partition projection by day. */
export function athenaTableSql(plan: Pick<AthenaPlan, 'table' | 'location' | 'since'>): string {
  const loc = plan.location.replace(/\/+$/, '');
  const cols = ALB_FIELDS.map((x) => `  ${x.name} ${x.type}`).join(',\n');
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${plan.table} (`,
    cols,
    ')',
    'PARTITIONED BY (day string)',
    "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'",
    'WITH SERDEPROPERTIES (',
    "  'serialization.format' = '1',",
    `  'input.regex' = ${lit(albRegex())}`,
    ')',
    `LOCATION ${lit(`${loc}/`)}`,
    'TBLPROPERTIES (',
    "  'projection.enabled' = 'true',",
    "  'projection.day.type' = 'date',",
    `  'projection.day.range' = ${lit(`${plan.since},NOW`)},`,
    "  'projection.day.format' = 'yyyy/MM/dd',",
    "  'projection.day.interval' = '1',",
    "  'projection.day.interval.unit' = 'DAYS',",
    `  'storage.location.template' = ${lit(`${loc}/\${day}`)}`,
    ');',
  ].join('\n');
}

/**
 * The SELECT of lbua's records (the JSON keys formats/json/lbua-records.ts reads) from the ALB table, for the window.
 * `pathColumn`: the column naming each row's log file (Athena's `"$path"`; null where there is none).
 */
export function recordsSelectSql(plan: Pick<AthenaPlan, 'table' | 'fromMs' | 'toMs'>, pathColumn: string | null, dayColumn: string | null): string {
  const ms = (col: string): string => `CASE WHEN ${col} < 0 THEN NULL ELSE ${col} * 1000 END`;
  const cols = [
    // Start: request_creation_time ("-" or absent in older logs: the time field, the response's, less the duration).
    `request_creation_time AS "time"`,
    `"time" AS end_time`,
    `'alb' AS format`,
    `CASE WHEN substr(client_ip, 1, 1) = '[' THEN substr(client_ip, 2, length(client_ip) - 2) ELSE client_ip END AS client_ip`,
    'client_port',
    `concat(request_verb, ' ', request_url, ' ', request_proto) AS request`,
    'elb_status_code AS status',
    'target_status_code AS backend_status',
    `CASE WHEN target_port IS NULL THEN NULL ELSE concat(target_ip, ':', CAST(target_port AS varchar)) END AS backend`,
    `CASE WHEN request_processing_time < 0 OR target_processing_time < 0 OR response_processing_time < 0 THEN NULL ELSE (request_processing_time + target_processing_time + response_processing_time) * 1000 END AS duration_ms`,
    `${ms('target_processing_time')} AS backend_ms`,
    'received_bytes AS bytes_in',
    'sent_bytes AS bytes_out',
    'user_agent',
    'ssl_protocol AS tls_protocol',
    'ssl_cipher AS tls_cipher',
    'trace_id',
    'error_reason',
    'elb AS lb',
    ...(pathColumn === null ? [] : [`${pathColumn} AS source_file`]),
  ];
  const where: string[] = [];
  // As ALB writes times: microseconds.
  const iso = (t: number): string => new Date(t).toISOString().replace(/(\.\d{3})Z$/, '$1000Z');
  const day = (t: number): string => new Date(t).toISOString().slice(0, 10).replace(/-/g, '/');
  // ALB files a request under the day its log was written, after the response: the day after the window's end too.
  if (dayColumn !== null && plan.fromMs !== null) where.push(`${dayColumn} >= ${lit(day(plan.fromMs))}`);
  if (dayColumn !== null && plan.toMs !== null) where.push(`${dayColumn} <= ${lit(day(plan.toMs + 86_400_000))}`);
  // ISO 8601 UTC times with microseconds compare as text: the window on the start as lbua reads it.
  const start = `(CASE WHEN request_creation_time IN ('', '-') OR request_creation_time IS NULL THEN "time" ELSE request_creation_time END)`;
  if (plan.fromMs !== null) where.push(`${start} >= ${lit(iso(plan.fromMs))}`);
  if (plan.toMs !== null) where.push(`${start} < ${lit(iso(plan.toMs))}`);
  return [`SELECT`, cols.map((c) => `  ${c}`).join(',\n'), `FROM ${plan.table}`, ...(where.length > 0 ? [`WHERE ${where.join('\n  AND ')}`] : [])].join('\n');
}

/** The UNLOAD of the window's records as gzipped JSON lines into an empty S3 folder. */
export function athenaUnloadSql(plan: AthenaPlan): string {
  return [
    'UNLOAD (',
    recordsSelectSql(plan, '"$path"', 'day'),
    `) TO ${lit(plan.unloadTo.replace(/\/*$/, '/'))}`,
    "WITH (format = 'JSON', compression = 'GZIP');",
  ].join('\n');
}
