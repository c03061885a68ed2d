/**
 * Azure Application Gateway access log (diagnostic settings: storage account, Event Hub or Log Analytics export),
 * one JSON record per line.
 * Fields: https://learn.microsoft.com/azure/application-gateway/monitor-application-gateway-reference and
 * https://learn.microsoft.com/azure/azure-monitor/reference/tables/agwaccesslogs
 *
 * Traps (fixtures in fixtures/formats/azure-appgw/):
 * - the envelope names its time `time`, `timeStamp` or `timestamp`, written as RFC 3339 (2 to 9 fraction digits,
 *   Z, an offset or no zone = UTC) or `M/D/YYYY h:mm:ss [AM|PM] [offset]`;
 * - `timeTaken` is milliseconds in v1 (a whole number) and seconds in v2 (with a fraction): a whole number is read
 *   as ms, a fraction as seconds; `serverResponseLatency` is seconds as a string ("0.023");
 * - `sslEnabled` on/off gives the scheme;
 * - v1 puts SERVER-ROUTED / SERVER-STATUS into `requestQuery`, v2 has `serverRouted` / `serverStatus` (a string);
 * - missing: `"-"` (userAgent), `""` (sslCipher, sslProtocol) or the key is absent; `error_info`
 *   ERRORINFO_NO_ERROR is no error;
 * - the same stream carries ApplicationGatewayFirewallLog (WAF) and other categories: rejected as not access
 *   records; Event Hubs and storage exports put several records on one line, `{"records":[...]}`: the engine
 *   splits such a line into its records (recordsKey, FormatParser.split), each read or rejected on its own.
 */
import type { JsonTable } from './engine';

const azureAppgw: JsonTable = {
  id: 'azure-appgw',
  title: 'Azure Application Gateway',
  description: 'Azure Application Gateway access log (diagnostic-settings JSON, v1 and v2 SKU)',
  docsUrl: 'https://learn.microsoft.com/azure/application-gateway/monitor-application-gateway-reference',
  samples: [
    '{"time":"2024-05-01T10:00:00.1234567Z","resourceId":"/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/APPLICATIONGATEWAYS/WEB-GW","operationName":"ApplicationGatewayAccess","category":"ApplicationGatewayAccessLog","properties":{"instanceId":"appgw_0","clientIP":"203.0.113.7","clientPort":51432,"httpMethod":"GET","originalRequestUriWithArgs":"/shop/cart?item=7","requestUri":"/shop/cart","userAgent":"curl/8.4.0","httpStatus":200,"httpVersion":"HTTP/1.1","receivedBytes":312,"sentBytes":4411,"clientResponseTime":0.001,"timeTaken":0.052,"WAFEvaluationTime":"0.000","WAFMode":"Detection","transactionId":"a1b2c3d4e5f60718293a4b5c6d7e8f90","sslEnabled":"on","sslCipher":"ECDHE-RSA-AES256-GCM-SHA384","sslProtocol":"TLSv1.2","serverRouted":"10.0.1.4:443","serverStatus":"200","serverResponseLatency":"0.048","host":"shop.example.com","originalHost":"shop.example.com","error_info":"ERRORINFO_NO_ERROR"}}',
  ],
  all: [{ path: 'properties.httpMethod' }],
  any: [{ path: 'category', equals: ['ApplicationGatewayAccessLog', 'ApplicationGatewayAccess'] }, { path: 'operationName', equals: ['ApplicationGatewayAccess'] }],
  markers: [['"ApplicationGatewayAccess']],
  recordsKey: 'records',
  fields: [
    { field: 'startMs', path: ['time', 'timeStamp', 'timestamp'] },
    { field: 'clientIp', path: 'properties.clientIP' },
    { field: 'clientPort', path: 'properties.clientPort' },
    { field: 'method', path: 'properties.httpMethod' },
    { field: 'url', path: ['properties.originalRequestUriWithArgs', 'properties.requestUri'] },
    { field: 'protocol', path: 'properties.httpVersion' },
    { field: 'host', path: ['properties.host', 'properties.originalHost'] },
    { field: 'status', path: 'properties.httpStatus' },
    { field: 'backendStatus', path: 'properties.serverStatus' },
    { field: 'backend', path: 'properties.serverRouted' },
    { field: 'durationMs', path: 'properties.timeTaken', unit: 'ms-or-fractional-s' },
    { field: 'backendMs', path: 'properties.serverResponseLatency', unit: 's' },
    { field: 'bytesIn', path: 'properties.receivedBytes' },
    { field: 'bytesOut', path: 'properties.sentBytes' },
    { field: 'userAgent', path: 'properties.userAgent' },
    { field: 'tlsProtocol', path: 'properties.sslProtocol' },
    { field: 'tlsCipher', path: 'properties.sslCipher' },
    { field: 'traceId', path: 'properties.transactionId' },
    { field: 'errorReason', path: 'properties.error_info', nulls: ['ERRORINFO_NO_ERROR'] },
    { field: 'lb', path: 'resourceId', unit: 'last-segment' },
  ],
  finish: (r, o) => {
    const ssl = (o['properties'] as Record<string, unknown>)['sslEnabled'];
    if (ssl === 'on') r.scheme = 'https';
    else if (ssl === 'off') r.scheme = 'http';
  },
};
export default azureAppgw;
