/**
 * The markdown digest (`--output markdown`, `-o *.md`) as GitHub would show it (markdown-it: CommonMark + GFM
 * tables): incidents render as a list with their subjects and actions, key numbers as a list, movers as tables; a
 * clean log gives a short digest; hostile log content (pipes, emphasis, backticks, links, HTML, newlines, control
 * characters) adds no cell, link, emphasis or HTML, in the rendered page and in the markdown source.
 */
import { appendFileSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { json, lbua, ROOT } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { generatedLog } from '../helpers/generated';
import { tempDirs } from '../helpers/tmp';
import { parseReport } from '../../src/report/parse';
import { renderMarkdown } from '../../src/report/markdown';
import { mdCode, mdHref, mdText } from '../../src/report/markdown-text';
import type { Report, ReportFinding, ReportIncident } from '../../src/report/types';

const tempDir = tempDirs();
const tmp = tempDir('lbua-md-');

/** GitHub-like: no raw HTML (html:false) and, in a second renderer, raw HTML allowed and GFM autolinks on. */
const md = new MarkdownIt({ html: false });
const mdLoose = new MarkdownIt({ html: true, linkify: true });
mdLoose.linkify.set({ fuzzyLink: false, fuzzyEmail: true });

/** The tags of rendered HTML, by name. */
function tags(html: string, name: string): number {
  return (html.match(new RegExp(`<${name}[ >]`, 'g')) ?? []).length;
}

/** Rows of the rendered tables: the number of cells of each row. */
function cellCounts(html: string): number[][] {
  return [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((t) => [...(t[1] ?? '').matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => tags(r[1] ?? '', 't[dh]')));
}

const incidentLog = generatedLog(['-n', '30000', '--hours', '3', '--seed', '4', '--incident', 'all'], '.log.gz');
const runInc = lbua(['analyze', incidentLog.path, '-o', join(tmp, 'inc.json'), '-o', join(tmp, 'inc.md'), '-o', join(tmp, 'inc.html')]);
const clean = join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz');
const runClean = lbua(['analyze', clean, '--output', 'markdown']);

describe('markdown digest of an incident log', () => {
  const text = runInc.code === 0 ? readFileSync(join(tmp, 'inc.md'), 'utf8') : '';
  const report = runInc.code === 0 ? parseReport(JSON.parse(readFileSync(join(tmp, 'inc.json'), 'utf8')), 'inc.json') : null;
  const html = md.render(text);

  it('runs', () => {
    expect([incidentLog.code, runInc.code]).toEqual([0, 0]);
    expect(report?.incidents?.length).toBeGreaterThan(5);
  });

  it('lists every incident (first), most severe first, as an ordered list with subjects, findings and actions', () => {
    const incidents = report?.incidents ?? [];
    expect(text.indexOf('## Incidents')).toBeLessThan(text.indexOf('## Key numbers'));
    const list = /<h2>Incidents<\/h2>\s*<ol>([\s\S]*?)<\/ol>\s*<h2>/.exec(html)?.[1] ?? '';
    // Top-level items: one per incident (the nested lists are <ul>).
    const top = list.replace(/<ul>[\s\S]*?<\/ul>/g, '');
    expect(tags(top, 'li')).toBe(incidents.length);
    for (const inc of incidents) expect(text).toContain(`**${inc.severity.toUpperCase()}**`);
    expect(tags(list, 'ul')).toBeGreaterThan(0);
    // The first incident's subjects as code and its actions as text (readable, not JSON).
    const first = incidents[0] as ReportIncident;
    expect(list).toContain(`<code>${first.subjects[0]?.value ?? '?'}</code>`);
    expect(text).toMatch(/- Actions:\n\s+- (rate-limit|block|capacity|investigate) /);
    expect(text).not.toMatch(/\{"type"/);
  });

  it('then the key numbers and the movers, and links the HTML report written alongside', () => {
    const s = (report as Report).summary;
    expect(html).toMatch(/<h2>Key numbers<\/h2>\s*<ul>/);
    expect(text).toContain(`Requests: **${s.requests.toLocaleString('en-US')}**`);
    expect(text).toContain(`at ${(s.requests_per_minute.peak_minute ?? '').slice(11, 16)} UTC`);
    const tables = cellCounts(html);
    expect(tables.length).toBe(2);
    for (const t of tables) expect(new Set(t)).toEqual(new Set([4]));
    const slowest = (report as Report).profiles?.endpoints_slowest[0]?.endpoint ?? '?';
    expect(html).toContain(`<code>${slowest}</code>`);
    expect(html).toContain('<a href="inc.html">inc.html</a>');
    expect(tags(html, 'a')).toBe(1);
  });

  it('is the same digest when rendered from the saved JSON by lbua report', async () => {
    const r = await lbuaIn(['report', join(tmp, 'inc.json'), '--output', 'markdown']);
    expect(r.code).toBe(0);
    // Without an HTML report alongside there is no link; the rest is identical.
    expect(r.stdout).toBe(text.replace(/\n\nFull report: .*\n$/, '\n'));
  });
});

describe('markdown digest of a damaged input', () => {
  it('says the input was cut short, and how much of it was read', async () => {
    const whole = readFileSync(join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz'));
    const cut = join(tmp, 'cut.log.gz');
    writeFileSync(cut, whole.subarray(0, 300_000));
    const r = await lbuaIn(['analyze', cut, '--output', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^- \*\*Input damaged:\*\* `[^`]*cut\.log\.gz`: unexpected end of gzip data .*; the 4,997 lines before it were read$/m);
  });
});

describe('markdown digest of a clean log', () => {
  const text = runClean.stdout;

  it('says no findings and gives the key numbers on one screen', async () => {
    expect(runClean.code).toBe(0);
    expect(text).toContain('**No findings.**');
    const items = text.split('\n').filter((l) => l.startsWith('- '));
    expect(items.length).toBeGreaterThanOrEqual(5);
    expect(items.length).toBeLessThanOrEqual(8);
    expect(text.split('\n').length).toBeLessThanOrEqual(20);
    expect(tags(md.render(text), 'table')).toBe(0);
  });
});

const HOSTILE_PATH = '/a|b*c_d_<script>alert(1)</script>`tick`[x](http://evil.example/)www.evil.example@admin~~s~~$x$&amp;';
const HOSTILE_UA = 'Mozilla/5.0 | *bold* [y](javascript:alert(2)) <img src=x onerror=alert(3)> `code`';

/** ALB lines: one client, the hostile path and agent, answered 500 after 2.5 s, 90 a minute for ten minutes. */
function hostileLines(startMs: number): string {
  const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');
  const out: string[] = [];
  for (let i = 0; i < 900; i++) {
    const t = startMs + Math.floor((i * 60_000) / 90);
    out.push(
      `https ${iso(t + 5)} app/shop-prod/50dc6c495c0c9188 91.240.118.222:${40000 + i} 10.0.2.9:8080 0.000 2.500 0.000 500 500 312 150 ` +
        `"GET https://shop.example.com:443${HOSTILE_PATH} HTTP/1.1" "${HOSTILE_UA}" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ` +
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/73e2d6bc24d8a067 "Root=1-69afe1c8-47d0f5cf5562018097ce3928" ' +
        `"shop.example.com" "-" 0 ${iso(t)} "forward" "-" "-" "10.0.2.9:8080" "500" "-" "-" TID_hostile "-" "-" "-"`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** Checks that rendered markdown holds no link but `allowedLinks`, no raw HTML, no emphasis from log values. */
function expectInert(text: string, allowedLinks: number): void {
  for (const render of [md, mdLoose]) {
    const html = render.render(text);
    expect(tags(html, 'a')).toBe(allowedLinks);
    expect(html).not.toMatch(/<(script|img|svg)\b/i);
    expect(tags(html, 'em')).toBe(0);
    expect(tags(html, 's')).toBe(0);
    expect(tags(html, 'del')).toBe(0);
    for (const t of cellCounts(html)) expect(new Set(t).size).toBeLessThanOrEqual(1);
  }
}

describe('hostile log content in the digest', () => {
  const log = join(tmp, 'hostile.log');
  copyFileSync(generatedLog(['-n', '20000', '--hours', '2', '--seed', '11', '--start', '2026-03-10T06:00:00Z'], '.log').path, log);
  appendFileSync(log, hostileLines(Date.parse('2026-03-10T07:00:00Z')));
  const run = lbua(['analyze', log, '--json', '-o', '-', '-o', join(tmp, 'hostile.md')]);
  const text = run.code === 0 ? readFileSync(join(tmp, 'hostile.md'), 'utf8') : '';

  it('shows a hostile path from the log as one code cell of the slowest-endpoints table', () => {
    expect(run.code).toBe(0);
    const html = md.render(text);
    const rows = cellCounts(html)[0] ?? [];
    expect(rows.length).toBeGreaterThan(1);
    expect(new Set(rows)).toEqual(new Set([4]));
    // The path is there, whole (up to the cut) and as text: its pipe, brackets and tags are characters.
    expect(html).toContain('<code>GET /a|b*c_d_&lt;script&gt;alert(1)&lt;/script&gt;`tick`[x](http://evil.example/)');
    expectInert(text, 0);
  });

  it('keeps hostile titles, subjects, actions, names and file names inert', () => {
    const report = parseReport(json(run), 'stdout');
    const evil = `x | y *b* _i_ \`c\` [l](http://evil.example) <script>alert(1)</script> <b>raw</b> ~~del~~ $m$ &lt; www.evil.example a@evil.example\nsecond line\u001b[31m red\u0007 # not a heading\n| a | b |`;
    const finding = report.findings[0] as ReportFinding;
    const hostile: Report = {
      ...report,
      inputs: report.inputs.map((i) => ({ ...i, path: `/tmp/${evil}` })),
      findings: report.findings.map((f) => ({ ...f, title: evil, subject: { type: evil, value: evil }, actions: [...f.actions, { type: 'investigate', subject: evil, window: `${f.window.start}/${f.window.end}` }, { type: 'rate-limit', key: evil, limit_per_minute: 60, scope: evil }] })),
      incidents: (report.incidents ?? []).map((i) => ({ ...i, title: evil, subjects: [{ type: evil, value: evil }, ...i.subjects], detectors: [evil] })),
      ...(report.geo ? { geo: { ...report.geo, latency_risers: report.geo.latency_risers.map((g) => ({ ...g, key: evil, name: evil })) } } : {}),
      ...(report.profiles ? { profiles: { ...report.profiles, endpoints_slowest: report.profiles.endpoints_slowest.map((e) => ({ ...e, endpoint: evil })) } } : {}),
    };
    expect(finding.actions.length).toBeGreaterThan(0);
    const out = renderMarkdown(hostile, { htmlHref: 'r (1)/[x](evil).html' });
    expectInert(out, 1);
    // One line per item: the log's newline and "| a | b |" made no new line, heading or table row.
    expect(out).not.toMatch(/\nsecond line/);
    expect(out).not.toMatch(/^#+ not a heading/m);
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u0007');
    const html = md.render(out);
    expect(out.match(/^#{1,2} /gm)).toEqual(['# ', '## ', '## ', '## ']);
    expect(tags(html, 'h1') + tags(html, 'h2')).toBe(4);
    // The link to the HTML report: its own, percent-encoded.
    expect(html).toContain('<a href="r%20%281%29/%5Bx%5D%28evil%29.html">');
  });
});

describe('markdown-text', () => {
  it('escapes running text so that it reads as itself', () => {
    for (const s of ['a|b', '*x*', '_y_', '`z`', '[l](http://e.example)', '<b>', '&amp;', '~~s~~', '$m$', 'a\\b']) {
      expect(md.renderInline(mdText(s))).toBe(md.utils.escapeHtml(s));
    }
    expect(mdText('a\nb\u001b[2Jc')).toBe('a b\\[2Jc');
    expect(mdText('x'.repeat(400), 300)).toHaveLength(300);
  });

  it('fences code spans around backticks and escapes pipes in table cells', () => {
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('`a')).toBe('`` `a ``');
    expect(md.renderInline(mdCode('x ``` y`'))).toBe('<code>x ``` y`</code>');
    expect(mdCode('a|b', 80, true)).toBe('`a\\|b`');
    expect(mdCode('')).toBe('-');
  });

  it('percent-encodes link targets by segment', () => {
    expect(mdHref('sub dir/r (1).html')).toBe('sub%20dir/r%20%281%29.html');
    expect(mdHref('../r.html')).toBe('../r.html');
  });
});
