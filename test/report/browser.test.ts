/// <reference lib="dom" />
/**
 * The HTML report in a real browser (Debian's chromium driven by playwright-core): the page generated from the
 * scenario generator's incident log (plus planted XSS payloads) loads without console errors, draws its
 * timeline, lists the injected incidents, sorts the endpoint table, names a finding when its mark is hovered, and
 * never runs the planted payloads. Saves screenshots under test-output/.
 *
 * Skipped (and says so) when /usr/bin/chromium is absent; `.ci/run` installs it.
 */
import { existsSync, mkdirSync, appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { lbua, ROOT } from '../helpers/cli';
import { hostileAlbLines, XSS_PATH, XSS_UA } from '../helpers/hostile';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
const suite = haveBrowser ? describe : describe.skip;
if (!haveBrowser) process.stderr.write(`browser test skipped: ${CHROMIUM} not found (apt-get install -y chromium)\n`);

interface Expected { incident: string; detector: string; subject: string | null }

suite(`HTML report in headless Chromium${haveBrowser ? '' : ' (skipped: /usr/bin/chromium not found)'}`, () => {
  const outDir = join(ROOT, 'test-output');
  const tmp = tempDir('lbua-browser-');
  const log = join(tmp, 'incidents.log');
  const expectedFile = join(tmp, 'expected.json');
  const html = join(tmp, 'report.html');
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true });
    const gen = lbua(['generate', '-n', '60000', '--hours', '6', '--seed', '3', '--start', '2026-03-10T06:00:00Z', '--incident', 'all', '--expected', expectedFile, '-o', log]);
    expect(gen.code).toBe(0);
    // Planted after the generated period, in time order: a scanner with a script-injecting user agent and path.
    appendFileSync(log, `${hostileAlbLines(Date.parse('2026-03-10T12:00:00Z'), 3, 400).join('\n')}\n`);
    const run = lbua(['analyze', log, '--output', 'html', '-o', html]);
    expect(run.code).toBe(0);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${String(e)}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(pathToFileURL(html).href);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('loads with no console errors or warnings (no CSP violation either)', async () => {
    await page.waitForLoadState('load');
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(outDir, 'report.png'), fullPage: false });
  });

  it('has drawn the timeline: bars, latency lines and one mark per finding', async () => {
    const box = await page.locator('#timeline-svg').boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(600);
    expect(box?.height ?? 0).toBeGreaterThan(150);
    const bars = await page.locator('#timeline-svg path.bar').evaluateAll((ps) => ps.map((p) => (p as SVGPathElement).getBBox().width));
    expect(bars.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...bars)).toBeGreaterThan(600);
    const latency = await page.locator('#timeline-svg path.lat.p95').evaluate((p) => (p as SVGPathElement).getTotalLength());
    expect(latency).toBeGreaterThan(500);
    const marks = await page.locator('#timeline-svg rect.mark').count();
    expect(marks).toBe(await page.locator('article.finding').count());
  });

  it('lists every injected incident among the findings', async () => {
    const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as Expected[];
    const shown = await page.locator('article.finding').evaluateAll((as) => as.map((a) => `${a.getAttribute('data-detector')}|${a.getAttribute('data-subject')}`));
    for (const e of expected) {
      const hit = shown.some((s) => s.startsWith(`${e.detector}|`) && (e.subject === null || s === `${e.detector}|${e.subject}`));
      expect([e.incident, hit]).toEqual([e.incident, true]);
    }
    // Most severe first.
    const order = ['critical', 'high', 'medium', 'low', 'info'];
    const sev = await page.locator('article.finding .badge').allTextContents();
    const ranks = sev.map((s) => order.indexOf(s.trim()));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it('names a finding when its mark is hovered', async () => {
    const mark = page.locator('#timeline-svg rect.mark').first();
    const id = await mark.getAttribute('data-finding');
    await mark.hover();
    const tip = page.locator('#tip');
    await expect(tip.isVisible()).resolves.toBe(true);
    const title = await page.locator(`#f-${id ?? ''} h3`).textContent();
    const text = (await tip.textContent()) ?? '';
    expect(text.length).toBeGreaterThan(10);
    expect((title ?? '').replace(/^(critical|high|medium|low|info)/, '')).toBe(text.split(' · ')[1]);
  });

  it('sorts the endpoint table by a column, both ways', async () => {
    const values = async (): Promise<number[]> =>
      page.locator('#endpoints-table tbody tr td:nth-child(5)').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-v') ?? 'NaN')));
    const header = page.locator('#endpoints-table th', { hasText: /^p95$/ });
    await header.click();
    const desc = await values();
    expect(desc.length).toBeGreaterThan(3);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await header.click();
    const asc = await values();
    expect(asc).toEqual([...desc].sort((a, b) => a - b));
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
  });

  it('never runs the planted payloads and shows them as text', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    // Marks never overlap (one lane each while windows overlap), so each can be hovered.
    for (const el of await page.locator('a.f rect.mark').all()) await el.hover({ timeout: 5000 });
    await page.mouse.move(10, 10);
    expect(await page.evaluate(() => (window as unknown as { __lbuaXss?: number }).__lbuaXss)).toBeUndefined();
    expect(await page.locator('script').count()).toBe(1);
    expect(await page.locator('img, iframe, object, embed').count()).toBe(0);
    const body = (await page.locator('body').textContent()) ?? '';
    expect(body).toContain(XSS_UA);
    expect(body).toContain(XSS_PATH);
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(outDir, 'report-findings.png') });
  });

  it('prints (PDF) without errors', async () => {
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.length).toBeGreaterThan(10_000);
  });

  it('renders in dark mode', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(20, 24, 29)');
    await page.screenshot({ path: join(outDir, 'report-dark.png') });
  });
});
