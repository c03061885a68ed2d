/**
 * The four layout languages users write their log layouts in, read into literal text and variables:
 *   nginx    log_format:  $remote_addr - $remote_user [$time_local] "$request" ...   (${name} also)
 *            http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format, #var_* of ngx_http_core_module
 *   apache   LogFormat:   %h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"
 *            https://httpd.apache.org/docs/current/mod/mod_log_config.html#formats
 *   haproxy  log-format:  %ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B ... %{+Q}r
 *            https://docs.haproxy.org/2.8/configuration.html#8.2.4 (the table of aliases)
 *   envoy    format:      [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" ...
 *            https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage
 * A variable that does not fill a record field is matched and dropped; one the language does not have is an error
 * naming its position (a typo would otherwise silently null a field).
 */
import { f, IGNORE, type FieldSpec } from './fields';

export const DIALECTS = ['nginx', 'apache', 'haproxy', 'envoy'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** A piece of a layout: text that must appear as it is, or a variable. `pos`: 1-based column in the layout. */
export type Part =
  | { readonly kind: 'lit'; readonly text: string; readonly pos: number }
  | { readonly kind: 'var'; readonly name: string; readonly spec: FieldSpec; readonly pos: number; readonly quoted?: boolean };

/** A layout that cannot be compiled: what is wrong, and where (1-based column). */
export class LayoutError extends Error {
  constructor(readonly position: number, readonly problem: string) {
    super(`${problem} at column ${position}`);
  }
}

// ---- nginx ----------------------------------------------------------------------------------------------------

const NGINX: Readonly<Record<string, FieldSpec>> = {
  remote_addr: f('client'), binary_remote_addr: IGNORE, realip_remote_addr: IGNORE, remote_port: f('clientPort'), realip_remote_port: IGNORE,
  remote_user: IGNORE, time_local: f('timeClf', true), time_iso8601: f('timeIso', true), msec: f('timeEpochS', true),
  request: f('request'), request_method: f('method'), request_uri: f('uri'), uri: f('path'), document_uri: f('path'),
  args: f('query'), query_string: f('query'), is_args: IGNORE, server_protocol: f('protocol'), scheme: f('scheme'), https: IGNORE,
  status: f('status'), body_bytes_sent: f('bytesOut'), bytes_sent: f('bytesOut'), request_length: f('bytesIn'),
  request_time: f('durationS'), upstream_response_time: f('backendS'), upstream_status: f('backendStatus'), upstream_addr: f('backend'),
  http_user_agent: f('userAgent'), http_referer: f('referer'), host: f('host'), http_host: f('host'), server_name: f('host'),
  upstream_cache_status: f('cacheStatus'), http_x_forwarded_for: f('forwardedFor'), http_cf_connecting_ip: f('forwardedFor'), http_true_client_ip: f('forwardedFor'),
  ssl_protocol: f('tlsProtocol'), ssl_cipher: f('tlsCipher'), request_id: f('traceId'), http_x_request_id: f('traceId'),
  hostname: IGNORE, pid: IGNORE, pipe: IGNORE, connection: IGNORE, connection_requests: IGNORE, server_addr: IGNORE, server_port: IGNORE,
  content_length: IGNORE, content_type: IGNORE, request_body: IGNORE, request_completion: IGNORE, gzip_ratio: IGNORE, proxy_host: IGNORE,
  proxy_port: IGNORE, proxy_add_x_forwarded_for: IGNORE, proxy_protocol_addr: IGNORE, proxy_protocol_port: IGNORE, nginx_version: IGNORE,
  limit_rate: IGNORE, realpath_root: IGNORE, document_root: IGNORE, request_filename: IGNORE, tcpinfo_rtt: IGNORE, tcpinfo_rttvar: IGNORE,
  // ingress-nginx's additions
  req_id: f('traceId'), proxy_upstream_name: f('lb'), proxy_alternative_upstream_name: IGNORE, namespace: IGNORE, ingress_name: IGNORE, service_name: IGNORE, service_port: IGNORE,
};
/** nginx variable families, every member matched and dropped (request/response headers, cookies, arguments...). */
const NGINX_FAMILIES = ['http_', 'sent_http_', 'sent_trailer_', 'cookie_', 'arg_', 'upstream_', 'ssl_', 'proxy_protocol_', 'geoip_', 'geoip2_', 'jwt_', 'limit_req_', 'limit_conn_', 'cache_', 'tcpinfo_'];

function nginxParts(layout: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  let litPos = 1;
  for (let i = 0; i < layout.length;) {
    const c = layout[i];
    if (c !== '$') {
      if (lit === '') litPos = i + 1;
      lit += c;
      i++;
      continue;
    }
    const braced = layout[i + 1] === '{';
    const from = i + (braced ? 2 : 1);
    let j = from;
    while (j < layout.length && /[A-Za-z0-9_]/.test(layout[j] ?? '')) j++;
    const name = layout.slice(from, j);
    if (name === '') throw new LayoutError(i + 1, 'a "$" with no variable name after it');
    if (braced && layout[j] !== '}') throw new LayoutError(i + 1, `"\${${name}" is not closed with "}"`);
    const spec = NGINX[name] ?? (NGINX_FAMILIES.some((p) => name.startsWith(p)) ? IGNORE : null);
    if (spec === null) throw new LayoutError(i + 1, `unknown nginx variable $${name}`);
    if (lit !== '') parts.push({ kind: 'lit', text: lit, pos: litPos });
    lit = '';
    parts.push({ kind: 'var', name: `$${name}`, spec, pos: i + 1 });
    i = braced ? j + 1 : j;
  }
  if (lit !== '') parts.push({ kind: 'lit', text: lit, pos: litPos });
  return parts;
}

// ---- Apache ---------------------------------------------------------------------------------------------------

const APACHE: Readonly<Record<string, FieldSpec>> = {
  a: f('client'), h: f('client'), A: IGNORE, B: f('bytesOut'), b: f('bytesOutClf'), D: f('durationUs'), T: f('durationS'), f: IGNORE,
  H: f('protocol'), k: IGNORE, l: IGNORE, L: f('traceId'), m: f('method'), p: IGNORE, P: IGNORE, q: f('query'), r: f('request'), R: IGNORE,
  s: f('status'), t: f('timeClfBracketed'), u: IGNORE, U: f('path'), v: f('host'), V: f('host'), X: IGNORE, I: f('bytesIn'), O: f('bytesOut'),
  S: IGNORE, '%': IGNORE,
};
/** %{NAME}i request headers that fill a field; every other header is matched and dropped. */
const APACHE_HEADERS: Readonly<Record<string, FieldSpec>> = {
  'user-agent': f('userAgent'), referer: f('referer'), host: f('host'), 'x-request-id': f('traceId'),
  'x-forwarded-for': f('forwardedFor'), 'cf-connecting-ip': f('forwardedFor'),
};

/** The field of %{arg}X (Apache): null when the directive does not take that argument. */
function apacheBraced(letter: string, arg: string): FieldSpec | null {
  const a = arg.toLowerCase();
  switch (letter) {
    case 'i': return APACHE_HEADERS[a] ?? IGNORE;
    case 'o': case 'e': case 'n': case 'C': case '^ti': case '^to': return IGNORE;
    case 'x': return a === 'ssl_protocol' ? f('tlsProtocol') : a === 'ssl_cipher' ? f('tlsCipher') : IGNORE;
    case 'a': return a === 'c' ? f('client') : null;
    case 'p': return a === 'remote' ? f('clientPort') : a === 'canonical' || a === 'local' ? IGNORE : null;
    case 'P': return IGNORE;
    case 'T': return a === 'ms' ? f('durationMs') : a === 'us' ? f('durationUs') : a === 's' ? f('durationS') : null;
    case 't': return apacheTime(arg);
    default: return null;
  }
}

/** %{format}t: sec, msec, usec (epoch), or a strftime format (strftime.ts), with begin:/end:; msec_frac and usec_frac are dropped. */
function apacheTime(arg: string): FieldSpec | null {
  const end = arg.startsWith('end:');
  const fmt = arg.replace(/^(begin|end):/, '');
  if (fmt === 'sec') return f('timeEpochS', end);
  if (fmt === 'msec') return f('timeEpochMs', end);
  if (fmt === 'usec') return f('timeEpochUs', end);
  if (fmt === 'msec_frac' || fmt === 'usec_frac') return IGNORE;
  if (fmt === '') return f('timeClfBracketed', end);
  return fmt.includes('%') ? { target: 'timeStrftime', strftime: fmt, ...(end ? { atEnd: true } : {}) } : null;
}

function apacheParts(layout: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  let litPos = 1;
  const addLit = (s: string, at: number): void => {
    if (lit === '') litPos = at;
    lit += s;
  };
  for (let i = 0; i < layout.length;) {
    const c = layout[i] ?? '';
    // As written inside the quoted LogFormat argument of httpd.conf: \" \t \n \\ .
    if (c === '\\' && i + 1 < layout.length) {
      const e = layout[i + 1] ?? '';
      addLit(e === 't' ? '\t' : e === 'n' ? '\n' : e, i + 1);
      i += 2;
      continue;
    }
    if (c !== '%') {
      addLit(c, i + 1);
      i++;
      continue;
    }
    const start = i;
    i++;
    // Modifiers: a status list (%400,501{User-agent}i, %!200i) and < or > (original or final request).
    while (i < layout.length && /[!\d,<>]/.test(layout[i] ?? '')) i++;
    let arg: string | null = null;
    if (layout[i] === '{') {
      const close = layout.indexOf('}', i);
      if (close < 0) throw new LayoutError(start + 1, 'a "%{" is not closed with "}"');
      arg = layout.slice(i + 1, close);
      i = close + 1;
    }
    const letter = layout.startsWith('^ti', i) || layout.startsWith('^to', i) ? layout.slice(i, i + 3) : layout[i] ?? '';
    if (letter === '') throw new LayoutError(start + 1, 'a "%" at the end of the layout');
    i += letter.length;
    if (letter === '%') {
      addLit('%', start + 1);
      continue;
    }
    const spec = arg === null ? APACHE[letter] ?? null : apacheBraced(letter, arg);
    if (spec === null) throw new LayoutError(start + 1, arg === null ? `unknown Apache directive %${letter}` : `unsupported Apache directive %{${arg}}${letter}`);
    if (lit !== '') parts.push({ kind: 'lit', text: lit, pos: litPos });
    lit = '';
    parts.push({ kind: 'var', name: layout.slice(start, i), spec, pos: start + 1 });
  }
  if (lit !== '') parts.push({ kind: 'lit', text: lit, pos: litPos });
  return parts;
}

// ---- HAProxy --------------------------------------------------------------------------------------------------

const HAPROXY: Readonly<Record<string, FieldSpec>> = {
  ci: f('client'), cp: f('clientPort'), t: f('timeClf'), tr: f('timeClf'), trg: f('timeClf'), trl: f('timeClf'), T: f('timeClf'), Tl: f('timeClf'),
  Ts: f('timeEpochS'), ms: IGNORE, ft: f('lb'), f: f('lb'), fi: IGNORE, fp: IGNORE, b: IGNORE, s: f('backend'), si: IGNORE, sp: IGNORE, bi: IGNORE, bp: IGNORE,
  TR: IGNORE, Tw: IGNORE, Tc: IGNORE, Tr: f('backendMs'), Ta: f('durationMs'), Tt: IGNORE, Th: IGNORE, Ti: IGNORE, Tq: IGNORE, Td: IGNORE,
  ST: f('status'), B: f('bytesOut'), U: f('bytesIn'), CC: IGNORE, CS: IGNORE, ts: IGNORE, tsc: IGNORE, ac: IGNORE, fc: IGNORE, bc: IGNORE, sc: IGNORE,
  rc: IGNORE, rt: IGNORE, sq: IGNORE, bq: IGNORE, hr: IGNORE, hrl: IGNORE, hs: IGNORE, hsl: IGNORE, r: f('request'), HM: f('method'), HU: f('uri'),
  HP: f('path'), HPO: IGNORE, HQ: f('query'), HV: f('protocol'), ID: f('traceId'), H: IGNORE, pid: IGNORE, lc: IGNORE, rc_: IGNORE, o: IGNORE,
  sslv: f('tlsProtocol'), sslc: f('tlsCipher'), fn: IGNORE, sn: IGNORE, bn: IGNORE,
};

function haproxyParts(layout: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  let litPos = 1;
  for (let i = 0; i < layout.length;) {
    const c = layout[i] ?? '';
    if (c === '\\' && i + 1 < layout.length) {
      if (lit === '') litPos = i + 1;
      lit += layout[i + 1];
      i += 2;
      continue;
    }
    if (c !== '%') {
      if (lit === '') litPos = i + 1;
      lit += c;
      i++;
      continue;
    }
    const start = i;
    i++;
    if (layout[i] === '%') {
      lit += '%';
      i++;
      continue;
    }
    // Options: %{+Q}r (the value written in quotes), %{-Q,+X}o ...
    let quoted = false;
    if (layout[i] === '{') {
      const close = layout.indexOf('}', i);
      if (close < 0) throw new LayoutError(start + 1, 'a "%{" is not closed with "}"');
      quoted = layout.slice(i + 1, close).split(',').includes('+Q');
      i = close + 1;
    }
    // A sample fetch %[...] is matched and dropped.
    if (layout[i] === '[') {
      const close = layout.indexOf(']', i);
      if (close < 0) throw new LayoutError(start + 1, 'a "%[" is not closed with "]"');
      i = close + 1;
      if (lit !== '') parts.push({ kind: 'lit', text: lit, pos: litPos });
      lit = '';
      parts.push({ kind: 'var', name: layout.slice(start, i), spec: IGNORE, pos: start + 1 });
      continue;
    }
    let j = i;
    while (j < layout.length && /[A-Za-z]/.test(layout[j] ?? '')) j++;
    // The longest alias that exists (%Tr before %T, %trg before %tr).
    let name = layout.slice(i, j);
    while (name.length > 0 && HAPROXY[name] === undefined) name = name.slice(0, -1);
    if (name === '') throw new LayoutError(start + 1, `unknown HAProxy log-format alias %${layout.slice(i, j) || layout[i] || ''}`);
    i += name.length;
    if (lit !== '') parts.push({ kind: 'lit', text: lit, pos: litPos });
    lit = '';
    parts.push({ kind: 'var', name: layout.slice(start, i), spec: HAPROXY[name] ?? IGNORE, pos: start + 1, ...(quoted ? { quoted } : {}) });
  }
  if (lit !== '') parts.push({ kind: 'lit', text: lit, pos: litPos });
  return parts;
}

// ---- Envoy ----------------------------------------------------------------------------------------------------

const ENVOY: Readonly<Record<string, FieldSpec>> = {
  START_TIME: f('timeIso'), PROTOCOL: f('protocol'), RESPONSE_CODE: f('statusNonZero'), RESPONSE_CODE_DETAILS: IGNORE, RESPONSE_FLAGS: f('errorReason'),
  RESPONSE_FLAGS_LONG: IGNORE, BYTES_RECEIVED: f('bytesIn'), BYTES_SENT: f('bytesOut'), DURATION: f('durationMs'), REQUEST_DURATION: IGNORE,
  RESPONSE_DURATION: IGNORE, RESPONSE_TX_DURATION: IGNORE, UPSTREAM_HOST: f('backend'), UPSTREAM_CLUSTER: f('lb'), UPSTREAM_LOCAL_ADDRESS: IGNORE,
  UPSTREAM_TRANSPORT_FAILURE_REASON: IGNORE, UPSTREAM_REQUEST_ATTEMPT_COUNT: IGNORE, DOWNSTREAM_REMOTE_ADDRESS: f('clientWithPort'),
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: f('client'), DOWNSTREAM_REMOTE_PORT: f('clientPort'), DOWNSTREAM_DIRECT_REMOTE_ADDRESS: IGNORE,
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT: IGNORE, DOWNSTREAM_LOCAL_ADDRESS: IGNORE, DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: IGNORE,
  DOWNSTREAM_LOCAL_PORT: IGNORE, DOWNSTREAM_TLS_VERSION: f('tlsProtocol'), DOWNSTREAM_TLS_CIPHER: f('tlsCipher'), DOWNSTREAM_TLS_SESSION_ID: IGNORE,
  DOWNSTREAM_PEER_SUBJECT: IGNORE, DOWNSTREAM_PEER_URI_SAN: IGNORE, DOWNSTREAM_LOCAL_URI_SAN: IGNORE, REQUESTED_SERVER_NAME: IGNORE,
  ROUTE_NAME: IGNORE, CONNECTION_ID: IGNORE, CONNECTION_TERMINATION_DETAILS: IGNORE, HOSTNAME: IGNORE, UPSTREAM_WIRE_BYTES_SENT: IGNORE,
  UPSTREAM_WIRE_BYTES_RECEIVED: IGNORE, DOWNSTREAM_WIRE_BYTES_SENT: IGNORE, DOWNSTREAM_WIRE_BYTES_RECEIVED: IGNORE, STREAM_ID: IGNORE,
  UPSTREAM_PROTOCOL: IGNORE, GRPC_STATUS: IGNORE, DYNAMIC_METADATA: IGNORE, FILTER_STATE: IGNORE, CEL: IGNORE, ENVIRONMENT: IGNORE,
};
/** REQ(...) headers that fill a field (pseudo-headers included); the first name of a `A?B` pair decides. */
const ENVOY_REQ: Readonly<Record<string, FieldSpec>> = {
  ':method': f('method'), ':path': f('uri'), 'x-envoy-original-path': f('uri'), ':authority': f('host'), host: f('host'),
  ':scheme': f('scheme'), 'user-agent': f('userAgent'), referer: f('referer'), 'x-request-id': f('traceId'),
  'x-forwarded-for': f('clientForwarded'),
};

function envoyParts(layout: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  let litPos = 1;
  for (let i = 0; i < layout.length;) {
    const c = layout[i] ?? '';
    if (c !== '%') {
      if (lit === '') litPos = i + 1;
      lit += c;
      i++;
      continue;
    }
    if (layout[i + 1] === '%') {
      lit += '%';
      i += 2;
      continue;
    }
    // %NAME%, %NAME(arg)%, %NAME(arg):len%; the argument may hold parentheses of its own (a strftime format).
    const m = /^%([A-Z_0-9]+)(\((.*?)\))?(:\d+)?%/.exec(layout.slice(i));
    if (!m) throw new LayoutError(i + 1, 'a "%" that starts no %COMMAND%');
    const [whole, name = '', , arg] = m;
    const spec = envoySpec(name, arg);
    if (spec === null) throw new LayoutError(i + 1, arg === undefined ? `unknown Envoy command %${name}%` : `unsupported Envoy command %${name}(${arg})%`);
    if (lit !== '') parts.push({ kind: 'lit', text: lit, pos: litPos });
    lit = '';
    parts.push({ kind: 'var', name: whole, spec, pos: i + 1 });
    i += whole.length;
  }
  if (lit !== '') parts.push({ kind: 'lit', text: lit, pos: litPos });
  return parts;
}

function envoySpec(name: string, arg: string | undefined): FieldSpec | null {
  if (name === 'REQ' || name === 'RESP' || name === 'TRAILER') {
    if (arg === undefined) return null;
    const first = (arg.split('?')[0] ?? '').toLowerCase();
    if (name === 'RESP') return first === 'x-envoy-upstream-service-time' ? f('backendMs') : IGNORE;
    return name === 'REQ' ? ENVOY_REQ[first] ?? IGNORE : IGNORE;
  }
  if (name === 'START_TIME') {
    if (arg === undefined || /^%Y-%m-%dT%H:%M:%S(\.%\d?f)?(Z|%z)$/.test(arg)) return f('timeIso');
    if (arg === '%s') return f('timeEpochS');
    if (arg === '%s.%3f') return f('timeEpochS');
    return arg.includes('%') ? { target: 'timeStrftime', strftime: arg } : null;
  }
  return ENVOY[name] ?? null;
}

/** A layout in one of the dialects, as literal text and variables. Throws LayoutError. */
export function layoutParts(dialect: Dialect, layout: string): Part[] {
  if (layout.trim() === '') throw new LayoutError(1, 'an empty layout');
  switch (dialect) {
    case 'nginx': return nginxParts(layout);
    case 'apache': return apacheParts(layout);
    case 'haproxy': return haproxyParts(layout);
    case 'envoy': return envoyParts(layout.replace(/\n$/, ''));
  }
}
