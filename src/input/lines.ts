/**
 * Bytes → lines. Opens a file or stdin, recognises gzip by its magic bytes (not the name), handles multi-member
 * gzip, LF and CRLF, a UTF-8 BOM, invalid UTF-8 (replacement characters, never a crash) and over-long lines
 * (reported, never buffered without bound). A truncated or corrupt gzip (input/gunzip.ts) yields every complete
 * line the inflater produced before the damage, then reports where it stopped; a plain file that shrinks while it
 * is read (copytruncate) ends with damage that says so.
 *
 * Lines come in batches (one per decoded chunk) so the per-line cost is a plain loop, not an await.
 */
import { isAscii } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { LbuaError, type Diagnostic } from '../core/types';
import { errCode } from './expand';
import { gunzipChunks, zlibDamageMessage, type GunzipState } from './gunzip';

/** A batch of consecutive lines. An entry is null when that line exceeded the length limit. */
export interface LineBatch {
  /** 1-based number of lines[0]. */
  readonly firstLine: number;
  readonly lines: readonly (string | null)[];
}

/** What became of an input once read to the end. */
export interface ReadOutcome {
  gzip: boolean;
  /** Set when the input was damaged: what went wrong and the (compressed) byte offset where reading stopped. */
  damage: { readonly message: string; readonly offset: number } | null;
  /** Warnings about the input that are not damage (data after the end of the gzip data), for the run's diagnostics. */
  notes?: Diagnostic[];
}

/** Options for reading lines. */
export interface ReadOptions {
  /** Longest line kept, in characters (default 64 KiB). */
  readonly maxLineLength: number;
}

const CHUNK = 256 * 1024;
/** Largest piece split at once, and decoded to one string when it is not pure ASCII (see LineSplitter.push). */
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
 *
 * A file that shrinks while it is read (log rotation with copytruncate) is damage too: reading stops where the
 * file now ends, short of the size it had at open, and the damage says so. A file that grows is read as far as
 * it goes.
 */
export async function* readDecodedChunks(path: string, outcome: ReadOutcome): AsyncGenerator<Buffer> {
  const name = path === '-' ? '<stdin>' : path;
  let handle: FileHandle | null = null;
  /** Size at open of a regular file; null for stdin, pipes and devices. Reading less than this is damage. */
  let sizeAtOpen: number | null = null;
  let rawIter: AsyncIterator<Buffer>;
  try {
    if (path === '-') rawIter = stdinChunks();
    else {
      handle = await open(path, 'r');
      const st = await handle.stat();
      if (st.isFile()) sizeAtOpen = st.size;
      rawIter = fileChunks(handle, sizeAtOpen !== null);
    }
  } catch (e) {
    await handle?.close().catch(() => undefined);
    throw unreadable(name, e);
  }
  let read = 0;
  let finished = false;
  try {
    let first: IteratorResult<Buffer>;
    try {
      first = await rawIter.next();
    } catch (e) {
      throw unreadable(name, e);
    }
    if (first.done) {
      finished = true;
      return;
    }
    const head = first.value;
    read = head.length;
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
      outcome.gzip = true;
      const state: GunzipState = { read: 0, damage: null, trailingAt: null };
      try {
        for await (const chunk of gunzipChunks(head, rawIter, state)) yield chunk;
      } catch (e) {
        state.damage = { message: zlibDamageMessage(e), offset: state.read };
      }
      read = state.read;
      outcome.damage = state.damage;
      if (state.trailingAt !== null) {
        (outcome.notes ??= []).push({
          code: 'INPUT_TRAILING_DATA', severity: 'warning', source: null,
          message: `${name}: data after the end of the gzip data at compressed byte offset ${state.trailingAt} is not gzip and was ignored (as gzip -d does); every line before it was read`,
        });
      }
    } else {
      try {
        yield head;
        for (let n = await rawIter.next(); !n.done; n = await rawIter.next()) {
          read += n.value.length;
          yield n.value;
        }
      } catch (e) {
        outcome.damage = { message: zlibDamageMessage(e), offset: read };
      }
    }
    finished = true;
  } finally {
    // Also runs when the consumer stops early (peeking the first lines): release the file.
    if (handle !== null) {
      if (finished && sizeAtOpen !== null) await checkShrink(handle, sizeAtOpen, read, outcome);
      await handle.close().catch(() => undefined);
    }
  }
}

/** stdin's bytes in chunks. */
async function* stdinChunks(): AsyncGenerator<Buffer> {
  for await (const chunk of process.stdin) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
}

/**
 * The file's bytes in chunks, read in order. A short read of a regular file is its end (no further read to
 * learn it: 100,000 small files are 100,000 fewer round trips); a pipe or device is read until a read gives 0.
 */
async function* fileChunks(handle: FileHandle, regular: boolean): AsyncGenerator<Buffer> {
  for (;;) {
    const buf = Buffer.allocUnsafe(CHUNK);
    const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
    if (bytesRead === 0) return;
    if (bytesRead === CHUNK) {
      yield buf;
      continue;
    }
    // A short read is copied rather than keeping the whole chunk alive.
    yield bytesRead < CHUNK / 4 ? Buffer.from(buf.subarray(0, bytesRead)) : buf.subarray(0, bytesRead);
    if (regular) return;
  }
}

/** Damage when the file ended before the size it had at open: it shrank while it was read. */
async function checkShrink(handle: FileHandle, sizeAtOpen: number, read: number, outcome: ReadOutcome): Promise<void> {
  if (read >= sizeAtOpen) return;
  let now: number;
  try {
    now = (await handle.stat()).size;
  } catch {
    return;
  }
  const what = `the file shrank from ${sizeAtOpen} to ${now} bytes while it was read (rotated with copytruncate?)`;
  outcome.damage = outcome.damage
    ? { message: `${outcome.damage.message}; ${what}`, offset: outcome.damage.offset }
    : { message: `${what}; lines after byte ${read} may be missing`, offset: read };
}

function unreadable(name: string, e: unknown): LbuaError {
  return new LbuaError({ code: 'INPUT_UNREADABLE', severity: 'error', message: `${name}: cannot read (${errCode(e)})`, source: null });
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
    // Split in pieces of at most DECODE_PIECE bytes cut at a newline: a piece that is not pure ASCII is decoded to
    // one string, and V8 puts strings over 128 KiB in large-object space, where allocating and decoding is several
    // times slower (measured 6x for 256 KiB). Pure-ASCII pieces are decoded line by line (splitAscii).
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

  /** Splits bytes (no trailing newline) into lines. */
  private splitText(body: Buffer, lines: (string | null)[]): void {
    if (isAscii(body)) {
      this.splitAscii(body, lines);
      return;
    }
    const text = body.toString('utf8');
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

  /**
   * Pure-ASCII bytes (the usual case): each line decoded on its own, as latin1 (the same text, faster), into a flat
   * string. Cut from one decoded piece, a line would be a sliced string, which every charCodeAt, indexOf and
   * startsWith of the parsers reads through its parent: parsing the ALB bench file's lines took 1.3 µs each as slices,
   * 1.05 as flat strings, while decoding them one by one costs 0.06 µs more than slicing (CPU time, 200k lines).
   */
  private splitAscii(body: Buffer, lines: (string | null)[]): void {
    const n = body.length;
    let from = 0;
    for (;;) {
      const nl = body.indexOf(10, from);
      let end = nl < 0 ? n : nl;
      if (end > from && body[end - 1] === 13) end--;
      lines.push(end - from > this.maxLineLength ? null : body.toString('latin1', from, end));
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

/**
 * The complete lines in the last `bytes` bytes of a plain (not gzip) file, last first; null for stdin, gzip data
 * and files that cannot be read. Lines are cut by LF only; the first (partial) one is dropped unless the tail is the
 * whole file. For a look at where an input ends in time without reading it (pipeline.ts inputsOverlap): gzip
 * data cannot be read from its end.
 */
export async function tailLines(path: string, bytes: number): Promise<string[] | null> {
  if (path === '-') return null;
  let handle: FileHandle | null = null;
  try {
    handle = await open(path, 'r');
    const st = await handle.stat();
    const size = st.size;
    if (!st.isFile() || size < 2) return null;
    const magic = Buffer.alloc(2);
    await handle.read(magic, 0, 2, 0);
    if (magic[0] === 0x1f && magic[1] === 0x8b) return null;
    const at = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - at);
    const { bytesRead } = await handle.read(buf, 0, buf.length, at);
    const lines = buf.subarray(0, bytesRead).toString('utf8').split('\n').map(stripCr);
    if (at > 0) lines.shift();
    return lines.filter((l) => l.trim() !== '').reverse();
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}
