/** Writes a generated request as an AWS ALB access-log line (every documented field, 2025 layout). */
import type { GenRequest } from './types';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/73e2d6bc24d8a067';
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';

/** Seconds with 3 decimals, or -1. */
function sec(ms: number | null): string {
  return ms === null ? '-1' : (ms / 1000).toFixed(3);
}

/** ISO with microseconds. */
function isoMicros(ms: number): string {
  const iso = new Date(Math.floor(ms)).toISOString();
  const micros = Math.floor((ms - Math.floor(ms)) * 1000);
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

/** One ALB line (no trailing newline). */
export function albLine(r: GenRequest): string {
  const reached = r.targetMs !== null;
  const total = (r.requestMs ?? 0) + (r.targetMs ?? 0) + (r.responseMs ?? 0);
  const end = r.startMs + total;
  const tls = r.scheme === 'https';
  const type = tls ? (r.protocol === 'HTTP/2.0' ? 'h2' : 'https') : 'http';
  const port = tls ? 443 : 80;
  const url = `${r.scheme}://${r.host}:${port}${r.path}${r.query ? `?${r.query}` : ''}`;
  const target = reached ? r.target : '-';
  const trace = `Root=1-${Math.floor(r.startMs / 1000).toString(16)}-${r.traceHex}`;
  return [
    type,
    isoMicros(end),
    'app/shop-prod/50dc6c495c0c9188',
    `${r.clientIp.includes(':') ? `[${r.clientIp}]` : r.clientIp}:${r.clientPort}`,
    target,
    sec(r.requestMs),
    sec(r.targetMs),
    sec(r.responseMs),
    String(r.status),
    r.targetStatus === null ? '-' : String(r.targetStatus),
    String(r.bytesIn),
    String(r.bytesOut),
    `"${r.method} ${url} ${r.protocol}"`,
    `"${r.userAgent}"`,
    tls ? r.tlsCipher : '-',
    tls ? r.tlsProtocol : '-',
    reached ? TG : '-',
    `"${trace}"`,
    tls ? `"${r.host}"` : '"-"',
    tls ? `"${CERT}"` : '"-"',
    reached ? '1' : '0',
    isoMicros(r.startMs),
    reached ? '"forward"' : '"fixed-response"',
    '"-"',
    `"${r.errorReason ?? '-'}"`,
    reached ? `"${target}"` : '"-"',
    r.targetStatus === null ? '"-"' : `"${r.targetStatus}"`,
    '"-"',
    '"-"',
    `TID_${r.traceHex.slice(0, 16)}`,
    '"-"',
    '"-"',
    '"-"',
  ].join(' ');
}
