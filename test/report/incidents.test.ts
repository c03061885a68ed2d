/**
 * Incidents (issue 19, "Incidents, not finding lists"): the report's findings grouped by cause. The grouping is a
 * pure function of the report's findings (core/incidents.ts); the terminal and HTML reporters lead with it, and the
 * JSON report keeps `findings[]` unchanged and adds `incidents[]`.
 */
import { groupIncidents, incidentsOf, RECUR_GAP_MS } from '../../src/core/incidents';
import { toReport } from '../../src/detect/stage';
import type { Finding, Severity, SubjectType } from '../../src/detect/types';
import { renderTable } from '../../src/report/table';
import { renderHtml } from '../../src/report/html';
import { parseReport } from '../../src/report/parse';
import type { Report, ReportFinding } from '../../src/report/types';

const T0 = Date.UTC(2026, 2, 10, 6, 0);
const MIN = 60_000;

/** A detector's finding, as the detectors produce them (toReport adds ids and `related`). */
function finding(detector: string, severity: Severity, type: SubjectType, value: string, fromMin: number, toMin: number, metrics: Finding['metrics'] = {}): Finding {
  return {
    detector, severity, confidence: 0.9, title: `${detector} ${value}`, subject: { type, value },
    startMs: T0 + fromMin * MIN, endMs: T0 + toMin * MIN, metrics, explanation: 'x', evidence: [], actions: [],
  };
}

/** The incidents of these findings, each as the list of its findings' titles, headline first. */
function groups(fs: readonly Finding[]): string[][] {
  const report = toReport(fs);
  const byId = new Map(report.map((f) => [f.id, f.title]));
  return groupIncidents(report).map((i) => i.findings.map((id) => byId.get(id) ?? '?'));
}

describe('grouping findings into incidents', () => {
  it('puts a site-wide surge with the burst and the enumeration that made it, and keeps a scanner in the same minutes apart', () => {
    const got = groups([
      finding('surge', 'medium', 'global', 'all', 10, 20, { peak_rpm: 900 }),
      finding('api-abuse', 'high', 'ip', '146.70.38.12', 5, 30),
      finding('burst', 'critical', 'cidr', '45.155.205.0/24', 12, 18),
      finding('scanner', 'high', 'ip', '193.32.162.77', 11, 19),
    ]);
    expect(got).toEqual([
      ['burst 45.155.205.0/24', 'api-abuse 146.70.38.12', 'surge all'],
      ['scanner 193.32.162.77'],
    ]);
  });

  it('keeps a steady scraper that was there for hours apart from a site-wide surge it overlaps', () => {
    const got = groups([
      finding('surge', 'info', 'global', 'all', 100, 120),
      finding('api-abuse', 'high', 'ip', '162.55.4.200', 45, 179),
      finding('burst', 'high', 'ip', '203.0.113.9', 104, 110),
    ]);
    expect(got).toEqual([['api-abuse 162.55.4.200'], ['burst 203.0.113.9', 'surge all']]);
  });

  it('groups a site-wide error spike with the target and endpoint spikes and the latency rise of its window, not with a burst', () => {
    const got = groups([
      finding('error-spike', 'critical', 'target', '10.0.2.63:8080', 60, 70),
      finding('error-spike', 'high', 'global', 'all', 61, 69),
      finding('error-spike', 'medium', 'endpoint', 'GET /api/cart', 60, 68),
      finding('lingering-endpoint', 'high', 'endpoint', 'GET /api/cart', 55, 90),
      finding('burst', 'high', 'ip', '185.220.101.45', 62, 66),
    ]);
    expect(got).toEqual([
      ['error-spike 10.0.2.63:8080', 'lingering-endpoint GET /api/cart', 'error-spike all', 'error-spike GET /api/cart'],
      ['burst 185.220.101.45'],
    ]);
  });

  it('joins one detector\'s findings on one subject within the recurrence gap, and not beyond it', () => {
    const gapMin = RECUR_GAP_MS / MIN;
    const got = groups([
      finding('lingering-endpoint', 'high', 'endpoint', 'GET /a', 0, 30),
      finding('lingering-endpoint', 'medium', 'endpoint', 'GET /a', 50, 80),
      finding('lingering-endpoint', 'medium', 'endpoint', 'GET /a', 80 + gapMin, 120 + gapMin),
      finding('lingering-endpoint', 'medium', 'endpoint', 'GET /a', 121 + 2 * gapMin, 150 + 2 * gapMin),
    ]);
    expect(got).toEqual([['lingering-endpoint GET /a', 'lingering-endpoint GET /a', 'lingering-endpoint GET /a'], ['lingering-endpoint GET /a']]);
  });

  it('makes 24 looping sessions of one app version one incident, and a loop of another agent its own', () => {
    const app = 'ShopApp/4.2.1 (iPhone; iOS 17.1)';
    const loops = Array.from({ length: 24 }, (_x, i) => finding('looping-session', 'medium', 'session', `s${String(i).padStart(2, '0')}`, i * 2, i * 2 + 1, { user_agent: app, client_ip: `198.51.100.${i}` }));
    const other = finding('looping-session', 'medium', 'session', 'other', 10, 11, { user_agent: 'Mozilla/5.0 Firefox/120.0', client_ip: '192.0.2.9' });
    const got = groups([...loops, other]);
    expect(got.map((g) => g.length).sort((a, b) => b - a)).toEqual([24, 1]);
  });

  it('puts a client\'s looping session with the burst of its address, and a campaign, a surge and a whole-run client-mix shift apart', () => {
    const got = groups([
      finding('burst', 'critical', 'ip', '82.82.97.119', 24, 30),
      finding('looping-session', 'high', 'session', '5fdd0253fb751873', 24, 30, { client_ip: '82.82.97.119', cycle: 'PROPFIND /admin%24', requests: 6000 }),
      finding('looping-session', 'medium', 'session', 'later', 200, 201, { client_ip: '82.82.97.119' }),
      finding('surge', 'info', 'global', 'all', 300, 310),
      finding('client-mix', 'medium', 'user_agent', 'Go-http-client', 0, 480),
      finding('campaign', 'medium', 'signature', 'exploit Nimda', 0, 470),
    ]);
    expect(got).toEqual([
      ['burst 82.82.97.119', 'looping-session 5fdd0253fb751873'],
      ['client-mix Go-http-client'],
      ['campaign exploit Nimda'],
      ['looping-session later'],
      ['surge all'],
    ]);
  });

  it('partitions the findings: each in exactly one incident; the headline is the most severe; ids are stable', () => {
    const fs = [
      finding('surge', 'medium', 'global', 'all', 10, 20),
      finding('burst', 'critical', 'ip', '203.0.113.7', 12, 18),
      finding('client-mix', 'low', 'user_agent', 'curl', 0, 180),
      finding('scanner', 'high', 'ip', '193.32.162.77', 100, 110),
    ];
    const report = toReport(fs);
    const incidents = groupIncidents(report);
    const all = incidents.flatMap((i) => i.findings);
    expect([...all].sort()).toEqual(report.map((f) => f.id).sort());
    const head = incidents[0];
    expect(head?.severity).toBe('critical');
    expect(head?.title).toBe('burst 203.0.113.7');
    expect(head?.window).toEqual({ start: '2026-03-10T06:00:00.000Z', end: '2026-03-10T09:00:00.000Z' });
    expect(head?.detectors).toEqual(['burst', 'surge', 'client-mix']);
    // The same findings in another order give the same incidents.
    expect(groupIncidents(toReport([...fs].reverse()))).toEqual(incidents);
  });
});

/** A minimal valid report holding these findings (and, when given, these incidents). */
function reportWith(findings: readonly ReportFinding[], withIncidents: boolean): Report {
  return {
    schema: 'lbua.report/1',
    tool: { name: 'lbua', version: '0.1.0' },
    options: { detectors: 'burst' },
    inputs: [],
    summary: {
      requests: 10, unique_clients: 1, time_range: { start: '2026-03-10T06:00:00.000Z', end: '2026-03-10T09:00:00.000Z' },
      requests_per_minute: { peak: 1, peak_minute: null, median: 1, mean: 1 }, status_classes: {}, top_status: [], bytes: { in: null, out: null },
      latency_ms: { total: { count: 0, p50: null, p95: null, p99: null, max: null }, backend: { count: 0, p50: null, p95: null, p99: null, max: null } },
    },
    top: {},
    warnings: [],
    warnings_total: 0,
    detectors_run: true,
    findings,
    ...(withIncidents ? { incidents: groupIncidents(findings) } : {}),
  };
}

describe('reporters lead with incidents', () => {
  const app = 'ShopApp/4.2.1 <script>alert(1)</script>';
  const loops = toReport(Array.from({ length: 9 }, (_x, i) => ({ ...finding('looping-session', 'medium', 'session', `s${i}`, i * 3, i * 3 + 1, { user_agent: app }), title: `loop ${i} of ${app}` })));
  const burst = toReport([finding('burst', 'high', 'ip', '203.0.113.7', 200, 210)]);
  const findings = [...burst, ...loops];

  it('prints one line per incident, then each incident\'s findings with the parts past six counted', () => {
    const text = renderTable(reportWith(findings, true), { color: false, columns: 160, evidence: false });
    expect(text).toContain('Incidents (2) from 10 findings');
    const incidentLines = text.split('\n').filter((l) => /\[9 findings: looping-session\]/.test(l));
    expect(incidentLines).toHaveLength(1);
    expect(text).toContain('… and 3 more findings of this incident');
    expect(text.split('\n').filter((l) => / loop \d of /.test(l))).toHaveLength(1 + 6);
  });

  it('groups the findings of a saved report made before incidents existed, the same way', () => {
    const old = reportWith(findings, false);
    expect(incidentsOf(old)).toEqual(groupIncidents(findings));
    const text = renderTable(parseReport(JSON.parse(JSON.stringify(old)), 'old.json'), { color: false, columns: 160, evidence: false });
    expect(text).toContain('Incidents (2) from 10 findings');
  });

  it('shows no incident heading when every finding is its own incident', () => {
    const text = renderTable(reportWith(toReport([finding('burst', 'high', 'ip', '203.0.113.7', 0, 10), finding('scanner', 'high', 'ip', '198.51.100.1', 50, 60)]), true), { color: false, columns: 160, evidence: false });
    expect(text).not.toContain('Incidents (');
    expect(text).toContain('Findings (2)');
  });

  it('has an incidents table in HTML, escaped, linking each incident to its headline finding', () => {
    const html = renderHtml(reportWith(findings, true));
    expect(html).toContain('<table id="incidents">');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const head = groupIncidents(findings)[0];
    expect(html).toContain(`<a href="#f-${head?.findings[0] ?? 'none'}">`);
    expect(html).toMatch(/<td class="n">9<\/td>/);
  });

  it('rejects a saved report whose incidents are malformed', () => {
    const bad = JSON.parse(JSON.stringify(reportWith(findings, true))) as { incidents: { findings: unknown }[] };
    if (bad.incidents[0]) bad.incidents[0].findings = 'x';
    expect(() => parseReport(bad, 'bad.json')).toThrow(/incidents\[0\]\.findings is not an array|incidents.*findings/);
  });
});
