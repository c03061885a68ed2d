/** The `change` section (`--change-at`) of the HTML report: before against after. Every value goes through h``. */
import type { ChangeMixRow, ChangeSection, Report } from '../types';
import { h, int, ms, pct, type Html } from './escape';

function tbl(head: readonly string[], body: readonly (readonly (Html | string)[])[], numericFrom = 1): Html {
  if (body.length === 0) return h`<p class="muted">Nothing to show.</p>`;
  return h`<table><thead><tr>${head.map((x, i) => (i >= numericFrom ? h`<th class="n">${x}</th>` : h`<th>${x}</th>`))}</tr></thead><tbody>${body.map((r) => h`<tr>${r.map((c, i) => (i >= numericFrom ? h`<td class="n">${c}</td>` : h`<td class="k">${c}</td>`))}</tr>`)}</tbody></table>`;
}

const arrow = (a: string, b: string): string => `${a} → ${b}`;

function mix(title: string, rows: readonly ChangeMixRow[], share: boolean): Html {
  return h`<h4>${title}</h4>${tbl(['', 'before', 'after'], rows.map((r) => [r.key, share ? pct(r.before) : int(r.before), share ? pct(r.after) : int(r.after)]))}`;
}

/** The section, or nothing when the report has none. */
export function changeHtml(report: Report): Html {
  const c: ChangeSection | undefined = report.change;
  if (c === undefined) return h``;
  const t = c.totals;
  return h`<section id="change"><h2>Before and after ${c.at}</h2>
<p class="muted">${c.window_minutes} minutes before (${c.before.start} – ${c.before.end}) against ${c.window_minutes} minutes after. Sessions are counted by their ${c.sessions_by}.</p>
${tbl(['', 'before', 'after'], [
    ['requests', int(t.before.requests), int(t.after.requests)],
    ['error rate (4xx+5xx)', pct(t.before.error_rate, 2), pct(t.after.error_rate, 2)],
    ['server errors (5xx)', pct(t.before.server_error_rate, 2), pct(t.after.server_error_rate, 2)],
    ['p50', ms(t.before.p50_ms), ms(t.after.p50_ms)],
    ['p95', ms(t.before.p95_ms), ms(t.after.p95_ms)],
    ['sessions', int(t.before.sessions), int(t.after.sessions)],
    ['bounce rate', pct(t.before.bounce_rate), pct(t.after.bounce_rate)],
    ['loop rate', pct(t.before.loop_rate), pct(t.after.loop_rate)],
  ])}
<h4>Endpoints</h4>${tbl(['endpoint', 'requests', '5xx rate', 'p50', 'p95'], c.endpoints.map((e) => [
    e.endpoint, arrow(int(e.before.requests), int(e.after.requests)), arrow(pct(e.before.server_error_rate, 2), pct(e.after.server_error_rate, 2)),
    arrow(ms(e.before.p50_ms), ms(e.after.p50_ms)), arrow(ms(e.before.p95_ms), ms(e.after.p95_ms)),
  ]))}
<h4>Flows (share of the steps out of the first endpoint)</h4>${tbl(['from', 'to', 'steps', 'probability'], c.transitions.map((x) => [
    x.from, x.to, arrow(int(x.before.count), int(x.after.count)), arrow(pct(x.before.probability), pct(x.after.probability)),
  ]), 2)}
${mix('Entry endpoints (sessions)', c.entries, false)}${mix('Exit endpoints (sessions)', c.exits, false)}
${mix('Client classes (share of sessions)', c.client_classes, true)}${mix('Agent families (share of requests)', c.agent_families, true)}
${mix('Protocols', c.protocols, true)}${mix('TLS', c.tls, true)}
</section>`;
}
