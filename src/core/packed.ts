/**
 * State packed for the hand-over from a worker thread to the main thread: numbers in one growable Float64Array
 * (transferable: postMessage moves its buffer, nothing is copied or parsed) and strings each once in a table the
 * numbers index. A per-client aggregate written so is one flat buffer and a few thousand distinct strings instead of
 * a nested array per client with its file paths and agents repeated (JSON text: stringify, copy, parse).
 *
 * A writer appends numbers in a fixed order; the reader reads them back in that order. Float64 keeps every number
 * lbua counts exactly (integers, timestamps with fractions, ±Infinity, NaN).
 */

/** What a packed state crosses the thread boundary as: numbers and the strings they index. */
export interface Packed {
  readonly data: Float64Array;
  readonly strings: readonly string[];
}

/** Appends numbers and interned strings. */
export class PackWriter {
  private buf = new Float64Array(4096);
  private n = 0;
  private readonly strings: string[] = [];
  private readonly index = new Map<string, number>();

  /** Appends a number. */
  num(x: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = x;
  }

  /** Appends a string (its index in the table; -1 for null). */
  str(s: string | null): void {
    this.num(s === null ? -1 : this.intern(s));
  }

  /** A string's index in the table (added if new), for columns of string indexes written with `array`. */
  intern(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  /** Appends a column of numbers: its length, then the numbers (read back with `int32s` or `float64s`). */
  array(a: ArrayLike<number>): void {
    const len = a.length;
    this.num(len);
    if (this.n + len > this.buf.length) {
      const next = new Float64Array(Math.max(this.buf.length * 2, this.n + len));
      next.set(this.buf.subarray(0, this.n));
      this.buf = next;
    }
    for (let i = 0; i < len; i++) this.buf[this.n + i] = a[i] as number;
    this.n += len;
  }

  /** Numbers written so far. */
  get length(): number {
    return this.n;
  }

  /** The packed numbers (a copy cut to length: its buffer can be transferred) and strings. */
  done(): Packed {
    return { data: this.buf.slice(0, this.n), strings: this.strings };
  }
}

/** Reads back what a PackWriter wrote, in the same order. */
export class PackReader {
  private at = 0;

  constructor(private readonly p: Packed) {}

  num(): number {
    return this.p.data[this.at++] ?? Number.NaN;
  }

  /** A string written by `str` (null for null). */
  str(): string | null {
    const i = this.num();
    return i < 0 ? null : (this.p.strings[i] ?? null);
  }

  /** A string written by `str` that was not null. */
  text(): string {
    return this.p.strings[this.num()] ?? '';
  }

  /** A column written by `array`, as 32-bit integers. */
  int32s(): Int32Array {
    const len = this.num();
    const a = new Int32Array(this.p.data.subarray(this.at, this.at + len));
    this.at += len;
    return a;
  }

  /** A column written by `array`, as numbers. */
  float64s(): Float64Array {
    const len = this.num();
    const a = this.p.data.slice(this.at, this.at + len);
    this.at += len;
    return a;
  }

  /** A column written by `array`, as a plain array of numbers. */
  numbers(): number[] {
    const len = this.num();
    const d = this.p.data;
    const a = new Array<number>(len);
    for (let i = 0; i < len; i++) a[i] = d[this.at + i] as number;
    this.at += len;
    return a;
  }

  /** A column of string indexes written by `array` (of `PackWriter.intern`), as the strings. */
  texts(): string[] {
    const len = this.num();
    const d = this.p.data;
    const a = new Array<string>(len);
    for (let i = 0; i < len; i++) a[i] = this.p.strings[d[this.at + i] as number] ?? '';
    this.at += len;
    return a;
  }

  /** The string table (for columns of indexes written with `PackWriter.intern`). */
  get strings(): readonly string[] {
    return this.p.strings;
  }

  /** True once everything written was read. */
  get end(): boolean {
    return this.at >= this.p.data.length;
  }
}
