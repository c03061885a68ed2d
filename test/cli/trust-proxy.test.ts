/**
 * --trust-proxy (issue 18): an nginx log behind an ELB and a Traefik log behind Cloudflare. The socket peer is the
 * proxy; the forwarded address names the client. Without the option lbua says the traffic arrives through proxies
 * (INPUT_BEHIND_PROXY) and judges the proxies; with it, the real clients, the peer kept as peer_ip.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const dir = tempDir('lbua-trust-');
const T0 = Date.UTC(2026, 2, 10, 9, 0, 0);
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');
const clf = (ms: number): string => {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
};
/** Deterministic 0..1 (a small LCG). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** One hour of shop traffic from 60 clients through 3 ELB nodes, and 900 failed logins in 3 minutes from one client. */
function nginxBehindElb(): string {
  const rnd = lcg(1);
  const rows: [number, string][] = [];
  for (let i = 0; i < 3000; i++) {
    const ms = T0 + i * 1200;
    const node = `10.0.${1 + (i % 3)}.${10 + (i % 3)}`;
    rows.push([ms, `${node} - - [${clf(ms)}] "GET /products/${Math.floor(rnd() * 50)} HTTP/1.1" 200 ${500 + Math.floor(rnd() * 900)} "-" "Mozilla/5.0 (X11; Linux x86_64)" "198.51.100.${1 + Math.floor(rnd() * 60)}"`]);
  }
  for (let i = 0; i < 900; i++) {
    const ms = T0 + 30 * 60_000 + i * 200;
    const node = `10.0.${1 + (i % 3)}.${10 + (i % 3)}`;
    // The client's own chain: a forged first hop, then the address the ELB saw.
    rows.push([ms, `${node} - - [${clf(ms)}] "POST /login HTTP/1.1" 401 40 "-" "python-requests/2.31" "1.2.3.4, 203.0.113.66"`]);
  }
  rows.sort((a, b) => a[0] - b[0]);
  return `${rows.map(([, l]) => l).join('\n')}\n`;
}

/** Traefik's JSON access log behind Cloudflare: ClientHost is a Cloudflare edge, Cf-Connecting-Ip the visitor. */
function traefikBehindCloudflare(): string {
  const rnd = lcg(2);
  const rows: [number, string][] = [];
  const line = (ms: number, edge: string, visitor: string, method: string, path: string, status: number, agent: string): [number, string] => [ms, JSON.stringify({
    ClientAddr: `${edge}:4${Math.floor(rnd() * 9000) + 1000}`, ClientHost: edge, DownstreamContentSize: 512, DownstreamStatus: status, Duration: 2_500_000,
    OriginDuration: 2_000_000, OriginStatus: status, RequestHost: 'shop.example.com', RequestMethod: method, RequestPath: path, RequestProtocol: 'HTTP/2.0',
    RequestScheme: 'https', RouterName: 'shop@docker', ServiceAddr: '172.17.0.3:80', StartUTC: new Date(ms).toISOString(), 'request_User-Agent': agent,
    'request_Cf-Connecting-Ip': visitor, time: new Date(ms).toISOString().slice(0, 19) + 'Z',
  })];
  for (let i = 0; i < 3000; i++) rows.push(line(T0 + i * 1200, `172.70.${Math.floor(rnd() * 4)}.${10 + Math.floor(rnd() * 3)}`, `198.51.100.${1 + Math.floor(rnd() * 60)}`, 'GET', `/products/${Math.floor(rnd() * 50)}`, 200, 'Mozilla/5.0'));
  for (let i = 0; i < 900; i++) rows.push(line(T0 + 30 * 60_000 + i * 200, `172.70.${i % 4}.10`, '203.0.113.66', 'POST', '/login', 401, 'python-requests/2.31'));
  rows.sort((a, b) => a[0] - b[0]);
  return `${rows.map(([, l]) => l).join('\n')}\n`;
}

type Rep = {
  inputs: { format: string }[];
  top: { clients: { key: string }[] };
  warnings: { code: string; message: string; hint?: string }[];
  findings: { detector: string; severity: string; subject: { value: string } }[];
  options: { trust_proxy: string | null };
};

describe.each([
  ['nginx behind an ELB', 'nginx-elb.log', nginxBehindElb, '10.0.0.0/8', 'clf'],
  ['Traefik behind Cloudflare', 'traefik-cf.log', traefikBehindCloudflare, '172.64.0.0/13', 'traefik-json'],
])('%s', (_what, name, make, ranges, format) => {
  const file = join(dir, name);
  writeFileSync(file, make());

  test('without --trust-proxy: one warning says the traffic arrives through proxies, and names the option', async () => {
    const rep = json(await lbuaIn(['analyze', file, '--output', 'json'])) as Rep;
    expect(rep.inputs[0]?.format).toBe(format);
    const w = rep.warnings.filter((x) => x.code === 'INPUT_BEHIND_PROXY');
    expect(w).toHaveLength(1);
    expect(w[0]?.message).toMatch(/of the requests come from .* and carry a forwarded client address/);
    expect(w[0]?.hint).toMatch(/^lbua analyze --trust-proxy /);
    // The proxies are judged as the clients.
    expect(rep.top.clients[0]?.key).not.toBe('203.0.113.66');
  });

  test('with --trust-proxy: the real clients; the attacker is the finding, not the proxies', async () => {
    const rep = json(await lbuaIn(['analyze', file, '--trust-proxy', ranges, '--output', 'json'])) as Rep;
    expect(rep.options.trust_proxy).toBe(ranges);
    expect(rep.warnings.map((x) => x.code)).not.toContain('INPUT_BEHIND_PROXY');
    expect(rep.top.clients[0]?.key).toBe('203.0.113.66');
    const stuffing = rep.findings.filter((f) => f.detector === 'credential-stuffing');
    expect(stuffing.map((f) => f.subject.value)).toEqual(['203.0.113.66']);
    const proxyFindings = rep.findings.filter((f) => /^(10\.0\.|172\.70\.)/.test(f.subject.value));
    expect(proxyFindings).toEqual([]);
  });

  test('records keep the peer as peer_ip and the chain as forwarded_for', async () => {
    const out = (await lbuaIn(['records', file, '--trust-proxy', ranges])).stdout.trim().split('\n');
    const last = JSON.parse(out[out.length - 1] ?? '{}') as { client_ip: string; peer_ip: string; forwarded_for: string };
    expect(last.peer_ip).toMatch(/^(10\.0\.|172\.70\.)/);
    expect(last.client_ip).toMatch(/^(198\.51\.100\.|203\.0\.113\.66)/);
    expect(last.forwarded_for).toContain(last.client_ip);
  });
});

test('a bad range is one line, exit 2', async () => {
  const r = await lbuaIn(['analyze', join(dir, 'nginx-elb.log'), '--trust-proxy', '10.0.0.0/40']);
  expect(r.code).toBe(2);
  expect(r.stderr.split('\n')[0]).toBe('lbua: --trust-proxy: "10.0.0.0/40" is not an address or a CIDR range');
});
