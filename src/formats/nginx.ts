/**
 * nginx access logs: `combined`, the Debian/Docker `main` layout (+ "$http_x_forwarded_for"), a leading `$host` or
 * `$host:$server_port`, and the common extended layouts that carry `$request_time` and `$upstream_response_time`:
 *   - positional:  ... "$http_user_agent" ["$http_x_forwarded_for"] $request_time $upstream_response_time ...
 *   - key=value:   ... rt=$request_time uct="$upstream_connect_time" uht=... urt="$upstream_response_time" ...
 *   - ingress-nginx `upstreaminfo`: ... "$http_user_agent" $request_length $request_time [$proxy_upstream_name]
 *     [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time
 *     $upstream_status $req_id
 * Fields: http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format ,
 *         https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/log-format/
 *
 * Traps (each has a fixture in fixtures/formats/nginx/):
 * - `$time_local` is written when the request is logged (its end): start = time_local − request_time when the
 *   request time is logged, else time_local;
 * - `$request_time` and `$upstream_*_time` are seconds with ms resolution; the upstream ones are lists when nginx
 *   tried several upstreams (`0.001, 0.002`) or went through internal redirects (`0.001 : 0.003`): backend_ms is
 *   the sum, backend_status the last status, backend the last address (VRL and exporters got this wrong);
 * - `-` marks any empty variable, also inside quotes; `"` is written as `\x22` and stays as text;
 * - a combined log without extensions is labelled `clf` by auto-detection (same layout); `--format nginx` parses it.
 */
import { intField, roundMs, secondsToMs } from '../core/units';
import type { FormatParser, ParseContext, ParseResult } from './types';
import { scanGroups, type Token } from './shared/groups';
import { parseCombined } from './shared/combined';
import { parseRequestLine } from './shared/request';
import { hostWithoutPort, parseError } from './shared/result';
import { CLF_SHAPE } from './clf';
import { NGINX_TAIL } from './shared/nginx-shape';

const nginx: FormatParser = {
  id: 'nginx',
  title: 'nginx',
  description: 'nginx combined/main, with $request_time and $upstream_* fields (positional, key=value, ingress-nginx upstreaminfo)',
  docsUrl: 'http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format',
  samples: [
    '192.168.64.1 - - [07/Feb/2020:11:48:51 +0000] "POST /products HTTP/1.1" 200 59 "-" "curl/7.54.0" 89 0.001 [default-web-8080] [] 172.17.0.5:8080 59 0.000 200 529a007902362a5f51385a5fa7049884',
    '10.1.2.3 - - [10/Mar/2026:09:00:01 +0000] "GET /api/v1/cart?x=1 HTTP/1.1" 502 157 "-" "Mozilla/5.0" "-" 0.012 0.004, 0.008 : 0.000',
  ],
  detect: (line) => (CLF_SHAPE.test(line) ? (NGINX_TAIL.test(line) ? 0.9 : 0.7) : 0),
  parse: parseNginx,
};
export default nginx;

/** What the tail after the user agent told us. */
interface Tail {
  requestMs: number | null;
  upstreamMs: number | null;
  upstreamStatus: number | null;
  upstreamAddr: string | null;
  requestLength: number | null;
}

function parseNginx(line: string, ctx: ParseContext): ParseResult {
  if (line.trim() === '') return { kind: 'skip', reason: 'blank' };
  if (line.charCodeAt(0) === 35 /* # */) return { kind: 'skip', reason: 'comment' };
  const tokens = scanGroups(line);
  if (tokens === null) return parseError(line, ctx, 'unterminated quote or bracket');
  const c = parseCombined(tokens);
  if (typeof c === 'string') return parseError(line, ctx, `not an nginx combined-style line: ${c}`);
  if (c.client === null) return parseError(line, ctx, 'client address is missing', 'remote_addr');
  const t = parseTail(c.tail);
  const req = parseRequestLine(c.request);
  const endMs = c.startOrEndMs;
  return {
    kind: 'record',
    record: {
      startMs: t.requestMs !== null ? roundMs(endMs - t.requestMs) : endMs,
      format: 'nginx',
      clientIp: c.client,
      clientPort: null,
      method: req.method,
      scheme: req.scheme,
      host: hostWithoutPort(req.host ?? c.vhost),
      path: req.path,
      query: req.query,
      protocol: req.protocol,
      status: c.status,
      backendStatus: t.upstreamStatus,
      backend: t.upstreamAddr,
      durationMs: t.requestMs,
      backendMs: t.upstreamMs,
      bytesIn: t.requestLength,
      bytesOut: c.bytes,
      userAgent: c.userAgent,
      referer: c.referer,
      tlsProtocol: null,
      tlsCipher: null,
      traceId: null,
      errorReason: null,
      lb: null,
      source: ctx.source,
    },
  };
}

const EMPTY_TAIL: Tail = { requestMs: null, upstreamMs: null, upstreamStatus: null, upstreamAddr: null, requestLength: null };
const DECIMAL = /^\d+\.\d+$/;

function parseTail(tail: readonly Token[]): Tail {
  if (tail.length === 0) return EMPTY_TAIL;
  // ingress-nginx upstreaminfo: request_length request_time [name] [alt] addr len time status req_id
  const t0 = tail[0];
  const t1 = tail[1];
  if (t0?.kind === 'w' && /^\d+$/.test(t0.text) && t1?.kind === 'w' && DECIMAL.test(t1.text) && tail[2]?.kind === 'b') {
    let i = tail[3]?.kind === 'b' ? 4 : 3;
    const lists: string[][] = [];
    while (i < tail.length && lists.length < 4) {
      const [list, next] = readList(tail, i);
      lists.push(list);
      i = next;
    }
    return {
      requestLength: intOrNull(t0.text),
      requestMs: secondsToMs(t1.text),
      upstreamAddr: last(lists[0]),
      upstreamMs: sumSeconds(lists[2]),
      upstreamStatus: intOrNull(last(lists[3]) ?? '-'),
    };
  }
  // key=value timings (values may be quoted lists: urt="0.010, 0.030")
  const kv = new Map<string, string>();
  const text = tail.map((tok) => (tok.kind === 'q' ? `"${tok.text}"` : tok.kind === 'b' ? `[${tok.text}]` : tok.text)).join(' ');
  for (const m of text.matchAll(/(?:^|\s)([a-z_]+)=(?:"([^"]*)"|(\S*))/g)) kv.set(m[1] ?? '', m[2] ?? m[3] ?? '');
  if (kv.size > 0) {
    const rt = kv.get('rt') ?? kv.get('request_time');
    const urt = kv.get('urt') ?? kv.get('upstream_response_time');
    const us = kv.get('us') ?? kv.get('upstream_status');
    const ua = kv.get('ua') ?? kv.get('upstream_addr') ?? kv.get('upstream');
    return {
      requestMs: secondsToMs(rt),
      upstreamMs: urt === undefined ? null : sumSeconds(urt.split(/\s*[,:]\s*/)),
      upstreamStatus: us === undefined ? null : intOrNull(last(us.split(/\s*[,:]\s*/)) ?? '-'),
      upstreamAddr: ua === undefined || ua === '-' ? null : (last(ua.split(/\s*[,:]\s+/)) ?? null),
      requestLength: null,
    };
  }
  // positional: ["$http_x_forwarded_for"] $request_time [$upstream_response_time list]
  let i = tail[0]?.kind === 'q' ? 1 : 0;
  const rt = tail[i];
  if (!rt || rt.kind !== 'w' || !(DECIMAL.test(rt.text) || rt.text === '-')) return EMPTY_TAIL;
  i++;
  const [urt] = i < tail.length ? readList(tail, i) : [[]];
  return { ...EMPTY_TAIL, requestMs: secondsToMs(rt.text), upstreamMs: urt.length ? sumSeconds(urt) : null };
}

/** Reads an nginx list value starting at token i ("a, b : c" spans tokens); returns items and the next index. */
function readList(tail: readonly Token[], i: number): [string[], number] {
  const items: string[] = [];
  let j = i;
  while (j < tail.length) {
    const tok = tail[j];
    if (!tok) break;
    j++;
    if (tok.text === ':') continue;
    const text = tok.text.replace(/,$/, '');
    items.push(text);
    const cont = tok.text.endsWith(',') || tail[j]?.text === ':';
    if (!cont) break;
    if (tail[j]?.text === ':') j++;
  }
  return [items, j];
}

/** Sums a list of second values ("-" entries skipped); null when none is a number. */
function sumSeconds(items: readonly string[] | undefined): number | null {
  if (!items) return null;
  let sum = 0;
  let any = false;
  for (const it of items) {
    const ms = secondsToMs(it.trim());
    if (ms !== null) {
      sum += ms;
      any = true;
    }
  }
  return any ? roundMs(sum) : null;
}

function last(xs: readonly string[] | undefined): string | null {
  const v = xs?.[xs.length - 1];
  return v === undefined || v === '-' || v === '' ? null : v;
}

function intOrNull(s: string): number | null {
  const n = intField(s);
  return n === null || Number.isNaN(n) ? null : n;
}

