/**
 * Collects diagnostics for a run: counts every one, keeps the first `limit` line-level ones in full and every
 * input-level one (damage, format mismatch), so reports stay small however bad the input is.
 */
import type { Diagnostic } from './core/types';
import type { ReportWarning } from './report/types';

/** The CAP_REACHED note of a capped structure whose cap was reached (core/capped.ts). */
export function capDiagnostic(message: string): Diagnostic {
  return { code: 'CAP_REACHED', severity: 'info', message, source: null };
}

/** Bounded diagnostic log. */
export class DiagnosticLog {
  private readonly kept: Diagnostic[] = [];
  private lineKept = 0;
  total = 0;

  constructor(readonly limit: number, private readonly onKept?: (d: Diagnostic) => void) {}

  /** Records one diagnostic. */
  add(d: Diagnostic): void {
    this.total++;
    if (d.source !== null) {
      if (this.lineKept >= this.limit) return;
      this.lineKept++;
    }
    this.kept.push(d);
    this.onKept?.(d);
  }

  /** Counts `n` line-level diagnostics that were not kept (beyond the limit, counted in a worker thread). */
  countUnkept(n: number): void {
    this.total += n;
  }

  /** The kept diagnostics in report form. */
  warnings(): ReportWarning[] {
    return this.kept.map((d) => ({
      file: d.source?.file ?? null,
      line: d.source?.line ?? null,
      severity: d.severity,
      code: d.code,
      message: d.message,
      ...(d.excerpt !== undefined ? { excerpt: d.excerpt } : {}),
      ...(d.hint !== undefined ? { hint: d.hint } : {}),
    }));
  }
}
