/**
 * The reporters, by `--output` value: `lbua analyze --output` and `lbua report --output` both choose from here.
 * Adding one (say markdown) is a file in report/ that exports a Reporter and one line below.
 */
import type { Reporter } from './types';
import { tableReporter } from './table';
import { jsonReporter } from './json';
import { htmlReporter } from './html/index';
import { markdownReporter } from './markdown';

export const REPORTERS = {
  table: tableReporter,
  json: jsonReporter,
  html: htmlReporter,
  markdown: markdownReporter,
} as const satisfies Readonly<Record<string, Reporter>>;

/** An `--output` value. */
export type OutputKind = keyof typeof REPORTERS;

/** The `--output` values in registry order. */
export const OUTPUT_KINDS = Object.keys(REPORTERS) as readonly OutputKind[];

/** The reporter for an `--output` value, or null. */
export function getReporter(id: string): Reporter | null {
  return isOutputKind(id) ? REPORTERS[id] : null;
}

/** True when `id` names a reporter. */
export function isOutputKind(id: string): id is OutputKind {
  return OUTPUT_KINDS.some((k) => k === id);
}

/** The reporter whose extensions end `file` (case-insensitive), or null. */
export function reporterForFile(file: string): OutputKind | null {
  const lower = file.toLowerCase();
  return OUTPUT_KINDS.find((k) => REPORTERS[k].extensions.some((ext) => lower.endsWith(ext))) ?? null;
}

/** "table, json, html or markdown": the values for messages and help. */
export function outputKindList(): string {
  return OUTPUT_KINDS.length < 2 ? OUTPUT_KINDS.join('') : `${OUTPUT_KINDS.slice(0, -1).join(', ')} or ${OUTPUT_KINDS[OUTPUT_KINDS.length - 1] ?? ''}`;
}
