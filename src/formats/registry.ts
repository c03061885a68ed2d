/** Every format lbua knows, by id. Adding a format = one file + one line here (see test/formats/registry.test.ts). */
import type { FormatParser } from './types';
import alb from './alb';
import elb from './elb';
import nginx from './nginx';
import haproxy from './haproxy';
import clf from './clf';

/** The registry, in the order auto-detection breaks exact ties. */
export const FORMATS = {
  alb,
  elb,
  nginx,
  haproxy,
  clf,
} as const satisfies Record<string, FormatParser>;

/** A format id. */
export type FormatId = keyof typeof FORMATS;

/** Looks a format up by id; undefined when unknown. */
export function getFormat(id: string): FormatParser | undefined {
  return Object.hasOwn(FORMATS, id) ? (FORMATS as Record<string, FormatParser>)[id] : undefined;
}

/** All formats in registry order. */
export function allFormats(): readonly FormatParser[] {
  return Object.values(FORMATS);
}
