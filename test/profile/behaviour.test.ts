/** Behaviour profiles: per-endpoint figures, merge = union, JSON round trip, endpoint bound, deterministic output. */
import { BehaviourProfile, mergeProfiles, PROFILE_BUCKET_MS } from '../../src/profile/behaviour';
import { createStitcher } from '../../src/sessions/stitcher';
import type { EnrichedRecord } from '../../src/enrich/types';
import { Rng } from '../../src/generate/random';
import { rec } from '../helpers/records';

const MIN = 60_000;
const ENDPOINTS = ['/api/v1/products/:id', '/api/v1/cart', '/search', '/static/app.js'];

/** Seeded mix of endpoints, statuses, latencies, agents and protocols over two hours. */
function traffic(n: number, seed: number): EnrichedRecord[] {
  const rng = new Rng(seed);
  const agents = ['curl/8.5.0', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', undefined];
  const out: EnrichedRecord[] = [];
  for (let i = 0; i < n; i++) {
    const path = ENDPOINTS[Math.floor(rng.next() * ENDPOINTS.length)] ?? '/';
    const ua = agents[Math.floor(rng.next() * agents.length)];
    const status = rng.next() < 0.05 ? 503 : rng.next() < 0.1 ? 404 : 200;
    const durationMs = Math.round(5 + rng.next() * 400);
    out.push(rec(Math.floor(rng.next() * 120 * MIN), {
      path, route: path, status, durationMs, backendMs: durationMs - 1, clientIp: `198.51.100.${Math.floor(rng.next() * 50)}`,
      protocol: rng.next() < 0.3 ? 'HTTP/2.0' : 'HTTP/1.1', tlsProtocol: rng.next() < 0.2 ? 'TLSv1.2' : 'TLSv1.3',
      ...(ua === undefined ? {} : { userAgent: ua }),
    }));
  }
  return out;
}

function profileOf(rs: readonly EnrichedRecord[]): BehaviourProfile {
  const p = new BehaviourProfile();
  const st = createStitcher({ timeoutMs: 30 * MIN, key: 'ip+ua' });
  const sorted = [...rs].sort((a, b) => a.startMs - b.startMs);
  for (const r of sorted) {
    p.observe(r);
    for (const s of st.push(r)) p.observeSession(s);
  }
  for (const s of st.flush()) p.observeSession(s);
  return p;
}

describe('behaviour profile', () => {
  const all = traffic(4000, 7);

  it('counts requests, shares, status mix, bytes and percentiles per endpoint', () => {
    const p = profileOf(all);
    const rows = p.endpointRows();
    expect(rows.map((r) => r.endpoint).sort()).toEqual(ENDPOINTS.map((e) => `GET ${e}`).sort());
    expect(rows.reduce((a, r) => a + r.requests, 0)).toBe(4000);
    for (const row of rows) {
      const mine = all.filter((r) => r.endpoint === row.endpoint);
      expect(row.requests).toBe(mine.length);
      expect(row.bytes_out).toBe(mine.length * 5000);
      expect(row.share).toBeCloseTo(mine.length / 4000, 3);
      expect(row.status['5xx'] ?? 0).toBe(mine.filter((r) => r.status === 503).length);
      const lat = mine.map((r) => r.durationMs ?? 0).sort((a, b) => a - b);
      const exact95 = lat[Math.floor(0.95 * (lat.length - 1))] ?? 0;
      expect(Math.abs((row.p95_ms ?? 0) - exact95) / exact95).toBeLessThan(0.05);
      expect(row.p50_ms ?? 0).toBeLessThanOrEqual(row.p95_ms ?? 0);
      expect(row.p95_ms ?? 0).toBeLessThanOrEqual(row.p99_ms ?? 0);
      expect(Math.abs(row.clients - 50)).toBeLessThanOrEqual(3);
    }
  });

  it('counts requests and sessions per client class and agent family', () => {
    const p = profileOf(all);
    const classes = Object.fromEntries(p.groupRows('classes').map((g) => [g.key, g]));
    expect(Object.keys(classes).sort()).toEqual(['bot', 'human', 'tool']);
    expect((classes['tool']?.sessions ?? 0) > 0 && (classes['bot']?.sessions ?? 0) > 0).toBe(true);
    expect(Object.values(classes).reduce((a, g) => a + g.requests, 0)).toBe(4000);
  });

  it('buckets the protocol and TLS mix over time', () => {
    const j = profileOf(all).toJSON();
    const protoTotal = Object.values(j.protocols).reduce((a, c) => a + Object.values(c).reduce((x, y) => x + y, 0), 0);
    expect(protoTotal).toBe(4000);
    expect(Object.keys(j.protocols).length).toBe((120 * MIN) / PROFILE_BUCKET_MS);
    expect(Object.keys(Object.values(j.tls)[0] ?? {}).sort()).toEqual(['TLSv1.2', 'TLSv1.3']);
  });

  it('merges: profile(A) + profile(B) equals profile(A ∪ B) for counts, and sketches agree', () => {
    const a = all.filter((r) => r.startMs % 2 === 0);
    const b = all.filter((r) => r.startMs % 2 === 1);
    const merged = mergeProfiles([profileOf(a).toJSON(), profileOf(b).toJSON()]);
    const whole = profileOf(all).toJSON();
    expect(merged.requests).toBe(whole.requests);
    expect(merged.period).toEqual(whole.period);
    expect(merged.protocols).toEqual(whole.protocols);
    expect(merged.tls).toEqual(whole.tls);
    for (const [k, e] of Object.entries(whole.endpoints)) {
      const m = merged.endpoints[k];
      expect(m?.requests).toBe(e.requests);
      expect(m?.status).toEqual(e.status);
      expect(m?.buckets).toEqual(e.buckets);
      expect(m?.latency_ms).toEqual(e.latency_ms);
      expect(m?.clients_hll).toBe(e.clients_hll);
    }
  });

  it('round-trips through JSON byte for byte', () => {
    const j = profileOf(all).toJSON();
    const text = JSON.stringify(j);
    expect(JSON.stringify(BehaviourProfile.fromJSON(JSON.parse(text) as typeof j).toJSON())).toBe(text);
    expect(JSON.stringify(profileOf([...all].reverse()).toJSON())).toBe(text);
  });

  it('bounds the endpoints it keeps and folds the rest into (other)', () => {
    const p = new BehaviourProfile(10);
    for (let i = 0; i < 100; i++) p.observe(rec(i, { path: `/p${i}`, route: `/p${i}`, endpoint: `GET /p${i}` }));
    expect(p.endpoints.size).toBe(11);
    expect(p.endpoints.get('(other)')?.requests).toBe(90);
  });

  it('counts runs of records sharing one agent as records with an agent each, families past the cap folded at every request', () => {
    const agents = ['curl/8.5.0', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'python-requests/2.31.0'];
    // Runs of one agent (records share its AgentInfo, as enriched records do).
    const runs: EnrichedRecord[] = [];
    for (const [a, n] of [[0, 5], [1, 4], [2, 6], [2, 3], [0, 2], [2, 1]] as const) {
      const r = rec(runs.length * 1000, { userAgent: agents[a] ?? null, status: runs.length % 4 === 0 ? 500 : 200 });
      for (let i = 0; i < n; i++) runs.push(r);
    }
    const shared = new BehaviourProfile(5000, 2);
    for (const r of runs) shared.observe(r);
    // The same records, each with its own copy of the agent.
    const own = new BehaviourProfile(5000, 2);
    for (const r of runs) own.observe({ ...r, agent: { ...r.agent } });
    expect(shared.groupRows('families')).toEqual(own.groupRows('families'));
    expect(shared.groupRows('classes')).toEqual(own.groupRows('classes'));
    expect(shared.toJSON()).toEqual(own.toJSON());
    const other = shared.groupRows('families').find((g) => g.key === '(other)');
    expect(other?.requests).toBe(10);
    expect(shared.capNote()).toContain('10 requests and sessions of user-agent families past the first 2');
  });
});
