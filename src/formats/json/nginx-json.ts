/**
 * nginx JSON layouts (`log_format NAME escape=json '{…}'`): the keys are the operator's; this table reads the
 * common ones, named after the nginx variable they hold (and Matomo's recommended layout: ip, path, date, length,
 * referrer, user_agent, generation_time_milli):
 *   client  remote_addr | ip | client_ip          time   time_iso8601 | time_local | @timestamp | timestamp | date | time | msec
 *   request request (line) | request_method + request_uri | uri | path     status   status
 *   host    host | http_host | server_name         scheme, server_protocol | protocol
 *   bytes   body_bytes_sent | bytes_sent | length (out), request_length (in)
 *   times   request_time | generation_time_milli (seconds), upstream_response_time (seconds, lists summed)
 *   upstream upstream_addr, upstream_status (lists: the last)   agent http_user_agent | user_agent
 *   referer http_referer | referrer | referer   ssl_protocol, ssl_cipher, request_id
 * A layout with other names is declared in a --format-file (`"json": {table}`).
 * Docs: http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format
 *
 * Traps (fixtures in fixtures/formats/nginx-json/):
 * - every nginx time variable is when the line was written, at the end: the start is that minus request_time;
 * - numbers are often written quoted ("status": "200"); an empty variable is "" (escape=json), or "-" for the
 *   upstream variables;
 * - Matomo's layout names $request_time `generation_time_milli` though it holds seconds.
 */
import type { JsonTable } from './engine';

const CLIENTS = ['remote_addr', 'ip', 'client_ip'];
const TIMES = ['time_iso8601', 'time_local', '@timestamp', 'timestamp', 'date', 'time', 'msec'];

const nginxJson: JsonTable = {
  id: 'nginx-json',
  title: 'nginx JSON',
  description: 'nginx log_format escape=json layouts with the common key names (remote_addr, time_iso8601, request, status …)',
  docsUrl: 'http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format',
  samples: [
    '{"time_iso8601":"2024-05-01T10:00:00+00:00","remote_addr":"203.0.113.7","request":"GET /api/items?page=2 HTTP/1.1","status":"200","body_bytes_sent":"1534","request_time":"0.052","upstream_addr":"10.0.0.5:8080","upstream_status":"200","upstream_response_time":"0.050","http_referer":"","http_user_agent":"curl/8.4.0","host":"app.example.com","request_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
  ],
  all: [{ path: 'status' }],
  any: CLIENTS.map((path) => ({ path })),
  // lbua's own records (lbua-records) have a client, a status and a time too, and the record's "format".
  none: [{ path: 'format' }],
  // A client, a status and a time key: JSON with a client and a status but no time is not taken for nginx's (lbua
  // then says it looks like JSON lines no format reads).
  markers: CLIENTS.flatMap((c) => TIMES.map((t) => [`"${c}"`, '"status"', `"${t}"`])),
  fields: [
    { field: 'durationMs', path: ['request_time', 'generation_time_milli'], unit: 's' },
    { field: 'endMs', path: TIMES },
    { field: 'clientIp', path: CLIENTS },
    { field: 'clientPort', path: 'remote_port' },
    { field: 'request', path: 'request' },
    { field: 'method', path: 'request_method' },
    { field: 'url', path: ['request_uri', 'uri', 'path'] },
    { field: 'scheme', path: 'scheme' },
    { field: 'protocol', path: ['server_protocol', 'protocol'] },
    { field: 'host', path: ['host', 'http_host', 'server_name'] },
    { field: 'status', path: 'status' },
    { field: 'bytesOut', path: ['body_bytes_sent', 'bytes_sent', 'length'] },
    { field: 'bytesIn', path: 'request_length' },
    { field: 'backend', path: 'upstream_addr', unit: 'list-last' },
    { field: 'backendStatus', path: 'upstream_status', unit: 'list-last-int' },
    { field: 'backendMs', path: 'upstream_response_time', unit: 'list-s-sum' },
    { field: 'userAgent', path: ['http_user_agent', 'user_agent'] },
    { field: 'referer', path: ['http_referer', 'referrer', 'referer'] },
    { field: 'tlsProtocol', path: 'ssl_protocol' },
    { field: 'tlsCipher', path: 'ssl_cipher' },
    { field: 'traceId', path: 'request_id' },
  ],
};
export default nginxJson;
