/**
 * Which judged findings are news: each judgment of the window gives the findings as the batch report would on the
 * log so far; this table turns their succession into events. A finding is emitted once (`finding`), under the id the
 * judgment gave it first (detector, subject and start: stable while the incident grows); its later events keep that
 * id as the incident's, and carry the finding as judged then, with the id the batch report gives it for the log so
 * far (which differs when the start moved: a surge whose start shifts as later minutes come in); a later judgment of the
 * same incident (same detector and subject, starting before the open one ended plus `gapMs`) that changed its
 * severity is an `update` under that id at once, one that only grew (its end, its numbers) at most once per
 * `updateEveryMs` of log time; an incident whose end is `closeAfterMs` behind the
 * watermark is `closed` with its last numbers. A closed incident that a
 * later judgment still gives (the window still holds it) is not news; one that starts again after it is a new
 * finding.
 *
 * The table is plain data (toJSON/fromJSON) so a restart with `--state` neither repeats nor loses an event.
 */
import type { ReportFinding } from '../core/report-types';

/** One incident the run has emitted. */
export interface IncidentRow {
  /** The id it was emitted under (its first judgment's). */
  readonly id: string;
  readonly key: string;
  readonly startMs: number;
  endMs: number;
  /** What was last emitted: compared with the next judgment. */
  digest: string;
  /** The severity last emitted, and the watermark then (updates are spaced by updateEveryMs: see observe). */
  emittedSeverity: ReportFinding['severity'];
  emittedAtMs: number;
  /** The finding id last emitted (its batch id then: it moves with the judged start). */
  emittedId: string;
  /** As last judged (what `closed` carries), emitted or not. */
  finding: ReportFinding;
  /** Watermark at which it closed (null: open). */
  closedAtMs: number | null;
}

export interface IncidentsJson {
  readonly rows: readonly IncidentRow[];
}

export type IncidentChange =
  | { readonly kind: 'finding'; readonly id: string; readonly finding: ReportFinding }
  /** `reopened`: it had closed, and grew again past its end (the next `closed` ends it again). */
  | { readonly kind: 'update'; readonly id: string; readonly finding: ReportFinding; readonly reopened: boolean }
  | { readonly kind: 'closed'; readonly id: string; readonly finding: ReportFinding; readonly reason: 'ended' | 'stopped' };

export interface IncidentOptions {
  /** An incident whose end is this far behind the watermark has ended (default 10 min). */
  readonly closeAfterMs: number;
  /** A judged finding that starts within this of an open incident's end continues it (default 5 min). */
  readonly gapMs: number;
  /** Closed incidents are forgotten once their end is this far behind the watermark (the judging window + margin). */
  readonly forgetAfterMs: number;
  /**
   * Least log time between two updates of an incident that only grew (its end and numbers; default 5 min): a change
   * of severity or of the judged start (the finding's batch id), or a reopening, is emitted at once. The last numbers always come with `closed`.
   */
  readonly updateEveryMs: number;
}

/** The incident key: detector and subject. */
export function incidentKey(f: Pick<ReportFinding, 'detector' | 'subject'>): string {
  return `${f.detector}|${f.subject.type}|${f.subject.value}`;
}

/** What a finding's update would change: severity, window, title and numbers (ids of related findings do not count). */
function digestOf(f: ReportFinding): string {
  return JSON.stringify([f.severity, f.window.start, f.window.end, f.title, f.metrics, f.actions.length]);
}

export class IncidentTable {
  private readonly rows: IncidentRow[] = [];

  constructor(private readonly options: IncidentOptions, saved?: IncidentsJson) {
    if (saved) for (const r of saved.rows) this.rows.push({ ...r });
  }

  get open(): readonly IncidentRow[] {
    return this.rows.filter((r) => r.closedAtMs === null);
  }

  get closed(): readonly IncidentRow[] {
    return this.rows.filter((r) => r.closedAtMs !== null);
  }

  /**
   * The changes a judgment at `watermarkMs` brings: `findings` as the report gives them (most severe first).
   */
  observe(findings: readonly ReportFinding[], watermarkMs: number): IncidentChange[] {
    const out: IncidentChange[] = [];
    for (const f of findings) {
      const key = incidentKey(f);
      const startMs = Date.parse(f.window.start);
      const endMs = Date.parse(f.window.end);
      const row = this.match(key, startMs, endMs);
      if (row === null) {
        const fresh: IncidentRow = { id: f.id, key, startMs, endMs, digest: digestOf(f), emittedSeverity: f.severity, emittedAtMs: watermarkMs, emittedId: f.id, finding: f, closedAtMs: null };
        this.rows.push(fresh);
        out.push({ kind: 'finding', id: f.id, finding: f });
        continue;
      }
      const reopened = row.closedAtMs !== null;
      if (reopened) {
        // Closed and still in the window: not news, unless it grew again past its end (the attack came back within
        // the detector's own window): then it is open again, as an update under its id.
        if (endMs <= row.endMs + this.options.gapMs) continue;
        row.closedAtMs = null;
      }
      row.endMs = Math.max(row.endMs, endMs);
      row.finding = f;
      const digest = digestOf(f);
      if (digest === row.digest) continue;
      const news = reopened || f.severity !== row.emittedSeverity || f.id !== row.emittedId || watermarkMs - row.emittedAtMs >= this.options.updateEveryMs;
      // One that ends in this judgment gets its last numbers with `closed`, not an update just before it.
      if (!news || (!reopened && row.endMs + this.options.closeAfterMs <= watermarkMs)) continue;
      row.digest = digest;
      row.emittedSeverity = f.severity;
      row.emittedAtMs = watermarkMs;
      row.emittedId = f.id;
      out.push({ kind: 'update', id: row.id, finding: f, reopened });
    }
    // Ended: its end is closeAfterMs behind the watermark. A judgment that no longer gives it (the window's
    // statistics moved) does not end it by itself: its end then stops growing, and it closes as one that ended.
    for (const row of this.rows) {
      if (row.closedAtMs !== null) continue;
      if (row.endMs + this.options.closeAfterMs <= watermarkMs) {
        row.closedAtMs = watermarkMs;
        out.push({ kind: 'closed', id: row.id, finding: row.finding, reason: 'ended' });
      }
    }
    this.forget(watermarkMs);
    return out;
  }

  /** Closes every open incident (the run stops): their last numbers. */
  closeAll(watermarkMs: number): IncidentChange[] {
    const out: IncidentChange[] = [];
    for (const row of this.rows) {
      if (row.closedAtMs !== null) continue;
      row.closedAtMs = watermarkMs;
      out.push({ kind: 'closed', id: row.id, finding: row.finding, reason: 'stopped' });
    }
    return out;
  }

  toJSON(): IncidentsJson {
    return { rows: this.rows.map((r) => ({ ...r })) };
  }

  /**
   * The row a judged finding belongs to: the same id's; else an open incident of the key that it overlaps or
   * follows within gapMs (a window that slid past an incident's start judges it from a later start); else a closed
   * one it is (the same start: the window still holds an ended incident).
   */
  private match(key: string, startMs: number, endMs: number): IncidentRow | null {
    let best: IncidentRow | null = null;
    for (const row of this.rows) {
      if (row.key !== key) continue;
      if (row.closedAtMs === null) {
        if (startMs <= row.endMs + this.options.gapMs && endMs >= row.startMs) return row;
      } else if (row.startMs === startMs || (startMs >= row.startMs && startMs <= row.endMs)) {
        best = row;
      }
    }
    return best;
  }

  private forget(watermarkMs: number): void {
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const row = this.rows[i];
      if (row !== undefined && row.closedAtMs !== null && row.endMs + this.options.forgetAfterMs < watermarkMs) this.rows.splice(i, 1);
    }
  }
}
