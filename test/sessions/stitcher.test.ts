/** Session stitching in event time: timeout boundary, order independence, merging, bounded memory. */
import { createStitcher, bySessionOrder } from '../../src/sessions/stitcher';
import type { Session } from '../../src/sessions/types';
import type { EnrichedRecord } from '../../src/enrich/types';
import { Rng } from '../../src/generate/random';
import { rec } from '../helpers/records';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli';

const MIN = 60_000;

function stitch(records: readonly EnrichedRecord[], timeoutMs = 30 * MIN, key: 'ip' | 'ip+ua' = 'ip+ua'): Session[] {
  const s = createStitcher({ timeoutMs, key });
  const out: Session[] = [];
  for (const r of records) for (const x of s.push(r)) out.push(x);
  for (const x of s.flush()) out.push(x);
  return out.sort(bySessionOrder);
}

/** Comparable view of sessions (evidence order aside; id and key are computed when read, so named here). */
function view(ss: readonly Session[]): unknown[] {
  return ss.map((s) => ({ ...s, id: s.id, key: s.key, evidence: s.evidence.length }));
}

describe('session stitcher', () => {
  it('closes more sessions at once than a call can take arguments (a botnet: 150,000 clients in one minute)', () => {
    const s = createStitcher({ timeoutMs: 30 * MIN, key: 'ip' });
    let closed = 0;
    for (let i = 0; i < 150_000; i++) closed += s.push(rec(i % 60_000, { clientIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` })).length;
    const flushed = s.flush();
    expect(closed + flushed.length).toBe(150_000);
    expect(flushed.length).toBeGreaterThan(125_000);
  });

  it('keeps a gap of exactly the timeout in one session and splits one millisecond beyond', () => {
    const same = stitch([rec(0), rec(30 * MIN)]);
    expect(same).toHaveLength(1);
    const split = stitch([rec(0), rec(30 * MIN + 1)]);
    expect(split).toHaveLength(2);
    expect(split.map((s) => s.requests)).toEqual([1, 1]);
  });

  it('keys by ip + user agent by default, by ip alone on request', () => {
    const rs = [rec(0), rec(1000, { userAgent: 'curl/8.5.0' })];
    expect(stitch(rs)).toHaveLength(2);
    expect(stitch(rs, 30 * MIN, 'ip')).toHaveLength(1);
  });

  it('computes the per-session facts', () => {
    const rs = [
      rec(0, { path: '/', route: '/' }),
      rec(200, { path: '/static/app.js', route: '/static/app.js' }),
      rec(10_000, { path: '/products/1', route: '/products/:id' }),
      rec(40_000, { path: '/products/2', route: '/products/:id', status: 404 }),
      rec(41_000, { path: '/cart', route: '/cart', method: 'POST', status: 503 }),
    ];
    const [s] = stitch(rs);
    expect(s).toMatchObject({
      requests: 5, pages: 3, staticAssets: 1, distinctEndpoints: 3, errors4xx: 1, errors5xx: 1, bytesOut: 25_000,
      entry: 'GET /', exit: 'POST /cart', sequence: ['GET /', 'GET /products/:id', 'GET /products/:id', 'POST /cart'], sequenceCut: 0,
      maxGapMs: 30_000, clientClass: 'human',
    });
    expect(s?.medianGapMs).toBe(5400); // gaps 200, 9800, 30000, 1000 ms
  });

  it('gives identical sessions when lines are shuffled within a few minutes', () => {
    const rng = new Rng(3);
    const rs: EnrichedRecord[] = [];
    for (let i = 0; i < 3000; i++) {
      const client = rng.int(1, 60);
      rs.push(rec(i * 1500 + rng.int(0, 999), { clientIp: `198.51.100.${client}`, path: `/p/${rng.int(1, 5)}`, route: '/p/:id', line: i + 1 }));
    }
    const base = view(stitch(rs));
    // Shuffle inside 3-minute windows (ALB files from several nodes interleave like this).
    const shuffled = [...rs].map((r) => ({ r, k: Math.floor((r.startMs - rs[0]!.startMs) / (3 * MIN)) + rng.next() })).sort((a, b) => a.k - b.k).map((x) => x.r);
    expect(view(stitch(shuffled))).toEqual(base);
    expect(base.length).toBeGreaterThanOrEqual(60);
  });

  it('merges two open sessions when a late record bridges their gap', () => {
    const [a] = stitch([rec(0), rec(40 * MIN), rec(20 * MIN)]);
    expect(a?.requests).toBe(3);
    expect(stitch([rec(0), rec(40 * MIN)])).toHaveLength(2);
  });

  it('caps the endpoint sequence and counts what was cut', () => {
    const rs = Array.from({ length: 80 }, (_, i) => rec(i * 1000, { path: `/p${i}`, route: `/p${i}` }));
    const [s] = stitch(rs);
    expect(s?.sequence).toHaveLength(50);
    expect(s?.sequenceCut).toBe(30);
    expect(s?.exit).toBe('GET /p79');
  });

  it('closes sessions while reading once they can no longer grow', () => {
    const st = createStitcher({ timeoutMs: 30 * MIN, key: 'ip' });
    st.push(rec(0, { clientIp: '192.0.2.1' }));
    let closed: readonly Session[] = [];
    for (let m = 1; m <= 60; m++) closed = [...closed, ...st.push(rec(m * MIN, { clientIp: '192.0.2.2' }))];
    expect(closed.map((s) => s.clientIp)).toEqual(['192.0.2.1']);
  });

  it('stays within its memory bound with 1,000,000 distinct clients', () => {
    // Run in a child with --expose-gc so the heap is measured after collection, not with pending garbage.
    // All clients are active within 10 minutes, so none closes naturally: the maxOpen bound must hold.
    const script = `
      const { createStitcher } = require(${JSON.stringify(join(ROOT, 'dist', 'sessions', 'stitcher.js'))});
      const { classifyAgent } = require(${JSON.stringify(join(ROOT, 'dist', 'enrich', 'user-agent.js'))});
      const agent = classifyAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0.0.0 Safari/537.36');
      const st = createStitcher({ timeoutMs: 1800000, key: 'ip', maxOpen: 100000 });
      gc(); const base = process.memoryUsage().heapUsed; let peak = 0; let closed = 0;
      const T0 = Date.UTC(2026, 2, 10, 9);
      for (let i = 0; i < 1000000; i++) {
        const r = { startMs: T0 + (i % 600000), clientIp: '10.' + ((i >> 16) & 255) + '.' + ((i >> 8) & 255) + '.' + (i & 255),
          userAgent: 'Mozilla/5.0', method: 'GET', status: 200, bytesOut: 100, endpoint: 'GET /', isStatic: false, agent, geo: null,
          source: { file: 'x', line: i + 1 } };
        closed += st.push(r).length;
        if (i % 50000 === 49999) { gc(); peak = Math.max(peak, process.memoryUsage().heapUsed - base); }
      }
      closed += st.flush().length;
      console.log(JSON.stringify({ closed, peak, stats: st.stats }));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const res = JSON.parse(r.stdout) as { closed: number; peak: number; stats: { peakOpen: number; forced: number } };
    expect(res.closed).toBe(1_000_000);
    expect(res.stats.peakOpen).toBeLessThanOrEqual(100_001);
    expect(res.stats.forced).toBeGreaterThan(800_000);
    // Stated bound: about 1.3 KB per open session → 100,000 open sessions stay under 160 MB.
    expect(res.peak).toBeLessThan(160 * 1024 * 1024);
  });
});
