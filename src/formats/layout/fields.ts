/**
 * What a layout variable fills in a record, and how its text converts. Shared by the four layout dialects
 * (dialects.ts) and the matcher (compile.ts).
 */

/** A record field (or part of one) a variable's text goes to, with the unit it is written in. */
export type Target =
  | 'client' // an address or host name, optionally with :port (nginx $remote_addr, Apache %h/%a, Envoy DOWNSTREAM_REMOTE_ADDRESS)
  | 'clientWithPort' // address:port, [v6]:port (Envoy DOWNSTREAM_REMOTE_ADDRESS)
  | 'clientPort'
  | 'forwardedFor' // X-Forwarded-For, CF-Connecting-IP: the chain --trust-proxy reads the client from
  | 'cacheStatus' // nginx $upstream_cache_status
  | 'clientForwarded' // an X-Forwarded-For list: its last address is the client when no other variable gave one (Envoy's default format logs no peer address)
  | 'timeClf' // 10/Oct/2000:13:55:36 -0700 (HAProxy: with .mmm, and without the zone)
  | 'timeClfBracketed' // [10/Oct/2000:13:55:36 -0700] (Apache %t)
  | 'timeIso' // 2000-10-10T13:55:36.123Z, or with +hh:mm / +hhmm
  | 'timeEpochS' // 1696946136.123 (nginx $msec, HAProxy %Ts)
  | 'timeEpochMs'
  | 'timeEpochUs'
  | 'timeStrftime' // a strftime format of the user's (FieldSpec.strftime)
  | 'request' // METHOD target PROTOCOL
  | 'method'
  | 'uri' // path?query
  | 'path'
  | 'query' // with or without its leading '?'
  | 'protocol'
  | 'status'
  | 'statusNonZero' // a status where 0 means no response was sent (Envoy %RESPONSE_CODE%): 0 → null
  | 'backendStatus' // the last of a list ("502, 200")
  | 'bytesIn'
  | 'bytesOut'
  | 'bytesOutClf' // '-' for 0 (Apache %b)
  | 'durationS'
  | 'durationMs'
  | 'durationUs'
  | 'backendS' // the sum of a list ("0.001, 0.002 : 0.003"), as nginx writes $upstream_response_time
  | 'backendMs'
  | 'backend' // the last of a list
  | 'userAgent'
  | 'referer'
  | 'host'
  | 'scheme'
  | 'tlsProtocol'
  | 'tlsCipher'
  | 'traceId'
  | 'lb'
  | 'errorReason' // why the request failed, '-' when it did not (Envoy %RESPONSE_FLAGS%)
  | 'ignore';

/** One variable of a layout: what it fills, and whether its time is when the request ended (nginx logs then). */
export interface FieldSpec {
  readonly target: Target;
  /** For times: the time is the end of the request (nginx $time_local, Apache %{end:...}t); start = time − duration. */
  readonly atEnd?: boolean;
  /** For timeStrftime: the format (strftime.ts). */
  readonly strftime?: string;
}

export const IGNORE: FieldSpec = { target: 'ignore' };
export const f = (target: Target, atEnd = false): FieldSpec => (atEnd ? { target, atEnd } : { target });
