/**
 * Merging windows that shards closed: the main thread's side of a run sharded by data whose judge reads closed
 * windows while the run goes (the burst judge reads minutes).
 *
 * Each shard counts whole inputs, closes its windows locally (a window it closed gets nothing more from its inputs:
 * aggregate/entity-minutes.ts says why) and posts them with its watermark, the window up to which it has closed, and
 * at its end `done`. The merger adds the parts of the same window from every shard (`WindowParts.add`) and releases
 * a window, in window order, once every shard still running has passed it (a shard that is done holds nothing back;
 * a shard that has posted no watermark yet holds back everything). Parts come in any interleaving of the shards'
 * posts; the merged window depends on which parts were added (and, where `add` is order-sensitive, on their order:
 * shard by shard as posted), never on timing beyond that.
 *
 * Memory: the windows posted and not yet released, i.e. those after the slowest running shard's watermark, up to
 * the fastest shard's latest closed window: with shards of inputs that overlap in time and one lateness, about the
 * shards' spread in time (a shard whose inputs start later holds back the others' windows until it starts). Nothing
 * is kept once a window is released.
 */

/** What a shard posts: the windows it closed since its last post and how far it has closed. */
export interface ShardPost<C> {
  readonly shard: number;
  /** Windows closed since the shard's previous post, in increasing order. */
  readonly windows: readonly C[];
  /** Every window up to this one is closed on the shard (null while none is). */
  readonly watermark: number | null;
  /** Records the shard dropped for coming after their window was closed, so far (a running total). */
  readonly late: number;
  /** The shard has read all its inputs and closed everything. */
  readonly done: boolean;
}

/** How a merger handles one kind of window: `C` the part a shard posts, `T` the merged window. */
export interface WindowParts<C, T> {
  /** The window (minute) a part belongs to. */
  minuteOf(part: C): number;
  /** A new, empty merged window. */
  open(minute: number): T;
  /** Adds a shard's part into the merged window. */
  add(into: T, part: C): void;
  /** Hands a complete window over (in increasing order); it is not used afterwards. */
  release(minute: number, window: T): void;
}

export class WindowMerger<C, T> {
  private readonly held = new Map<number, T>();
  private readonly watermarks: (number | null)[];
  private readonly running: boolean[];
  private readonly lates: number[];
  /** The last window released. */
  private released = Number.NEGATIVE_INFINITY;
  /** The most windows held at once. */
  peakHeld = 0;

  /**
   * `initial`: each shard's watermark before its first post (default null: it holds back everything until it posts);
   * a shard not started yet can close nothing before its first record's window less the lateness.
   */
  constructor(shards: number, private readonly parts: WindowParts<C, T>, initial?: readonly (number | null)[]) {
    this.watermarks = Array.from({ length: shards }, (_, i) => initial?.[i] ?? null);
    this.running = Array.from({ length: shards }, () => true);
    this.lates = Array.from({ length: shards }, () => 0);
  }

  /** Adds a shard's post and releases every window all running shards have passed. */
  post(p: ShardPost<C>): void {
    if (!(this.running[p.shard] ?? false)) throw new Error(`window merger: shard ${p.shard} is unknown or done`);
    const mark = this.watermarks[p.shard] ?? null;
    if (p.watermark !== null && mark !== null && p.watermark < mark) throw new Error(`window merger: shard ${p.shard}'s watermark went back`);
    for (const part of p.windows) {
      const m = this.parts.minuteOf(part);
      // A shard closes a window once: nothing of it can come after it was released.
      if (m <= this.released || (mark !== null && m <= mark)) throw new Error(`window merger: shard ${p.shard} posted window ${m} after closing it`);
      let w = this.held.get(m);
      if (w === undefined) {
        w = this.parts.open(m);
        this.held.set(m, w);
      }
      this.parts.add(w, part);
    }
    this.peakHeld = Math.max(this.peakHeld, this.held.size);
    if (p.watermark !== null) this.watermarks[p.shard] = p.watermark;
    this.lates[p.shard] = p.late;
    if (p.done) this.running[p.shard] = false;
    this.releaseUntil(this.limit());
  }

  /** Records the shards dropped as late (their latest totals). */
  get late(): number {
    return this.lates.reduce((a, b) => a + b, 0);
  }

  /** Whether every shard is done (and every window released). */
  get done(): boolean {
    return !this.running.includes(true);
  }

  /** Windows posted and not released yet. */
  get holding(): number {
    return this.held.size;
  }

  /** The last window every running shard has passed (+∞ once all are done). */
  private limit(): number {
    let min = Number.POSITIVE_INFINITY;
    this.running.forEach((r, i) => {
      if (r) min = Math.min(min, this.watermarks[i] ?? Number.NEGATIVE_INFINITY);
    });
    return min;
  }

  private releaseUntil(limit: number): void {
    const ready = [...this.held.keys()].filter((m) => m <= limit).sort((a, b) => a - b);
    for (const m of ready) {
      const w = this.held.get(m) as T;
      this.held.delete(m);
      this.released = m;
      this.parts.release(m, w);
    }
    if (Number.isFinite(limit) && limit > this.released) this.released = limit;
  }
}
