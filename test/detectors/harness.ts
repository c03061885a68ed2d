/**
 * Detector unit-test harness: seeded background traffic plus injected behaviour, fed in event-time order through
 * the session stitcher and one detector (via the real detector stage, so options, ids and ordering are the
 * production ones).
 */
import type { EnrichedRecord, GeoInfo } from '../../src/enrich/types';
import type { ReportFinding } from '../../src/report/types';
import { createDetectorStage } from '../../src/detect/stage';
import { createStitcher } from '../../src/sessions/stitcher';
import { rec, T0 } from '../helpers/records';

export { T0 };

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const MINUTE = 60_000;

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
];
const PAGES = ['/', '/products/17', '/products/42', '/search', '/cart', '/api/v1/products/17', '/api/v1/cart', '/static/app.js', '/static/site.css'];
const COUNTRIES: readonly [string, number][] = [['US', 7922], ['DE', 3320], ['GB', 5607], ['FR', 3215], ['BR', 28573], ['IN', 55836]];

/** Geo info for a country/ASN pair. */
export function geo(country: string, asn: number): GeoInfo {
  return { country, asn, asOrg: null, city: null, region: null, network: 'residential', special: null };
}

/** Options of background traffic. */
export interface Background {
  readonly minutes: number;
  /** Distinct clients (spread over /24s of 10.x public-looking ranges). */
  readonly clients?: number;
  /** Mean requests per client per minute. */
  readonly perClientPerMinute?: number;
  readonly seed?: number;
  /** Latency in ms (default 20–60). */
  readonly latency?: (r: () => number, minute: number) => number;
  /** Attach geo (country/ASN per client). */
  readonly withGeo?: boolean;
}

/**
 * Ordinary traffic: `clients` browsers, each making about `perClientPerMinute` requests a minute to a handful of
 * pages and assets, 1% 404s, latency 20–60 ms.
 */
export function background(o: Background): EnrichedRecord[] {
  const r = prng(o.seed ?? 1);
  const clients = o.clients ?? 150;
  const per = o.perClientPerMinute ?? 2;
  const out: EnrichedRecord[] = [];
  for (let c = 0; c < clients; c++) {
    const ip = `81.${10 + (c % 7)}.${Math.floor(c / 7) % 250}.${1 + (c % 250)}`;
    const ua = BROWSERS[c % BROWSERS.length] ?? '';
    const [country, asn] = COUNTRIES[c % COUNTRIES.length] ?? ['US', 7922];
    for (let m = 0; m < o.minutes; m++) {
      const n = Math.floor(per * 2 * r() + 0.5);
      for (let k = 0; k < n; k++) {
        const path = PAGES[Math.floor(r() * PAGES.length)] ?? '/';
        out.push(rec(m * MINUTE + Math.floor(r() * MINUTE), {
          clientIp: ip, userAgent: ua, path, route: path.replace(/\/\d+$/, '/:id'), endpoint: `GET ${path.replace(/\/\d+$/, '/:id')}`,
          status: r() < 0.01 ? 404 : 200, durationMs: o.latency ? o.latency(r, m) : 20 + Math.floor(r() * 40),
          ...(o.withGeo ? { geo: geo(country, asn) } : {}),
        }));
      }
    }
  }
  return out;
}

/** `perMinute` requests a minute for `minutes` minutes from `startMinute`, built by `make(i, offsetMs)`. */
export function steady(startMinute: number, minutes: number, perMinute: number, make: (i: number, offsetMs: number) => EnrichedRecord): EnrichedRecord[] {
  const out: EnrichedRecord[] = [];
  const total = minutes * perMinute;
  for (let i = 0; i < total; i++) out.push(make(i, startMinute * MINUTE + Math.floor((i * MINUTE) / perMinute)));
  return out;
}

/** Runs one detector (with option overrides) over the records in time order; returns its report findings. */
export function detect(id: string, records: readonly EnrichedRecord[], opts: { overrides?: Record<string, number>; geo?: boolean; evidenceLimit?: number } = {}): ReportFinding[] {
  const overrides: Record<string, number> = {};
  for (const [k, v] of Object.entries(opts.overrides ?? {})) overrides[`${id}.${k}`] = v;
  const stage = createDetectorStage({ only: [id], disabled: [], overrides, evidenceLimit: opts.evidenceLimit ?? 5 }, opts.geo ?? false);
  const stitcher = createStitcher({ timeoutMs: 30 * MINUTE, key: 'ip+ua' });
  const sorted = [...records].sort((a, b) => a.startMs - b.startMs);
  sorted.forEach((r, i) => {
    const withLine = { ...r, source: { file: 'test.log', line: i + 1 } };
    stage.observe(withLine);
    for (const s of stitcher.push(withLine)) stage.observeSession(s);
  });
  for (const s of stitcher.flush()) stage.observeSession(s);
  return stage.finish();
}

/** Minute offset → ISO time. */
export function at(minute: number): string {
  return new Date(T0 + minute * MINUTE).toISOString();
}

/** True when the finding's window overlaps [fromMinute, toMinute). */
export function overlaps(f: ReportFinding, fromMinute: number, toMinute: number): boolean {
  return Date.parse(f.window.start) < T0 + toMinute * MINUTE && T0 + fromMinute * MINUTE < Date.parse(f.window.end);
}

export { rec };
