/**
 * JSON-lines access logs as data: a format is a table from JSON paths to record fields with a unit each
 * (`{"path": "httpRequest.latency", "field": "durationMs", "unit": "duration-string-s"}`), compiled once into a
 * FormatParser. A line is one JSON object (JSON.parse; a Kubernetes CRI prefix `<time> stdout F ` or a
 * docker-compose prefix `name  | ` before it is dropped); which table reads it is decided by the keys the table
 * requires (`match`), so tables do not take each other's lines. The built-in tables are the other files of this
 * folder; users declare their own in a --format-file (`"json": {table}`), validated by compileJsonTable.
 */
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { newRecord, type FreshRecord } from '../shared/record';
import { hostWithoutPort, parseError } from '../shared/result';
import { requestInto, type RequestParts } from '../shared/request';
import { convert, UNITS, type JsonUnit } from './units';

/** Record fields a table may fill, and four that fill several: */
export type JsonTarget =
  | 'startMs' | 'clientIp' | 'clientPort' | 'clientHost' | 'method' | 'scheme' | 'host' | 'path' | 'query' | 'protocol' | 'status'
  | 'backendStatus' | 'backend' | 'durationMs' | 'backendMs' | 'bytesIn' | 'bytesOut' | 'userAgent' | 'referer' | 'tlsProtocol'
  | 'tlsCipher' | 'traceId' | 'errorReason' | 'lb'
  /** The forwarded chain (X-Forwarded-For, CF-Connecting-IP) --trust-proxy reads the client from. */
  | 'forwardedFor'
  /** CDN edge / PoP, the cache's verdict, the client's TLS fingerprint (JA3/JA4) as logged. */
  | 'edgeLocation' | 'cacheStatus' | 'tlsFingerprint'
  /** The time the line was written at the end of the request: start = end − durationMs. */
  | 'endMs'
  /** The time the request ended (Cloudflare EdgeEndTimestamp): durationMs = end − start when no duration is logged. */
  | 'finishMs'
  /** "scheme://host:port/path?query" or "/path?query" → scheme, host (no port), path, query. */
  | 'url'
  /** "METHOD target PROTOCOL" → method, scheme, host, path, query, protocol. */
  | 'request';

export const TARGETS: readonly JsonTarget[] = [
  'startMs', 'clientIp', 'clientPort', 'clientHost', 'method', 'scheme', 'host', 'path', 'query', 'protocol', 'status', 'backendStatus',
  'backend', 'durationMs', 'backendMs', 'bytesIn', 'bytesOut', 'userAgent', 'referer', 'tlsProtocol', 'tlsCipher', 'traceId',
  'errorReason', 'lb', 'forwardedFor', 'edgeLocation', 'cacheStatus', 'tlsFingerprint', 'endMs', 'finishMs', 'url', 'request',
];

/** One row of a table: the first of `path` present (not null, not a `nulls` value) fills `field`. */
export interface JsonField {
  readonly field: JsonTarget;
  /** Dot-separated key path ("request.headers.User-Agent"), or several tried in order. */
  readonly path: string | readonly string[];
  /** Default: the field's natural unit (text, int, ms, time). */
  readonly unit?: JsonUnit;
  /** Values that mean "not logged" besides null, "" and "-" (e.g. 0 for Cloudflare's OriginResponseStatus). */
  readonly nulls?: readonly (string | number)[];
}

/** A key the line must have (and, optionally, what its value must be) for the table to read it. */
export interface JsonCondition {
  readonly path: string;
  readonly equals?: readonly string[];
  readonly prefix?: string;
  readonly contains?: string;
}

export interface JsonTable {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly docsUrl: string;
  readonly samples: readonly string[];
  /** Every condition must hold. */
  readonly all?: readonly JsonCondition[];
  /** At least one must hold. */
  readonly any?: readonly JsonCondition[];
  /** None may hold: keys another table's lines have (nginx-json's generic keys are also in lbua's own records). */
  readonly none?: readonly JsonCondition[];
  /** Cheap shape check: the line has every substring of one of these groups (quoted key names). */
  readonly markers: readonly (readonly string[])[];
  readonly fields: readonly JsonField[];
  /**
   * A key holding an array of records (Azure diagnostic logs through Event Hubs and storage exports:
   * `{"records": [...]}`): a line holding one is read as it, a line holding several is split into its records
   * (FormatParser.split), each read as a line of its own.
   */
  readonly recordsKey?: string;
  /** Last touches a table cannot say (Caddy: the port is the peer's, so only kept when the peer is the client). */
  readonly finish?: (r: FreshRecord, o: JsonObject) => void;
}

export type JsonObject = { readonly [k: string]: unknown };

interface CompiledField {
  readonly field: JsonTarget;
  readonly paths: readonly (readonly string[])[];
  readonly shown: string;
  readonly unit: JsonUnit;
  readonly nulls: ReadonlySet<unknown>;
}

const DEFAULT_UNIT: Readonly<Record<JsonTarget, JsonUnit>> = {
  startMs: 'time', endMs: 'time', finishMs: 'time', clientIp: 'addr-ip', clientPort: 'addr-port', status: 'int', backendStatus: 'int',
  bytesIn: 'int', bytesOut: 'int', durationMs: 'ms', backendMs: 'ms', clientHost: 'text', method: 'text', scheme: 'text', host: 'text',
  path: 'text', query: 'text', protocol: 'text', backend: 'text', userAgent: 'text', referer: 'text', tlsProtocol: 'text', tlsCipher: 'text',
  traceId: 'text', errorReason: 'text', lb: 'text', forwardedFor: 'text', edgeLocation: 'text', cacheStatus: 'text', tlsFingerprint: 'text', url: 'text', request: 'text',
};

/** A table that cannot be compiled: what is wrong with it, in one line. */
export class JsonTableError extends Error {}

/** Checks a table (a user's, from JSON) and compiles it into a format. Throws JsonTableError naming the bad entry. */
export function compileJsonTable(table: JsonTable): FormatParser {
  const fields = table.fields.map((f, i) => compileField(f, i));
  if (!fields.some((f) => f.field === 'startMs' || f.field === 'endMs')) throw new JsonTableError('no field maps to startMs or endMs: every record needs a time');
  if ((table.all?.length ?? 0) + (table.any?.length ?? 0) === 0) throw new JsonTableError('no "all" or "any" condition: a table must say which lines are its own');
  const conds = (table.all ?? []).map(compileCondition);
  const anyConds = (table.any ?? []).map(compileCondition);
  const noneConds = (table.none ?? []).map(compileCondition);
  const markers = table.markers;
  return {
    id: table.id,
    title: table.title,
    description: table.description,
    docsUrl: table.docsUrl,
    samples: table.samples,
    detect: (line) => {
      const s = jsonStart(line);
      if (s < 0) return 0;
      return markers.length === 0 || markers.some((g) => g.every((m) => line.includes(m, s))) ? 0.9 : 0;
    },
    parse: (line, ctx) => parseJson(table, fields, conds, anyConds, noneConds, line, ctx),
    ...(table.recordsKey === undefined ? {} : { split: splitter(table.recordsKey) }),
  };
}

/**
 * The split of a table with a recordsKey: a line that is a JSON object whose `key` holds two records or more gives
 * them as JSON texts (each parsed again by the table: a WAF record among access records is rejected on its own, a
 * record that is not an object is "not a JSON object"); any other line, null (one record, or malformed JSON, which
 * the table's parse reports once for the line). Lines without the quoted key cost a substring test.
 */
function splitter(key: string): (line: string) => readonly string[] | null {
  const quoted = `"${key}"`;
  return (line) => {
    if (!line.includes(quoted)) return null;
    const s = jsonStart(line);
    if (s < 0) return null;
    let v: unknown;
    try {
      v = JSON.parse(s === 0 ? line : line.slice(s));
    } catch {
      return null;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
    const list = (v as JsonObject)[key];
    if (!Array.isArray(list) || list.length < 2) return null;
    return list.map((r: unknown) => JSON.stringify(r));
  };
}

interface CompiledCondition {
  readonly parts: readonly string[];
  readonly c: JsonCondition;
}

function compileCondition(c: JsonCondition): CompiledCondition {
  if (typeof c.path !== 'string' || c.path === '') throw new JsonTableError('a condition has no "path"');
  return { parts: c.path.split('.'), c };
}

function compileField(f: JsonField, i: number): CompiledField {
  if (!TARGETS.includes(f.field)) throw new JsonTableError(`fields[${i}]: unknown field "${String(f.field)}" (one of ${TARGETS.join(', ')})`);
  const unit = f.unit ?? DEFAULT_UNIT[f.field];
  if (!UNITS.includes(unit)) throw new JsonTableError(`fields[${i}]: unknown unit "${String(unit)}" (one of ${UNITS.join(', ')})`);
  const list = typeof f.path === 'string' ? [f.path] : f.path;
  if (!Array.isArray(list) || list.length === 0 || list.some((p) => typeof p !== 'string' || p === '')) throw new JsonTableError(`fields[${i}]: "path" must be a key path or a list of them`);
  return { field: f.field, paths: list.map((p) => p.split('.')), shown: list.join(' | '), unit, nulls: new Set<unknown>(['', '-', ...(f.nulls ?? [])]) };
}

/** Where the JSON object of a line starts (after a CRI or docker-compose prefix), or -1. */
export function jsonStart(line: string): number {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  if (line.charCodeAt(i) === 123 /* { */) return i;
  const brace = line.indexOf('{', i);
  if (brace < 0 || brace > 120) return -1;
  const prefix = line.slice(i, brace);
  return PREFIX.test(prefix) ? brace : -1;
}

/** Kubernetes CRI (`2025-12-31T17:37:40.49+01:00 stdout F `) and docker-compose (`caddy  | `) line prefixes. */
const PREFIX = /^(?:\d{4}-\d{2}-\d{2}T\S+ (?:stdout|stderr) [FP] |[A-Za-z0-9][\w.-]*\s+\| )$/;

function get(o: unknown, parts: readonly string[]): unknown {
  let v: unknown = o;
  for (const p of parts) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as JsonObject)[p];
  }
  return v;
}

function holds(o: JsonObject, k: CompiledCondition): boolean {
  const v = get(o, k.parts);
  if (v === undefined || v === null) return false;
  const { equals, prefix, contains } = k.c;
  if (equals === undefined && prefix === undefined && contains === undefined) return true;
  if (typeof v !== 'string') return false;
  return (equals?.includes(v) ?? false) || (prefix !== undefined && v.startsWith(prefix)) || (contains !== undefined && v.includes(contains));
}

function why(o: JsonObject, k: CompiledCondition): string {
  const v = get(o, k.parts);
  if (v === undefined || v === null) return `no "${k.c.path}"`;
  const want = k.c.equals?.join(' or ') ?? (k.c.prefix !== undefined ? `${k.c.prefix}…` : `…${k.c.contains ?? ''}…`);
  return `"${k.c.path}" is ${JSON.stringify(v).slice(0, 60)}, not ${want}`;
}

function parseJson(
  table: JsonTable, fields: readonly CompiledField[], all: readonly CompiledCondition[], any: readonly CompiledCondition[], none: readonly CompiledCondition[],
  line: string, ctx: ParseContext,
): ParseResult {
  const s = jsonStart(line);
  if (s < 0) {
    if (line.trim() === '') return { kind: 'skip', reason: 'blank' };
    return parseError(line, ctx, `not a JSON object (${table.title} logs one JSON object per line)`);
  }
  let v: unknown;
  try {
    v = JSON.parse(s === 0 ? line : line.slice(s));
  } catch (e) {
    return parseError(line, ctx, `not a JSON object: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return parseError(line, ctx, 'not a JSON object');
  let o = v as JsonObject;
  if (table.recordsKey !== undefined && Array.isArray(o[table.recordsKey])) {
    const list = o[table.recordsKey] as unknown[];
    // Several records are the split's (a caller that reads such a line whole gets this error, not the first one).
    if (list.length !== 1) return parseError(line, ctx, `a line holding ${list.length} records in "${table.recordsKey}"${list.length === 0 ? '' : ' (a run reads each as a line of its own)'}`);
    if (typeof list[0] !== 'object' || list[0] === null || Array.isArray(list[0])) return parseError(line, ctx, `the record in "${table.recordsKey}" is not a JSON object`);
    o = list[0] as JsonObject;
  }
  const first = any[0];
  if (first !== undefined && !any.some((k) => holds(o, k))) {
    const present = any.find((k) => get(o, k.parts) !== undefined) ?? first;
    return parseError(line, ctx, `not an access-log line of ${table.title}: ${why(o, present)}`);
  }
  for (const k of all) if (!holds(o, k)) return parseError(line, ctx, `not an access-log line of ${table.title}: ${why(o, k)}`);
  for (const k of none) if (holds(o, k)) return parseError(line, ctx, `not an access-log line of ${table.title}: it has "${k.c.path}"`);
  return build(table, fields, o, line, ctx);
}

function build(table: JsonTable, fields: readonly CompiledField[], o: JsonObject, line: string, ctx: ParseContext): ParseResult {
  const r = newRecord(
    Number.NaN, table.id, null, null, null, null, null, null, null, null, null, null, null, null,
    null, null, null, null, null, null, null, null, null, null, null, ctx.source,
  );
  let endMs: number | null = null;
  let finishMs: number | null = null;
  const w = r as unknown as Record<string, unknown>;
  for (const f of fields) {
    let value: string | number | null = null;
    let raw: unknown;
    for (const p of f.paths) {
      raw = get(o, p);
      if (raw === undefined || raw === null || f.nulls.has(raw)) continue;
      value = convert(f.unit, raw);
      if (value !== null) break;
    }
    if (value === null) continue;
    if (typeof value === 'number' && Number.isNaN(value)) {
      return parseError(line, ctx, `${f.shown} is ${JSON.stringify(raw).slice(0, 60)}, not ${unitWords(f.unit)}`, f.shown);
    }
    if (f.nulls.has(value)) continue;
    switch (f.field) {
      case 'endMs':
        endMs = value as number;
        break;
      case 'finishMs':
        finishMs = value as number;
        break;
      case 'url':
        if (r.path === null) urlInto(r, String(value));
        break;
      case 'request':
        if (r.method === null && r.path === null) requestInto(r, String(value), 0, String(value).length, true);
        break;
      case 'host':
        if (r.host === null) r.host = hostWithoutPort(String(value));
        break;
      default:
        if (w[f.field] === null || (f.field === 'startMs' && Number.isNaN(r.startMs))) w[f.field] = value;
    }
  }
  if (Number.isNaN(r.startMs) && endMs !== null) r.startMs = r.durationMs !== null ? endMs - r.durationMs : endMs;
  if (Number.isNaN(r.startMs)) {
    const t = fields.filter((f) => f.field === 'startMs' || f.field === 'endMs').map((f) => f.shown).join(' | ');
    return parseError(line, ctx, `no request time (${t})`, 'time');
  }
  if (r.durationMs === null && finishMs !== null && finishMs >= r.startMs) r.durationMs = finishMs - r.startMs;
  table.finish?.(r, o);
  return { kind: 'record', record: r };
}

/** "https://h:443/p?q" or "/p?q" into the record's scheme, host (no port), path and query. */
function urlInto(r: RequestParts, url: string): void {
  const m = r.method;
  const proto = r.protocol;
  const host = r.host;
  const scheme = r.scheme;
  requestInto(r, `X ${url}`, 0, url.length + 2, true);
  r.method = m;
  r.protocol = proto;
  if (r.host === null) r.host = host;
  if (r.scheme === null) r.scheme = scheme;
}

function unitWords(u: JsonUnit): string {
  switch (u) {
    case 'int':
    case 'list-last-int':
      return 'a whole number';
    case 'time':
      return 'a time (RFC 3339, M/D/YYYY h:mm:ss, or epoch s/ms/µs/ns)';
    case 's':
    case 'ms':
    case 'us':
    case 'ns':
      return `a duration in ${u === 'us' ? 'µs' : u}`;
    case 'duration-string-s':
      return 'a duration like "0.012s"';
    case 'go-duration-or-s':
      return 'a duration (seconds, or a Go duration like "1.5ms")';
    case 'ms-or-fractional-s':
      return 'a duration (ms, or seconds with a fraction)';
    case 'list-s-sum':
      return 'seconds or a list of seconds';
    default:
      return 'an address';
  }
}

/** A user's JSON table from a --format-file entry `{"name": "...", "json": {...}}`: plain data, sent to workers as is. */
export interface JsonLayoutSpec {
  readonly id: string;
  readonly json: unknown;
}

/**
 * Compiles a user's table: `{"all"?: [cond], "any"?: [cond], "none"?: [cond], "fields": [{field, path, unit?, nulls?}], "recordsKey"?,
 * "markers"?}`. Without markers, a line must contain the quoted last key of every "all" condition (and of one "any"
 * condition) to be tried. Throws JsonTableError naming what is wrong.
 */
export function compileJsonLayout(spec: JsonLayoutSpec): FormatParser {
  const t = spec.json;
  if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new JsonTableError('"json" must be an object {"all", "any", "fields"}');
  const o = t as Record<string, unknown>;
  const list = (k: string): unknown[] | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw new JsonTableError(`"${k}" must be a list`);
    return v;
  };
  const conds = (k: string): JsonCondition[] | undefined =>
    list(k)?.map((c, i) => {
      if (typeof c === 'string') return { path: c };
      if (typeof c !== 'object' || c === null || typeof (c as { path?: unknown }).path !== 'string') throw new JsonTableError(`${k}[${i}] must be a key path or {"path", "equals"?, "prefix"?, "contains"?}`);
      const e = c as { path: string; equals?: unknown; prefix?: unknown; contains?: unknown };
      const equals = e.equals === undefined ? undefined : Array.isArray(e.equals) ? e.equals.map(String) : [String(e.equals)];
      return {
        path: e.path,
        ...(equals ? { equals } : {}),
        ...(typeof e.prefix === 'string' ? { prefix: e.prefix } : {}),
        ...(typeof e.contains === 'string' ? { contains: e.contains } : {}),
      };
    });
  const fields = list('fields');
  if (fields === undefined) throw new JsonTableError('no "fields": a table maps JSON paths to record fields');
  for (const [i, f] of fields.entries()) if (typeof f !== 'object' || f === null) throw new JsonTableError(`fields[${i}] must be {"field", "path", "unit"?}`);
  const all = conds('all') ?? [];
  const any = conds('any') ?? [];
  const none = conds('none') ?? [];
  const key = (c: JsonCondition): string => `"${c.path.slice(c.path.lastIndexOf('.') + 1)}"`;
  const given = list('markers');
  const markers = given !== undefined
    ? given.map((g) => (Array.isArray(g) ? g.map(String) : [String(g)]))
    : any.length > 0 ? any.map((c) => [...all.map(key), key(c)]) : [all.map(key)];
  const recordsKey = o['recordsKey'];
  return compileJsonTable({
    id: spec.id,
    title: spec.id,
    description: 'JSON table declared in a --format-file',
    docsUrl: 'https://github.com/lbua/lbua#your-own-layouts',
    samples: [],
    all,
    any,
    ...(none.length > 0 ? { none } : {}),
    markers,
    fields: fields as JsonField[],
    ...(typeof recordsKey === 'string' ? { recordsKey } : {}),
  });
}
