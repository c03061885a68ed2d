/**
 * The enricher swaps the parsed address, agent, path, host and backend for the cached standalone copies it keeps
 * (EnrichedRecord): the values must come out exactly as parsed, through its last-value shortcuts and its caches.
 * (That the copies are shared objects cannot be observed from JavaScript; the bench measures what it saves.)
 * Records come from the real ALB parser, so every field starts as a slice of its own line.
 */
import { createEnricher } from '../../src/enrich/index';
import alb from '../../src/formats/alb';
import type { LogRecord } from '../../src/core/types';
import { recordToJson } from '../../src/core/record-json';

const line = (ip: string, path: string, ua: string): string =>
  `https 2026-03-10T09:00:00.100000Z app/shop/50dc6c495c0c9188 ${ip}:41000 10.0.1.17:8080 0.000 0.020 0.000 200 200 300 5000 "GET https://shop.example.com:443${path} HTTP/1.1" "${ua}" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop/73e2d6bc24d8a067 "Root=1-1" "shop.example.com" "-" 1 2026-03-10T09:00:00.080000Z "forward" "-" "-" "10.0.1.17:8080" "200" "-" "-"`;

function parse(text: string, n: number): LogRecord {
  const r = alb.parse(text, { source: { file: 't.log', line: n }, strict: false });
  if (r.kind !== 'record') throw new Error(`not a record: ${JSON.stringify(r)}`);
  return r.record;
}

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe('createEnricher: shared standalone strings', () => {
  it('gives back exactly the parsed values whatever the order values repeat in (last-value and cache paths)', () => {
    const enrich = createEnricher({ routes: { patterns: [] }, geo: null });
    const ips = ['198.51.100.20', '198.51.100.99', '2001:db8::7'];
    const paths = ['/api/v1/products/8812', '/cart', '/static/app.js', '/api/v1/products/17'];
    const agents = [CHROME, 'curl/8.5.0'];
    for (let i = 0; i < 60; i++) {
      // Runs of equal values (the last-value fast path) and alternations (the caches).
      const ip = ips[Math.floor(i / 4) % ips.length] ?? '';
      const path = paths[(i * 7) % paths.length] ?? '';
      const ua = agents[Math.floor(i / 3) % agents.length] ?? '';
      const r = parse(line(ip, path, ua), i + 1);
      const e = enrich(r);
      expect([e.clientIp, e.path, e.userAgent, e.host, e.backend]).toEqual([ip, path, ua, 'shop.example.com', '10.0.1.17:8080']);
      expect(e.route).toBe(path.startsWith('/api/v1/products/') ? '/api/v1/products/:id' : path);
      expect(e.endpoint).toBe(`GET ${e.route}`);
      expect(e.agent.family).toBe(ua === CHROME ? 'Chrome' : 'curl');
      expect(e.isStatic).toBe(path.endsWith('.js'));
    }
  });

  it('changes no parsed value, and null stays null', () => {
    const enrich = createEnricher({ routes: { patterns: [] }, geo: null });
    const r = parse(line('2001:db8::7', '/static/app.js', CHROME), 1);
    // A copy of the values as parsed: enrich fills the parser's record in place.
    const parsed: Record<string, unknown> = { ...r };
    const e = enrich(r);
    expect(e).toBe(r);
    for (const [k, v] of Object.entries(parsed)) if (v !== undefined) expect((e as unknown as Record<string, unknown>)[k]).toEqual(v);
    expect(recordToJson(e)).toEqual(recordToJson(parsed as unknown as LogRecord));
    const bare: LogRecord = { ...r, clientIp: null, userAgent: null, path: null, host: null, backend: null };
    const eb = enrich(bare);
    expect([eb.clientIp, eb.userAgent, eb.path, eb.host, eb.backend]).toEqual([null, null, null, null, null]);
    // No path: no route and no endpoint, not a made-up "GET /".
    expect(eb.route).toBe('-');
    expect(eb.endpoint).toBe('-');
    expect(eb.isStatic).toBe(false);
    expect(eb.agent.family).toBe('none');
    expect(eb.geo).toBeNull();
  });

  it('fills a parsed record in place, and copies a record built elsewhere (leaving it as it was), with the same values', () => {
    const enrich = createEnricher({ routes: { patterns: [] }, geo: null });
    const text = line('198.51.100.20', '/api/v1/products/8812?x=1', CHROME);
    // A record built outside the parsers: the LogRecord fields alone, frozen so a write to it would throw.
    const parsed = parse(text, 7);
    // JSON keeps no undefined slot: the copy has the LogRecord fields alone.
    const bare: LogRecord = Object.freeze(JSON.parse(JSON.stringify(parsed)) as LogRecord);
    expect(Object.hasOwn(bare, 'route')).toBe(false);
    const fromPlain = enrich(bare);
    expect(fromPlain).not.toBe(bare);
    expect(Object.hasOwn(bare, 'route')).toBe(false);
    expect(bare).toStrictEqual(JSON.parse(JSON.stringify(parsed)));
    const r = parse(text, 7);
    const e = enrich(r);
    expect(e).toBe(r);
    expect(Object.keys(fromPlain)).toEqual(Object.keys(e));
    expect({ ...fromPlain }).toStrictEqual({ ...e });
    expect(e.route).toBe('/api/v1/products/:id');
    expect(e.pathId).toBe(8812);
  });
});

describe('createEnricher: cached entries on the record', () => {
  it('hands on the path and agent entries it looked up: one object per distinct value, null when the record has none', () => {
    const enrich = createEnricher({ routes: { patterns: [] }, geo: null });
    const seen = new Map<string, unknown>();
    for (let i = 0; i < 40; i++) {
      const path = ['/api/v1/products/8812', '/cart', '/api/v1/products/17'][i % 3] ?? '';
      const ua = i % 2 === 0 ? CHROME : 'curl/8.5.0';
      const e = enrich(parse(line('198.51.100.20', path, ua), i + 1));
      expect(e.pathEntry?.path).toBe(path);
      expect(e.pathEntry?.route).toBe(e.route);
      expect(e.agentEntry?.ua).toBe(ua);
      expect(e.agentEntry?.info).toBe(e.agent);
      for (const [k, v] of [[`p ${path}`, e.pathEntry], [`a ${ua}`, e.agentEntry]] as const) {
        if (!seen.has(k)) seen.set(k, v);
        expect(v).toBe(seen.get(k));
      }
    }
    expect(seen.get('p /cart')).not.toBe(seen.get('p /api/v1/products/17'));
    const bare = enrich({ ...parse(line('198.51.100.20', '/cart', CHROME), 1), path: null, userAgent: null });
    expect(bare.pathEntry).toBeNull();
    expect(bare.agentEntry).toBeNull();
  });
});
