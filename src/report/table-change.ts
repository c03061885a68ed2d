/** Terminal rendering of the `change` section (`--change-at`): before against after. */
import type { ChangeMixRow, Report } from './types';
import { heading, percent, safe, textTable, type Style } from './style';
import { fmt } from '../core/format';

const n = (v: number | null): string => (v === null ? '-' : fmt(v));
const p = (v: number | null): string => (v === null ? '-' : percent(v));
const arrow = (a: string, b: string): string => `${a} → ${b}`;

/** Endpoints and flows shown (the JSON has the section's rows). */
const ROWS = 12;

function mixLine(label: string, rows: readonly ChangeMixRow[]): string {
  return `  ${label}: ${rows.slice(0, 6).map((r) => `${safe(r.key, 30)} ${arrow(percent(r.before), percent(r.after))}`).join(', ') || '-'}`;
}

/** The section, or '' when absent. */
export function renderChange(report: Report, st: Style, width: number, fit = Number.POSITIVE_INFINITY): string {
  const c = report.change;
  if (c === undefined) return '';
  const out: string[] = [heading(st, `Before and after ${c.at} (${c.window_minutes} min each)`)];
  const t = c.totals;
  const totals = textTable(['', 'before', 'after'], fit);
  totals.push(['requests', n(t.before.requests), n(t.after.requests)]);
  totals.push(['error rate (4xx+5xx)', p(t.before.error_rate), p(t.after.error_rate)]);
  totals.push(['server errors (5xx)', p(t.before.server_error_rate), p(t.after.server_error_rate)]);
  totals.push(['p50 ms', n(t.before.p50_ms), n(t.after.p50_ms)]);
  totals.push(['p95 ms', n(t.before.p95_ms), n(t.after.p95_ms)]);
  totals.push(['sessions', n(t.before.sessions), n(t.after.sessions)]);
  totals.push(['bounce rate', p(t.before.bounce_rate), p(t.after.bounce_rate)]);
  totals.push(['loop rate', p(t.before.loop_rate), p(t.after.loop_rate)]);
  out.push(totals.toString());
  const eps = textTable(['endpoint', 'requests', '5xx rate', 'p50 ms', 'p95 ms'], fit);
  for (const e of c.endpoints.slice(0, ROWS)) {
    eps.push([safe(e.endpoint, Math.min(width, 60)), arrow(n(e.before.requests), n(e.after.requests)), arrow(p(e.before.server_error_rate), p(e.after.server_error_rate)), arrow(n(e.before.p50_ms), n(e.after.p50_ms)), arrow(n(e.before.p95_ms), n(e.after.p95_ms))]);
  }
  out.push(eps.toString());
  const flows = textTable(['from', 'to', 'steps', 'probability'], fit);
  for (const x of c.transitions.slice(0, ROWS)) flows.push([safe(x.from, 40), safe(x.to, 40), arrow(n(x.before.count), n(x.after.count)), arrow(p(x.before.probability), p(x.after.probability))]);
  out.push(flows.toString());
  out.push(mixLine('client classes (sessions)', c.client_classes));
  out.push(mixLine('agent families', c.agent_families));
  out.push(mixLine('protocols', c.protocols));
  out.push(mixLine('TLS', c.tls));
  out.push(st.dim(`  sessions are counted by their ${c.sessions_by}`));
  return out.join('\n');
}
