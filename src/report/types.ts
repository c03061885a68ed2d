/**
 * What reporters take and give. The report document itself (`lbua.report/1`) is declared in core/report-types.ts,
 * beside the producers' code it is shared with; it is re-exported here for the reporters and their callers.
 */
import type { Report } from '../core/report-types';

export * from '../core/report-types';

/** How a report is rendered. JSON and HTML ignore these; the terminal table uses most, markdown htmlHref. */
export interface RenderOptions {
  /** ANSI colour (terminal table only). */
  readonly color: boolean;
  /** Terminal width (used to cap column widths). */
  readonly columns: number;
  /** Show evidence lines under each finding. */
  readonly evidence: boolean;
  /**
   * Fit everything to this width (a terminal's): tables narrow their text columns and hide the rightmost ones
   * they cannot fit, long finding lines wrap with an indent. Absent: natural widths (pipes, files).
   */
  readonly fit?: number;
  /**
   * Where the HTML report written in the same run is, relative to this output (markdown links to it). Absent: no
   * HTML report alongside.
   */
  readonly htmlHref?: string;
}

/**
 * An output kind of `lbua analyze --output` and `lbua report --output`: one file in report/ that exports one of
 * these, and one line in report/registry.ts. A reporter is a pure function of the report (no I/O, no state).
 */
export interface Reporter {
  /** The `--output` value; equal to its key in REPORTERS (a test checks). */
  readonly id: string;
  /** One line for `--help`. */
  readonly description: string;
  /** File name endings that choose this reporter when `-o` is given without `--output` (lower case). */
  readonly extensions: readonly string[];
  render(report: Report, options: RenderOptions): string;
}
