import fc from 'fast-check';
import { CoarseHistogram } from '../../src/core/histogram';
import { EndpointLatency, type EndpointLatencyJson } from '../../src/aggregate/endpoint-latency';
import { addHash, mergeHashes, type LatencyBucketsJson } from '../../src/aggregate/latency-buckets';
import { Ladder, LADDER_COUNTRIES, OTHER } from '../../src/aggregate/ladder';
import { RegionLatency } from '../../src/aggregate/region-latency';
import { evidenceOrder } from '../../src/aggregate/types';
import { judgeLingeringEndpoints } from '../../src/detect/lingering-endpoint';
import { judgeRegionalCreep } from '../../src/detect/regional-creep';
import lingering from '../../src/detect/lingering-endpoint';
import regional from '../../src/detect/regional-creep';
import type { EnrichedRecord, GeoInfo } from '../../src/enrich/types';
import { rec } from '../helpers/records';
import { mergedParts } from '../helpers/shards';

const MINUTE = 60_000;
const LINGERING = lingering.defaultOptions;
const REGIONAL = regional.defaultOptions;

function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => ((x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
}

function geo(country: string, asn: number): GeoInfo {
  return { country, asn, asOrg: null, city: null, region: null, network: 'residential', special: null };
}

/** Records numbered in order, the first `split` in a.log and the rest in b.log. */
function numbered(records: readonly EnrichedRecord[], split: number): EnrichedRecord[] {
  return records.map((r, i) => ({ ...r, source: i < split ? { file: 'a.log', line: i + 1 } : { file: 'b.log', line: i + 1 - split } }));
}

/** A shuffled copy (same records, same source references). */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const rnd = random(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const COUNTRIES: readonly [string, number][] = [['US', 7922], ['DE', 3320], ['GB', 5607], ['FR', 3215], ['JP', 17676], ['BR', 28573], ['IN', 55836], ['NL', 1136]];

/**
 * 90 minutes of three endpoints from eight countries (and a few clients with no country): /api/jp gets slow for
 * clients in JP only from minute 50, /api/all for everyone from minute 60, /api/flat stays flat; some slow requests
 * from the start (evidence before the runs).
 */
function endpointTraffic(seed: number): EnrichedRecord[] {
  const rnd = random(seed);
  const out: EnrichedRecord[] = [];
  for (let m = 0; m < 90; m++) {
    for (let k = 0; k < 60; k++) {
      const [country, asn] = COUNTRIES[Math.floor(rnd() * COUNTRIES.length)] ?? ['US', 7922];
      const path = ['/api/jp', '/api/all', '/api/flat'][k % 3] ?? '/api/flat';
      const slow = (path === '/api/jp' && country === 'JP' && m >= 50) || (path === '/api/all' && m >= 60) || rnd() < 0.002;
      const ms = slow ? 900 + rnd() * 400 : 20 + rnd() * 30;
      out.push(rec(m * MINUTE + k * 1000, {
        clientIp: `81.40.${Math.floor(rnd() * 4)}.${1 + Math.floor(rnd() * 200)}`, path, route: path, endpoint: `GET ${path}`,
        durationMs: ms + 2, backendMs: rnd() < 0.1 ? null : ms, geo: rnd() < 0.03 ? null : geo(country, asn),
      }));
    }
  }
  return numbered(out, 2000);
}

function countEndpoints(records: readonly EnrichedRecord[], maxEndpoints = 1200, evidenceLimit = 5): EndpointLatency {
  const s = EndpointLatency.create({ bucketMs: 5 * MINUTE, maxEndpoints, evidenceLimit, geo: true });
  for (const r of records) s.add(r);
  return s;
}

/** Six hours of eight countries, one ASN each plus a second, small DE network; JP's latency triples over the period. */
function regionTraffic(seed: number): EnrichedRecord[] {
  const rnd = random(seed);
  const out: EnrichedRecord[] = [];
  for (let m = 0; m < 360; m++) {
    for (const [ci, [country, asn]] of COUNTRIES.entries()) {
      for (let k = 0; k < 4; k++) {
        const base = 40 + rnd() * 60;
        const ms = country === 'JP' ? base * (1 + (3 * m) / 360) : base;
        out.push(rec(m * MINUTE + ci * 1000 + k * 100, { clientIp: `81.${50 + ci}.${Math.floor(rnd() * 20)}.${1 + Math.floor(rnd() * 250)}`, path: '/api/v1/cart', route: '/api/v1/cart', endpoint: 'GET /api/v1/cart', durationMs: ms, geo: geo(country, asn) }));
      }
    }
    if (m % 3 === 0) out.push(rec(m * MINUTE + 30_000, { clientIp: `81.61.0.${1 + (m % 7)}`, durationMs: 50, geo: geo(rnd() < 0.95 ? 'DE' : 'AT', 8881) }));
  }
  return numbered(out, 5000);
}

function countRegions(records: readonly EnrichedRecord[], maxAsns = 3200): RegionLatency {
  const s = RegionLatency.create({ bucketMs: 15 * MINUTE, maxAsns, clients: 16 });
  for (const r of records) s.add(r);
  return s;
}

/** A state's JSON without its evidence and its cap statistics (what does not depend on input order below the caps). */
function contents(j: LatencyBucketsJson): unknown {
  return j.series.map(([key, countries, cells]) => [key, countries, cells.map(([b, hist, , ladder, clients]) => [b, hist, ladder, clients])]);
}

describe('EndpointLatency (the lingering-endpoint state)', () => {
  const records = endpointTraffic(11);
  const judge = (s: EndpointLatency): ReturnType<typeof judgeLingeringEndpoints> => judgeLingeringEndpoints(s, LINGERING, 5);

  it('finds the endpoint slow for everyone, and the one slow for JP only as JP\'s', () => {
    const found = judge(countEndpoints(records));
    expect(found.map((f) => [f.subject.value, f.severity, f.metrics['country'] ?? null])).toEqual([['GET /api/all', 'high', null], ['GET /api/jp', 'low', 'JP']]);
    expect(found.every((f) => f.evidence.length === 5)).toBe(true);
  });

  it('merged shards give the state and the findings of one pass, wherever the input is cut and in whatever order they merge', () => {
    const whole = countEndpoints(records);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: records.length }), fc.integer({ min: 0, max: records.length }), fc.boolean(), (i, j, reversed) => {
        const merged = mergedParts(records, i, j, (p) => countEndpoints(p), reversed);
        expect(merged.toJSON()).toEqual(whole.toJSON());
        expect(judge(merged)).toEqual(judge(whole));
      }),
      { numRuns: 25 },
    );
  });

  it('round-trips through JSON', () => {
    const s = countEndpoints(records);
    const back = EndpointLatency.fromJSON(JSON.parse(JSON.stringify(s.toJSON())) as EndpointLatencyJson);
    expect(back.toJSON()).toEqual(s.toJSON());
    expect(judge(back)).toEqual(judge(s));
  });

  it('counts the same histograms and country ladders whatever order the records come in', () => {
    const s = countEndpoints(records);
    for (const seed of [1, 2, 3]) expect(contents(countEndpoints(shuffled(records, seed)).toJSON().endpoints)).toEqual(contents(s.toJSON().endpoints));
  });

  it('judges the busiest endpoints, whatever order they arrive in', () => {
    // 12 quiet endpoints and the three of the scenario; 2 judged (4x kept): the two busiest, first or last.
    const quiet = Array.from({ length: 12 * 90 }, (_, i) => rec((i % 90) * MINUTE, { path: `/q${Math.floor(i / 90)}`, route: `/q${Math.floor(i / 90)}`, endpoint: `GET /q${Math.floor(i / 90)}`, durationMs: 900, backendMs: null, geo: geo('US', 7922) }));
    const o = { ...LINGERING, maxEndpoints: 2 };
    const all = numbered([...quiet, ...records.filter((r) => r.endpoint !== 'GET /api/flat')], 2000);
    const byTime = [...all].sort((a, b) => a.startMs - b.startMs);
    const forward = judgeLingeringEndpoints(countEndpoints(byTime, 8), o, 5);
    const backward = judgeLingeringEndpoints(countEndpoints([...byTime].reverse(), 8), o, 5);
    expect(forward.map((f) => f.subject.value)).toEqual(['GET /api/all', 'GET /api/jp']);
    expect(backward.map((f) => [f.subject.value, f.severity])).toEqual(forward.map((f) => [f.subject.value, f.severity]));
  });

  it('names a bucket\'s busiest 16 countries, not its first 16', () => {
    // 20 countries a bucket, the slow one (JP) arriving last in each bucket: it is still named.
    const many = Array.from({ length: 20 }, (_, i) => `C${String.fromCharCode(65 + i)}`);
    const rs: EnrichedRecord[] = [];
    for (let m = 0; m < 90; m++) {
      for (const [i, c] of many.entries()) rs.push(rec(m * MINUTE + i, { path: '/x', route: '/x', endpoint: 'GET /x', durationMs: 20 + i, backendMs: null, geo: geo(c, 1) }));
      for (let k = 0; k < 6; k++) rs.push(rec(m * MINUTE + 100 + k, { path: '/x', route: '/x', endpoint: 'GET /x', durationMs: m >= 50 ? 1500 : 25, backendMs: null, geo: geo('JP', 2) }));
    }
    const found = judgeLingeringEndpoints(countEndpoints(numbered(rs, rs.length)), LINGERING, 5);
    expect(found.map((f) => [f.subject.value, f.metrics['country']])).toEqual([['GET /x', 'JP']]);
  });
});

describe('Ladder', () => {
  it('is the same whatever order its requests come in (below its cap), and merges like one', () => {
    const reqs = Array.from({ length: 500 }, (_, i) => [i % 9 === 0 ? null : `C${i % 23}`, (i * 37) % 3000] as const);
    const one = new Ladder();
    for (const [c, ms] of reqs) one.add(c, ms);
    const other = new Ladder();
    for (const [c, ms] of shuffled(reqs, 5)) other.add(c, ms);
    expect(other.toJSON()).toEqual(one.toJSON());
    const a = new Ladder();
    const b = new Ladder();
    reqs.forEach(([c, ms], i) => (i % 3 === 0 ? a : b).add(c, ms));
    expect(b.merge(a)).toBe(0);
    expect(b.toJSON()).toEqual(one.toJSON());
    expect(Ladder.fromJSON(one.toJSON()).toJSON()).toEqual(one.toJSON());
  });

  it('folds the lightest country into OTHER past its cap, keeping every request counted', () => {
    const l = new Ladder();
    let folded = 0;
    for (let i = 0; i < LADDER_COUNTRIES; i++) for (let k = 0; k <= i; k++) folded += l.add(`C${i}`, 200);
    expect(folded).toBe(0);
    folded += l.add('NEW', 5000);
    expect(folded).toBe(1);
    const j = new Map(l.toJSON());
    expect(j.has('C0')).toBe(false);
    expect(j.get(OTHER)).toEqual([1, 1, 0, 0, 0, 0, 0]);
    expect(j.get('NEW')).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect([...j.values()].reduce((n, c) => n + (c[0] ?? 0), 0)).toBe((LADDER_COUNTRIES * (LADDER_COUNTRIES + 1)) / 2 + 1);
  });
});

describe('distinct clients (bottom-k hashes)', () => {
  it('keeps the k smallest distinct hashes, whatever the order, and merges', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 200 }), fc.integer({ min: 1, max: 20 }), fc.nat(), (hs, k, cut) => {
        const want = [...new Set(hs)].sort((a, b) => a - b).slice(0, k);
        const one: number[] = [];
        for (const h of hs) addHash(one, h, k);
        expect(one).toEqual(want);
        const at = hs.length === 0 ? 0 : cut % hs.length;
        const a: number[] = [];
        const b: number[] = [];
        for (const h of hs.slice(0, at)) addHash(a, h, k);
        for (const h of hs.slice(at)) addHash(b, h, k);
        expect(mergeHashes(b, a, k)).toEqual(want);
      }),
    );
  });
});

describe('CoarseHistogram JSON', () => {
  it('round-trips and merges', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e7, noNaN: true })), (ms) => {
        const h = new CoarseHistogram();
        const a = new CoarseHistogram();
        const b = new CoarseHistogram();
        ms.forEach((x, i) => {
          h.add(x);
          (i % 2 ? a : b).add(x);
        });
        const back = CoarseHistogram.fromJSON(JSON.parse(JSON.stringify(h.toJSON())) as number[]);
        expect(back.toJSON()).toEqual(h.toJSON());
        expect(back.quantile(0.95)).toBe(h.quantile(0.95));
        expect(back.count).toBe(h.count);
        a.merge(b);
        expect(a.toJSON()).toEqual(h.toJSON());
      }),
    );
  });
});

describe('RegionLatency (the regional-creep state)', () => {
  const records = regionTraffic(5);
  const judge = (s: RegionLatency): ReturnType<typeof judgeRegionalCreep> => judgeRegionalCreep(s, REGIONAL);

  it('finds JP creeping, with its network', () => {
    const found = judge(countRegions(records));
    expect(found.map((f) => [f.subject.type, f.subject.value, f.metrics['asns']])).toEqual([['country', 'JP', '17676']]);
  });

  it('merged shards give the state and the findings of one pass, wherever the input is cut and in whatever order they merge', () => {
    const whole = countRegions(records);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: records.length }), fc.integer({ min: 0, max: records.length }), fc.boolean(), (i, j, reversed) => {
        const merged = mergedParts(records, i, j, (p) => countRegions(p), reversed);
        expect(merged.toJSON()).toEqual(whole.toJSON());
        expect(judge(merged)).toEqual(judge(whole));
      }),
      { numRuns: 15 },
    );
  });

  it('round-trips through JSON', () => {
    const s = countRegions(records);
    const back = RegionLatency.fromJSON(JSON.parse(JSON.stringify(s.toJSON())) as ReturnType<RegionLatency['toJSON']>);
    expect(back.toJSON()).toEqual(s.toJSON());
    expect(judge(back)).toEqual(judge(s));
  });

  it('counts the same state (histograms, distinct clients, home countries) whatever order the records come in', () => {
    const s = countRegions(records).toJSON();
    const t = countRegions(shuffled(records, 9)).toJSON();
    for (const k of ['all', 'countries', 'asns'] as const) expect(contents(t[k])).toEqual(contents(s[k]));
    expect(judge(countRegions(shuffled(records, 9)))).toEqual(judge(countRegions(records)));
  });

  it('keeps the busiest ASNs, whatever order they arrive in', () => {
    // 30 one-request ASNs and two busy ones, kept at most 8: both busy ones are kept, first or last.
    const light = Array.from({ length: 30 }, (_, i) => rec(i * 1000, { clientIp: `81.90.0.${i + 1}`, durationMs: 30, geo: geo('FR', 60_000 + i) }));
    const busy = Array.from({ length: 40 }, (_, i) => rec(i * 1000, { clientIp: `81.91.0.${i + 1}`, durationMs: 30, geo: geo('FR', i % 2 ? 3215 : 5410) }));
    for (const rs of [[...busy, ...light], [...light, ...busy], shuffled([...light, ...busy], 3)]) {
      const s = countRegions(rs, 8);
      expect(s.asns.busiest(2).map(([k]) => k)).toEqual(['3215', '5410']);
      expect(s.asns.series.stats.evicted).toBeGreaterThan(0);
    }
  });
});
