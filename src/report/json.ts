/** JSON reporter: one document, stable key order (objects are built in a fixed order), two-space indent. */
import type { Report } from './types';

/** Serializes the report. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
