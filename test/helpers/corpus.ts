/**
 * Reading the shared corpus (../shared/corpus beside the project) and the expected outputs other projects ship
 * with it, mapped onto lbua's record fields. Tests skip cleanly when ../shared is absent.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli';

/** The corpus folder, or null when ../shared is not beside the project. */
export const CORPUS: string | null = (() => {
  const p = join(ROOT, '..', 'shared', 'corpus');
  return existsSync(p) ? p : null;
})();

/** `*.log` (and `*.gz`) files in a corpus folder, sorted. */
export function corpusLogs(dir: string): string[] {
  if (CORPUS === null) return [];
  return readdirSync(join(CORPUS, dir))
    .filter((f) => f.endsWith('.log') || f.endsWith('.gz'))
    .sort();
}

/** One expected field value for one line of a log file. */
export interface Expectation {
  readonly line: number;
  /** lbua record field (JSON name). */
  readonly field: string;
  readonly value: unknown;
  /** Where it came from, for messages. */
  readonly source: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function asObj(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Gets "a.b.c" from a doc that may be nested, flattened ("a.b.c" keys) or mixed. */
export function getPath(doc: unknown, path: string): unknown {
  const o = asObj(doc);
  if (o === null) return undefined;
  if (path in o) return o[path];
  const parts = path.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const head = parts.slice(0, i).join('.');
    if (head in o) {
      const v = getPath(o[head], parts.slice(i).join('.'));
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

const num = (v: unknown): number | null => (v === null || v === undefined || v === '-' || v === '' ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined || v === '-' || v === '' ? null : String(v));
const secMs = (v: unknown): number | null => {
  const n = num(v);
  return n === null || n < 0 ? null : Math.round(n * 1_000_000) / 1000;
};
const isoMs = (v: unknown): string | null => {
  const s = str(v);
  if (s === null) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
};

/** Elastic ECS docs (beats `[...]` or integrations `{expected: [...]}`), one per non-skipped input line. */
export function elasticExpectations(file: string, lines: readonly string[]): Expectation[] {
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const docs: unknown[] = Array.isArray(raw) ? raw : ((asObj(raw)?.['expected'] as unknown[]) ?? []);
  const out: Expectation[] = [];
  for (const doc of docs) {
    const original = str(getPath(doc, 'event.original')) ?? str(getPath(doc, 'message'));
    const offset = num(getPath(doc, 'log.offset'));
    let line = original !== null ? lines.indexOf(original) + 1 : 0;
    if (line === 0 && offset !== null) line = lineAtOffset(lines, offset);
    if (line === 0) continue;
    const add = (field: string, value: unknown): void => {
      if (value !== undefined && value !== null) out.push({ line, field, value, source: 'elastic' });
    };
    add('client_ip', str(getPath(doc, 'source.ip') ?? getPath(doc, 'source.address')));
    add('client_port', num(getPath(doc, 'source.port')));
    const m = str(getPath(doc, 'http.request.method'));
    add('method', m === null ? null : m.toUpperCase());
    add('status', num(getPath(doc, 'http.response.status_code')));
    add('bytes_out', num(getPath(doc, 'http.response.body.bytes')));
    add('user_agent', str(getPath(doc, 'user_agent.original')));
    add('path', str(getPath(doc, 'url.path')));
    add('backend_ms', secMs(getPath(doc, 'aws.elb.backend_processing_time.sec')));
    add('time', isoMs(getPath(doc, 'event.start')) ?? isoMs(getPath(doc, 'haproxy.request_date')));
    add('lb', str(getPath(doc, 'haproxy.frontend_name')));
    add('tls_cipher', str(getPath(doc, 'aws.elb.ssl_cipher')));
    add('duration_ms', num(getPath(doc, 'aws.elb.connection_time.ms')));
    add('bytes_in', num(getPath(doc, 'source.bytes')));
    add('bytes_out', num(getPath(doc, 'destination.bytes')));
    add('error_reason', str(getPath(doc, 'haproxy.termination_state'))?.replace(/^-+$/, '') || null);
  }
  return out;
}

function lineAtOffset(lines: readonly string[], offset: number): number {
  let pos = 0;
  for (let i = 0; i < lines.length; i++) {
    if (pos === offset) return i + 1;
    pos += Buffer.byteLength(lines[i] ?? '') + 1;
  }
  return 0;
}

/** CrowdSec parser.assert: `results["s01-parse"]["<parser>"][i].Evt.Parsed["field"] == "value"` (i = line index). */
export function crowdsecExpectations(file: string): { expectations: Expectation[]; failing: number[] } {
  const out: Expectation[] = [];
  const failing: number[] = [];
  const re = /^results\["s01-parse"\]\["[^"]+"\]\[(\d+)\]\.(?:Evt\.Parsed\["([a-z_]+)"\] == (".*")|Success == (true|false))$/;
  const map: Readonly<Record<string, [string, (v: string) => unknown]>> = {
    remote_addr: ['client_ip', str], client_ip: ['client_ip', str], remote_ip: ['client_ip', str], remote_port: ['client_port', num], client_port: ['client_port', num],
    elb_status_code: ['status', num], status: ['status', num], status_code: ['status', num], target_status_code: ['backend_status', num],
    sent_bytes: ['bytes_out', num], body_bytes_sent: ['bytes_out', num], bytes_read: ['bytes_out', num], received_bytes: ['bytes_in', num],
    http_user_agent: ['user_agent', str], http_method: ['method', str], verb: ['method', str], http_verb: ['method', str],
    request_creation_time: ['time', isoMs], target_processing_time: ['backend_ms', secMs], ssl_protocol: ['tls_protocol', str],
    ssl_cipher: ['tls_cipher', str], trace_id: ['trace_id', str], error_reason: ['error_reason', str], elb: ['lb', str],
    frontend_name: ['lb', str],
    // CloudFront (W3C field names)
    c_ip: ['client_ip', str], c_port: ['client_port', num], cs_method: ['method', str], sc_status: ['status', num],
    sc_bytes: ['bytes_out', num], cs_bytes: ['bytes_in', num], cs_user_agent: ['user_agent', str], cs_uri_stem: ['path', str],
    cs_uri_query: ['query', str], time_taken: ['duration_ms', secMs], x_edge_request_id: ['trace_id', str],
    // Traefik CLF
    request_duration_in_ms: ['duration_ms', num],
    // Envoy default format
    bytes_received: ['bytes_in', num], bytes_sent: ['bytes_out', num], duration: ['duration_ms', num],
    upstream_service_time: ['backend_ms', num], request_id: ['trace_id', str],
  };
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    const m = re.exec(text.trim());
    if (!m) continue;
    const line = Number(m[1]) + 1;
    if (m[4] !== undefined) {
      if (m[4] === 'false') failing.push(line);
      continue;
    }
    const key = m[2] ?? '';
    const target = map[key];
    if (!target) continue;
    const value = target[1](JSON.parse(m[3] ?? '""') as string);
    if (value !== null) out.push({ line, field: target[0], value, source: `crowdsec ${key}` });
  }
  return { expectations: out, failing };
}

/**
 * Matomo hand-transcribed groups for the single line of its test log. `generationTime`: the lbua field Matomo's
 * generation_time_milli corresponds to (the backend time for ALB/ELB; CloudFront's time-taken is the whole response).
 */
export function matomoExpectations(file: string, generationTime = 'backend_ms'): Expectation[] {
  const raw = asObj(JSON.parse(readFileSync(file, 'utf8')) as Json);
  const hits = Array.isArray(raw?.['hits']) ? (raw?.['hits'] as unknown[]) : [raw?.['groups']];
  return hits.flatMap((h) => matomoHit(asObj(h), generationTime));
}

function matomoHit(g: Record<string, unknown> | null, generationTime: string): Expectation[] {
  if (g === null) return [];
  const line = (num(g['lineno']) ?? 0) + 1;
  const out: Expectation[] = [];
  const add = (field: string, value: unknown): void => {
    if (value !== null && value !== undefined) out.push({ line, field, value, source: 'matomo' });
  };
  add('client_ip', str(g['ip']));
  add('status', num(g['status']));
  add('bytes_out', num(g['length']));
  add('user_agent', str(g['user_agent']));
  const gt = num(g['generation_time_milli']);
  add(generationTime, gt);
  const p = str(g['path']);
  if (p !== null) add('path', p.split('?')[0]);
  return out;
}

/** VRL test cases: `{args: {value: line}, want: {ok: {...}} | {err}}`, keyed by the line text. */
export function vrlCases(file: string): { value: string; ok: Record<string, unknown> | null }[] {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
  return raw.map((c) => {
    const args = asObj(asObj(c)?.['args']);
    const want = asObj(asObj(c)?.['want']);
    return { value: String(args?.['value'] ?? ''), ok: asObj(want?.['ok']) };
  });
}

/** Maps a VRL `ok` object onto lbua fields. */
export function vrlExpectations(ok: Record<string, unknown>, line: number): Expectation[] {
  const out: Expectation[] = [];
  const add = (field: string, value: unknown): void => {
    if (value !== null && value !== undefined) out.push({ line, field, value, source: 'vrl' });
  };
  const ts = asObj(ok['timestamp'])?.['$timestamp'];
  add('client_ip', str(ok['client'] ?? ok['host'] ?? (typeof ok['client_host'] === 'string' ? ok['client_host'].replace(/:\d+$/, '') : undefined)));
  add('status', num(ok['status'] ?? ok['elb_status_code']));
  add('bytes_out', num(ok['size'] ?? ok['sent_bytes']));
  add('bytes_in', num(ok['received_bytes']));
  add('method', str(ok['method'] ?? ok['request_method']));
  add('path', str(ok['path']));
  add('user_agent', str(ok['agent'] ?? ok['user_agent']));
  add('referer', str(ok['referrer'] ?? ok['referer']));
  add('backend_ms', ok['target_processing_time'] === undefined ? null : secMs(ok['target_processing_time']));
  add('time', isoMs(ok['request_creation_time']) ?? (typeof ts === 'string' ? isoMs(ts) : null));
  return out;
}

/** Compares expectations with parsed records; returns human-readable mismatches. */
export function mismatches(expectations: readonly Expectation[], records: ReadonlyMap<number, Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const e of expectations) {
    const rec = records.get(e.line);
    if (!rec) {
      out.push(`line ${e.line}: not parsed (expected ${e.field}=${JSON.stringify(e.value)} from ${e.source})`);
      continue;
    }
    const got = rec[e.field];
    const same = typeof e.value === 'number' && typeof got === 'number' ? Math.abs(e.value - got) < 0.0015 : got === e.value;
    if (!same) out.push(`line ${e.line}: ${e.field} = ${JSON.stringify(got)}, ${e.source} says ${JSON.stringify(e.value)}`);
  }
  return out;
}
