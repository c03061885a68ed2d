/**
 * Issue 19, items 4 and 5, on small hand-built logs shaped like real nginx ones (combined layout, with and without
 * the Debian "$http_x_forwarded_for" field): a healthy site whose every request arrives through one proxy address,
 * with a scanner among its clients; and a quiet site where one client's unusual requests draw 501 and 502 answers.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, lbua } from '../helpers/cli';
import { tempDirs } from '../helpers/tmp';
import { analyze, type AnalyzeOptions } from '../../src/analysis';
import { expandInputs } from '../../src/input/expand';
import { renderJson } from '../../src/report/json';

const tempDir = tempDirs();

interface F { detector: string; severity: string; title: string; subject: { type: string; value: string }; actions: Record<string, unknown>[] }

const T0 = Date.UTC(2026, 2, 10, 6, 0, 0);
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0',
  'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
];
const PAGES = ['/', '/products/17', '/products/42', '/search?q=shoes', '/cart', '/static/app.js', '/static/site.css', '/about'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function clf(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function line(ms: number, peer: string, req: string, status: number, agent: string, xff: string | null): string {
  return `${peer} - - [${clf(ms)}] "${req}" ${status} ${status === 200 ? 5120 : 162} "-" "${agent}"${xff === null ? '' : ` "${xff}"`}`;
}

/** Two hours of people (40 addresses, 9 agents) at a few requests a minute, through `peer` when given. */
function people(peer: string | null, xff: boolean): { ms: number; text: string }[] {
  const out: { ms: number; text: string }[] = [];
  for (let m = 0; m < 120; m++) {
    for (let k = 0; k < 6; k++) {
      const client = `198.18.${(m * 7 + k) % 40}.${10 + k}`;
      const ms = T0 + m * 60_000 + k * 9_000;
      out.push({ ms, text: line(ms, peer ?? client, `GET ${PAGES[(m + k) % PAGES.length]} HTTP/1.1`, 200, AGENTS[(m + k) % AGENTS.length] ?? '', xff ? client : null) });
    }
  }
  return out;
}

function write(name: string, rows: { ms: number; text: string }[]): string {
  const dir = tempDir('lbua-i19-');
  const path = join(dir, name);
  writeFileSync(path, `${rows.sort((a, b) => a.ms - b.ms).map((r) => r.text).join('\n')}\n`);
  return path;
}

function findings(path: string, extra: readonly string[] = []): F[] {
  const r = lbua(['analyze', path, '--output', 'json', ...extra]);
  expect(r.code).toBe(0);
  return (json(r) as { findings: F[] }).findings;
}

describe('traffic through one proxy address (issue 19 items 4 and 6)', () => {
  // A scanner among the clients: 60 probes of secret files and admin pages, answered 404.
  const probes = ['/.env', '/.git/config', '/wp-login.php', '/phpmyadmin/', '/config.php.bak', '/backup.sql', '/.aws/credentials', '/admin/.env', '/server-status', '/actuator/env'];
  const scanner = (peer: string, xff: boolean): { ms: number; text: string }[] => Array.from({ length: 60 }, (_, i) => {
    const ms = T0 + 40 * 60_000 + i * 2_000;
    return { ms, text: line(ms, peer, `GET ${probes[i % probes.length]}${i >= 10 ? `?v=${i}` : ''} HTTP/1.1`, 404, 'Mozilla/5.0 zgrab/0.x', xff ? '185.220.101.45' : null) };
  });

  it.each([
    ['forwarded addresses logged, private peer', '10.0.0.5', true],
    ['no forwarded address, public peer', '203.0.113.10', false],
  ])('%s: says the traffic comes through %s, judges no finding on it as a client and proposes no rule on it', (_name, peer, xff) => {
    const path = write('proxy.log', [...people(peer, xff), ...scanner(peer, xff)]);
    const fs = findings(path);
    const proxyFinding = fs.find((f) => f.detector === 'proxy-traffic');
    expect(proxyFinding?.subject.value).toBe(peer);
    expect(proxyFinding?.title).toContain(`rerun with --trust-proxy ${peer}`);
    expect(proxyFinding?.title).toMatch(/scanner/);
    expect(fs.filter((f) => f.detector !== 'proxy-traffic' && f.subject.value === peer)).toEqual([]);
    for (const target of ['nginx', 'haproxy', 'aws-waf']) {
      const rules = lbua(['analyze', path, '--emit-rules', target]).stdout;
      expect(rules).not.toMatch(new RegExp(`(deny|src|")\\s*${peer.replace(/\./g, '\\.')}(/32)?[;"\\s]`));
      expect(rules).toContain(`no block or rate limit on ${peer}`);
    }
  });

  it('gives the same report sharded over worker threads (the proxies are read from each input summary)', async () => {
    const rows = [...people('10.0.0.5', true), ...scanner('10.0.0.5', true)].sort((a, b) => a.ms - b.ms);
    const dir = tempDir('lbua-i19-');
    const half = Math.floor(rows.length / 2);
    writeFileSync(join(dir, 'access.log.1'), `${rows.slice(0, half).map((r) => r.text).join('\n')}\n`);
    writeFileSync(join(dir, 'access.log'), `${rows.slice(half).map((r) => r.text).join('\n')}\n`);
    const inputs = expandInputs([join(dir, 'access.log.1'), join(dir, 'access.log')]).inputs;
    const options: AnalyzeOptions = {
      format: 'auto', strict: false, maxLineLength: 65_536, from: null, to: null, top: 10, maxWarnings: 20, minTaskBytes: 1,
      detectors: { only: null, disabled: [], overrides: {}, evidenceLimit: 5 },
    };
    const one = await analyze(inputs, { ...options, jobs: 1 });
    const two = await analyze(inputs, { ...options, jobs: 2 });
    expect(two.workers).toBe(2);
    expect(one.report.findings.some((f) => f.detector === 'proxy-traffic' && f.subject.value === '10.0.0.5')).toBe(true);
    expect(renderJson(two.report)).toBe(renderJson(one.report));
  });

  it('a client whose forwarded field names itself (Traefik\'s X-Real-Ip of a direct client) is no proxy: its scan is judged', () => {
    // The scan comes first (the run reads its proxies from the first peers of an input).
    const scan = Array.from({ length: 60 }, (_, i) => {
      const ms = T0 - 3_600_000 + i * 2_000;
      return { ms, text: line(ms, '10.0.0.5', `GET ${probes[i % probes.length]}?v=${i} HTTP/1.1`, 404, 'Mozilla/5.0 zgrab/0.x', '10.0.0.5') };
    });
    const path = write('direct.log', [...scan, ...people(null, false)]);
    const fs = findings(path);
    expect(fs.some((f) => f.detector === 'proxy-traffic')).toBe(false);
    expect(fs.some((f) => f.detector === 'scanner' && f.subject.value === '10.0.0.5')).toBe(true);
  });

  it('with --trust-proxy the forwarded scanner is judged, and blocked', () => {
    const path = write('proxy.log', [...people('10.0.0.5', true), ...scanner('10.0.0.5', true)]);
    const fs = findings(path, ['--trust-proxy', '10.0.0.5']);
    expect(fs.some((f) => f.detector === 'scanner' && f.subject.value === '185.220.101.45')).toBe(true);
    expect(fs.some((f) => f.detector === 'proxy-traffic')).toBe(false);
  });
});

describe("one client's errors are not an outage (issue 19 item 5)", () => {
  it('21 SEARCH / answered 501 and CONNECT host:25 answered 502 on a quiet site: no error-spike finding', () => {
    const quiet = people(null, false).filter((_r, i) => i % 6 === 0);
    const search = Array.from({ length: 21 }, (_, i) => ({ ms: T0 + 30 * 60_000 + i * 2_000, text: line(T0 + 30 * 60_000 + i * 2_000, '45.155.205.3', 'SEARCH / HTTP/1.1', 501, '-', null) }));
    const connect = Array.from({ length: 25 }, (_, i) => ({ ms: T0 + 70 * 60_000 + i * 2_000, text: line(T0 + 70 * 60_000 + i * 2_000, '45.155.205.4', 'CONNECT mx.example.net:25 HTTP/1.0', 502, '-', null) }));
    const fs = findings(write('quiet.log', [...quiet, ...search, ...connect]));
    expect(fs.filter((f) => f.detector === 'error-spike')).toEqual([]);
  });

  it("500s one client's requests drew are that client's finding, with its share, not a critical outage", () => {
    const quiet = people(null, false);
    const bad = Array.from({ length: 40 }, (_, i) => ({ ms: T0 + 50 * 60_000 + i * 3_000, text: line(T0 + 50 * 60_000 + i * 3_000, '45.155.205.3', `GET /search?q=a%27b%22c${i} HTTP/1.1`, 500, 'Mozilla/5.0 (compatible; w3af.org)', null) }));
    const fs = findings(write('one-client.log', [...quiet, ...bad])).filter((f) => f.detector === 'error-spike');
    expect(fs.map((f) => [f.severity, f.subject.type, f.subject.value])).toEqual([['medium', 'ip', '45.155.205.3']]);
    expect(fs[0]?.title).toMatch(/^45\.155\.205\.3: its requests drew 40 server errors, 100% of the site's errors .* not an outage$/);
  });

  it('errors spread over many clients stay an outage (critical, all traffic)', () => {
    const rows = people(null, false).map((r) => {
      const min = Math.floor((r.ms - T0) / 60_000);
      return min >= 60 && min < 70 ? { ms: r.ms, text: r.text.replace(/" 200 5120 /, '" 503 162 ') } : r;
    });
    const fs = findings(write('outage.log', rows)).filter((f) => f.detector === 'error-spike');
    expect(fs.some((f) => f.subject.type === 'global' && f.severity === 'critical')).toBe(true);
  });
});
