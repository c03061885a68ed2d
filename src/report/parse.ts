/**
 * parseReport: a saved report (`lbua analyze --output json`), read back by `lbua report`, is checked once here
 * against the report's types, so the renderers can trust it. Schema `lbua.report/1`, every required field and
 * every present optional section: objects are objects, arrays are arrays, numbers are finite numbers (or null where
 * the type allows it), strings are strings. Keys the types do not name are left alone (a newer lbua may add some).
 * The first bad field stops it: LbuaError REPORT_INVALID (exit 2), one line with the file and the JSON path,
 * `saved.json: summary.requests is not a number`. Hand-written small checkers, each typed by the interface it
 * checks: a field added to a type and not here is a compile error.
 */
import { FormatSpecError, layoutsOfOption } from '../formats/layout/specs';
import { fail } from '../core/types';
import type {
  EndpointRow, GeoRow, GeoSection, GroupRow, ProfilesSection, Report, ReportFinding, ReportIncident, ReportInput, ReportLatency,
  ChangeEndpointFigures, ChangeFigures, ChangeMixRow, ChangeSection, ChangeTransitionFigures, ReportSummary, ReportTopRow, ReportWarning, SessionBrief, SessionsSection, ThirdsChange, TimelineBucket, CalendarRow,
  TimelineSection,
} from './types';

/** The schema this lbua reads and writes. */
export const REPORT_SCHEMA = 'lbua.report/1';

const HINT = 'save one with `lbua analyze ... --output json -o report.json`';

/** Checks `v` (found at `path`) and returns it typed, or throws Invalid. */
type Check<T> = (v: unknown, path: string) => T;

/** A field that may be absent. */
interface Optional<T> {
  readonly optional: Check<T>;
}

/** One checker per key of T: optional keys take `optional(...)`. */
type Shape<T> = { readonly [K in keyof T]-?: {} extends Pick<T, K> ? Optional<Exclude<T[K], undefined>> : Check<T[K]> };

/** The first problem found: where, and what is wrong there. */
class Invalid extends Error {
  constructor(readonly path: string, readonly problem: string) {
    super(`${path} ${problem}`);
  }
}

function bad(path: string, problem: string): never {
  throw new Invalid(path, problem);
}

function isObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `path.key`, or `path["odd key"]` for keys that are not plain names (shortened: keys come from the file). */
function keyPath(path: string, key: string): string {
  if (/^[A-Za-z_][\w-]*$/.test(key) && key.length <= 60) return path === '' ? key : `${path}.${key}`;
  const shown = key.length > 60 ? `${key.slice(0, 57)}...` : key;
  return `${path}[${JSON.stringify(shown)}]`;
}

const str: Check<string> = (v, path) => (typeof v === 'string' ? v : bad(path, 'is not a string'));
const num: Check<number> = (v, path) => (typeof v === 'number' && Number.isFinite(v) ? v : bad(path, 'is not a number'));
const bool: Check<boolean> = (v, path) => (typeof v === 'boolean' ? v : bad(path, 'is not true or false'));
const anything: Check<unknown> = (v) => v;

function nullable<T>(check: Check<T>): Check<T | null> {
  return (v, path) => (v === null ? null : check(v, path));
}

function optional<T>(check: Check<T>): Optional<T> {
  return { optional: check };
}

function oneOf<const T extends string>(values: readonly T[]): Check<T> {
  return (v, path) => values.find((x) => x === v) ?? bad(path, `is not one of ${values.join(', ')}`);
}

function either<A, B>(a: Check<A>, b: Check<B>, what: string): Check<A | B> {
  return (v, path) => {
    try {
      return a(v, path);
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      try {
        return b(v, path);
      } catch (e2) {
        if (!(e2 instanceof Invalid)) throw e2;
        return bad(path, `is not ${what}`);
      }
    }
  };
}

function arrayOf<T>(check: Check<T>): Check<readonly T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) return bad(path, 'is not an array');
    v.forEach((x, i) => check(x, `${path}[${i}]`));
    return v as readonly T[];
  };
}

function recordOf<T>(check: Check<T>): Check<Readonly<Record<string, T>>> {
  return (v, path) => {
    if (!isObject(v)) return bad(path, 'is not an object');
    for (const [k, x] of Object.entries(v)) check(x, keyPath(path, k));
    return v as Readonly<Record<string, T>>;
  };
}

function object<T>(shape: Shape<T>): Check<T> {
  const fields = Object.entries(shape) as [string, Check<unknown> | Optional<unknown>][];
  return (v, path) => {
    if (!isObject(v)) return bad(path === '' ? 'the report' : path, 'is not an object');
    for (const [key, field] of fields) {
      const p = keyPath(path, key);
      if (!Object.hasOwn(v, key)) {
        if (typeof field === 'function') bad(p, 'is missing');
        continue;
      }
      (typeof field === 'function' ? field : field.optional)(v[key], p);
    }
    return v as T;
  };
}

const numOrNull = nullable(num);
const strOrNull = nullable(str);

const input = object<ReportInput>({
  path: str, format: strOrNull, gzip: bool, lines: num, records: num, filtered: num, skipped: num, malformed: num,
  damaged: nullable(object<NonNullable<ReportInput['damaged']>>({ message: str, offset: num })),
  first_time: strOrNull, last_time: strOrNull, formats: optional(recordOf(num)), runner_up: optional(str),
  packed: optional(object<NonNullable<ReportInput['packed']>>({ lines: num, entries: num })),
});

const warning = object<ReportWarning>({
  file: strOrNull, line: numOrNull, severity: oneOf(['error', 'warning', 'info']), code: str, message: str,
  excerpt: optional(str), hint: optional(str),
});

const latency = object<ReportLatency>({ count: num, p50: numOrNull, p95: numOrNull, p99: numOrNull, max: numOrNull });

const period = object<{ readonly start: string; readonly end: string }>({ start: str, end: str });

const summary = object<ReportSummary>({
  requests: num,
  unique_clients: num,
  time_range: nullable(period),
  requests_per_minute: object<ReportSummary['requests_per_minute']>({ peak: num, peak_minute: strOrNull, median: num, mean: num }),
  status_classes: recordOf(num),
  top_status: arrayOf(object<ReportSummary['top_status'][number]>({ status: numOrNull, requests: num })),
  bytes: object<ReportSummary['bytes']>({ in: numOrNull, out: numOrNull }),
  latency_ms: object<ReportSummary['latency_ms']>({ total: latency, backend: latency }),
});

const topRow = object<ReportTopRow>({ key: str, requests: num, share: num });

const finding = object<ReportFinding>({
  id: str,
  detector: str,
  severity: oneOf(['info', 'low', 'medium', 'high', 'critical']),
  confidence: num,
  title: str,
  subject: object<ReportFinding['subject']>({ type: str, value: str }),
  window: period,
  metrics: recordOf(nullable(either(num, str, 'a number or a string'))),
  explanation: optional(str),
  evidence: arrayOf(object<ReportFinding['evidence'][number]>({ file: str, line: num, text: optional(str) })),
  actions: arrayOf(recordOf(anything)),
  related: optional(arrayOf(str)),
});

const incident = object<ReportIncident>({
  id: str,
  title: str,
  severity: oneOf(['info', 'low', 'medium', 'high', 'critical']),
  findings: arrayOf(str),
  window: period,
  subjects: arrayOf(object<ReportIncident['subjects'][number]>({ type: str, value: str })),
  detectors: arrayOf(str),
});

const quantiles = object<SessionsSection['duration_s']>({ p50: numOrNull, p95: numOrNull, p99: numOrNull, max: numOrNull });

const sessionBrief = object<SessionBrief>({
  id: str, client_ip: str, user_agent: strOrNull, class: str, start: str, end: str, requests: num, pages: num,
  static_assets: num, errors: num, reasons: arrayOf(str),
});

const endpointCount = object<SessionsSection['top_entry'][number]>({ endpoint: str, sessions: num });

const sessions = object<SessionsSection>({
  count: num,
  timeout_minutes: num,
  key: str,
  duration_s: quantiles,
  requests_per_session: quantiles,
  bounce_rate: num,
  static_only: optional(num),
  classes: arrayOf(object<SessionsSection['classes'][number]>({ class: str, sessions: num, requests: num, share: num })),
  top_entry: arrayOf(endpointCount),
  top_exit: arrayOf(endpointCount),
  top_transitions: arrayOf(object<SessionsSection['top_transitions'][number]>({ from: str, to: str, count: num })),
  top_non_human: arrayOf(sessionBrief),
  stitching: object<SessionsSection['stitching']>({ late_records: num, forced_closes: num, peak_open: num }),
});

const endpointRow = object<EndpointRow>({
  endpoint: str, requests: num, share: num, p50_ms: numOrNull, p95_ms: numOrNull, p99_ms: numOrNull,
  backend_p95_ms: numOrNull, error_rate: num, status: recordOf(num), bytes_out: num, clients: num, peak_per_5min: num,
});

const groupRow = object<GroupRow>({
  key: str, requests: num, sessions: num, session_requests: num, error_rate: num, p50_ms: numOrNull, p95_ms: numOrNull,
});

const profiles = object<ProfilesSection>({
  endpoints_top: arrayOf(endpointRow),
  endpoints_slowest: arrayOf(endpointRow),
  client_classes: arrayOf(groupRow),
  agent_families: arrayOf(groupRow),
  protocols: recordOf(num),
  tls: recordOf(num),
  collapsed_routes: arrayOf(str),
});

const timelineBucket = object<TimelineBucket>({
  start: str,
  requests: num,
  status: object<TimelineBucket['status']>({ '2xx': num, '3xx': num, '4xx': num, '5xx': num, other: num }),
  p50_ms: numOrNull,
  p95_ms: numOrNull,
});

const calendarRow = object<CalendarRow>({ key: str, requests: num, errors_4xx: num, errors_5xx: num, p95_ms: numOrNull });

const timeline = object<TimelineSection>({
  bucket_seconds: num, start: strOrNull, end: strOrNull, buckets: arrayOf(timelineBucket),
  days: optional(arrayOf(calendarRow)), hours_of_day: optional(arrayOf(calendarRow)),
});

const change = object<ThirdsChange>({
  requests_first: num, requests_last: num, error_rate_first: numOrNull, error_rate_last: numOrNull,
  p50_ms_first: numOrNull, p50_ms_last: numOrNull, p95_ms_first: numOrNull, p95_ms_last: numOrNull, p95_change: numOrNull,
});

const geoRow = object<GeoRow>({
  key: str, name: strOrNull, network: strOrNull, requests: num, share: num, clients: num, sessions: num,
  error_rate: num, p50_ms: numOrNull, p95_ms: numOrNull, backend_p50_ms: numOrNull, backend_p95_ms: numOrNull,
  change: nullable(change),
});

const geo = object<GeoSection>({
  data: arrayOf(str), located_requests: num, special_requests: num, countries: arrayOf(geoRow), asns: arrayOf(geoRow),
  latency_risers: arrayOf(geoRow),
});

const changeFigures = object<ChangeFigures>({
  requests: num, error_rate: numOrNull, server_error_rate: numOrNull, p50_ms: numOrNull, p95_ms: numOrNull, sessions: num,
  bounce_rate: numOrNull, loop_rate: numOrNull,
});
const changeEndpoint = object<ChangeEndpointFigures>({
  requests: num, errors: num, server_errors: num, error_rate: numOrNull, server_error_rate: numOrNull, p50_ms: numOrNull, p95_ms: numOrNull,
});
const changeTransition = object<ChangeTransitionFigures>({ count: num, probability: numOrNull });
const changeMix = arrayOf(object<ChangeMixRow>({ key: str, before: num, after: num }));

const changeSection = object<ChangeSection>({
  at: str, window_minutes: num, before: period, after: period, sessions_by: str,
  totals: object<ChangeSection['totals']>({ before: changeFigures, after: changeFigures }),
  endpoints: arrayOf(object<ChangeSection['endpoints'][number]>({ endpoint: str, before: changeEndpoint, after: changeEndpoint })),
  transitions: arrayOf(object<ChangeSection['transitions'][number]>({ from: str, to: str, before: changeTransition, after: changeTransition })),
  entries: changeMix, exits: changeMix, client_classes: changeMix, agent_families: changeMix, agent_classes: changeMix,
  protocols: changeMix, tls: changeMix,
});

/** The options, whose `layouts` (the run's declared formats, formats/layout/specs.ts) must compile as when the run read them. */
function declaredLayouts<T extends { readonly [k: string]: unknown }>(check: Check<T>): Check<T> {
  return (v, path) => {
    const options = check(v, path);
    try {
      layoutsOfOption(options['layouts']);
    } catch (e) {
      if (e instanceof FormatSpecError) bad(keyPath(path, 'layouts'), e.message);
      throw e;
    }
    return options;
  };
}

const report = object<Report>({
  schema: oneOf([REPORT_SCHEMA]),
  tool: object<Report['tool']>({ name: oneOf(['lbua']), version: str }),
  options: declaredLayouts(recordOf(nullable(either(either(str, num, 'a string or a number'), bool, 'a string, number, true or false')))),
  inputs: arrayOf(input),
  summary,
  top: recordOf(arrayOf(topRow)),
  sessions: optional(sessions),
  profiles: optional(profiles),
  timeline: optional(timeline),
  geo: optional(geo),
  change: optional(changeSection),
  warnings: arrayOf(warning),
  warnings_total: num,
  detectors_run: optional(bool),
  findings: arrayOf(finding),
  incidents: optional(arrayOf(incident)),
});

/**
 * A saved report's parsed JSON → Report, checked. `file` names it in messages. Throws LbuaError: INPUT_UNREADABLE
 * when it is not an lbua report at all or a newer schema, REPORT_INVALID at the first field of the wrong type.
 */
export function parseReport(json: unknown, file: string): Report {
  const schema = isObject(json) ? json['schema'] : undefined;
  if (schema !== REPORT_SCHEMA) {
    return fail(
      'INPUT_UNREADABLE',
      typeof schema === 'string' && schema.startsWith('lbua.report/') ? `${file}: report schema ${schema.slice(0, 40)} is newer than this lbua understands` : `${file}: not an lbua report (no "schema": "${REPORT_SCHEMA}")`,
      HINT,
    );
  }
  try {
    return report(json, '');
  } catch (e) {
    if (e instanceof Invalid) return fail('REPORT_INVALID', `${file}: ${e.path} ${e.problem}`, HINT);
    throw e;
  }
}
