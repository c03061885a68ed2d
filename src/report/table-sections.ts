/** Terminal renderers for the sessions and profiles sections (pure functions of the report). */
import type { CalendarRow, GeoRow, Report, ThirdsChange } from './types';
import { heading, percent, safe, textTable, type Style } from './style';
import { fmt } from '../core/format';
import { formatBytes } from '../core/units';
import { maxOf } from '../core/arrays';

/** A number for a table cell; "-" when not logged (null) or absent. */
function n(v: number | null | undefined): string {
  return typeof v === 'number' ? fmt(v) : '-';
}
/** A log-derived string made terminal-safe; "-" when null. */
function s(v: string | null, max = 60): string {
  return v === null ? '-' : safe(v, max);
}
function pct(v: number | null): string {
  return v === null ? '-' : percent(v);
}

/** Latency and size columns: dropped from a table when no row has a value (formats that log no timings, such as CLF). */
const TIMING_COLUMNS: ReadonlySet<string> = new Set(['bytes out', 'p50 ms', 'p95 ms', 'p99 ms', 'backend p95', 'p95 first→last third']);

/** A table of `rows` under `head`, without the timing columns that are '-' in every row. */
function tableWithout(head: readonly string[], rows: readonly (readonly string[])[], fit: number): string {
  const keep = head.map((h, i) => !TIMING_COLUMNS.has(h) || rows.some((r) => r[i] !== '-'));
  const t = textTable(head.filter((_, i) => keep[i]), fit);
  for (const r of rows) t.push(r.filter((_, i) => keep[i]));
  return t.toString();
}

/** Endpoint profile (top by requests, slowest by p95) and the client-class mix. */
export function renderProfiles(report: Report, st: Style, width: number, fit = Number.POSITIVE_INFINITY): string {
  const p = report.profiles;
  if (p === undefined) return '';
  const out: string[] = [];
  const ep = (title: string, rows: NonNullable<Report['profiles']>['endpoints_top']): void => {
    if (rows.length === 0) return;
    out.push(heading(st, title));
    // Bytes sent per endpoint: '-' in every row (so the column is dropped) when no row logged any.
    const sent = rows.some((r) => r.bytes_out > 0);
    const head = ['endpoint', 'requests', 'share', 'p50 ms', 'p95 ms', 'p99 ms', 'backend p95', 'errors', 'bytes out', 'clients'];
    out.push(tableWithout(head, rows.map((r) => [s(r.endpoint, Math.min(width, 70)), n(r.requests), pct(r.share), n(r.p50_ms), n(r.p95_ms), n(r.p99_ms), n(r.backend_p95_ms), pct(r.error_rate), sent ? formatBytes(r.bytes_out) : '-', n(r.clients)]), fit));
  };
  ep('Endpoints (by requests)', p.endpoints_top);
  ep('Slowest endpoints (by p95)', p.endpoints_slowest);
  const classes = p.client_classes;
  if (classes.length > 0) {
    out.push(heading(st, 'Client classes'));
    const head = ['class', 'requests (agent)', 'sessions', 'session requests', 'error rate', 'p50 ms', 'p95 ms'];
    out.push(tableWithout(head, classes.map((r) => [s(r.key), n(r.requests), n(r.sessions), n(r.session_requests), pct(r.error_rate), n(r.p50_ms), n(r.p95_ms)]), fit));
  }
  const mix = (title: string, v: Readonly<Record<string, number>>): void => {
    if (Object.keys(v).length === 0) return;
    out.push(`${st.bold(title)}: ${Object.entries(v).map(([k, x]) => `${safe(k, 20)} ${pct(x)}`).join('  ')}`);
  };
  mix('\nProtocols', p.protocols);
  mix('TLS', p.tls);
  for (const c of p.collapsed_routes) out.push(st.yellow(`route positions collapsed by the cardinality guard: ${s(c, 120)}`));
  return out.join('\n');
}

/** Sessions: counts, percentiles, bounce rate, classes, entries/exits, transitions, busiest non-human sessions. */
export function renderSessions(report: Report, st: Style, width: number, fit = Number.POSITIVE_INFINITY): string {
  const ss = report.sessions;
  if (ss === undefined) return '';
  const out: string[] = [heading(st, `Sessions (${n(ss.count)}, timeout ${n(ss.timeout_minutes)} min, key ${s(ss.key)})`)];
  const d = ss.duration_s;
  const l = ss.requests_per_session;
  const staticOnly = ss.static_only ?? 0;
  out.push(`  duration s: p50 ${n(d.p50)}, p95 ${n(d.p95)}, p99 ${n(d.p99)}, max ${n(d.max)}   requests/session: p50 ${n(l.p50)}, p95 ${n(l.p95)}, max ${n(l.max)}   bounce rate ${pct(ss.bounce_rate)}${staticOnly > 0 ? `   static assets only ${n(staticOnly)}` : ''}`);
  out.push(`  classes: ${ss.classes.map((c) => `${s(c.class)} ${n(c.sessions)} (${pct(c.share)})`).join('  ')}`);
  const pair = (title: string, rows: readonly { readonly endpoint: string; readonly sessions: number }[]): void => {
    if (rows.length === 0) return;
    const t = textTable([title, 'sessions'], fit);
    for (const r of rows) t.push([s(r.endpoint, Math.min(width, 70)), n(r.sessions)]);
    out.push(t.toString());
  };
  pair('top entry', ss.top_entry.slice(0, 5));
  pair('top exit', ss.top_exit.slice(0, 5));
  const tr = ss.top_transitions.slice(0, 8);
  if (tr.length > 0) {
    const t = textTable(['from', 'to', 'count'], fit);
    for (const r of tr) t.push([s(r.from, 45), s(r.to, 45), n(r.count)]);
    out.push(t.toString());
  }
  const nh = ss.top_non_human.slice(0, 8);
  if (nh.length > 0) {
    out.push(st.bold('Busiest non-human sessions'));
    const t = textTable(['client', 'class', 'requests', 'user agent', 'why'], fit);
    for (const r of nh) t.push([s(r.client_ip, 40), s(r.class), n(r.requests), s(r.user_agent, 40), safe(r.reasons.join('; '), 70)]);
    out.push(t.toString());
  }
  return out.join('\n');
}

/** Countries and networks with the change between the first and last third of the period. */
export function renderGeo(report: Report, st: Style, width: number, fit = Number.POSITIVE_INFINITY): string {
  const g = report.geo;
  if (g === undefined) return '';
  const out: string[] = [];
  const chg = (c: ThirdsChange | null): string => {
    if (c === null) return '-';
    const f = c.p95_ms_first;
    const l = c.p95_ms_last;
    const p = c.p95_change;
    if (f === null || l === null) return '-';
    const txt = `${n(f)}→${n(l)} ms${p !== null ? ` (${p >= 0 ? '+' : ''}${(p * 100).toFixed(0)}%)` : ''}`;
    return p !== null && p > 0.25 ? st.yellow(txt) : txt;
  };
  const tableOf = (title: string, rows: readonly GeoRow[], named: boolean): void => {
    if (rows.length === 0) return;
    out.push(heading(st, title));
    const head = [named ? 'network' : 'country', ...(named ? ['organisation', 'class'] : []), 'requests', 'share', 'clients', 'sessions', 'errors', 'p50 ms', 'p95 ms', 'backend p95', 'p95 first→last third'];
    const cells = rows.map((r) => [s(r.key), ...(named ? [s(r.name, Math.min(40, width / 3)), s(r.network)] : []), n(r.requests), pct(r.share), n(r.clients), n(r.sessions), pct(r.error_rate), n(r.p50_ms), n(r.p95_ms), n(r.backend_p95_ms), chg(r.change)]);
    out.push(tableWithout(head, cells, fit));
  };
  tableOf('Countries', g.countries, false);
  tableOf('Networks (ASN)', g.asns, true);
  const risers = g.latency_risers;
  if (risers.length > 0) out.push(st.bold('\nLatency risers (p95, first → last third): ') + risers.slice(0, 5).map((r) => `${s(r.key)} ${chg(r.change)}`).join('; '));
  return out.join('\n');
}

/**
 * Days and hours of day of a log that spans more than 24 hours (timeline.days / hours_of_day): requests, 4xx, 5xx
 * and p95 per row, the rows with the most 5xx marked.
 */
export function renderCalendar(report: Report, st: Style, fit = Number.POSITIVE_INFINITY): string {
  const t = report.timeline;
  if (t === undefined) return '';
  const out: string[] = [];
  const table = (title: string, head: string, rows: readonly CalendarRow[] | undefined): void => {
    if (rows === undefined || rows.length === 0) return;
    out.push(heading(st, title));
    const worst = maxOf(rows.map((r) => r.errors_5xx), 0);
    const cells = rows.map((r) => {
      const rate = (e: number): string => (r.requests > 0 ? ` (${percent(e / r.requests)})` : '');
      const e5 = `${n(r.errors_5xx)}${rate(r.errors_5xx)}`;
      return [r.key, n(r.requests), `${n(r.errors_4xx)}${rate(r.errors_4xx)}`, worst > 0 && r.errors_5xx === worst ? st.red(e5) : e5, n(r.p95_ms)];
    });
    out.push(tableWithout([head, 'requests', '4xx', '5xx', 'p95 ms'], cells, fit));
  };
  table('Days (UTC)', 'day', t.days);
  table('Hours of day (UTC, all days)', 'hour', t.hours_of_day);
  return out.join('\n');
}
