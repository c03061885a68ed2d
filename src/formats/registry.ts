/** Every format lbua knows, by id. Adding a format = one file + one line here (see test/formats/registry.test.ts). */
import type { FormatParser } from './types';
import { checked } from './shared/check';
import alb from './alb';
import elb from './elb';
import nginx from './nginx';
import haproxy from './haproxy';
import clf from './clf';

/** The registry, in the order auto-detection breaks exact ties. Every record a format parses goes through checkRecord (check.ts). */
export const FORMATS = {
  alb: checked(alb),
  elb: checked(elb),
  nginx: checked(nginx),
  haproxy: checked(haproxy),
  clf: checked(clf),
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
