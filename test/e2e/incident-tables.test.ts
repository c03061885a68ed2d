/**
 * The tables a person expects after an incident, end to end through the CLI: every endpoint (--all) with its bytes,
 * referrers, days and hours of day of a multi-day log, action sentences with their evidence, and rate limits that
 * would have stopped what was seen (a limit for all clients on the login when per-address limits would not).
 * One analyze is spawned (bin/lbua.js, the multi-day log); the other runs are main() in this process
 * (test/helpers/in-process.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { generatedLog } from '../helpers/generated';
import { CORPUS } from '../helpers/corpus';
import { HAPROXY, NGINX, haproxyCheck, nginxCheck } from '../helpers/rule-servers';
import { tempDirs } from '../helpers/tmp';
import type { CalendarRow, Report } from '../../src/core/report-types';
import { renderRules } from '../../src/report/rules';

const tempDir = tempDirs();

/** The JSON report of `analyze ARGS`. */
async function report(args: readonly string[]): Promise<Report> {
  const r = await lbuaIn(['analyze', '--output', 'json', ...args]);
  expect(r.code).toBe(0);
  return json(r) as Report;
}

/** The terminal table of a report (rendered from the saved JSON: no second analysis). */
async function tableOf(r: Report): Promise<string> {
  const file = join(tempDir('lbua-tables-'), 'report.json');
  writeFileSync(file, JSON.stringify(r));
  const out = await lbuaIn(['report', '--output', 'table', file]);
  expect(out.code).toBe(0);
  return out.stdout;
}

type Action = Readonly<Record<string, unknown>>;

describe('credential stuffing from 1,000 addresses making 1–2 attempts each', () => {
  const log = generatedLog(['--incident', 'credential-stuffing'], '.log.gz');
  let stuffing: Report['findings'][number];
  let whole: Report;
  beforeAll(async () => {
    const r = await report([log.path]);
    whole = r;
    const f = r.findings.find((x) => x.detector === 'credential-stuffing' && x.subject.type === 'endpoint');
    if (f === undefined) throw new Error('no credential-stuffing finding');
    stuffing = f;
  });

  it('proposes a limit for all clients on the login and a challenge, not a per-address limit', () => {
    expect(stuffing.subject.value).toBe('POST /api/v1/login');
    expect(stuffing.metrics['clients']).toBe(1000);
    const types = stuffing.actions.map((a) => `${String(a['type'])}:${String(a['key'] ?? '')}`);
    expect(types).toEqual(['rate-limit:endpoint', 'challenge:']);
    const limit = stuffing.actions[0] as Action;
    expect(limit['scope']).toBe('POST /api/v1/login');
    // The attack peaked at 100 failed logins a minute: the limit sits well below it, at the floor of 10 here.
    expect(limit['limit_per_minute']).toBe(10);
    expect(String(limit['why'])).toMatch(/per address would have stopped only 0% of these failed logins/);
  });

  it('says it in sentences that carry the evidence and window', async () => {
    const [limit, challenge] = stuffing.actions.map((a) => String(a['summary']));
    expect(limit).toBe('limit POST /api/v1/login to 10 requests a minute for all clients together: 1,500 failed logins (peak 100 a minute) from 1,000 addresses, 1.5 each on average, between 09:18 and 09:33 UTC on 2026-03-10; a limit of 10/min per address would have stopped only 0% of these failed logins: the addresses made few attempts each');
    expect(challenge).toMatch(/^put a CAPTCHA or proof-of-work challenge on POST \/api\/v1\/login: 1,500 failed logins/);
    const table = await tableOf(whole);
    expect(table).toContain('→ limit POST /api/v1/login to 10 requests a minute for all clients together: 1,500 failed logins');
  });

  it('emits valid endpoint-wide rules for nginx, HAProxy and AWS WAF', () => {
    const dir = tempDir('lbua-rules-');
    // What --emit-rules writes for the report's findings.
    const out = (target: 'nginx' | 'haproxy' | 'aws-waf'): string => renderRules(whole.findings, target);
    const ng = out('nginx');
    expect(ng).toContain('"~^POST:/api/v1/login$" $server_name;');
    expect(ng).toContain('rate=10r/m;');
    const hp = out('haproxy');
    expect(hp).toContain('http-request track-sc1 str(lbua_1) table lbua_1 if lbua_1_method lbua_1_path');
    expect(hp).toContain('stick-table type string len 32 size 1k expire 10m store http_req_rate(1m)');
    const waf = JSON.parse(out('aws-waf')) as { Rules: { Statement: { RateBasedStatement: Record<string, unknown> } }[] };
    expect(waf.Rules.map((r) => r.Statement.RateBasedStatement['AggregateKeyType'])).toEqual(['CONSTANT']);
    if (NGINX !== null) {
      const c = nginxCheck(ng, dir);
      expect(c.output).toContain('test is successful');
      expect(c.ok).toBe(true);
    } else console.warn('nginx not installed: nginx -t skipped');
    if (HAPROXY !== null) {
      const c = haproxyCheck(hp, dir);
      expect(c.ok).toBe(true);
    } else console.warn('haproxy not installed: haproxy -c skipped');
  });
});

/** The report of the generated target-5xx log (6 hours of ALB), made once. */
const target5xx = ((): (() => Promise<Report>) => {
  let r: Promise<Report> | null = null;
  return () => (r ??= report([generatedLog(['--incident', 'target-5xx'], '.log.gz').path]));
})();

describe('a failing target', () => {
  it('reads as a sentence with its error rate and window', async () => {
    const r = await target5xx();
    const f = r.findings.find((x) => x.subject.type === 'target');
    expect(f?.subject.value).toBe('10.0.2.63:8080');
    const capacity = f?.actions.find((a) => a['type'] === 'capacity');
    // The JSON fields scripts read stay as they were; the sentence is added beside them.
    expect(capacity?.['subject']).toBe('10.0.2.63:8080');
    expect(capacity?.['summary']).toBe(`add capacity to target 10.0.2.63:8080: 63% of its requests failed with 5xx (${String(f?.metrics['errors'])} of ${String(f?.metrics['requests'])}), peak 100% in a minute, between 09:54 and 10:04 UTC on 2026-03-10`);
    expect(f?.metrics['errors']).toBe(65);
    expect(f?.metrics['requests']).toBe(104);
  });
});

describe('a log of more than one day', () => {
  const a = generatedLog(['--hours', '30', '-n', '6000'], '.log.gz');
  const b = generatedLog(['--hours', '20', '-n', '4000', '--seed', '2', '--start', '2026-03-11T12:00:00Z'], '.log.gz');

  it('has rows per day and per hour of day that add up to the requests, the same with --jobs 2', async () => {
    const one = lbua(['analyze', '--output', 'json', '--jobs', '1', a.path, b.path]);
    const two = await lbuaIn(['analyze', '--output', 'json', '--jobs', '2', a.path, b.path]);
    expect(one.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    const r = json(one) as Report;
    const days = r.timeline?.days ?? [];
    const hours = r.timeline?.hours_of_day ?? [];
    expect(days.map((d) => d.key)).toEqual(['2026-03-10', '2026-03-11', '2026-03-12']);
    expect(hours.map((h) => h.key)).toEqual(Array.from({ length: 24 }, (_, i) => String(i).padStart(2, '0')));
    const sum = (rows: readonly CalendarRow[], k: 'requests' | 'errors_5xx' | 'errors_4xx'): number => rows.reduce((s, x) => s + x[k], 0);
    expect(sum(days, 'requests')).toBe(r.summary.requests);
    expect(sum(hours, 'requests')).toBe(r.summary.requests);
    expect(sum(days, 'errors_5xx')).toBe(r.summary.status_classes['5xx'] ?? 0);
    expect(sum(hours, 'errors_4xx')).toBe(r.summary.status_classes['4xx'] ?? 0);
    expect(days.every((d) => d.p95_ms !== null && d.p95_ms > 0)).toBe(true);
    const table = await tableOf(r);
    expect(table).toContain('Days (UTC)');
    expect(table).toMatch(/│ 2026-03-11 │ +[\d,]+ │/);
    expect(table).toContain('Hours of day (UTC, all days)');
    // The HTML report shows the same rows, one per day and per hour of day.
    const file = join(tempDir('lbua-tables-'), 'report.json');
    writeFileSync(file, JSON.stringify(r));
    const html = (await lbuaIn(['report', '--output', 'html', file])).stdout;
    const section = html.slice(html.indexOf('<h4>Days (UTC)</h4>'), html.indexOf('</section>', html.indexOf('<h4>Days (UTC)</h4>')));
    expect(section).toContain('Hours of day (UTC, all days)');
    for (const d of days) expect(section).toContain(`>${d.key}<`);
    expect((section.match(/<tr>/g) ?? []).length).toBe(days.length + hours.length + 2);
  });

  it('has no day rows for a log of hours', async () => {
    const r = await target5xx();
    expect(r.timeline?.buckets.length).toBeGreaterThan(0);
    expect(r.timeline?.days).toBeUndefined();
    expect(r.timeline?.hours_of_day).toBeUndefined();
  });
});

describe('every endpoint (--all), bytes and referrers', () => {
  const log = generatedLog(['--incident', 'target-5xx'], '.log.gz');

  it('--all lifts the top cap of the endpoints and paths tables; the default keeps --top', async () => {
    const some = await target5xx();
    const all = await report(['--all', log.path]);
    expect(some.profiles?.endpoints_top.length).toBe(10);
    expect(some.options['all']).toBeUndefined();
    expect(all.options['all']).toBe(true);
    const endpoints = all.profiles?.endpoints_top ?? [];
    expect(endpoints.length).toBeGreaterThan(10);
    // Every endpoint: their requests add up to all requests.
    expect(endpoints.reduce((s, e) => s + e.requests, 0)).toBe(all.summary.requests);
    expect((all.top['paths'] ?? []).length).toBeGreaterThan(10);
    expect(all.profiles?.endpoints_slowest.length).toBeLessThanOrEqual(10);
    const table = await tableOf(all);
    expect(table).toContain('bytes out');
    const row = table.split('\n').find((l) => l.includes(`│ ${endpoints[0]?.endpoint ?? '?'} `)) ?? '';
    expect(row).toMatch(/\d(\.\d)? (B|KiB|MiB|GiB)/);
  });

  it('has no referrers table for ALB (it logs none)', async () => {
    const r = await target5xx();
    expect(r.top['referrers']).toBeUndefined();
    expect(await tableOf(r)).not.toContain('Top referrers');
  });

  it('counts referrers of a combined log, "-" not counted, and keeps the query of a path with few', async () => {
    const dir = tempDir('lbua-ref-');
    const file = join(dir, 'access.log');
    const line = (i: number, path: string, ref: string): string => `203.0.113.${i % 50} - - [10/Mar/2026:10:${String(i % 60).padStart(2, '0')}:00 +0000] "GET ${path} HTTP/1.1" 200 512 "${ref}" "Mozilla/5.0"`;
    const lines: string[] = [];
    for (let i = 0; i < 60; i++) lines.push(line(i, '/?flav=rss20', 'https://news.example/item'));
    for (let i = 0; i < 25; i++) lines.push(line(i, '/about', 'https://search.example/?q=x'));
    for (let i = 0; i < 15; i++) lines.push(line(i, '/', '-'));
    // A search box: 30 distinct queries of one path, so the path is shown without its query.
    for (let i = 0; i < 30; i++) lines.push(line(i, `/search?q=term${i}`, '-'));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await report([file]);
    expect(r.top['referrers']).toEqual([
      { key: 'https://news.example/item', requests: 60, share: 0.4615 },
      { key: 'https://search.example/?q=x', requests: 25, share: 0.1923 },
    ]);
    // The feed variant keeps its query (the path's only one); the search path's 30 queries are stripped.
    expect(r.top['paths']).toEqual([
      { key: '/?flav=rss20', requests: 60, share: 0.4615 },
      { key: '/search', requests: 30, share: 0.2308 },
      { key: '/about', requests: 25, share: 0.1923 },
      { key: '/', requests: 15, share: 0.1154 },
    ]);
    expect(await tableOf(r)).toMatch(/Top referrers\n.*\n.*\n.*\n│ 1 │ https:\/\/news\.example\/item +│ +60 │ 46\.2% │/);
  });

  (CORPUS === null ? it.skip : it)('counts the referrers of a real Apache log (corpus)', async () => {
    const r = await report([join(CORPUS ?? '', 'large', 'elastic-examples__apache_logs.log')]);
    expect(r.top['referrers']?.[0]).toEqual({ key: 'http://semicomplete.com/presentations/logstash-puppetconf-2012/', requests: 689, share: 0.0689 });
    // The blog's feeds: 217 lines ask for "/?flav=rss20" (grep -c '"GET /?flav=rss20 ' on the file).
    expect(r.top['paths']).toContainEqual({ key: '/?flav=rss20', requests: 217, share: 0.0217 });
    expect(r.top['paths']).toContainEqual({ key: '/blog/tags/puppet?flav=rss20', requests: 488, share: 0.0488 });
  });
});
