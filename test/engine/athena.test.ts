/**
 * `lbua sql --engine athena` (issue 22): the ALB table's regular expression reads every ALB line lbua reads as lbua
 * reads it, and the UNLOAD's SELECT, run on DuckDB over a table the same expression filled (as Athena's RegexSerDe
 * fills it), writes records that `lbua analyze` judges as it judges the raw log: every section and every finding the
 * same but the evidence (which then names the records file's lines). The two dialects agree on every function the
 * SELECT uses (CASE, concat, substr, length, CAST, arithmetic), which is why it uses no others.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { json, lbua, ROOT } from '../helpers/cli';
import { generatedLog } from '../helpers/generated';
import { CORPUS, corpusLogs } from '../helpers/corpus';
import { tempDirs } from '../helpers/tmp';
import { ALB_FIELDS, albRegex, athenaTableSql, recordsSelectSql } from '../../src/engine/athena';
import { FORMATS } from '../../src/formats/registry';
import type { Report } from '../../src/core/report-types';

jest.setTimeout(120_000);

const tempDir = tempDirs();
const LOG = generatedLog(['-n', '30000', '--hours', '3', '--seed', '4', '--incident', 'all'], '.log.gz');
const lines = (file: string): string[] => {
  const buf = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8').split('\n').filter((l) => l !== '');
};

describe('the ALB table of lbua sql --engine athena', () => {
  const re = new RegExp(`^${albRegex()}$`);
  const files = [
    LOG.path,
    ...readdirSync(join(ROOT, 'fixtures', 'formats', 'alb')).filter((f) => f.endsWith('.log')).map((f) => join(ROOT, 'fixtures', 'formats', 'alb', f)),
    ...(CORPUS === null ? [] : corpusLogs('aws-alb').map((f) => join(CORPUS as string, 'aws-alb', f))),
  ];

  it('its expression reads every well-formed ALB line lbua reads, field for field as lbua reads it', () => {
    let read = 0;
    const missed: string[] = [];
    const differ: string[] = [];
    for (const file of files) {
      lines(file).forEach((line, i) => {
        const r = FORMATS.alb.parse(line, { source: { file, line: i + 1 }, strict: false });
        if (r.kind !== 'record') return;
        const m = re.exec(line);
        if (m === null) {
          missed.push(`${file}:${i + 1}`);
          return;
        }
        const g = Object.fromEntries(ALB_FIELDS.map((x, k) => [x.name, m[k + 1] ?? null])) as Record<string, string | null>;
        const dash = (v: string | null | undefined): string | null => (v === '-' || v === '' || v === undefined ? null : v);
        const rec = r.record;
        const got = [(g['client_ip'] ?? '').replace(/^\[(.*)\]$/, '$1'), Number(g['client_port']), g['elb'], dash(g['user_agent']), Number(g['sent_bytes']), dash(g['trace_id']), dash(g['ssl_cipher'])];
        const want = [rec.clientIp, rec.clientPort, rec.lb, rec.userAgent, rec.bytesOut, rec.traceId, rec.tlsCipher];
        if (JSON.stringify(got) !== JSON.stringify(want) && differ.length < 5) differ.push(`${file}:${i + 1}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
        read++;
      });
    }
    expect(differ).toEqual([]);
    expect(read).toBeGreaterThan(50_000);
    // One fixture line lbua reads with a warning has an unbalanced quote: Athena's row is all NULL (no start: malformed).
    expect(missed).toEqual([join(ROOT, 'fixtures', 'formats', 'alb', 'malformed.log:2')]);
  });

  it('is partitioned by day with partition projection over the ALB folders', () => {
    const ddl = athenaTableSql({ table: 'logs.alb', location: 's3://b/p/AWSLogs/1/elasticloadbalancing/eu-west-1/', since: '2024/01/01' });
    expect(ddl).toContain("ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'");
    expect(ddl).toContain("LOCATION 's3://b/p/AWSLogs/1/elasticloadbalancing/eu-west-1/'");
    expect(ddl).toContain("'storage.location.template' = 's3://b/p/AWSLogs/1/elasticloadbalancing/eu-west-1/${day}'");
    expect(ddl).toContain("'projection.day.range' = '2024/01/01,NOW'");
    expect(ddl).toMatch(/PARTITIONED BY \(day string\)/);
    // Every column in ALB's order, once.
    expect([...ddl.matchAll(/^ {2}(\w+) (?:string|int|bigint|double),?$/gm)].map((m) => m[1])).toEqual(ALB_FIELDS.map((f) => f.name));
  });
});

describe('the records Athena writes are judged as the raw log is', () => {
  const dir = tempDir('lbua-athena-');
  const records = join(dir, 'records.json');
  const from = '2026-03-10T06:30:00Z';
  const to = '2026-03-10T08:30:00Z';

  beforeAll(async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    try {
      await c.run('CREATE TABLE raw (line VARCHAR)');
      const ap = await c.createAppender('raw');
      for (const l of lines(LOG.path)) {
        ap.appendVarchar(l);
        ap.endRow();
      }
      ap.closeSync();
      // Athena's table: RegexSerDe gives each group's text; a number that does not parse is NULL.
      const re = albRegex().replace(/'/g, "''");
      const cast = (f: (typeof ALB_FIELDS)[number]): string =>
        f.type === 'string' ? `g['${f.name}']` : `TRY_CAST(NULLIF(g['${f.name}'], '') AS ${f.type === 'int' ? 'INTEGER' : f.type === 'bigint' ? 'BIGINT' : 'DOUBLE'})`;
      await c.run(`CREATE TABLE alb_logs AS SELECT ${ALB_FIELDS.map((f) => `${cast(f)} AS "${f.name}"`).join(', ')}
        FROM (SELECT regexp_extract(line, '^${re}$', [${ALB_FIELDS.map((f) => `'${f.name}'`).join(', ')}]) AS g FROM raw WHERE regexp_full_match(line, '${re}'))`);
      const sql = recordsSelectSql({ table: 'alb_logs', fromMs: Date.parse(from), toMs: Date.parse(to) }, null, null);
      await c.run(`COPY (${sql}) TO '${records}' (FORMAT json)`);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });

  it('every section and finding equal to the raw log\'s over the same window, but the evidence', () => {
    const raw = json(lbua(['analyze', LOG.path, '--from', from, '--to', to, '--output', 'json'])) as Report;
    const run = lbua(['analyze', records, '--output', 'json']);
    expect(run.code).toBe(0);
    const got = json(run) as Report;
    expect(got.inputs[0]?.format).toBe('lbua-records');
    expect(got.inputs[0]?.malformed).toBe(0);
    expect(got.summary.requests).toBe(raw.summary.requests);
    expect(raw.findings.length).toBeGreaterThanOrEqual(8);
    const strip = (r: Report): unknown => ({ ...r, options: null, inputs: null, warnings: null, findings: r.findings.map((f) => ({ ...f, evidence: f.evidence.length })), incidents: null });
    expect(strip(got)).toEqual(strip(raw));
    // The evidence is the records file's lines, whole.
    const e = got.findings[0]?.evidence[0];
    expect(e?.file).toBe(records);
    expect(e?.text).toMatch(/^\{"time":/);
  });

  it('prints the table and the UNLOAD from the CLI, and refuses what it cannot write in one line', () => {
    const ok = lbua(['sql', '--engine', 'athena', '--location', 's3://logs-bucket/AWSLogs/123/elasticloadbalancing/eu-west-1', '--unload-to', 's3://logs-bucket/lbua/run-1', '--from', from, '--to', to]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('CREATE EXTERNAL TABLE IF NOT EXISTS alb_logs (');
    expect(ok.stdout).toContain("UNLOAD (\nSELECT\n  request_creation_time AS \"time\"");
    expect(ok.stdout).toContain("WHERE day >= '2026/03/10'\n  AND day <= '2026/03/11'");
    expect(ok.stdout).toContain(") TO 's3://logs-bucket/lbua/run-1/'\nWITH (format = 'JSON', compression = 'GZIP');");
    for (const bad of [
      ['--unload-to', 's3://b/x', '--from', from],
      ['--location', 's3://b/x', '--from', from],
      ['--location', 's3://b/x', '--unload-to', 's3://b/y'],
      ['--location', '/local/dir', '--unload-to', 's3://b/y', '--from', from],
      ['--engine', 'bigquery', '--location', 's3://b/x', '--unload-to', 's3://b/y', '--from', from],
      ['--location', "s3://b/x'; DROP TABLE t; --", '--unload-to', 's3://b/y', '--from', from],
    ]) {
      const r = lbua(['sql', ...bad]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      // One line, and a hint where there is one.
      expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('lbua: hint: '))).toHaveLength(1);
    }
  });
});
