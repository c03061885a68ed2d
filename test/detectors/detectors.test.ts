/**
 * Every detector on its own: silent on ordinary traffic, on near misses just under its thresholds and on the
 * legitimate look-alikes; firing on the clear case with the right subject, severity, window, metrics and
 * evidence. Plus the registry contract and determinism.
 */
import { DETECTORS } from '../../src/detect/registry';
import { foldAttackSurges, foldLoopBursts, foldLoopsIntoScanners, foldScrapeIntoBursts, toReport } from '../../src/detect/stage';
import { inCidr } from '../../src/enrich/geo/ip';
import type { Finding } from '../../src/detect/types';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EnrichedRecord } from '../../src/enrich/types';
import { classifyAgent } from '../../src/enrich/user-agent';
import { at, background, detect, geo, MINUTE, overlaps, rec, steady, T0 } from './harness';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const BG = background({ minutes: 60, clients: 150, perClientPerMinute: 2, seed: 7 });

/** A client hammering one page. */
function hammer(ip: string, startMinute: number, minutes: number, perMinute: number, extra: Partial<EnrichedRecord> = {}): EnrichedRecord[] {
  return steady(startMinute, minutes, perMinute, (_i, t) => rec(t, { clientIp: ip, userAgent: CHROME, path: '/search', route: '/search', endpoint: 'GET /search', ...extra }));
}

describe('registry', () => {
  const ids = Object.keys(DETECTORS);

  it('registers every detector file, once, with kebab-case ids, a title, a description and documented options', () => {
    const files = readdirSync(join(__dirname, '..', '..', 'src', 'detect')).filter((f) => f.endsWith('.ts') && !['types.ts', 'registry.ts', 'stage.ts', 'shared.ts', 'action-summary.ts'].includes(f));
    expect(ids.sort()).toEqual(files.map((f) => f.replace(/\.ts$/, '')).sort());
    for (const id of ids) {
      const d = DETECTORS[id];
      expect(d?.id).toBe(id);
      expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(d?.title.length).toBeGreaterThan(3);
      expect(d?.description.length).toBeGreaterThan(20);
      for (const key of Object.keys(d?.defaultOptions ?? {})) expect(d?.optionDocs[key]?.length ?? 0).toBeGreaterThan(5);
    }
  });

  it.each(ids)('%s: no findings and no error on an empty stream', (id) => {
    expect(detect(id, [], { geo: true })).toEqual([]);
  });

  it.each(ids)('%s: silent on an hour of ordinary traffic', (id) => {
    expect(detect(id, BG, { geo: true })).toEqual([]);
  });
});

describe('burst', () => {
  it('fires on one address far above its peers, critical, window = the burst, exact peak', () => {
    const fs = detect('burst', [...BG, ...hammer('185.220.101.45', 40, 5, 600)]);
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ severity: 'critical', subject: { type: 'ip', value: '185.220.101.45' }, window: { start: '2026-03-10T09:40:00.000Z', end: '2026-03-10T09:45:00.000Z' } });
    expect(fs[0]?.metrics).toMatchObject({ peak_rpm: 600, requests: 3000, minutes: 5, addresses: 1 });
    expect(fs[0]?.evidence.length).toBe(5);
    expect(fs[0]?.actions.map((a) => a['type'])).toEqual(['rate-limit', 'block']);
  });

  it('is silent just under minRate, and fires there once minRate is lowered (--detector-opt)', () => {
    const records = [...BG, ...hammer('185.220.101.45', 40, 5, 110)];
    expect(detect('burst', records)).toEqual([]);
    expect(detect('burst', records, { overrides: { minRate: 100 } }).map((f) => f.subject.value)).toEqual(['185.220.101.45']);
  });

  it('reports a botnet spread over one /24 as the /24, not as its addresses', () => {
    const bots = Array.from({ length: 40 }, (_, i) => hammer(`45.155.205.${10 + i}`, 30, 6, 20)).flat();
    const fs = detect('burst', [...BG, ...bots]);
    expect(fs.map((f) => `${f.subject.type} ${f.subject.value}`)).toEqual(['cidr 45.155.205.0/24']);
    expect(fs[0]?.metrics['addresses']).toBe(40);
    expect(fs[0]?.severity).toMatch(/critical|high/);
  });

  /** `perMinute(m)` requests a minute from 600 addresses of one ISP (AS7018), spread over 40 /16s and many /24s. */
  const isp = (minutes: number, perMinute: (m: number) => number): EnrichedRecord[] => {
    const out: EnrichedRecord[] = [];
    for (let m = 0; m < minutes; m++) {
      const n = perMinute(m);
      for (let i = 0; i < n; i++) {
        const a = (m * 7919 + i) % 600;
        out.push(rec(m * MINUTE + Math.floor((i * MINUTE) / n), { clientIp: `${70 + (a % 40)}.${10 + Math.floor(a / 40)}.${a % 13}.${1 + (a % 200)}`, userAgent: CHROME, geo: geo('US', 7018) }));
      }
    }
    return out;
  };
  const BG_GEO = background({ minutes: 60, clients: 150, perClientPerMinute: 2, seed: 7, withGeo: true });

  it('does not call a big ISP a burst because its ASN is far above the other ASNs from the first minute', () => {
    const records = [...BG_GEO, ...isp(60, () => 600)];
    expect(detect('burst', records, { geo: true })).toEqual([]);
    // Without the warm-up the ASN fires from the first minute: what this guards against.
    expect(detect('burst', records, { geo: true, overrides: { warmupMinutes: 0 } }).map((f) => `${f.severity} ${f.subject.type} ${f.subject.value}`)).toEqual(['high asn 7018']);
  });

  it('fires on an ASN that rises far above its own learned rate', () => {
    const fs = detect('burst', [...BG_GEO, ...isp(45, (m) => (m >= 30 && m < 35 ? 1200 : 40))], { geo: true });
    expect(fs.map((f) => `${f.subject.type} ${f.subject.value}`)).toEqual(['asn 7018']);
    expect(fs[0]).toMatchObject({ window: { start: '2026-03-10T09:30:00.000Z', end: '2026-03-10T09:35:00.000Z' } });
    expect(fs[0]?.severity).toMatch(/critical|high/);
  });

  it('calls heavy traffic behind one NAT (many agents, static assets) low, with no block', () => {
    const agents = ['Chrome/120', 'Chrome/121', 'Firefox/125', 'Safari/17', 'Edge/120', 'Chrome/122', 'Opera/100'].map((v) => `Mozilla/5.0 (Windows NT 10.0) ${v}`);
    const office = steady(20, 10, 300, (i, t) => {
      const path = i % 3 === 0 ? '/static/app.js' : '/products/17';
      return rec(t, { clientIp: '62.1.2.3', userAgent: agents[i % agents.length] ?? null, path, route: path, endpoint: `GET ${path}`, isStatic: i % 3 === 0 });
    });
    const fs = detect('burst', [...BG, ...office]);
    expect(fs.map((f) => [f.subject.value, f.severity])).toEqual([['62.1.2.3', 'low']]);
    expect(fs[0]?.actions).toEqual([]);
  });
});

describe('api-abuse', () => {
  it('fires on a steady 1 req/s held for 50 minutes (under any 10 r/s limit)', () => {
    const fs = detect('api-abuse', [...BG, ...hammer('52.10.20.30', 5, 50, 60, { path: '/api/v1/products/7', route: '/api/v1/products/:id', endpoint: 'GET /api/v1/products/:id' })]);
    expect(fs.map((f) => f.subject.value)).toEqual(['52.10.20.30']);
    expect(overlaps(fs[0]!, 5, 55)).toBe(true);
  });

  it('is silent when the same rate lasts only 30 minutes', () => {
    expect(detect('api-abuse', [...BG, ...hammer('52.10.20.30', 5, 30, 60)])).toEqual([]);
  });

  it('fires on sequential identifier enumeration and not on 30 sequential ids', () => {
    const enumerate = (n: number): EnrichedRecord[] => steady(10, 10, Math.ceil(n / 10), (i, t) => rec(t, { clientIp: '52.1.1.1', path: `/api/v1/users/${1000 + i}`, route: '/api/v1/users/:id', endpoint: 'GET /api/v1/users/:id' })).slice(0, n);
    const hit = detect('api-abuse', [...BG, ...enumerate(200)]);
    expect(hit.map((f) => f.subject.value)).toEqual(['52.1.1.1']);
    expect(JSON.stringify(hit[0]?.metrics)).toMatch(/sequential|ids/);
    expect(detect('api-abuse', [...BG, ...enumerate(30)])).toEqual([]);
  });

  it('calls many distinct resources from one agent medium, and from many people behind one NAT low with no action', () => {
    const agents = ['Chrome/120', 'Chrome/121', 'Firefox/125', 'Safari/17', 'Edge/120', 'Chrome/122'].map((v) => `Mozilla/5.0 (Windows NT 10.0) ${v}`);
    // 400 distinct product ids in shuffled order (no sequential walk), from one address.
    const browse = (ip: string, people: boolean): EnrichedRecord[] =>
      steady(5, 40, 12, (i, t) => {
        const asset = people && i % 4 === 0;
        const path = asset ? '/static/app.js' : `/api/v1/products/${(i * 7919) % 400}`;
        return rec(t, { clientIp: ip, userAgent: people ? (agents[i % agents.length] ?? null) : CHROME, path, route: asset ? path : '/api/v1/products/:id', endpoint: `GET ${asset ? path : '/api/v1/products/:id'}`, isStatic: asset });
      });
    const scraper = detect('api-abuse', [...BG, ...browse('52.9.9.9', false)]);
    expect(scraper.map((f) => [f.subject.value, f.severity])).toEqual([['52.9.9.9', 'medium']]);
    expect(scraper[0]?.actions.length).toBe(1);
    const office = detect('api-abuse', [...BG, ...browse('62.1.2.3', true)]);
    expect(office.map((f) => [f.subject.value, f.severity])).toEqual([['62.1.2.3', 'low']]);
    expect(office[0]?.title).toMatch(/people behind one NAT/);
    expect(office[0]?.actions).toEqual([]);
  });
});

describe('credential-stuffing', () => {
  const login = (ip: string, t: number, status: number, ua = CHROME): EnrichedRecord =>
    rec(t, { clientIp: ip, userAgent: ua, method: 'POST', path: '/api/v1/login', route: '/api/v1/login', endpoint: 'POST /api/v1/login', status });
  const normalLogins = steady(0, 60, 4, (i, t) => login(`81.20.${i % 50}.${1 + (i % 200)}`, t, i % 10 === 0 ? 401 : 200));

  it('fires on failures spread over many clients and networks (distributed)', () => {
    const stuffing = steady(30, 10, 100, (i, t) => login(`${20 + (i % 200)}.${i % 97}.${i % 13}.${1 + (i % 250)}`, t, 401));
    const fs = detect('credential-stuffing', [...BG, ...normalLogins, ...stuffing]);
    const ep = fs.find((f) => f.subject.type === 'endpoint');
    expect(ep?.subject.value).toBe('POST /api/v1/login');
    expect(ep?.severity).toMatch(/high|critical/);
    expect(overlaps(ep!, 30, 40)).toBe(true);
    expect(ep?.metrics['failures']).toBeGreaterThanOrEqual(1000);
  });

  it('fires on one client brute-forcing, as that client', () => {
    const fs = detect('credential-stuffing', [...BG, ...normalLogins, ...steady(20, 5, 40, (_i, t) => login('193.1.2.3', t, 401))]);
    expect(fs.some((f) => f.subject.type === 'ip' && f.subject.value === '193.1.2.3')).toBe(true);
  });

  it('is silent on ordinary login failures (10%)', () => {
    expect(detect('credential-stuffing', [...BG, ...normalLogins])).toEqual([]);
  });
});

describe('scanner', () => {
  const probes = ['/.env', '/.git/config', '/wp-login.php', '/phpmyadmin/', '/backup.zip', '/actuator/env', '/server-status', '/config.php.bak'];
  it('fires on sensitive-file probes with many 404s: low and nothing to block, since every probe failed (issue 19)', () => {
    const scan = steady(15, 3, 40, (i, t) => {
      const path = `${probes[i % probes.length] ?? '/'}${i >= probes.length ? `?v=${i}` : ''}`;
      return rec(t, { clientIp: '193.32.162.77', userAgent: 'Mozilla/5.0 zgrab/0.x', path, route: path, endpoint: `GET ${path}`, status: 404 });
    });
    const fs = detect('scanner', [...BG, ...scan]);
    expect(fs.map((f) => [f.severity, f.subject.value])).toEqual([['low', '193.32.162.77']]);
    expect(fs[0]?.title).toContain('ZGrab scanner');
    expect(fs[0]?.actions).toEqual([]);
    expect(fs[0]?.evidence.length).toBeGreaterThan(0);
  });

  it('is silent on a client with a few ordinary 404s', () => {
    const few = steady(15, 5, 2, (i, t) => rec(t, { clientIp: '81.1.1.1', path: `/products/old-${i}`, route: '/products/:id', endpoint: 'GET /products/:id', status: 404 }));
    expect(detect('scanner', [...BG, ...few])).toEqual([]);
  });

  /** `n` requests for `path` answered `status` with `bytes`, from `ip`, from minute `start`. */
  const ask = (ip: string, path: string, status: number, bytes: number, start: number, n = 1): EnrichedRecord[] =>
    steady(start, 1, n, (_i, t) => rec(t, { clientIp: ip, path, route: path, endpoint: `GET ${path}`, status, backendStatus: status, bytesOut: bytes }));

  it('reports a secret file answered 200 with a body as a possible exposure (high), whoever asked', () => {
    const fs = detect('scanner', [...BG, ...ask('81.2.3.4', '/.env', 200, 412, 20), ...ask('81.2.3.5', '/.env', 200, 412, 30)]);
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ severity: 'high', subject: { type: 'endpoint', value: 'GET /.env' }, metrics: { requests: 2, clients: 2, status: 200, bytes_out: 412, catch_all: 0 } });
    expect(fs[0]?.title).toContain('may be exposed');
    expect(fs[0]?.actions).toEqual([expect.objectContaining({ type: 'investigate', subject: 'GET /.env' })]);
    expect(fs[0]?.window).toEqual({ start: at(20), end: new Date(T0 + 30 * MINUTE + 1).toISOString() });
    expect(fs[0]?.evidence).toHaveLength(2);
  });

  it('takes a secret answered with the home page\'s size, or with the size most probed paths get, for a catch-all page (low)', () => {
    const home = ask('81.9.9.9', '/', 200, 5123, 5, 3);
    const sameAsHome = detect('scanner', [...BG, ...home, ...ask('81.2.3.4', '/.git/config', 200, 5123, 20)]);
    expect(sameAsHome.map((f) => [f.severity, f.subject.value, f.metrics['catch_all']])).toEqual([['low', 'GET /.git/config', 1]]);
    expect(sameAsHome[0]?.title).toContain('catch-all page');
    // An app shell that answers every probed path with 2,900 bytes.
    const shell = ['/.env', '/wp-login.php', '/phpmyadmin/', '/actuator'].flatMap((p, i) => ask(`81.2.3.${10 + i}`, p, 200, 2900, 10 + i));
    expect(detect('scanner', [...BG, ...shell]).map((f) => [f.severity, f.subject.value])).toEqual([['low', 'GET /.env']]);
  });

  it('is silent on a 0-byte or 404 answer to a secret, and on admin pages the site has (WordPress answering wp-login.php)', () => {
    expect(detect('scanner', [...BG, ...ask('81.2.3.4', '/.env', 200, 0, 20), ...ask('81.2.3.5', '/.env', 404, 150, 21)])).toEqual([]);
    // CLF's '-' for bytes sent: nothing was sent.
    expect(detect('scanner', [...BG, rec(20 * MINUTE, { clientIp: '81.2.3.6', path: '/.git/config', route: '/.git/config', endpoint: 'GET /.git/config', status: 200, bytesOut: null })])).toEqual([]);
    const admin = ask('81.3.3.3', '/wp-admin/', 200, 30_000, 10, 40).concat(ask('81.3.3.3', '/wp-login.php', 200, 4000, 12, 5));
    expect(detect('scanner', [...BG, ...admin])).toEqual([]);
  });

  it('is silent on a visitor browsing real pages under a backup folder (answered 200)', () => {
    const pages = ['/scripts/backup/', '/scripts/backup/recover', '/misc/backup/', '/scripts/backup/'].flatMap((p, i) => ask('81.4.4.4', p, 200, 8000, 10 + i));
    expect(detect('scanner', [...BG, ...pages])).toEqual([]);
  });

  it('counts admin pages the site does not have (404) as probes: three make a low scanner', () => {
    const cms = ['/wp-login.php', '/administrator/', '/admin.php'].flatMap((p, i) => ask('195.250.34.144', p, 404, 290, 10 + i));
    const fs = detect('scanner', [...BG, ...cms]);
    expect(fs.map((f) => [f.severity, f.subject.type, f.subject.value, f.metrics['sensitive']])).toEqual([['low', 'ip', '195.250.34.144', 3]]);
  });

  it('reports probes spread over many addresses, each below the scanner rules, as one low background finding', () => {
    const paths = ['/wp-login.php', '/.env', '/wp-admin/', '/phpmyadmin/'];
    const probes = Array.from({ length: 8 }, (_v, i) => ask(`${100 + i}.7.7.7`, paths[i % paths.length] ?? '/', 404, 200, 5 + i * 6, 1 + (i % 3))).flat();
    const fs = detect('scanner', [...BG, ...probes]);
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ severity: 'low', subject: { type: 'global', value: 'probes' }, metrics: { addresses: 8, requests: 15 }, actions: [] });
    expect(fs[0]?.title).toMatch(/^8 addresses probed for sensitive files or admin pages/);
    expect(overlaps(fs[0] as NonNullable<typeof fs[0]>, 5, 48)).toBe(true);
    // Four such addresses are below minProbeClients (5): the one with three probes is reported alone, the rest not.
    const few = detect('scanner', [...BG, ...probes.filter((r) => ['100.7.7.7', '101.7.7.7', '102.7.7.7', '103.7.7.7'].includes(r.clientIp ?? ''))]);
    expect(few.map((f) => [f.severity, f.subject.value])).toEqual([['low', '102.7.7.7']]);
  });

  it('still reports a busy scanner on its own beside the background (low while every probe failed)', () => {
    const probes = Array.from({ length: 6 }, (_v, i) => ask(`${100 + i}.7.7.7`, '/wp-login.php', 404, 200, 5 + i)).flat();
    const busy = ['/.env', '/.git/config', '/backup.sql', '/.aws/credentials', '/actuator/env'].flatMap((p, i) => ask('193.32.162.77', p, 404, 150, 30 + i, 3));
    const fs = detect('scanner', [...BG, ...probes, ...busy]);
    expect(fs.map((f) => [f.severity, f.subject.value])).toEqual([['low', 'probes'], ['low', '193.32.162.77']]);
  });
});

describe('error-spike', () => {
  it('fires on a target that fails while others do not, with a capacity action', () => {
    // The target serves all hour and fails half its requests for ten minutes; another target stays healthy.
    const failing = steady(0, 60, 60, (i, t) => {
      const bad = t >= 30 * MINUTE && t < 40 * MINUTE && i % 2 === 1;
      return rec(t, { clientIp: `81.30.1.${1 + (i % 200)}`, backend: '10.0.2.63:8080', status: bad ? 503 : 200, backendStatus: bad ? 503 : 200 });
    });
    const healthy = steady(0, 60, 60, (i, t) => rec(t, { clientIp: `81.31.1.${1 + (i % 200)}`, backend: '10.0.2.64:8080' }));
    const fs = detect('error-spike', [...BG, ...failing, ...healthy]);
    expect(fs.filter((f) => f.subject.type === 'target').map((f) => f.subject.value)).toEqual(['10.0.2.63:8080']);
    const target = fs.find((f) => f.subject.type === 'target');
    expect(target?.severity).toBe('critical');
    expect(target?.metrics['errors']).toBe(300);
    expect(overlaps(target!, 30, 40)).toBe(true);
    expect(target?.actions.some((a) => a['type'] === 'capacity')).toBe(true);
  });

  it('fires on a quiet target (12 requests a minute) failing 60% for ten minutes, never 20 errors in one minute', () => {
    const quiet = (bad: (i: number, t: number) => boolean): EnrichedRecord[] =>
      steady(0, 60, 12, (i, t) => {
        const fail = bad(i, t);
        return rec(t, { clientIp: `81.33.1.${1 + (i % 200)}`, backend: '10.0.2.65:8080', status: fail ? 503 : 200, backendStatus: fail ? 503 : 200 });
      });
    const healthy = steady(0, 60, 12, (i, t) => rec(t, { clientIp: `81.34.1.${1 + (i % 200)}`, backend: '10.0.2.66:8080' }));
    const fs = detect('error-spike', [...BG, ...healthy, ...quiet((i, t) => t >= 30 * MINUTE && t < 40 * MINUTE && i % 5 < 3)]);
    const target = fs.find((f) => f.subject.type === 'target');
    expect(target?.subject.value).toBe('10.0.2.65:8080');
    expect(target?.metrics).toMatchObject({ errors: 72, peak_errors_per_minute: 8 });
    expect(overlaps(target!, 30, 40)).toBe(true);
    expect(Date.parse(target!.window.end) - Date.parse(target!.window.start)).toBe(10 * MINUTE);
    // One error a minute (8%) for ten minutes, or a 60% minute alone, is no spike on a quiet target.
    expect(detect('error-spike', [...BG, ...healthy, ...quiet((i, t) => t >= 30 * MINUTE && t < 40 * MINUTE && i % 12 === 0)])).toEqual([]);
    expect(detect('error-spike', [...BG, ...healthy, ...quiet((i, t) => t >= 30 * MINUTE && t < 31 * MINUTE && i % 5 < 3)])).toEqual([]);
  });

  /** Two endpoints on two targets for an hour; `bad(target, endpoint, t)` says which requests fail. */
  const twoByTwo = (bad: (target: string, endpoint: string, t: number) => boolean): EnrichedRecord[] =>
    steady(0, 60, 240, (i, t) => {
      const target = i % 2 === 0 ? '10.0.2.63:8080' : '10.0.2.64:8080';
      const path = (i >> 1) % 2 === 0 ? '/api/v1/cart' : '/api/v1/search';
      const endpoint = `GET ${path}`;
      const fail = bad(target, endpoint, t) && Math.floor(i / 4) % 2 === 0;
      return rec(t, { clientIp: `81.32.1.${1 + (i % 200)}`, backend: target, path, route: path, endpoint, status: fail ? 503 : 200, backendStatus: fail ? 503 : 200 });
    });
  const window = (t: number): boolean => t >= 30 * MINUTE && t < 40 * MINUTE;

  it('folds the endpoint and overall spikes caused by one failing target into the target\'s finding', () => {
    const fs = detect('error-spike', [...BG, ...twoByTwo((target, _e, t) => target === '10.0.2.63:8080' && window(t))]);
    expect(fs.map((f) => `${f.subject.type} ${f.subject.value}`)).toEqual(['target 10.0.2.63:8080']);
    expect(fs[0]?.metrics).toMatchObject({ endpoints_affected: 2, endpoints: 'GET /api/v1/cart, GET /api/v1/search' });
    expect(fs[0]?.title).toMatch(/shows on 2 endpoints and in all traffic/);
  });

  it('keeps an endpoint that fails on every target as its own finding', () => {
    const fs = detect('error-spike', [...BG, ...twoByTwo((_t, endpoint, t) => endpoint === 'GET /api/v1/search' && window(t))]);
    expect(fs.map((f) => `${f.subject.type} ${f.subject.value}`)).toContain('endpoint GET /api/v1/search');
  });

  it('is silent on scattered 5xx (1%)', () => {
    const scattered = steady(0, 60, 60, (i, t) => rec(t, { clientIp: `81.30.1.${1 + (i % 200)}`, backend: '10.0.2.64:8080', status: i % 100 === 0 ? 502 : 200 }));
    expect(detect('error-spike', [...BG, ...scattered])).toEqual([]);
  });
});

describe('lingering-endpoint', () => {
  const traffic = (slowFrom: number, slowMs: number): EnrichedRecord[] =>
    steady(0, 60, 30, (i, t) => rec(t, { clientIp: `81.40.1.${1 + (i % 200)}`, path: '/api/v1/recommendations', route: '/api/v1/recommendations', endpoint: 'GET /api/v1/recommendations', durationMs: t >= slowFrom * MINUTE ? slowMs + (i % 7) * 10 : 20 + (i % 7) * 3, backendMs: null }));

  it('fires when an endpoint gets slow against its own earlier level', () => {
    const fs = detect('lingering-endpoint', [...BG, ...traffic(35, 600)]);
    expect(fs.map((f) => f.subject.value)).toEqual(['GET /api/v1/recommendations']);
    expect(overlaps(fs[0]!, 35, 60)).toBe(true);
  });

  it('is silent on an endpoint that is slow all along', () => {
    expect(detect('lingering-endpoint', [...BG, ...traffic(0, 600)])).toEqual([]);
  });

  // 30 req/min on one endpoint from five countries; `slowIn` clients get 600 ms from minute 35 on.
  const regional = (slowIn: (country: string) => boolean, countries = ['US', 'DE', 'GB', 'FR', 'JP']): EnrichedRecord[] =>
    steady(0, 60, 30, (i, t) => {
      const country = countries[i % countries.length] ?? 'US';
      const slow = t >= 35 * MINUTE && slowIn(country);
      return rec(t, {
        clientIp: `81.41.${i % countries.length}.${1 + (i % 200)}`, path: '/api/v1/orders', route: '/api/v1/orders', endpoint: 'GET /api/v1/orders',
        durationMs: slow ? 600 + (i % 7) * 10 : 20 + (i % 7) * 3, backendMs: null, geo: geo(country, 1000 + (i % countries.length)),
      });
    });

  it('names the country when only its clients see the endpoint slower, and keeps it as context (low)', () => {
    const fs = detect('lingering-endpoint', regional((c) => c === 'JP'), { geo: true });
    expect(fs).toHaveLength(1);
    expect(fs[0]?.severity).toBe('low');
    expect(fs[0]?.title).toMatch(/GET \/api\/v1\/orders: p95 .* — only for clients in JP \(100% of the requests over 150 ms, 20% of all\)/);
    expect(fs[0]?.metrics).toMatchObject({ country: 'JP', country_share_of_slow: 1, country_share_of_requests: 0.2 });
    expect(fs[0]?.actions[0]).toMatchObject({ type: 'investigate', subject: 'JP' });
  });

  it('keeps the endpoint as the cause when every country sees it slower, or the slow country is most of its traffic', () => {
    const everywhere = detect('lingering-endpoint', regional(() => true), { geo: true });
    expect(everywhere.map((f) => [f.severity, f.metrics['country']])).toEqual([['high', undefined]]);
    // Three countries of five (60% of the requests) are slow: that is the endpoint, not a region.
    const most = detect('lingering-endpoint', regional((c) => ['US', 'DE', 'GB'].includes(c)), { geo: true });
    expect(most.map((f) => [f.severity, f.metrics['country']])).toEqual([['high', undefined]]);
    // One country with 40% of the requests, but the others slow too (20% over the threshold): not regional.
    const both = detect('lingering-endpoint', regional((c) => c === 'JP' || c === 'US', ['US', 'JP', 'JP', 'DE', 'FR']), { geo: true });
    expect(both.map((f) => f.metrics['country'])).toEqual([undefined]);
  });
});

describe('regional-creep', () => {
  const hours = 6;
  const records = (jpRise: number): EnrichedRecord[] => {
    const out: EnrichedRecord[] = [];
    const countries: [string, number][] = [['US', 7922], ['DE', 3320], ['GB', 5607], ['FR', 3215], ['JP', 17676]];
    for (const [ci, [country, asn]] of countries.entries()) {
      out.push(...steady(0, hours * 60, 4, (i, t) => {
        const progress = t / (hours * 60 * MINUTE);
        const base = 40 + (i % 10) * 6;
        const ms = country === 'JP' ? base * (1 + jpRise * progress) : base;
        return rec(t, { clientIp: `81.${50 + ci}.${i % 200}.${1 + (i % 250)}`, path: '/api/v1/cart', route: '/api/v1/cart', endpoint: 'GET /api/v1/cart', durationMs: ms, geo: geo(country, asn) });
      }));
    }
    return out;
  };

  it('fires on one country whose latency rises steadily over hours while the others stay flat', () => {
    const fs = detect('regional-creep', records(3), { geo: true });
    // JP's only network creeps with it: one finding, the country, naming the network.
    expect(fs.map((f) => `${f.subject.type} ${f.subject.value}`)).toEqual(['country JP']);
    expect(fs[0]?.severity).toBe('high');
    expect(fs[0]?.metrics['asns']).toBe('17676');
    expect(fs[0]?.title).toMatch(/its networks AS17676 crept with it/);
  });

  it('reports a network that creeps inside a country that does not, as the network', () => {
    // 4 of DE's 104 requests a minute come from AS8881, which slows down: too few to move DE's p95.
    const slowNet = steady(0, hours * 60, 4, (i, t) => {
      const base = 40 + (i % 10) * 6;
      return rec(t, { clientIp: `81.60.${i % 200}.${1 + (i % 250)}`, path: '/api/v1/cart', route: '/api/v1/cart', endpoint: 'GET /api/v1/cart', durationMs: base * (1 + 3 * (t / (hours * 60 * MINUTE))), geo: geo('DE', 8881) });
    });
    const extraDe = steady(0, hours * 60, 96, (i, t) => rec(t, { clientIp: `81.61.${i % 200}.${1 + (i % 250)}`, path: '/api/v1/cart', route: '/api/v1/cart', endpoint: 'GET /api/v1/cart', durationMs: 40 + (i % 10) * 6, geo: geo('DE', 3320) }));
    const fs = detect('regional-creep', [...records(0), ...slowNet, ...extraDe], { geo: true });
    expect(fs.map((f) => `${f.subject.type} ${f.subject.value}`)).toEqual(['asn 8881']);
  });

  it('judges a region against all other traffic: a network rising a little more than a slowdown everyone sees is not regional', () => {
    // Every country's latency doubles over six hours; AS8881 (in DE) rises 2.8x. Its rise beats the median country's
    // by more than minRise (the old test fired), but against all other traffic it is only +40%.
    const rising = (factor: number) => (i: number, t: number): number => (40 + (i % 10) * 6) * (1 + factor * (t / (hours * 60 * MINUTE)));
    const everyone: EnrichedRecord[] = [];
    for (const [ci, [country, asn]] of ([['US', 7922], ['DE', 3320], ['GB', 5607], ['FR', 3215], ['JP', 17676]] as [string, number][]).entries()) {
      everyone.push(...steady(0, hours * 60, 60, (i, t) => rec(t, { clientIp: `81.${70 + ci}.${i % 200}.${1 + (i % 250)}`, durationMs: rising(1)(i, t), geo: geo(country, asn) })));
    }
    // 3 requests a minute: 5% of DE's, too few to move DE's p95.
    const net = steady(0, hours * 60, 3, (i, t) => rec(t, { clientIp: `81.80.${i % 200}.${1 + (i % 250)}`, durationMs: rising(1.8)(i, t), geo: geo('DE', 8881) }));
    expect(detect('regional-creep', [...everyone, ...net], { geo: true })).toEqual([]);
    // The same network rising 4x while the others double is regional.
    const fast = steady(0, hours * 60, 3, (i, t) => rec(t, { clientIp: `81.80.${i % 200}.${1 + (i % 250)}`, durationMs: rising(4)(i, t), geo: geo('DE', 8881) }));
    expect(detect('regional-creep', [...everyone, ...fast], { geo: true }).map((f) => `${f.subject.type} ${f.subject.value}`)).toEqual(['asn 8881']);
  });

  it('does not call a hosting network creeping when its traffic is a monitor and a growing handful of scripts', () => {
    // AS16509: a monitor twice a minute (5 ms) all along, plus 3 scripts, each slower than the last (50 to 170 ms),
    // that join one by one: the network's p95 climbs step by step with its mix, not with its latency, and it never
    // has 5 clients. US has 300 ordinary requests a minute besides (the network is under 2% of them).
    const usExtra = steady(0, hours * 60, 300, (i, t) => rec(t, { clientIp: `81.62.${i % 200}.${1 + (i % 250)}`, durationMs: 40 + (i % 10) * 6, geo: geo('US', 7922) }));
    const hosting = steady(0, hours * 60, 2, (i, t) => rec(t, { clientIp: '52.5.190.19', durationMs: 5 + (i % 3), geo: geo('US', 16509) }));
    const scripts: EnrichedRecord[] = [];
    for (let k = 0; k < 3; k++) {
      const from = Math.round(((k + 1) * hours * 60) / 4);
      scripts.push(...steady(from, hours * 60 - from, 1, (i, t) => rec(t, { clientIp: `3.80.${k}.${10 + k}`, durationMs: 50 + 60 * k + (i % 5) * 5, geo: geo('US', 16509) })));
    }
    expect(detect('regional-creep', [...records(0), ...usExtra, ...hosting, ...scripts], { geo: true })).toEqual([]);
  });

  it('is silent on a rise under minRise, and without geo data', () => {
    expect(detect('regional-creep', records(0.3), { geo: true })).toEqual([]);
    expect(detect('regional-creep', records(3), { geo: false })).toEqual([]);
  });
});

describe('looping-session', () => {
  it('fires on a session repeating a two-step cycle', () => {
    const loop = steady(10, 2, 150, (i, t) => {
      const path = i % 2 ? '/login' : '/account';
      return rec(t, { clientIp: '86.133.61.99', path, route: path, endpoint: `GET ${path}`, status: 302 });
    });
    const fs = detect('looping-session', [...BG, ...loop]);
    expect(fs).toHaveLength(1);
    expect(fs[0]?.subject.type).toBe('session');
    expect(fs[0]?.metrics).toMatchObject({ cycle_length: 2, client_ip: '86.133.61.99' });
    expect(Number(fs[0]?.metrics['repeats'])).toBeGreaterThanOrEqual(140);
  });

  it('is silent on a short back-and-forth (under minRepeats)', () => {
    const few = steady(10, 1, 12, (i, t) => {
      const path = i % 2 ? '/login' : '/account';
      return rec(t, { clientIp: '86.133.61.99', path, route: path, endpoint: `GET ${path}`, status: 302 });
    });
    expect(detect('looping-session', [...BG, ...few])).toEqual([]);
  });

  it('is silent on repeated requests with no HTTP request line (TLS bytes to a plain-HTTP port), which are no flow', () => {
    // As the enricher makes them: no method, no path, route and endpoint '-' (corpus apache2 logs, 1.2.3.4).
    const tls = steady(10, 1, 40, (_i, t) => rec(t, { clientIp: '1.2.3.4', method: null, path: null, route: '-', endpoint: '-', status: 400, userAgent: null }));
    expect(detect('looping-session', [...BG, ...tls])).toEqual([]);
    // The same client looping on a real endpoint with errors still fires.
    const real = steady(10, 1, 40, (_i, t) => rec(t, { clientIp: '1.2.3.4', path: '/api/x', route: '/api/x', endpoint: 'GET /api/x', status: 500, userAgent: null }));
    expect(detect('looping-session', [...BG, ...real])).toHaveLength(1);
  });
});

describe('client-mix', () => {
  // Six hours of short visits (10 new visitors a minute, 3 requests each); optionally a scripted client that
  // starts arriving in the last two hours.
  const visits = (toolPerMinute: number): EnrichedRecord[] => {
    const out: EnrichedRecord[] = [];
    for (let m = 0; m < 360; m++) {
      for (let v = 0; v < 10; v++) {
        const ip = `81.${60 + (m % 50)}.${v}.${1 + (m % 250)}`;
        const ua = [CHROME, 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15'][v % 2] ?? CHROME;
        for (let k = 0; k < 3; k++) out.push(rec(m * MINUTE + v * 1000 + k * 5000, { clientIp: ip, userAgent: ua, agent: classifyAgent(ua) }));
      }
      if (m >= 240) {
        for (let v = 0; v < toolPerMinute; v++) {
          const tool = 'python-requests/2.31.0';
          out.push(rec(m * MINUTE + v * 2000, { clientIp: `34.${m % 50}.${v}.${1 + (m % 250)}`, userAgent: tool, agent: classifyAgent(tool), path: '/api/v1/products/17', route: '/api/v1/products/:id', endpoint: 'GET /api/v1/products/:id' }));
        }
      }
    }
    return out;
  };

  it('flags a scripted client that was absent becoming common (medium, with an investigate action)', () => {
    const fs = detect('client-mix', visits(6));
    const family = fs.find((f) => f.metrics['dimension'] === 'family');
    expect(family?.severity).toBe('medium');
    expect(family?.title).toMatch(/python-requests|tool/i);
    expect(Number(family?.metrics['share_after'])).toBeGreaterThan(0.3);
    expect(family?.actions.map((a) => a['type'])).toEqual(['investigate']);
    // Its sessions are also device "tool": the same shift, not a second finding.
    expect(fs.map((f) => f.metrics['dimension'])).toEqual(['family']);
  });

  it('is silent when the mix stays the same', () => {
    expect(detect('client-mix', visits(0))).toEqual([]);
  });

  it('judges a small site (about 250 sessions in each third) and ignores one-off agents there', () => {
    // One visitor every 30 s for six hours; in the last two hours a scripted client every minute, and a handful of
    // one-off agents throughout.
    const small = (tool: boolean): EnrichedRecord[] => {
      const out: EnrichedRecord[] = [];
      for (let i = 0; i < 720; i++) {
        const ua = i % 97 === 0 ? `OddBrowser/${i}` : i % 2 ? CHROME : 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';
        for (let k = 0; k < 3; k++) out.push(rec(i * 30_000 + k * 5000, { clientIp: `81.70.${i % 250}.${1 + (i % 200)}`, userAgent: ua, agent: classifyAgent(ua) }));
        if (tool && i >= 480 && i % 2 === 0) out.push(rec(i * 30_000 + 1000, { clientIp: `34.70.${i % 250}.9`, userAgent: 'Go-http-client/1.1', agent: classifyAgent('Go-http-client/1.1') }));
      }
      return out;
    };
    expect(detect('client-mix', small(false))).toEqual([]);
    expect(detect('client-mix', small(true)).map((f) => [f.severity, f.subject.value])).toEqual([['medium', 'Go-http-client']]);
  });
});

describe('surge', () => {
  it('calls a surge spread over many ordinary clients and countries likely legitimate (info)', () => {
    const campaign = background({ minutes: 10, clients: 600, perClientPerMinute: 2, seed: 9, withGeo: true }).map((r) => ({ ...r, startMs: r.startMs + 40 * MINUTE, clientIp: `9${r.clientIp?.slice(1) ?? ''}` }));
    const fs = detect('surge', [...background({ minutes: 60, clients: 150, perClientPerMinute: 2, seed: 7, withGeo: true }), ...campaign], { geo: true });
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ severity: 'info', subject: { type: 'global', value: 'all' } });
    expect(fs[0]?.title).toMatch(/likely legitimate/);
  });

  it('does not call a surge from a handful of clients legitimate', () => {
    const few = Array.from({ length: 3 }, (_, i) => hammer(`185.1.1.${i + 1}`, 40, 10, 400)).flat();
    const fs = detect('surge', [...background({ minutes: 60, clients: 150, perClientPerMinute: 2, seed: 7, withGeo: true }), ...few], { geo: true });
    expect(fs).toHaveLength(1);
    expect(fs[0]?.severity).not.toBe('info');
    expect(fs[0]?.title).not.toMatch(/likely legitimate/);
    expect(overlaps(fs[0]!, 40, 50)).toBe(true);
  });

  // 100 minutes of ~300 req/min; from minute 60, 20 minutes of extra visitors from many networks at `extra(m)` times
  // the background.
  const campaign = (extra: (m: number) => number): EnrichedRecord[] => {
    const out = background({ minutes: 100, clients: 150, perClientPerMinute: 2, seed: 7 });
    for (let m = 60; m < 80; m++) out.push(...steady(m, 1, Math.round(300 * extra(m)), (i, t) => rec(t, { clientIp: `${20 + (i % 60)}.${(i * 7) % 250}.${(m * 3 + i) % 250}.${1 + (i % 250)}`, userAgent: CHROME, path: '/', route: '/', endpoint: 'GET /' })));
    return out;
  };

  it('finds a sustained surge that never holds its factor three minutes in a row (a campaign near 2.8x for 20 minutes)', () => {
    // Every third minute at 3.3x, the others at 2.5x.
    const fs = detect('surge', campaign((m) => (m % 3 === 0 ? 2.3 : 1.5)));
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ severity: 'info', subject: { type: 'global', value: 'all' } });
    expect(fs[0]?.title).toMatch(/likely legitimate/);
    expect(overlaps(fs[0]!, 60, 80)).toBe(true);
    expect(Date.parse(fs[0]!.window.end) - Date.parse(fs[0]!.window.start)).toBeGreaterThanOrEqual(15 * MINUTE);
  });

  it('judges who made the rise: a steady heavy client there all along does not make a campaign look concentrated', () => {
    // One address at 100 req/min for the whole 100 minutes: 12% of the campaign's requests, none of its rise.
    const steadyClient = steady(0, 100, 100, (_i, t) => rec(t, { clientIp: '162.55.4.200', userAgent: CHROME, path: '/search', route: '/search', endpoint: 'GET /search' }));
    const fs = detect('surge', [...campaign((m) => (m % 3 === 0 ? 2.3 : 1.5)), ...steadyClient]);
    expect(fs.map((f) => f.severity)).toEqual(['info']);
    expect(Number(fs[0]?.metrics['top_network_rise_share'])).toBeLessThan(0.1);
  });

  it('is silent on traffic at 1.6 times its level for 20 minutes', () => {
    expect(detect('surge', campaign(() => 0.6))).toEqual([]);
  });

  it('finds traffic at 2.4 times its level for 20 minutes (a campaign at night)', () => {
    const fs = detect('surge', campaign(() => 1.4));
    expect(fs.map((f) => [f.severity, f.subject.value])).toEqual([['info', 'all']]);
    expect(overlaps(fs[0]!, 60, 80)).toBe(true);
  });

  it('reports an outage of a busy site as one high drop, bridging a minute that is briefly busier', () => {
    // ~300 req/min for 100 minutes, nothing from minute 60 to 70 but a trickle at minute 64.
    const site = background({ minutes: 100, clients: 150, perClientPerMinute: 2, seed: 7 }).filter((r) => {
      const m = Math.floor((r.startMs - T0) / MINUTE);
      return m < 60 || m >= 70 || (m === 64 && r.startMs % 3 === 0);
    });
    const fs = detect('surge', site);
    expect(fs.map((f) => [f.severity, f.metrics['kind']])).toEqual([['high', 'drop']]);
    expect(overlaps(fs[0]!, 60, 70)).toBe(true);
    expect(Date.parse(fs[0]!.window.end) - Date.parse(fs[0]!.window.start)).toBe(10 * MINUTE);
  });

  it('keeps a lull of a small site (under 100 req/min) at medium', () => {
    const small = background({ minutes: 100, clients: 15, perClientPerMinute: 2, seed: 7 }).filter((r) => {
      const m = Math.floor((r.startMs - T0) / MINUTE);
      return m < 60 || m >= 66;
    });
    expect(detect('surge', small).map((f) => [f.severity, f.metrics['kind']])).toEqual([['medium', 'drop']]);
  });

  it('is silent on a rise under its factor', () => {
    const extra = background({ minutes: 10, clients: 150, perClientPerMinute: 2, seed: 9 }).map((r) => ({ ...r, startMs: r.startMs + 40 * MINUTE, clientIp: `9${r.clientIp?.slice(1) ?? ''}` }));
    expect(detect('surge', [...BG, ...extra])).toEqual([]);
  });
});

describe('determinism', () => {
  it.each(['burst', 'scanner', 'credential-stuffing'])('%s: the same input gives identical findings, ids included', (id) => {
    const input = [...BG, ...hammer('185.220.101.45', 40, 5, 600)];
    expect(JSON.stringify(detect(id, input))).toBe(JSON.stringify(detect(id, [...input].reverse())));
  });
});

describe('findings across detectors', () => {
  const finding = (detector: string, type: 'ip' | 'cidr' | 'global' | 'country' | 'endpoint' | 'session', value: string, startMin: number, endMin: number, metrics: Record<string, number | string | null>): Finding => ({
    detector, severity: 'medium', confidence: 0.9, title: `${detector} ${value}`, subject: { type, value }, startMs: T0 + startMin * MINUTE, endMs: T0 + endMin * MINUTE, metrics, explanation: '', evidence: [], actions: [],
  });
  const surge = (top: string, share: number, start = 40): Finding => finding('surge', 'global', 'all', start, start + 8, { kind: 'surge', peak_rpm: 1200, ratio: 3.7, top_network: top, top_network_share: share });

  it('cross-references an endpoint slow only for one country with that country\'s finding, and no other', () => {
    const creep = finding('regional-creep', 'country', 'JP', 0, 480, { rise: 2.3 });
    const jpOnly = finding('lingering-endpoint', 'endpoint', 'GET /api/v1/orders', 400, 420, { country: 'JP' });
    const slow = finding('lingering-endpoint', 'endpoint', 'GET /api/v1/recommendations', 400, 440, {});
    const [orders, recs, jp] = toReport([creep, jpOnly, slow]).sort((a, b) => (a.subject.value < b.subject.value ? -1 : 1));
    expect([orders?.subject.value, recs?.subject.value, jp?.subject.value]).toEqual(['GET /api/v1/orders', 'GET /api/v1/recommendations', 'JP']);
    expect(orders?.related).toEqual([jp?.id]);
    expect(jp?.related).toEqual([orders?.id]);
    expect(recs?.related).toEqual([]);
  });

  it('cross-references client-mix shifts of one window (a family and the device type that comes with it), not the scanner\'s background with everything', () => {
    const family = finding('client-mix', 'endpoint', 'x', 0, 480, {});
    const fam = { ...family, subject: { type: 'user_agent' as const, value: 'Chrome' } };
    const device = { ...family, subject: { type: 'user_agent' as const, value: 'desktop' } };
    const tls = { ...family, subject: { type: 'tls' as const, value: 'TLSv1.3' } };
    const probes = finding('scanner', 'global', 'probes', 0, 480, {});
    const burst = finding('burst', 'ip', '185.220.101.45', 41, 49, {});
    const out = toReport([fam, device, tls, probes, burst]);
    const by = (v: string) => out.find((f) => f.subject.value === v);
    expect([...(by('Chrome')?.related ?? [])].sort()).toEqual([by('desktop')?.id, by('TLSv1.3')?.id].sort());
    expect(by('probes')?.related).toEqual([]);
    expect(by('185.220.101.45')?.related).toEqual([]);
  });

  it('folds a site surge that is mostly one bursting network (or an address in it) into that burst', () => {
    const ipBurst = finding('burst', 'ip', '185.220.101.45', 41, 49, { peak_rpm: 700 });
    const netBurst = finding('burst', 'cidr', '45.155.205.0/24', 41, 49, { peak_rpm: 1200 });
    for (const [burst, top] of [[ipBurst, '185.220.101.0/24'], [netBurst, '45.155.205.0/24']] as const) {
      const out = foldAttackSurges([burst, surge(top, 0.63)]);
      expect(out.map((f) => f.detector)).toEqual(['burst']);
      expect(out[0]?.metrics).toMatchObject({ site_peak_rpm: 1200, site_ratio: 3.7 });
    }
  });

  it('keeps a surge spread over many networks, one whose top network is not bursting, and one at another time', () => {
    const ipBurst = finding('burst', 'ip', '185.220.101.45', 41, 49, { peak_rpm: 700 });
    expect(foldAttackSurges([ipBurst, surge('185.220.101.0/24', 0.07)])).toHaveLength(2);
    expect(foldAttackSurges([ipBurst, surge('45.155.205.0/24', 0.7)])).toHaveLength(2);
    expect(foldAttackSurges([ipBurst, surge('185.220.101.0/24', 0.7, 120)])).toHaveLength(2);
    expect(foldAttackSurges([ipBurst, surge('185.22.0.0/16', 0.7)])).toHaveLength(2);
  });

  it('folds the burst of a client stuck in a loop into the looping finding (no block for a redirect loop)', () => {
    const loop = finding('looping-session', 'global', 'session', 126, 127, { requests: 300, client_ip: '86.133.61.99' });
    const burst = finding('burst', 'ip', '86.133.61.99', 126, 127, { peak_rpm: 300, ratio: 37.5, requests: 300 });
    const out = foldLoopBursts([burst, loop]);
    expect(out.map((f) => f.detector)).toEqual(['looping-session']);
    expect(out[0]?.metrics).toMatchObject({ burst_peak_rpm: 300, burst_ratio: 37.5 });
    // A "loop" of a method no ordinary client repeats (6,000 PROPFIND /admin$) is a flood: its burst stays.
    const propfind = { ...loop, metrics: { ...loop.metrics, cycle: 'PROPFIND /admin%24' } };
    expect(foldLoopBursts([burst, propfind]).map((f) => f.detector)).toEqual(['burst', 'looping-session']);
    expect(foldLoopBursts([burst, { ...loop, metrics: { ...loop.metrics, cycle: 'GET /account → GET /login' } }]).map((f) => f.detector)).toEqual(['looping-session']);
    // A burst of another address, or one the loop explains only a little of, stays.
    expect(foldLoopBursts([finding('burst', 'ip', '86.133.61.98', 126, 127, { requests: 300 }), loop])).toHaveLength(2);
    expect(foldLoopBursts([finding('burst', 'ip', '86.133.61.99', 120, 130, { requests: 3000 }), loop])).toHaveLength(2);
  });

  it('folds a scanner\'s payloads sent to one page again and again into the scanner, not a looping session', () => {
    const scanner = finding('scanner', 'ip', '192.168.4.163', 20, 60, { requests: 3914, attacks: 386 });
    const loop = finding('looping-session', 'session', 'a1b2c3', 30, 31, { repeats: 120, cycle: 'GET /search', client_ip: '192.168.4.163' });
    const out = foldLoopsIntoScanners([scanner, loop]);
    expect(out.map((f) => f.detector)).toEqual(['scanner']);
    expect(out[0]?.metrics).toMatchObject({ loop_repeats: 120, loop_cycle: 'GET /search' });
    // Another address's loop, a loop outside the scan, or a scanner that sent no injection probe: the loop stays.
    expect(foldLoopsIntoScanners([scanner, { ...loop, metrics: { ...loop.metrics, client_ip: '192.168.4.164' } }])).toHaveLength(2);
    expect(foldLoopsIntoScanners([scanner, finding('looping-session', 'session', 'x', 70, 71, { client_ip: '192.168.4.163' })])).toHaveLength(2);
    expect(foldLoopsIntoScanners([{ ...scanner, metrics: { ...scanner.metrics, attacks: 0 } }, loop])).toHaveLength(2);
  });

  it('folds the many-resources finding of a bursting address into its burst, and keeps enumeration', () => {
    const burst = finding('burst', 'ip', '185.220.101.45', 41, 49, { peak_rpm: 700, requests: 5600 });
    const many = finding('api-abuse', 'ip', '185.220.101.45', 41, 48, { kind: 'many-resources', distinct_ids: 2000, route: '/api/v1/products/:id' });
    const out = foldScrapeIntoBursts([burst, many]);
    expect(out.map((f) => f.detector)).toEqual(['burst']);
    expect(out[0]?.title).toMatch(/fetching 2,000 distinct \/api\/v1\/products\/:id$/);
    expect(out[0]?.metrics).toMatchObject({ distinct_ids: 2000, route: '/api/v1/products/:id' });
    expect(foldScrapeIntoBursts([burst, { ...many, metrics: { ...many.metrics, kind: 'enumeration' } }])).toHaveLength(2);
    expect(foldScrapeIntoBursts([burst, { ...many, startMs: T0 + 200 * MINUTE, endMs: T0 + 210 * MINUTE }])).toHaveLength(2);
  });
});

describe('block rules', () => {
  it('knows which addresses a network covers (IPv4 and IPv6, prefix boundaries)', () => {
    expect(inCidr('45.155.205.17', '45.155.205.0/24')).toBe(true);
    expect(inCidr('45.155.206.17', '45.155.205.0/24')).toBe(false);
    expect(inCidr('45.155.206.17', '45.155.0.0/16')).toBe(true);
    expect(inCidr('185.220.101.45', '185.22.0.0/16')).toBe(false);
    expect(inCidr('2001:db8:1:2::7', '2001:db8:1::/48')).toBe(true);
    expect(inCidr('2001:db8:2::7', '2001:db8:1::/48')).toBe(false);
    expect(inCidr('45.155.205.17', '2001:db8::/32')).toBe(false);
    expect(inCidr('not an ip', '45.155.205.0/24')).toBe(false);
  });
});
