/**
 * A stray timestamp: one record dated far after the records around it (a broken clock on one host, a hostile line).
 * Every stage that allows out-of-order input measures it from the newest timestamp seen (burst closes minutes, the
 * session stitcher closes sessions, a merged read orders inputs by it), so one line dated six months ahead would
 * make every record after it late: dropped from burst's minutes, split out of its session. Such a record is held
 * back until the next record of its input shows which it is:
 *
 *   a record more than STRAY_JUMP_MS after the newest timestamp of its input so far is held; if the next record is
 *   more than STRAY_JUMP_MS before it again, the held one was a stray: it is not analyzed, and counted and reported
 *   as a malformed line (TIME_STRAY, file:line and why); otherwise it goes on, before the next one.
 *
 * A real gap (a quiet night, then traffic again) goes on: the record after it is near it. Only the record that
 * jumped is held (one per input), and the decision depends on the input's own records alone, so a run on one thread
 * and a run sharded by files decide the same. Not caught: two strays in a row (the second vouches for the first),
 * a jump of less than STRAY_JUMP_MS (the lateness allowances absorb ten minutes of it), and a stray in the past
 * (older records are late by themselves and move nothing).
 */
import type { Diagnostic, LogRecord } from '../core/types';
import { isoTime } from '../core/units';
import { fmt } from '../core/format';

/** How far ahead of its input's newest timestamp a record is held to see whether it strayed. */
export const STRAY_JUMP_MS = 60 * 60_000;

/** What the guard hands on. */
export interface StrayOutput {
  /** A record to analyze, in input order (with the warnings its parser gave). */
  accept(r: LogRecord, warnings: readonly Diagnostic[] | undefined): void;
  /** A record that strayed: its diagnostic (a malformed line). */
  stray(d: Diagnostic): void;
}

/** One input's guard (see the file comment). */
export class StrayGuard {
  private newest = Number.NEGATIVE_INFINITY;
  private held: LogRecord | null = null;
  private heldWarnings: readonly Diagnostic[] | undefined = undefined;

  constructor(private readonly jumpMs = STRAY_JUMP_MS) {}

  /** The next record of the input. */
  offer(r: LogRecord, warnings: readonly Diagnostic[] | undefined, out: StrayOutput): void {
    const t = r.startMs;
    const held = this.held;
    if (held !== null) {
      this.held = null;
      if (t < held.startMs - this.jumpMs) out.stray(strayDiagnostic(held, this.newest));
      else this.pass(held, this.heldWarnings, out);
      this.heldWarnings = undefined;
    }
    if (t > this.newest + this.jumpMs) {
      this.held = r;
      this.heldWarnings = warnings;
      return;
    }
    this.pass(r, warnings, out);
  }

  /** True when `r` is the record held (its caller must not reuse it). */
  holds(r: LogRecord): boolean {
    return this.held === r;
  }

  /** End of the input: a record still held goes on (nothing came after it to say otherwise). */
  flush(out: StrayOutput): void {
    const held = this.held;
    if (held === null) return;
    this.held = null;
    this.pass(held, this.heldWarnings, out);
    this.heldWarnings = undefined;
  }

  private pass(r: LogRecord, warnings: readonly Diagnostic[] | undefined, out: StrayOutput): void {
    if (r.startMs > this.newest) this.newest = r.startMs;
    out.accept(r, warnings);
  }
}

function strayDiagnostic(r: LogRecord, newest: number): Diagnostic {
  const hours = (r.startMs - newest) / 3_600_000;
  const ahead = Number.isFinite(newest) ? `${fmt(hours, 1)} hours after the records before it` : 'far after the records around it';
  return {
    code: 'TIME_STRAY',
    severity: 'warning',
    source: r.source,
    message: `timestamp ${isoTime(r.startMs)} is ${ahead}, and the next record is back (a broken clock or a hostile line): not analyzed, so that the records after it are not taken as late`,
  };
}
