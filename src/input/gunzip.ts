/**
 * gzip (RFC 1952) decoding that keeps every byte the inflater produced before damage.
 *
 * Node's Gunzip stream checks each member's CRC-32 inside the same inflate call that decodes the member's last
 * bytes, and an error there drops that call's whole output (up to a chunk, 256 KiB): flipping only the CRC trailer
 * lost 136 intact lines of 5,105. So the member framing (header, trailer, CRC-32 and length check, members one
 * after the other, trailing bytes) is done here, and zlib only inflates the raw deflate data: a bad trailer is
 * found after every byte of the member has been handed on. A member that fits in the bytes at hand is inflated in
 * one synchronous call (a file of many tiny members stays fast); a larger one is streamed with backpressure, so a
 * gzip bomb never holds more than about two chunks of output.
 *
 * What is not recovered: when zlib itself finds the deflate data corrupt (not the trailer), the output of the
 * call that found it (at most one chunk) is lost with it, as with Gunzip.
 */
import * as zlib from 'node:zlib';

/** Where decoding stopped early, and why. `offset` is the compressed byte offset. */
export interface GzipDamage {
  readonly message: string;
  readonly offset: number;
}

/** Filled in while decoding. */
export interface GunzipState {
  /** Compressed bytes taken from the source so far. */
  read: number;
  /** Set when the data is damaged (decoding ended early or a member failed its check). */
  damage: GzipDamage | null;
  /** Offset of bytes after the last member that are not gzip and not zero padding (ignored, as `gzip -d` does). */
  trailingAt: number | null;
}

const CHUNK = 256 * 1024;
/** Output of the synchronous fast path; a member that inflates to more is streamed. */
const SYNC_MAX_OUTPUT = 1024 * 1024;
/** Output buffer of the fast path: small, since most members that take it are small (one per line, say). */
const SYNC_CHUNK = 1024;

type Crc32 = (data: Uint8Array, value?: number) => number;

/** CRC-32 (IEEE) in JavaScript, for Node versions before 20.15 whose zlib has no crc32(). */
function jsCrc32(): Crc32 {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return (data, value = 0) => {
    let c = ~value;
    for (let i = 0; i < data.length; i++) c = (table[(c ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
    return ~c >>> 0;
  };
}

const crc32: Crc32 = typeof zlib.crc32 === 'function' ? zlib.crc32 : jsCrc32();

/** Message for a zlib error. */
export function zlibDamageMessage(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  if (code === 'Z_BUF_ERROR') return 'unexpected end of gzip data (file truncated)';
  if (code === 'Z_DATA_ERROR') return `corrupt gzip data (${e instanceof Error ? e.message : code})`;
  return `read error (${code || (e instanceof Error ? e.message : String(e))})`;
}

const TRUNCATED = 'unexpected end of gzip data (file truncated)';

/**
 * Decodes gzip data, `first` then the rest of `source`, yielding decoded buffers. Ends normally after the last good
 * byte when the data is damaged, with `state.damage` set; bytes after the last member that are not gzip end it too,
 * with `state.trailingAt` set (zero padding is ignored silently). Read errors of `source` propagate.
 */
export async function* gunzipChunks(first: Buffer, source: AsyncIterator<Buffer>, state: GunzipState): AsyncGenerator<Buffer> {
  let buf = first;
  let pos = 0;
  /** Compressed offset of buf[0]. */
  let base = 0;
  state.read = first.length;
  let eof = false;
  const more = async (): Promise<boolean> => {
    while (!eof) {
      const n = await source.next();
      if (n.done) {
        eof = true;
        break;
      }
      base += buf.length;
      buf = n.value;
      pos = 0;
      state.read += buf.length;
      if (buf.length > 0) return true;
    }
    return false;
  };
  /** The next `n` bytes (n is small), or null at the end of the data. */
  const take = async (n: number): Promise<Buffer | null> => {
    if (buf.length - pos >= n) {
      pos += n;
      return buf.subarray(pos - n, pos);
    }
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      if (pos >= buf.length && !(await more())) return null;
      const k = Math.min(need, buf.length - pos);
      parts.push(buf.subarray(pos, pos + k));
      pos += k;
      need -= k;
    }
    return Buffer.concat(parts);
  };
  const skip = async (n: number): Promise<boolean> => {
    let need = n;
    while (need > 0) {
      if (pos >= buf.length && !(await more())) return false;
      const k = Math.min(need, buf.length - pos);
      pos += k;
      need -= k;
    }
    return true;
  };
  const skipPastZero = async (): Promise<boolean> => {
    for (;;) {
      const z = buf.indexOf(0, pos);
      if (z >= 0) {
        pos = z + 1;
        return true;
      }
      pos = buf.length;
      if (!(await more())) return false;
    }
  };
  const damage = (message: string, offset = base + pos): void => {
    state.damage = { message, offset };
  };

  for (let member = 1; ; member++) {
    if (member > 1) {
      // Another member, zero padding, or trailing garbage?
      if (pos >= buf.length && !(await more())) return;
      if (buf[pos] !== 0x1f) {
        if (!(await onlyZeros())) state.trailingAt = base + pos;
        return;
      }
    }
    const headerAt = base + pos;
    const h = await take(10);
    if (h === null) return damage(TRUNCATED);
    if (h[0] !== 0x1f || h[1] !== 0x8b) {
      // Not a gzip member (member > 1: a stray 0x1f byte): trailing data.
      state.trailingAt = headerAt;
      return;
    }
    if (h[2] !== 8) return damage(`gzip member ${member} uses compression method ${h[2]}, not deflate`, headerAt);
    const flags = h[3] ?? 0;
    if ((flags & 0xe0) !== 0) return damage(`corrupt gzip header of member ${member} (reserved flags set)`, headerAt);
    if (flags & 4) {
      const x = await take(2);
      if (x === null || !(await skip(x.readUInt16LE(0)))) return damage(TRUNCATED);
    }
    if ((flags & 8 && !(await skipPastZero())) || (flags & 16 && !(await skipPastZero())) || (flags & 2 && !(await skip(2)))) {
      return damage(TRUNCATED);
    }
    // The deflate data.
    let crc = 0;
    let size = 0;
    if (pos >= buf.length && !(await more())) return damage(TRUNCATED);
    const whole = inflateWhole(buf.subarray(pos));
    if (whole !== null) {
      pos += whole.used;
      crc = crc32(whole.out);
      size = whole.out.length;
      if (whole.out.length > 0) yield whole.out;
    } else {
      const bodyAt = base + pos;
      const inflater = new StreamInflater();
      try {
        for (;;) {
          const piece = buf.subarray(pos);
          for await (const out of inflater.write(piece)) {
            crc = crc32(out, crc);
            size += out.length;
            yield out;
          }
          if (inflater.error !== null) return damage(zlibDamageMessage(inflater.error), bodyAt + inflater.consumed);
          if (inflater.leftover > 0) {
            pos = buf.length - inflater.leftover;
            break;
          }
          pos = buf.length;
          if (!(await more())) {
            // Whatever zlib still holds, then the end: the trailer is missing either way.
            for await (const out of inflater.flush()) yield out;
            return damage(TRUNCATED);
          }
        }
      } finally {
        inflater.destroy();
      }
    }
    const trailerAt = base + pos;
    const t = await take(8);
    if (t === null) return damage(TRUNCATED);
    if (t.readUInt32LE(0) !== crc >>> 0) {
      return damage(`gzip member ${member} failed its CRC-32 check (its ${size} decoded bytes were read; they may be corrupt)`, trailerAt);
    }
    if (t.readUInt32LE(4) !== size % 2 ** 32) {
      return damage(`gzip member ${member} failed its length check (${size} bytes decoded, the trailer says ${t.readUInt32LE(4)})`, trailerAt);
    }
  }

  /** True when every byte left is zero (reads to the end); false at the first other byte. */
  async function onlyZeros(): Promise<boolean> {
    for (;;) {
      for (; pos < buf.length; pos++) if (buf[pos] !== 0) return false;
      if (!(await more())) return true;
    }
  }
}

/**
 * Inflates a deflate stream that ends within `bytes` in one synchronous call; null when it does not end there,
 * inflates to more than SYNC_MAX_OUTPUT, or is corrupt (the streaming path then decides).
 */
function inflateWhole(bytes: Buffer): { out: Buffer; used: number } | null {
  let r: unknown;
  try {
    // With `info`, the result is { buffer, engine } (the typings say Buffer): engine.bytesWritten is what was consumed.
    r = zlib.inflateRawSync(bytes, { info: true, chunkSize: SYNC_CHUNK, finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: SYNC_MAX_OUTPUT });
  } catch {
    return null;
  }
  if (typeof r !== 'object' || r === null || !('buffer' in r) || !(r.buffer instanceof Buffer) || !('engine' in r)) return null;
  const engine = r.engine;
  if (typeof engine !== 'object' || engine === null || !('bytesWritten' in engine) || typeof engine.bytesWritten !== 'number') return null;
  // Input left over with output room to spare: the deflate stream ended (the trailer follows).
  return engine.bytesWritten < bytes.length ? { out: r.buffer, used: engine.bytesWritten } : null;
}

/** Stream options reach the Transform under zlib's own (the typings list only zlib's). */
const INFLATE_OPTIONS: zlib.ZlibOptions & { readonly readableHighWaterMark: number } = { chunkSize: CHUNK, readableHighWaterMark: 1 };

/**
 * One member's deflate data through a streaming InflateRaw. Output is taken from 'data' events into a queue (the
 * inflater pauses when a chunk is waiting), so nothing zlib handed over is lost when it later reports an error.
 */
class StreamInflater {
  // A readable high-water mark of 1 byte: while the inflater is paused with output waiting, zlib makes no further
  // call (so no error can come and discard that output).
  private readonly z = zlib.createInflateRaw(INFLATE_OPTIONS);
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private wake: (() => void) | null = null;
  private fed = 0;
  error: Error | null = null;

  constructor() {
    this.z.on('data', (b: Buffer) => {
      this.queue.push(b);
      this.queued += b.length;
      if (this.queued >= CHUNK) this.z.pause();
      this.signal();
    });
    this.z.on('error', (e: Error) => {
      this.error = e;
      this.signal();
    });
  }

  /** Compressed bytes zlib consumed. */
  get consumed(): number {
    return this.z.bytesWritten;
  }

  /** Bytes of the last piece after the end of the deflate stream (0 while it goes on). */
  get leftover(): number {
    return this.fed - this.z.bytesWritten;
  }

  /** Writes a piece; yields the output until zlib has processed all of it (or failed). */
  write(piece: Buffer): AsyncGenerator<Buffer> {
    this.fed += piece.length;
    return this.run((done) => this.z.write(piece, () => done()));
  }

  /** Asks zlib for anything it still holds (no error on an unfinished stream). */
  flush(): AsyncGenerator<Buffer> {
    return this.run((done) => this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => done()));
  }

  destroy(): void {
    this.z.destroy();
  }

  private async *run(start: (done: () => void) => void): AsyncGenerator<Buffer> {
    let finished = false;
    start(() => {
      finished = true;
      this.signal();
    });
    for (;;) {
      for (let b = this.queue.shift(); b !== undefined; b = this.queue.shift()) {
        this.queued -= b.length;
        yield b;
      }
      if (this.error !== null) return;
      if (this.z.isPaused()) this.z.resume();
      if (finished && this.z.readableLength === 0) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private signal(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
