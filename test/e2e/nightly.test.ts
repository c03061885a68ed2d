/**
 * The README's cron recipe (scripts/nightly.sh) end to end, as cron runs it: per-day log folders of generated days
 * (2026-03-05..08 clean, the days history.test.ts learns from too, and 03-09 with a burst, a scanner and a release at
 * 12:00). The first night builds the baseline from the days on disk; each night writes JSON (gzipped), HTML and
 * markdown, diffs against the night before, learns the night into the baseline and drops reports older than 30 days.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { BIN, ROOT } from '../helpers/cli';
import { generatedLog } from '../helpers/generated';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();
const SCRIPT = join(ROOT, 'scripts', 'nightly.sh');
const hasGnuDate = spawnSync('date', ['-u', '-d', '2026-03-09 -1 day', '+%F']).stdout?.toString().trim() === '2026-03-08';
const maybe = hasGnuDate ? describe : describe.skip;

const dayArgs = (d: number): string[] => ['-n', '8000', '--hours', '24', '--seed', String(d), '--start', `2026-03-${String(d).padStart(2, '0')}T00:00:00Z`];

interface Finding {
  readonly detector: string;
  readonly severity: string;
  readonly title: string;
  readonly subject: { readonly type: string; readonly value: string };
  readonly metrics: Readonly<Record<string, unknown>>;
}

maybe('scripts/nightly.sh (the README cron recipe)', () => {
  let root = '';
  const night = (day: string, env: Record<string, string> = {}): { code: number | null; stderr: string } => {
    const r = spawnSync('bash', [SCRIPT], {
      env: { ...process.env, TZ: 'UTC', NO_COLOR: '1', LBUA: join(root, 'lbua'), LBUA_LOGS: join(root, 'logs'), LBUA_OUT: join(root, 'out'), LBUA_DAY: day, ...env },
      encoding: 'utf8',
    });
    return { code: r.status, stderr: r.stderr };
  };
  const reports = (name: string): string => join(root, 'out', 'reports', name);
  const baselineDays = (): string[] =>
    (JSON.parse(gunzipSync(readFileSync(join(root, 'out', 'baseline.json.gz'))).toString('utf8')) as { days: { date: string }[] }).days.map((d) => d.date);

  beforeAll(() => {
    root = tempDir('lbua-nightly-');
    // The lbua a user has on PATH.
    writeFileSync(join(root, 'lbua'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
    for (const d of [5, 6, 7, 8]) {
      const log = generatedLog(dayArgs(d), '.log.gz');
      mkdirSync(join(root, 'logs', `2026-03-0${d}`), { recursive: true });
      copyFileSync(log.path, join(root, 'logs', `2026-03-0${d}`, 'lb.log.gz'));
    }
    const incident = generatedLog([...dayArgs(9), '--incident', 'ip-burst', '--incident', 'scanner', '--incident', 'release'], '.log.gz');
    mkdirSync(join(root, 'logs', '2026-03-09'), { recursive: true });
    copyFileSync(incident.path, join(root, 'logs', '2026-03-09', 'lb.log.gz'));
  }, 120_000);

  it('a quiet night: builds the baseline from the days before, writes the three reports, learns the night', () => {
    const r = night('2026-03-08');
    expect(r).toEqual({ code: 0, stderr: '' });
    for (const f of ['2026-03-08.json.gz', '2026-03-08.html', '2026-03-08.md']) expect(existsSync(reports(f))).toBe(true);
    // No night before it has a report: no diff.
    expect(existsSync(reports('2026-03-08-diff.md'))).toBe(false);
    expect(baselineDays()).toEqual(['2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08']);
    const report = JSON.parse(gunzipSync(readFileSync(reports('2026-03-08.json.gz'))).toString('utf8')) as { findings: Finding[]; options: Record<string, unknown> };
    // Judged against the three days before it, which the report names.
    expect(report.options).toMatchObject({ baseline: '2026-03-05..2026-03-07', baseline_days: 3 });
    expect(report.findings.filter((f) => f.severity === 'high' || f.severity === 'critical')).toEqual([]);
  }, 120_000);

  it('the incident night: exit 1 with one line for cron, the digest, the release compared, the diff, the window kept', () => {
    // A report from long ago, and one from last week: only the old one goes.
    writeFileSync(reports('2026-01-01.md'), 'old\n');
    const long = (Date.now() - 40 * 86_400_000) / 1000;
    utimesSync(reports('2026-01-01.md'), long, long);
    const r = night('2026-03-09', { LBUA_CHANGE_AT: '2026-03-09T12:00Z' });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^lbua: --fail-on high: \d+ findings? at or above high: burst 185\.220\.101\.45 \(critical\)/);

    const report = JSON.parse(gunzipSync(readFileSync(reports('2026-03-09.json.gz'))).toString('utf8')) as {
      findings: Finding[];
      options: Record<string, unknown>;
      change?: unknown;
    };
    const burst = report.findings.find((f) => f.detector === 'burst' && f.subject.value === '185.220.101.45');
    expect(burst?.severity).toBe('critical');
    expect(report.findings.some((f) => f.detector === 'scanner' && f.subject.value === '193.32.162.77')).toBe(true);
    // The deploy: the section and the release-impact findings cite it.
    expect(report.change).toBeDefined();
    const release = report.findings.filter((f) => f.detector === 'release-impact');
    expect(release.length).toBeGreaterThan(0);
    for (const f of release) expect(f.metrics['change_at']).toBe('2026-03-09T12:00:00.000Z');
    expect(release.map((f) => f.subject.value)).toContain('GET /api/v1/products/:id');

    // The digest: incidents first, the burst at their head, a link to the HTML written beside it.
    const md = readFileSync(reports('2026-03-09.md'), 'utf8');
    const incidents = md.indexOf('## Incidents');
    expect(incidents).toBeGreaterThan(0);
    expect(incidents).toBeLessThan(md.indexOf('## Key numbers'));
    expect(md.slice(incidents)).toMatch(/^## Incidents\n\n1\. \*\*CRITICAL\*\* 185\.220\.101\.45: /);
    const html = new MarkdownIt({ html: false }).render(md);
    expect(html).toContain('<a href="2026-03-09.html">');
    expect(existsSync(reports('2026-03-09.html'))).toBe(true);

    // Against the night before: the burst and the scanner are new findings there.
    const diff = readFileSync(reports('2026-03-09-diff.md'), 'utf8');
    expect(diff).toMatch(/\*\*new\*\* critical burst ip 185\.220\.101\.45/);
    expect(diff).toMatch(/\*\*new\*\* low scanner ip 193\.32\.162\.77/);

    expect(baselineDays()).toEqual(['2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09']);
    expect(existsSync(reports('2026-01-01.md'))).toBe(false);
    expect(existsSync(reports('2026-03-08.md'))).toBe(true);
  }, 120_000);

  it('a night without logs: exit 2 with one line, nothing written', () => {
    const r = night('2026-03-12');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`lbua-nightly: no logs for 2026-03-12 (${join(root, 'logs', '2026-03-12')})`]);
    expect(existsSync(reports('2026-03-12.md'))).toBe(false);
  });
});
