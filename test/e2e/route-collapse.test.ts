/**
 * A position that collapses mid-run counts every request under it, before the collapse too: 1,500 distinct
 * /shop/<slug> pages, 300 of them requested (twice) before the 1,000th distinct slug, the rest after. The report has
 * one `GET /shop/:var` row with all of them, no `/shop/<slug>` row, and sessions that enter, leave and move by
 * `/shop/:var` only (core/rekey.ts, enrich/route-guard.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, type AnalyzeOptions } from '../../src/analysis';
import { expandInputs } from '../../src/input/expand';
import { renderJson } from '../../src/report/json';
import { lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';

const T0 = Date.parse('2026-03-10T06:00:00Z');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A slug the built-in rules keep as it is (letters only). */
const slug = (i: number): string => `red-${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + (Math.floor(i / 26) % 26))}${String.fromCharCode(97 + Math.floor(i / 676))}`;

/** One nginx line (combined with request and upstream times). */
function line(ms: number, ip: string, path: string, status = 200): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  const time = `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
  return `${ip} - - [${time}] "GET ${path} HTTP/1.1" ${status} 512 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0" 300 0.020 [shop-8080] [] 10.0.0.5:8080 512 0.020 ${status} 529a007902362a5f51385a5fa7049884`;
}

describe('a route position collapsed mid-run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lbua-collapse-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts every request under it, those before the collapse too', async () => {
    const lines: string[] = [];
    let t = T0;
    const visit = (i: number, path: string): void => {
      lines.push(line(t, `198.51.100.${1 + (i % 40)}`, path));
      t += 500;
    };
    // 300 slugs twice each (with the cart between), long before the 1,000th distinct slug; then all 1,500.
    for (let i = 0; i < 300; i++) {
      visit(i, `/shop/${slug(i)}`);
      visit(i, '/cart');
      visit(i, `/shop/${slug(i)}`);
    }
    for (let i = 0; i < 1500; i++) visit(i, `/shop/${slug(i)}`);
    const file = join(dir, 'shop.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const options: AnalyzeOptions = {
      format: 'auto', strict: false, maxLineLength: 65_536, from: null, to: null, top: 10, maxWarnings: 20, jobs: 1,
      detectors: { only: null, disabled: [], overrides: {}, evidenceLimit: 3 },
    };
    const { report } = await analyze(expandInputs([file]).inputs, options);
    const profiles = report.profiles;
    expect(report.summary.requests).toBe(2400);
    expect(profiles?.collapsed_routes).toEqual(['/shop/:var (more than 1,000 distinct values)']);
    const rows = (profiles?.endpoints_top ?? []).map((r) => [r.endpoint, r.requests]);
    expect(rows).toEqual([['GET /shop/:var', 2100], ['GET /cart', 300]]);
    const sessions = report.sessions;
    const shop = (e: string): boolean => e.startsWith('GET /shop/');
    expect((sessions?.top_entry ?? []).map((e) => e.endpoint).filter(shop)).toEqual(['GET /shop/:var']);
    expect((sessions?.top_exit ?? []).map((e) => e.endpoint).filter(shop)).toEqual(['GET /shop/:var']);
    for (const tr of sessions?.top_transitions ?? []) {
      expect([tr.from, tr.to].filter(shop).every((e) => e === 'GET /shop/:var')).toBe(true);
      expect(tr.from).not.toBe(tr.to);
    }
    for (const f of report.findings) expect(f.subject.value).not.toMatch(/\/shop\/red-/);
    // The same lines in two files, one after the other in time, sharded over two workers (each templates its own
    // part; the guards merge, then the states re-key): the report of one thread.
    const half = Math.floor(lines.length / 2);
    const first = join(dir, 'shop-1.log');
    const second = join(dir, 'shop-2.log');
    writeFileSync(first, `${lines.slice(0, half).join('\n')}\n`);
    writeFileSync(second, `${lines.slice(half).join('\n')}\n`);
    const two = expandInputs([first, second]).inputs;
    const sharded = await analyze(two, { ...options, jobs: 2, minTaskBytes: 1 });
    expect(sharded.workers).toBe(2);
    const oneThread = await analyze(two, options);
    expect(renderJson(sharded.report)).toBe(renderJson(oneThread.report));
    expect(oneThread.report.profiles?.endpoints_top.map((r) => [r.endpoint, r.requests])).toEqual(rows);
    // Profiled apart, the halves' guards do not collapse on their own (the first half has 300 slugs); merged, they
    // do, and the merged profile counts the first half's requests under /shop/:var too, as a profile of both does.
    const [pa, pb, pab] = [join(dir, 'a.json'), join(dir, 'b.json'), join(dir, 'ab.json')];
    expect((await lbuaIn(['profile', first, '-o', pa])).code).toBe(0);
    expect((await lbuaIn(['profile', second, '-o', pb])).code).toBe(0);
    expect((await lbuaIn(['profile', first, second, '-o', pab])).code).toBe(0);
    const merged = await lbuaIn(['profile', '--merge', pa, pb]);
    expect(merged.code).toBe(0);
    type P = { endpoints: Record<string, { requests: number }> };
    const endpoints = (p: P): [string, number][] => Object.entries(p.endpoints).map(([k, e]) => [k, e.requests]);
    const whole = JSON.parse(readFileSync(pab, 'utf8')) as P;
    expect(endpoints(JSON.parse(readFileSync(pa, 'utf8')) as P).length).toBeGreaterThan(300);
    expect(endpoints(JSON.parse(merged.stdout) as P)).toEqual(endpoints(whole));
    expect(whole.endpoints['GET /shop/:var']?.requests).toBe(2100);
  }, 60_000);
});
