/**
 * Damaged input keeps every complete line that was there to read: a bad gzip trailer, a truncated member, a damaged
 * second member, data after the gzip data, and a plain file that shrinks while it is read (copytruncate rotation).
 */
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, crc32, gunzipSync, gzipSync } from 'node:zlib';
import { readLineBatches, type ReadOutcome } from '../../src/input/lines';
import { json, lbua, ROOT } from '../helpers/cli';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const SAMPLE = join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz');
const dir = tempDir('lbua-damage-');
const gz = readFileSync(SAMPLE);
const text = gunzipSync(gz);
const LINES = 5105;

async function readAll(path: string): Promise<{ lines: (string | null)[]; outcome: ReadOutcome }> {
  const outcome: ReadOutcome = { gzip: false, damage: null };
  const lines: (string | null)[] = [];
  for await (const b of readLineBatches(path, outcome)) for (const l of b.lines) lines.push(l);
  return { lines, outcome };
}

function write(name: string, bytes: Buffer): string {
  const f = join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

function flipped(bytes: Buffer, at: number): Buffer {
  const b = Buffer.from(bytes);
  b[at] = (b[at] ?? 0) ^ 0xff;
  return b;
}

/** Complete lines (newline-terminated) in what zlib can decode of `prefix`: what `gzip -dc | wc -l` counts. */
function decodableLines(prefix: Buffer): number {
  const out = gunzipSync(prefix, { finishFlush: constants.Z_SYNC_FLUSH });
  let n = 0;
  for (let i = out.indexOf(10); i >= 0; i = out.indexOf(10, i + 1)) n++;
  return n;
}

const originalLines = text.toString('utf8').split('\n').slice(0, LINES);

describe('a damaged gzip keeps every complete line the inflater produced', () => {
  it('reads the sample whole', async () => {
    expect(text.toString('utf8').split('\n')).toHaveLength(LINES + 1);
    const r = await readAll(SAMPLE);
    expect(r.lines).toHaveLength(LINES);
    expect(r.outcome.damage).toBeNull();
  });

  it('a flipped CRC trailer: all 5,105 lines, then the damage at the trailer', async () => {
    const r = await readAll(write('crc.gz', flipped(gz, gz.length - 8)));
    expect(r.lines).toHaveLength(LINES);
    expect(r.lines).toEqual(originalLines);
    expect(r.outcome.damage).toEqual({ message: expect.stringContaining('CRC-32'), offset: gz.length - 8 });
  });

  it('a flipped length trailer: all 5,105 lines, then the damage', async () => {
    const r = await readAll(write('isize.gz', flipped(gz, gz.length - 2)));
    expect(r.lines).toHaveLength(LINES);
    expect(r.outcome.damage?.message).toContain('length check');
  });

  it('a truncated gzip, cut anywhere: exactly the complete lines zlib can decode from what is there', async () => {
    const cuts = [11, 100, 5000, 65_536, 100_000, 150_001, 200_000, 262_144, 262_145, 300_000, gz.length - 9, gz.length - 8, gz.length - 4, gz.length - 1];
    for (const cut of cuts) {
      const r = await readAll(write(`cut-${cut}.gz`, gz.subarray(0, cut)));
      const want = decodableLines(gz.subarray(0, cut));
      expect([cut, r.lines.length]).toEqual([cut, want]);
      expect(r.lines).toEqual(originalLines.slice(0, want));
      expect(r.outcome.damage).toEqual({ message: 'unexpected end of gzip data (file truncated)', offset: cut });
    }
    // The last complete line is kept even when only the trailer is missing.
    expect(decodableLines(gz.subarray(0, gz.length - 8))).toBe(LINES);
  });

  it('a second member with a flipped CRC: both members\' lines, damage at the second trailer', async () => {
    const two = Buffer.concat([gz, gz]);
    const r = await readAll(write('two-crc.gz', flipped(two, two.length - 8)));
    expect(r.lines).toHaveLength(2 * LINES);
    expect(r.outcome.damage).toEqual({ message: expect.stringContaining('member 2 failed its CRC-32 check'), offset: two.length - 8 });
  });

  it('a second member cut short: the first member whole and the second\'s decodable lines', async () => {
    const cut = gz.length + 123_456;
    const bytes = Buffer.concat([gz, gz]).subarray(0, cut);
    const r = await readAll(write('two-cut.gz', bytes));
    const want = LINES + decodableLines(gz.subarray(0, 123_456));
    expect(r.lines).toHaveLength(want);
    expect(r.outcome.damage?.offset).toBe(cut);
  });

  it('data after the gzip data: every line, no damage, one warning naming the offset (gzip -d: "trailing garbage ignored")', async () => {
    const r = await readAll(write('garbage.gz', Buffer.concat([gz, Buffer.from('not gzip at all\n')])));
    expect(r.lines).toHaveLength(LINES);
    expect(r.outcome.damage).toBeNull();
    expect(r.outcome.notes).toEqual([expect.objectContaining({ code: 'INPUT_TRAILING_DATA', severity: 'warning', message: expect.stringContaining(`offset ${gz.length}`) })]);
  });

  it('zero padding after the gzip data is ignored silently, as gzip does', async () => {
    const r = await readAll(write('zeros.gz', Buffer.concat([gz, Buffer.alloc(4096)])));
    expect(r.lines).toHaveLength(LINES);
    expect(r.outcome.damage).toBeNull();
    expect(r.outcome.notes ?? []).toEqual([]);
  });

  it('many one-line members read as one stream', async () => {
    const lines = originalLines.slice(0, 500);
    const r = await readAll(write('members.gz', Buffer.concat(lines.map((l) => gzipSync(`${l}\n`)))));
    expect(r.lines).toEqual(lines);
    expect(r.outcome.damage).toBeNull();
  });

  it('header fields (name, comment, extra, header CRC) are skipped', async () => {
    const body = Buffer.from(gzipSync('a\nb\n').subarray(10));
    const header = Buffer.from([0x1f, 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3]);
    const extra = Buffer.from([3, 0, 1, 2, 3]);
    const fields = Buffer.concat([header, extra, Buffer.from('name.log\0a comment\0')]);
    const hcrc = Buffer.alloc(2);
    hcrc.writeUInt16LE(crc32(fields) & 0xffff);
    const bytes = Buffer.concat([fields, hcrc, body]);
    const r = await readAll(write('fields.gz', bytes));
    expect(r.lines).toEqual(['a', 'b']);
    expect(r.outcome.damage).toBeNull();
  });

  it('analyze reports all 5,105 requests of the CRC-flipped sample, with one or two workers', () => {
    const f = write('cli-crc.log.gz', flipped(gz, gz.length - 8));
    for (const jobs of ['1', '2']) {
      const r = lbua(['analyze', f, '--summary-only', '--output', 'json', '--jobs', jobs]);
      const doc = json(r) as { inputs: { lines: number; records: number; damaged: { offset: number } | null }[]; warnings: { code: string }[] };
      expect(doc.inputs[0]).toMatchObject({ lines: LINES, records: LINES, damaged: { offset: gz.length - 8 } });
      expect(doc.warnings.map((w) => w.code)).toEqual(['INPUT_DAMAGED']);
    }
  });

  it('analyze warns about data after the gzip data and counts every line', () => {
    const f = write('cli-garbage.log.gz', Buffer.concat([gz, Buffer.from('garbage\n')]));
    for (const jobs of ['1', '2']) {
      const doc = json(lbua(['analyze', f, '--summary-only', '--output', 'json', '--jobs', jobs])) as { inputs: { lines: number; damaged: unknown }[]; warnings: { code: string }[] };
      expect(doc.inputs[0]).toMatchObject({ lines: LINES, damaged: null });
      expect(doc.warnings.map((w) => w.code)).toEqual(['INPUT_TRAILING_DATA']);
    }
  });
});

describe('a plain file that shrinks while it is read', () => {
  it('ends with damage naming the sizes, keeps the complete lines read, drops the cut one', async () => {
    const plain = Buffer.concat([text, text]); // 7 MB, many read chunks
    const f = write('rotating.log', plain);
    const outcome: ReadOutcome = { gzip: false, damage: null };
    const lines: (string | null)[] = [];
    let cut = false;
    for await (const b of readLineBatches(f, outcome)) {
      for (const l of b.lines) lines.push(l);
      if (!cut) {
        truncateSync(f, 0); // copytruncate
        cut = true;
      }
    }
    const offset = outcome.damage?.offset ?? -1;
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(plain.length);
    expect(outcome.damage?.message).toBe(`the file shrank from ${plain.length} to 0 bytes while it was read (rotated with copytruncate?); lines after byte ${offset} may be missing`);
    const complete = plain.subarray(0, offset).toString('utf8').split('\n').slice(0, -1);
    expect(lines).toEqual(complete);
  });

  it('a file that grows while read (an active log) is not damage', async () => {
    const f = write('growing.log', Buffer.concat([text, text]));
    const outcome: ReadOutcome = { gzip: false, damage: null };
    let n = 0;
    let grown = false;
    for await (const b of readLineBatches(f, outcome)) {
      n += b.lines.length;
      if (!grown) {
        writeFileSync(f, 'x\n', { flag: 'a' });
        grown = true;
      }
    }
    expect(outcome.damage).toBeNull();
    expect(n).toBeGreaterThanOrEqual(2 * LINES);
  });
});
