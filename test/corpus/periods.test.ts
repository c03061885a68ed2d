/**
 * Period over period on a real log: the corpus's Apache log (elastic/examples, a blog's 10,000 requests from
 * 2015-05-17 10:05 to 2015-05-20 21:05 UTC). `--change-at`, `lbua diff` and the markdown digest give the numbers
 * the log itself gives when counted here, line by line, independently of lbua's parser.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { lbua, json } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { CORPUS } from '../helpers/corpus';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();
const LOG = CORPUS === null ? '' : join(CORPUS, 'large', 'elastic-examples__apache_logs.log');
const maybe = CORPUS === null ? describe.skip : describe;

/** Requests, 4xx+5xx and 5xx of the lines whose time falls on `day` (17..20 May 2015), counted from the text. */
function countDay(lines: readonly string[], day: number): { requests: number; errors: number; server: number } {
  let requests = 0;
  let errors = 0;
  let server = 0;
  for (const line of lines) {
    if (!line.includes(`[${day}/May/2015:`)) continue;
    const status = Number(/" (\d{3}) /.exec(line)?.[1]);
    requests++;
    if (status >= 400) errors++;
    if (status >= 500) server++;
  }
  return { requests, errors, server };
}

interface Totals {
  readonly requests: number;
  readonly error_rate: number;
  readonly server_error_rate: number;
}

maybe('period over period on the corpus Apache log', () => {
  const lines = CORPUS === null ? [] : readFileSync(LOG, 'utf8').split('\n').filter((l) => l !== '');
  const d18 = countDay(lines, 18);
  const d19 = countDay(lines, 19);

  it('--change-at compares the day before with the day after, as counted from the lines; no release finding', async () => {
    expect(d18.requests).toBeGreaterThan(2000);
    const r = json(await lbuaIn(['analyze', LOG, '--change-at', '2015-05-19T00:00Z', '--change-window', '24h', '--output', 'json'])) as {
      change: { at: string; window_minutes: number; totals: { before: Totals; after: Totals } };
      findings: { detector: string }[];
    };
    expect(r.change.at).toBe('2015-05-19T00:00:00.000Z');
    expect(r.change.window_minutes).toBe(24 * 60);
    const { before, after } = r.change.totals;
    expect(before.requests).toBe(d18.requests);
    expect(after.requests).toBe(d19.requests);
    expect(before.error_rate).toBeCloseTo(d18.errors / d18.requests, 4);
    expect(after.error_rate).toBeCloseTo(d19.errors / d19.requests, 4);
    expect(before.server_error_rate).toBeCloseTo(d18.server / d18.requests, 4);
    expect(after.server_error_rate).toBeCloseTo(d19.server / d19.requests, 4);
    // Two ordinary days of a blog: nothing was released, nothing is called a release's effect.
    expect(r.findings.filter((f) => f.detector === 'release-impact')).toEqual([]);
  });

  it('lbua diff of the two days gives each day\'s counts, and its markdown renders as tables', async () => {
    const dir = tempDir('lbua-periods-');
    const a = join(dir, 'd18.json');
    const b = join(dir, 'd19.json.gz');
    expect((await lbuaIn(['analyze', LOG, '--from', '2015-05-18T00:00Z', '--to', '2015-05-19T00:00Z', '-o', a])).code).toBe(0);
    expect((await lbuaIn(['analyze', LOG, '--from', '2015-05-19T00:00Z', '--to', '2015-05-20T00:00Z', '-o', b])).code).toBe(0);
    const diff = json(await lbuaIn(['diff', a, b, '--output', 'json'])) as {
      traffic: { requests: { old: number; new: number }; error_rate: { old: number; new: number } };
    };
    expect(diff.traffic.requests).toMatchObject({ old: d18.requests, new: d19.requests });
    expect(diff.traffic.error_rate.old).toBeCloseTo(d18.errors / d18.requests, 4);
    expect(diff.traffic.error_rate.new).toBeCloseTo(d19.errors / d19.requests, 4);
    const md = await lbuaIn(['diff', a, b, '--output', 'markdown']);
    expect(md.code).toBe(0);
    const html = new MarkdownIt({ html: false }).render(md.stdout);
    expect(html).toContain(`<td>requests</td>\n<td>${d18.requests.toLocaleString('en-US')}</td>\n<td>${d19.requests.toLocaleString('en-US')}</td>`);
  });

  it('the markdown digest of the whole log gives its numbers and renders', async () => {
    const r = await lbuaIn(['analyze', LOG, '--output', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Requests: **${lines.length.toLocaleString('en-US')}**`);
    const html = new MarkdownIt({ html: false }).render(r.stdout);
    expect(html).toMatch(/<h2>Incidents<\/h2>/);
    expect(html).not.toMatch(/<script|<img/);
  });
});
