/**
 * Sessions, client classes and profiles end to end on generated traffic, spawning bin/lbua.js (whole runs over the
 * 20,000-line log take longer in a jest worker than in their own process); the option checks and the profile merge
 * run main() in this process (test/helpers/in-process.ts).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

interface SessionJson { id: string; client_ip: string; user_agent: string | null; class: string; reasons: string[]; requests: number; start: string }

const tmp = tempDir('lbua-sessions-');
const log = join(tmp, 'scenario.log');
const gen = lbua(['generate', '-n', '20000', '--hours', '3', '--seed', '11', '--start', '2026-03-10T08:00:00Z', '-o', log]);
const lines = readFileSync(log, 'utf8').trim().split('\n');

/** An ALB line for a planted client. */
function planted(ms: number, ip: string, ua: string, path: string): string {
  const t = new Date(ms).toISOString().replace('Z', '000Z');
  return `https ${t} app/shop-prod/50dc6c495c0c9188 ${ip}:40000 10.0.1.17:8080 0.000 0.020 0.000 200 200 300 4000 "GET https://shop.example.com:443${path} HTTP/1.1" "${ua}" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/73e2d6bc24d8a067 "Root=1-65ed7590-0123456789abcdef01234567" "shop.example.com" "-" 1 ${t} "forward" "-" "-" "10.0.1.17:8080" "200" "-" "-" TID_00ff "-" "-" "-"`;
}

describe('lbua sessions', () => {
  it('generated the scenario', () => expect(gen.code).toBe(0));

  // ALB writes one file per node per 5 minutes: split the log that way (3 nodes), then feed the files in two orders.
  const dir = join(tmp, 'nodes');
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, string[]>();
  lines.forEach((l, i) => {
    const end = l.split(' ')[1] ?? '';
    const slot = `${end.slice(0, 15)}${String(Math.floor(Number(end.slice(14, 16)) / 5) * 5).padStart(2, '0')}`;
    const name = `node${i % 3}_${slot.replace(/[-:T]/g, '')}.log.gz`;
    files.set(name, [...(files.get(name) ?? []), l]);
  });
  for (const [name, ls] of files) writeFileSync(join(dir, name), gzipSync(`${ls.join('\n')}\n`));
  const names = [...files.keys()].map((n) => join(dir, n));

  it('gives identical sessions whatever order the node files are given in', () => {
    const a = lbua(['sessions', ...names]);
    const b = lbua(['sessions', ...[...names].reverse()]);
    const c = lbua(['sessions', log]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const ids = (out: string): string[] => out.trim().split('\n').map((l) => (JSON.parse(l) as SessionJson).id).sort();
    expect(ids(a.stdout)).toEqual(ids(c.stdout));
    expect(ids(a.stdout).length).toBeGreaterThan(300);
  });

  it('writes snake_case NDJSON and honours --min-requests', () => {
    const r = lbua(['sessions', log, '--min-requests', '30']);
    const ss = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ss.length).toBeGreaterThan(0);
    for (const s of ss) expect(s['requests']).toBeGreaterThanOrEqual(30);
    expect(Object.keys(ss[0] ?? {})).toEqual(expect.arrayContaining([
      'id', 'key', 'client_ip', 'user_agent', 'start', 'end', 'duration_ms', 'requests', 'pages', 'static_assets',
      'distinct_endpoints', 'errors_4xx', 'errors_5xx', 'bytes_out', 'entry', 'exit', 'sequence', 'sequence_cut',
      'median_gap_ms', 'max_gap_ms', 'class', 'reasons',
    ]));
  });

  it('tells crawlers, tools, scripted clients and people apart, with reasons', () => {
    const start = Date.UTC(2026, 2, 10, 9, 0, 0);
    const extra: string[] = [];
    // A scraper with a browser agent: pages only, every 2 seconds exactly.
    for (let i = 0; i < 40; i++) extra.push(planted(start + i * 2000, '203.0.113.50', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', `/products/${1000 + i}`));
    // A script announcing itself.
    for (let i = 0; i < 10; i++) extra.push(planted(start + i * 7000, '203.0.113.51', 'python-requests/2.31.0', '/api/v1/cart'));
    const f = join(tmp, 'with-scripts.log');
    writeFileSync(f, `${[...lines, ...extra].join('\n')}\n`);
    const ss = lbua(['sessions', f]).stdout.trim().split('\n').map((l) => JSON.parse(l) as SessionJson);
    const byIp = (ip: string): SessionJson[] => ss.filter((s) => s.client_ip === ip);
    const scraper = byIp('203.0.113.50')[0];
    expect(scraper?.class).toBe('suspect');
    expect(scraper?.reasons.join(' ')).toMatch(/without a single static asset/);
    expect(scraper?.reasons.join(' ')).toMatch(/machine-regular intervals/);
    expect(byIp('203.0.113.51')[0]?.class).toBe('tool');
    const google = ss.filter((s) => s.user_agent?.includes('Googlebot'));
    expect(google.length).toBeGreaterThan(0);
    for (const g of google) {
      expect(g.class).toBe('bot');
      expect(g.reasons[0]).toMatch(/^claims Googlebot/);
    }
    expect(ss.filter((s) => s.user_agent === 'curl/8.5.0').every((s) => s.class === 'tool')).toBe(true);
    // The office NAT (many people behind one address) and the mobile app are people.
    const office = byIp('81.2.69.142');
    expect(office.length).toBeGreaterThan(1);
    expect(office.filter((s) => s.class !== 'human')).toEqual([]);
    const app = ss.filter((s) => s.user_agent?.startsWith('ShopApp/'));
    expect(app.length).toBeGreaterThan(0);
    expect(app.every((s) => s.class === 'human')).toBe(true);
    // Ordinary browser sessions are overwhelmingly human.
    const browsers = ss.filter((s) => s.user_agent?.startsWith('Mozilla/5.0 (') && !s.user_agent.includes('bot'));
    expect(browsers.filter((s) => s.class === 'human').length / browsers.length).toBeGreaterThan(0.98);
  });
});

describe('lbua analyze sessions and profiles', () => {
  // One analysis for both views: the table on stdout, the JSON report in a file.
  const reportFile = join(tmp, 'report.json');
  const table = lbua(['analyze', log, '-o', '-', '-o', reportFile]);

  it('adds sessions and profiles sections to the JSON report', () => {
    expect(table.code).toBe(0);
    const rep = JSON.parse(readFileSync(reportFile, 'utf8')) as Record<string, Record<string, unknown>>;
    const s = rep['sessions'] ?? {};
    expect(s['count']).toBeGreaterThan(300);
    expect(s['bounce_rate']).toBeGreaterThan(0);
    expect((s['top_entry'] as { endpoint: string }[])[0]?.endpoint).toBe('GET /');
    expect((s['top_transitions'] as unknown[]).length).toBeGreaterThan(5);
    const p = rep['profiles'] ?? {};
    const top = p['endpoints_top'] as { endpoint: string; requests: number; p95_ms: number }[];
    expect(top.map((e) => e.endpoint)).toContain('GET /api/v1/products/:id');
    expect((p['client_classes'] as { key: string }[]).map((c) => c.key)).toEqual(expect.arrayContaining(['human', 'bot', 'tool']));
    const slow = p['endpoints_slowest'] as { endpoint: string; p95_ms: number }[];
    expect(slow[0]?.p95_ms).toBeGreaterThanOrEqual(slow[1]?.p95_ms ?? 0);
  });

  it('shows the endpoint table and class mix in the terminal view', () => {
    const r = table;
    expect(r.stdout).toContain('Endpoints (by requests)');
    expect(r.stdout).toContain('Slowest endpoints (by p95)');
    expect(r.stdout).toContain('Client classes');
    expect(r.stdout).toMatch(/Sessions \([\d,]+, timeout 30 min/);
  });

  it('validates the session options', async () => {
    expect((await lbuaIn(['analyze', log, '--session-timeout', '0'])).code).toBe(2);
    expect((await lbuaIn(['analyze', log, '--session-key', 'cookie'])).code).toBe(2);
    expect((await lbuaIn(['analyze', log, '--route', 'users/:id'])).code).toBe(2);
  });
});

describe('lbua profile', () => {
  it('writes a mergeable profile: profile(A) + profile(B) = profile(A ∪ B)', async () => {
    const half = Math.floor(lines.length / 2);
    const a = join(tmp, 'a.log');
    const b = join(tmp, 'b.log');
    writeFileSync(a, `${lines.slice(0, half).join('\n')}\n`);
    writeFileSync(b, `${lines.slice(half).join('\n')}\n`);
    expect(lbua(['profile', a, '-o', join(tmp, 'pa.json')]).code).toBe(0);
    expect(lbua(['profile', b, '-o', join(tmp, 'pb.json')]).code).toBe(0);
    const merged = JSON.parse((await lbuaIn(['profile', '--merge', join(tmp, 'pa.json'), join(tmp, 'pb.json')])).stdout) as {
      schema: string; requests: number; endpoints: Record<string, { requests: number; latency_ms: { count: number } }>;
    };
    const whole = JSON.parse(lbua(['profile', log]).stdout) as typeof merged;
    expect(merged.schema).toBe('lbua.profile/2');
    expect(merged.requests).toBe(whole.requests);
    for (const [ep, e] of Object.entries(whole.endpoints)) {
      expect(merged.endpoints[ep]?.requests).toBe(e.requests);
      expect(merged.endpoints[ep]?.latency_ms.count).toBe(e.latency_ms.count);
    }
  });

  it('rejects a file that is not a profile with exit 2', async () => {
    const r = await lbuaIn(['profile', '--merge', log]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a readable JSON file|not an lbua profile/);
  });
});
