/**
 * campaign (issue 19, items 2 and 7): one attack spread over many addresses and months is one finding, found by its
 * signature. Shapes from a honeynet's Apache log (2004): a /24 whose 9 addresses send 10,000 PROPFIND /admin$,
 * 676 addresses each sending one 8 KB SEARCH answered 414, 103 addresses sending CodeRed's /default.ida?XXXX…, 353
 * worm hosts each probing Nimda's 16 paths (all refused) — which the scanner reported as hundreds of "block this
 * address" findings.
 */
import type { EnrichedRecord } from '../../src/enrich/types';
import type { ReportFinding } from '../../src/report/types';
import { createDetectorStage } from '../../src/detect/stage';
import { Signatures } from '../../src/aggregate/signatures';
import { evidenceOrder } from '../../src/aggregate/types';
import { background, detect, MINUTE, prng, rec } from './harness';

const DAY = 24 * 60 * MINUTE;
const IE = 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)';
const BG = background({ minutes: 60, clients: 150, perClientPerMinute: 2, seed: 11 });

/** Six months of a site's ordinary visitors: an hour of the harness's traffic on every tenth day. */
const MONTHS: EnrichedRecord[] = Array.from({ length: 18 }, (_, d) => BG.filter((_r, i) => i % 6 === d % 6).map((r) => ({ ...r, startMs: r.startMs + d * 10 * DAY }))).flat();

/** `n` events spread over six months, event i built by `make(i, t)`. */
function overMonths(n: number, seed: number, make: (i: number, t: number) => EnrichedRecord): EnrichedRecord[] {
  const r = prng(seed);
  return Array.from({ length: n }, (_, i) => make(i, Math.floor(r() * 180 * DAY)));
}

/** A spread of public addresses: address i in its own /24 (up to 10,000) and in one of 40 /16s. */
const spreadIp = (i: number): string => `${60 + (i % 40)}.${i % 40}.${Math.floor(i / 40) % 250}.${1 + ((i * 13) % 250)}`;

const NIMDA = ['/scripts/root.exe?/c+dir', '/MSADC/root.exe?/c+dir', '/c/winnt/system32/cmd.exe?/c+dir', '/d/winnt/system32/cmd.exe?/c+dir',
  '/scripts/..%255c../winnt/system32/cmd.exe?/c+dir', '/_vti_bin/..%255c../..%255c../..%255c../winnt/system32/cmd.exe?/c+dir',
  '/_mem_bin/..%255c../..%255c../..%255c../winnt/system32/cmd.exe?/c+dir', '/msadc/..%255c../..%255c../..%255c/..%c1%1c../..%c1%1c../..%c1%1c../winnt/system32/cmd.exe?/c+dir',
  '/scripts/..%c1%1c../winnt/system32/cmd.exe?/c+dir', '/scripts/..%c0%2f../winnt/system32/cmd.exe?/c+dir', '/scripts/..%c0%af../winnt/system32/cmd.exe?/c+dir',
  '/scripts/..%c1%9c../winnt/system32/cmd.exe?/c+dir', '/scripts/..%%35%63../winnt/system32/cmd.exe?/c+dir', '/scripts/..%%35c../winnt/system32/cmd.exe?/c+dir',
  '/scripts/..%25%35%63../winnt/system32/cmd.exe?/c+dir', '/scripts/..%252f../winnt/system32/cmd.exe?/c+dir'];

/** A request line split as the CLF parser splits it. */
function req(t: number, ip: string, line: string, status: number, o: Partial<EnrichedRecord> = {}): EnrichedRecord {
  const [method = 'GET', target = '/'] = line.split(' ');
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const route = path.length > 200 ? '/…' : path;
  return rec(t, { clientIp: ip, method, path, query: q < 0 ? null : target.slice(q + 1), route, endpoint: `${method} ${route}`, status, userAgent: null, bytesOut: 290, ...o });
}

function worms(hosts: number): EnrichedRecord[] {
  const r = prng(5);
  return Array.from({ length: hosts }, (_, h) => {
    const t0 = Math.floor(r() * 180 * DAY);
    return NIMDA.map((p, k) => req(t0 + k * 300, spreadIp(h), `GET ${p}`, p.includes('%%35') ? 400 : 404));
  }).flat();
}

/** Runs several detectors together (the stage's folds apply). */
function detectAll(ids: string[], records: readonly EnrichedRecord[]): ReportFinding[] {
  const stage = createDetectorStage({ only: ids, disabled: [], overrides: {}, evidenceLimit: 5 }, false);
  [...records].sort((a, b) => a.startMs - b.startMs).forEach((r, i) => stage.observe({ ...r, source: { file: 'access_log', line: i + 1 } }));
  return stage.finish();
}

describe('campaign', () => {
  it('finds 676 addresses each sending one 8 KB SEARCH answered 414 over six months as one low campaign', () => {
    const search = overMonths(676, 3, (i, t) => req(t, spreadIp(i), `SEARCH /${'\u0090\u0002\u00b1'.repeat(2700)}`, 414));
    const fs = detect('campaign', [...MONTHS, ...search]);
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ severity: 'low', subject: { type: 'signature', value: 'SEARCH /… 4xx' }, actions: [] });
    expect(fs[0]?.metrics).toMatchObject({ requests: 676, addresses: 676, networks_24: 676, networks_16: 40, statuses: '414 ×676' });
    expect(Date.parse(fs[0]?.window.end ?? '') - Date.parse(fs[0]?.window.start ?? '')).toBeGreaterThan(150 * DAY);
  });

  it('finds a /24 whose 9 addresses send 10,000 PROPFIND /admin$ over months, with its one network', () => {
    const dav = overMonths(10_000, 4, (i, t) => req(t, `63.126.133.${[22, 90, 92, 133, 135, 149, 166, 175, 26][i % 9]}`, 'PROPFIND /admin%24', 404, { userAgent: 'Microsoft-WebDAV-MiniRedir/5.1.2600' }));
    const fs = detect('campaign', [...MONTHS, ...dav]);
    expect(fs.map((f) => f.subject.value)).toEqual(['PROPFIND /admin%24 4xx']);
    expect(fs[0]?.metrics).toMatchObject({ requests: 10_000, addresses: 9, networks_24: 1, networks_16: 1, marks: 'unusual method refused ×10000' });
  });

  it('names a known exploit: 103 addresses sending CodeRed\'s /default.ida?XXXX…', () => {
    const codeRed = overMonths(168, 6, (i, t) => req(t, spreadIp(i % 103), `GET /default.ida?${'X'.repeat(224)}%u9090%u6858%ucbd3%u7801=a`, 404));
    const fs = detect('campaign', [...MONTHS, ...codeRed]);
    expect(fs.map((f) => `${f.severity} ${f.subject.value}`)).toEqual(['low exploit CodeRed']);
    expect(fs[0]?.metrics).toMatchObject({ requests: 168, addresses: 103 });
    expect(fs[0]?.explanation).toContain('Index Server');
    // With the scanner: its background finding (one-off probes from 103 addresses) is these requests, folded in.
    const alone = detectAll(['scanner'], [...MONTHS, ...codeRed]);
    expect(alone.filter((f) => f.subject.type === 'global').map((f) => f.metrics['requests'])).toEqual([168]);
    const both = detectAll(['scanner', 'campaign'], [...MONTHS, ...codeRed]);
    expect(both.map((f) => `${f.detector} ${f.subject.value}`)).toEqual(['campaign exploit CodeRed']);
    expect(both[0]?.metrics['background_requests_folded']).toBe(168);
    // Background probes that are not the campaign's stay.
    const other = overMonths(40, 8, (i, t) => req(t, `198.51.${i}.7`, 'GET /.env', 404));
    const mixed = detectAll(['scanner', 'campaign'], [...MONTHS, ...codeRed, ...other]);
    expect(mixed.filter((f) => f.detector === 'scanner' && f.subject.type === 'global')).toHaveLength(1);
  });

  it('is not a campaign when ordinary clients send the signature too, or when few addresses do', () => {
    // A favicon missing: 404 to every browser. WebDAV used by the site's own clients (207). zgrab among visitors on /.
    const favicon = overMonths(300, 7, (i, t) => rec(t, { clientIp: spreadIp(i), path: '/favicon.ico', route: '/favicon.ico', endpoint: 'GET /favicon.ico', status: 404 }));
    const webdav = overMonths(400, 8, (i, t) => req(t, spreadIp(i % 50), 'PROPFIND /dav/docs/', 207, { userAgent: 'Microsoft-WebDAV-MiniRedir/10.0.19045' }));
    const zgrab = overMonths(40, 9, (i, t) => req(t, spreadIp(1000 + i), 'GET /', 200, { userAgent: 'Mozilla/5.0 zgrab/0.x' }));
    const homepage = MONTHS.filter((r) => r.path === '/');
    expect(homepage.length).toBeGreaterThan(1000);
    expect(detect('campaign', [...MONTHS, ...favicon, ...webdav, ...zgrab])).toEqual([]);
    // Four addresses are a scanner's business, not a campaign (minAddresses 5).
    const few = overMonths(400, 10, (i, t) => req(t, spreadIp(i % 4), 'PROPFIND /admin%24', 404));
    expect(detect('campaign', [...MONTHS, ...few])).toEqual([]);
    expect(detect('campaign', [...MONTHS, ...few], { overrides: { minAddresses: 4 } })).toHaveLength(1);
  });

  it('calls an exploit answered 2xx with a body high and proposes a block; answered with the home page, low', () => {
    const hit = overMonths(40, 12, (i, t) => req(t, spreadIp(i % 20), 'POST /vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php', i < 3 ? 200 : 404, { bytesOut: i < 3 ? 1234 : 290, userAgent: 'Go-http-client/1.1' }));
    const fs = detect('campaign', [...MONTHS, ...hit]);
    expect(fs.map((f) => `${f.severity} ${f.subject.value}`)).toEqual(['high exploit PHPUnit eval-stdin']);
    expect(fs[0]?.actions[0]).toMatchObject({ type: 'block' });
    expect((fs[0]?.actions[0] as { ips: string[] }).ips).toHaveLength(20);
    // The home page is 5,000 bytes in the harness: a catch-all answer is no success.
    const catchAll = hit.map((r) => (r.status === 200 ? { ...r, bytesOut: 5000 } : r));
    expect(detect('campaign', [...MONTHS, ...catchAll]).map((f) => `${f.severity} ${f.metrics['catch_all']}`)).toEqual(['low 1']);
  });

  it('folds 353 worm hosts probing the same 16 paths (all refused) into one campaign instead of per-address scanner findings', () => {
    const records = [...MONTHS, ...worms(353)];
    const alone = detectAll(['scanner'], records).filter((f) => f.subject.type === 'ip');
    expect(alone.length).toBeGreaterThan(300);
    const fs = detectAll(['scanner', 'campaign'], records);
    expect(fs.filter((f) => f.detector === 'scanner' && f.subject.type === 'ip')).toEqual([]);
    const c = fs.filter((f) => f.detector === 'campaign');
    expect(c.map((f) => `${f.severity} ${f.subject.value}`)).toEqual(['low exploit Nimda']);
    expect(c[0]?.metrics).toMatchObject({ requests: 353 * 16, addresses: 353, scanner_findings_folded: alone.length });
    expect(c[0]?.title).toContain(`(${alone.length} scanner findings folded in)`);
    // A worm host whose probe was answered with content keeps its own finding, and the campaign is high.
    const served = worms(353).map((r, i) => (i === 5 ? { ...r, status: 200, bytesOut: 7000 } : r));
    const both = detectAll(['scanner', 'campaign'], [...MONTHS, ...served]);
    expect(both.filter((f) => f.detector === 'scanner' && f.subject.type === 'ip').map((f) => f.subject.value)).toEqual([spreadIp(0)]);
    expect(both.filter((f) => f.detector === 'campaign').map((f) => f.severity)).toEqual(['high']);
  });

  it('does not escalate a campaign or its scanners for 502/503/504 a failing target gave everyone, but does for a 500', () => {
    // 40 worm hosts hit the site while its target was down: their probes were answered 503, like everyone's.
    const outage = worms(353).map((r, i) => (i % 16 === 3 && i < 640 ? { ...r, status: 503 } : r));
    const fs = detectAll(['scanner', 'campaign'], [...MONTHS, ...outage]);
    expect(fs.filter((f) => f.detector === 'campaign').map((f) => `${f.severity} ${f.subject.value}`)).toEqual(['low exploit Nimda']);
    expect(fs.filter((f) => f.detector === 'scanner' && (f.severity === 'high' || f.severity === 'medium'))).toEqual([]);
    // A probe that made the application fail (500) is the scanner's doing.
    const broke = worms(353).map((r, i) => (i === 3 ? { ...r, status: 500 } : r));
    const hit = detectAll(['scanner', 'campaign'], [...MONTHS, ...broke]);
    expect(hit.filter((f) => f.detector === 'campaign').map((f) => f.severity)).toEqual(['medium']);
    expect(hit.filter((f) => f.detector === 'scanner' && f.severity === 'high').map((f) => f.subject.value)).toEqual([spreadIp(0)]);
  });

  it('merges: two halves counted apart, merged and read back, give the one-pass state', () => {
    const records = [...MONTHS, ...worms(60), ...overMonths(300, 13, (i, t) => req(t, spreadIp(i), 'SEARCH /x', 414))]
      .sort((a, b) => a.startMs - b.startMs).map((r, i) => ({ ...r, source: { file: i < 3000 ? 'a.log' : 'b.log', line: i + 1 } }));
    const o = { cap: 5000, evidenceLimit: 5 };
    const one = new Signatures(o);
    for (const r of records) one.add(r);
    const a = new Signatures(o);
    const b = new Signatures(o);
    records.forEach((r, i) => (i < 3000 ? a : b).add(r));
    a.merge(Signatures.fromJSON(JSON.parse(JSON.stringify(b.toJSON()))), evidenceOrder(['a.log', 'b.log']));
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(one.toJSON()));
  });
});
