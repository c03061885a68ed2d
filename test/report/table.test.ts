import { join } from 'node:path';
import { percent, textTable } from '../../src/report/style';
import { pct } from '../../src/report/html/escape';
import { describeAction, renderTable } from '../../src/report/table';
import { evidenceSummary } from '../../src/report/evidence';
import type { Report, ReportInput } from '../../src/report/types';
import { json, lbua, ROOT } from '../helpers/cli';

const SAMPLE = join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz');
const reports = new Map<string, Report>();
/** Freezes a parsed JSON value all the way down. */
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
/**
 * `lbua analyze SAMPLE --output json` (with --summary-only), run once per kind and shared by the tests, frozen: they
 * copy what they change, and a renderer that changed its input would throw.
 */
function sampleReport(kind: 'full' | 'summary-only'): Report {
  const done = reports.get(kind);
  if (done !== undefined) return done;
  const report = deepFreeze(json(lbua(['analyze', SAMPLE, '--output', 'json', ...(kind === 'summary-only' ? ['--summary-only'] : [])])) as Report);
  reports.set(kind, report);
  return report;
}

describe('terminal tables', () => {
  it('right-aligns columns of numbers and keeps text (and IPv4 addresses) left-aligned, with a rule under the header only', () => {
    const t = textTable(['key', 'requests', 'share']);
    t.push(['10.0.0.1', '1,234', '50.0%']);
    t.push(['192.168.100.200', '7', '-']);
    const lines = t.toString().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toBe('│ key             │ requests │ share │');
    expect(lines[2]).toMatch(/^├─+┼─+┼─+┤$/);
    expect(lines[3]).toBe('│ 10.0.0.1        │    1,234 │ 50.0% │');
    expect(lines[4]).toBe('│ 192.168.100.200 │        7 │     - │');
  });

  it('has no header row when given no header', () => {
    const t = textTable();
    t.push(['requests', '12']);
    expect(t.toString().split('\n')).toHaveLength(3);
  });
});

describe('describeAction', () => {
  it('names each kind of action in one line', () => {
    expect(describeAction({ type: 'rate-limit', key: 'ip', limit_per_minute: 60, window_seconds: 60, scope: '203.0.113.9', why: 'x' })).toBe('rate-limit 60/min per ip on 203.0.113.9');
    expect(describeAction({ type: 'capacity', subject: '10.0.3.17:8080', why: 'x' })).toBe('capacity: 10.0.3.17:8080');
    expect(describeAction({ type: 'investigate', subject: 'GET /a/:id', window: '2026-03-10T08:15:00.000Z/2026-03-10T08:55:00.000Z', why: 'x' })).toBe('investigate GET /a/:id 08:15–08:55');
  });

  it('lists networks before addresses, drops addresses inside them and counts the rest', () => {
    const ips = ['198.51.100.7', '203.0.113.1', '203.0.113.2', '192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'];
    expect(describeAction({ type: 'block', ips, cidrs: ['203.0.113.0/24'], why: 'x' })).toBe('block 203.0.113.0/24, 198.51.100.7, 192.0.2.1, 192.0.2.2 and 2 more');
  });

  it('strips control characters from log-derived subjects', () => {
    expect(describeAction({ type: 'investigate', subject: 'GET /\u001b[31mx', window: '', why: 'x' })).not.toContain('\u001b');
  });
});

describe('the inputs table', () => {
  const sample = sampleReport('summary-only');
  const input = (k: number, over: Partial<ReportInput> = {}): ReportInput => ({
    path: `AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/03/10/file-${String(k).padStart(3, '0')}.log.gz`,
    format: 'alb', gzip: true, lines: 100, records: 100, filtered: 0, skipped: 0, malformed: 0, damaged: null, first_time: null, last_time: null, ...over,
  });
  const render = (inputs: ReportInput[]): string[] => renderTable({ ...sample, inputs }, { color: false, columns: 140, evidence: false }).split('\n');

  it('lists up to 12 inputs one per row', () => {
    const lines = render(Array.from({ length: 12 }, (_, k) => input(k)));
    expect(lines.filter((l) => l.includes('file-0'))).toHaveLength(12);
  });

  it('beyond that, shows totals per format and only the inputs with problems', () => {
    const inputs = Array.from({ length: 300 }, (_, k) => input(k));
    inputs[7] = input(7, { records: 97, malformed: 3 });
    inputs[250] = input(250, { records: 40, lines: 40, damaged: { message: 'unexpected end', offset: 1234 } });
    inputs.push(input(300, { path: 'notes.txt', format: null, gzip: false, lines: 5, records: 0, malformed: 5 }));
    const lines = render(inputs);
    const section = lines.slice(lines.indexOf('Inputs'), lines.indexOf('Traffic'));
    const rows = section.filter((l) => l.startsWith('│') && !l.includes('format'));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatch(/^│ 300 files +│ alb +│ +29,940 │ +29,937 │ +3 │ 300 gzip +│ +0 │ +0 │$/);
    expect(rows[1]).toMatch(/^│ 1 file +│ \? +│ +5 │ +0 │ +5 │/);
    expect(rows[2]).toContain('file-007.log.gz');
    expect(rows[3]).toContain('damaged at byte 1234');
    expect(rows[4]).toContain('notes.txt');
    expect(section).toContain('  301 inputs: totals per format, then the inputs with problems (--output json lists every input)');
  });

  it('counts files skipped as not a log (found under a directory) in the "?" total, not among the problems', () => {
    const inputs = Array.from({ length: 20 }, (_, k) => input(k));
    inputs.push(input(20, { path: 'AWSLogs/1/CloudTrail/trail.json', format: null, gzip: false, lines: 40, records: 0, skipped: 40, malformed: 0 }));
    const lines = render(inputs);
    const section = lines.slice(lines.indexOf('Inputs'), lines.indexOf('Traffic'));
    const rows = section.filter((l) => l.startsWith('│') && !l.includes('format'));
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(/^│ 1 file +│ \? +│ +40 │ +0 │ +0 │ +│ +40 │/);
    expect(section.join('\n')).not.toContain('trail.json');
  });
});

describe('finding windows in the table', () => {
  const base = sampleReport('summary-only');
  const finding = {
    id: 'x', detector: 'client-mix', severity: 'info', confidence: 0.9, title: 'device mix shifted', subject: { type: 'global', value: 'all' },
    window: { start: '2015-05-17T10:00:00.000Z', end: '2015-05-20T21:10:00.000Z' }, metrics: {}, explanation: '', evidence: [],
    actions: [{ type: 'investigate', subject: 'GET /a/:id', window: '2015-05-19T19:00:00.000Z/2015-05-19T19:20:00.000Z', why: 'x' }], related: [],
  };
  const render = (range: { start: string; end: string }): string =>
    renderTable({ ...base, summary: { ...base.summary, time_range: range }, detectors_run: true, findings: [finding] } as unknown as Report, { color: false, columns: 160, evidence: false });

  it('carry their dates when the log spans several days, so a 3-day window does not read as 11 hours', () => {
    const out = render({ start: '2015-05-17T10:05:00.000Z', end: '2015-05-20T21:05:59.000Z' });
    expect(out).toContain('[client-mix] 2015-05-17 10:00–2015-05-20 21:10');
    expect(out).toContain('→ investigate GET /a/:id 2015-05-19 19:00–19:20');
  });

  it('are times alone when the whole log lies in one UTC day', () => {
    const out = render({ start: '2015-05-17T00:05:00.000Z', end: '2015-05-17T23:59:00.000Z' });
    expect(out).toContain('[client-mix] 10:00–21:10');
    expect(out).toContain('→ investigate GET /a/:id 19:00–19:20');
  });
});

describe('fitting a terminal', () => {
  const report = sampleReport('full');
  const natural = renderTable(report, { color: false, columns: 120, evidence: false });

  it.each([80, 100])('keeps every line within %i columns: text columns narrowed, rightmost columns hidden and named', (cols) => {
    const out = renderTable(report, { color: false, columns: cols, evidence: false, fit: cols });
    const long = out.split('\n').filter((l) => l.length > cols);
    expect(long).toEqual([]);
    expect(out).toMatch(/\(hidden at this width: [a-z0-9 ,→]+; --output json has them\)/);
    // Every section is still there.
    for (const h of ['Inputs', 'Traffic', 'Top clients', 'Endpoints (by requests)', 'Countries', 'Sessions']) expect(out).toContain(`\n${h}`);
  });

  it('changes nothing without fit (pipes and files keep natural widths) or when everything fits', () => {
    expect(natural).not.toContain('hidden at this width');
    expect(renderTable(report, { color: false, columns: 120, evidence: false, fit: 1000 })).toBe(natural);
  });

  it('wraps a long finding under its title, detector and window kept whole', () => {
    const f = {
      id: 'x', detector: 'regional-creep', severity: 'high', confidence: 0.9, subject: { type: 'country', value: 'JP' },
      title: 'JP: p95 latency crept from ~260 ms to ~1,312 ms (+405%) over 3 h while the median region moved 100%; its networks AS17676, AS4713 crept with it',
      window: { start: '2026-03-10T06:00:00.000Z', end: '2026-03-10T09:00:00.000Z' }, metrics: {}, evidence: [], related: [],
      actions: [{ type: 'capacity', subject: 'JP', why: 'x' }],
    };
    const out = renderTable({ ...report, findings: [f] } as unknown as Report, { color: false, columns: 80, evidence: false, fit: 80 }).split('\n');
    const at = out.findIndex((l) => l.startsWith('  HIGH     JP: p95 latency'));
    expect(at).toBeGreaterThan(0);
    expect(out.slice(at, at + 4).every((l) => l.length <= 80)).toBe(true);
    expect(out[at + 1]).toMatch(/^ {11}\S/);
    expect(out.slice(at, at + 4).join('\n')).toContain('[regional-creep] 06:00–09:00');
    expect(out.slice(at, at + 4).some((l) => /^ {11}→ capacity: JP$/.test(l))).toBe(true);
  });
});

describe('latency columns', () => {
  const headerOf = (out: string, title: string): string => {
    const lines = out.split('\n');
    const at = lines.indexOf(title);
    expect(at).toBeGreaterThan(0);
    return lines[at + 2] ?? '';
  };

  it('are left out of the endpoint, class and country tables when no request logged a time (CLF)', () => {
    const report = json(lbua(['analyze', join(ROOT, 'fixtures', 'formats', 'clf', 'basic.log'), '--output', 'json'])) as Report;
    const out = renderTable(report, { color: false, columns: 200, evidence: false });
    const endpoints = headerOf(out, 'Endpoints (by requests)');
    expect(endpoints).toMatch(/endpoint .*requests .*errors .*clients/);
    expect(endpoints).not.toContain('p95 ms');
    expect(headerOf(out, 'Client classes')).not.toContain('p50 ms');
    expect(out).not.toContain('backend p95');
  });

  it('stay when requests logged their times (ALB)', () => {
    const report = sampleReport('full');
    const out = renderTable(report, { color: false, columns: 400, evidence: false });
    expect(headerOf(out, 'Endpoints (by requests)')).toMatch(/p50 ms .*p95 ms .*p99 ms .*backend p95/);
    expect(headerOf(out, 'Countries')).toMatch(/p95 first→last third/);
  });
});

describe('percentages', () => {
  it('never show a share that is not zero as 0%, nor one short of all as 100% (terminal and HTML)', () => {
    expect([0, 0.0003, 0.0005, 0.123, 0.9997, 1].map(percent)).toEqual(['0.0%', '<0.1%', '0.1%', '12.3%', '>99.9%', '100.0%']);
    expect([0, 0.0003, 0.5, 0.9997, 1].map((v) => pct(v))).toEqual(['0%', '<0.1%', '50%', '>99.9%', '100%']);
    expect(pct(0.00003, 2)).toBe('<0.01%');
  });

  it('3 server errors in 10,000 requests read "<0.1%" in the status classes', () => {
    const report = sampleReport('full');
    const s = report.summary;
    const rare = { ...report, summary: { ...s, requests: 10_000, status_classes: { '2xx': 9_997, '5xx': 3 } } } as Report;
    expect(renderTable(rare, { color: false, columns: 200, evidence: false })).toMatch(/2xx 9,997 \(>99\.9%\) +5xx 3 \(<0\.1%\)/);
  });
});

describe('evidence in the terminal (--evidence)', () => {
  const alb = 'https 2026-03-10T07:59:02.950000Z app/shop/50dc6c495c0c9188 162.55.4.200:38616 10.0.2.63:8080 0.000 0.046 0.000 503 503 310 120 "GET https://shop.example.com:443/products/5880?ref=x HTTP/2.0" "Mozilla/5.0 (X11; Linux x86_64)" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "shop.example.com" "-" 0 2026-03-10T07:59:02.904000Z "forward" "-" "-" "10.0.2.63:8080" "503" "-" "-"';

  it('shows the request, not the head of the raw line: time, client, request, status, target of a 5xx, duration, agent', () => {
    expect(evidenceSummary(alb)).toBe('07:59:02.904  162.55.4.200  GET /products/5880?… → 503 from 10.0.2.63:8080  46 ms  "Mozilla/5.0 (X11; Linux x86_64)"');
    expect(evidenceSummary('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326')).toBe('20:55:36.000  127.0.0.1  GET /apache_pb.gif → 200');
    expect(evidenceSummary('not a log line at all')).toBeNull();
  });

  it('is what analyze --evidence prints under each finding, control characters stripped', () => {
    const report = sampleReport('full');
    const evil = alb.replace('Mozilla/5.0 (X11; Linux x86_64)', 'curl\u001b[2J');
    const withFinding = {
      ...report,
      findings: [{ id: 'x', detector: 'error-spike', severity: 'high', confidence: 0.9, title: 'test', subject: { type: 'target', value: '10.0.2.63:8080' }, window: { start: '2026-03-10T07:59:00.000Z', end: '2026-03-10T08:01:00.000Z' }, metrics: {}, evidence: [{ file: 'x.log', line: 7, text: evil }], actions: [] }],
    } as unknown as Report;
    const out = renderTable(withFinding, { color: false, columns: 200, evidence: true });
    expect(out).toContain('x.log:7  07:59:02.904  162.55.4.200  GET /products/5880?… → 503 from 10.0.2.63:8080  46 ms  "curl[2J"');
    expect(out).not.toContain('\u001b');
  });
});
