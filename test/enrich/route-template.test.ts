/** Route templating on real-looking paths, user patterns and the cardinality guard. */
import fc from 'fast-check';
import { createPathStore, createRouteTemplater, isStaticAsset, releasePathStore, segmentTemplate, type RouteTemplater } from '../../src/enrich/route-template';
import { getFormat } from '../../src/formats/registry';
import { CORPUS } from '../helpers/corpus';
import { readTextLines } from '../helpers/parse-file';
import { join } from 'node:path';

describe('route templates', () => {
  const t = createRouteTemplater({ patterns: [] });
  it.each([
    ['/api/v1/products/8812', '/api/v1/products/:id'],
    ['/api/v1/users/55555/orders', '/api/v1/users/:id/orders'],
    ['/u/3f2a9c1e-1234-4abc-9def-0123456789ab/profile', '/u/:uuid/profile'],
    ['/blob/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b', '/blob/:hash'],
    ['/reset/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc123XYZ', '/reset/:token'],
    ['/v/AbC9xYz0QwErTy12UiOp', '/v/:token'],
    ['/users/ann@example.com', '/users/:email'],
    ['/users/ann%40example.com/settings', '/users/:email/settings'],
    ['/archive/2024-03-10', '/archive/:date'],
    ['/archive/20240310/index', '/archive/:date/index'],
    ['/static/img/p/3456.jpg', '/static/img/p/:id.jpg'],
    ['/image/60844/productModel/200x200', '/image/:id/productModel/200x200'],
    ['/vmw/vSphere/default/vmkboot.gz', '/vmw/vSphere/default/vmkboot.gz'],
    ['/blog/red-rain-jacket-guide-2024', '/blog/red-rain-jacket-guide-2024'],
    ['/static/js/app.3f9a1c.js', '/static/js/app.3f9a1c.js'],
    ['/wp-login.php', '/wp-login.php'],
    ['/.env', '/.env'],
    ['/', '/'],
    ['/api/v2/orders/-1', '/api/v2/orders/:id'],
    // The first segment, the last, none, or after segments kept as they are; no leading "/"; empty segments.
    ['/8812/reviews', '/:id/reviews'],
    ['/shop/cart/8812', '/shop/cart/:id'],
    ['abc/8812/x', '/:id/x'],
    ['abc/def', '/def'],
    ['', '/'],
    ['/a//b/', '/a//b/'],
    ['/a//8812', '/a//:id'],
    [`/seg${'/x'.repeat(70)}`, `/seg${'/x'.repeat(63)}/…`],
    [`/docs/8812/${'y'.repeat(2100)}`, '/docs/:id/…'],
  ])('%s → %s', (path, route) => {
    expect(t.template(path)).toBe(route);
  });

  it('keeps words and short codes as they are', () => {
    for (const seg of ['products', 'v1', 'en-US', 'p53', 'healthz', 'index.html']) expect(segmentTemplate(seg)).toBeNull();
  });

  it('applies user patterns first', () => {
    const u = createRouteTemplater({ patterns: ['/users/:name/repos', '/files/*'] });
    expect(u.template('/users/octocat/repos')).toBe('/users/:name/repos');
    expect(u.template('/files/a/b/c.txt')).toBe('/files/*');
    expect(u.template('/users/octocat/gists')).toBe('/users/octocat/gists');
  });

  it('collapses a position that explodes and says so', () => {
    const g = createRouteTemplater({ patterns: [], maxDistinct: 100 });
    for (let i = 0; i < 150; i++) g.template(`/shop/item-${'abcdefghij'[i % 10]}${i}x/reviews`);
    expect(g.template('/shop/brand-new-thing/reviews')).toBe('/shop/:var/reviews');
    expect(g.template('/shop/cart')).toBe('/shop/:var');
    expect(g.collapsed()[0]).toMatch(/^\/shop\/:var .*100 distinct/);
  });

  it('recognises static assets by extension', () => {
    expect(isStaticAsset('/static/app.js')).toBe(true);
    expect(isStaticAsset('/favicon.ico')).toBe(true);
    expect(isStaticAsset('/robots.txt')).toBe(true);
    expect(isStaticAsset('/products/12')).toBe(false);
    expect(isStaticAsset('/v1.2/items')).toBe(false);
  });

  (CORPUS ? it : it.skip)('templates the corpus paths into few routes (real 10,000-line Apache log)', () => {
    const lines = readTextLines(join(CORPUS ?? '', 'large', 'elastic-examples__apache_logs.log'));
    const clf = getFormat('clf');
    const c = createRouteTemplater({ patterns: [] });
    const paths = new Set<string>();
    const routes = new Set<string>();
    for (const [i, l] of lines.entries()) {
      const r = clf?.parse(l, { source: { file: 'x', line: i + 1 }, strict: false });
      if (r?.kind !== 'record' || r.record.path === null) continue;
      paths.add(r.record.path);
      routes.add(c.template(r.record.path));
    }
    expect(paths.size).toBeGreaterThan(1000);
    expect(routes.size).toBeLessThan(paths.size);
    expect(c.template('/presentations/logstash-monitorama-2013/images/kibana-search.png')).toBe('/presentations/logstash-monitorama-2013/images/kibana-search.png');
    expect(c.template('/blog/geekery/xvfb-firefox.html')).toBe('/blog/geekery/xvfb-firefox.html');
  });
});

describe('PathStore: a templater per task on one store', () => {
  const SEGS = ['a', 'b', 'c', 'd', 'e', '42', 'x.jpg', 'wp-login.php', '2024-03-10', 'f'];
  const path = fc.array(fc.constantFrom(...SEGS), { minLength: 1, maxLength: 4 }).map((segs) => `/${segs.join('/')}`);
  const tasks = fc.array(fc.array(path, { maxLength: 60 }), { minLength: 1, maxLength: 5 });
  /** Small enough that caches fill, positions collapse and parents are refused. */
  const bounds = { cacheSize: 6, maxChars: 70, maxParents: 4 };
  const seen = (t: RouteTemplater, paths: readonly string[]): unknown => ({
    entries: paths.map((p) => {
      const e = t.entry(p);
      return [e.path, e.route, e.cls, e.id, e.isStatic, e.exploit];
    }),
    guard: t.toJSON(),
    cap: t.capNote(),
    collapsed: t.collapsed(),
  });

  it('gives every task what a templater with a cache of its own gives: routes, path facts, guard, cap counts', () => {
    fc.assert(
      fc.property(tasks, (ts) => {
        const store = createPathStore();
        for (const paths of ts) {
          const own = createRouteTemplater({ patterns: [], maxDistinct: 2 }, bounds);
          const onStore = createRouteTemplater({ patterns: [], maxDistinct: 2 }, bounds, undefined, store);
          expect(seen(onStore, paths)).toEqual(seen(own, paths));
          releasePathStore(store);
          expect(store.cache.size).toBeLessThanOrEqual(bounds.cacheSize);
        }
      }),
      { numRuns: 300 },
    );
  });
});
