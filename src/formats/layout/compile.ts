/**
 * A log layout compiled into a format: the layout's literal text and variables (dialects.ts) become a single-pass
 * matcher that finds each variable's end at the literal text after it, converts the text to the record's units and
 * builds the one record shape every format builds (shared/record.ts), checked like every format's (shared/check.ts).
 *
 * A variable ends where the text after it in the layout next occurs. When that text occurs inside the value too (a
 * client sends a quote inside its request line, which Apache writes unescaped), the next occurrence is tried, a few
 * times, until the rest of the line matches: a status that must be digits is what tells. A quote escaped with a
 * backslash never ends a quoted value.
 */
import { LbuaError } from '../../core/types';
import { clfToEpochMs, isoWithZoneAt, parseDigits, roundMs } from '../../core/units';

export { isoWithZoneAt } from '../../core/units';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { checked } from '../shared/check';
import { lastItem, sumSeconds } from '../shared/nginx-tail';
import { newRecord, type FreshRecord } from '../shared/record';
import { requestInto } from '../shared/request';
import { hostWithoutPort, parseError } from '../shared/result';
import { splitHostPort } from '../shared/request';
import { layoutParts, LayoutError, type Dialect, type Part } from './dialects';
import type { FieldSpec } from './fields';
import { compileStrftime, type TimeReader } from './strftime';

/** How many ends a variable may try before the line is malformed (a line costs at most this many times its parts). */
const TRIES = 6;

/** A compiled variable: what it fills, and the literal text that follows it ('' for the last variable). */
interface Slot {
  readonly name: string;
  readonly spec: FieldSpec;
  readonly after: string;
  /** Written in quotes (HAProxy %{+Q}): they are not part of the value. */
  readonly quoted: boolean;
  /** For a strftime time: its reader, compiled once. */
  readonly time: TimeReader | null;
}

/** The compiled layout: the literal text before the first variable, then the variables. */
interface Program {
  readonly lead: string;
  readonly slots: readonly Slot[];
}

function program(parts: readonly Part[]): Program {
  let lead = '';
  let i = 0;
  if (parts[0]?.kind === 'lit') {
    lead = parts[0].text;
    i = 1;
  }
  const slots: Slot[] = [];
  for (; i < parts.length; i++) {
    const p = parts[i];
    if (p === undefined || p.kind !== 'var') continue;
    const next = parts[i + 1];
    if (next !== undefined && next.kind === 'var') throw new LayoutError(next.pos, `${p.name} and ${next.name} have nothing between them, so where the first ends cannot be told`);
    let time: TimeReader | null = null;
    if (p.spec.target === 'timeStrftime') {
      try {
        time = compileStrftime(p.spec.strftime ?? '');
      } catch (e) {
        throw new LayoutError(p.pos, e instanceof Error ? e.message : String(e));
      }
    }
    slots.push({ name: p.name, spec: p.spec, after: next?.kind === 'lit' ? next.text : '', quoted: p.quoted === true, time });
  }
  return { lead, slots };
}

/** Checks a layout beyond its syntax: balanced quotes, and a time (a record needs one). */
function validate(parts: readonly Part[]): void {
  let quotes = 0;
  let lastQuote = 0;
  for (const p of parts) {
    if (p.kind !== 'lit') continue;
    for (let k = 0; k < p.text.length; k++) {
      if (p.text[k] === '"') {
        quotes++;
        lastQuote = p.pos + k;
      }
    }
  }
  if (quotes % 2 === 1) throw new LayoutError(lastQuote, 'an unbalanced quote');
  if (!parts.some((p) => p.kind === 'var' && p.spec.target.startsWith('time'))) {
    throw new LayoutError(1, 'no time variable (a record needs the time of its request)');
  }
}

/** A variable's text, by its offsets in the line; the matcher fills `off` (start, end per slot). */
type Offsets = Int32Array;

/** Where a value that starts at `from` may end: the next occurrence of `after` that is not an escaped quote. */
function nextEnd(line: string, after: string, from: number): number {
  let at = line.indexOf(after, from);
  while (at > 0 && after.charCodeAt(0) === 34 && escaped(line, at)) at = line.indexOf(after, at + 1);
  return at;
}

/** Whether the character at `at` is escaped by an odd number of backslashes. */
function escaped(line: string, at: number): boolean {
  let n = 0;
  for (let i = at - 1; i >= 0 && line.charCodeAt(i) === 92; i--) n++;
  return n % 2 === 1;
}

/** Whether text[s, e) can be a number: "-", or an optional minus, digits and at most one dot. */
function numberish(line: string, s: number, e: number): boolean {
  if (e <= s) return false;
  let i = line.charCodeAt(s) === 45 ? s + 1 : s;
  if (i === e) return true; // "-"
  let dot = false;
  for (; i < e; i++) {
    const c = line.charCodeAt(i);
    if (c === 46 && !dot) dot = true;
    else if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Whether text[s, e) can be a list of numbers as nginx writes its upstream fields ("0.004, 0.008 : -"). */
function numberList(line: string, s: number, e: number): boolean {
  if (e <= s) return false;
  for (let i = s; i < e; i++) {
    const c = line.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || c === 46 || c === 45 || c === 44 || c === 32 || c === 58)) return false;
  }
  return true;
}

const NUMBER = new Set(['status', 'statusNonZero', 'bytesIn', 'bytesOut', 'bytesOutClf', 'durationS', 'durationMs', 'durationUs', 'backendMs', 'clientPort', 'timeEpochS', 'timeEpochMs', 'timeEpochUs']);
const NUMBER_LIST = new Set(['backendStatus', 'backendS']);

/**
 * Matches slots k.. from `pos`; fills `off`. Bounded: each slot tries at most TRIES ends. The furthest slot whose
 * value was not plausible is noted (its first such value) in off[2n], off[2n+1], off[2n+2] (slot, start, end) for
 * the error message.
 */
function matchSlots(line: string, prog: Program, k: number, pos: number, off: Offsets): boolean {
  const slot = prog.slots[k];
  if (slot === undefined) return pos === line.length;
  if (slot.after === '') {
    off[2 * k] = pos;
    off[2 * k + 1] = line.length;
    return plausible(line, slot, pos, line.length) || noteMiss(prog, off, k, pos, line.length);
  }
  let end = nextEnd(line, slot.after, pos);
  for (let t = 0; t < TRIES && end >= 0; t++) {
    if (plausible(line, slot, pos, end)) {
      off[2 * k] = pos;
      off[2 * k + 1] = end;
      if (matchSlots(line, prog, k + 1, end + slot.after.length, off)) return true;
    } else noteMiss(prog, off, k, pos, end);
    end = nextEnd(line, slot.after, end + 1);
  }
  return false;
}

/** Notes slot k's implausible value [s, e) when it is the furthest so far; returns false. */
function noteMiss(prog: Program, off: Offsets, k: number, s: number, e: number): false {
  const at = 2 * prog.slots.length;
  if (k > (off[at] ?? -1)) {
    off[at] = k;
    off[at + 1] = s;
    off[at + 2] = e;
  }
  return false;
}

/** Whether text[s, e) can be the slot's value (a number, an address without spaces): else the matcher tries on. */
function plausible(line: string, slot: Slot, s: number, e: number): boolean {
  const t = slot.spec.target;
  if (t === 'client' || t === 'clientWithPort') return e > s && line.lastIndexOf(' ', e - 1) < s;
  if (t === 'clientForwarded') return line.lastIndexOf('"', e - 1) < s;
  return NUMBER.has(t) ? numberish(line, s, e) : NUMBER_LIST.has(t) ? numberList(line, s, e) : true;
}

/** text[s, e), null for "-" or empty. */
function text(line: string, s: number, e: number): string | null {
  if (e <= s || (e === s + 1 && line.charCodeAt(s) === 45)) return null;
  return line.slice(s, e);
}

/** A decimal number in text[s, e) (sign and fraction allowed); null for "-" or empty, NaN when not a number. */
function decimal(line: string, s: number, e: number): number | null {
  if (e <= s || (e === s + 1 && line.charCodeAt(s) === 45)) return null;
  return Number(line.slice(s, e));
}

/** A non-negative duration, null when absent or negative (HAProxy writes -1 for a phase that did not happen). */
function duration(v: number | null, scale: number): number | null {
  if (v === null) return null;
  if (Number.isNaN(v)) return Number.NaN;
  return v < 0 ? null : roundMs(v * scale);
}

/** The time of text[s, e) as the spec reads it (epoch ms), NaN when it is not one. */
function timeOf(line: string, spec: FieldSpec, s: number, e: number, reader: TimeReader | null): number {
  switch (spec.target) {
    case 'timeStrftime': return reader === null ? Number.NaN : reader(line.slice(s, e));
    case 'timeClf': return clfToEpochMs(line.slice(s, e));
    case 'timeClfBracketed': return line.charCodeAt(s) === 91 && line.charCodeAt(e - 1) === 93 ? clfToEpochMs(line.slice(s + 1, e - 1)) : Number.NaN;
    case 'timeIso': return isoWithZoneAt(line, s, e);
    case 'timeEpochS': return roundMs(Number(line.slice(s, e)) * 1000);
    case 'timeEpochMs': return Number(line.slice(s, e));
    case 'timeEpochUs': return roundMs(Number(line.slice(s, e)) / 1000);
    default: return Number.NaN;
  }
}

/** The compiled format's parse: match, then fill one record. */
function parseWith(id: string, dialect: Dialect, prog: Program, off: Offsets) {
  return (line: string, ctx: ParseContext): ParseResult => {
    let from = 0;
    off[2 * prog.slots.length] = -1;
    if (!line.startsWith(prog.lead) || !matchSlots(line, prog, 0, prog.lead.length, off)) {
      // HAProxy logs through syslog: its layout starts after "Mon dd hh:mm:ss host haproxy[pid]: ".
      from = dialect === 'haproxy' ? syslogEnd(line) : -1;
      if (from < 0 || !line.startsWith(prog.lead, from) || !matchSlots(line, prog, 0, from + prog.lead.length, off)) {
        if (line.trim() === '') return { kind: 'skip', reason: 'blank' };
        const miss = prog.slots[off[2 * prog.slots.length] ?? -1];
        if (miss === undefined) return parseError(line, ctx, `line does not match the ${id} layout`);
        const ms = off[2 * prog.slots.length + 1] ?? 0;
        const me = off[2 * prog.slots.length + 2] ?? 0;
        return parseError(line, ctx, `line does not match the ${id} layout: ${miss.name} cannot be ${JSON.stringify(line.slice(ms, Math.min(me, ms + 40)))}`, miss.name);
      }
    }
    const r: FreshRecord = newRecord(Number.NaN, id, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, ctx.source);
    let time = Number.NaN;
    let timeAtEnd = false;
    for (let k = 0; k < prog.slots.length; k++) {
      const slot = prog.slots[k];
      if (slot === undefined) continue;
      let s = off[2 * k] ?? 0;
      let e = off[2 * k + 1] ?? 0;
      if (slot.quoted && e - s >= 2 && line.charCodeAt(s) === 34 && line.charCodeAt(e - 1) === 34) {
        s++;
        e--;
      }
      const bad = fill(r, slot.spec, line, s, e);
      if (bad !== null) return parseError(line, ctx, `${slot.name} ${bad}`, slot.name);
      if (slot.spec.target.startsWith('time')) {
        time = timeOf(line, slot.spec, s, e, slot.time);
        timeAtEnd = slot.spec.atEnd === true;
        if (Number.isNaN(time)) return parseError(line, ctx, `${slot.name} is not a time: ${JSON.stringify(line.slice(s, Math.min(e, s + 40)))}`, slot.name);
      }
    }
    // nginx writes the time when the request ends: it started its duration earlier.
    r.startMs = timeAtEnd && r.durationMs !== null ? time - r.durationMs : time;
    return { kind: 'record', record: r };
  };
}

/** Where the message of a syslog line starts ("... haproxy[123]: "), or -1. */
function syslogEnd(line: string): number {
  const m = /^.{0,120}?\]: /.exec(line);
  return m ? m[0].length : -1;
}

/** Writes text[s, e) into the record's field; returns what is wrong with it, or null. */
function fill(r: FreshRecord, spec: FieldSpec, line: string, s: number, e: number): string | null {
  switch (spec.target) {
    case 'client': r.clientIp = text(line, s, e); return null;
    case 'clientWithPort': {
      const hp = splitHostPort(text(line, s, e) ?? undefined);
      r.clientIp = hp.ip;
      if (hp.port !== null) r.clientPort = hp.port;
      return null;
    }
    case 'clientPort': return int(line, s, e, (v) => (r.clientPort = v));
    case 'forwardedFor': r.forwardedFor = text(line, s, e); return null;
    case 'cacheStatus': r.cacheStatus = text(line, s, e); return null;
    case 'clientForwarded': {
      r.forwardedFor = text(line, s, e);
      // The last address of the list (the hop nearest the proxy), only when no peer-address variable gave a client.
      if (r.clientIp !== null) return null;
      const comma = line.lastIndexOf(',', e - 1);
      let from = comma >= s ? comma + 1 : s;
      while (from < e && line.charCodeAt(from) === 32) from++;
      const hp = splitHostPort(text(line, from, e) ?? undefined);
      r.clientIp = hp.ip;
      return null;
    }
    case 'request': {
      // A request line with no host (the usual "GET /path") keeps the host a $host variable gave.
      const host = r.host;
      requestInto(r, line, s, e, true);
      if (r.host === null) r.host = host;
      return null;
    }
    case 'method': r.method = text(line, s, e); return null;
    case 'uri': {
      const u = text(line, s, e);
      const q = u === null ? -1 : u.indexOf('?');
      r.path = u === null ? null : q < 0 ? u : u.slice(0, q);
      r.query = u === null || q < 0 ? r.query : u.slice(q + 1) || null;
      return null;
    }
    case 'path': r.path = text(line, s, e); return null;
    case 'query': {
      const q = text(line, s, e);
      r.query = q === null ? null : q.charCodeAt(0) === 63 ? q.slice(1) || null : q;
      return null;
    }
    case 'protocol': r.protocol = text(line, s, e); return null;
    case 'scheme': r.scheme = text(line, s, e)?.toLowerCase() ?? null; return null;
    case 'status': return int(line, s, e, (v) => (r.status = v));
    case 'statusNonZero': return int(line, s, e, (v) => (r.status = v === 0 ? null : v));
    case 'errorReason': r.errorReason = text(line, s, e); return null;
    case 'backendStatus': {
      const v = lastItem(line, s, e);
      const n = v === null ? null : Number(v);
      if (n !== null && !Number.isInteger(n)) return `is not a status code: ${JSON.stringify(v)}`;
      r.backendStatus = n;
      return null;
    }
    case 'bytesIn': return int(line, s, e, (v) => (r.bytesIn = v));
    case 'bytesOut': return int(line, s, e, (v) => (r.bytesOut = v));
    case 'bytesOutClf': return int(line, s, e, (v) => (r.bytesOut = v ?? 0));
    case 'durationS': return dur(decimal(line, s, e), 1000, (v) => (r.durationMs = v));
    case 'durationMs': return dur(decimal(line, s, e), 1, (v) => (r.durationMs = v));
    case 'durationUs': return dur(decimal(line, s, e), 0.001, (v) => (r.durationMs = v));
    case 'backendS': r.backendMs = sumSeconds(line, s, e); return null;
    case 'backendMs': return dur(decimal(line, s, e), 1, (v) => (r.backendMs = v));
    case 'backend': {
      // Envoy writes tcp://host:port: the address alone, as the other formats give it.
      const b = lastItem(line, s, e);
      r.backend = b !== null && b.startsWith('tcp://') ? b.slice(6) || null : b;
      return null;
    }
    case 'userAgent': r.userAgent = text(line, s, e); return null;
    case 'referer': r.referer = text(line, s, e); return null;
    case 'host': r.host = hostWithoutPort(text(line, s, e)); return null;
    case 'tlsProtocol': r.tlsProtocol = text(line, s, e); return null;
    case 'tlsCipher': r.tlsCipher = text(line, s, e); return null;
    case 'traceId': r.traceId = text(line, s, e); return null;
    case 'lb': r.lb = text(line, s, e); return null;
    default: return null;
  }
}

function int(line: string, s: number, e: number, set: (v: number | null) => void): string | null {
  if (e <= s || (e === s + 1 && line.charCodeAt(s) === 45)) {
    set(null);
    return null;
  }
  const v = parseDigits(line, s, e);
  if (Number.isNaN(v)) return `is not a whole number: ${JSON.stringify(line.slice(s, Math.min(e, s + 40)))}`;
  set(v);
  return null;
}

function dur(v: number | null, scale: number, set: (v: number | null) => void): string | null {
  const d = duration(v, scale);
  if (d !== null && Number.isNaN(d)) return 'is not a number';
  set(d);
  return null;
}

/** A user's layout, as given to --log-format: "dialect:layout". */
export interface LayoutSpec {
  readonly id: string;
  readonly dialect: Dialect;
  readonly layout: string;
}

/**
 * Compiles a layout into a format named `id`. Throws LbuaError (OPTION_INVALID) naming the column of what cannot
 * be compiled: an unknown variable, an unbalanced quote, two variables with nothing between them, no time.
 */
export function compileLayout(spec: LayoutSpec, what = '--log-format'): FormatParser {
  return checked(compileLayoutUnchecked(spec, what));
}

/** compileLayout without the record check, for a built-in format the registry wraps in checked() itself. */
export function compileLayoutUnchecked(spec: LayoutSpec, what = '--log-format'): FormatParser {
  let prog: Program;
  try {
    const parts = layoutParts(spec.dialect, spec.layout);
    validate(parts);
    prog = program(parts);
  } catch (e) {
    if (e instanceof LayoutError) throw new LbuaError({ code: 'OPTION_INVALID', severity: 'error', source: null, message: `${what} ${spec.dialect} layout: ${e.problem} at column ${e.position}: ${JSON.stringify(spec.layout.slice(Math.max(0, e.position - 11), e.position + 19))}` });
    throw e;
  }
  // Scratch offsets of the line being matched: parsing is synchronous, and nothing reads them across calls.
  const off = new Int32Array(2 * prog.slots.length + 3);
  const parse = parseWith(spec.id, spec.dialect, prog, off);
  const format: FormatParser = {
    id: spec.id,
    title: `${spec.id} (${spec.dialect} layout)`,
    description: `${spec.dialect} layout: ${spec.layout}`,
    docsUrl: DOCS[spec.dialect],
    samples: [],
    // A line the layout matches is certainly of this format; detection then scores by what parses.
    detect: (line) => (parse(line, { source: { file: '<detect>', line: 1 }, strict: false, detecting: true }).kind === 'record' ? 1 : 0),
    parse,
  };
  return format;
}

const DOCS: Readonly<Record<Dialect, string>> = {
  nginx: 'http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format',
  apache: 'https://httpd.apache.org/docs/current/mod/mod_log_config.html#formats',
  haproxy: 'https://docs.haproxy.org/2.8/configuration.html#8.2.4',
  envoy: 'https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage',
};
