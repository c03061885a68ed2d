/**
 * Inputs that mix formats (issue 18): each line is read by its own format among those that read the input's sample
 * lines, and the run says how many lines each format took; --format keeps one format for every line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, lbua, ROOT } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { alternatesFor, formatsTaken, withAlternates } from '../../src/mixed';
import { getFormat, allFormats } from '../../src/formats/registry';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const FIX = join(ROOT, 'fixtures', 'formats');
const lines = (id: string, name: string): string[] => readFileSync(join(FIX, id, `${name}.log`), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));

describe('a file of ALB and NLB lines interleaved', () => {
  const dir = tempDir('lbua-mixed-');
  const alb = lines('alb', 'basic');
  const nlb = lines('nlb', 'basic');
  const mixed: string[] = [];
  for (let i = 0; i < Math.max(alb.length, nlb.length); i++) {
    if (alb[i] !== undefined) mixed.push(alb[i] ?? '');
    if (nlb[i] !== undefined) mixed.push(nlb[i] ?? '');
  }
  const file = join(dir, 'mixed.log');
  // One minute of traffic (the fixtures' lines are years apart, which the stray-time guard would hold out).
  writeFileSync(file, `${mixed.map((l) => l.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d/g, '2018-07-02T22:23')).join('\n')}\n`);

  test('every line is a record of its own format; the input says how many each took', async () => {
    const rep = json(await lbuaIn(['analyze', file, '--output', 'json', '--summary-only'])) as {
      inputs: { format: string; lines: number; records: number; malformed: number; formats?: Record<string, number> }[];
      warnings: { code: string; message: string }[];
    };
    const input = rep.inputs[0];
    expect(input?.malformed).toBe(0);
    expect(input?.records).toBe(alb.length + nlb.length);
    expect(input?.formats).toEqual(alb.length >= nlb.length ? { alb: alb.length, nlb: nlb.length } : { nlb: nlb.length, alb: alb.length });
    expect(rep.warnings.find((w) => w.code === 'INPUT_MIXED_FORMATS')?.message).toMatch(/lines of several formats, each read by its own: (alb|nlb) \d+, (alb|nlb) \d+$/);
  });

  test('--format alb reads every line as ALB: the NLB lines are malformed, and no formats tally', async () => {
    const rep = json(await lbuaIn(['analyze', file, '--format', 'alb', '--output', 'json', '--summary-only'])) as { inputs: { records: number; malformed: number; formats?: unknown }[] };
    expect(rep.inputs[0]).toMatchObject({ records: alb.length, malformed: nlb.length });
    expect(rep.inputs[0]?.formats).toBeUndefined();
  });

  test('records keep the format that read them', async () => {
    const out = (await lbuaIn(['records', file])).stdout.trim().split('\n').map((l) => (JSON.parse(l) as { format: string }).format);
    expect(new Set(out)).toEqual(new Set(['alb', 'nlb']));
  });
});

describe('alternatesFor / withAlternates', () => {
  const alb = getFormat('alb');
  const nlb = getFormat('nlb');
  if (alb === undefined || nlb === undefined) throw new Error('formats missing');

  test('no alternates when the chosen format reads every sample line', () => {
    expect(alternatesFor(alb, lines('alb', 'basic'), allFormats())).toEqual([]);
  });

  test('the formats that read what the chosen one refuses; the tally counts both', () => {
    const sample = [...lines('alb', 'basic'), ...lines('nlb', 'basic')];
    const alts = alternatesFor(alb, sample, allFormats());
    expect(alts.map((f) => f.id)).toEqual(['nlb']);
    const tally = new Map<string, number>();
    const f = withAlternates(alb, alts, tally);
    for (const [i, l] of sample.entries()) expect(f.parse(l, { source: { file: 't', line: i + 1 }, strict: false }).kind).toBe('record');
    expect(formatsTaken(tally, 'alb')).toEqual({ alb: lines('alb', 'basic').length, nlb: lines('nlb', 'basic').length });
    expect(formatsTaken(new Map([['alb', 3]]), 'alb')).toBeNull();
  });
});

describe('the runner-up of a tie', () => {
  test('a combined log is clf, nginx named as the runner-up; an ALB log names none', async () => {
    const rep = json(await lbuaIn(['analyze', join(FIX, 'clf', 'basic.log'), join(FIX, 'alb', 'basic.log'), '--summary-only', '--output', 'json'])) as {
      inputs: { path: string; format: string; runner_up?: string }[];
    };
    const byFormat = new Map(rep.inputs.map((i) => [i.format, i]));
    expect(byFormat.get('clf')?.runner_up).toBe('nginx');
    expect(byFormat.get('alb')?.runner_up).toBeUndefined();
  });
});
