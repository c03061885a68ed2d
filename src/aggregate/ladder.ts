/**
 * A latency ladder per country: for each client country, its requests and its requests at or above each LADDER step
 * (to tell whose requests are the slow ones). Requests without a country count under OTHER; past LADDER_COUNTRIES
 * countries the lightest (fewest requests; ties: the greatest code) is folded into OTHER to make room, so below that
 * cap the ladder does not depend on the order requests came in. Stored flat (one array of codes, one of counts).
 */

/** Latency steps (ms) at which requests are counted per country. */
export const LADDER = [150, 300, 600, 1200, 2400, 4800] as const;
/** Counts per country: requests, then requests at or above each step. */
export const STRIDE = LADDER.length + 1;
/** Requests without a country, and countries folded together past the cap (never named). */
export const OTHER = '*';
/** Countries a ladder keeps apart at most. */
export const LADDER_COUNTRIES = 64;

/** JSON form: [country, [requests, at or above each step...]] per country, countries ascending. */
export type LadderJson = readonly (readonly [string, readonly number[]])[];

export class Ladder {
  /**
   * Countries (and OTHER) in insertion order. Grown by concat up to 8 (a list of exactly its length: a push makes
   * room for 17 at the first country, and a ladder is kept per key and bucket, most with a few countries).
   */
  private codes: string[] = [];
  private counts = new Uint32Array(4 * STRIDE);
  private named = 0;

  /** Countries held, OTHER included. */
  get size(): number {
    return this.codes.length;
  }

  /** The i-th country (or OTHER). */
  code(i: number): string {
    return this.codes[i] ?? OTHER;
  }

  /** The i-th country's requests (j = 0) or requests at or above step j - 1 (j = 1..LADDER.length). */
  at(i: number, j: number): number {
    return this.counts[i * STRIDE + j] ?? 0;
  }

  /** Counts one request of `country` (null: unknown) with latency `ms`; returns how many countries were folded (0 or 1). */
  add(country: string | null, ms: number): number {
    const key = country ?? OTHER;
    let i = this.codes.indexOf(key);
    let folded = 0;
    if (i < 0) [i, folded] = this.slot(key);
    const c = this.counts;
    const o = i * STRIDE;
    c[o] = (c[o] ?? 0) + 1;
    for (let s = 0; s < LADDER.length && ms >= (LADDER[s] ?? Infinity); s++) c[o + s + 1] = (c[o + s + 1] ?? 0) + 1;
    return folded;
  }

  /** Adds another ladder; returns how many countries were folded into OTHER. */
  merge(other: Ladder): number {
    let folded = 0;
    for (let k = 0; k < other.codes.length; k++) {
      const key = other.code(k);
      let i = this.codes.indexOf(key);
      if (i < 0) {
        let f: number;
        [i, f] = this.slot(key);
        folded += f;
      }
      for (let j = 0; j < STRIDE; j++) this.counts[i * STRIDE + j] = this.at(i, j) + other.at(k, j);
    }
    return folded;
  }

  toJSON(): LadderJson {
    return this.codes
      .map((code, i): [string, number[]] => [code, Array.from(this.counts.subarray(i * STRIDE, (i + 1) * STRIDE))])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  static fromJSON(j: LadderJson): Ladder {
    const out = new Ladder();
    for (const [code, counts] of j) {
      const [i] = out.slot(code);
      for (let k = 0; k < STRIDE; k++) out.counts[i * STRIDE + k] = out.at(i, k) + (counts[k] ?? 0);
    }
    return out;
  }

  /** The index of a new entry for `key` (folding the lightest country into OTHER when full), and 1 if it folded one. */
  private slot(key: string): [number, number] {
    if (key !== OTHER && this.named >= LADDER_COUNTRIES) {
      const light = this.lightest();
      let other = this.codes.indexOf(OTHER);
      if (other < 0) other = this.push(OTHER);
      for (let j = 0; j < STRIDE; j++) this.counts[other * STRIDE + j] = this.at(other, j) + this.at(light, j);
      this.counts.fill(0, light * STRIDE, (light + 1) * STRIDE);
      this.codes[light] = key;
      return [light, 1];
    }
    if (key !== OTHER) this.named++;
    return [this.push(key), 0];
  }

  private push(key: string): number {
    const i = this.codes.length;
    if ((i + 1) * STRIDE > this.counts.length) {
      const grown = new Uint32Array(this.counts.length * 2);
      grown.set(this.counts);
      this.counts = grown;
    }
    if (i < 8) this.codes = this.codes.concat([key]);
    else this.codes.push(key);
    return i;
  }

  /** The named country with the fewest requests (ties: the greatest code). */
  private lightest(): number {
    let best = -1;
    for (let i = 0; i < this.codes.length; i++) {
      const code = this.code(i);
      if (code === OTHER) continue;
      const b = this.codes[best];
      if (best < 0 || b === undefined || this.at(i, 0) < this.at(best, 0) || (this.at(i, 0) === this.at(best, 0) && code > b)) best = i;
    }
    return best;
  }
}
