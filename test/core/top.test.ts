/**
 * TopCounter.addAt / addToCell (counting into a cell a cached entry keeps) against add() alone: the same sequence of
 * keys gives the same counter — entries, evictions, error bounds, top rows, and which adds found the key new — under
 * caps small enough that pruning happens all the time, with entries shared between counters and slots misused.
 */
import fc from 'fast-check';
import { TopCounter, type TopCell, type TopSlot } from '../../src/core/top';
import { LONG_KEY_CHARS } from '../../src/core/text';

/** Keys: a few heavy, many rare, some longer than LONG_KEY_CHARS (counted under their long key). */
const keyOf = (i: number): string => (i % 17 === 16 ? `${'L'.repeat(LONG_KEY_CHARS)}${i}` : `k${i}`);

const state = (t: TopCounter): unknown => ({ json: t.toJSON(), size: t.size, maxError: t.maxError, stats: t.stats, top: t.top(5) });

describe('TopCounter cells kept on cached entries', () => {
  it('addAt counts exactly as add, pruned or not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 60 })), { minLength: 1, maxLength: 600 }),
        fc.integer({ min: 2, max: 12 }),
        fc.boolean(),
        (seq, cap, copyKeys) => {
          const plain = new TopCounter(cap, copyKeys, 40 * cap + 2 * LONG_KEY_CHARS);
          const slotted = new TopCounter(cap, copyKeys, 40 * cap + 2 * LONG_KEY_CHARS);
          // A second counter sharing the same entries: the slots go back and forth between the two.
          const other = new TopCounter(cap, copyKeys);
          const otherPlain = new TopCounter(cap, copyKeys);
          const slots = new Map<number, TopSlot>();
          const newPlain: boolean[] = [];
          const newSlotted: boolean[] = [];
          seq.forEach((i, step) => {
            const key = keyOf(i);
            let slot = slots.get(i);
            if (slot === undefined) {
              slot = { top: null };
              slots.set(i, slot);
            }
            const n = 1 + (step % 3);
            newPlain.push(plain.add(key, n));
            newSlotted.push(slotted.addAt(slot, key, n));
            if (step % 5 === 0) {
              other.addAt(slot, key);
              otherPlain.add(key);
            }
          });
          expect(newSlotted).toEqual(newPlain);
          expect(state(slotted)).toEqual(state(plain));
          expect(state(other)).toEqual(state(otherPlain));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a slot given another key is not counted into (the key decides, not the slot)', () => {
    const plain = new TopCounter(4);
    const slotted = new TopCounter(4);
    const shared: TopSlot = { top: null };
    for (let i = 0; i < 200; i++) {
      const key = `k${(i * 7) % 9}`;
      plain.add(key);
      slotted.addAt(shared, key);
    }
    expect(slotted.toJSON()).toEqual(plain.toJSON());
    expect(plain.stats.evicted).toBeGreaterThan(0);
  });

  it('a cell evicted by the cap is not counted into; the key comes back as new', () => {
    const t = new TopCounter(2, false);
    const a: TopSlot = { top: null };
    expect(t.addAt(a, 'a')).toBe(true);
    const cell = a.top as TopCell;
    expect(cell.owner).toBe(t);
    for (let i = 0; i < 3; i++) t.add(`b${i}`, 5);
    // 'a' (count 1) was the lightest when the cap pruned.
    expect(cell.owner).toBeNull();
    expect(t.addToCell(cell)).toBe(false);
    expect(t.addAt(a, 'a')).toBe(true);
    expect(a.top).not.toBe(cell);
    expect(t.get('a')).toBe(1);
  });

  it('addToCell counts a key kept under a caller-made key (error paths: "<status> <path>") as add does', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom(404, 500, 503)), { maxLength: 400 }), fc.integer({ min: 2, max: 8 }), (seq, cap) => {
        const plain = new TopCounter(cap);
        const slotted = new TopCounter(cap);
        const entries = new Map<number, { status: number; cell: TopCell | null }>();
        for (const [p, st] of seq) {
          const key = `${st} /p/${p}`;
          plain.add(key);
          let e = entries.get(p);
          if (e === undefined) {
            e = { status: 0, cell: null };
            entries.set(p, e);
          }
          if (e.status !== st || !slotted.addToCell(e.cell)) {
            slotted.add(key);
            e.status = st;
            e.cell = slotted.lastAdded;
          }
        }
        expect(state(slotted)).toEqual(state(plain));
      }),
      { numRuns: 200 },
    );
  });

  it('merge and JSON of a counter counted through cells equal those of one counted by add', () => {
    const plain = new TopCounter(50);
    const slotted = new TopCounter(50);
    const slots = Array.from({ length: 300 }, (): TopSlot => ({ top: null }));
    for (let i = 0; i < 5000; i++) {
      const k = i % 4 === 0 ? (i * 7) % 300 : i % 20;
      plain.add(`p${k}`);
      slotted.addAt(slots[k] as TopSlot, `p${k}`);
    }
    const a = TopCounter.fromJSON(plain.toJSON(), 50);
    const b = TopCounter.fromJSON(slotted.toJSON(), 50);
    a.merge(plain.snapshot());
    b.merge(slotted.snapshot());
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(plain.stats.prunes).toBeGreaterThan(0);
  });
});

describe('TopCounter.snapshotOfJSON', () => {
  /** The chain it stands for: fromJSON, then `hops` - 1 fresh counters each merging the previous one's snapshot. */
  const chain = (j: ReturnType<TopCounter['toJSON']>, cap: number, chars: number, hops: number): TopCounter => {
    let t = TopCounter.fromJSON(j, cap, true, chars);
    for (let i = 1; i < hops; i++) {
      const next = new TopCounter(cap, true, chars);
      next.merge(t.snapshot());
      t = next;
    }
    return t;
  };
  /** A pruned part (cap 40, 600 characters of keys), counted with long keys among the rest. */
  const part = (): TopCounter => {
    const t = new TopCounter(40, true, 600);
    for (let i = 0; i < 3000; i++) t.add(keyOf(i % 7 === 0 ? i % 90 : i % 13));
    return t;
  };

  it('merged into a counter, equals the chain it stands for: same entries in the same order, bounds and cap statistics', () => {
    const j = part().toJSON();
    expect(j.prunes).toBeGreaterThan(0);
    // Caps the part's entries fit (read directly) and caps they do not (entries, characters: built through counters).
    for (const [cap, chars] of [[40, 600], [1000, Number.POSITIVE_INFINITY], [10, 600], [40, 100]] as const) {
      for (const hops of [1, 2]) {
        const direct = new TopCounter(cap, true, chars);
        const viaChain = new TopCounter(cap, true, chars);
        direct.add('k1', 5);
        viaChain.add('k1', 5);
        direct.merge(TopCounter.snapshotOfJSON(j, cap, true, chars, hops));
        viaChain.merge(chain(j, cap, chars, hops).snapshot());
        expect([...direct.entries()]).toEqual([...viaChain.entries()]);
        expect(state(direct)).toEqual(state(viaChain));
      }
    }
  });
});
