/**
 * Format detection samples within bounded lines and bytes (issue 16, item 5): blank lines before the first log line
 * are counted as they come, not held until 50 non-blank lines arrive (1 GiB of newlines gzipped to 1 MB used to
 * abort with a heap out of memory).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { BIN, lbua, ROOT } from '../helpers/cli';
import { DETECT_MAX_LINES, DetectionSample } from '../../src/pipeline';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const tmp = tempDir('lbua-blank-');
const CLF = readFileSync(join(ROOT, 'fixtures', 'formats', 'clf', 'basic.log'), 'utf8');

describe('detection sample', () => {
  it('is complete after DETECT_MAX_LINES blank lines, empty, and samples on after a restart', () => {
    const s = new DetectionSample();
    s.add(new Array<string>(DETECT_MAX_LINES - 1).fill(''));
    expect(s.complete).toBe(false);
    s.add(['  ']);
    expect([s.complete, s.onlyBlank]).toEqual([true, true]);
    s.restart();
    s.add(['x', '', 'y']);
    expect([s.complete, s.onlyBlank, s.lines]).toEqual([false, false, ['x', 'y']]);
  });
});

describe('a flood of blank lines', () => {
  const file = join(tmp, 'blank.log.gz');
  const BLANK = 10_000_000;
  writeFileSync(file, gzipSync(Buffer.concat([Buffer.alloc(BLANK, 10), Buffer.from(CLF)]), { level: 1 }));
  const logLines = CLF.trim().split('\n').length;
  // The fixture alone: its records and skipped lines (a header line).
  const alone = (JSON.parse(lbua(['analyze', '--output', 'json', join(ROOT, 'fixtures', 'formats', 'clf', 'basic.log')]).stdout) as { inputs: { records: number; skipped: number }[] }).inputs[0];

  it.each(['1', '2'])('is counted in bounded memory and the log lines after it are found (--jobs %s)', (jobs) => {
    const r = spawnSync(process.execPath, ['--max-old-space-size=48', BIN, 'analyze', '--jobs', jobs, '--output', 'json', file], { env: { ...process.env, TZ: 'UTC' }, maxBuffer: 64 * 1024 * 1024 });
    expect(r.stderr.toString()).not.toMatch(/heap out of memory|\n\s+at /);
    expect(r.status).toBe(0);
    const rep = JSON.parse(r.stdout.toString()) as { inputs: { format: string; lines: number; records: number; skipped: number; malformed: number }[] };
    expect(rep.inputs[0]).toEqual(expect.objectContaining({ format: 'clf', lines: BLANK + logLines, records: alone?.records, skipped: BLANK + (alone?.skipped ?? 0), malformed: 0 }));
  });
});
