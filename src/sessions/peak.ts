/**
 * The most sessions open at once, from the sessions themselves: a session is open from its first request until the
 * inactivity timeout after its last. Counted per minute (a session opens in its first request's minute and closes
 * after the minute its timeout ends in), so the figure depends on the sessions only — not on when a stitcher
 * happened to sweep, nor on how a run was sharded. Memory: one entry per minute the run spans.
 */
import type { Session } from './types';

export class OpenPeak {
  private readonly deltas = new Map<number, number>();

  constructor(private readonly timeoutMs: number) {}

  observe(s: Session): void {
    const open = Math.floor(s.startMs / 60_000);
    const close = Math.floor((s.endMs + this.timeoutMs) / 60_000) + 1;
    this.deltas.set(open, (this.deltas.get(open) ?? 0) + 1);
    this.deltas.set(close, (this.deltas.get(close) ?? 0) - 1);
  }

  /** The most sessions open in one minute. */
  peak(): number {
    let open = 0;
    let peak = 0;
    for (const m of [...this.deltas.keys()].sort((a, b) => a - b)) {
      open += this.deltas.get(m) ?? 0;
      if (open > peak) peak = open;
    }
    return peak;
  }
}
