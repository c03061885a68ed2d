/** Text helpers safe for hostile log content. */
import { createHash } from 'node:crypto';

/**
 * What must not reach a terminal raw: C0 controls but tab and line feed (ESC starts every escape sequence), DEL, C1
 * controls (U+009B is a one-byte CSI and U+009D an OSC in some terminals), the line and paragraph separators
 * U+2028/U+2029, and the bidi controls that reorder what is shown (ALM U+061C, LRM/RLM U+200E/U+200F, embeddings and
 * overrides U+202A–U+202E, isolates U+2066–U+2069).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same set less C0 (JSON.stringify escapes C0 itself), for {@link terminalSafeJson}; one test without /g. */
const JSON_RAW = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const JSON_RAW_ALL = new RegExp(JSON_RAW.source, 'g');

/** Removes control characters (incl. ESC and C1, so no terminal escape sequences), line separators and bidi controls. */
export function stripControl(s: string): string {
  return s.replace(CONTROL, '');
}

/** `s` on one line: tabs and line breaks (also U+2028/U+2029) as spaces, other control characters stripped. */
export function oneLine(s: string): string {
  return stripControl(s.replace(/[\r\n\t\u2028\u2029]/g, ' '));
}

/**
 * JSON text (from JSON.stringify) that is safe to print on a terminal: JSON.stringify escapes C0 controls but
 * leaves DEL, C1 controls, U+2028/U+2029 and bidi controls raw; these become \uXXXX escapes. Outside strings JSON
 * text is ASCII, so only string contents change: the document stays valid JSON with identical values.
 */
export function terminalSafeJson(json: string): string {
  if (!JSON_RAW.test(json)) return json;
  return json.replace(JSON_RAW_ALL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A one-line excerpt of at most `max` characters, control characters stripped. */
export function excerpt(s: string, max = 120): string {
  // Only the head is cleaned, unless control characters ate so much of it that it is too short.
  const head = s.length > 4 * max ? s.slice(0, 4 * max) : s;
  let clean = oneLine(head);
  if (clean.length <= max && head.length < s.length) clean = oneLine(s);
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * A standalone copy of `s`. Substrings of a decoded chunk keep the whole chunk alive in V8 (sliced strings);
 * keys kept in long-lived maps must be copied, or memory grows with the input instead of with distinct keys.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (` ${s}`).slice(1);
}

/**
 * Characters of a log value (user agent, path, host, backend) that the tables and detectors key on; a longer value is
 * keyed by `longKey`. V8 hashes a string of 16,384 characters or more by its length alone, so distinct long values of
 * one length all land in one bucket of every Map and Set, and each lookup compares against all of them: 10,000
 * distinct 30 KB agents (1.4 MB gzipped) took 26 s, 20,000 four times that. Kept well below that length so a key
 * made of a few such values stays below it too.
 */
export const LONG_KEY_CHARS = 4096;

/**
 * `s`, or when longer than LONG_KEY_CHARS, its head, `…#` and 12 hex digits of the SHA-1 of the whole, LONG_KEY_CHARS
 * characters in all: distinct long values stay distinct keys (up to a 48-bit hash), each short enough to be hashed in
 * full, and a long key is its own long key (a worker's keys merge as they are).
 */
export function longKey(s: string): string {
  if (s.length <= LONG_KEY_CHARS) return s;
  return `${s.slice(0, LONG_KEY_CHARS - 14)}…#${createHash('sha1').update(s).digest('hex').slice(0, 12)}`;
}

/**
 * Bounded table of standalone copies: the same object for the same value while the table holds it. Cleared when it
 * holds `capacity` values or `maxChars` characters (a cache: clearing it changes no number, only speed); 256 of them
 * also in a front memo (FrontCache), cleared with it.
 */
export function createInterner(capacity: number, maxChars: number): (s: string | null) => string | null {
  const table = new Map<string, string>();
  // Most values repeat among a few (hosts, backends): found here without hashing them.
  const front = new FrontCache<string>(256);
  let chars = 0;
  return (s) => {
    if (s === null) return null;
    let own = front.get(s);
    if (own !== undefined) return own;
    own = table.get(s);
    if (own === undefined) {
      if (table.size >= capacity || chars + s.length > maxChars) {
        table.clear();
        front.clear();
        chars = 0;
      }
      own = detach(s);
      table.set(own, own);
      chars += own.length;
    }
    front.set(own, own);
    return own;
  };
}

/**
 * A small direct-mapped memo in front of a Map keyed by strings (a cache of caches): a value's slot is a hash of its
 * length and four of its characters (or of its tail), and a hit is one string comparison, where a Map lookup hashes the whole string
 * first (a 130-character user agent, sliced from a new line each time, costs several times more through the Map).
 * A miss costs the slot's hash and one comparison more than the Map alone. The values in it must be what the Map
 * gives for the key (a memo of a pure function of the key); its owner clears it whenever those may change. Memory:
 * `slots` keys and values (a power of two), whatever the Map holds.
 */
export class FrontCache<V> {
  /** Allocated at the first `set`: a cache that is made and never used (a templater read back only to merge its guard, per task of a run) costs nothing. */
  private keys: (string | null)[] | null = null;
  private vals: (V | null)[] | null = null;
  private readonly mask: number;

  /** `tail` > 0: slots by a hash of the last `tail` characters (tailSlot), else of four characters (frontSlot). */
  constructor(private readonly slots: number, private readonly tail = 0) {
    this.mask = slots - 1;
  }

  /** The value memoized for `s`, or undefined. */
  get(s: string): V | undefined {
    const keys = this.keys;
    if (keys === null) return undefined;
    const k = this.tail > 0 ? tailSlot(s, this.mask, this.tail) : frontSlot(s, this.mask);
    return keys[k] === s ? ((this.vals as (V | null)[])[k] as V) : undefined;
  }

  /** Memoizes `v` for `key` (a standalone string: the slot keeps it), replacing the slot's value. */
  set(key: string, v: V): void {
    const k = this.tail > 0 ? tailSlot(key, this.mask, this.tail) : frontSlot(key, this.mask);
    const keys = (this.keys ??= new Array<string | null>(this.slots).fill(null));
    const vals = (this.vals ??= new Array<V | null>(this.slots).fill(null));
    keys[k] = key;
    vals[k] = v;
  }

  clear(): void {
    this.keys?.fill(null);
    this.vals?.fill(null);
  }
}

/** The slot of `s` in a FrontCache of mask + 1 slots: its length and the characters at its three last and middle. */
function frontSlot(s: string, mask: number): number {
  const n = s.length;
  if (n < 3) return n === 0 ? 0 : (Math.imul(n, 0x9e3779b1) ^ s.charCodeAt(0) ^ (s.charCodeAt(n - 1) << 7)) & mask;
  let h = Math.imul(n, 0x9e3779b1) ^ Math.imul(s.charCodeAt(n - 1), 0x85ebca6b) ^ Math.imul(s.charCodeAt(n - 2), 0xc2b2ae35);
  h ^= Math.imul(s.charCodeAt(n - 3), 0x27d4eb2f) ^ Math.imul(s.charCodeAt(n >> 1), 0x165667b1);
  h ^= h >>> 15;
  return h & mask;
}

/**
 * The slot of `s` by its length, middle character and last `tail` characters: dearer than frontSlot, but spreads
 * values that differ in more than their last three characters (paths: 45,070 distinct in the 1M-line bench log, whose
 * front hit rate this takes from about 57% to 71% at 16,384 slots in a replay of the log's paths).
 */
function tailSlot(s: string, mask: number, tail: number): number {
  const n = s.length;
  let h = Math.imul(n, 0x9e3779b1) ^ (n === 0 ? 0 : s.charCodeAt(n >> 1));
  for (let i = n > tail ? n - tail : 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  return h & mask;
}
