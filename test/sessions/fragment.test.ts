/** Session fragments: merging two gives the fragment of all their records, past every cap; JSON round trip; packed. */
import fc from 'fast-check';
import { evidenceOrder } from '../../src/aggregate/types';
import type { EnrichedRecord, GeoInfo } from '../../src/enrich/types';
import {
  DISTINCT_CAP, SEQUENCE_CAP, TIMES_CAP, addRecord, fragmentFromJSON, fragmentToJSON, mergeFragments, newFragment, packFragments, unpackFragments,
  type SessionFragment,
} from '../../src/sessions/fragment';
import { finalizeFragment } from '../../src/sessions/finalize';
import { rec } from '../helpers/records';

const ORDER = evidenceOrder(['a.log', 'b.log', 'c.log']);
const FILES = ['a.log', 'b.log', 'c.log'] as const;
const UAS = ['Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0', 'curl/8.5.0'] as const;

function geo(country: string, asn: number): GeoInfo {
  return { country, asn, asOrg: null, city: null, region: null, network: 'hosting', special: null };
}

/** One client's record: time, endpoint number, static or not, status, agent and geo picked by the numbers. */
interface Spec {
  readonly t: number;
  readonly ep: number;
  readonly stat: boolean;
  readonly status: number;
  readonly who: number;
  readonly file: number;
}

function records(specs: readonly Spec[]): EnrichedRecord[] {
  const lines = [0, 0, 0];
  return specs.map((x) => {
    const line = ++lines[x.file]!;
    const path = x.stat ? `/static/a${x.ep}.js` : `/p/${x.ep}`;
    return {
      ...rec(x.t, { clientIp: '198.51.100.9', path, route: path, status: x.status, userAgent: UAS[x.who % 2]!, geo: geo(x.who % 2 ? 'DE' : 'FR', 64_500 + x.who) }),
      source: { file: FILES[x.file]!, line },
    };
  });
}

function build(rs: readonly EnrichedRecord[]): SessionFragment | null {
  const [first] = rs;
  if (first === undefined) return null;
  const f = newFragment('198.51.100.9', first);
  for (const r of rs) addRecord(f, r, ORDER);
  return f;
}

const spec = (maxT: number, eps: number): fc.Arbitrary<Spec> => fc.record({
  // Coarse times: ties in time are common (entry/exit, sequence and first-record ties).
  t: fc.integer({ min: 0, max: maxT }).map((x) => x * 1000),
  ep: fc.integer({ min: 0, max: eps }),
  stat: fc.boolean(),
  status: fc.constantFrom(200, 200, 404, 503),
  who: fc.integer({ min: 0, max: 3 }),
  file: fc.integer({ min: 0, max: 2 }),
});

/** Splits `rs` by `side` and builds each half in its own shuffled order. */
function halves(rs: readonly EnrichedRecord[], side: readonly boolean[], seed: number): [EnrichedRecord[], EnrichedRecord[]] {
  const shuffle = (xs: EnrichedRecord[]): EnrichedRecord[] => xs.map((r, i) => ({ r, k: (i * 7919 + seed) % 104_729 })).sort((a, b) => a.k - b.k).map((x) => x.r);
  return [shuffle(rs.filter((_, i) => side[i % side.length])), shuffle(rs.filter((_, i) => !side[i % side.length]))];
}

describe('session fragments', () => {
  it('merge to the fragment of all their records, in any order', () => {
    fc.assert(
      fc.property(fc.array(spec(600, 30), { minLength: 1, maxLength: 150 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }), fc.nat(), (specs, side, seed) => {
        const rs = records(specs);
        const whole = build(rs)!;
        const [a, b] = halves(rs, side, seed).map(build);
        if (!a || !b) return;
        const ab = mergeFragments(a, b, ORDER);
        const ba = mergeFragments(b, a, ORDER);
        expect(fragmentToJSON(ab)).toEqual(fragmentToJSON(whole));
        expect(fragmentToJSON(ba)).toEqual(fragmentToJSON(whole));
        expect(finalizeFragment(ab, false)).toEqual(finalizeFragment(whole, false));
        expect(finalizeFragment(ab, true)).toEqual(finalizeFragment(whole, true));
      }),
      { numRuns: 300 },
    );
  });

  it('merge exactly past the sequence and timestamp caps, and count distinct endpoints exactly past theirs', () => {
    fc.assert(
      fc.property(fc.array(spec(3000, 700), { minLength: TIMES_CAP + 200, maxLength: TIMES_CAP + 600 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }), fc.nat(), (specs, side, seed) => {
        const rs = records(specs);
        const whole = build(rs)!;
        const [a, b] = halves(rs, side, seed).map(build);
        if (!a || !b) return;
        const ab = mergeFragments(a, b, ORDER);
        const { distinct: d1, ...rest1 } = fragmentToJSON(ab);
        const { distinct: d2, ...rest2 } = fragmentToJSON(whole);
        expect(rest1).toEqual(rest2);
        expect(rest2.times).toHaveLength(TIMES_CAP);
        expect(rest2.sequence).toHaveLength(SEQUENCE_CAP);
        expect(d1.length).toBe(Math.min(d2.length, DISTINCT_CAP));
        expect(finalizeFragment(ab, false)).toEqual(finalizeFragment(whole, false));
      }),
      { numRuns: 8 },
    );
  });

  it('keeps the earliest timestamps by time, not the first to arrive', () => {
    const rs = Array.from({ length: TIMES_CAP + 10 }, (_, i) => rec((TIMES_CAP + 10 - i) * 1000, { line: i + 1 }));
    const f = build(rs)!;
    expect(fragmentToJSON(f).times).toEqual(Array.from({ length: TIMES_CAP }, (_, i) => rs[0]!.startMs - (TIMES_CAP + 9 - i) * 1000));
  });

  it('take the user agent, agent and geo of the earliest record (ties by run order)', () => {
    const rs = records([
      { t: 5000, ep: 1, stat: false, status: 200, who: 0, file: 1 },
      { t: 1000, ep: 1, stat: false, status: 200, who: 1, file: 2 },
      { t: 1000, ep: 1, stat: false, status: 200, who: 3, file: 1 },
    ]);
    const f = build(rs)!;
    expect(f.ua).toBe(UAS[1]);
    expect(f.asn).toBe(64_503);
    expect(f.firstRef).toEqual({ file: 'b.log', line: 2 });
  });

  it('round-trip through plain JSON', () => {
    fc.assert(
      fc.property(fc.array(spec(600, 30), { minLength: 1, maxLength: 80 }), (specs) => {
        const f = build(records(specs))!;
        const back = fragmentFromJSON(JSON.parse(JSON.stringify(fragmentToJSON(f))));
        expect(fragmentToJSON(back)).toEqual(fragmentToJSON(f));
        expect(back.detail).toBe(f.detail);
        expect(finalizeFragment(back, true)).toEqual(finalizeFragment(f, true));
      }),
      { numRuns: 100 },
    );
  });

  it('leave the merged fragments unchanged', () => {
    const [a, b] = [build(records([{ t: 0, ep: 1, stat: false, status: 200, who: 0, file: 0 }]))!, build(records([{ t: 9000, ep: 2, stat: false, status: 500, who: 0, file: 1 }]))!];
    const before = [fragmentToJSON(a), fragmentToJSON(b)];
    const m = mergeFragments(a, b, ORDER);
    expect([fragmentToJSON(a), fragmentToJSON(b)]).toEqual(before);
    expect(m.requests).toBe(2);
    expect(finalizeFragment(m, true)).toMatchObject({ entry: 'GET /p/1', exit: 'GET /p/2', errors5xx: 1, sequence: ['GET /p/1', 'GET /p/2'] });
  });
});

describe('session fragments packed for the hand-over between threads', () => {
  it('come back as their plain-JSON round trip gives them, field by field, after a structured clone', () => {
    fc.assert(
      fc.property(fc.array(fc.array(spec(10 * 60_000, 40), { minLength: 1, maxLength: 60 }), { minLength: 0, maxLength: 6 }), (groups) => {
        const fragments = groups.map((g) => build(records(g))).filter((f): f is SessionFragment => f !== null);
        const p = packFragments(fragments);
        const back = unpackFragments(structuredClone(p, { transfer: [p.packed.data.buffer] }));
        expect(back).toEqual(fragments.map((f) => fragmentFromJSON(fragmentToJSON(f))));
      }),
      { numRuns: 40 },
    );
  });
});
