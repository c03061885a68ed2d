/** Query strings per path (profile/path-queries.ts): which rows a path gets, bounds, and merges equal one pass. */
import fc from 'fast-check';
import { MAX_QUERIES, MAX_QUERY_CHARS, PathQueries } from '../../src/profile/path-queries';

describe('PathQueries', () => {
  it('splits a path with few queries into its variants with a real share, the rest under the bare path', () => {
    const q = new PathQueries();
    for (let i = 0; i < 60; i++) q.add('/', 'flav=rss20');
    for (let i = 0; i < 30; i++) q.add('/', 'flav=atom');
    q.add('/', 'utm=x');
    // 100 requests of "/": 60 + 30 with those feeds, 1 with a rare query (under 5%), 9 without a query.
    expect(q.split('/', 100).sort()).toEqual([['/', 10], ['/?flav=atom', 30], ['/?flav=rss20', 60]]);
    expect(q.split('/other', 7)).toEqual([['/other', 7]]);
  });

  it('strips the query of a path with more than MAX_QUERIES distinct queries or a very long one', () => {
    const q = new PathQueries();
    for (let i = 0; i <= MAX_QUERIES; i++) q.add('/search', `q=${i}`);
    expect(q.split('/search', 21)).toEqual([['/search', 21]]);
    q.add('/x', 'a'.repeat(MAX_QUERY_CHARS + 1));
    expect(q.toJSON()).toEqual([['/search', null], ['/x', null]]);
  });

  it('merged parts give what one pass gives', () => {
    const item = fc.tuple(fc.constantFrom('/', '/a', '/b'), fc.integer({ min: 0, max: 30 }).map((n) => `q=${n}`));
    fc.assert(fc.property(fc.array(item, { maxLength: 200 }), fc.nat(), (items, cut) => {
      const at = items.length === 0 ? 0 : cut % (items.length + 1);
      const whole = new PathQueries();
      for (const [p, x] of items) whole.add(p, x);
      const [a, b] = [new PathQueries(), new PathQueries()];
      for (const [p, x] of items.slice(0, at)) a.add(p, x);
      for (const [p, x] of items.slice(at)) b.add(p, x);
      a.merge(b.toJSON());
      expect(a.toJSON()).toEqual(whole.toJSON());
    }), { numRuns: 200 });
  });
});
