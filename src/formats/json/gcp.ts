/**
 * Google Cloud external Application Load Balancer (HTTP(S) LB) request logs: Cloud Logging LogEntry JSON, one per
 * line as exported (Logs Router to storage, `gcloud logging read --format=json` flattened with jq -c).
 * Fields: https://cloud.google.com/load-balancing/docs/https/https-logging-monitoring#what_is_logged and
 * https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry#HttpRequest
 *
 * Traps (fixtures in fixtures/formats/gcp/):
 * - `httpRequest.latency` is a protobuf Duration string, seconds with an `s` ("0.012345s"); cache hits omit it;
 * - requestSize/responseSize are int64 written as strings ("577");
 * - remoteIp and serverIp may carry a port ("89.160.20.156:1234", "[2001:db8::1]:443"); a bare IPv6 has none;
 * - absent values are omitted keys (no "-"); `timestamp` has up to 9 fraction digits;
 * - `jsonPayload.statusDetails` says who answered: response_sent_by_backend / response_from_cache are not errors,
 *   anything else (failed_to_connect_to_backend, client_disconnected_before_any_response, …) is the error reason;
 * - the entry is this table's when `resource.type` is http_load_balancer (or l7_lb_rule, the regional ALB) or
 *   `jsonPayload.@type` names LoadBalancerLogEntry.
 */
import type { JsonTable } from './engine';

const gcp: JsonTable = {
  id: 'gcp',
  title: 'Google Cloud Application Load Balancer',
  description: 'Google Cloud external HTTP(S) / Application Load Balancer request logs (Cloud Logging LogEntry JSON)',
  docsUrl: 'https://cloud.google.com/load-balancing/docs/https/https-logging-monitoring',
  samples: [
    '{"insertId":"1oek5rg3l3fxj7","jsonPayload":{"@type":"type.googleapis.com/google.cloud.loadbalancing.type.LoadBalancerLogEntry","statusDetails":"response_sent_by_backend","cacheDecision":["RESPONSE_HAS_CONTENT_TYPE"]},"httpRequest":{"requestMethod":"GET","requestUrl":"https://www.example.com/static/cat.jpg?size=2","requestSize":"577","status":200,"responseSize":"15788","userAgent":"curl/8.4.0","remoteIp":"203.0.113.7:51432","serverIp":"10.128.0.5:80","latency":"0.012345s","protocol":"HTTP/1.1"},"resource":{"type":"http_load_balancer","labels":{"zone":"global","url_map_name":"web-map","forwarding_rule_name":"web-rule","target_proxy_name":"web-proxy","backend_service_name":"web-backend","project_id":"my-project"}},"timestamp":"2024-05-01T10:00:00.123456Z","severity":"INFO","logName":"projects/my-project/logs/requests","trace":"projects/my-project/traces/4bf92f3577b34da6a3ce929d0e0e4736","receiveTimestamp":"2024-05-01T10:00:01.5Z"}',
  ],
  all: [{ path: 'httpRequest' }],
  any: [
    { path: 'resource.type', equals: ['http_load_balancer', 'l7_lb_rule'] },
    { path: 'jsonPayload.@type', contains: 'LoadBalancerLogEntry' },
  ],
  markers: [['"httpRequest"', '"http_load_balancer"'], ['"httpRequest"', 'LoadBalancerLogEntry'], ['"httpRequest"', '"l7_lb_rule"']],
  fields: [
    { field: 'startMs', path: 'timestamp' },
    { field: 'method', path: 'httpRequest.requestMethod' },
    { field: 'url', path: 'httpRequest.requestUrl' },
    { field: 'protocol', path: 'httpRequest.protocol' },
    { field: 'status', path: 'httpRequest.status', nulls: [0] },
    { field: 'bytesIn', path: 'httpRequest.requestSize' },
    { field: 'bytesOut', path: 'httpRequest.responseSize' },
    { field: 'userAgent', path: 'httpRequest.userAgent' },
    { field: 'referer', path: 'httpRequest.referer' },
    { field: 'clientIp', path: 'httpRequest.remoteIp' },
    { field: 'clientPort', path: 'httpRequest.remoteIp' },
    { field: 'backend', path: 'httpRequest.serverIp' },
    { field: 'durationMs', path: 'httpRequest.latency', unit: 'duration-string-s' },
    { field: 'errorReason', path: 'jsonPayload.statusDetails', nulls: ['response_sent_by_backend', 'response_from_cache', 'response_from_cache_validated', 'byte_range_caching'] },
    { field: 'traceId', path: 'trace', unit: 'last-segment' },
    { field: 'lb', path: ['resource.labels.forwarding_rule_name', 'resource.labels.url_map_name'] },
  ],
};
export default gcp;
