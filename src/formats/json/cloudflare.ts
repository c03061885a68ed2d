/**
 * Cloudflare Logpush, zone dataset `http_requests`: NDJSON, the fields chosen per job (`field_names`), so any key
 * may be absent and the order is free.
 * Fields: https://developers.cloudflare.com/logs/reference/log-fields/zone/http_requests/
 *
 * Traps (fixtures in fixtures/formats/cloudflare/):
 * - EdgeStartTimestamp / EdgeEndTimestamp follow the job's `timestamp_format`: unixnano (default, an integer, or a
 *   string of digits), unix (seconds) or rfc3339; the duration is end − start when both are there;
 * - `*Ms` fields are milliseconds; the deprecated OriginResponseTime is nanoseconds;
 * - missing: `""`, `0` (OriginResponseStatus 0 and OriginIP "" when the edge answered from cache) or no key;
 * - ClientRequestURI is path + query; ClientRequestPath the path alone (used when the URI is not logged);
 * - ClientSSLProtocol "none" / ClientSSLCipher "NONE" on plain HTTP;
 * - SecurityAction / WAFAction say what the edge did ("block", "challenge"): the error reason, unless allow/unknown.
 */
import type { JsonTable } from './engine';

const cloudflare: JsonTable = {
  id: 'cloudflare',
  title: 'Cloudflare Logpush',
  description: 'Cloudflare Logpush http_requests NDJSON (unixnano, unix or RFC 3339 timestamps)',
  docsUrl: 'https://developers.cloudflare.com/logs/reference/log-fields/zone/http_requests/',
  samples: [
    '{"ClientIP":"203.0.113.7","ClientSrcPort":51432,"ClientRequestHost":"www.example.com","ClientRequestMethod":"GET","ClientRequestURI":"/about?lang=en","ClientRequestProtocol":"HTTP/2","ClientRequestScheme":"https","ClientRequestUserAgent":"Mozilla/5.0","ClientRequestReferer":"https://www.google.com/","ClientRequestBytes":1820,"ClientSSLProtocol":"TLSv1.3","ClientSSLCipher":"AEAD-AES128-GCM-SHA256","EdgeStartTimestamp":1712790001180000000,"EdgeEndTimestamp":1712790001200000000,"EdgeResponseStatus":200,"EdgeResponseBytes":8320,"OriginIP":"198.51.100.10","OriginResponseStatus":200,"OriginResponseDurationMs":14,"RayID":"87a1b2c3d4e5f002","CacheCacheStatus":"miss","EdgeColoCode":"SEA","SecurityAction":"unknown"}',
  ],
  all: [{ path: 'EdgeStartTimestamp' }],
  any: [{ path: 'ClientRequestURI' }, { path: 'ClientRequestPath' }, { path: 'ClientRequestHost' }, { path: 'ClientIP' }],
  markers: [['"EdgeStartTimestamp"']],
  fields: [
    { field: 'startMs', path: 'EdgeStartTimestamp' },
    { field: 'finishMs', path: 'EdgeEndTimestamp' },
    { field: 'clientIp', path: 'ClientIP' },
    { field: 'clientPort', path: 'ClientSrcPort', nulls: [0] },
    { field: 'method', path: 'ClientRequestMethod' },
    { field: 'scheme', path: 'ClientRequestScheme' },
    { field: 'host', path: 'ClientRequestHost' },
    { field: 'url', path: ['ClientRequestURI', 'ClientRequestPath'] },
    { field: 'protocol', path: 'ClientRequestProtocol' },
    { field: 'status', path: 'EdgeResponseStatus', nulls: [0] },
    { field: 'backendStatus', path: 'OriginResponseStatus', nulls: [0] },
    { field: 'backend', path: 'OriginIP' },
    { field: 'backendMs', path: 'OriginResponseDurationMs', nulls: [0] },
    { field: 'backendMs', path: 'OriginResponseTime', unit: 'ns', nulls: [0] },
    { field: 'bytesIn', path: 'ClientRequestBytes' },
    { field: 'bytesOut', path: 'EdgeResponseBytes' },
    { field: 'userAgent', path: 'ClientRequestUserAgent' },
    { field: 'referer', path: 'ClientRequestReferer' },
    { field: 'tlsProtocol', path: 'ClientSSLProtocol', nulls: ['none', 'NONE'] },
    { field: 'tlsCipher', path: 'ClientSSLCipher', nulls: ['none', 'NONE'] },
    { field: 'traceId', path: 'RayID' },
    { field: 'edgeLocation', path: 'EdgeColoCode' },
    { field: 'cacheStatus', path: 'CacheCacheStatus', nulls: ['unknown'] },
    { field: 'tlsFingerprint', path: ['JA4', 'JA3Hash'] },
    { field: 'errorReason', path: ['SecurityAction', 'WAFAction'], nulls: ['unknown', 'allow', 'skip'] },
    { field: 'lb', path: 'ZoneName' },
  ],
};
export default cloudflare;
