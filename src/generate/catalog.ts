/** The simulated site: endpoints with latency and size models, client pools and user agents. */
import type { Rng } from './random';

/** An endpoint of the simulated shop. */
export interface Endpoint {
  readonly method: string;
  /** Concrete path (identifiers already filled in). */
  path(rng: Rng): string;
  query?(rng: Rng): string | null;
  readonly kind: 'page' | 'api' | 'static' | 'health';
  /** Median backend latency in ms. */
  readonly medianMs: number;
  readonly medianBytes: number;
}

const slugs = ['shoes', 'jackets', 'garden', 'kitchen', 'toys', 'books', 'audio', 'outdoor', 'office', 'sale'];
const words = ['red shoes', 'rain jacket', 'usb-c cable', 'coffee grinder', 'lego', 'tent', 'desk lamp', 'headphones'];
const fixed = (p: string) => (): string => p;

/** Pages a person navigates to. */
export const PAGES: readonly (readonly [Endpoint, number])[] = [
  [{ method: 'GET', path: fixed('/'), kind: 'page', medianMs: 35, medianBytes: 42_000 }, 20],
  [{ method: 'GET', path: (r) => `/products/${r.int(1000, 9999)}`, kind: 'page', medianMs: 55, medianBytes: 61_000 }, 35],
  [{ method: 'GET', path: (r) => `/category/${r.pick(slugs)}`, kind: 'page', medianMs: 70, medianBytes: 80_000 }, 15],
  [{ method: 'GET', path: fixed('/search'), query: (r) => `q=${encodeURIComponent(r.pick(words))}`, kind: 'page', medianMs: 120, medianBytes: 55_000 }, 10],
  [{ method: 'GET', path: fixed('/cart'), kind: 'page', medianMs: 45, medianBytes: 30_000 }, 8],
  [{ method: 'GET', path: fixed('/checkout'), kind: 'page', medianMs: 90, medianBytes: 35_000 }, 3],
  [{ method: 'GET', path: fixed('/account'), kind: 'page', medianMs: 60, medianBytes: 28_000 }, 4],
  [{ method: 'GET', path: (r) => `/blog/${r.pick(slugs)}-guide-${r.int(2019, 2026)}`, kind: 'page', medianMs: 40, medianBytes: 50_000 }, 5],
];

/** XHR calls made by pages and by the mobile app. */
export const API: readonly (readonly [Endpoint, number])[] = [
  [{ method: 'GET', path: (r) => `/api/v1/products/${r.int(1000, 9999)}`, kind: 'api', medianMs: 25, medianBytes: 2_400 }, 40],
  [{ method: 'GET', path: fixed('/api/v1/recommendations'), kind: 'api', medianMs: 80, medianBytes: 5_200 }, 20],
  [{ method: 'GET', path: fixed('/api/v1/cart'), kind: 'api', medianMs: 20, medianBytes: 900 }, 15],
  [{ method: 'POST', path: fixed('/api/v1/cart/items'), kind: 'api', medianMs: 35, medianBytes: 400 }, 10],
  [{ method: 'GET', path: (r) => `/api/v1/users/${r.int(10_000, 99_999)}/orders`, kind: 'api', medianMs: 60, medianBytes: 3_100 }, 8],
  [{ method: 'POST', path: fixed('/api/v1/login'), kind: 'api', medianMs: 110, medianBytes: 350 }, 3],
];

/** Static assets a first page view loads. */
export const ASSETS: readonly Endpoint[] = [
  { method: 'GET', path: fixed('/static/js/app.3f9a1c.js'), kind: 'static', medianMs: 2, medianBytes: 310_000 },
  { method: 'GET', path: fixed('/static/js/vendor.91bd02.js'), kind: 'static', medianMs: 2, medianBytes: 520_000 },
  { method: 'GET', path: fixed('/static/css/main.8b2e77.css'), kind: 'static', medianMs: 2, medianBytes: 48_000 },
  { method: 'GET', path: fixed('/static/img/logo.svg'), kind: 'static', medianMs: 1, medianBytes: 6_000 },
  { method: 'GET', path: fixed('/favicon.ico'), kind: 'static', medianMs: 1, medianBytes: 4_300 },
  { method: 'GET', path: (r) => `/static/img/p/${r.int(1000, 9999)}.jpg`, kind: 'static', medianMs: 3, medianBytes: 85_000 },
];

/** The health endpoint polled by the uptime monitor. */
export const HEALTH: Endpoint = { method: 'GET', path: fixed('/health'), kind: 'health', medianMs: 1, medianBytes: 120 };

/** Residential/mobile address pools by country (first three octets; the last is random). */
export const POOLS: readonly (readonly [string, readonly string[], number])[] = [
  ['US', ['73.162.14', '73.15.201', '98.210.33', '24.6.118', '71.198.40', '108.28.91'], 38],
  ['DE', ['84.150.32', '91.64.120', '87.79.204', '93.220.15'], 14],
  ['GB', ['86.133.61', '81.107.22', '90.214.77', '2.96.144'], 12],
  ['FR', ['90.35.12', '86.246.80', '92.184.105', '78.192.33'], 9],
  ['JP', ['126.23.101', '126.77.8', '114.150.22'], 7],
  ['BR', ['177.94.210', '189.6.31', '179.98.155'], 6],
  ['IN', ['49.36.140', '106.215.77', '117.99.201'], 6],
  ['CA', ['99.230.41', '174.112.60', '142.116.8'], 5],
  ['AU', ['1.145.72', '120.21.44', '49.186.9'], 3],
];

/**
 * Each pool prefix stands for the aligned block of POOL_BLOCK /24s around it (a /19, inside one ISP's allocation:
 * every block maps to one country and ASN in the bundled data): ordinary visitors of an ISP come from many /24s,
 * not a handful, as on the internet.
 */
export const POOL_BLOCK = 32;

/** A random address in the block of pool prefix `prefix` ("a.b.c"). */
export function poolAddress(r: Rng, prefix: string): string {
  const [a, b, c] = prefix.split('.');
  const base = Number(c) & ~(POOL_BLOCK - 1);
  return `${a}.${b}.${base + r.int(0, POOL_BLOCK - 1)}.${r.int(2, 254)}`;
}

/** The block of pool prefix `prefix` as a CIDR ("a.b.c" → its /19). */
export function poolCidr(prefix: string): string {
  const [a, b, c] = prefix.split('.');
  return `${a}.${b}.${Number(c) & ~(POOL_BLOCK - 1)}.0/${24 - Math.log2(POOL_BLOCK)}`;
}

/**
 * Each country's residential IPv6 /32 (one ISP; every /64 in it maps to that country and ASN in the bundled data,
 * checked with `lbua geo`). IPV6_SHARE of visitors come over IPv6, each from a /64 of its own.
 */
export const POOLS6: Readonly<Record<string, string>> = {
  US: '2601:647', DE: '2003:e0', GB: '2a00:23c7', FR: '2a01:cb00', JP: '2400:4050', BR: '2804:d59', IN: '2409:4040', CA: '2607:fea8', AU: '2001:8003',
};
export const IPV6_SHARE = 0.2;

/** A random address in the IPv6 /32 `prefix` ("a:b"). */
export function pool6Address(r: Rng, prefix: string): string {
  const hextet = (lo: number): string => r.int(lo, 0xffff).toString(16);
  return `${prefix}:${hextet(0x100)}:${hextet(0x100)}::${hextet(1)}`;
}

/** Desktop and mobile browsers (weights). */
export const BROWSERS: readonly (readonly [string, number])[] = [
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 30],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15', 12],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0', 7],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', 6],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', 22],
  ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36', 15],
  ['Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1', 4],
  ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36', 4],
];

/** The backend targets behind the load balancer. */
export const TARGETS: readonly string[] = ['10.0.1.17:8080', '10.0.1.42:8080', '10.0.2.9:8080', '10.0.2.63:8080'];

/** Known crawlers and where they come from. */
export const CRAWLERS: readonly { readonly ua: string; readonly prefix: string }[] = [
  { ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', prefix: '66.249.66' },
  { ua: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', prefix: '40.77.167' },
];

/** The mobile app's HTTP client. */
export const APP_UA = 'ShopApp/5.12.0 (iPhone; iOS 18.1; Scale/3.00) okhttp/4.12.0';
/** The uptime monitor. */
export const MONITOR = { ua: 'curl/8.5.0', ip: '52.5.190.19' };
/** The office NAT: many people behind one address during working hours. */
export const OFFICE_NAT = '81.2.69.142';
