/**
 * burst's absolute rule (issue 19, item 1): a flood from a lone client on a quiet site has no peer and no baseline
 * above it, so the relative rules cannot call it; a sustained rate no person reaches is a finding on its own. The
 * baseline does not learn the minutes it flagged, and a crawler agent does not excuse a rate no crawler runs at.
 * Shapes from a honeynet's Apache log: 6,000 PROPFIND /admin$ in 6 minutes peaking at 1,600/min from one address,
 * SMB bytes sent at the web port 200 times a minute for an hour.
 */
import type { EnrichedRecord } from '../../src/enrich/types';
import { detect, MINUTE, rec, steady, T0 } from './harness';

const WEBDAV = 'Microsoft-WebDAV-MiniRedir/5.1.2600';
const IE = 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)';

/** A quiet site: three visitors, a page a minute each, for `minutes` minutes. */
function quiet(minutes: number): EnrichedRecord[] {
  const out: EnrichedRecord[] = [];
  for (let m = 0; m < minutes; m++) {
    for (let c = 0; c < 3; c++) out.push(rec(m * MINUTE + c * 7_000, { clientIp: `24.215.76.${10 + c}`, userAgent: IE, path: '/', route: '/', endpoint: 'GET /' }));
  }
  return out;
}

/** `perMinute[k]` requests in minute start + k from `ip`, built by `make`. */
function ramp(start: number, perMinute: readonly number[], make: (t: number) => EnrichedRecord): EnrichedRecord[] {
  return perMinute.flatMap((n, k) => steady(start + k, 1, n, (_i, t) => make(t)));
}

const propfind = (t: number): EnrichedRecord => rec(t, { clientIp: '82.82.97.119', method: 'PROPFIND', userAgent: WEBDAV, path: '/admin%24', route: '/admin%24', endpoint: 'PROPFIND /admin%24', status: 404, bytesOut: 290 });

describe('burst: a flood from a lone client', () => {
  it('finds 6,000 PROPFIND in 6 minutes (peak 1,600/min) from the only client of the night, high, with a rate limit and a block', () => {
    const flood = ramp(30, [300, 1000, 1600, 1600, 1000, 500], propfind);
    // The flood is the only traffic of its minutes: itself its peers' median.
    const fs = detect('burst', [...quiet(30), ...flood]);
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ severity: 'high', subject: { type: 'ip', value: '82.82.97.119' }, window: { start: '2026-03-10T09:30:00.000Z', end: '2026-03-10T09:36:00.000Z' } });
    expect(fs[0]?.metrics).toMatchObject({ peak_rpm: 1600, requests: 6000, flood_minutes: 6 });
    expect(fs[0]?.title).toContain('a rate no person sustains');
    expect(fs[0]?.actions.map((a) => a['type'])).toEqual(['rate-limit', 'block']);
  });

  it('finds non-HTTP bytes sent 200 times a minute for an hour (medium at first sight, high for being that long)', () => {
    const smb = steady(90, 60, 200, (_i, t) => rec(t, { clientIp: '61.139.56.101', method: null, path: null, route: '', endpoint: '-', userAgent: null, status: 400 }));
    const fs = detect('burst', [...quiet(80), ...smb]);
    expect(fs.map((f) => `${f.severity} ${f.subject.value}`)).toEqual(['high 61.139.56.101']);
    expect(fs[0]?.metrics['flood_minutes']).toBe(60);
  });

  it('is silent on a rate held fewer than floodMinutes minutes, or under floodRate (both options)', () => {
    // After the site's visitors left: the client is alone.
    expect(detect('burst', [...quiet(30), ...ramp(40, [180, 180, 180, 180], propfind)])).toEqual([]);
    // One minute, however fast, is a spike, not a sustained rate.
    expect(detect('burst', [...quiet(30), ...ramp(40, [2000], propfind)])).toEqual([]);
    expect(detect('burst', [...quiet(30), ...steady(40, 15, 140, (_i, t) => propfind(t))])).toEqual([]);
    expect(detect('burst', [...quiet(30), ...steady(40, 15, 140, (_i, t) => propfind(t))], { overrides: { floodRate: 120 } })).toHaveLength(1);
    expect(detect('burst', [...quiet(30), ...ramp(40, [180, 180, 180, 180], propfind)], { overrides: { floodMinutes: 4 } })).toHaveLength(1);
  });

  it('finds a scanner at 2,900/min for three minutes alone on a lab site (as many requests as five minutes at floodRate, faster)', () => {
    // Netsparker against a lab site (ocatak/apache-http-logs): 2,908, 2,659 and 1,416 requests in three minutes.
    const scan = ramp(40, [2908, 2659, 1416], (t) => rec(t, { clientIp: '192.168.4.164', userAgent: 'Mozilla/5.0 (Windows NT 6.3; WOW64) AppleWebKit/537.36', path: '/DVWA/', route: '/DVWA/', endpoint: 'GET /DVWA/', status: 404 }));
    const fs = detect('burst', [...quiet(30), ...scan]);
    expect(fs.map((f) => `${f.severity} ${f.subject.value} ${f.metrics['flood_minutes']}`)).toEqual(['high 192.168.4.164 3']);
  });

  it('does not learn a flagged flood into the baseline: the same address coming back at 130/min among peers is a burst', () => {
    // The first flood comes alone at night (minutes 5–14); the visitors arrive from minute 20.
    const peers = quiet(60).filter((r) => r.startMs >= T0 + 20 * MINUTE).concat(Array.from({ length: 40 }, (_, c) => steady(40, 20, 2, (_i, t) => rec(t + c * 100, { clientIp: `81.10.${c}.9`, userAgent: IE }))).flat());
    const first = steady(5, 10, 400, (_i, t) => propfind(t));
    const back = steady(50, 3, 130, (_i, t) => propfind(t));
    const fs = detect('burst', [...peers, ...first, ...back]);
    expect(fs.map((f) => f.window.start)).toEqual(['2026-03-10T09:05:00.000Z', '2026-03-10T09:50:00.000Z']);
    // The second is judged against its quiet past, not the flood: far above it and its peers.
    expect(Number(fs[1]?.metrics['ratio'])).toBeGreaterThanOrEqual(8);
  });

  it('does not excuse a self-declared crawler at 1,600/min; one at a crawler\'s pace stays low with no action', () => {
    const bot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
    const crawl = (ip: string) => (t: number): EnrichedRecord => rec(t, { clientIp: ip, userAgent: bot, path: '/products/17', route: '/products/:id', endpoint: 'GET /products/:id' });
    const fast = detect('burst', [...quiet(30), ...ramp(10, [800, 1600, 1600, 1600, 1200, 800], crawl('66.249.66.1'))]);
    expect(fast.map((f) => f.severity)).toEqual(['critical']);
    expect(fast[0]?.title).toContain('a self-declared bot agent, but no crawler runs at 1,600/min');
    expect(fast[0]?.actions.length).toBeGreaterThan(0);
    const polite = detect('burst', [...quiet(60), ...steady(10, 30, 200, (_i, t) => crawl('66.249.66.2')(t))]);
    expect(polite.map((f) => [f.severity, f.actions.length])).toEqual([['low', 0]]);
  });
});
