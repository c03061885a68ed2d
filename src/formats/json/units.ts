/**
 * Value conversions of the JSON field tables (engine.ts): a JSON value (number, string, array, object) → a record
 * field in lbua's units (epoch ms, ms, bytes). Every function returns null for "not logged" and NaN for a value that
 * is there but is not what the unit says (the engine turns NaN into a malformed line naming the field).
 */
import { clfToEpochMs, daysFromCivil, isoToEpochMs, roundMs } from '../../core/units';

/** Units a table entry may name. */
export type JsonUnit =
  /** A string as written (numbers are written as text). */
  | 'text'
  /** A whole number, or a string of digits (GCP's int64 sizes, Traefik's "200"). */
  | 'int'
  /** Durations: a number or numeric string in that unit → ms. */
  | 's' | 'ms' | 'us' | 'ns'
  /** A protobuf Duration string, seconds with an `s` suffix ("0.012345s", GCP latency). */
  | 'duration-string-s'
  /** A Go duration string ("1.5ms", "2m3s", "850µs") or a number of seconds (Caddy `duration`, any duration_format). */
  | 'go-duration-or-s'
  /** Azure Application Gateway timeTaken: a number with a fraction is seconds (v2), a whole number ms (v1). */
  | 'ms-or-fractional-s'
  /**
   * A time: RFC 3339 / ISO 8601 (any number of fraction digits, Z, ±hh:mm or no zone = UTC), `M/D/YYYY h:mm:ss
   * [AM|PM] [±hh:mm]` (Azure), or epoch seconds, ms, µs or ns as a number or string of digits (told apart by size).
   */
  | 'time'
  /** "ip", "ip:port", "[v6]:port" or a bare IPv6 address → the address (clientIp) or the port (clientPort). */
  | 'addr-ip' | 'addr-port'
  /** A comma-separated address list (Traefik's ClientHost from X-Forwarded-For): the last one, as addr-ip. */
  | 'list-last-ip'
  /** The first value of an HTTP header array (Caddy's `{"User-Agent": ["curl/8"]}`), or the string itself. */
  | 'header'
  /** A TLS version as Go's uint16 (772 → TLSv1.3), as a bare number string ("1.3" → TLSv1.3) or as text. */
  | 'tls-version'
  /** A TLS cipher suite as its IANA uint16 (4865 → TLS_AES_128_GCM_SHA256) or as text. */
  | 'tls-cipher'
  /** The last `/`-separated segment of a resource id (Azure resourceId → the gateway's name). */
  | 'last-segment'
  /** nginx upstream lists ("0.004, 0.002 : 0.001"): seconds summed (upstream_response_time). */
  | 'list-s-sum'
  /** nginx upstream lists: the last entry as text (upstream_addr) or as a whole number (upstream_status). */
  | 'list-last' | 'list-last-int';

export const UNITS: readonly JsonUnit[] = [
  'text', 'int', 's', 'ms', 'us', 'ns', 'duration-string-s', 'go-duration-or-s', 'ms-or-fractional-s', 'time', 'addr-ip', 'addr-port', 'list-last-ip',
  'header', 'tls-version', 'tls-cipher', 'last-segment', 'list-s-sum', 'list-last', 'list-last-int',
];

/** A number, or a numeric string, as a number; NaN otherwise. */
function numeric(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(v.trim())) return Number(v);
  return Number.NaN;
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** Converts one JSON value (never undefined or null: the engine treats those as not logged). */
export function convert(unit: JsonUnit, v: unknown): string | number | null {
  switch (unit) {
    case 'text':
      return text(v);
    case 'int': {
      const n = numeric(v);
      return Number.isInteger(n) ? n : Number.NaN;
    }
    case 's':
      return durationMs(numeric(v), 1000);
    case 'ms':
      return durationMs(numeric(v), 1);
    case 'us':
      return durationMs(numeric(v), 0.001);
    case 'ns':
      return durationMs(numeric(v), 0.000001);
    case 'duration-string-s':
      return typeof v === 'string' && v.endsWith('s') ? durationMs(numeric(v.slice(0, -1)), 1000) : Number.NaN;
    case 'go-duration-or-s':
      return typeof v === 'string' && !/^[\d.]+$/.test(v) ? goDurationMs(v) : durationMs(numeric(v), 1000);
    case 'ms-or-fractional-s': {
      const n = numeric(v);
      return durationMs(n, Number.isInteger(n) ? 1 : 1000);
    }
    case 'time':
      return timeMs(v);
    case 'addr-ip':
      return typeof v === 'string' ? splitAddress(v).ip : Number.NaN;
    case 'list-last-ip': {
      if (typeof v !== 'string') return Number.NaN;
      const last = v.slice(v.lastIndexOf(',') + 1).trim();
      return splitAddress(last).ip;
    }
    case 'addr-port': {
      if (typeof v === 'number') return Number.isInteger(v) ? v : Number.NaN;
      if (typeof v === 'string' && /^\d{1,5}$/.test(v)) return Number(v);
      return typeof v === 'string' ? splitAddress(v).port : Number.NaN;
    }
    case 'header':
      if (Array.isArray(v)) return v.length > 0 ? text(v[0]) : null;
      return text(v);
    case 'tls-version':
      if (typeof v === 'number') return TLS_VERSIONS[v] ?? `0x${v.toString(16).padStart(4, '0')}`;
      // Traefik writes "1.3": named as ALB and nginx name it.
      return typeof v === 'string' && /^1\.[0-3]$/.test(v) ? `TLSv${v === '1.0' ? '1' : v}` : text(v);
    case 'tls-cipher':
      return typeof v === 'number' ? (CIPHERS[v] ?? `0x${v.toString(16).padStart(4, '0')}`) : text(v);
    case 'last-segment': {
      const s = text(v);
      if (s === null) return null;
      const i = s.replace(/\/+$/, '').lastIndexOf('/');
      return s.slice(i + 1).replace(/\/+$/, '') || null;
    }
    case 'list-s-sum':
      return listSumMs(v);
    case 'list-last':
    case 'list-last-int': {
      const s = text(v);
      if (s === null) return null;
      const parts = s.split(/\s*[,:]\s+|\s+:\s*|,\s*/).filter((p) => p !== '' && p !== '-');
      const last = parts[parts.length - 1];
      if (last === undefined) return null;
      if (unit === 'list-last') return last;
      const n = numeric(last);
      return Number.isInteger(n) ? n : Number.NaN;
    }
  }
}

function durationMs(n: number, scale: number): number {
  if (Number.isNaN(n)) return Number.NaN;
  return n < 0 ? Number.NaN : roundMs(n * scale);
}

/** nginx `$upstream_response_time`-style lists, seconds: summed; "-" entries skipped; all "-" → null. */
function listSumMs(v: unknown): number | null {
  if (typeof v === 'number') return durationMs(v, 1000);
  if (typeof v !== 'string') return Number.NaN;
  let sum = 0;
  let any = false;
  for (const p of v.split(/[,:]/)) {
    const t = p.trim();
    if (t === '' || t === '-') continue;
    const n = numeric(t);
    if (Number.isNaN(n) || n < 0) return Number.NaN;
    sum += n;
    any = true;
  }
  return any ? roundMs(sum * 1000) : null;
}

const GO_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "1h2m3.5s", "850µs", "1.234ms" → ms; NaN when not a Go duration. */
export function goDurationMs(s: string): number {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * (GO_UNITS[m[2] ?? ''] ?? Number.NaN);
    at = re.lastIndex;
  }
  return at === s.length && at > 0 ? roundMs(total) : Number.NaN;
}

/**
 * "1.2.3.4", "1.2.3.4:80", "[2001:db8::1]:443" and a bare "2001:db8::1" (no port: a bare IPv6 address keeps every
 * colon, unlike ALB's text where the last group is the port).
 */
export function splitAddress(s: string): { ip: string | null; port: number | null } {
  if (s === '' || s === '-') return { ip: null, port: null };
  if (s.charCodeAt(0) === 91 /* [ */) {
    const close = s.indexOf(']');
    if (close < 0) return { ip: s, port: null };
    const port = s.charCodeAt(close + 1) === 58 ? Number(s.slice(close + 2)) : Number.NaN;
    return { ip: s.slice(1, close), port: Number.isInteger(port) && s.length > close + 2 ? port : null };
  }
  const colon = s.indexOf(':');
  if (colon < 0 || s.indexOf(':', colon + 1) >= 0) return { ip: s, port: null };
  const port = Number(s.slice(colon + 1));
  return { ip: s.slice(0, colon), port: Number.isInteger(port) && colon + 1 < s.length ? port : null };
}

/** Offsets: `Z`, `UTC` (Trino, Athena), `+02:00`, `+0200`, and `+02` (DuckDB and PostgreSQL write `+00`). */
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i;
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?(?: ?([AP]M))?(?: ?(Z|[+-]\d{2}:?\d{2}))?$/i;

/**
 * A time value → epoch ms. Numbers (and strings of digits) are epoch seconds below 1e11, ms below 1e14, µs below
 * 1e17, ns above (Cloudflare's unixnano, Caddy's float seconds). Strings: ISO 8601 / RFC 3339 (no zone = UTC) or
 * Azure's `M/D/YYYY h:mm:ss [AM|PM] [offset]`, or nginx's `10/Oct/2000:13:55:36 -0700`. NaN when none fits.
 */
export function timeMs(v: unknown): number {
  if (typeof v === 'number') return epochMs(v);
  if (typeof v !== 'string') return Number.NaN;
  // The common case first: RFC 3339 in UTC ("2024-05-01T10:00:00.123456Z"), read without a regular expression.
  if (v.length >= 20 && v.charCodeAt(v.length - 1) === 90 /* Z */) {
    const fast = isoToEpochMs(v);
    if (!Number.isNaN(fast)) return fast;
  }
  const t = v.trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) return epochMs(Number(t));
  let m = ISO.exec(t);
  if (m) return civilMs(+(m[1] ?? 0), +(m[2] ?? 0), +(m[3] ?? 0), +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), m[7], m[8]);
  m = US.exec(t);
  if (m) {
    let h = +(m[4] ?? 0);
    const ampm = m[8]?.toUpperCase();
    if (ampm !== undefined) {
      if (h < 1 || h > 12) return Number.NaN;
      h = (h % 12) + (ampm === 'PM' ? 12 : 0);
    }
    return civilMs(+(m[3] ?? 0), +(m[1] ?? 0), +(m[2] ?? 0), h, +(m[5] ?? 0), +(m[6] ?? 0), m[7], m[9]);
  }
  // nginx $time_local, "10/Oct/2000:13:55:36 -0700".
  return /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:/.test(t) ? clfToEpochMs(t) : Number.NaN;
}

function epochMs(n: number): number {
  if (!Number.isFinite(n) || n < 0) return Number.NaN;
  if (n < 1e11) return roundMs(n * 1000);
  if (n < 1e14) return n;
  if (n < 1e17) return roundMs(n / 1000);
  // Above 2^53 a ns integer has lost its last digits already: µs precision is kept by dividing.
  return roundMs(n / 1e6);
}

function civilMs(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string | undefined, zone: string | undefined): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return Number.NaN;
  let ms = daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000;
  if (frac !== undefined) ms += roundMs(Number(`0.${frac}`) * 1000);
  if (zone !== undefined && zone.toUpperCase() !== 'Z' && zone.toUpperCase() !== 'UTC') {
    const sign = zone.charCodeAt(0) === 45 ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return ms;
}

/** Go's crypto/tls version numbers (Caddy logs them as numbers). */
const TLS_VERSIONS: Readonly<Record<number, string>> = { 768: 'SSLv3', 769: 'TLSv1', 770: 'TLSv1.1', 771: 'TLSv1.2', 772: 'TLSv1.3' };

/** The IANA numbers of the cipher suites Go offers (Caddy logs them as numbers), by their IANA names. */
const CIPHERS: Readonly<Record<number, string>> = {
  4865: 'TLS_AES_128_GCM_SHA256', 4866: 'TLS_AES_256_GCM_SHA384', 4867: 'TLS_CHACHA20_POLY1305_SHA256',
  49195: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 49196: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  49199: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 49200: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  52392: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 52393: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  49161: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 49162: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  49171: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 49172: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  156: 'TLS_RSA_WITH_AES_128_GCM_SHA256', 157: 'TLS_RSA_WITH_AES_256_GCM_SHA384', 47: 'TLS_RSA_WITH_AES_128_CBC_SHA', 53: 'TLS_RSA_WITH_AES_256_CBC_SHA',
};
