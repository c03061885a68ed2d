/**
 * Re-keying at the end of a run (core/rekey.ts): every route- or endpoint-keyed state, counted under the routes as
 * they were and then re-keyed, equals the state counted under the final routes from the start (the collapse known
 * first), for random streams. api-abuse's sequential steps are the one lower bound (a step between two routes that
 * became one is not seen).
 */
import fc from 'fast-check';
import { rekeyEntries } from '../../src/core/rekey';
import { BehaviourProfile } from '../../src/profile/behaviour';
import { EndpointLatency } from '../../src/aggregate/endpoint-latency';
import { SubjectMinutes } from '../../src/aggregate/subject-minutes';
import { AuthAttempts } from '../../src/aggregate/auth-attempts';
import { ClientActivity, clientRoutes, routeIds } from '../../src/aggregate/client-activity';
import { evidenceOrder } from '../../src/aggregate/types';
import { createStitcher } from '../../src/sessions/stitcher';
import { SessionSummary } from '../../src/sessions/summary';
import type { EnrichedRecord } from '../../src/enrich/types';
import { rec } from '../helpers/records';
import { getDetector } from '../../src/detect/registry';
import { DEFAULT_LIMITS } from '../../src/core/limits';
import { CapLog } from '../../src/core/capped';

const ORDER = evidenceOrder(['test.log']);
const SLUGS = ['alpha', 'beta', 'gamma', 'delta'];
/** The final form: /shop/<slug>… and /login/<slug> collapsed. */
const finalRoute = (route: string): string => route.replace(/^\/(shop|login)\/[a-z]+/, '/$1/:var');
const finalKey = (key: string): string => {
  if (key.startsWith('/')) return finalRoute(key);
  const space = key.indexOf(' ');
  return space < 0 ? key : `${key.slice(0, space)} ${finalRoute(key.slice(space + 1))}`;
};

/** A random stream of shop pages, product fetches, logins and the cart, from a few clients, in time order. */
const stream = fc.array(fc.tuple(fc.nat(5), fc.nat(3), fc.nat(40), fc.nat(9), fc.integer({ min: 1, max: 4000 })), { minLength: 1, maxLength: 150 }).map((xs) => {
  let t = 0;
  return xs.map(([kind, s, id, client, ms], i): EnrichedRecord => {
    t += 1000 + ms * 7;
    const slug = SLUGS[s] ?? 'alpha';
    const clientIp = `198.51.100.${client + 1}`;
    const base = { clientIp, line: i + 1, durationMs: ms, backendMs: ms, status: ms > 3500 ? 503 : ms > 3000 ? 401 : 200 };
    if (kind <= 1) return rec(t, { ...base, path: `/shop/${slug}`, route: `/shop/${slug}` });
    if (kind === 2) return rec(t, { ...base, path: `/shop/${slug}/${id}`, route: `/shop/${slug}/:id` });
    if (kind === 3) return rec(t, { ...base, method: 'POST', path: `/login/${slug}`, route: `/login/${slug}` });
    return rec(t, { ...base, path: '/cart', route: '/cart' });
  });
});

/** The stream as counted with the final routes from the start. */
const finalOf = (rs: readonly EnrichedRecord[]): EnrichedRecord[] =>
  rs.map((r) => ({ ...r, route: finalRoute(r.route), endpoint: finalKey(r.endpoint) }));

/** `count` over the stream then rekeyed equals `count` over the final stream, as `view` sees them. */
function expectRekeyed<S>(count: (rs: readonly EnrichedRecord[]) => S, rekey: (s: S) => void, view: (s: S) => unknown, numRuns = 60): void {
  fc.assert(fc.property(stream, (rs) => {
    const s = count(rs);
    rekey(s);
    expect(view(s)).toEqual(view(count(finalOf(rs))));
  }), { numRuns });
}

/** `v` with every list of [key, count] pairs sorted by key (counts whose order carries no meaning). */
function countsSorted(v: unknown): unknown {
  if (!Array.isArray(v)) return v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, countsSorted(x)])) : v;
  const pairs = v.length > 0 && v.every((x) => Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && typeof x[1] === 'number');
  return pairs ? [...(v as [string, number][])].sort((a, b) => (a[0] < b[0] ? -1 : 1)) : v.map(countsSorted);
}

const byKey = <T extends readonly unknown[]>(xs: readonly T[]): T[] => [...xs].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));

describe('rekey: state re-keyed at the end equals state counted under the final routes', () => {
  it('rekeyEntries moves changed keys, merges those that meet, and leaves the rest', () => {
    const m = new Map([['a1', 1], ['b', 2], ['a2', 3], ['a', 4]]);
    expect(rekeyEntries(m, (k) => k.replace(/\d$/, ''), (into, from) => void m.set('a', into + from))).toBe(2);
    expect(Object.fromEntries(m)).toEqual({ b: 2, a: 8 });
    expect(rekeyEntries(m, (k) => k, () => undefined)).toBe(0);
  });

  it('behaviour profile: endpoint rows', () => {
    expectRekeyed((rs) => {
      const p = new BehaviourProfile();
      for (const r of rs) p.observe(r);
      return p;
    }, (p) => p.rekey(finalKey), (p) => p.toJSON());
  });

  it('endpoint latency (lingering-endpoint) and its latency buckets', () => {
    expectRekeyed((rs) => {
      const s = EndpointLatency.create({ bucketMs: 300_000, maxEndpoints: 100, evidenceLimit: 3, geo: false });
      for (const r of rs) s.add(r);
      return s;
    }, (s) => s.rekey(finalKey, ORDER), (s) => s.toJSON());
  });

  it('subject minutes (error-spike): endpoints', () => {
    expectRekeyed((rs) => {
      const s = new SubjectMinutes(100, 3);
      for (const r of rs) s.add(r);
      return s;
    }, (s) => s.rekey(finalKey, ORDER), (s) => {
      const j = s.toJSON();
      // A cell's counts per client and per target are read sorted (error-spike ranks them by count, then key):
      // their insertion order, which a merge of two endpoints' cells changes, is not part of the state.
      return countsSorted({ ...j, subjects: { ...j.subjects, endpoint: byKey(j.subjects.endpoint) } });
    });
  });

  it('auth attempts (credential-stuffing): endpoint series and the clients\' first endpoints', () => {
    expectRekeyed((rs) => {
      const s = new AuthAttempts({ endpoints: 100, clients: 1000, clientMinutes: 10_000, evidenceLimit: 3 });
      for (const r of rs) s.add(r);
      return s;
    }, (s) => s.rekey(finalKey, ORDER), (s) => s.toJSON());
  });

  it('client activity (api-abuse): per-client routes, sequential steps a lower bound', () => {
    const count = (rs: readonly EnrichedRecord[]): ClientActivity => {
      const s = new ClientActivity({ clients: 1000, routesPerClient: 100, evidenceLimit: 3 });
      for (const r of rs) s.add(r);
      return s;
    };
    fc.assert(fc.property(stream, (rs) => {
      const s = count(rs);
      s.rekey(finalRoute, ORDER);
      const direct = count(finalOf(rs));
      for (const [ip, c] of direct.clients) {
        const got = s.clients.get(ip);
        const mine = new Map(got === undefined ? [] : clientRoutes(got));
        expect([...mine.keys()].sort()).toEqual([...clientRoutes(c)].map(([route]) => route).sort());
        for (const [route, ri] of clientRoutes(c)) {
          const m = mine.get(route);
          expect(m && { ...m, sequential: 0, ids: [...routeIds(m)].sort() }).toEqual({ ...ri, sequential: 0, ids: [...routeIds(ri)].sort() });
          expect(m?.sequential ?? 0).toBeLessThanOrEqual(ri.sequential);
        }
      }
    }), { numRuns: 60 });
  });

  it('session summary: top entry, exit and transitions', () => {
    const section = (rs: readonly EnrichedRecord[], rekey: boolean): unknown => {
      const st = createStitcher({ timeoutMs: 30 * 60_000, key: 'ip' });
      const summary = new SessionSummary();
      for (const r of rs) for (const s of st.push(r)) summary.observe(s);
      for (const s of st.flush()) summary.observe(s);
      if (rekey) summary.rekey(finalKey);
      return summary.result(100, { timeoutMs: 30 * 60_000, key: 'ip', late: 0, forced: 0, peakOpen: 0 });
    };
    fc.assert(fc.property(stream, (rs) => {
      expect(section(rs, true)).toEqual(section(finalOf(rs), false));
    }), { numRuns: 60 });
  });
});

describe('rekey: looping-session', () => {
  it('names a finding\'s cycle by the final endpoints; a cycle whose endpoints became one is that endpoint repeated', () => {
    const def = getDetector('looping-session');
    if (def === undefined) throw new Error('no looping-session');
    const d = def.create(def.defaultOptions, { evidenceLimit: 3, geo: false, limits: DEFAULT_LIMITS, caps: new CapLog() });
    const st = createStitcher({ timeoutMs: 30 * 60_000, key: 'ip' });
    const rs = Array.from({ length: 40 }, (_, i) => rec(i * 200, { path: `/shop/${i % 2 ? 'beta' : 'alpha'}`, route: `/shop/${i % 2 ? 'beta' : 'alpha'}`, status: 302, line: i + 1 }));
    for (const r of rs) for (const s of st.push(r)) d.observeSession?.(s);
    for (const s of st.flush()) d.observeSession?.(s);
    d.rekey?.(finalKey, ORDER);
    const [f] = d.finish();
    expect(f?.metrics).toMatchObject({ cycle: 'GET /shop/:var', cycle_length: 1, repeats: 40 });
    expect(f?.title).toMatch(/^session of 203\.0\.113\.7: GET \/shop\/:var repeated ~40 times/);
  });
});
