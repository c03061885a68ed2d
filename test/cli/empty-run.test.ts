/**
 * An unreadable run must not look like a clean one (issue 18): no record → exit 2 with one line saying why, never
 * "No findings." with exit 0; inputs without records next to others are named at the top; a report whose detectors
 * did not run says so instead of "No findings".
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { closestFormat } from '../../src/formats/detect';
import { inputsWithoutRecordsDiagnostic, noRecordReason } from '../../src/empty-run';
import type { ReportInput } from '../../src/core/report-types';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const dir = tempDir('lbua-empty-');
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const NGINX = '203.0.113.9 - - [10/Oct/2023:13:55:36 +0000] "GET /a HTTP/1.1" 200 12 "-" "curl/8.0"\n';
const good = file('good.log', NGINX);
const empty = file('empty.log', '');
const junk = file('junk.log', 'foo bar baz\nqux\n');
const near = file('near.log', NGINX.replace(' 200 ', ' abc '));
const json1 = file('app.log', '{"ts":"2023-10-10T13:55:36Z","msg":"hello"}\n');

const lastLine = (s: string): string => s.trim().split('\n').filter((l) => !l.startsWith('lbua: hint')).pop() ?? '';

describe('a run that reads no record exits 2 with one line', () => {
  test.each([
    ['an empty file', [empty], /^lbua: no record: no input lines at all \(.*empty\.log is empty\)$/],
    ['lines no format parses', [junk], /^lbua: no record: .*junk\.log:1: no known format parses the first lines of this input$/],
    ['JSON lines', [json1], /no record: .*app\.log:1: .*looks like JSON lines/],
    ['a near miss names the closest format and the failing field', [near], /closest: (nginx|clf), which says of line 1: status is not an integer, got "abc"/],
    ['a time window with nothing in it', [good, '--from', '2024-01-01'], /^lbua: no record in the time window \(from 2024-01-01T00:00:00\.000Z\): 1 record read, all outside it$/],
    ['several empty inputs', [empty, file('empty2.log', '')], /no record: no input lines at all \(2 inputs, all empty: /],
    ['blank lines only', [file('blank.log', '\n\n')], /no record: 2 lines read, all skipped \(blank lines, headers or comments\)$/],
  ])('%s', async (_what, args, expected) => {
    for (const output of ['table', 'json']) {
      const r = await lbuaIn(['analyze', ...args, '--output', output]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(lastLine(r.stderr)).toMatch(expected);
    }
  });

  // Spawned: the exit status of a real process; the other runs here are main() in this process.
  test('--fail-on does not turn it into a pass, and -o keeps the old file', () => {
    const out = file('old.json', 'old');
    const r = lbua(['analyze', junk, '--fail-on', 'low', '-o', out]);
    expect(r.code).toBe(2);
    expect(require('node:fs').readFileSync(out, 'utf8')).toBe('old');
  });
});

describe('inputs without records next to others', () => {
  test('are named in one warning, at the top of the table, in JSON warnings and in HTML', async () => {
    const t = await lbuaIn(['analyze', good, empty, junk, '--output', 'table']);
    expect(t.code).toBe(0);
    const first = t.stdout.split('\n').find((l) => l.trim() !== '') ?? '';
    expect(first).toMatch(/^! 2 of 3 inputs yielded no record: .*empty\.log \(empty\), .*junk\.log \(no format matched\)$/);
    const doc = json(await lbuaIn(['analyze', good, empty, junk, '--output', 'json'])) as { warnings: { code: string; message: string }[] };
    expect(doc.warnings.filter((w) => w.code === 'INPUT_NO_RECORDS')).toHaveLength(1);
    const html = (await lbuaIn(['analyze', good, empty, '--output', 'html'])).stdout;
    expect(html).toMatch(/<p class="notice">1 of 2 inputs yielded no record: [^<]*empty\.log \(empty\)<\/p>/);
  });

  test('a format that matched but rejected every line is named with its format', async () => {
    const d = inputsWithoutRecordsDiagnostic([
      input({ path: 'a.log', format: 'alb', lines: 3, records: 3 }),
      input({ path: 'b.log', format: 'alb', lines: 2, malformed: 2 }),
      input({ path: 'c.log', format: 'elb', lines: 1, skipped: 1 }), // the AWS test file: needs no word
    ]);
    expect(d?.message).toBe('1 of 3 inputs yielded no record: b.log (every line malformed as alb)');
    expect(inputsWithoutRecordsDiagnostic([input({ path: 'a.log', lines: 1, records: 1 })])).toBeNull();
  });
});

describe('detectors not run', () => {
  test.each([
    [['--summary-only'], '--summary-only'],
    [['--detectors', 'none'], '--detectors none'],
  ])('%j says so in table, JSON and HTML', async (flags, why) => {
    const t = await lbuaIn(['analyze', good, ...flags, '--output', 'table']);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain(`Detectors not run (${why}): no finding was looked for.`);
    expect(t.stdout).not.toContain('No findings');
    const doc = json(await lbuaIn(['analyze', good, ...flags, '--output', 'json'])) as { detectors_run: boolean; findings: unknown[] };
    expect(doc.detectors_run).toBe(false);
    const html = (await lbuaIn(['analyze', good, ...flags, '--output', 'html'])).stdout;
    expect(html).toContain(`Detectors not run (${why})`);
    expect(html).not.toContain('No findings');
  });

  test('a run with detectors says detectors_run true and "No findings."', async () => {
    const doc = json(await lbuaIn(['analyze', good, '--output', 'json'])) as { detectors_run: boolean };
    expect(doc.detectors_run).toBe(true);
    expect((await lbuaIn(['analyze', good, '--output', 'table'])).stdout).toContain('No findings.');
  });

  test('--fail-on with detectors not run warns that the exit code says nothing', async () => {
    const r = await lbuaIn(['analyze', good, '--detectors', 'none', '--fail-on', 'low', '--output', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('--fail-on low with detectors not run (--detectors none)');
  });
});

describe('closestFormat', () => {
  test('names the format whose error names a field; none for lines every format refuses whole', async () => {
    expect(closestFormat([NGINX.replace(' 200 ', ' abc ').trim()])).toMatchObject({ line: 1, reason: 'status is not an integer, got "abc"' });
    expect(closestFormat(['', 'foo bar baz'])).toBeNull();
    expect(closestFormat([])).toBeNull();
  });

  test('noRecordReason is null when any record was read', async () => {
    expect(noRecordReason({ inputs: [input({ path: 'a', lines: 1, records: 1 })], warnings: [], options: {} })).toBeNull();
  });
});

function input(p: Partial<ReportInput> & { path: string }): ReportInput {
  return { format: null, gzip: false, lines: 0, records: 0, filtered: 0, skipped: 0, malformed: 0, damaged: null, first_time: null, last_time: null, ...p };
}
