/** A binary min-heap keyed by a number (event time), for the traffic simulator. */
export class MinHeap<T> {
  private readonly keys: number[] = [];
  private readonly items: T[] = [];

  /** Number of queued items. */
  get size(): number {
    return this.items.length;
  }

  /** Smallest key, or Infinity when empty. */
  peekKey(): number {
    return this.keys[0] ?? Number.POSITIVE_INFINITY;
  }

  /** Adds an item. */
  push(key: number, item: T): void {
    this.keys.push(key);
    this.items.push(item);
    let i = this.keys.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((this.keys[p] ?? 0) <= key) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Removes and returns the item with the smallest key. */
  pop(): T | undefined {
    const top = this.items[0];
    const lastKey = this.keys.pop();
    const lastItem = this.items.pop();
    if (this.items.length > 0 && lastKey !== undefined && lastItem !== undefined) {
      this.keys[0] = lastKey;
      this.items[0] = lastItem;
      let i = 0;
      const n = this.keys.length;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < n && (this.keys[l] ?? 0) < (this.keys[m] ?? 0)) m = l;
        if (r < n && (this.keys[r] ?? 0) < (this.keys[m] ?? 0)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  private swap(a: number, b: number): void {
    const k = this.keys[a] ?? 0;
    this.keys[a] = this.keys[b] ?? 0;
    this.keys[b] = k;
    const t = this.items[a];
    const u = this.items[b];
    if (t !== undefined && u !== undefined) {
      this.items[a] = u;
      this.items[b] = t;
    }
  }
}
