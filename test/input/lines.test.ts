/** Framing: bytes → lines, whatever the chunk boundaries. */
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LineSplitter, readLineBatches, type ReadOutcome } from '../../src/input/lines';
import { expandGlob, expandInputs } from '../../src/input/expand';
import { LbuaError } from '../../src/core/types';
import { cutAt } from '../helpers/chunks';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

function splitAll(chunks: Buffer[], max = 1 << 16): (string | null)[] {
  const s = new LineSplitter(max);
  const out: (string | null)[] = [];
  for (const c of chunks) out.push(...(s.push(c)?.lines ?? []));
  out.push(...(s.end()?.lines ?? []));
  return out;
}

describe('LineSplitter', () => {
  it('gives the same lines for any chunking, including multi-byte characters split across chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, '')), { maxLength: 20 }), fc.array(fc.nat(2000), { maxLength: 10 }), (lines, cuts) => {
        const text = lines.map((l) => `${l}\n`).join('');
        expect(splitAll(cutAt(Buffer.from(text), cuts))).toEqual(lines);
      }),
    );
  });

  it('strips CR of CRLF, a UTF-8 BOM, and keeps a last line without newline', () => {
    expect(splitAll([Buffer.from('\ufeffa\r\nb\r\nc')])).toEqual(['a', 'b', 'c']);
  });

  it('strips a BOM split across chunks, and only on line 1', () => {
    const bytes = Buffer.from('\ufeffa\n\ufeffb\n');
    for (const cut of [1, 2, 3]) expect(splitAll([bytes.subarray(0, 0), bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['a', '\ufeffb']);
  });

  it('turns invalid UTF-8 into replacement characters', () => {
    expect(splitAll([Buffer.from([0x61, 0xff, 0x62, 0x0a])])).toEqual(['a\ufffdb']);
  });

  it('reports an over-long line as null without keeping it, even across many chunks', () => {
    const long = Buffer.alloc(50, 'x');
    const lines = splitAll([Buffer.from('ok\n'), long, long, long, Buffer.from('tail\nnext\n')], 100);
    expect(lines).toEqual(['ok', null, 'next']);
  });

  it('numbers lines from 1 across batches', () => {
    const s = new LineSplitter(1000);
    expect(s.push(Buffer.from('a\nb\n'))?.firstLine).toBe(1);
    expect(s.push(Buffer.from('c\n'))?.firstLine).toBe(3);
  });
});

describe('readLineBatches', () => {
  const dir = tempDir('lbua-lines-');
  async function readAll(path: string): Promise<{ lines: (string | null)[]; outcome: ReadOutcome }> {
    const outcome: ReadOutcome = { gzip: false, damage: null };
    const lines: (string | null)[] = [];
    for await (const b of readLineBatches(path, outcome)) lines.push(...b.lines);
    return { lines, outcome };
  }

  it('reads multi-member gzip as one stream', async () => {
    const f = join(dir, 'multi.gz');
    writeFileSync(f, Buffer.concat([gzipSync('a\nb\n'), gzipSync('c\n')]));
    const r = await readAll(f);
    expect(r.lines).toEqual(['a', 'b', 'c']);
    expect(r.outcome).toEqual({ gzip: true, damage: null });
  });

  it('recognises gzip by magic bytes, not by name', async () => {
    const f = join(dir, 'plain-name.log');
    writeFileSync(f, gzipSync('x\n'));
    expect((await readAll(f)).lines).toEqual(['x']);
  });

  it('yields complete lines before the damage of a truncated gzip and reports the offset', async () => {
    const text = Array.from({ length: 20000 }, (_, i) => `line ${i} ${'z'.repeat(i % 50)}`).join('\n') + '\n';
    const gz = gzipSync(text);
    const f = join(dir, 'trunc.gz');
    writeFileSync(f, gz.subarray(0, 20000));
    const r = await readAll(f);
    expect(r.outcome.damage?.offset).toBe(20000);
    expect(r.outcome.damage?.message).toContain('truncated');
    expect(r.lines.length).toBeGreaterThan(100);
    r.lines.forEach((l, i) => expect(l).toBe(`line ${i} ${'z'.repeat(i % 50)}`));
  });

  it('reads an empty file as no lines', async () => {
    const f = join(dir, 'empty.log');
    writeFileSync(f, '');
    expect((await readAll(f)).lines).toEqual([]);
  });
});

describe('expandInputs', () => {
  const dir = tempDir('lbua-expand-');
  writeFileSync(join(dir, 'b.log'), '');
  writeFileSync(join(dir, 'a.log'), '');
  writeFileSync(join(dir, '.hidden'), '');

  it('walks directories sorted, skipping hidden files, and de-duplicates', () => {
    const got = expandInputs([dir, join(dir, 'a.log')]).inputs.map((i) => i.path.split('/').pop());
    expect(got).toEqual(['a.log', 'b.log']);
  });

  it('expands globs and fails clearly when nothing matches', () => {
    expect(expandGlob(join(dir, '*.log')).map((p) => p.split('/').pop())).toEqual(['a.log', 'b.log']);
    expect(() => expandInputs([join(dir, '*.gz')])).toThrow(LbuaError);
    expect(() => expandInputs([join(dir, 'missing.log')])).toThrow(/no such file/);
  });
});
