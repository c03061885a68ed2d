/**
 * Envoy JSON access logs (`json_format` / `typed_json_format`) with the keys Envoy Gateway's default JSON format
 * uses (the operator chooses the keys; these are the common ones).
 * Fields: https://gateway.envoyproxy.io/docs/tasks/observability/proxy-observability/ and
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#format-dictionaries
 *
 * Traps (fixtures in fixtures/formats/envoy-json/):
 * - keys: start_time (RFC 3339, ms, the start), method, x-envoy-origin-path (path + query), protocol,
 *   response_code, response_flags, bytes_received, bytes_sent, duration (ms), upstream_host, upstream_cluster,
 *   x-forwarded-for, user-agent, x-request-id, :authority, downstream_remote_address (ip:port, IPv6 in brackets),
 *   x-envoy-upstream-service-time (ms, a string);
 * - unset values are null in typed JSON and "-" in string JSON; response_code 0 = no response was sent (kept 0);
 * - in Kubernetes each line is wrapped by the CRI (`<time> stdout F {…}`): the prefix is dropped;
 * - Envoy's default text-format lines in the same file are not JSON: rejected here (the text format reads them).
 */
import type { JsonTable } from './engine';

const envoyJson: JsonTable = {
  id: 'envoy-json',
  title: 'Envoy JSON',
  description: 'Envoy / Envoy Gateway JSON access log (start_time, response_code, :authority, x-envoy-origin-path …)',
  docsUrl: 'https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage',
  samples: [
    '{":authority":"www.example.com","bytes_received":0,"bytes_sent":121258,"downstream_local_address":"10.42.0.77:10443","downstream_remote_address":"203.0.113.7:59292","duration":11,"method":"GET","protocol":"HTTP/2","requested_server_name":"www.example.com","response_code":200,"response_code_details":"via_upstream","response_flags":"-","route_name":"httproute/app/www/rule/0/match/0/www_example_com","start_time":"2025-12-31T16:37:40.479Z","upstream_cluster":"httproute/app/www/rule/0","upstream_host":"10.42.0.82:8080","upstream_local_address":"10.42.0.77:51216","upstream_transport_failure_reason":null,"user-agent":"curl/8.4.0","x-envoy-origin-path":"/index.html?v=2","x-envoy-upstream-service-time":"9","x-forwarded-for":"203.0.113.7","x-request-id":"b7ba9b4c-f4b7-47c2-9718-c23aa1465f49"}',
  ],
  all: [{ path: 'start_time' }],
  any: [{ path: 'response_code' }, { path: ':authority' }, { path: 'x-envoy-origin-path' }, { path: 'downstream_remote_address' }, { path: 'upstream_host' }],
  markers: [['"start_time"', '"response_code"'], ['"start_time"', '":authority"'], ['"start_time"', '"x-envoy-origin-path"']],
  fields: [
    { field: 'startMs', path: 'start_time' },
    { field: 'clientIp', path: ['downstream_remote_address', 'downstream_direct_remote_address'] },
    { field: 'clientPort', path: ['downstream_remote_address', 'downstream_direct_remote_address'] },
    { field: 'method', path: 'method' },
    { field: 'forwardedFor', path: 'x-forwarded-for' },
    { field: 'url', path: ['x-envoy-origin-path', 'path'] },
    { field: 'protocol', path: 'protocol' },
    { field: 'host', path: ':authority' },
    { field: 'status', path: 'response_code' },
    { field: 'errorReason', path: 'response_flags' },
    { field: 'errorReason', path: 'upstream_transport_failure_reason' },
    { field: 'bytesIn', path: 'bytes_received' },
    { field: 'bytesOut', path: 'bytes_sent' },
    { field: 'durationMs', path: 'duration', unit: 'ms' },
    { field: 'backendMs', path: 'x-envoy-upstream-service-time', unit: 'ms' },
    { field: 'backend', path: 'upstream_host' },
    { field: 'userAgent', path: 'user-agent' },
    { field: 'referer', path: 'referer' },
    { field: 'traceId', path: 'x-request-id' },
    { field: 'lb', path: 'upstream_cluster' },
  ],
};
export default envoyJson;
