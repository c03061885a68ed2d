/**
 * Reading inputs that overlap in time merged by time: a k-way merge over the inputs' record streams. Two servers'
 * logs of the same hours read one after the other would make every record of the second older than everything the
 * first already showed (late for the session stitcher, dropped by detectors whose minutes already closed); merged,
 * the stages see one stream in time order, as if the logs had been one file.
 *
 * Each input comes as chunks of items (a parsed batch of lines: one chunk buffered per active input, so memory is
 * bounded by the number of inputs that overlap, not their size). The merge emits the head item with the smallest
 * key; ties go to the input read first. An input joins (its first chunk is pulled) when the merge reaches its first
 * timestamp, or when no input is active; inputs are given in read order, so their first timestamps ascend and they
 * join in that order. Inputs that follow one another in time never have two active at once: their items come out
 * exactly in the order a read one after another gives, a whole run at a time (the fast path below).
 *
 * Within one input, items keep their order. An item's key is the newest timestamp of its input so far (its own
 * when it is newer): an item older than its input's newest is emitted as it comes, right after its predecessor,
 * never held back or moved ahead of it. Keys ascend within each input, so the merge emits keys in ascending order,
 * and this holds:
 *
 *   when an item of input S is emitted, the newest timestamp emitted so far (over all inputs) equals S's own
 *   newest timestamp so far.
 *
 * So an item is "late" (older than the newest seen less a lateness allowance) in the merged stream exactly when it
 * is late within its own input, whatever the other inputs hold: a stage that reads whole inputs separately (a
 * worker thread per input) closes the same minutes and sessions as late as the merged read would, and its results
 * can be merged exactly. One bound: S's first item joins at S's first timestamp as sampled before reading (the
 * caller's `firstMs`); an input whose first emitted item is older than that (an out-of-order record beyond its
 * sampled first lines) can meet a newer stream than its own for that item. Items without a usable timestamp (NaN)
 * take their input's newest as key, so they too are emitted as they come.
 */

/** One input of the merge, in read order. */
export interface MergeSource<T> {
  /** The earliest timestamp of its first items, known before it is read: the merge pulls its first chunk when it gets there. */
  readonly firstMs: number;
  /** The input's next chunk of items, in the input's order (an empty one is skipped), or null after the last. */
  next(): Promise<readonly T[] | null>;
}

/** An input that has joined: its current chunk and where its head is. */
interface Active<T> {
  readonly index: number;
  readonly source: MergeSource<T>;
  items: readonly T[];
  pos: number;
  /** Newest timestamp emitted from this input (-Infinity before its first). */
  newest: number;
  /** The head's key: max(newest, the head's timestamp). */
  key: number;
}

/** True when `a`'s head comes before `b`'s: smaller key, or the same key and read first. */
function before<T>(a: Active<T>, b: Active<T>): boolean {
  return a.key < b.key || (a.key === b.key && a.index < b.index);
}

/** The active inputs, a binary min-heap by (key, read order). */
class Heads<T> {
  readonly heap: Active<T>[] = [];

  push(a: Active<T>): void {
    const h = this.heap;
    h.push(a);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as Active<T>;
      if (!before(a, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = a;
  }

  /** Restores the order after the top's key grew. */
  siftTop(): void {
    const h = this.heap;
    const n = h.length;
    const a = h[0];
    if (a === undefined) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const left = h[l] as Active<T>;
      const right = h[r];
      const c = right !== undefined && before(right, left) ? right : left;
      if (!before(c, a)) break;
      h[i] = c;
      i = c === left ? l : r;
    }
    h[i] = a;
  }

  popTop(): void {
    const last = this.heap.pop();
    if (last !== undefined && this.heap.length > 0) {
      this.heap[0] = last;
      this.siftTop();
    }
  }

  /** The input whose head is next after the top's, if any (the smaller child of the root). */
  second(): Active<T> | undefined {
    const l = this.heap[1];
    const r = this.heap[2];
    return r !== undefined && l !== undefined && before(r, l) ? r : l;
  }
}

/**
 * Emits the items of `sources` (in read order) merged by time, as described above; `emit` gets each item and the
 * index of its source. Resolves when every source is exhausted.
 */
export async function mergeByTime<T>(sources: readonly MergeSource<T>[], timeOf: (item: T) => number, emit: (item: T, source: number) => void): Promise<void> {
  const heads = new Heads<T>();
  /** Pulls chunks until one has an item (then sets the head's key) or the source ends. */
  const fill = async (a: Active<T>): Promise<boolean> => {
    for (let chunk = await a.source.next(); chunk !== null; chunk = await a.source.next()) {
      const head = chunk[0];
      if (head === undefined) continue;
      a.items = chunk;
      a.pos = 0;
      const t = timeOf(head);
      a.key = t > a.newest ? t : a.newest;
      return true;
    }
    return false;
  };
  const join = async (index: number, source: MergeSource<T>): Promise<void> => {
    const a: Active<T> = { index, source, items: [], pos: 0, newest: Number.NEGATIVE_INFINITY, key: Number.NEGATIVE_INFINITY };
    if (await fill(a)) heads.push(a);
  };
  let waiting = 0;
  for (;;) {
    const top = heads.heap[0];
    const pending = sources[waiting];
    if (top === undefined) {
      if (pending === undefined) return;
      await join(waiting++, pending);
      continue;
    }
    if (pending !== undefined && pending.firstMs <= top.key) {
      await join(waiting++, pending);
      continue;
    }
    // The fast path: emit the top input's items for as long as its head stays first (all of them while it is the
    // only active input and the next one's first timestamp is not reached), then let the heap choose again.
    const joinAt = pending === undefined ? Number.POSITIVE_INFINITY : pending.firstMs;
    const second = heads.second();
    const items = top.items;
    const n = items.length;
    let pos = top.pos;
    let key = top.key;
    for (;;) {
      emit(items[pos] as T, top.index);
      top.newest = key;
      if (++pos === n) break;
      const t = timeOf(items[pos] as T);
      if (t > key) key = t;
      if (key >= joinAt) break;
      if (second !== undefined && (key > second.key || (key === second.key && top.index > second.index))) break;
    }
    top.pos = pos;
    top.key = key;
    if (pos === n && !(await fill(top))) heads.popTop();
    else heads.siftTop();
  }
}
