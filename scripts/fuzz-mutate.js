// @ts-check
/*
 * Hostile input for the fuzz harness (scripts/fuzz.js, test/hostile/fuzz.test.ts): seed lines per format from the
 * shared corpus and the project's fixtures, seeded mutators, and whole-file shapes. Plain JS so that both the script
 * and the jest test can require it; it is not part of the shipped CLI.
 *
 * Lines are handled as latin1 strings (one char = one byte) so that a mutator can write any byte, invalid UTF-8
 * included; `toBytes` turns one back into a Buffer. A mutated line never contains LF (the harness counts lines by LF).
 */
'use strict';
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

/** Formats and the shared-corpus folders whose lines seed them. */
const CORPUS_DIRS = /** @type {Readonly<Record<string, readonly string[]>>} */ ({
  alb: ['aws-alb'],
  elb: ['aws-elb-classic'],
  nginx: ['nginx'],
  haproxy: ['haproxy'],
  clf: ['apache'],
});
/** Every format the harness fuzzes (lbua's registry). */
const FORMATS = Object.keys(CORPUS_DIRS);

/**
 * A seeded generator (mulberry32, the same as src/generate/random.ts, kept here so the harness needs no build to mutate).
 * @typedef {{ next(): number, int(lo: number, hi: number): number, pick<T>(xs: readonly T[]): T, chance(p: number): boolean }} Rng
 * @param {number} seed
 * @returns {Rng}
 */
function makeRng(seed) {
  let state = seed >>> 0;
  const next = () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (/** @type {number} */ lo, /** @type {number} */ hi) => lo + Math.floor(next() * (hi - lo + 1));
  return {
    next,
    int,
    pick(xs) {
      if (xs.length === 0) throw new Error('pick from empty array');
      return /** @type {any} */ (xs[int(0, xs.length - 1)]);
    },
    chance: (p) => next() < p,
  };
}

/**
 * A seed line and where it came from.
 * @typedef {{ text: string, from: string }} SeedLine
 */

/**
 * The seed lines of a format: every non-empty line of `../shared/corpus/<dir>/*.log` (read in place) and of
 * `fixtures/formats/<format>/*.log`. `note` says when the corpus is absent.
 * @param {string} root project root
 * @param {string} format
 * @returns {{ lines: SeedLine[], note: string | null }}
 */
function seedLines(root, format) {
  /** @type {SeedLine[]} */
  const lines = [];
  const add = (/** @type {string} */ file) => {
    const text = readFileSync(file).toString('latin1');
    text.split('\n').forEach((l, i) => {
      const t = l.replace(/\r$/, '');
      if (t.length > 0) lines.push({ text: t, from: `${relative(root, file)}:${i + 1}` });
    });
  };
  const corpus = join(root, '..', 'shared', 'corpus');
  const note = existsSync(corpus) ? null : `${corpus} not found: seeding ${format} from fixtures/formats/${format} only`;
  if (note === null) {
    for (const dir of CORPUS_DIRS[format] ?? []) {
      const d = join(corpus, dir);
      if (!existsSync(d)) continue;
      for (const f of readdirSync(d).sort()) if (f.endsWith('.log') && statSync(join(d, f)).isFile()) add(join(d, f));
    }
  }
  const fx = join(root, 'fixtures', 'formats', format);
  if (existsSync(fx)) for (const f of readdirSync(fx).sort()) if (f.endsWith('.log')) add(join(fx, f));
  return { lines, note };
}

const {
  toBytes, EXTREME_NUMBERS, HOSTILE_CLIENTS, CONTROL_PAYLOADS, INVALID_UTF8, HUGE_SIZES, HUGE_UNITS, MONTHS, ISO_DATES,
  CLF_DATES, DATE_PARTS, ISO_RE, CLF_RE, SYSLOG_RE, NUMBER_RE,
} = require('./fuzz-values');

/**
 * Spans [start, end) of the fields of a line: runs of non-spaces, a "quoted string" or a [bracketed] one as one field.
 * @param {string} s
 * @returns {[number, number][]}
 */
function fields(s) {
  /** @type {[number, number][]} */
  const out = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ') {
      i++;
      continue;
    }
    const start = i;
    const close = s[i] === '"' ? '"' : s[i] === '[' ? ']' : null;
    if (close !== null) {
      const j = s.indexOf(close, i + 1);
      i = j < 0 ? s.length : j + 1;
    }
    while (i < s.length && s[i] !== ' ') i++;
    out.push([start, i]);
  }
  return out;
}

/** @param {string} s @param {RegExp} re @returns {RegExpExecArray[]} */
const matches = (s, re) => [...s.matchAll(new RegExp(re.source, 'g'))];
/** @param {string} s @param {number} at @param {number} end @param {string} by */
const splice = (s, at, end, by) => s.slice(0, at) + by + s.slice(end);
/** @param {Rng} rng @param {number} n */
const hugeText = (rng, n) => {
  const unit = rng.pick(HUGE_UNITS);
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
};

/**
 * Context shared by the mutators of one batch: `hugeBudget` is how many bytes of huge fields may still be added.
 * @typedef {{ hugeBudget: number }} MutateContext
 */

/**
 * A mutator: returns the mutated line, or null when it does not apply (no such field, no budget left).
 * @typedef {{ name: string, weight: number, apply(s: string, rng: Rng, ctx: MutateContext): string | null }} Mutator
 */

/** @type {(s: string, rng: Rng, ctx: MutateContext) => { at: number, end: number, kind: string } | null} */
function hugeTarget(s, rng) {
  const req = /"(?:[A-Z]+|-) (\S+)/.exec(s);
  const kind = rng.pick(['agent', 'path', 'host', 'query']);
  if (req && req.index !== undefined && kind !== 'agent') {
    const urlAt = req.index + req[0].length - (req[1] ?? '').length;
    const url = req[1] ?? '';
    const hostM = /^[a-z]+:\/\/([^/:]*)/.exec(url);
    const pathAt = hostM ? url.indexOf('/', hostM[0].length) : 0;
    if (kind === 'host') return hostM ? { at: urlAt + hostM[0].length - (hostM[1] ?? '').length, end: urlAt + hostM[0].length, kind } : null;
    const q = url.indexOf('?');
    if (kind === 'query') return { at: urlAt + url.length, end: urlAt + url.length, kind };
    return { at: urlAt + Math.max(0, pathAt) + 1, end: urlAt + (q >= 0 ? q : url.length), kind };
  }
  // The agent: the last quoted field that is not the request, or any field.
  const quoted = fields(s).filter(([a, b]) => s[a] === '"' && b - a >= 2 && !/^"(?:[A-Z]+|-) /.test(s.slice(a, b)));
  const all = fields(s);
  /** @type {[number, number] | undefined} */
  const f = quoted.length > 0 ? quoted[quoted.length - 1] : all.length > 0 ? rng.pick(all) : [0, 0];
  if (!f) return null;
  const quotedField = s[f[0]] === '"';
  return { at: quotedField ? f[0] + 1 : f[0], end: quotedField ? f[1] - 1 : f[1], kind: 'agent' };
}

/** @type {readonly Mutator[]} */
const MUTATORS = [
  {
    name: 'flip', weight: 10,
    apply(s, rng) {
      if (s.length === 0) return null;
      const b = Buffer.from(s, 'latin1');
      for (let k = rng.int(1, 4); k > 0; k--) {
        const i = rng.int(0, b.length - 1);
        b[i] = (b[i] ?? 0) ^ (1 << rng.int(0, 7));
        if (b[i] === 10) b[i] = 11;
      }
      return b.toString('latin1');
    },
  },
  { name: 'truncate', weight: 8, apply: (s, rng) => (s.length < 2 ? null : s.slice(0, rng.int(0, s.length - 1))) },
  {
    name: 'dup-field', weight: 6,
    apply(s, rng) {
      const f = fields(s);
      if (f.length === 0) return null;
      const [a, b] = rng.pick(f);
      const copy = s.slice(a, b);
      return rng.chance(0.8) ? splice(s, b, b, ` ${copy}`) : splice(s, b, b, ` ${copy} ${copy} ${copy}`);
    },
  },
  {
    name: 'del-field', weight: 6,
    apply(s, rng) {
      const f = fields(s);
      if (f.length < 2) return null;
      const [a, b] = rng.pick(f);
      return splice(s, a, Math.min(s.length, b + 1), '');
    },
  },
  {
    name: 'swap-fields', weight: 3,
    apply(s, rng) {
      const f = fields(s);
      if (f.length < 2) return null;
      const i = rng.int(0, f.length - 2);
      const x = f[i];
      const y = f[rng.int(i + 1, f.length - 1)];
      if (!x || !y) return null;
      return s.slice(0, x[0]) + s.slice(y[0], y[1]) + s.slice(x[1], y[0]) + s.slice(x[0], x[1]) + s.slice(y[1]);
    },
  },
  {
    name: 'huge-field', weight: 4,
    apply(s, rng, ctx) {
      const n = rng.pick(HUGE_SIZES);
      if (ctx.hugeBudget < n) return null;
      const t = hugeTarget(s, rng, ctx);
      if (t === null) return null;
      ctx.hugeBudget -= n;
      const text = hugeText(rng, n);
      return splice(s, t.at, t.end, t.kind === 'query' ? `?q=${text}` : text);
    },
  },
  {
    name: 'invalid-utf8', weight: 5,
    apply(s, rng) {
      const at = rng.int(0, s.length);
      return splice(s, at, at, rng.pick(INVALID_UTF8));
    },
  },
  {
    name: 'nul', weight: 4,
    apply(s, rng) {
      let out = s;
      for (let k = rng.int(1, 3); k > 0; k--) {
        const at = rng.int(0, out.length);
        out = splice(out, at, at, '\x00');
      }
      return out;
    },
  },
  {
    name: 'cr', weight: 4,
    apply(s, rng) {
      if (rng.chance(0.5)) return `${s}\r`;
      const at = rng.int(0, s.length);
      return splice(s, at, at, rng.pick(['\r', '\r', '\r\r', ' \r ']));
    },
  },
  {
    name: 'quote', weight: 6,
    apply(s, rng) {
      const marks = [...s.matchAll(/["[\]]/g)].map((m) => m.index ?? 0);
      if (marks.length > 0 && rng.chance(0.5)) {
        const at = rng.pick(marks);
        return splice(s, at, at + 1, '');
      }
      const at = rng.int(0, s.length);
      return splice(s, at, at, rng.pick(['"', '"', '[', ']', '\\"', '\\']));
    },
  },
  {
    name: 'extreme-number', weight: 10,
    apply(s, rng) {
      const m = matches(s, NUMBER_RE);
      if (m.length === 0) return null;
      const x = rng.pick(m);
      const at = x.index ?? 0;
      return splice(s, at, at + x[0].length, rng.pick(EXTREME_NUMBERS));
    },
  },
  {
    // Every decimal (not inside an address) at once: nginx $request_time, ALB and ELB processing times.
    name: 'extreme-timing', weight: 4,
    apply(s, rng) {
      const by = rng.pick(['9000000000000.0', '8700000000000.000', '1e309', '-0.000', 'NaN', '99999999999999999999.999', '-1.5']);
      const out = s.replace(/(?<![\d.])\d+\.\d+(?![\d.])/g, by);
      return out === s ? null : out;
    },
  },
  {
    name: 'extreme-date', weight: 8,
    apply(s, rng) {
      const all = [...matches(s, ISO_RE).map((m) => ({ m, iso: true })), ...matches(s, CLF_RE).map((m) => ({ m, iso: false })), ...matches(s, SYSLOG_RE).map((m) => ({ m, iso: false }))];
      if (all.length === 0) return null;
      const { m, iso } = rng.pick(all);
      const at = m.index ?? 0;
      let by;
      if (rng.chance(0.4)) by = rng.pick(iso ? ISO_DATES : CLF_DATES);
      else {
        // One component replaced: [10/Dec/2018:15:-6:49.497], month 13, year 0001...
        const parts = m[0].split(/([-/:T. ]|(?=Z))/);
        const idx = [];
        for (let i = 0; i < parts.length; i += 2) if ((parts[i] ?? '') !== '') idx.push(i);
        const i = rng.pick(idx);
        parts[i] = MONTHS.includes(parts[i] ?? '') && rng.chance(0.5) ? rng.pick(['Foo', 'dec', 'DEC', '']) : rng.pick(DATE_PARTS);
        by = parts.join('');
      }
      return splice(s, at, at + m[0].length, by);
    },
  },
  {
    name: 'hostile-client', weight: 8,
    apply(s, rng) {
      const f = fields(s).find(([a, b]) => /^\[?(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:.]+)/.test(s.slice(a, b)));
      if (!f) return null;
      const tok = s.slice(f[0], f[1]);
      const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(:\d+)?$/.exec(tok);
      const v6 = /^\[([^\]]*)\](:\d+)?$/.exec(tok);
      const port = (v4 && v4[2]) || (v6 && v6[2]) || '';
      const host = rng.pick(HOSTILE_CLIENTS);
      const addr = port !== '' && host.includes(':') && rng.chance(0.5) ? `[${host}]` : host;
      return splice(s, f[0], f[1], `${addr}${port}`);
    },
  },
  {
    name: 'control-chars', weight: 6,
    apply(s, rng) {
      const f = fields(s);
      const [a, b] = f.length > 0 ? rng.pick(f) : [0, 0];
      const at = rng.int(a, b);
      return splice(s, at, at, rng.pick(CONTROL_PAYLOADS));
    },
  },
  {
    name: 'whole-line', weight: 3,
    apply(s, rng) {
      return rng.pick([
        () => '',
        () => '   \t ',
        () => `${s} ${s}`,
        () => '#'.repeat(rng.int(1, 3)) + s,
        () => Array.from({ length: rng.int(1, 200) }, () => String.fromCharCode(rng.int(0, 255))).join('').replace(/\n/g, ' '),
        () => s.replace(/ /g, '\t'),
        () => s.replace(/ /g, '  '),
        () => s.toUpperCase(),
      ])();
    },
  },
];
const TOTAL_WEIGHT = MUTATORS.reduce((n, m) => n + m.weight, 0);

/** @param {Rng} rng @returns {Mutator} */
function pickMutator(rng) {
  let r = rng.next() * TOTAL_WEIGHT;
  for (const m of MUTATORS) {
    r -= m.weight;
    if (r < 0) return m;
  }
  return /** @type {Mutator} */ (MUTATORS[0]);
}

/**
 * A line of a batch: its text (latin1) and how it was made.
 * @typedef {{ text: string, from: string, mutators: string[] }} FuzzLine
 */

/**
 * `n` mutated lines from `seeds`: one in ten is left as is (so the format is still recognised and the detectors get
 * traffic), the rest get one to three mutators. Huge fields are rationed by `hugeBudget` bytes per batch.
 * @param {readonly SeedLine[]} seeds
 * @param {number} n
 * @param {Rng} rng
 * @param {{ hugeBudget?: number }} [options]
 * @returns {FuzzLine[]}
 */
function mutateBatch(seeds, n, rng, options = {}) {
  /** @type {MutateContext} */
  const ctx = { hugeBudget: options.hugeBudget ?? 2 * 1024 * 1024 };
  /** @type {FuzzLine[]} */
  const out = [];
  for (let i = 0; i < n; i++) {
    const seed = rng.pick(seeds);
    let text = seed.text;
    /** @type {string[]} */
    const used = [];
    if (!rng.chance(0.1)) {
      const k = rng.chance(0.6) ? 1 : rng.chance(0.75) ? 2 : 3;
      for (let tries = 0; used.length < k && tries < 10; tries++) {
        const m = pickMutator(rng);
        const r = m.apply(text, rng, ctx);
        if (r === null) continue;
        text = r.replace(/\n/g, '\x0b');
        used.push(m.name);
      }
    }
    out.push({ text, from: seed.from, mutators: used });
  }
  return out;
}

/** The bytes of a batch: lines joined by LF, with a final LF. */
const batchBytes = (/** @type {readonly FuzzLine[]} */ lines) => toBytes(lines.map((l) => `${l.text}\n`).join(''));

/**
 * Lines in bytes the way lbua counts them (README "Bad input": lines end at LF or CRLF; a last line without LF counts).
 * @param {Buffer} b
 */
function countLines(b) {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return b.length > 0 && b[b.length - 1] !== 10 ? n + 1 : n;
}

module.exports = { FORMATS, CORPUS_DIRS, MUTATORS, makeRng, seedLines, mutateBatch, batchBytes, countLines, fields, toBytes };
