/**
 * Bytes → lines. Opens a file or stdin, recognises gzip by its magic bytes (not the name), handles multi-member
 * gzip, LF and CRLF, a UTF-8 BOM, invalid UTF-8 (replacement characters, never a crash) and over-long lines
 * (reported, never buffered without bound). A truncated or corrupt gzip yields every complete line before the
 * damage, then reports where it stopped.
 *
 * Lines come in batches (one per decoded chunk) so the per-line cost is a plain loop, not an await.
 */
import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LbuaError } from '../core/types';
import { errCode } from './expand';

/** A batch of consecutive lines. An entry is null when that line exceeded the length limit. */
export interface LineBatch {
  /** 1-based number of lines[0]. */
  readonly firstLine: number;
  readonly lines: readonly (string | null)[];
}

/** What became of an input once read to the end. */
export interface ReadOutcome {
  gzip: boolean;
  /** Set when the input was damaged: what went wrong and the compressed byte offset where reading stopped. */
  damage: { readonly message: string; readonly offset: number } | null;
}

/** Options for reading lines. */
export interface ReadOptions {
  /** Longest line kept, in characters (default 64 KiB). */
  readonly maxLineLength: number;
}

const CHUNK = 256 * 1024;
/** Largest piece decoded to one string (see LineSplitter.push). */
const DECODE_PIECE = 60 * 1024;

/**
 * Reads `path` ("-" = stdin) as line batches. `outcome` is filled in as reading proceeds (gzip is known after
 * the first bytes; damage at the end). Throws LbuaError INPUT_UNREADABLE when the file cannot be opened.
 */
export async function* readLineBatches(
  path: string,
  outcome: ReadOutcome,
  options: ReadOptions = { maxLineLength: 64 * 1024 },
): AsyncGenerator<LineBatch> {
  const splitter = new LineSplitter(options.maxLineLength);
  for await (const chunk of readDecodedChunks(path, outcome)) {
    const batch = splitter.push(chunk);
    if (batch) yield batch;
  }
  // A damaged input drops its partial last line (it may be cut mid-field); a clean one may lack its last newline.
  if (outcome.damage) return;
  const last = splitter.end();
  if (last) yield last;
}

/**
 * Reads `path` ("-" = stdin) as decoded bytes (gunzipped when the first bytes are the gzip magic). On damage the
 * generator ends normally after the last good bytes, with `outcome.damage` set. Throws LbuaError INPUT_UNREADABLE
 * when the file cannot be opened. Stopping early (return()) releases the file.
 */
export async function* readDecodedChunks(path: string, outcome: ReadOutcome): AsyncGenerator<Buffer> {
  const raw: Readable = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: CHUNK });
  let consumed = 0;
  let gunzip: ReturnType<typeof createGunzip> | null = null;
  let decodedSource: AsyncIterable<Buffer>;
  const rawIter = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first: IteratorResult<Buffer>;
  try {
    first = await rawIter.next();
  } catch (e) {
    throw new LbuaError({
      code: 'INPUT_UNREADABLE',
      severity: 'error',
      message: `${path === '-' ? '<stdin>' : path}: cannot read (${errCode(e)})`,
      source: null,
    });
  }
  if (first.done) {
    return;
  }
  const head = first.value;
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    outcome.gzip = true;
    const gz = createGunzip({ chunkSize: CHUNK });
    gunzip = gz;
    // Feed the compressed bytes ourselves so we know the offset when the stream breaks.
    const feed = async (): Promise<void> => {
      try {
        let chunk: Buffer = head;
        for (;;) {
          consumed += chunk.length;
          if (gz.destroyed) return;
          if (!gz.write(chunk)) {
            await new Promise<void>((r) => {
              const done = (): void => {
                gz.off('drain', done);
                gz.off('close', done);
                r();
              };
              gz.on('drain', done);
              gz.on('close', done);
            });
          }
          if (gz.destroyed) return;
          const n = await rawIter.next();
          if (n.done) break;
          chunk = n.value;
        }
        gz.end();
      } catch (e) {
        gz.destroy(e instanceof Error ? e : new Error(String(e)));
      }
    };
    void feed();
    decodedSource = gz;
  } else {
    decodedSource = (async function* () {
      yield head;
      for (;;) {
        const n = await rawIter.next();
        if (n.done) return;
        yield n.value;
      }
    })();
  }
  try {
    for await (const chunk of decodedSource) yield chunk;
  } catch (e) {
    outcome.damage = { message: damageMessage(e), offset: gunzip ? Math.min(consumed, gunzip.bytesWritten) : consumed };
  } finally {
    // Also runs when the consumer stops early (peeking the first lines): release the file.
    if (path !== '-') raw.destroy();
    gunzip?.destroy();
  }
}

function damageMessage(e: unknown): string {
  const code = errCode(e);
  if (code === 'Z_BUF_ERROR') return 'unexpected end of gzip data (file truncated)';
  if (code === 'Z_DATA_ERROR') return `corrupt gzip data (${e instanceof Error ? e.message : code})`;
  return `read error (${code})`;
}

/**
 * Incremental splitter: chunks in, line batches out. Exported for tests.
 * Works on bytes: only the part of a chunk up to its last LF is decoded (LF never occurs inside a UTF-8 sequence,
 * so no character is split), the rest is carried as bytes. The limit is in bytes (default 64 KiB).
 */
export class LineSplitter {
  private carry: Buffer | null = null;
  private tooLong = false;
  private nextLine: number;
  private bomChecked: boolean;

  /** `firstLine`: number of the first line pushed (default 1); a UTF-8 byte-order mark is only looked for on line 1. */
  constructor(private readonly maxLineLength: number, firstLine = 1) {
    this.nextLine = firstLine;
    this.bomChecked = firstLine !== 1;
  }

  /** Adds a chunk; returns the complete lines it finished, if any. */
  push(buf: Buffer): LineBatch | null {
    const lastNl = buf.lastIndexOf(10);
    if (lastNl < 0) {
      this.hold(buf);
      return null;
    }
    const lines: (string | null)[] = [];
    const firstLine = this.nextLine;
    let start = 0;
    // The first line may continue the carried bytes.
    const firstNl = buf.indexOf(10);
    if (this.carry !== null || this.tooLong) {
      if (this.tooLong || (this.carry?.length ?? 0) + firstNl > this.maxLineLength) lines.push(null);
      else lines.push(stripCr(Buffer.concat([this.carry ?? Buffer.alloc(0), buf.subarray(0, firstNl)]).toString('utf8')));
      this.carry = null;
      this.tooLong = false;
      start = firstNl + 1;
    }
    // Decode in pieces of at most DECODE_PIECE bytes cut at a newline: V8 puts strings over 128 KiB in
    // large-object space, where allocating and decoding is several times slower (measured 6x for 256 KiB).
    while (start <= lastNl) {
      let end = lastNl;
      if (end - start > DECODE_PIECE) {
        const cut = buf.lastIndexOf(10, start + DECODE_PIECE);
        end = cut >= start ? cut : lastNl;
      }
      this.splitText(buf.subarray(start, end), lines);
      start = end + 1;
    }
    this.hold(buf.subarray(lastNl + 1));
    this.stripBom(lines);
    this.nextLine += lines.length;
    return lines.length > 0 ? { firstLine, lines } : null;
  }

  /** Splits decoded bytes (no trailing newline) into lines. */
  private splitText(body: Buffer, lines: (string | null)[]): void {
    // Pure-ASCII pieces (the usual case) decode faster as latin1, with the same result.
    const text = body.toString(isAscii(body) ? 'latin1' : 'utf8');
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      const end = nl < 0 ? text.length : nl;
      let line = text.slice(from, end);
      if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      lines.push(line.length > this.maxLineLength && Buffer.byteLength(line) > this.maxLineLength ? null : line);
      if (nl < 0) break;
      from = nl + 1;
    }
  }

  private hold(rest: Buffer): void {
    if (rest.length === 0) return;
    if (this.tooLong) return;
    const size = (this.carry?.length ?? 0) + rest.length;
    if (size > this.maxLineLength) {
      this.tooLong = true;
      this.carry = null;
      return;
    }
    // Copy: the chunk buffer may be reused by the stream.
    this.carry = this.carry === null ? Buffer.from(rest) : Buffer.concat([this.carry, rest]);
  }

  /** End of a clean input: the last line may lack its newline. */
  end(): LineBatch | null {
    if (this.tooLong) {
      this.tooLong = false;
      return { firstLine: this.nextLine++, lines: [null] };
    }
    if (this.carry === null) return null;
    const lines = [stripCr(this.carry.toString('utf8'))];
    this.carry = null;
    this.stripBom(lines);
    return { firstLine: this.nextLine++, lines };
  }

  /** A UTF-8 byte-order mark at the start of line 1 is not part of the line (checked on the decoded line, so a BOM split across chunks is found too). */
  private stripBom(lines: (string | null)[]): void {
    if (this.bomChecked || lines.length === 0) return;
    this.bomChecked = true;
    const first = lines[0];
    if (typeof first === 'string' && first.charCodeAt(0) === 0xfeff) lines[0] = first.slice(1);
  }
}

function stripCr(s: string): string {
  return s.length > 0 && s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}
