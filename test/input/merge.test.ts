/**
 * The k-way merge of inputs by time (src/input/merge.ts): the order it emits, when it pulls each input, and the
 * property the worker threads will rely on (an item is emitted when the merged stream's newest timestamp is its
 * own input's newest).
 */
import fc from 'fast-check';
import { mergeByTime, type MergeSource } from '../../src/input/merge';

/** An item: its timestamp, its input and its place in that input. */
interface Item {
  readonly t: number;
  readonly input: number;
  readonly seq: number;
}

/** Inputs as arrays of timestamps, cut into chunks of `chunk`; `pulls` logs each next() as [input, chunk index]. */
function sources(inputs: readonly (readonly number[])[], chunk: number, pulls: [number, number][] = []): MergeSource<Item>[] {
  return inputs.map((times, input) => {
    const items = times.map((t, seq) => ({ t, input, seq }));
    let at = 0;
    let n = 0;
    const finite = times.filter((t) => Number.isFinite(t));
    return {
      // What the ordering pass samples: the earliest of the first few.
      firstMs: Math.min(...finite.slice(0, 3)),
      next: async () => {
        pulls.push([input, n++]);
        if (at >= items.length) return null;
        const c = items.slice(at, at + chunk);
        at += chunk;
        return c;
      },
    };
  });
}

async function merged(inputs: readonly (readonly number[])[], chunk = 2, pulls?: [number, number][]): Promise<Item[]> {
  const out: Item[] = [];
  await mergeByTime(sources(inputs, chunk, pulls), (i) => i.t, (item, source) => {
    expect(source).toBe(item.input);
    out.push(item);
  });
  return out;
}

/** The reference order: each item keyed by its input's newest timestamp so far, stable by (key, input, seq). */
function reference(inputs: readonly (readonly number[])[]): Item[] {
  const keyed = inputs.flatMap((times, input) => {
    let newest = Number.NEGATIVE_INFINITY;
    return times.map((t, seq) => {
      if (t > newest) newest = t;
      return { item: { t, input, seq }, key: newest };
    });
  });
  keyed.sort((a, b) => a.key - b.key || a.item.input - b.item.input || a.item.seq - b.item.seq);
  return keyed.map((k) => k.item);
}

describe('mergeByTime', () => {
  it('interleaves overlapping inputs by time; ties go to the input read first', async () => {
    const out = await merged([[1, 3, 5, 7], [2, 3, 4, 8]]);
    expect(out.map((i) => `${i.t}/${i.input}`)).toEqual(['1/0', '2/1', '3/0', '3/1', '4/1', '5/0', '7/0', '8/1']);
  });

  it('keeps each input\'s order: a record older than its input\'s newest comes right after its predecessor', async () => {
    const out = await merged([[10, 20, 12, 30], [15, 25]]);
    // 12 is older than input 0's 20: it follows 20 at once (key 20), before input 1's 25.
    expect(out.map((i) => i.t)).toEqual([10, 15, 20, 12, 25, 30]);
  });

  it('reads inputs that follow one another exactly one after the other, pulling the next only when the first is done', async () => {
    const pulls: [number, number][] = [];
    const out = await merged([[1, 2, 3, 4, 5], [6, 7, 8], [9, 10]], 2, pulls);
    expect(out.map((i) => i.t)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Input 1 is first pulled after input 0 ended (its 4th pull returned null); input 2 after input 1's end.
    expect(pulls).toEqual([[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [1, 2], [2, 0], [2, 1]]);
  });

  it('pulls an input when the merge reaches its first timestamp, not before, and one chunk at a time', async () => {
    const pulls: [number, number][] = [];
    const order: string[] = [];
    const src = sources([[1, 2, 3, 4, 5, 6], [4, 5]], 2, pulls);
    await mergeByTime(src, (i) => i.t, (item) => order.push(`${item.t}/${item.input}:${pulls.length}`));
    // Input 1 (first 4) is pulled once 3 was emitted and 4 is next: after input 0's 2nd chunk.
    expect(pulls.slice(0, 3)).toEqual([[0, 0], [0, 1], [1, 0]]);
    expect(order).toEqual(['1/0:1', '2/0:1', '3/0:2', '4/0:3', '4/1:4', '5/0:4', '5/1:4', '6/0:5']);
  });

  it('emits items without a usable timestamp (NaN) as they come in their input', async () => {
    const out = await merged([[1, Number.NaN, 5], [2, 3]]);
    expect(out.map((i) => `${i.t}/${i.input}`)).toEqual(['1/0', 'NaN/0', '2/1', '3/1', '5/0']);
  });

  it('skips empty chunks and empty inputs', async () => {
    const src: MergeSource<Item>[] = [
      { firstMs: 1, next: (() => { const cs = [[], [{ t: 1, input: 0, seq: 0 }], [], null]; return async () => cs.shift() ?? null; })() },
      { firstMs: 1, next: async () => null },
      { firstMs: 2, next: (() => { const cs = [[{ t: 2, input: 2, seq: 0 }], null]; return async () => cs.shift() ?? null; })() },
    ];
    const out: Item[] = [];
    await mergeByTime(src, (i) => i.t, (i) => out.push(i));
    expect(out.map((i) => i.t)).toEqual([1, 2]);
  });

  const inputsArb = fc.array(fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 5 })
    // Read order: by first timestamp, as orderInputsByTime gives it.
    .map((xs) => [...xs].sort((a, b) => Math.min(...a.slice(0, 3)) - Math.min(...b.slice(0, 3))));

  it('emits every item once, in each input\'s order, ordered by (input\'s newest so far, read order)', async () => {
    await fc.assert(
      fc.asyncProperty(inputsArb, fc.integer({ min: 1, max: 7 }), async (inputs, chunk) => {
        const out = await merged(inputs, chunk);
        expect(out.length).toBe(inputs.reduce((n, xs) => n + xs.length, 0));
        for (const [input, times] of inputs.entries()) expect(out.filter((i) => i.input === input).map((i) => i.seq)).toEqual(times.map((_, seq) => seq));
        // Where each input's first items hold its sampled first timestamp, this is exactly the reference order.
        if (inputs.every((xs) => (xs[0] ?? 0) === Math.min(...xs.slice(0, 3)))) expect(out).toEqual(reference(inputs));
      }),
      { numRuns: 300 },
    );
  });

  it('emits each item when the stream\'s newest timestamp is its own input\'s newest (lateness is per input)', async () => {
    await fc.assert(
      fc.asyncProperty(inputsArb, fc.integer({ min: 1, max: 7 }), async (inputs, chunk) => {
        // Inputs whose first item is their earliest sampled one (what the bound in merge.ts asks for).
        const fair = inputs.map((xs) => [Math.min(...xs.slice(0, 3)), ...xs]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
        let newest = Number.NEGATIVE_INFINITY;
        const own = fair.map(() => Number.NEGATIVE_INFINITY);
        await mergeByTime(sources(fair, chunk), (i) => i.t, (item) => {
          newest = Math.max(newest, item.t);
          own[item.input] = Math.max(own[item.input] ?? Number.NEGATIVE_INFINITY, item.t);
          expect(own[item.input]).toBe(newest);
        });
      }),
      { numRuns: 300 },
    );
  });
});
