/**
 * Lines that hold several records (FormatParser.split): Azure diagnostic logs delivered through Event Hubs put a
 * batch on one line, `{"records":[{…},{…}]}`. Each record is read (or rejected, with its reason) as a line of its
 * own would be, at the line's file:line; the input says how many lines held several and how many entries in all.
 * The per-record outcomes of fixtures/formats/azure-appgw/packed.log are in its expected file (formats.test.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, type AnalyzeOptions } from '../../src/analysis';
import { expandInputs } from '../../src/input/expand';
import { renderJson } from '../../src/report/json';
import { detectFormat } from '../../src/formats/detect';
import { getFormat } from '../../src/formats/registry';
import { json, lbua, ROOT } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { CORPUS } from '../helpers/corpus';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const PACKED = join(ROOT, 'fixtures', 'formats', 'azure-appgw', 'packed.log');
const tmp = tempDir('lbua-packed-');

type Input = { path: string; format: string; lines: number; records: number; filtered: number; skipped: number; malformed: number; packed?: { lines: number; entries: number } };
type Rep = { inputs: Input[]; warnings: { file: string; line: number | null; code: string; message: string; excerpt?: string }[] };

describe('a line holding several records', () => {
  it('the fixture: every access record of a batch is read, other categories rejected each with its reason, lines and entries accounted for', async () => {
    const rep = json(await lbuaIn(['analyze', PACKED, '--output', 'json', '--max-warnings', '50'])) as Rep;
    const i = rep.inputs[0] as Input;
    // 6 lines: a batch of 3 (2 access, 1 WAF), of 2 (v1 access, performance), of 1, malformed JSON, an empty batch,
    // a batch of an access record and a number.
    expect(i).toMatchObject({ format: 'azure-appgw', lines: 6, records: 5, malformed: 5, skipped: 0, filtered: 0, packed: { lines: 3, entries: 7 } });
    expect(i.lines - (i.packed?.lines ?? 0) + (i.packed?.entries ?? 0)).toBe(i.records + i.filtered + i.skipped + i.malformed);
    const rejected = rep.warnings.filter((w) => w.line !== null).map((w) => [w.line, w.message.replace(/ \(.*$|:.*$/, '')]);
    expect(rejected).toEqual([
      [1, 'not an access-log line of Azure Application Gateway'],
      [2, 'not an access-log line of Azure Application Gateway'],
      [4, 'not a JSON object'],
      [5, 'a line holding 0 records in "records"'],
      [6, 'not a JSON object'],
    ]);
    // The rejected record is quoted, not the batch's first characters.
    expect(rep.warnings.find((w) => w.line === 1)?.excerpt).toMatch(/^\{"timeStamp":"2024-06-03T08:15:02\+00:00","resourceId"/);
  });

  it('is detected from a sample of batch lines, and a batch holding one record needs no split', async () => {
    const lines = readFileSync(PACKED, 'utf8').split('\n').filter((l) => l !== '');
    expect(detectFormat(lines.slice(0, 1)).format?.id).toBe('azure-appgw');
    const azure = getFormat('azure-appgw');
    expect(azure?.split?.(lines[0] ?? '')).toHaveLength(3);
    expect(azure?.split?.(lines[2] ?? '')).toBeNull();
    // Malformed JSON stays one malformed line, read by parse.
    expect(azure?.split?.(lines[3] ?? '')).toBeNull();
    // Formats whose lines hold one record have no split (the pipeline pays nothing for them).
    expect(getFormat('alb')?.split).toBeUndefined();
  });

  it('formats --explain shows each record of a batch line', async () => {
    const r = await lbuaIn(['formats', '--explain', PACKED, '--lines', '4', '--output', 'json']);
    const doc = json(r) as { detected: string; lines: { line: number; record?: number; of?: number; format: string | null; refused: { format: string; reason: string }[] }[] };
    expect(doc.detected).toBe('azure-appgw');
    expect(doc.lines.map((l) => [l.line, l.record, l.of, l.format])).toEqual([[1, 1, 3, 'azure-appgw'], [1, 2, 3, null], [1, 3, 3, 'azure-appgw'], [2, 1, 2, 'azure-appgw']]);
    expect(doc.lines[1]?.refused.find((x) => x.format === 'azure-appgw')?.reason).toContain('ApplicationGatewayFirewallLog');
    const text = (await lbuaIn(['formats', '--explain', PACKED, '--lines', '2'])).stdout;
    expect(text).toContain('line 1, record 2 of 3: {"timeStamp"');
  });

  it('a sharded run (--jobs 2) gives the report of one thread, byte for byte', async () => {
    const later = join(tmp, 'later.log');
    writeFileSync(later, readFileSync(PACKED, 'utf8').replace(/2024-06-03/g, '2024-06-04'));
    const inputs = expandInputs([PACKED, later]).inputs;
    const base: AnalyzeOptions = { format: 'auto', strict: false, maxLineLength: 65_536, from: null, to: null, top: 10, maxWarnings: 20, summaryOnly: false, minTaskBytes: 1 };
    const one = await analyze(inputs, { ...base, jobs: 1 });
    const two = await analyze(inputs, { ...base, jobs: 2 });
    expect(two.workers).toBe(2);
    expect(renderJson(two.report)).toBe(renderJson(one.report));
    expect((JSON.parse(renderJson(two.report)) as Rep).inputs.map((i) => i.packed)).toEqual([{ lines: 3, entries: 7 }, { lines: 3, entries: 7 }]);
  }, 60_000);

  it('corpus: the Elastic Application Gateway lines as one batch line give the records and rejections they give one per line', async () => {
    if (CORPUS === null) return;
    const src = join(CORPUS, 'azure-appgw', 'elastic-integrations__azure__test-application-gateway-raw.log');
    const records = readFileSync(src, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
    const batch = join(tmp, 'batch.log');
    writeFileSync(batch, `${JSON.stringify({ records })}\n`);
    // The same records, but for their source (every one at line 1 of the batch file).
    const read = async (file: string): Promise<unknown[]> => (await lbuaIn(['records', file])).stdout.split('\n').filter((l) => l !== '').map((l) => ({ ...(JSON.parse(l) as object), source: null }));
    const one = await read(src);
    expect(one).toHaveLength(2);
    expect(await read(batch)).toEqual(one);
    const rep = json(await lbuaIn(['analyze', batch, '--output', 'json'])) as Rep;
    expect(rep.inputs[0]).toMatchObject({ format: 'azure-appgw', lines: 1, records: 2, malformed: 4, packed: { lines: 1, entries: records.length } });
    expect(rep.warnings.filter((w) => w.line === 1).map((w) => w.message)).toEqual([
      ...Array.from({ length: 3 }, () => expect.stringContaining('"category" is "ApplicationGatewayFirewallLog"') as unknown),
      expect.stringContaining('"category" is "ResourceHealth"'),
    ]);
  });
});
