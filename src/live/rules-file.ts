/**
 * `lbua watch --emit-rules nginx|haproxy|aws-waf -o FILE`: keeps a rules file current for a proxy that reloads it.
 *
 * Semantics:
 *   - The file holds the rules (report/rules.ts renderRules) of the open findings plus the findings closed less than
 *     `holdMs` ago (default 15 minutes), so a rule does not flap off the moment an attack pauses and back on when it
 *     resumes. A finding both open and closed counts once, as open. Findings are rendered in a fixed order (window
 *     start, then id), so the same set gives the same text whatever order the caller passes.
 *   - It is written only when its text changes (a reloading proxy reloads only for a real change); the first update
 *     does not rewrite a file that already holds the same text.
 *   - Atomically: the text goes to a temporary file in the same folder, is fsynced, gets the mode of the file it
 *     replaces (when there is one), and is renamed over it; a proxy reading the file sees the old or the new
 *     version, never half of one.
 *   - A write that fails throws (the caller reports it); the temporary file is removed and the next update tries
 *     again, since the text on disk is still the old one.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ReportFinding } from '../core/report-types';
import { renderRules, type RuleTarget } from '../report/rules';

/** A finding closed at `closedAtMs` (the clock of update's `nowMs`). */
export interface ClosedFinding {
  readonly finding: ReportFinding;
  readonly closedAtMs: number;
}

export interface RulesFileOptions {
  readonly target: RuleTarget;
  readonly path: string;
  /** How long the rules of a closed finding stay in the file (default 15 minutes). */
  readonly holdMs?: number;
}

export interface RulesFile {
  /** Renders the rules of `open` and of the `closed` findings still held at `nowMs`; writes the file when the text changed. True when it wrote. */
  update(open: readonly ReportFinding[], closed: readonly ClosedFinding[], nowMs: number): boolean;
  /** The time (ms) the hold of one of the last update's closed findings ends, the earliest; null when none is held. Call update then. */
  readonly nextExpiryMs: number | null;
  /** The text last written (or found already in the file), null before any. */
  readonly text: string | null;
}

/** The default hold of a closed finding's rules. */
export const DEFAULT_HOLD_MS = 15 * 60_000;

/** The findings whose rules the file holds at `nowMs`, in a fixed order. */
export function heldFindings(open: readonly ReportFinding[], closed: readonly ClosedFinding[], nowMs: number, holdMs: number): ReportFinding[] {
  const byId = new Map<string, ReportFinding>();
  for (const c of closed) if (nowMs - c.closedAtMs < holdMs) byId.set(c.finding.id, c.finding);
  for (const f of open) byId.set(f.id, f);
  return [...byId.values()].sort((a, b) => (a.window.start < b.window.start ? -1 : a.window.start > b.window.start ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A rules file kept current; see the module comment. */
export function createRulesFile(options: RulesFileOptions): RulesFile {
  const holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
  const { path, target } = options;
  let last: string | null = null;
  let first = true;
  let nextExpiry: number | null = null;
  return {
    update(open, closed, nowMs) {
      nextExpiry = null;
      for (const c of closed) {
        const end = c.closedAtMs + holdMs;
        if (end > nowMs && (nextExpiry === null || end < nextExpiry)) nextExpiry = end;
      }
      const text = renderRules(heldFindings(open, closed, nowMs, holdMs), target);
      if (first) {
        first = false;
        last = readOrNull(path);
      }
      if (text === last) return false;
      writeAtomic(path, text);
      last = text;
      return true;
    },
    get nextExpiryMs() {
      return nextExpiry;
    },
    get text() {
      return last;
    },
  };
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Writes `text` to `path` through a temporary file in the same folder + fsync + rename, keeping an existing file's mode. */
export function writeAtomic(path: string, text: string): void {
  let mode: number | null = null;
  try {
    mode = statSync(path).mode & 0o7777;
  } catch {
    // A new file: the umask decides, as for any file lbua writes.
  }
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o666);
    try {
      const buf = Buffer.from(text, 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      if (mode !== null) fchmodSync(fd, mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // Already renamed or never made.
    }
    throw new Error(`could not write the rules file ${path}: ${(e as Error).message}`);
  }
  // The rename itself survives a crash once the folder is synced (best effort: not every platform opens folders).
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Not supported here.
  }
}
