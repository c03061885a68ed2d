/** JSON reporter: one document, stable key order (objects are built in a fixed order), two-space indent. */
import type { Report } from './types';
import { terminalSafeJson } from '../core/text';

/** Serializes the report; C1, line-separator and bidi characters of log values become \uXXXX escapes (safe on a terminal). */
export function renderJson(report: Report): string {
  return `${terminalSafeJson(JSON.stringify(report, null, 2))}\n`;
}
