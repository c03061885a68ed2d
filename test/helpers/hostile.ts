/**
 * Hostile log content for reporter tests: ALB lines whose user agent and path carry script injections, attribute
 * breakouts and javascript: URLs. Each payload, if it ever ran, would set window.__lbuaXss.
 */

/** The user agent planted in the lines (no double quote: ALB quotes this field). */
export const XSS_UA = "<script>window.__lbuaXss=1</script><img src=x onerror=window.__lbuaXss=2>'><svg onload=window.__lbuaXss=3> javascript:window.__lbuaXss=4";
/** A path planted in the lines. */
export const XSS_PATH = '/.env<svg/onload=window.__lbuaXss=5>';
/** The client sending them. */
export const XSS_CLIENT = '91.240.118.222';

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

/**
 * `perMinute` requests a minute for `minutes` minutes from `startMs`, one client, the hostile user agent; every
 * tenth request goes to the hostile path (404), the rest to sensitive files a scanner probes (404).
 */
export function hostileAlbLines(startMs: number, minutes: number, perMinute: number): string[] {
  const probes = ['/wp-login.php', '/.git/config', '/phpmyadmin/', '/admin/config.php', '/.aws/credentials', '/server-status'];
  const out: string[] = [];
  const total = minutes * perMinute;
  for (let i = 0; i < total; i++) {
    const t = startMs + Math.floor((i * 60_000) / perMinute);
    const path = i % 10 === 0 ? XSS_PATH : `${probes[i % probes.length] ?? '/'}?n=${i}`;
    out.push(
      `https ${iso(t + 5)} app/shop-prod/50dc6c495c0c9188 ${XSS_CLIENT}:${40000 + (i % 20000)} 10.0.2.9:8080 0.000 0.004 0.000 404 404 312 150 ` +
        `"GET https://shop.example.com:443${path} HTTP/1.1" "${XSS_UA}" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ` +
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/73e2d6bc24d8a067 "Root=1-69afe1c8-47d0f5cf5562018097ce3928" ' +
        `"shop.example.com" "-" 0 ${iso(t)} "forward" "-" "-" "10.0.2.9:8080" "404" "-" "-" TID_hostile "-" "-" "-"`,
    );
  }
  return out;
}
