/**
 * lbua's own normalized records as JSON lines: what `lbua records` prints, and what an engine's query writes when it
 * selects the export table's columns (`lbua export`, README "The normalized record") — DuckDB `COPY … (FORMAT json)`,
 * ClickHouse `FORMAT JSONEachRow`, Athena `UNLOAD … WITH (format = 'JSON')` of the query `lbua sql --engine athena`
 * prints (engine/athena.ts). So records filtered or gathered by an engine come back to be judged by lbua.
 *
 * Traps (fixtures in fixtures/formats/lbua-records/):
 * - `start_ms` (epoch ms, exact, written by lbua's engine tables) wins over `time` (ISO 8601: `lbua records` prints
 *   milliseconds; DuckDB writes "2026-03-10 06:09:00.116+00", Athena "2026-03-10 06:09:00.116 UTC", both read);
 * - a start of "-" (older ALB logs) with `end_time`: the start is end_time less the duration, as lbua's ALB parser has it;
 * - an engine query may give the request line whole instead of its parts (`request`: "GET https://h:443/p?q HTTP/1.1",
 *   as ALB logs it: Athena's ALB table has no path column), split as the ALB parser splits it;
 * - bytes may come as strings (Athena writes BIGINT as a JSON number, ClickHouse writes Int64/UInt64 as strings);
 * - the record's `source` names the records file's line (where the record is now), not the original log's: the
 *   original `source_file` and `source_line` columns, when present, stay in the file (evidence shows the whole line);
 * - `format` is the format the records were first parsed from: required (it tells these lines from other JSON logs).
 */
import type { JsonTable } from './engine';

const lbuaRecords: JsonTable = {
  id: 'lbua-records',
  title: 'lbua records (JSON)',
  description: 'lbua\'s normalized records as JSON lines (`lbua records`, or an engine query over `lbua export`\'s columns)',
  docsUrl: 'README.md#the-normalized-record',
  samples: [
    '{"time":"2026-03-10T06:09:00.116Z","format":"alb","client_ip":"203.0.113.7","client_port":49563,"client_host":null,"method":"GET","scheme":"https","host":"shop.example.com","path":"/api/v1/products/5767","query":null,"protocol":"HTTP/2.0","status":200,"backend_status":200,"backend":"10.0.2.9:8080","duration_ms":38,"backend_ms":37,"bytes_in":604,"bytes_out":3141,"user_agent":"python-requests/2.31.0","referer":null,"tls_protocol":"TLSv1.3","tls_cipher":"TLS_AES_128_GCM_SHA256","trace_id":"Root=1-67a0c1d4-1f2e3d4c5b6a79881726354a","error_reason":null,"lb":"app/shop-prod/50dc6c495c0c9188","forwarded_for":null,"peer_ip":null,"edge_location":null,"cache_status":null,"tls_fingerprint":null,"source":{"file":"access.log","line":1}}',
  ],
  all: [{ path: 'format' }],
  any: [{ path: 'time' }, { path: 'start_ms' }],
  markers: [['"format"', '"client_ip"', '"bytes_out"', '"user_agent"']],
  fields: [
    { field: 'startMs', path: ['start_ms', 'time'] },
    // Athena's query: the response time, for lines whose request_creation_time is "-" (start = end − duration).
    { field: 'endMs', path: 'end_time' },
    { field: 'clientIp', path: 'client_ip' },
    { field: 'clientPort', path: 'client_port' },
    { field: 'clientHost', path: 'client_host' },
    { field: 'request', path: 'request' },
    { field: 'method', path: 'method' },
    { field: 'scheme', path: 'scheme' },
    { field: 'host', path: 'host' },
    { field: 'path', path: 'path' },
    { field: 'query', path: 'query' },
    { field: 'protocol', path: 'protocol' },
    { field: 'status', path: 'status' },
    { field: 'backendStatus', path: 'backend_status' },
    { field: 'backend', path: 'backend' },
    { field: 'durationMs', path: 'duration_ms' },
    { field: 'backendMs', path: 'backend_ms' },
    { field: 'bytesIn', path: 'bytes_in' },
    { field: 'bytesOut', path: 'bytes_out' },
    { field: 'userAgent', path: 'user_agent' },
    { field: 'referer', path: 'referer' },
    { field: 'tlsProtocol', path: 'tls_protocol' },
    { field: 'tlsCipher', path: 'tls_cipher' },
    { field: 'traceId', path: 'trace_id' },
    { field: 'errorReason', path: 'error_reason' },
    { field: 'lb', path: 'lb' },
    { field: 'forwardedFor', path: 'forwarded_for' },
    { field: 'edgeLocation', path: 'edge_location' },
    { field: 'cacheStatus', path: 'cache_status' },
    { field: 'tlsFingerprint', path: 'tls_fingerprint' },
  ],
};
export default lbuaRecords;
