/**
 * Traefik JSON access log (`accessLog.format: json`), v2/v3 keys and the v1 ones (FrontendName, BackendAddr).
 * Fields: https://doc.traefik.io/traefik/observability/access-logs/#json-format
 *
 * Traps (fixtures in fixtures/formats/traefik-json/):
 * - Duration, OriginDuration and Overhead are **nanoseconds** (integers);
 * - StartUTC (RFC 3339 with ns) is the start; `time` is when the line was written (seconds only);
 * - ClientHost is the client (after forwardedHeaders.trustedIPs), ClientAddr the peer "ip:port"; ClientPort a string;
 *   ClientHost can hold a forwarded list ("192.168.1.100,10.0.0.50"): the last address is taken, as CrowdSec does;
 * - DownstreamStatus (what Traefik sent) may be a string ("200"); OriginStatus 0 = no answer from the service;
 * - RequestPath holds path and query; RequestPort is "-";
 * - headers only when `fields.headers` keeps them: `request_User-Agent`, `request_Referer`, `request_X-Request-Id`;
 * - TLSVersion is "1.3" (written TLSv1.3, as the other formats name it); OriginDuration 0 = no service answered;
 * - any key can be dropped by configuration.
 */
import type { JsonTable } from './engine';

const traefikJson: JsonTable = {
  id: 'traefik-json',
  title: 'Traefik JSON',
  description: 'Traefik JSON access log (Duration in ns, DownstreamStatus, RouterName …), v1 keys too',
  docsUrl: 'https://doc.traefik.io/traefik/observability/access-logs/',
  samples: [
    '{"ClientAddr":"203.0.113.7:39496","ClientHost":"203.0.113.7","ClientPort":"39496","ClientUsername":"-","DownstreamContentSize":357,"DownstreamStatus":200,"Duration":357313,"OriginContentSize":357,"OriginDuration":324669,"OriginStatus":200,"Overhead":32644,"RequestAddr":"app.example.com","RequestContentSize":0,"RequestCount":190,"RequestHost":"app.example.com","RequestMethod":"GET","RequestPath":"/api/items?page=2","RequestPort":"-","RequestProtocol":"HTTP/1.1","RequestScheme":"https","RetryAttempts":0,"RouterName":"app@docker","ServiceAddr":"172.17.0.3:80","ServiceName":"app@docker","StartLocal":"2024-05-01T10:00:00.123456789Z","StartUTC":"2024-05-01T10:00:00.123456789Z","TLSVersion":"1.3","TLSCipher":"TLS_AES_128_GCM_SHA256","entryPointName":"websecure","level":"info","msg":"","request_User-Agent":"curl/8.4.0","time":"2024-05-01T10:00:00Z"}',
  ],
  all: [{ path: 'RequestMethod' }, { path: 'DownstreamStatus' }],
  markers: [['"RequestMethod"', '"DownstreamStatus"']],
  fields: [
    { field: 'startMs', path: ['StartUTC', 'StartLocal'] },
    { field: 'endMs', path: 'time' },
    { field: 'clientIp', path: ['ClientHost', 'ClientAddr'], unit: 'list-last-ip' },
    { field: 'clientPort', path: 'ClientPort' },
    { field: 'method', path: 'RequestMethod' },
    { field: 'scheme', path: 'RequestScheme' },
    { field: 'host', path: ['RequestHost', 'RequestAddr'] },
    { field: 'url', path: 'RequestPath' },
    { field: 'protocol', path: 'RequestProtocol' },
    { field: 'status', path: 'DownstreamStatus', nulls: [0] },
    { field: 'backendStatus', path: 'OriginStatus', nulls: [0] },
    { field: 'backend', path: ['ServiceAddr', 'BackendAddr'] },
    { field: 'durationMs', path: 'Duration', unit: 'ns' },
    { field: 'backendMs', path: 'OriginDuration', unit: 'ns', nulls: [0] },
    { field: 'bytesIn', path: 'RequestContentSize' },
    { field: 'bytesOut', path: 'DownstreamContentSize' },
    { field: 'userAgent', path: 'request_User-Agent' },
    { field: 'referer', path: 'request_Referer' },
    { field: 'traceId', path: 'request_X-Request-Id' },
    // Behind Cloudflare or another proxy (request headers logged): the chain --trust-proxy reads.
    { field: 'forwardedFor', path: ['request_Cf-Connecting-Ip', 'request_X-Forwarded-For', 'request_X-Real-Ip'] },
    { field: 'tlsProtocol', path: 'TLSVersion', unit: 'tls-version' },
    { field: 'tlsCipher', path: 'TLSCipher' },
    { field: 'lb', path: ['RouterName', 'FrontendName'] },
  ],
};
export default traefikJson;
