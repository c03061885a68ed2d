/** JSON reporter: one document, stable key order (objects are built in a fixed order), two-space indent. */
import type { Report, Reporter } from './types';
import { terminalSafeJson } from '../core/text';

/** Serializes the report; C1, line-separator and bidi characters of log values become \uXXXX escapes (safe on a terminal). */
export function renderJson(report: Report): string {
  return `${terminalSafeJson(JSON.stringify(report, null, 2))}\n`;
}

/** `--output json`: the report document (`lbua.report/1`), which `lbua report` reads back. */
export const jsonReporter: Reporter = {
  id: 'json',
  description: 'the report document (lbua.report/1)',
  extensions: ['.json'],
  render: (report) => renderJson(report),
};
