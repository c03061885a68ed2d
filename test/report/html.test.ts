/**
 * The HTML report without a browser: hostile log content stays text, the CSP allows exactly the page's own style
 * and script, output is deterministic, `lbua report` renders a saved JSON report to the same bytes, the page size
 * does not grow with the input, and bad saved reports exit 2 with one line. One analysis of the hostile log is
 * spawned (bin/lbua.js, writing the JSON and the HTML); the other runs are main() in this process
 * (test/helpers/in-process.ts).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { generatedLog } from '../helpers/generated';
import { hostileAlbLines, XSS_PATH, XSS_UA } from '../helpers/hostile';
import { renderHtml, readFindings } from '../../src/report/html/index';
import { esc, h, raw } from '../../src/report/html/escape';
import type { Report } from '../../src/report/types';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const tmp = tempDir('lbua-html-');
const log = join(tmp, 'hostile.log');
/** Two hours of traffic (generated once per run); the page size test below reads it as it is. */
const generated = generatedLog(['-n', '20000', '--hours', '2', '--seed', '11', '--start', '2026-03-10T06:00:00Z'], '.log');
copyFileSync(generated.path, log);
appendFileSync(log, `${hostileAlbLines(Date.parse('2026-03-10T08:00:00Z'), 3, 400).join('\n')}\n`);
const savedJson = join(tmp, 'saved.json');
const direct = join(tmp, 'direct.html');
// One analysis, two outputs: the saved JSON report and the page.
const runHtml = lbua(['analyze', log, '-o', savedJson, '-o', direct]);

describe('lbua analyze --output html / lbua report', () => {
  it('runs', () => {
    expect([generated.code, runHtml.code]).toEqual([0, 0]);
    expect(runHtml.stdout).toBe('');
  });

  const page = readFileSync(direct, 'utf8');

  it('renders a saved JSON report to the same bytes as analyze --output html', async () => {
    const rendered = join(tmp, 'rendered.html');
    expect((await lbuaIn(['report', savedJson, '-o', rendered])).code).toBe(0);
    expect(readFileSync(rendered, 'utf8')).toBe(page);
  });

  it('is deterministic: a second run gives byte-identical HTML', () => {
    const again = join(tmp, 'again.html');
    expect(lbua(['analyze', log, '-o', again]).code).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(page);
  });

  it('shows the hostile user agent and path as escaped text, never as markup', () => {
    expect(page).toContain(esc(XSS_UA));
    expect(page).toContain(esc(XSS_PATH));
    expect(page).not.toContain('<script>window');
    expect(page).not.toMatch(/<img|<svg onload|<svg\/onload/i);
    expect(page.match(/<script\b/g)).toHaveLength(1);
    // No attribute value can start a URL from log content.
    expect(page).not.toMatch(/(?:href|src|action)\s*=\s*["']?\s*javascript:/i);
  });

  it('carries the evidence lines themselves (so the page is useful away from the logs)', () => {
    const saved = JSON.parse(readFileSync(savedJson, 'utf8')) as Report;
    const withText = saved.findings.flatMap((f) => f.evidence).filter((e) => typeof e.text === 'string');
    expect(withText.length).toBeGreaterThan(0);
    const lines = readFileSync(log, 'utf8').split('\n');
    for (const e of withText.slice(0, 20)) expect(e.text).toBe(lines[e.line - 1]);
  });

  it('heads each evidence line with what it says: time, client, request, status', () => {
    const block = /<pre class="evidence">(.*?)<\/pre>/s.exec(page)?.[1] ?? '';
    expect(block).toMatch(/hostile\.log:\d+  \d\d:\d\d:\d\d\.\d{3}  [\d.:a-f]+  [A-Z]+ \/\S* → \d{3}/);
  });

  it('sets a CSP that allows only its own style and script, by hash', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)?.[1] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const css = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? '';
    const js = /<script>([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';
    const sha = (s: string): string => createHash('sha256').update(s).digest('base64');
    expect(csp).toContain(`style-src 'sha256-${sha(css)}'`);
    expect(csp).toContain(`script-src 'sha256-${sha(js)}'`);
    // No inline style attributes (the CSP would block them) and no network references.
    expect(page).not.toMatch(/\sstyle="/);
    expect(page).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
  });

  it('has every section, the timeline drawn, and one mark per finding', () => {
    for (const id of ['timeline', 'findings', 'sessions', 'endpoints', 'regions', 'clients', 'diagnostics']) expect(page).toContain(`<section id="${id}">`);
    const saved = JSON.parse(readFileSync(savedJson, 'utf8')) as Report;
    expect(saved.findings.length).toBeGreaterThan(0);
    expect(page.match(/ data-finding="/g)).toHaveLength(saved.findings.length);
    expect(page.match(/<article class="finding/g)).toHaveLength(saved.findings.length);
    expect(page).toMatch(/<path class="bar s2xx" d="M[\d.]+ [\d.]+h/);
  });

  it('stays small: the page does not grow with the input', () => {
    const big = join(tmp, 'big.log.gz');
    expect(lbua(['generate', '-n', '120000', '--hours', '2', '--seed', '11', '--start', '2026-03-10T06:00:00Z', '-o', big]).code).toBe(0);
    const bigHtml = join(tmp, 'big.html');
    const smallHtml = join(tmp, 'small.html');
    const small = generated.path;
    // Spawned: whole analyses of 20,000 lines and more take ~1.7x as long in a jest worker as in their own process.
    expect(lbua(['analyze', big, '-o', bigHtml]).code).toBe(0);
    expect(lbua(['analyze', small, '-o', smallHtml]).code).toBe(0);
    const a = statSync(smallHtml).size;
    const b = statSync(bigHtml).size;
    expect(b).toBeLessThan(600_000);
    expect(b / a).toBeLessThan(1.3);
  });
});

describe('lbua report: bad input', () => {
  it.each([
    ['missing file', join(tmp, 'nope.json'), /cannot read/],
    ['not JSON', 'not-json', /not JSON/],
    ['JSON but not a report', 'other-json', /not an lbua report/],
    ['a newer schema', 'newer', /newer than this lbua understands/],
  ])('%s → exit 2 with one line', async (_name, which, message) => {
    const files: Record<string, string> = { 'not-json': 'hello', 'other-json': '{"a":1}', newer: '{"schema":"lbua.report/9"}' };
    let path = which;
    if (files[which] !== undefined) {
      path = join(tmp, `${which}.json`);
      writeFileSync(path, files[which] ?? '');
    }
    // A missing file spawned (node's fs error codes do not pass jest's sandbox), the others in-process.
    const r = which === path ? lbua(['report', path]) : await lbuaIn(['report', path]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')[0]).toMatch(message);
  });

  it('says so in the header when inputs were damaged or had malformed lines, and lists the diagnostics', async () => {
    const bad = join(tmp, 'bad.log');
    writeFileSync(bad, 'garbage line one\n<script>alert(1)</script> not a log line\n');
    const gz = readFileSync(join(__dirname, '..', '..', 'fixtures', 'samples', 'alb-sample.log.gz'));
    const truncated = join(tmp, 'truncated.log.gz');
    writeFileSync(truncated, gz.subarray(0, Math.floor(gz.length / 2)));
    const r = await lbuaIn(['analyze', truncated, bad, '--output', 'html']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Input problems: 1 damaged input (read up to the damage), 2 malformed lines.');
    expect(r.stdout).toContain('INPUT_DAMAGED');
    expect(r.stdout).toContain('DETECT_NO_FORMAT');
    expect(r.stdout.match(/<script\b/g)).toHaveLength(1);
  });

  it('renders a partial report (older lbua, --summary-only) without failing', async () => {
    const p = join(tmp, 'summary-only.json');
    expect((await lbuaIn(['analyze', log, '--summary-only', '--output', 'json', '-o', p])).code).toBe(0);
    const r = await lbuaIn(['report', p]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('This report has no timeline');
    expect(r.stdout).toContain('This report has no sessions section');
  });

  it('renders a hand-edited hostile report safely: markup in strings escaped', async () => {
    const base = JSON.parse(readFileSync(savedJson, 'utf8')) as Record<string, unknown>;
    const finding = { id: '"><script>alert(1)</script>', detector: 'x', severity: 'high', confidence: 1, title: '<b>t</b>', subject: { type: 'ip', value: '"><x' }, window: { start: '2026-03-10T06:00:00Z', end: '2026-03-10T06:10:00Z' }, metrics: {}, evidence: [], actions: [{ type: '<i>', why: '</pre><script>alert(2)</script>' }], related: ['"><x'] };
    const evil = { ...base, findings: [finding], tool: { name: 'lbua', version: '</title><script>alert(3)</script>' } };
    const p = join(tmp, 'evil.json');
    writeFileSync(p, JSON.stringify(evil));
    const r = await lbuaIn(['report', p]);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/<script\b/g)).toHaveLength(1);
    expect(r.stdout.match(/<article class="finding/g)).toHaveLength(1);
    expect(r.stdout).toContain('&lt;/pre&gt;&lt;script&gt;alert(2)');
    expect(r.stdout).toContain('&lt;/title&gt;&lt;script&gt;alert(3)');
  });

  it('refuses a hand-edited report with fields of the wrong type (exit 2, one line with the path)', async () => {
    const base = JSON.parse(readFileSync(savedJson, 'utf8')) as Record<string, unknown>;
    const p = join(tmp, 'wrong-types.json');
    writeFileSync(p, JSON.stringify({ ...base, findings: [{ id: 'no-window' }, 42], timeline: { bucket_seconds: 'x' } }));
    const r = await lbuaIn(['report', p]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(`lbua: ${p}: timeline.bucket_seconds is not a number`);
  });
});

describe('html building blocks', () => {
  it('esc escapes markup and quotes and strips control and bidi characters', () => {
    expect(esc(`<a href="x" title='y'>&\`\u001b[31m\u202e`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;[31m');
  });

  it('h`` escapes interpolations unless they are Html, joins arrays, drops null and booleans', () => {
    expect(h`<p>${'<b>'}${raw('<i>')}${['<', raw('>')]}${null}${false}${3}</p>`.html).toBe('<p>&lt;b&gt;<i>&lt;>3</p>');
  });

  it('readFindings keeps well-formed findings and drops the rest', () => {
    const f = readFindings([
      { id: 'a1', detector: 'burst', severity: 'high', window: { start: '2026-03-10T06:00:00Z', end: '2026-03-10T06:01:00Z' }, evidence: [{ file: 'f', line: 3, text: 'l' }], actions: [], metrics: { x: 1, y: {} } },
      { id: 'b', window: { start: 'yesterday', end: 'today' } },
      null,
    ]);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ id: 'a1', severity: 'high', metrics: { x: 1, y: null }, evidence: [{ file: 'f', line: 3, text: 'l' }] });
  });

  it('renders an empty report', () => {
    const empty = {
      schema: 'lbua.report/1', tool: { name: 'lbua', version: '0' }, options: {}, inputs: [], summary: {
        requests: 0, unique_clients: 0, time_range: null, requests_per_minute: { peak: 0, peak_minute: null, median: 0, mean: 0 },
        status_classes: {}, top_status: [], bytes: { in: 0, out: 0 },
        latency_ms: { total: { count: 0, p50: null, p95: null, p99: null, max: null }, backend: { count: 0, p50: null, p95: null, p99: null, max: null } },
      }, top: {}, warnings: [], warnings_total: 0, findings: [], timeline: { bucket_seconds: 60, start: null, end: null, buckets: [] },
    } as unknown as Report;
    const out = renderHtml(empty);
    expect(out).toContain('No timed requests to draw.');
    expect(out).toContain('No findings');
  });

  it('lists a few inputs openly and folds many (an S3 tree) into a sortable table', () => {
    const report = JSON.parse(readFileSync(savedJson, 'utf8')) as Report;
    const input = report.inputs[0];
    const many = { ...report, inputs: Array.from({ length: 40 }, (_, k) => ({ ...input, path: `node-${k}.log.gz` })) } as Report;
    expect(readFileSync(direct, 'utf8')).toContain('<h4>Inputs</h4><table>');
    const folded = renderHtml(many);
    expect(folded).toContain('<details><summary>Inputs (40)</summary><table class="sortable">');
    expect(new Set(folded.match(/node-\d+\.log\.gz/g)).size).toBe(40);
  });
});

describe('timeline of a format that logs no latency', () => {
  it('draws no latency axis or lines (no invented 0–1 ms scale) and says latency is not logged; ALB pages keep both', async () => {
    const clf = join(tmp, 'clf.log');
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      const t = new Date(Date.parse('2026-03-10T06:00:00Z') + i * 20_000).toISOString();
      const stamp = `${t.slice(8, 10)}/Mar/2026:${t.slice(11, 19)} +0000`;
      lines.push(`198.51.100.${i % 50} - - [${stamp}] "GET /p/${i % 7} HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"`);
    }
    writeFileSync(clf, `${lines.join('\n')}\n`);
    const out = join(tmp, 'clf.html');
    expect((await lbuaIn(['analyze', clf, '-o', out])).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    const svg = html.slice(html.indexOf('<svg id="timeline-svg"'), html.indexOf('</figure>'));
    expect(svg).toContain('req/');
    expect(svg).not.toContain('class="lat');
    expect(svg).not.toContain('tick lat');
    expect(svg).toContain('latency not logged by this format');
    const albPage = readFileSync(direct, 'utf8');
    const alb = albPage.slice(albPage.indexOf('<svg id="timeline-svg"'), albPage.indexOf('</figure>'));
    expect(alb).toContain('<path class="lat p95" d="M');
    expect(alb).toContain('class="tick lat"');
    expect(alb).not.toContain('latency not logged');
  });
});

describe('a log that times no request (CLF)', () => {
  const clf = join(tmp, 'clf.html');
  const run = lbua(['analyze', join(__dirname, '..', '..', 'fixtures', 'formats', 'clf', 'basic.log'), '--output', 'html', '-o', clf]);
  const html = readFileSync(clf, 'utf8');
  const endpoints = /<table class="sortable" id="endpoints-table">.*?<\/thead>/s.exec(html)?.[0] ?? '';

  it('has one "latency: not logged" card, and no latency columns of dashes', () => {
    expect(run.code).toBe(0);
    expect(html).toContain('<b>not logged</b><span>latency</span>');
    expect(html).not.toContain('p95 latency');
    expect(endpoints).toContain('>requests<');
    expect(endpoints).not.toMatch(/>p(50|95|99)</);
    expect(html).not.toContain('backend p95');
    expect(html).toContain('Latency is not logged by this format.');
    expect(html).toContain('No request logged a TLS version (plain HTTP, or a format that does not log it).');
  });

  it('keeps them where requests are timed (ALB)', () => {
    const alb = readFileSync(direct, 'utf8');
    expect(alb).toContain('p95 latency');
    expect(/<table class="sortable" id="endpoints-table">.*?<\/thead>/s.exec(alb)?.[0]).toMatch(/>p95<.*>backend p95</s);
  });
});

describe('finding windows in the HTML report', () => {
  it('show seconds when a window lies within one minute, minutes otherwise', () => {
    const saved = JSON.parse(readFileSync(savedJson, 'utf8')) as Report;
    const finding = (start: string, end: string): Report['findings'][number] => ({
      id: `w${start.slice(14, 16)}`, detector: 'looping-session', severity: 'medium', confidence: 0.9, title: 'loop', subject: { type: 'session', value: 'abc' },
      window: { start, end }, metrics: {}, evidence: [], actions: [],
    } as unknown as Report['findings'][number]);
    const page = renderHtml({ ...saved, findings: [finding('2026-03-10T07:03:00.000Z', '2026-03-10T07:03:44.851Z'), finding('2026-03-10T06:27:00.000Z', '2026-03-10T06:35:00.000Z')] });
    expect(page).toContain('2026-03-10 07:03:00 → 07:03:44 UTC (45 s)');
    expect(page).toContain('2026-03-10 06:27 → 2026-03-10 06:35 UTC (8 min)');
  });
});
