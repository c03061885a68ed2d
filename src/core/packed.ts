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
    if (s === null) {
      this.num(-1);
      return;
    }
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    this.num(i);
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

  /** True once everything written was read. */
  get end(): boolean {
    return this.at >= this.p.data.length;
  }
}
