/**
 * `lbua diff old.json new.json`: what changed between two saved reports (`lbua.diff/1`). Pure: two checked reports
 * in, one plain document out (same inputs → same bytes), rendered by report/diff-render.ts.
 *
 * Honest about the caps: a saved report lists only its top N rows (endpoints, agent families, countries, ASNs, the
 * top tables). A key listed in one report and not the other is `new`/`gone` only when the other report's list was
 * complete (fewer rows than its cap); otherwise it is `below_top` ("not in the old report's top N", with the least
 * count that list shows), because it may well have been there, just not among the busiest.
 *
 * Findings are matched by detector + subject (type and value), not by id: a finding id hashes its window
 * (detect/stage.ts), so the same subject found on two days has two ids.
 */
import type { EndpointRow, GeoRow, GroupRow, Report, ReportFinding, ReportTopRow } from '../core/report-types';
import { detectorsRan } from '../core/report-types';

/** The schema of a diff document. */
export const DIFF_SCHEMA = 'lbua.diff/1';

/** A number in both reports and its change (`change` relative: 0.25 = +25%; null when old is 0 or either is null). */
export interface Delta {
  readonly old: number | null;
  readonly new: number | null;
  readonly delta: number | null;
  readonly change: number | null;
}

/** Where a listed key stands: in both lists, only in one (with the other list complete: new/gone), or below the other's cap. */
export type Presence = 'both' | 'new' | 'gone' | 'below_top_old' | 'below_top_new';

/** One endpoint compared (rows of profiles.endpoints_top and endpoints_slowest, by endpoint). */
export interface EndpointDiff {
  readonly endpoint: string;
  readonly presence: Presence;
  readonly requests: Delta;
  readonly error_rate: Delta;
  readonly p50_ms: Delta;
  readonly p95_ms: Delta;
}

/** One key of a listed table (agent families, countries, ASNs, top tables) compared. */
export interface KeyDiff {
  readonly key: string;
  readonly presence: Presence;
  readonly requests: Delta;
}

/** A table compared: how many rows each report listed and whether that was all of them. */
export interface TableDiff {
  readonly name: string;
  readonly old_rows: number;
  readonly new_rows: number;
  /** True when the report listed every key it saw (fewer rows than its cap). */
  readonly old_complete: boolean;
  readonly new_complete: boolean;
  /** Keys whose presence is not `both`, then keys in both, by requests in the new report. */
  readonly rows: readonly KeyDiff[];
}

/** A finding as the diff names it. */
export interface FindingBrief {
  readonly detector: string;
  readonly subject: { readonly type: string; readonly value: string };
  readonly severity: ReportFinding['severity'];
  readonly title: string;
  readonly window: { readonly start: string; readonly end: string };
}

/** A side of the diff: which report, its period and size. */
export interface DiffSide {
  readonly path: string;
  readonly version: string;
  readonly period: { readonly start: string; readonly end: string } | null;
  readonly top: number | null;
  readonly detectors_run: boolean;
}

/** The `lbua.diff/1` document. */
export interface ReportDiff {
  readonly schema: typeof DIFF_SCHEMA;
  readonly old: DiffSide;
  readonly new: DiffSide;
  readonly traffic: {
    readonly requests: Delta;
    readonly unique_clients: Delta;
    /** 4xx + 5xx share of requests (as the endpoint rows count errors). */
    readonly error_rate: Delta;
    readonly server_error_rate: Delta;
    readonly p50_ms: Delta;
    readonly p95_ms: Delta;
    readonly bytes_in: Delta;
    readonly bytes_out: Delta;
  };
  readonly endpoints: readonly EndpointDiff[];
  readonly tables: readonly TableDiff[];
  readonly findings: {
    readonly matched_by: 'detector+subject';
    readonly new: readonly FindingBrief[];
    readonly gone: readonly FindingBrief[];
    /** Found in both: the new report's finding, with the old severity. */
    readonly still: readonly (FindingBrief & { readonly old_severity: ReportFinding['severity'] })[];
  };
  /** True when nothing above changed (every delta 0, no presence but `both`, no new or gone finding). */
  readonly unchanged: boolean;
}

const round = (v: number, digits = 4): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** old → new as a Delta. */
export function delta(o: number | null, n: number | null): Delta {
  const d = o === null || n === null ? null : round(n - o);
  return { old: o, new: n, delta: d, change: o === null || n === null || o === 0 ? null : round((n - o) / o) };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function errorShare(r: Report, classes: readonly string[]): number | null {
  const total = r.summary.requests;
  if (total === 0) return null;
  let n = 0;
  for (const c of classes) n += r.summary.status_classes[c] ?? 0;
  return round(n / total);
}

function side(r: Report, path: string): DiffSide {
  const top = r.options['top'];
  return { path, version: r.tool.version, period: r.summary.time_range, top: typeof top === 'number' ? top : null, detectors_run: detectorsRan(r) };
}

/** Presence of a key listed in `inOld`/`inNew`, given whether each list was complete. */
function presence(inOld: boolean, inNew: boolean, oldComplete: boolean, newComplete: boolean): Presence {
  if (inOld && inNew) return 'both';
  if (inNew) return oldComplete ? 'new' : 'below_top_old';
  return newComplete ? 'gone' : 'below_top_new';
}

/** Whether a list of `rows` rows under a cap of `cap` (null: unknown) is all there was. */
const complete = (rows: number, cap: number | null): boolean => cap !== null && rows < cap;

function endpointDiffs(o: Report, n: Report): EndpointDiff[] {
  const rows = (r: Report): Map<string, EndpointRow> => {
    const m = new Map<string, EndpointRow>();
    for (const e of [...(r.profiles?.endpoints_top ?? []), ...(r.profiles?.endpoints_slowest ?? [])]) if (!m.has(e.endpoint)) m.set(e.endpoint, e);
    return m;
  };
  if (o.profiles === undefined || n.profiles === undefined) return [];
  const a = rows(o);
  const b = rows(n);
  const oc = complete(o.profiles.endpoints_top.length, side(o, '').top);
  const nc = complete(n.profiles.endpoints_top.length, side(n, '').top);
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const out = keys.map((endpoint): EndpointDiff => {
    const x = a.get(endpoint);
    const y = b.get(endpoint);
    return {
      endpoint,
      presence: presence(x !== undefined, y !== undefined, oc, nc),
      requests: delta(x?.requests ?? null, y?.requests ?? null),
      error_rate: delta(x?.error_rate ?? null, y?.error_rate ?? null),
      p50_ms: delta(x?.p50_ms ?? null, y?.p50_ms ?? null),
      p95_ms: delta(x?.p95_ms ?? null, y?.p95_ms ?? null),
    };
  });
  return out.sort((p, q) => (q.requests.new ?? q.requests.old ?? 0) - (p.requests.new ?? p.requests.old ?? 0) || cmp(p.endpoint, q.endpoint));
}

type Keyed = Pick<ReportTopRow, 'key' | 'requests'> | Pick<GroupRow, 'key' | 'requests'> | Pick<GeoRow, 'key' | 'requests'>;

function tableDiff(name: string, a: readonly Keyed[] | undefined, b: readonly Keyed[] | undefined, capOld: number | null, capNew: number | null, completeAlways = false): TableDiff | null {
  if (a === undefined || b === undefined) return null;
  const oc = completeAlways || complete(a.length, capOld);
  const nc = completeAlways || complete(b.length, capNew);
  const am = new Map(a.map((r) => [r.key, r.requests]));
  const bm = new Map(b.map((r) => [r.key, r.requests]));
  const keys = [...new Set([...am.keys(), ...bm.keys()])];
  const rows = keys.map((key): KeyDiff => ({
    key, presence: presence(am.has(key), bm.has(key), oc, nc), requests: delta(am.get(key) ?? null, bm.get(key) ?? null),
  }));
  rows.sort((p, q) => Number(p.presence === 'both') - Number(q.presence === 'both') || (q.requests.new ?? q.requests.old ?? 0) - (p.requests.new ?? p.requests.old ?? 0) || cmp(p.key, q.key));
  return { name, old_rows: a.length, new_rows: b.length, old_complete: oc, new_complete: nc, rows };
}

function brief(f: ReportFinding): FindingBrief {
  return { detector: f.detector, subject: { type: f.subject.type, value: f.subject.value }, severity: f.severity, title: f.title, window: f.window };
}

const RANK: readonly ReportFinding['severity'][] = ['critical', 'high', 'medium', 'low', 'info'];

/** Findings new, gone and still there, matched by detector + subject (each finding of one report matches at most one of the other). */
function findingDiff(o: Report, n: Report): ReportDiff['findings'] {
  const keyOf = (f: ReportFinding): string => `${f.detector}\u0000${f.subject.type}\u0000${f.subject.value}`;
  const pool = new Map<string, ReportFinding[]>();
  for (const f of o.findings) {
    const list = pool.get(keyOf(f)) ?? [];
    list.push(f);
    pool.set(keyOf(f), list);
  }
  const added: FindingBrief[] = [];
  const still: (FindingBrief & { old_severity: ReportFinding['severity'] })[] = [];
  for (const f of n.findings) {
    const match = pool.get(keyOf(f))?.shift();
    if (match === undefined) added.push(brief(f));
    else still.push({ ...brief(f), old_severity: match.severity });
  }
  const gone = [...pool.values()].flat().map(brief);
  const order = (a: FindingBrief, b: FindingBrief): number => RANK.indexOf(a.severity) - RANK.indexOf(b.severity) || cmp(a.detector, b.detector) || cmp(a.subject.value, b.subject.value) || cmp(a.window.start, b.window.start);
  return { matched_by: 'detector+subject', new: added.sort(order), gone: gone.sort(order), still: still.sort(order) };
}

/** The diff of two checked reports, `oldPath` and `newPath` naming them. */
export function diffReports(o: Report, n: Report, oldPath: string, newPath: string): ReportDiff {
  const so = side(o, oldPath);
  const sn = side(n, newPath);
  const tables: TableDiff[] = [];
  const push = (t: TableDiff | null): void => {
    if (t !== null) tables.push(t);
  };
  push(tableDiff('agent_families', o.profiles?.agent_families, n.profiles?.agent_families, so.top, sn.top));
  push(tableDiff('client_classes', o.profiles?.client_classes, n.profiles?.client_classes, null, null, true));
  push(tableDiff('countries', o.geo?.countries, n.geo?.countries, so.top, sn.top));
  push(tableDiff('asns', o.geo?.asns, n.geo?.asns, so.top, sn.top));
  for (const name of [...new Set([...Object.keys(o.top), ...Object.keys(n.top)])].sort()) push(tableDiff(`top.${name}`, o.top[name], n.top[name], so.top, sn.top));
  const lat = (r: Report): Report['summary']['latency_ms']['total'] => r.summary.latency_ms.total;
  const traffic: ReportDiff['traffic'] = {
    requests: delta(o.summary.requests, n.summary.requests),
    unique_clients: delta(o.summary.unique_clients, n.summary.unique_clients),
    error_rate: delta(errorShare(o, ['4xx', '5xx']), errorShare(n, ['4xx', '5xx'])),
    server_error_rate: delta(errorShare(o, ['5xx']), errorShare(n, ['5xx'])),
    p50_ms: delta(lat(o).p50, lat(n).p50),
    p95_ms: delta(lat(o).p95, lat(n).p95),
    bytes_in: delta(o.summary.bytes.in, n.summary.bytes.in),
    bytes_out: delta(o.summary.bytes.out, n.summary.bytes.out),
  };
  const endpoints = endpointDiffs(o, n);
  const findings = findingDiff(o, n);
  const still = (d: Delta): boolean => d.delta === 0 || (d.old === null && d.new === null);
  const unchanged = Object.values(traffic).every(still)
    && endpoints.every((e) => e.presence === 'both' && [e.requests, e.error_rate, e.p50_ms, e.p95_ms].every(still))
    && tables.every((t) => t.rows.every((r) => r.presence === 'both' && still(r.requests)))
    && findings.new.length === 0 && findings.gone.length === 0 && findings.still.every((f) => f.severity === f.old_severity);
  return { schema: DIFF_SCHEMA, old: so, new: sn, traffic, endpoints, tables, findings, unchanged };
}
