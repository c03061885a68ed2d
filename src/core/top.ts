import { detach } from './text';

/**
 * Bounded heavy-hitter counter. Exact while the number of distinct keys stays under `capacity`; beyond that it
 * prunes the least frequent keys (Misra–Gries style), so memory is bounded and every key with a share above
 * 1/capacity is still counted, with counts low by at most the pruned amount (reported as `maxError`).
 */
export class TopCounter {
  private readonly counts = new Map<string, number>();
  /** Upper bound of the undercount of any key, after pruning. */
  maxError = 0;

  constructor(private readonly capacity = 100_000) {}

  /** Adds `n` (default 1) to `key`. */
  add(key: string, n = 1): void {
    const c = this.counts.get(key);
    if (c !== undefined) {
      this.counts.set(key, c + n);
      return;
    }
    this.counts.set(detach(key), n);
    if (this.counts.size > this.capacity) this.prune();
  }

  /** Number of distinct keys currently held. */
  get size(): number {
    return this.counts.size;
  }

  /** True once pruning happened (counts are then lower bounds). */
  get approximate(): boolean {
    return this.maxError > 0;
  }

  /** Count for one key (0 when absent). */
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** The top `n` keys by count, ties broken by key (deterministic). */
  top(n: number): [string, number][] {
    return [...this.counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, n);
  }

  /** All entries (unsorted). */
  entries(): IterableIterator<[string, number]> {
    return this.counts.entries();
  }

  private prune(): void {
    const sorted = [...this.counts.values()].sort((a, b) => a - b);
    const cut = sorted[Math.floor(sorted.length / 2)] ?? 1;
    for (const [k, c] of this.counts) {
      if (c <= cut) this.counts.delete(k);
    }
    this.maxError += cut;
  }
}
