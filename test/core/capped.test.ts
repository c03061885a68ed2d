/**
 * The one eviction policy behind every cap on input-keyed state: keep the heavy hitters exactly, count the rest.
 * A key whose true weight is above maxError is always kept, its weight low by at most maxError; what was evicted is
 * counted; the same sequence gives the same state.
 */
import fc from 'fast-check';
import { CapLog, CappedMap, capMessage } from '../../src/core/capped';
import { DEFAULT_LIMITS, limitsFromEnv, scaleLimits } from '../../src/core/limits';

interface Cell {
  n: number;
}

/** Adds `n` to `key` the way the callers do: get, else add a new cell, then count. */
function bump(m: CappedMap<Cell>, key: string, n = 1): void {
  let c = m.get(key);
  if (c === undefined) {
    c = { n: 0 };
    m.add(key, c);
  }
  c.n += n;
}

const counter = (cap: number, extra: { maxKeyChars?: number; onEvict?: (k: string, c: Cell) => void } = {}): CappedMap<Cell> =>
  new CappedMap<Cell>({ cap, weight: (c) => c.n, ...extra });

describe('CappedMap', () => {
  it('is an ordinary map below its cap', () => {
    const m = counter(10);
    for (const k of ['a', 'b', 'a', 'c', 'a']) bump(m, k);
    expect([...m.entries()].map(([k, c]) => [k, c.n])).toEqual([['a', 3], ['b', 1], ['c', 1]]);
    expect(m.pruned).toBe(false);
    expect(m.stats).toMatchObject({ inserted: 3, evicted: 0, maxError: 0 });
  });

  it('keeps a heavy hitter exactly among a million one-off keys, and counts what it evicted', () => {
    const m = counter(1000);
    let total = 0;
    for (let i = 0; i < 1_000_000; i++) {
      bump(m, `rare-${i}`);
      total++;
      if (i % 50 === 0) {
        bump(m, 'heavy');
        total++;
      }
    }
    expect(m.get('heavy')?.n).toBe(20_000);
    expect(m.size).toBeLessThanOrEqual(1000);
    // Every request is either in a kept cell or in the evicted weight.
    let kept = 0;
    for (const c of m.values()) kept += c.n;
    expect(kept + m.stats.evictedWeight).toBe(total);
    expect(m.stats.evicted + m.size).toBe(m.stats.inserted);
    expect(m.stats.maxCut).toBe(1);
  });

  it('evicts the lightest first, the oldest among equals, and never the entry being added', () => {
    const evicted: string[] = [];
    const m = counter(4, { onEvict: (k) => evicted.push(k) });
    bump(m, 'a', 5);
    bump(m, 'b', 1);
    bump(m, 'c', 1);
    bump(m, 'd', 3);
    bump(m, 'e'); // full: prune to 2 (keep 0.5) before adding e
    expect(evicted).toEqual(['b', 'c']);
    expect([...m.keys()]).toEqual(['a', 'd', 'e']);
    expect(m.stats).toMatchObject({ evicted: 2, evictedWeight: 2, maxError: 1, maxCut: 1, prunes: 1 });
  });

  it('bounds the characters of its keys (a hostile key can be 64 KB)', () => {
    const m = counter(1_000_000, { maxKeyChars: 100_000 });
    for (let i = 0; i < 500; i++) bump(m, `${'x'.repeat(8000)}${i}`);
    bump(m, 'short', 100);
    let chars = 0;
    for (const k of m.keys()) chars += k.length;
    expect(chars).toBeLessThanOrEqual(100_000);
    expect(m.get('short')?.n).toBe(100);
    expect(m.stats.evicted).toBeGreaterThan(400);
  });

  it('is deterministic: the same sequence gives the same entries in the same order', () => {
    const run = (): [string, number][] => {
      const m = counter(64);
      for (let i = 0; i < 20_000; i++) bump(m, `k${(i * 7919) % 1500}`, 1 + (i % 3));
      return [...m.entries()].map(([k, c]) => [k, c.n]);
    };
    expect(run()).toEqual(run());
  });

  it('keeps every key heavier than maxError, low by at most maxError (any sequence)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 5 })), { maxLength: 3000 }), fc.integer({ min: 2, max: 20 }), (ops, cap) => {
        const m = counter(cap);
        const truth = new Map<string, number>();
        for (const [k, n] of ops) {
          const key = `k${k}`;
          bump(m, key, n);
          truth.set(key, (truth.get(key) ?? 0) + n);
        }
        expect(m.size).toBeLessThanOrEqual(cap);
        for (const [key, n] of truth) {
          const kept = m.get(key)?.n;
          if (n > m.stats.maxError) expect(kept).toBeDefined();
          if (kept !== undefined) {
            expect(kept).toBeLessThanOrEqual(n);
            expect(kept).toBeGreaterThanOrEqual(n - m.stats.maxError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('CappedMap memo', () => {
  it('finds keys by reference in front of the map, and never answers with an entry the map no longer holds', () => {
    const m = new CappedMap<Cell>({ cap: 4, weight: (c) => c.n, memo: 4 });
    const plain = counter(4);
    // Keys of one length share a memo slot; keys are rebuilt (other string objects) half of the time.
    const keys = ['ab', 'cd', 'efg', 'hij', 'klmn', 'op', 'qrs'];
    let x = 1;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const k = keys[x % keys.length] as string;
      const key = i % 2 === 0 ? k : [...k].join('');
      bump(m, key, 1 + (x % 3));
      bump(plain, key, 1 + (x % 3));
      if (i % 97 === 0) {
        m.delete(key);
        plain.delete(key);
      }
      if (i % 89 === 0) {
        m.set(key, { n: 5 });
        plain.set(key, { n: 5 });
      }
    }
    expect([...m.entries()].map(([k, c]) => [k, c.n])).toEqual([...plain.entries()].map(([k, c]) => [k, c.n]));
    expect(m.stats).toEqual(plain.stats);
    expect(m.stats.evicted).toBeGreaterThan(0);
    for (const k of keys) expect(m.get(k)).toBe(plain.has(k) ? m.get([...k].join('')) : undefined);
  });
});

describe('cap notes and limits', () => {
  it('a structure says what its cap did, once, and nothing while under it', () => {
    const m = counter(2);
    const log = new CapLog();
    log.watch(() => capMessage('test table', '2 keys', m.stats, 'requests', 'every key above the error is kept'));
    bump(m, 'a');
    expect(log.notes()).toEqual([]);
    for (const k of ['b', 'c', 'd']) bump(m, k);
    expect(log.notes()).toEqual(['test table: capped at 2 keys; 2 evicted (the lightest, each with at most 1 requests when evicted); every key above the error is kept']);
  });

  it('LBUA_CAP_SCALE lowers every cap (tests), never below 2; anything else keeps the defaults', () => {
    expect(limitsFromEnv({})).toBe(DEFAULT_LIMITS);
    expect(limitsFromEnv({ LBUA_CAP_SCALE: 'x' })).toBe(DEFAULT_LIMITS);
    const small = limitsFromEnv({ LBUA_CAP_SCALE: '0.001' });
    expect(small.topKeys).toBe(100);
    expect(small.openSessions).toBe(200);
    expect(scaleLimits(0.000001).families).toBe(2);
  });
});
