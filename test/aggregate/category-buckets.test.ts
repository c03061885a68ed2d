import fc from 'fast-check';
import { CategoryBuckets, MIX_DIMS, OTHER } from '../../src/aggregate/category-buckets';
import { judgeClientMix } from '../../src/detect/client-mix';
import type { EnrichedRecord } from '../../src/enrich/types';
import { createStitcher } from '../../src/sessions/stitcher';
import type { Session } from '../../src/sessions/types';
import { rec } from '../helpers/records';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const OPTIONS = { maxP: 1e-6, minJs: 0.02, minShareChange: 0.05, minRequests: 200 };

/** Six hours of browsing; from hour 4 a scripted client (curl, HTTP/1.0) takes over half the traffic. */
function traffic(): { records: EnrichedRecord[]; sessions: Session[] } {
  const records: EnrichedRecord[] = [];
  for (let i = 0; i < 6000; i++) {
    const t = i * 3600;
    const late = t > 4 * 3_600_000 && i % 2 === 0;
    records.push(rec(t, { clientIp: `198.51.100.${i % 200}`, userAgent: late ? `curl/8.${i % 3}.0` : CHROME, protocol: late ? 'HTTP/1.0' : 'HTTP/2.0', tlsProtocol: late ? 'TLSv1.2' : 'TLSv1.3', line: i + 1 }));
  }
  const st = createStitcher({ timeoutMs: 5 * 60_000, key: 'ip+ua', maxOpen: 100_000 });
  const sessions: Session[] = [];
  for (const r of records) sessions.push(...st.push(r));
  sessions.push(...st.flush());
  return { records, sessions };
}

function count(records: readonly EnrichedRecord[], sessions: readonly Session[], keep = 800): CategoryBuckets {
  const s = new CategoryBuckets(keep);
  for (const r of records) s.addRecord(r);
  for (const x of sessions) s.addSession(x);
  return s;
}

describe('CategoryBuckets (the client-mix state)', () => {
  const { records, sessions } = traffic();

  it('finds the scripted client taking over', () => {
    const found = judgeClientMix(count(records, sessions), OPTIONS);
    expect(found.map((f) => f.metrics['dimension'])).toEqual(expect.arrayContaining(['family', 'protocol', 'tls']));
  });

  it('merged parts equal one pass, for any split of records and sessions', () => {
    const whole = count(records, sessions);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: records.length }), fc.integer({ min: 0, max: sessions.length }), (i, j) => {
        const a = count(records.slice(0, i), sessions.slice(j));
        const b = count(records.slice(i), sessions.slice(0, j));
        a.merge(b);
        const norm = (x: CategoryBuckets): unknown => ({ ...x.toJSON(), dims: Object.fromEntries(MIX_DIMS.map((d) => [d, x.toJSON().dims[d].buckets])) });
        expect(norm(a)).toEqual(norm(whole));
        expect(judgeClientMix(a, OPTIONS)).toEqual(judgeClientMix(whole, OPTIONS));
      }),
      { numRuns: 20 },
    );
  });

  it('round-trips through JSON', () => {
    const s = count(records, sessions);
    const back = CategoryBuckets.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(back.toJSON()).toEqual(s.toJSON());
  });

  it('names the busiest categories whatever order they come in, the rest as (other)', () => {
    const rs = Array.from({ length: 40 }, (_, i) => rec(i * 1000, { protocol: i < 30 ? 'HTTP/2.0' : `HTTP/${i}` }));
    const named = (xs: readonly EnrichedRecord[]): string[] => [...(count(xs, [], 8).series('protocol', 1).buckets.get(Math.floor(xs[0]!.startMs / 600_000))?.keys() ?? [])].sort();
    expect(named(rs)).toEqual([OTHER, 'HTTP/2.0'].sort());
    expect(named([...rs].reverse())).toEqual(named(rs));
  });
});
