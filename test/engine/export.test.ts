/**
 * `lbua export --to-duckdb / --to-parquet` (issue 22): the records lbua reads, written into DuckDB and Parquet and
 * read back with @duckdb/node-api — every row equal to `lbua records`' record, field by field, nulls included; the
 * types the README documents; totals equal to `lbua analyze`'s summary; appends, --replace, schema mismatch.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { json, lbua, ROOT } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { generatedLog } from '../helpers/generated';
import { tempDirs } from '../helpers/tmp';
import { COLUMNS } from '../../src/engine/schema';
import { builtinRoute } from '../../src/engine/rows';
import { classifyAgent } from '../../src/enrich/user-agent';
import { createRouteTemplater } from '../../src/enrich/route-template';
import { analyze, type AnalyzeOptions, type StageFactory } from '../../src/analysis';
import { expandInputs } from '../../src/input/expand';

jest.setTimeout(120_000);

const tempDir = tempDirs();
const LOG = generatedLog(['-n', '8000', '--hours', '3', '--seed', '4', '--incident', 'scanner', '--incident', 'target-5xx', '--incident', 'exploit-campaign'], '.log.gz');

type Row = Record<string, unknown>;

/** Runs `fn` on a connection of a fresh in-memory DuckDB (SET TimeZone UTC), closed afterwards. */
async function withDuck<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    await c.run("SET TimeZone = 'UTC'");
    return await fn(c);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

async function query(c: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await c.runAndReadAll(sql)).getRowObjectsJS() as Row[];
}

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** The FROM clause of an export target: a Parquet file, or a table of a DuckDB file (attached read-only). */
async function source(c: DuckDBConnection, target: { parquet: string } | { duckdb: string; table?: string }): Promise<string> {
  if ('parquet' in target) return `read_parquet(${sqlString(target.parquet)})`;
  await c.run(`ATTACH ${sqlString(target.duckdb)} AS x (READ_ONLY)`);
  return `x.main."${target.table ?? 'records'}"`;
}

/** Every row, in input order, with the time as epoch ms and BIGINTs as numbers. */
async function rowsOf(target: { parquet: string } | { duckdb: string; table?: string }): Promise<Row[]> {
  return withDuck(async (c) => {
    const from = await source(c, target);
    const rows = await query(c, `SELECT epoch_ms(time) AS time_ms, * EXCLUDE (time) FROM ${from} ORDER BY source_file, source_line`);
    return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
  });
}

async function describe_(target: { parquet: string } | { duckdb: string; table?: string }): Promise<[string, string][]> {
  return withDuck(async (c) => {
    const from = await source(c, target);
    return (await query(c, `DESCRIBE SELECT * FROM ${from}`)).map((r) => [String(r['column_name']), String(r['column_type'])]);
  });
}

/** `lbua records ARGS` (in-process) as parsed objects. */
async function records(args: readonly string[]): Promise<Row[]> {
  const r = await lbuaIn(['records', ...args]);
  expect(r.code).toBe(0);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row);
}

/** Asserts that `rows` are `recs`, field by field (the record's JSON names; time as ms; source as two columns). */
function expectSameRecords(rows: readonly Row[], recs: readonly Row[]): void {
  expect(rows.length).toBe(recs.length);
  // The record's fields and the geo fields `lbua records` adds (city and region only with a City database: null here).
  const fields = [...Object.keys(recs[0] ?? {}).filter((k) => k !== 'time' && k !== 'source'), 'city', 'region'];
  expect(fields.length).toBe(34);
  for (let i = 0; i < recs.length; i++) {
    const rec = recs[i] as Row;
    const row = rows[i] as Row;
    const source = rec['source'] as { file: string; line: number };
    const expected: Row = { time_ms: Date.parse(String(rec['time'])), source_file: source.file, source_line: source.line };
    const actual: Row = { time_ms: row['time_ms'], source_file: row['source_file'], source_line: row['source_line'] };
    for (const f of fields) {
      expected[f] = rec[f] ?? null;
      actual[f] = row[f];
    }
    if (JSON.stringify(actual) !== JSON.stringify(expected)) expect({ line: source.line, ...actual }).toEqual({ line: source.line, ...expected });
  }
}

/** The schema table of README "Export to DuckDB and Parquet": [column, type] rows. */
function readmeSchema(): [string, string][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Export to DuckDB and Parquet');
  expect(start).toBeGreaterThan(0);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 10));
  return [...section.matchAll(/^\| `([a-z_]+)` \| ([A-Z]+) \|/gm)].map((m) => [m[1] ?? '', m[2] === 'TIMESTAMPTZ' ? 'TIMESTAMP WITH TIME ZONE' : (m[2] ?? '')]);
}

describe('lbua export on a generated log', () => {
  const dir = tempDir('lbua-export-');
  const db = join(dir, 'logs.duckdb');
  const parquet = join(dir, 'logs.parquet');
  let recs: Row[] = [];
  // Read back once (each is every row of the log), shared by the tests below.
  let fromDb: Row[] = [];
  let fromParquet: Row[] = [];

  beforeAll(async () => {
    recs = await records([LOG.path]);
    // Spawned once: the CLI path of export (exit code, the count on stderr); the other runs are in-process.
    const a = lbua(['export', LOG.path, '--to-duckdb', db]);
    expect(a.stderr).toContain(`exported ${recs.length.toLocaleString('en-US')} records`);
    expect(a.code).toBe(0);
    const b = await lbuaIn(['export', LOG.path, '--to-parquet', parquet]);
    expect(b.code).toBe(0);
    expect(b.stdout).toBe('');
    fromDb = await rowsOf({ duckdb: db });
    fromParquet = await rowsOf({ parquet });
  });

  it('writes the documented schema: DESCRIBE gives the README table, in order', async () => {
    const documented = readmeSchema();
    expect(documented).toEqual(COLUMNS.map((c) => [c.name, c.type]));
    expect(await describe_({ duckdb: db })).toEqual(documented);
    expect(await describe_({ parquet })).toEqual(documented);
  });

  it('holds every record lbua reads, each field equal to `lbua records`, nulls included', async () => {
    expect(recs.length).toBeGreaterThan(9_000);
    expectSameRecords(fromDb, recs);
    expectSameRecords(fromParquet, recs);
    // Nulls stay nulls: the generated ALB log has requests without a query or a user agent ("-"), and ALB logs no
    // client host name.
    for (const f of ['query', 'user_agent', 'agent_family']) {
      expect([f, fromDb.some((r) => r[f] === null), fromDb.some((r) => r[f] !== null)]).toEqual([f, true, true]);
    }
    expect(fromDb.every((r) => r['client_host'] === null)).toBe(true);
  });

  it('writes route and agent facts that are functions of the record alone', () => {
    const templater = createRouteTemplater({ patterns: [] });
    const wrong: Row[] = [];
    let routed = 0;
    for (const r of fromParquet) {
      const path = r['path'] as string | null;
      const ua = r['user_agent'] as string | null;
      const info = ua === null ? null : classifyAgent(ua);
      const want = { route: path === null ? null : builtinRoute(path), agent_family: info?.family ?? null, agent_class: info?.agentClass ?? null };
      const got = { route: r['route'], agent_family: r['agent_family'], agent_class: r['agent_class'] };
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push({ line: r['source_line'], got, want });
      // No position of this log collapses: the enricher's route is the same.
      if (path !== null && templater.template(path) !== r['route']) wrong.push({ line: r['source_line'], route: r['route'], enricher: templater.template(path) });
      if (path !== null && r['route'] !== path) routed++;
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(templater.collapsed()).toEqual([]);
    expect(routed).toBeGreaterThan(1000);
  });

  it('sums bytes and counts statuses as `lbua analyze` does', async () => {
    const report = json(await lbuaIn(['analyze', LOG.path, '--output', 'json'])) as { summary: { requests: number; bytes: { in: number; out: number }; top_status: { status: number | null; requests: number }[] } };
    const s = report.summary;
    await withDuck(async (c) => {
      const from = await source(c, { parquet });
      const [totals] = await query(c, `SELECT count(*) AS n, sum(bytes_in) AS bytes_in, sum(bytes_out) AS bytes_out FROM ${from}`);
      expect(totals).toEqual({ n: BigInt(s.requests), bytes_in: BigInt(s.bytes.in), bytes_out: BigInt(s.bytes.out) });
      const statuses = await query(c, `SELECT status, count(*) AS requests FROM ${from} GROUP BY status ORDER BY requests DESC, coalesce(status, -1) LIMIT ${s.top_status.length}`);
      expect(statuses.map((r) => ({ status: r['status'], requests: Number(r['requests']) }))).toEqual(s.top_status);
    });
  });

  it("runs the README's SQL example on the table", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Export to DuckDB and Parquet'));
    const sql = /duckdb logs\.duckdb -c "([^"]+)"/.exec(section)?.[1];
    expect(sql).toContain('quantile_cont(duration_ms, 0.95)');
    const rows = await withDuck(async (c) => {
      await source(c, { duckdb: db });
      await c.run('USE x');
      const statements = (sql ?? '').split(';').map((q) => q.trim()).filter((q) => q !== '');
      let out: Row[] = [];
      for (const q of statements) out = await query(c, q);
      return out;
    });
    expect(rows.reduce((a, r) => a + Number(r['requests']), 0)).toBe(recs.length);
    expect(rows.some((r) => typeof r['endpoint'] === 'string' && / \/.+:id/.test(r['endpoint']))).toBe(true);
  });

  it('appends a second run to the table: twice the rows; --replace starts again', async () => {
    const twice = join(dir, 'twice.duckdb');
    expect((await lbuaIn(['export', LOG.path, '--to-duckdb', twice, '--table', 'alb'])).code).toBe(0);
    const r = await lbuaIn(['export', LOG.path, '--to-duckdb', twice, '--table', 'alb']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`(${(2 * recs.length).toLocaleString('en-US')} rows now)`);
    const count = async (): Promise<number> => withDuck(async (c) => Number((await query(c, `SELECT count(*) AS n FROM ${await source(c, { duckdb: twice, table: 'alb' })}`))[0]?.['n']));
    expect(await count()).toBe(2 * recs.length);
    expect((await lbuaIn(['export', LOG.path, '--to-duckdb', twice, '--table', 'alb', '--replace', '--from', '2026-03-10T07:00:00Z'])).code).toBe(0);
    const within = recs.filter((x) => Date.parse(String(x['time'])) >= Date.parse('2026-03-10T07:00:00Z')).length;
    expect(within).toBeGreaterThan(0);
    expect(within).toBeLessThan(recs.length);
    expect(await count()).toBe(within);
  });
});

describe('lbua export refuses what it cannot do exactly', () => {
  const dir = tempDir('lbua-export-bad-');
  const log = join(ROOT, 'fixtures', 'formats', 'alb', 'basic.log');

  it('refuses a table of another schema with exit 2 and one line, and leaves it as it was', async () => {
    const db = join(dir, 'other.duckdb');
    const instance = await DuckDBInstance.create(db);
    const c = await instance.connect();
    await c.run('CREATE TABLE records (time TIMESTAMPTZ, status VARCHAR)');
    await c.run("INSERT INTO records VALUES ('2026-01-01 00:00:00+00', 'x')");
    c.closeSync();
    instance.closeSync();
    const r = await lbuaIn(['export', log, '--to-duckdb', db]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/table `records` has another schema than lbua's records: its column 2 is `status` VARCHAR, lbua writes `format` VARCHAR/);
    const rows = await withDuck(async (d) => query(d, `SELECT * FROM ${await source(d, { duckdb: db })}`));
    expect(rows.length).toBe(1);
    // A changed type is named too; --replace drops the table.
    const db2 = join(dir, 'typed.duckdb');
    expect((await lbuaIn(['export', log, '--to-duckdb', db2])).code).toBe(0);
    const i2 = await DuckDBInstance.create(db2);
    const c2 = await i2.connect();
    await c2.run('ALTER TABLE records ALTER status TYPE BIGINT');
    c2.closeSync();
    i2.closeSync();
    const t = await lbuaIn(['export', log, '--to-duckdb', db2]);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('its column 12 is `status` BIGINT, lbua writes `status` INTEGER');
    expect((await lbuaIn(['export', log, '--to-duckdb', db2, '--replace'])).code).toBe(0);
  });

  it('needs exactly one target, a plain table name, and writes nothing under --strict with a malformed line', async () => {
    expect((await lbuaIn(['export', log])).code).toBe(2);
    expect((await lbuaIn(['export', log, '--to-duckdb', join(dir, 'a.duckdb'), '--to-parquet', join(dir, 'a.parquet')])).code).toBe(2);
    const bad = await lbuaIn(['export', log, '--to-duckdb', join(dir, 'a.duckdb'), '--table', 'x; DROP TABLE y']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--table');
    const malformed = join(ROOT, 'fixtures', 'formats', 'alb', 'malformed.log');
    const out = join(dir, 'strict.parquet');
    const r = await lbuaIn(['export', malformed, '--format', 'alb', '--strict', '--to-parquet', out]);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('lbua-'))).toEqual([]);
  });

  it('reads stdin and gzip as `lbua records` does', async () => {
    const gz = join(ROOT, 'fixtures', 'formats', 'alb', 'basic.log.gz');
    const out = join(dir, 'stdin.parquet');
    const r = await lbuaIn(['export', '-', '--to-parquet', out], { input: readFileSync(gz) });
    expect(r.code).toBe(0);
    expect(statSync(out).size).toBeGreaterThan(0);
    const recs = (await lbuaIn(['records', '-'], { input: readFileSync(gz) })).stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row);
    expect(recs.length).toBeGreaterThan(3);
    expect(recs[0]?.['source']).toEqual({ file: '<stdin>', line: 1 });
    expectSameRecords(await rowsOf({ parquet: out }), recs);
  });
});

describe('lbua export on the per-format fixtures', () => {
  const dir = tempDir('lbua-export-formats-');
  const formatsDir = join(ROOT, 'fixtures', 'formats');
  const formats = readdirSync(formatsDir).filter((f) => statSync(join(formatsDir, f)).isDirectory()).sort();

  it('writes every format\'s records exactly, appended into one table', async () => {
    expect(formats.length).toBeGreaterThanOrEqual(10);
    const db = join(dir, 'all.duckdb');
    const all: Row[] = [];
    for (const id of formats) {
      // Relative paths (as given, they are the records' source file): resolved against ROOT, lbuaIn's working folder.
      const logs = readdirSync(join(formatsDir, id)).filter((f) => f.endsWith('.log')).sort().map((f) => join('fixtures', 'formats', id, f));
      const recs = await records(['--format', id, ...logs]);
      const r = await lbuaIn(['export', '--format', id, ...logs, '--to-duckdb', db]);
      expect([id, r.code]).toEqual([id, 0]);
      all.push(...recs);
    }
    all.sort((a, b) => {
      const x = a['source'] as { file: string; line: number };
      const y = b['source'] as { file: string; line: number };
      return x.file < y.file ? -1 : x.file > y.file ? 1 : x.line - y.line;
    });
    expect(new Set(all.map((r) => r['format'])).size).toBeGreaterThanOrEqual(10);
    expectSameRecords(await rowsOf({ duckdb: db }), all);
  });
});

describe('lbua export on inputs that overlap in time', () => {
  const dir = tempDir('lbua-export-overlap-');

  it('writes the rows in the order analyze counts the records (merged by time), with analyze\'s diagnostics', async () => {
    // Two load balancer nodes: the log's lines, every other one each (both span its 3 hours); a malformed line in one.
    const lines = gunzipSync(readFileSync(LOG.path)).toString('utf8').split('\n').filter((l) => l !== '');
    const write = (name: string, body: readonly string[]): string => {
      const path = join(dir, name);
      writeFileSync(path, `${body.join('\n')}\n`);
      return path;
    };
    const a = write('node-a.log', lines.filter((_l, i) => i % 2 === 0));
    const b = write('node-b.log', [...lines.filter((_l, i) => i % 2 === 1).slice(0, 100), 'not a log line', ...lines.filter((_l, i) => i % 2 === 1).slice(100)]);
    // The order analyze's stages see the records in (a stage of its own: a run with one keeps to one thread).
    const seen: string[] = [];
    const order: StageFactory = () => ({ id: 'order', observe: (r) => seen.push(`${r.source.file}:${r.source.line}`), finish: () => ({}) });
    const options: AnalyzeOptions = { format: 'auto', strict: false, maxLineLength: 65_536, from: null, to: null, top: 10, maxWarnings: 20, jobs: 1, geo: null, detectors: null };
    await analyze(expandInputs([b, a]).inputs, options, undefined, [order]);
    expect(seen.length).toBe(lines.length);

    const db = join(dir, 'overlap.duckdb');
    const r = await lbuaIn(['export', b, a, '--to-duckdb', db]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${b}:101: error PARSE_NO_MATCH`);
    const rows = await withDuck(async (c) => {
      const from = await source(c, { duckdb: db });
      return (await query(c, `SELECT source_file, source_line FROM ${from} ORDER BY rowid`)).map((row) => `${String(row['source_file'])}:${String(row['source_line'])}`);
    });
    expect(rows).toEqual(seen);
    // Interleaved, not one input after the other.
    expect(rows.findIndex((x) => x.startsWith(`${b}:`))).toBeLessThan(rows.map((x) => x.startsWith(`${a}:`)).lastIndexOf(true));
    expect(rows.findIndex((x) => x.startsWith(`${a}:`))).toBeLessThan(rows.map((x) => x.startsWith(`${b}:`)).lastIndexOf(true));
  });
});
