/**
 * The burst judge's baselines (CappedNumbers, src/detect/burst.ts) keep what a CappedMap of boxed numbers kept:
 * the same keys, numbers and insertion order, the same cap figures, when the cap evicts again and again.
 */
import { CappedMap } from '../../src/core/capped';
import { CappedNumbers } from '../../src/detect/burst';

describe('CappedNumbers', () => {
  it('evicts, reuses ids and serializes exactly as a capped map of boxes', () => {
    const cap = 50;
    const numbers = new CappedNumbers(cap);
    const boxes = new CappedMap<{ v: number }>({ cap, weight: (b) => b.v });
    // A deterministic stream of keys (a few hundred distinct, some coming back after eviction) and updates.
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const key = `10.0.${x % 7}.${(x >> 8) % 60}`;
      const v = (x >> 4) % 400;
      const id = numbers.id(key);
      const box = boxes.get(key);
      expect(id >= 0).toBe(box !== undefined);
      if (box !== undefined) {
        expect(numbers.value(id)).toBe(box.v);
        const next = box.v * 0.8 + v * 0.2;
        box.v = next;
        numbers.set(id, next);
      } else {
        boxes.add(key, { v });
        numbers.add(key, v);
      }
    }
    expect(boxes.stats.evicted).toBeGreaterThan(100);
    expect(numbers.toJSON()).toEqual({ entries: [...boxes.entries()].map(([k, b]) => [k, b.v]), stats: boxes.stats });
  });
});
