/**
 * `lbua watch --emit-rules TARGET -o FILE` (live/rules-file.ts): the file holds the rules of the open findings and of
 * those closed less than holdMs ago, is written only when its text changes, atomically (a reader polling it during
 * hundreds of updates never sees a partial file), keeps its mode, and nginx / HAProxy accept every version.
 *
 * The findings are the real ones of `lbua analyze` on a generated log with every attack kind, replayed minute by
 * minute over the log's six hours: a finding is open from its window's start to its end, then closed.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report, ReportFinding } from '../../src/core/report-types';
import { createRulesFile, heldFindings, type ClosedFinding } from '../../src/live/rules-file';
import { renderRules, type RuleTarget } from '../../src/report/rules';
import { lbua } from '../helpers/cli';
import { cacheKey, cached, generatedLog } from '../helpers/generated';
import { HAPROXY, NGINX, haproxyCheck, nginxCheck } from '../helpers/rule-servers';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();
const MIN = 60_000;
const HOLD = 15 * MIN;

if (NGINX === null) console.log('nginx -t checks of the kept-current rules file skipped: no nginx binary (.ci/run installs nginx-light)');
if (HAPROXY === null) console.log('haproxy -c checks of the kept-current rules file skipped: no haproxy binary (.ci/run installs haproxy)');

/** The findings of `analyze` on the generated log with every attack kind (made once per test run). */
function realFindings(): readonly ReportFinding[] {
  const log = generatedLog(['--incident', 'all'], '.log.gz');
  const { dir } = cached(cacheKey('analyze-json', [log.path]), (d) => {
    const r = lbua(['analyze', '--output', 'json', log.path]);
    writeFileSync(join(d, 'report.json'), r.stdout);
    return { code: r.code };
  });
  return (JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report).findings;
}

const ms = (iso: string): number => Date.parse(iso);

/** What is open and closed at `t` when each finding is open over its window and closes at its end. */
function stateAt(findings: readonly ReportFinding[], t: number): { open: ReportFinding[]; closed: ClosedFinding[] } {
  const open = findings.filter((f) => ms(f.window.start) <= t && t < ms(f.window.end));
  const closed = findings.filter((f) => ms(f.window.end) <= t).map((f) => ({ finding: f, closedAtMs: ms(f.window.end) }));
  return { open, closed };
}

/** Every minute of the replay, from the first window's start to an hour after the last window's end. */
function minutes(findings: readonly ReportFinding[]): number[] {
  const first = Math.min(...findings.map((f) => ms(f.window.start)));
  const last = Math.max(...findings.map((f) => ms(f.window.end))) + 60 * MIN;
  const out: number[] = [];
  for (let t = first; t <= last; t += MIN) out.push(t);
  return out;
}

const sha = (s: string): string => createHash('sha1').update(s).digest('hex');

describe('kept-current rules file', () => {
  let findings: readonly ReportFinding[];
  beforeAll(() => {
    findings = realFindings();
    // The replay needs findings that propose rules: blocks and rate limits.
    expect(findings.filter((f) => f.actions.some((a) => a['type'] === 'block')).length).toBeGreaterThanOrEqual(3);
  });

  it('holds the open findings and those closed less than holdMs ago, in a fixed order', () => {
    const [a, b, c] = findings;
    if (a === undefined || b === undefined || c === undefined) throw new Error('too few findings');
    const t = 1_000_000;
    const held = heldFindings([b, a], [{ finding: c, closedAtMs: t - HOLD }, { finding: b, closedAtMs: t - 1 }, { finding: a, closedAtMs: t - HOLD + 1 }], t, HOLD);
    // c's hold has ended; b is both open and closed (counted once); the order is the windows', not the caller's.
    expect(held.map((f) => f.id)).toEqual([a, b].sort((x, y) => x.window.start.localeCompare(y.window.start)).map((f) => f.id));
  });

  it('writes when the text changes, only then, and a rule disappears holdMs after its finding closed', () => {
    const burst = findings.find((f) => f.detector === 'burst' && f.subject.value === '82.82.97.119');
    if (burst === undefined) throw new Error('no burst finding');
    const path = join(tempDir('lbua-rules-'), 'lbua.conf');
    const file = createRulesFile({ target: 'nginx', path });
    const end = ms(burst.window.end);
    expect(file.update([burst], [], end - MIN)).toBe(true);
    const first = readFileSync(path, 'utf8');
    expect(first).toContain('82.82.97.119');
    const ino = statSync(path).ino;
    // Same findings: no write (the proxy is not reloaded for nothing).
    expect(file.update([burst], [], end)).toBe(false);
    expect(file.update([], [{ finding: burst, closedAtMs: end }], end)).toBe(false);
    expect(file.nextExpiryMs).toBe(end + HOLD);
    expect(file.update([], [{ finding: burst, closedAtMs: end }], end + HOLD - 1)).toBe(false);
    expect(statSync(path).ino).toBe(ino);
    // The hold ends: the rule goes.
    expect(file.update([], [{ finding: burst, closedAtMs: end }], end + HOLD)).toBe(true);
    const after = readFileSync(path, 'utf8');
    expect(after).not.toContain('82.82.97.119');
    expect(after).toBe(renderRules([], 'nginx'));
    expect(file.nextExpiryMs).toBeNull();
    expect(file.text).toBe(after);
  });

  it('does not rewrite a file that already holds the text, and keeps the mode of the file it replaces', () => {
    const dir = tempDir('lbua-rules-');
    const path = join(dir, 'waf.json');
    const { open, closed } = stateAt(findings, ms('2026-03-10T07:00:00Z'));
    writeFileSync(path, renderRules(open, 'aws-waf'));
    chmodSync(path, 0o640);
    const ino = statSync(path).ino;
    const file = createRulesFile({ target: 'aws-waf', path, holdMs: 0 });
    expect(file.update(open, [], ms('2026-03-10T07:00:00Z'))).toBe(false);
    expect(statSync(path).ino).toBe(ino);
    const later = stateAt(findings, ms('2026-03-10T09:30:00Z'));
    expect(file.update(later.open, later.closed, ms('2026-03-10T09:30:00Z'))).toBe(true);
    expect(statSync(path).ino).not.toBe(ino);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(closed.length).toBeGreaterThan(0);
    // No temporary file is left beside it.
    expect(readdirSync(dir)).toEqual(['waf.json']);
  });

  it('a write that fails throws, leaves nothing behind, and the next update tries again', () => {
    const dir = join(tempDir('lbua-rules-'), 'not-yet');
    const path = join(dir, 'lbua.cfg');
    const file = createRulesFile({ target: 'haproxy', path });
    const { open } = stateAt(findings, ms('2026-03-10T06:20:00Z'));
    expect(() => file.update(open, [], 0)).toThrow(/^could not write the rules file .*lbua\.cfg: ENOENT/);
    mkdirSync(dir);
    expect(file.update(open, [], 0)).toBe(true);
    expect(readdirSync(dir)).toEqual(['lbua.cfg']);
  });

  it.each(['nginx', 'haproxy', 'aws-waf'] as const)('%s: a reader polling the file during a six-hour replay never sees a partial file', async (target: RuleTarget) => {
    const dir = tempDir('lbua-rules-');
    const path = join(dir, `rules.${target}`);
    const stop = join(dir, 'stop');
    const file = createRulesFile({ target, path, holdMs: HOLD });
    const versions = new Map<string, string>();
    const first = stateAt(findings, minutes(findings)[0] ?? 0);
    file.update(first.open, first.closed, minutes(findings)[0] ?? 0);
    versions.set(sha(file.text ?? ''), file.text ?? '');
    // Another process reads the file as fast as it can, and reports the distinct contents it saw.
    const reader = spawn(process.execPath, ['-e', `
      const fs = require('fs'); const crypto = require('crypto');
      const seen = new Map(); let reads = 0;
      process.stdout.write('ready\\n');
      while (!fs.existsSync(${JSON.stringify(stop)})) {
        const s = fs.readFileSync(${JSON.stringify(path)}, 'utf8'); reads++;
        const h = crypto.createHash('sha1').update(s).digest('hex');
        if (!seen.has(h)) seen.set(h, s.length);
      }
      process.stdout.write(JSON.stringify({ reads, seen: [...seen] }) + '\\n');
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    reader.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    await new Promise<void>((res) => reader.stdout.once('data', () => res()));
    let writes = 0;
    // The replay, three times over (more writes while the reader reads).
    for (let round = 0; round < 3; round++) {
      for (const t of minutes(findings)) {
        const { open, closed } = stateAt(findings, t);
        if (file.update(open, closed, t)) writes++;
        versions.set(sha(file.text ?? ''), file.text ?? '');
      }
      const empty = renderRules([], target);
      if (file.update([], [], 0)) writes++;
      versions.set(sha(empty), empty);
      await new Promise((res) => setTimeout(res, 5));
    }
    writeFileSync(stop, '');
    await new Promise((res) => reader.once('exit', res));
    const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { reads: number; seen: [string, number][] };
    expect(writes).toBeGreaterThanOrEqual(20);
    expect(result.reads).toBeGreaterThan(writes);
    const partial = result.seen.filter(([h]) => !versions.has(h));
    expect(partial).toEqual([]);
    // It saw several versions, not only the last one.
    expect(result.seen.length).toBeGreaterThanOrEqual(3);
    expect(existsSync(path)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([`rules.${target}`, 'stop']);

    // Every version is a valid config for its target.
    const texts = [...versions.values()];
    expect(texts.length).toBeGreaterThanOrEqual(5);
    if (target === 'aws-waf') for (const t of texts) expect(() => JSON.parse(t) as unknown).not.toThrow();
    if (target === 'nginx' && NGINX !== null) {
      for (const t of texts) {
        const check = nginxCheck(t, tempDir('lbua-rules-nginx-'));
        expect({ ok: check.ok, output: check.ok ? '' : `${check.output}\n${t}` }).toEqual({ ok: true, output: '' });
      }
    }
    if (target === 'haproxy' && HAPROXY !== null) {
      for (const t of texts) {
        const check = haproxyCheck(t, tempDir('lbua-rules-haproxy-'));
        expect({ ok: check.ok, output: check.ok ? '' : `${check.output}\n${t}` }).toEqual({ ok: true, output: '' });
      }
    }
  });
});
