/**
 * --emit-rules: every rate limit applies to its own scope (address, network, endpoint, ASN), never to the whole
 * site. The configs are checked by the real servers where they are installed (`nginx -t`, `haproxy -c`; .ci/run
 * installs both), and both are run on loopback to show that a visitor loading a page with its assets is not limited
 * while the scoped login limit answers 429. Without the binaries those parts are skipped and say so.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScope, renderRules, routeRegex } from '../../src/report/rules';
import type { ReportFinding } from '../../src/report/types';
import { HAPROXY, NGINX, haproxyCfg, nginxConf } from '../helpers/rule-servers';

if (NGINX === null) console.log('nginx config tests skipped: no nginx binary (.ci/run installs nginx-light)');
if (HAPROXY === null) console.log('haproxy config test skipped: no haproxy binary (.ci/run installs haproxy)');

function finding(title: string, actions: Record<string, unknown>[]): ReportFinding {
  return {
    id: title, detector: 'burst', severity: 'high', confidence: 0.9, title, subject: { type: 'ip', value: '-' },
    window: { start: '2026-03-10T10:00:00.000Z', end: '2026-03-10T10:10:00.000Z' }, metrics: {}, evidence: [], actions, related: [],
  };
}
const limit = (scope: string, perMinute: number, key = 'ip'): Record<string, unknown> => ({ type: 'rate-limit', key, limit_per_minute: perMinute, window_seconds: 60, scope, why: 'test' });

/** What the incident scenario's findings propose (burst, botnet /24, enumeration, scraper, credential stuffing, ASN). */
const FINDINGS: ReportFinding[] = [
  finding('185.220.101.45 burst', [limit('185.220.101.45', 60), { type: 'block', ips: ['185.220.101.45'], cidrs: [], why: 'x' }]),
  finding('botnet', [limit('45.155.205.0/24', 100), { type: 'block', ips: ['45.155.205.7'], cidrs: ['45.155.205.0/24'], why: 'x' }]),
  finding('v6 burst', [limit('2001:db8:5::/48', 200), { type: 'block', ips: ['2001:db8:5::1'], cidrs: ['2001:db8:7::/48'], why: 'x' }]),
  finding('enumeration', [limit('/api/v1/users/:id/orders', 60)]),
  finding('stuffing', [limit('POST /api/v1/login', 10)]),
  finding('brute force', [limit('POST /api/v1/login', 10)]),
  finding('asn', [limit('AS24940', 600, 'asn')]),
];

describe('rate-limit scopes', () => {
  it.each([
    ['203.0.113.7', { kind: 'addresses', cidrs: ['203.0.113.7'] }],
    ['45.155.205.0/24', { kind: 'addresses', cidrs: ['45.155.205.0/24'] }],
    ['2001:db8::/48', { kind: 'addresses', cidrs: ['2001:db8::/48'] }],
    ['POST /api/v1/login', { kind: 'endpoint', method: 'POST', route: '/api/v1/login' }],
    ['/api/v1/users/:id/orders', { kind: 'endpoint', method: null, route: '/api/v1/users/:id/orders' }],
    ['AS24940', { kind: 'asn', asn: 24940 }],
    ['', { kind: 'unknown' }],
    ['GET /x";deny all;"', { kind: 'unknown' }],
    ['not an address', { kind: 'unknown' }],
  ])('%s', (text, want) => {
    expect(parseScope(text)).toEqual(want);
  });

  it('turns route templates into anchored regexes, one segment per placeholder, literals escaped', () => {
    expect(routeRegex('/api/v1/users/:id/orders')).toBe('^/api/v1/users/[^/]+/orders$');
    expect(routeRegex('/')).toBe('^/$');
    expect(routeRegex('/static/:hash.js')).toBe('^/static/[^/]+\\.js$');
    expect(routeRegex('/a.b/:id')).toBe('^/a\\.b/[^/]+$');
    expect(new RegExp(routeRegex('/api/v1/users/:id/orders')).test('/api/v1/users/1234/orders')).toBe(true);
    expect(new RegExp(routeRegex('/api/v1/users/:id/orders')).test('/api/v1/users/1/2/orders')).toBe(false);
  });
});

describe('renderRules', () => {
  it('nginx: one zone per scope, keyed only inside it; no site-wide limit; merged duplicates; ASN left to the WAF', () => {
    const out = renderRules(FINDINGS, 'nginx');
    expect(out).not.toMatch(/limit_req_zone \$binary_remote_addr/);
    expect(out).toContain('geo $lbua_in_1 {\n    default 0;\n    185.220.101.45 1;\n}');
    expect(out).toContain('map $lbua_in_1 $lbua_key_1 {\n    1 $binary_remote_addr;\n    default "";\n}');
    expect(out).toContain('limit_req_zone $lbua_key_1 zone=lbua_1:10m rate=60r/m;');
    expect(out).toContain('"~^POST:/api/v1/login$" $binary_remote_addr;');
    expect(out).toContain('"~^[A-Z]+:/api/v1/users/[^/]+/orders$" $binary_remote_addr;');
    // The login limit proposed twice is one zone.
    expect(out.match(/POST:\/api\/v1\/login/g)).toHaveLength(1);
    expect(out.match(/^limit_req zone=/gm)).toHaveLength(5);
    expect(out).toContain('AS24940: 600 req/min for the whole network');
    expect(out).toContain('not emitted: nginx has no ASN key');
    expect(out).toContain('deny 45.155.205.0/24;');
    expect(out).not.toMatch(/deny 45\.155\.205\.7;/);
    expect(out).toContain('deny 2001:db8:7::/48;');
  });

  it('haproxy: per-address rate checked only inside address scopes, endpoint limits in their own tables', () => {
    const out = renderRules(FINDINGS, 'haproxy');
    expect(out).toContain('http-request track-sc0 src');
    expect(out).toContain('acl lbua_1 src 185.220.101.45\nhttp-request deny deny_status 429 if lbua_1 { sc_http_req_rate(0) gt 60 }');
    expect(out).toContain('acl lbua_5_method method POST\nacl lbua_5_path path_reg ^/api/v1/login$');
    expect(out).toContain('http-request track-sc1 src table lbua_5 if lbua_5_method lbua_5_path');
    expect(out).toContain('backend lbua_5\n    stick-table type ip size 1m expire 10m store http_req_rate(1m)');
    expect(out).not.toMatch(/deny deny_status 429 if \{ sc_http_req_rate\(0\)/);
  });

  it('aws-waf: a rate-based rule per scope with its scope-down statement, and IP sets per address family', () => {
    const waf = JSON.parse(renderRules(FINDINGS, 'aws-waf')) as {
      Rules: { Name: string; Statement: { RateBasedStatement?: { Limit: number; EvaluationWindowSec: number; AggregateKeyType: string; ScopeDownStatement: Record<string, unknown> } } }[];
      IPSets: { Name: string; IPAddressVersion: string; Addresses: string[] }[];
    };
    const rate = waf.Rules.filter((r) => r.Statement.RateBasedStatement).map((r) => r.Statement.RateBasedStatement);
    expect(rate).toHaveLength(6);
    expect(rate.every((r) => r?.ScopeDownStatement !== undefined && r.EvaluationWindowSec === 60)).toBe(true);
    expect(rate.map((r) => r?.Limit)).toEqual([60, 100, 200, 60, 10, 600]);
    expect(JSON.stringify(rate[4]?.ScopeDownStatement)).toContain('"SearchString":"POST"');
    expect(JSON.stringify(rate[4]?.ScopeDownStatement)).toContain('"RegexString":"^/api/v1/login$"');
    expect(rate[5]).toMatchObject({ AggregateKeyType: 'CUSTOM_KEYS', ScopeDownStatement: { AsnMatchStatement: { AsnList: [24940] } } });
    expect(waf.IPSets).toContainEqual({ Name: 'lbua-block-v4', IPAddressVersion: 'IPV4', Addresses: ['45.155.205.0/24', '185.220.101.45/32'] });
    expect(waf.IPSets).toContainEqual({ Name: 'lbua-block-v6', IPAddressVersion: 'IPV6', Addresses: ['2001:db8:7::/48', '2001:db8:5::1/128'] });
    expect(waf.IPSets).toContainEqual({ Name: 'lbua-rate-3', IPAddressVersion: 'IPV6', Addresses: ['2001:db8:5::/48'] });
  });

  it('says so when no finding proposed a rule, instead of writing only a header', () => {
    const none = [finding('capacity only', [{ type: 'capacity', subject: '10.0.3.17:8080', why: 'x' }])];
    expect(renderRules(none, 'nginx')).toBe('# lbua: no finding proposed a rate limit or a block, so there are no rules to write.\n');
    expect(renderRules([], 'haproxy')).toContain('no rules to write');
    expect(JSON.parse(renderRules(none, 'aws-waf'))).toEqual({ Rules: [], IPSets: [], Notes: ['no finding proposed a rate limit or a block, so there are no rules to write'] });
  });

  it('writes no rule for a hostile scope or block entry, only a note', () => {
    const hostile = [finding('h', [limit('GET /x";}deny all;#', 10), { type: 'block', ips: ['1.2.3.4; deny all', '198.51.100.9'], cidrs: [], why: 'x' }])];
    const out = renderRules(hostile, 'nginx');
    expect(out).not.toMatch(/^[^#].*deny all/m);
    expect(out).toContain('deny 198.51.100.9;');
    expect(out).toContain('# left out: 1 rate limit whose scope is not a valid address, network, endpoint (path characters only) or ASN (from "h")');
    expect(out).toContain('# left out: 1 block-list value that is not a valid IPv4 or IPv6 address or network (from "h")');
    expect(out).not.toContain('limit_req zone=');
  });

  it('says what it left out when nothing was valid, instead of "no finding proposed"', () => {
    const all = [finding('h', [limit('1.2.3.4', Number.NaN), { type: 'block', ips: ['1.2.3.4;'], cidrs: ['0.0.0.0/0'], why: 'x' }])];
    expect(renderRules(all, 'nginx')).toBe([
      '# lbua: no rules to write: every rate limit and block the findings proposed was left out.',
      '# left out: 1 rate limit whose rate is not a whole number of requests a minute from 1 to 1,000,000 (from "h")',
      '# left out: 2 block-list values that are not valid IPv4 or IPv6 addresses or networks (from "h")',
      '',
    ].join('\n'));
    expect(JSON.parse(renderRules(all, 'aws-waf'))).toMatchObject({ Rules: [], IPSets: [] });
  });

  it.each([
    ['203.000.113.007', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['203.0.113.7/32', '203.0.113.7'],
    ['45.155.205.77/24', '45.155.205.0/24'],
    ['2001:DB8:0:0::1', '2001:db8::1'],
    ['2001:db8:5:ffff::/48', '2001:db8:5::/48'],
    ['::ffff:198.51.100.3/120', '198.51.100.0/24'],
  ])('writes the address %s in its canonical form %s', (given, canonical) => {
    expect(parseScope(given)).toEqual({ kind: 'addresses', cidrs: [canonical] });
    expect(renderRules([finding('t', [{ type: 'block', ips: [given], cidrs: [], why: 'x' }])], 'nginx')).toContain(`\ndeny ${canonical};\n`);
  });

  it.each([
    'fe80::1%eth0', '[2001:db8::1]', '203.0.113.7:443', ' 203.0.113.7', '203.0.113.7/33', '2001:db8::/129', '0.0.0.0/0', '::/0',
    '203.0.113.256', '1.2.3', '2001:db8::1::2', '::ffff:1.2.3.4/95', `${'1'.repeat(100)}.1.1.1`,
  ])('refuses %j as an address', (text) => {
    expect(parseScope(text)).toEqual({ kind: 'unknown' });
    expect(renderRules([finding('t', [{ type: 'block', ips: [text], cidrs: [], why: 'x' }])], 'nginx')).not.toMatch(/^deny/m);
  });

  it.each([
    ['GET /a;b', 'a semicolon'], ['/a b', 'a space'], ['/a$b', 'a dollar'], ['/a#b', 'a hash'], ['/a\\b', 'a backslash'],
    ['/a"b', 'a quote'], ["/a'b", 'a quote'], ['/a{1}', 'braces'], ['/caf\u00e9', 'non-ASCII'], ['/a\u009bb', 'a C1 control'],
    [`/${'a'.repeat(600)}`, 'a regex longer than AWS WAF takes'], ['AS4294967296', 'an ASN past 32 bits'], ['get /a', 'a lowercase method'],
  ])('refuses the scope %j (%s)', (text) => {
    expect(parseScope(text)).toEqual({ kind: 'unknown' });
  });
});

function status(port: number, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** True once a server just started on `port` answers (5 s at most). */
async function answers(port: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (await status(port, 'GET', '/').then(() => true, () => false)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

(NGINX ? describe : describe.skip)('nginx accepts and enforces the rules', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lbua-nginx-'));
    mkdirSync(join(dir, 'www', 'static'), { recursive: true });
    writeFileSync(join(dir, 'www', 'index.html'), 'ok');
    writeFileSync(join(dir, 'www', 'static', 'app.css'), 'ok');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('nginx -t passes', () => {
    writeFileSync(join(dir, 'nginx.conf'), nginxConf(renderRules(FINDINGS, 'nginx'), dir, 18711));
    const r = spawnSync(NGINX ?? '', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
    expect(r.stderr).toContain('test is successful');
  });

  it('limits the login endpoint and nothing else: 40 page and asset requests pass, the 7th login in a burst gets 429', async () => {
    const port = 18712;
    writeFileSync(join(dir, 'run.conf'), nginxConf(renderRules(FINDINGS, 'nginx'), dir, port));
    const proc = spawn(NGINX ?? '', ['-p', dir, '-c', join(dir, 'run.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
    try {
      expect(await answers(port)).toBe(true);
      const pages: number[] = [];
      for (let i = 0; i < 40; i++) pages.push(await status(port, 'GET', i % 2 ? '/static/app.css' : '/index.html'));
      expect(pages.every((s) => s === 200)).toBe(true);
      const logins: number[] = [];
      for (let i = 0; i < 10; i++) logins.push(await status(port, 'POST', '/api/v1/login'));
      // 10/min with burst 5 nodelay: the first 6 pass the limiter (and get 404: no such file), the rest 429.
      expect(logins.slice(0, 6).every((s) => s !== 429)).toBe(true);
      expect(logins.slice(6).every((s) => s === 429)).toBe(true);
      // Other endpoints are still not limited.
      expect(await status(port, 'GET', '/index.html')).toBe(200);
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
  });
});

(HAPROXY ? describe : describe.skip)('haproxy accepts and enforces the rules', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lbua-haproxy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('haproxy -c passes', () => {
    const cfg = join(dir, 'check.cfg');
    writeFileSync(cfg, haproxyCfg(renderRules(FINDINGS, 'haproxy'), 18713));
    const r = spawnSync(HAPROXY ?? '', ['-c', '-f', cfg], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toContain('Configuration file is valid');
    expect(r.status).toBe(0);
  });

  it('limits the login endpoint and nothing else: 30 asset requests pass, logins beyond 10 a minute get 429', async () => {
    const port = 18714;
    const cfg = join(dir, 'run.cfg');
    writeFileSync(cfg, haproxyCfg(renderRules(FINDINGS, 'haproxy'), port));
    const proc = spawn(HAPROXY ?? '', ['-f', cfg, '-db'], { stdio: 'ignore' });
    try {
      expect(await answers(port)).toBe(true);
      const assets: number[] = [];
      for (let i = 0; i < 30; i++) assets.push(await status(port, 'GET', '/static/app.css'));
      expect(assets.every((s) => s === 200)).toBe(true);
      const logins: number[] = [];
      for (let i = 0; i < 14; i++) logins.push(await status(port, 'POST', '/api/v1/login'));
      expect(logins.slice(0, 10)).toEqual(Array(10).fill(200));
      expect(logins.slice(10)).toEqual(Array(4).fill(429));
      expect(await status(port, 'GET', '/static/app.css')).toBe(200);
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
  });
});
