/**
 * High-cardinality ALB logs for the cap tests: one request from each of many distinct addresses (a botnet, a DDoS
 * log), optionally with one address bursting in the middle while walking sequential product identifiers.
 */

/** The address that bursts. */
export const BURST_IP = '198.51.100.77';

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

/** The i-th distinct address: spread over the IPv4 space (a multiplicative hash), never BURST_IP. */
export function distinctIp(i: number): string {
  const n = (Math.imul(i + 1, 2654435761) + 0x0b000000) >>> 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function albLine(t: number, ip: string, path: string, ua: string, status: number): string {
  return `https ${iso(t + 12)} app/shop-prod/50dc6c495c0c9188 ${ip}:${40000 + (t % 20000)} 10.0.1.${(t % 7) + 10}:80 0.001 0.010 0.001 ${status} ${status} 312 ${1000 + (t % 5000)} ` +
    `"GET https://shop.example.com:443${path} HTTP/1.1" "${ua}" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ` +
    'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/73e2d6bc24d8a067 "Root=1-69afe1c8-47d0f5cf5562018097ce3928" ' +
    `"shop.example.com" "-" 1 ${iso(t)} "forward" "-" "-" "10.0.1.10:80" "${status}" "-" "-" TID_0123456789abcdef "-" "-" "-"`;
}

/**
 * `clients` requests from `clients` distinct addresses spread evenly over `minutes` from `startMs`, in time order;
 * with `burstPerMinute`, BURST_IP sends that many a minute for `burstMinutes` minutes from the middle.
 */
export function botnetAlbLines(o: { startMs: number; clients: number; minutes: number; burstPerMinute?: number; burstMinutes?: number }): string[] {
  const span = o.minutes * 60_000;
  const burstTotal = (o.burstPerMinute ?? 0) * (o.burstMinutes ?? 0);
  const burstStart = o.startMs + Math.floor(span / 2);
  const burstAt = (b: number): number => burstStart + Math.floor((b * 60_000) / (o.burstPerMinute ?? 1));
  const out: string[] = [];
  let b = 0;
  for (let k = 0; k < o.clients; k++) {
    const t = o.startMs + Math.floor((k * span) / o.clients);
    for (; b < burstTotal && burstAt(b) <= t; b++) out.push(albLine(burstAt(b), BURST_IP, `/api/v1/products/${1000 + b}`, 'python-requests/2.31.0', 200));
    const ua = `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${100 + (k % 30)}.0.0.0 Safari/537.36`;
    out.push(albLine(t, distinctIp(k), `/page/${['home', 'cart', 'search', 'product', 'about'][k % 5] ?? 'home'}`, ua, k % 50 === 0 ? 404 : 200));
  }
  for (; b < burstTotal; b++) out.push(albLine(burstAt(b), BURST_IP, `/api/v1/products/${1000 + b}`, 'python-requests/2.31.0', 200));
  return out;
}
