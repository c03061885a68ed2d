/** The sessions section: sessions of static assets only have no entry or exit endpoint and are counted apart. */
import { createStitcher } from '../../src/sessions/stitcher';
import { SessionSummary } from '../../src/sessions/summary';
import type { EnrichedRecord } from '../../src/enrich/types';
import { rec } from '../helpers/records';

const MIN = 60_000;

function section(records: readonly EnrichedRecord[]): ReturnType<SessionSummary['result']> {
  const st = createStitcher({ timeoutMs: 30 * MIN, key: 'ip+ua' });
  const summary = new SessionSummary();
  for (const r of records) for (const s of st.push(r)) summary.observe(s);
  for (const s of st.flush()) summary.observe(s);
  return summary.result(10, { timeoutMs: 30 * MIN, key: 'ip+ua', late: 0, forced: 0, peakOpen: 0 });
}

describe('SessionSummary', () => {
  it('counts static-only sessions apart instead of listing "-" as the top entry and exit', () => {
    const records: EnrichedRecord[] = [];
    // 5 hotlinkers fetching one image each, 2 visitors entering on / and leaving on /cart, one API client (POST only).
    for (let i = 0; i < 5; i++) records.push(rec(i * 1000, { clientIp: `198.51.100.${i + 1}`, path: '/img/logo.png' }));
    for (let i = 0; i < 2; i++) {
      const ip = `203.0.113.${i + 1}`;
      records.push(rec(10_000 + i, { clientIp: ip, path: '/' }), rec(20_000 + i, { clientIp: ip, path: '/app.js' }), rec(30_000 + i, { clientIp: ip, path: '/cart' }));
    }
    records.push(rec(40_000, { clientIp: '192.0.2.9', method: 'POST', path: '/api/v1/orders', userAgent: 'okhttp/4.12.0' }));
    // TLS bytes sent to a plain-HTTP port: no request line, endpoint '-' (as the enricher makes it), not an entry.
    records.push(rec(50_000, { clientIp: '1.2.3.4', method: null, path: null, route: '-', endpoint: '-', status: 400, userAgent: null }));
    records.sort((a, b) => a.startMs - b.startMs);
    const s = section(records);
    expect(s.count).toBe(9);
    expect(s.static_only).toBe(5);
    expect(s.top_entry).toEqual([{ endpoint: 'GET /', sessions: 2 }, { endpoint: 'POST /api/v1/orders', sessions: 1 }]);
    expect(s.top_exit).toEqual([{ endpoint: 'GET /cart', sessions: 2 }, { endpoint: 'POST /api/v1/orders', sessions: 1 }]);
  });
});
