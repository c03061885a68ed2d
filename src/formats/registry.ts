/**
 * Every format lbua knows, by id. Adding a format = one file + one line here (see test/formats/registry.test.ts); a
 * JSON-lines format is one table file in json/ compiled by the JSON engine.
 */
import type { FormatParser } from './types';
import { checked } from './shared/check';
import alb from './alb';
import elb from './elb';
import nginx from './nginx';
import haproxy from './haproxy';
import clf from './clf';
import nlb from './nlb';
import cloudfront from './cloudfront';
import envoy from './envoy';
import traefik from './traefik';
import { compileLayout, type LayoutSpec } from './layout/compile';
import { compileJsonLayout, compileJsonTable, type JsonLayoutSpec } from './json/engine';
import caddy from './json/caddy';
import gcp from './json/gcp';
import azureAppgw from './json/azure-appgw';
import cloudflare from './json/cloudflare';
import envoyJson from './json/envoy-json';
import traefikJson from './json/traefik-json';
import nginxJson from './json/nginx-json';
import lbuaRecords from './json/lbua-records';

/** The registry, in the order auto-detection breaks exact ties. Every record a format parses goes through checkRecord (check.ts). */
export const FORMATS = {
  alb: checked(alb),
  elb: checked(elb),
  nlb: checked(nlb),
  cloudfront: checked(cloudfront),
  envoy: checked(envoy),
  nginx: checked(nginx),
  haproxy: checked(haproxy),
  clf: checked(clf),
  // After nginx and clf: a line that is neither names them as the closest format, not this extension of theirs.
  traefik: checked(traefik),
  // JSON-lines formats: tables compiled by one engine (src/formats/json/); each reads only lines with its own keys.
  // lbua's own records (`lbua records`, an engine's query over the export columns), read back to be judged: first,
  // since its keys (time, status, user_agent…) are common ones other tables' markers also find.
  'lbua-records': checked(compileJsonTable(lbuaRecords)),
  caddy: checked(compileJsonTable(caddy)),
  gcp: checked(compileJsonTable(gcp)),
  'azure-appgw': checked(compileJsonTable(azureAppgw)),
  cloudflare: checked(compileJsonTable(cloudflare)),
  'envoy-json': checked(compileJsonTable(envoyJson)),
  'traefik-json': checked(compileJsonTable(traefikJson)),
  'nginx-json': checked(compileJsonTable(nginxJson)),
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

/** A format the user declares: a text layout (--log-format, --format-file) or a JSON table (--format-file). */
export type FormatSpec = LayoutSpec | JsonLayoutSpec;

/** The formats of a run: the user's declared layouts (--log-format, --format-file), then the built-in ones. */
export interface FormatSet {
  /** In the order auto-detection breaks ties: the user's first. */
  readonly all: readonly FormatParser[];
  get(id: string): FormatParser | undefined;
}

/**
 * The built-in formats and the user's layouts, compiled (a few microseconds each: callers build the set once per
 * input or run, not per line). A layout whose id is a built-in one's is refused by the option parser.
 */
export function formatSet(layouts: readonly FormatSpec[] = []): FormatSet {
  if (layouts.length === 0) return BUILT_IN;
  const own = layouts.map((l) => ('json' in l ? checked(compileJsonLayout(l)) : compileLayout(l)));
  const all = [...own, ...allFormats()];
  return { all, get: (id) => own.find((f) => f.id === id) ?? getFormat(id) };
}

const BUILT_IN: FormatSet = { all: allFormats(), get: getFormat };
