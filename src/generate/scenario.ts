/**
 * Seeded, deterministic simulator of realistic ALB traffic: a diurnal arrival curve, sessions of people across
 * countries (pages, static assets on first view, XHR calls, think time), crawlers, a mobile app, an uptime monitor
 * and an office NAT. Requests come out in start-time order from a discrete-event queue, so memory is bounded
 * by the number of concurrently active sessions. Incidents (later work) are extra actors scheduled on the same queue.
 */
import type { EpochMs } from '../core/types';
import { API, APP_UA, ASSETS, BROWSERS, CRAWLERS, HEALTH, IPV6_SHARE, MONITOR, OFFICE_NAT, PAGES, POOLS, POOLS6, TARGETS, pool6Address, poolAddress, type Endpoint } from './catalog';
import { MinHeap } from './heap';
import { Rng } from './random';
import type { GenRequest } from './types';

/** Options of a generated scenario. */
export interface ScenarioOptions {
  readonly seed: number;
  readonly startMs: EpochMs;
  /** Length of the simulated period. */
  readonly hours: number;
  /** Approximate number of requests over the period (the arrival rate is calibrated to it). */
  readonly requests: number;
  /** Extra actors (incidents) to schedule. */
  readonly actors?: readonly Actor[];
}

/** Something that produces requests on the simulation queue. */
export interface Actor {
  /** Called once at the start: schedule the first event(s). */
  start(sim: Sim): void;
}

/** A scheduled event: returns a request to emit (or null) and may schedule more. */
export type SimEvent = (sim: Sim) => GenRequest | null;

/** The simulation: clock, queue, random stream and a request factory. */
export class Sim {
  readonly heap = new MinHeap<SimEvent>();
  /** Changes applied to every request before it is written (incidents that degrade a target, an endpoint, a region). */
  readonly mutators: ((req: GenRequest) => void)[] = [];
  constructor(readonly rng: Rng, readonly startMs: EpochMs, readonly endMs: EpochMs) {}

  /** Schedules an event at time t (ignored past the end). */
  at(t: EpochMs, ev: SimEvent): void {
    if (t < this.endMs) this.heap.push(t, ev);
  }

  /**
   * Builds a request to `ep` at time t from a client, with realistic latency, size and status, drawn from `rng` (the
   * simulation's stream by default; an incident that passes its own leaves the rest of the traffic as it was).
   */
  request(t: EpochMs, client: { ip: string; ua: string; port?: number }, ep: Endpoint, overrides: Partial<GenRequest> = {}, rng: Rng = this.rng): GenRequest {
    const r = rng;
    const targetMs = Math.max(0.5, r.logNormal(ep.medianMs, 0.45));
    const status = ep.kind === 'static' && r.chance(0.25) ? 304 : r.chance(0.003) ? 404 : r.chance(0.0008) ? 500 : 200;
    const bytesOut = status === 304 ? 210 : Math.round(r.logNormal(ep.medianBytes, 0.3));
    const https = true;
    return {
      startMs: t,
      clientIp: client.ip,
      clientPort: client.port ?? r.int(1024, 65535),
      method: ep.method,
      scheme: https ? 'https' : 'http',
      host: 'shop.example.com',
      path: ep.path(r),
      query: ep.query ? ep.query(r) : null,
      protocol: r.chance(0.6) ? 'HTTP/2.0' : 'HTTP/1.1',
      status,
      targetStatus: status,
      target: r.pick(TARGETS),
      requestMs: r.chance(0.9) ? 0 : 1,
      targetMs: Math.round(targetMs),
      responseMs: 0,
      bytesIn: ep.method === 'POST' ? r.int(400, 1400) : r.int(180, 900),
      bytesOut,
      userAgent: client.ua,
      tlsProtocol: r.chance(0.93) ? 'TLSv1.3' : 'TLSv1.2',
      tlsCipher: 'TLS_AES_128_GCM_SHA256',
      traceHex: hex24(r),
      errorReason: null,
      ...overrides,
    };
  }
}

function hex24(r: Rng): string {
  let s = '';
  for (let i = 0; i < 3; i++) s += Math.floor(r.next() * 0xffffffff).toString(16).padStart(8, '0');
  return s;
}

/** Diurnal load factor (0.25 at night .. 1 at the afternoon peak), by UTC hour. */
export function diurnal(t: EpochMs): number {
  const h = (t / 3_600_000) % 24;
  return 0.625 + 0.375 * Math.sin((2 * Math.PI * (h - 9)) / 24);
}

/** Mean requests per human session (calibrated from the model below). */
const REQUESTS_PER_SESSION = 11;

/** Mean human sessions started per second (before the diurnal factor) for a scenario of `requests` over `hours`. */
export function humanSessionsPerSecond(requests: number, hours: number): number {
  // Humans make ~85% of requests; the fixed actors make the rest.
  return (requests * 0.85) / (hours * 3600 * 0.625 * REQUESTS_PER_SESSION);
}

/** Generates the scenario's requests in start-time order. */
export function* generateRequests(opts: ScenarioOptions): Generator<GenRequest> {
  const rng = new Rng(opts.seed);
  const endMs = opts.startMs + opts.hours * 3_600_000;
  const sim = new Sim(rng, opts.startMs, endMs);
  const sessionsPerSec = humanSessionsPerSecond(opts.requests, opts.hours);
  // Arrivals: one event per simulated second spawns a Poisson number of sessions.
  let second = opts.startMs;
  const spawnSecond = (s: Sim, t: EpochMs): void => {
    const lambda = sessionsPerSec * diurnal(t);
    let n = poisson(s.rng, lambda);
    while (n-- > 0) startHumanSession(s, t + s.rng.next() * 1000, null);
  };
  startFixedActors(sim, opts.requests);
  for (const a of opts.actors ?? []) a.start(sim);
  while (second < endMs || sim.heap.size > 0) {
    while (second < endMs && sim.heap.peekKey() >= second) {
      spawnSecond(sim, second);
      second += 1000;
    }
    const t = sim.heap.peekKey();
    const ev = sim.heap.pop();
    if (!ev) {
      if (second >= endMs) break;
      continue;
    }
    const req = ev(sim);
    if (req) {
      req.startMs = t;
      for (const m of sim.mutators) m(req);
      yield req;
    }
  }
}

function poisson(rng: Rng, lambda: number): number {
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rng.next();
  } while (p > l);
  return k - 1;
}

/** A person's visit: pages with think time, assets on the first view, some XHR calls. */
export function startHumanSession(sim: Sim, t0: EpochMs, ip: string | null, ua?: string): void {
  const r = sim.rng;
  const [country, prefixes] = r.weighted(POOLS.map((p) => [p, p[2]] as const));
  const v6 = POOLS6[country];
  const address = (): string => (v6 !== undefined && r.chance(IPV6_SHARE) ? pool6Address(r, v6) : poolAddress(r, r.pick(prefixes)));
  const client = { ip: ip ?? address(), ua: ua ?? r.weighted(BROWSERS), port: r.int(20000, 65000) };
  let pages = 1 + Math.floor(r.exp(3.2));
  let t = t0;
  let first = true;
  const schedulePage = (): void => {
    const ep = first ? (r.chance(0.5) ? PAGES[0]?.[0] : r.weighted(PAGES)) : r.weighted(PAGES);
    if (!ep) return;
    const pageT = t;
    sim.at(pageT, (s) => s.request(pageT, client, ep));
    const assets = first ? ASSETS.length : r.chance(0.5) ? 1 : 0;
    for (let i = 0; i < assets; i++) {
      const a = first ? ASSETS[i] : ASSETS[ASSETS.length - 1];
      const at = pageT + 40 + r.exp(250);
      if (a) sim.at(at, (s) => s.request(at, client, a));
    }
    const xhr = r.chance(0.6) ? 1 + Math.floor(r.exp(0.8)) : 0;
    for (let i = 0; i < xhr; i++) {
      const at = pageT + 300 + r.exp(900);
      const ep2 = r.weighted(API);
      sim.at(at, (s) => s.request(at, client, ep2));
    }
    first = false;
    pages--;
    if (pages > 0) {
      t = pageT + Math.min(1_500_000, r.logNormal(14_000, 0.9));
      sim.at(t, () => {
        schedulePage();
        return null;
      });
    }
  };
  sim.at(t, () => {
    schedulePage();
    return null;
  });
}

/** Crawlers, the mobile app, the uptime monitor and the office NAT. */
function startFixedActors(sim: Sim, totalRequests: number): void {
  const r = sim.rng;
  const span = sim.endMs - sim.startMs;
  const perSec = totalRequests / (span / 1000);
  // Crawlers: ~4% of traffic, steady, pages only, robots.txt first.
  for (const c of CRAWLERS) {
    const ip = `${c.prefix}.${r.int(2, 250)}`;
    const meanGap = 1000 / Math.max(0.01, perSec * 0.02);
    const robots: Endpoint = { method: 'GET', path: () => '/robots.txt', kind: 'static', medianMs: 1, medianBytes: 300 };
    sim.at(sim.startMs + r.exp(meanGap), (s) => s.request(s.startMs, { ip, ua: c.ua }, robots));
    const crawl = (t: EpochMs): void => {
      sim.at(t, (s) => {
        crawl(t + s.rng.exp(meanGap));
        return s.request(t, { ip, ua: c.ua }, s.rng.weighted(PAGES));
      });
    };
    crawl(sim.startMs + r.exp(meanGap));
  }
  // Mobile app: ~8% of traffic, API only, from mobile carriers.
  const appGap = 1000 / Math.max(0.01, perSec * 0.08 / 6);
  const appSession = (t: EpochMs): void => {
    sim.at(t, (s) => {
      appSession(t + s.rng.exp(appGap) / diurnal(t));
      const client = { ip: `${s.rng.pick(['174.205.10', '172.56.21', '100.35.77', '2.27.140'])}.${s.rng.int(2, 254)}`, ua: APP_UA };
      let at = t;
      for (let i = 0; i < 5; i++) {
        at += 200 + s.rng.exp(4000);
        const ep = s.rng.weighted(API);
        const when = at;
        s.at(when, (s2) => s2.request(when, client, ep));
      }
      return s.request(t, client, API[0]?.[0] ?? HEALTH);
    });
  };
  appSession(sim.startMs + r.exp(appGap));
  // Uptime monitor: every 30 s.
  for (let t = sim.startMs + 7_000; t < sim.endMs; t += 30_000) {
    const at = t;
    sim.at(at, (s) => s.request(at, { ip: MONITOR.ip, ua: MONITOR.ua }, HEALTH, { protocol: 'HTTP/1.1' }));
  }
  // Office NAT: people behind one address, 08:00–18:00 UTC, about 2% of traffic.
  const officeGap = 1000 / Math.max(0.01, perSec * 0.02 / REQUESTS_PER_SESSION);
  const office = (t: EpochMs): void => {
    sim.at(t, (s) => {
      const h = (t / 3_600_000) % 24;
      if (h >= 8 && h < 18) startHumanSession(s, t, OFFICE_NAT);
      office(t + s.rng.exp(officeGap));
      return null;
    });
  };
  office(sim.startMs + r.exp(officeGap));
}
