/**
 * Envoy access logs in the default text format, as a built-in entry of the layout compiler (layout/): the format
 * is Envoy's own format string, compiled like a user's `--log-format 'envoy:...'`.
 * Fields: https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#default-format-string
 *
 *   [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
 *   %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%"
 *   "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
 *
 * Traps (each has a fixture in fixtures/formats/envoy/):
 * - START_TIME is the request start, UTC with ms; DURATION and x-envoy-upstream-service-time are ms;
 * - `-` is every unset value; a TCP proxy logs `"- - -"` and code 0: method/path/status null;
 * - RESPONSE_CODE 0 means no response was sent (the client went away): status null; RESPONSE_FLAGS (`UF,URX`,
 *   `NR`, `DC` ...) is the error reason;
 * - the default format logs no peer address: the client is the last address of X-Forwarded-For (the hop Envoy
 *   appended with use_remote_address, or the nearest proxy), `[v6]:port` and `ip:port` items included;
 * - UPSTREAM_HOST may be `tcp://ip:port`: the backend is the address;
 * - in Kubernetes a line comes wrapped by the CRI (`<RFC3339Nano> stdout F <line>`) or by Docker's JSON log
 *   (`{"log": "<line>\n", ...}`, `{"message": ...}`), and Ambassador/Emissary prefix it with `ACCESS `: unwrapped;
 *   a CRI partial chunk (tag `P`, a long line split) is rejected with that reason;
 * - Envoy JSON access logs (json_format) are not this format: rejected with that reason.
 */
import type { FormatParser, ParseContext, ParseResult } from './types';
import { compileLayoutUnchecked } from './layout/compile';
import { parseError } from './shared/result';

/** Envoy's default format string (without its trailing newline). */
export const ENVOY_DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"';

const compiled = compileLayoutUnchecked({ id: 'envoy', dialect: 'envoy', layout: ENVOY_DEFAULT_FORMAT }, 'built-in envoy');

const CRI = /^\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2}) (?:stdout|stderr) [FP] /;
const SHAPE = /^\[\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\] "/;

/** The Envoy line inside a CRI, Docker-JSON or `ACCESS ` wrapper; a string saying why when it is JSON of another kind. */
function unwrap(line: string): string | { readonly why: string } {
  let inner = line;
  const cri = CRI.exec(inner);
  if (cri) {
    // The CRI splits a long line into partial (P) chunks ended by a full (F) one: a chunk alone is not a line.
    if (cri[0].endsWith(' P ')) return { why: 'a CRI partial line (tag P): the log line continues in the next one' };
    inner = inner.slice(cri[0].length);
  }
  if (inner.charCodeAt(0) === 123 /* { */) {
    let doc: unknown;
    try {
      doc = JSON.parse(inner);
    } catch {
      return { why: 'not an Envoy text access-log line (a broken JSON object)' };
    }
    const o = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
    const wrapped = typeof o['log'] === 'string' ? o['log'] : typeof o['message'] === 'string' ? o['message'] : null;
    if (wrapped === null) {
      const envoyJson = 'response_code' in o || 'start_time' in o || ':authority' in o;
      return { why: envoyJson ? 'an Envoy JSON access-log line (json_format), not the default text format' : 'a JSON line, not an Envoy text access-log line' };
    }
    inner = wrapped.endsWith('\n') ? wrapped.slice(0, -1) : wrapped;
  }
  // Ambassador / Emissary write their Envoy access log with this prefix.
  if (inner.startsWith('ACCESS ')) inner = inner.slice(7);
  return inner;
}

function parseEnvoy(line: string, ctx: ParseContext): ParseResult {
  if (line.trim() === '') return { kind: 'skip', reason: 'blank' };
  const inner = unwrap(line);
  if (typeof inner !== 'string') return parseError(line, ctx, inner.why);
  return compiled.parse(inner, ctx);
}

const envoy: FormatParser = {
  id: 'envoy',
  title: 'Envoy (default text format)',
  description: 'Envoy access logs in the default format string (compiled by the layout compiler); CRI, Docker-JSON and Ambassador "ACCESS" wrappers unwrapped',
  docsUrl: 'https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#default-format-string',
  samples: [
    '[2019-04-08T16:16:55.931Z] "GET /service/1 HTTP/1.1" 200 - 0 89 5 4 "-" "curl/7.54.0" "c219f6da-2b7f-483e-9ced-ec323d9330a9" "localhost:8000" "172.27.0.3:80"',
    '2026-01-24T01:37:00.000000000+00:00 stdout F [2026-01-24T01:37:00.000Z] "GET /api/proxy HTTP/1.1" 200 - 0 512 30 15 "192.168.1.100, 10.42.0.1" "Mozilla/5.0" "multi-ip-clf-v4" "proxy.example.com" "tcp://10.42.0.82:8080"',
  ],
  detect: (line) => {
    const inner = unwrap(line);
    return typeof inner === 'string' && SHAPE.test(inner) ? 0.95 : 0;
  },
  parse: parseEnvoy,
};
export default envoy;
