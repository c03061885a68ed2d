/** The before/after state of --change-at: its caps say when they were reached (CAP_REACHED), and merge keeps it. */
import { ChangeAggregate, CHANGE_KEYS, OTHER } from '../../src/aggregate/change';
import { rec, T0 } from '../helpers/records';

const window = { atMs: T0 + 3_600_000, windowMs: 3_600_000 };

describe('ChangeAggregate caps', () => {
  it('has no cap note below the cap, and one naming endpoints once a window held more', () => {
    const a = new ChangeAggregate(window);
    for (let i = 0; i < 100; i++) a.observe(rec(i * 1000, { endpoint: `GET /p${i}` }));
    expect(a.capNote()).toBeNull();
    for (let i = 0; i < CHANGE_KEYS + 10; i++) a.observe(rec(3_600_000 + (i % 3_000) * 1000, { endpoint: `GET /q${i}` }));
    expect(a.sides[1].endpoints.has(OTHER)).toBe(true);
    expect(a.sides[0].endpoints.has(OTHER)).toBe(false);
    expect(a.capNote()).toBe(`change: more than 5,000 endpoints in a window around --change-at; later ones count under "(other)"`);
    // Records outside both windows count nowhere.
    const b = new ChangeAggregate(window);
    for (let i = 0; i < CHANGE_KEYS + 10; i++) b.observe(rec(3 * 3_600_000 + i, { endpoint: `GET /r${i}` }));
    expect(b.sides[0].requests + b.sides[1].requests).toBe(0);
    expect(b.capNote()).toBeNull();
    // A shard's OTHER survives the merge: the merged state says so too.
    const c = new ChangeAggregate(window);
    c.merge(a.toJSON());
    expect(c.capNote()).toBe(a.capNote());
  });
});
