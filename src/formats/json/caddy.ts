/**
 * Caddy v2 JSON access log (`log` directive; logger `http.log.access[.<name>]`).
 * Fields: https://caddyserver.com/docs/caddyfile/directives/log
 *
 * Traps (fixtures in fixtures/formats/caddy/):
 * - `ts` is when the entry was written, after the response: the start is ts − duration. `ts` is float epoch
 *   seconds by default; `time_format` may make it RFC 3339 or epoch ms/ns (all read by the `time` unit);
 * - `duration` is float seconds by default; `duration_format: string` writes a Go duration ("1.5ms");
 * - `request.client_ip` (Caddy ≥ 2.7, after trusted_proxies) is the client; `remote_ip`/`remote_port` are the
 *   peer: the port is kept only when the peer is the client;
 * - header values are arrays (`"User-Agent": ["curl/8.4.0"]`), a missing header is absent; TLS version and cipher
 *   are Go's uint16 numbers (772 = TLSv1.3);
 * - `status` 0: the handler wrote nothing (kept as 0, as logged);
 * - Caddy's other loggers (admin, tls, http.handlers.*) share the stream: rejected as not access-log lines;
 *   docker-compose's `caddy  | ` prefix is dropped.
 */
import type { JsonTable } from './engine';

const caddy: JsonTable = {
  id: 'caddy',
  title: 'Caddy',
  description: 'Caddy v2 JSON access log (http.log.access), float-seconds ts and duration',
  docsUrl: 'https://caddyserver.com/docs/caddyfile/directives/log',
  samples: [
    '{"level":"info","ts":1703373474.8155608,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"203.0.113.9","remote_port":"64985","client_ip":"203.0.113.9","proto":"HTTP/2.0","method":"GET","host":"example.com","uri":"/beta/?x=1","headers":{"User-Agent":["Mozilla/5.0"],"Referer":["https://example.com/"]},"tls":{"resumed":false,"version":772,"cipher_suite":4865,"proto":"h2","server_name":"example.com"}},"bytes_read":0,"user_id":"","duration":0.001335486,"size":3609,"status":200,"resp_headers":{"Server":["Caddy"]}}',
  ],
  all: [{ path: 'logger', prefix: 'http.log.access' }, { path: 'request' }],
  markers: [['"http.log.access', '"request"']],
  fields: [
    { field: 'endMs', path: 'ts' },
    { field: 'durationMs', path: 'duration', unit: 'go-duration-or-s' },
    { field: 'clientIp', path: ['request.client_ip', 'request.remote_ip'] },
    { field: 'method', path: 'request.method' },
    { field: 'host', path: 'request.host' },
    { field: 'url', path: 'request.uri' },
    { field: 'protocol', path: 'request.proto' },
    { field: 'status', path: 'status' },
    { field: 'bytesIn', path: 'bytes_read' },
    { field: 'bytesOut', path: 'size' },
    { field: 'userAgent', path: 'request.headers.User-Agent', unit: 'header' },
    { field: 'referer', path: 'request.headers.Referer', unit: 'header' },
    { field: 'forwardedFor', path: ['request.headers.Cf-Connecting-Ip', 'request.headers.X-Forwarded-For'], unit: 'header' },
    { field: 'traceId', path: ['request.headers.X-Request-Id', 'resp_headers.X-Request-Id'], unit: 'header' },
    { field: 'tlsProtocol', path: 'request.tls.version', unit: 'tls-version' },
    { field: 'tlsCipher', path: 'request.tls.cipher_suite', unit: 'tls-cipher' },
  ],
  finish: (r, o) => {
    const req = o['request'] as Record<string, unknown>;
    const peer = req['remote_ip'];
    const client = req['client_ip'];
    if ((client === undefined || client === peer) && typeof req['remote_port'] === 'string' && /^\d{1,5}$/.test(req['remote_port'])) {
      r.clientPort = Number(req['remote_port']);
    }
    if (r.scheme === null) r.scheme = typeof req['tls'] === 'object' && req['tls'] !== null ? 'https' : 'http';
    const logger = o['logger'];
    if (typeof logger === 'string' && logger.length > 'http.log.access.'.length) r.lb = logger.slice('http.log.access.'.length);
  },
};
export default caddy;
