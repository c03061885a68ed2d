/**
 * HTML reporter: the report document → one self-contained page (inline CSS, inline script, inline SVG; no
 * network access at view time). Sections: header (inputs, period, totals, malformed lines, version, options),
 * timeline, findings (evidence, actions, copyable rules), sessions, endpoints (sortable), regions and networks,
 * clients, diagnostics.
 *
 * Safety: every value goes through the h`` template tag, which escapes it; log content never reaches a URL,
 * style or script context. A Content-Security-Policy meta tag allows only this page's own style and script (by
 * hash), no network, no forms, no base URL. Output is deterministic (no clock, locale-independent numbers).
 */
import { createHash } from 'node:crypto';
import { TIMELINE_CLASSES, type Report, type ReportFinding, type ReportIncident, type Reporter, type TimelineBucket, type TimelineClass, type TimelineSection } from '../types';
import { renderRules, type RuleTarget } from '../rules';
import { CSS, JS } from './assets';
import { timelineSvg } from './chart';
import { bytes, h, int, ms, pct, raw, seconds, value, when, type Html } from './escape';
import { at, num, obj, rows, str, strs } from './read';
import { sameMinute } from '../../core/units';
import { evidenceLineSummary, inputFormats, type EvidenceFormats } from '../evidence';
import { detectorsRan, notRunBecause } from '../../core/report-types';
import { groupIncidents } from '../../core/incidents';
import { changeHtml } from './change';

type Row = Readonly<Record<string, unknown>>;

/** A table column: header, how to show a row, and (for sortable tables) the sort value. */
interface Col {
  readonly label: string;
  readonly numeric?: boolean;
  readonly show: (r: Row) => Html | string;
  /** Sort key; defaults to the shown text. */
  readonly sortBy?: (r: Row) => number | string | null;
  /** Long text column (wraps). */
  readonly wide?: boolean;
  /** A timing column: left out when no row has a value (formats that log no timings, such as CLF). */
  readonly timing?: boolean;
}

function table(all: readonly Col[], data: readonly Row[], opts: { sortable?: boolean; id?: string; empty?: string } = {}): Html {
  if (data.length === 0) return h`<p class="muted">${opts.empty ?? 'Nothing to show.'}</p>`;
  const cols = all.filter((c) => !c.timing || data.some((r) => String(c.show(r)) !== '–'));
  const head = cols.map((c) => h`<th${raw(c.numeric ? ' class="n"' : '')}${opts.sortable ? raw(` data-sort="${c.numeric ? 'num' : 'text'}"`) : ''}>${c.label}</th>`);
  const body = data.map((r) => h`<tr>${cols.map((c) => {
    const v = opts.sortable && c.sortBy ? c.sortBy(r) : null;
    const cls = c.numeric ? ' class="n"' : c.wide ? ' class="k"' : '';
    return h`<td${raw(cls)}${v === null ? '' : h` data-v="${v}"`}>${c.show(r)}</td>`;
  })}</tr>`);
  return h`<table${opts.sortable ? raw(' class="sortable"') : ''}${opts.id ? h` id="${opts.id}"` : ''}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const numCol = (label: string, key: string, fmt: (v: number | null) => string = int): Col => ({
  label, numeric: true, show: (r) => fmt(num(r[key])), sortBy: (r) => num(r[key]),
});
/** A latency column (see Col.timing). */
const msCol = (label: string, key: string): Col => ({ ...numCol(label, key, ms), timing: true });
const textCol = (label: string, key: string, wide = true): Col => ({ label, wide, show: (r) => str(r[key]) ?? '–', sortBy: (r) => str(r[key]) });

/** Inputs listed in the open page; more (an S3 tree) go in a folded, sortable table. */
const OPEN_INPUTS = 12;

function inputsTable(inputs: readonly Row[]): Html {
  const t = table([
    textCol('path', 'path'),
    { label: 'format', show: (i) => str(i['format']) ?? 'unknown' },
    { label: 'gzip', show: (i) => (i['gzip'] === true ? 'yes' : 'no') },
    numCol('lines', 'lines'), numCol('records', 'records'), numCol('skipped', 'skipped'), numCol('filtered', 'filtered'), numCol('malformed', 'malformed'),
    { label: 'damage', wide: true, show: (i) => { const d = obj(i['damaged']); return d ? `${str(d['message']) ?? ''} at byte ${int(num(d['offset']))}` : '–'; } },
    { label: 'first', show: (i) => when(str(i['first_time'])) },
    { label: 'last', show: (i) => when(str(i['last_time'])) },
  ], inputs, { sortable: inputs.length > OPEN_INPUTS });
  return inputs.length > OPEN_INPUTS ? h`<details><summary>Inputs (${int(inputs.length)})</summary>${t}</details>` : h`<h4>Inputs</h4>${t}`;
}

function cards(items: readonly (readonly [string, string, string?])[]): Html {
  return h`<div class="cards">${items.map(([k, v, sub]) => h`<div class="card"><b>${v}</b>${sub ? h`<small>${sub}</small>` : ''}<span>${k}</span></div>`)}</div>`;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the document defensively (it may be a saved file from elsewhere).

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'] as const;
type Sev = (typeof SEVERITY_ORDER)[number];

function severity(v: unknown): Sev {
  return (SEVERITY_ORDER as readonly unknown[]).includes(v) ? (v as Sev) : 'info';
}

/** Findings as the reporter needs them; malformed entries are dropped. */
export function readFindings(v: unknown): ReportFinding[] {
  return rows(v).flatMap((f): ReportFinding[] => {
    const id = str(f['id']);
    const start = str(at(f, 'window', 'start'));
    const end = str(at(f, 'window', 'end'));
    if (id === null || start === null || end === null || Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end))) return [];
    const metrics: Record<string, number | string | null> = {};
    for (const [k, m] of Object.entries(obj(f['metrics']) ?? {})) metrics[k] = typeof m === 'number' || typeof m === 'string' ? m : null;
    const explanation = str(f['explanation']);
    return [{
      id: id.replace(/[^\w-]/g, ''),
      detector: str(f['detector']) ?? '?',
      severity: severity(f['severity']),
      confidence: num(f['confidence']) ?? 0,
      title: str(f['title']) ?? '',
      subject: { type: str(at(f, 'subject', 'type')) ?? '', value: str(at(f, 'subject', 'value')) ?? '' },
      window: { start, end },
      metrics,
      ...(explanation === null ? {} : { explanation }),
      evidence: rows(f['evidence']).map((e) => {
        const text = str(e['text']);
        return { file: str(e['file']) ?? '', line: num(e['line']) ?? 0, ...(text === null ? {} : { text }) };
      }),
      actions: rows(f['actions']),
      related: strs(f['related']),
    }];
  });
}

/**
 * The report's incidents as the reporter needs them: the saved ones when every entry is well formed and names only
 * findings of the report, else (an older report, or a hand-edited one) grouped from its findings now.
 */
export function readIncidents(v: unknown, findings: readonly ReportFinding[]): ReportIncident[] {
  const ids = new Set(findings.map((f) => f.id));
  if (Array.isArray(v)) {
    const out = rows(v).flatMap((x): ReportIncident[] => {
      const id = str(x['id']);
      const start = str(at(x, 'window', 'start'));
      const end = str(at(x, 'window', 'end'));
      const parts = strs(x['findings']).map((f) => f.replace(/[^\w-]/g, ''));
      if (id === null || start === null || end === null || parts.length === 0 || !parts.every((f) => ids.has(f))) return [];
      return [{
        id: id.replace(/[^\w-]/g, ''),
        title: str(x['title']) ?? '',
        severity: severity(x['severity']),
        findings: parts,
        window: { start, end },
        subjects: rows(x['subjects']).map((s) => ({ type: str(s['type']) ?? '', value: str(s['value']) ?? '' })),
        detectors: strs(x['detectors']),
      }];
    });
    if (out.length === v.length) return out;
  }
  return groupIncidents(findings);
}

/** The timeline section, or null when absent or malformed. */
export function readTimeline(v: unknown): TimelineSection | null {
  const t = obj(v);
  const seconds = num(t?.['bucket_seconds']);
  if (t === null || seconds === null || seconds <= 0) return null;
  const buckets: TimelineBucket[] = rows(t['buckets']).map((b) => {
    const status = Object.fromEntries(TIMELINE_CLASSES.map((c) => [c, Math.max(0, num(at(b, 'status', c)) ?? 0)])) as Record<TimelineClass, number>;
    return { start: str(b['start']) ?? '', requests: num(b['requests']) ?? 0, status, p50_ms: num(b['p50_ms']), p95_ms: num(b['p95_ms']) };
  }).slice(0, 5000);
  const start = str(t['start']);
  const end = str(t['end']);
  if (start === null || end === null || Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end))) return { bucket_seconds: seconds, start: null, end: null, buckets: [] };
  return { bucket_seconds: seconds, start, end, buckets };
}

// ---------------------------------------------------------------------------------------------------------------
// Sections.

/** An evidence entry: file:line and what the line says (time, client, request, status, ...), then the line itself. */
function evidenceText(e: { readonly file: string; readonly line: number; readonly text?: string }, formats: EvidenceFormats): string {
  if (e.text === undefined) return `${e.file}:${e.line}\n`;
  const summary = evidenceLineSummary(e.text, e.file, formats);
  return `${e.file}:${e.line}${summary === null ? '' : `  ${summary}`}\n    ${e.text}\n`;
}

/** True when some request logged its duration (CLF and nginx combined log none). */
function timed(r: Report): boolean {
  return (num(at(r, 'summary', 'latency_ms', 'total', 'count')) ?? 0) > 0 || (num(at(r, 'summary', 'latency_ms', 'backend', 'count')) ?? 0) > 0;
}

function header(r: Report, findings: readonly ReportFinding[]): Html {
  const s = r.summary;
  const range = obj(at(r, 'summary', 'time_range'));
  const requests = num(s?.requests) ?? 0;
  const classes = obj(s?.status_classes) ?? {};
  const errors4 = num(classes['4xx']) ?? 0;
  const errors5 = num(classes['5xx']) ?? 0;
  const bySev = SEVERITY_ORDER.map((sv) => [sv, findings.filter((f) => f.severity === sv).length] as const).filter(([, n]) => n > 0);
  const inputs = rows(r.inputs);
  const malformed = inputs.reduce((a, i) => a + (num(i['malformed']) ?? 0), 0);
  const options = Object.entries(obj(r.options) ?? {}).filter(([, v]) => v !== null && v !== '');
  const damaged = inputs.filter((i) => obj(i['damaged']) !== null).length;
  const problems = [damaged ? `${int(damaged)} damaged input${damaged === 1 ? '' : 's'} (read up to the damage)` : '', malformed ? `${int(malformed)} malformed line${malformed === 1 ? '' : 's'}` : ''].filter(Boolean);
  return h`<header>
<h1>lbua report</h1>
<p class="meta">${range ? `${when(str(range['start']))} → ${when(str(range['end']))} UTC` : 'no timed requests'} · ${int(inputs.length)} input${inputs.length === 1 ? '' : 's'} · lbua ${str(at(r, 'tool', 'version')) ?? '?'}</p>
${cards([
    ['requests', int(requests)],
    ['unique clients', int(num(s?.unique_clients))],
    ['peak requests/min', int(num(at(r, 'summary', 'requests_per_minute', 'peak')))],
    ['4xx', pct(requests ? errors4 / requests : null)],
    ['5xx', pct(requests ? errors5 / requests : null)],
    ...(timed(r)
      ? ([
        ['p50 latency', ms(num(at(r, 'summary', 'latency_ms', 'total', 'p50')))],
        ['p95 latency', ms(num(at(r, 'summary', 'latency_ms', 'total', 'p95')))],
        ['p99 latency', ms(num(at(r, 'summary', 'latency_ms', 'total', 'p99')))],
      ] as const)
      : ([['latency', 'not logged']] as const)),
    ['bytes out', bytes(num(at(r, 'summary', 'bytes', 'out')))],
    ['findings', int(findings.length), bySev.map(([sv, n]) => `${n} ${sv}`).join(', ')],
    ['malformed lines', int(malformed)],
  ])}
${problems.length ? h`<p class="warn">Input problems: ${problems.join(', ')}. Every line is accounted for; see <a href="#diagnostics">Diagnostics</a>.</p>` : ''}
${inputsTable(inputs)}
<details><summary>Options used</summary><dl class="metrics">${options.map(([k, v]) => h`<div><dt>${k}</dt><dd class="mono">${value(v)}</dd></div>`)}</dl></details>
</header>`;
}

function timelineSection(r: Report, findings: readonly ReportFinding[]): Html {
  const t = readTimeline(r['timeline']);
  return h`<section id="timeline"><h2>Timeline</h2>${t ? timelineSvg(t, findings) : h`<p class="muted">This report has no timeline (made with --summary-only or by an older lbua).</p>`}${calendarTables(r)}</section>`;
}

/** Days and hours of day of a log that spans more than 24 hours (timeline.days, timeline.hours_of_day). */
function calendarTables(r: Report): Html {
  const tl = obj(r['timeline']);
  const days = rows(tl?.['days']);
  const hours = rows(tl?.['hours_of_day']);
  if (days.length === 0 && hours.length === 0) return h``;
  const cols = (label: string): Col[] => [textCol(label, 'key'), numCol('requests', 'requests'), numCol('4xx', 'errors_4xx'), numCol('5xx', 'errors_5xx'), numCol('p95', 'p95_ms', (v) => ms(v))];
  return h`<div class="grid2"><div><h4>Days (UTC)</h4>${table(cols('day'), days)}</div><div><h4>Hours of day (UTC, all days)</h4>${table(cols('hour'), hours)}</div></div>`;
}

const RULE_TARGETS: readonly RuleTarget[] = ['nginx', 'haproxy', 'aws-waf'];

function rulesBlock(findings: readonly ReportFinding[], summary: string): Html {
  const blocks = RULE_TARGETS.map((t) => h`<h4>${t}</h4><div class="rules"><button type="button" class="copy">copy</button><pre>${renderRules(findings, t)}</pre></div>`);
  return h`<details class="rule-set"><summary>${summary}</summary>${blocks}</details>`;
}

function action(a: Row): Html {
  const type = str(a['type']) ?? 'action';
  const why = str(a['why']);
  // The run's sentence for the action (what, on what, the evidence and window) leads; the fields follow for reference.
  const summary = str(a['summary']);
  const fields = Object.entries(a)
    .filter(([k]) => k !== 'type' && k !== 'why' && k !== 'summary')
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.map((x) => value(x)).join(', ') || '–' : value(v)}`);
  if (summary) return h`<li>${summary}<br><span class="muted"><b>${type}</b>${fields.length ? h` <span class="mono">${fields.join(' · ')}</span>` : ''}</span></li>`;
  return h`<li><b>${type}</b>${fields.length ? h` <span class="mono">${fields.join(' · ')}</span>` : ''}${why ? h`<br><span class="muted">${why}</span>` : ''}</li>`;
}

function findingArticle(f: ReportFinding, formats: EvidenceFormats): Html {
  const durMs = Date.parse(f.window.end) - Date.parse(f.window.start);
  // Within one minute, minutes say nothing ("07:03 → 07:03 (1 min)"): seconds.
  const windowText = sameMinute(f.window.start, f.window.end)
    ? `${when(f.window.start)}:${f.window.start.slice(17, 19)} → ${f.window.end.slice(11, 19)} UTC (${Math.round(durMs / 1000)} s)`
    : `${when(f.window.start)} → ${when(f.window.end)} UTC (${Math.round(durMs / 60_000)} min)`;
  const metrics = Object.entries(f.metrics);
  const hasRules = f.actions.some((a) => a['type'] === 'rate-limit' || a['type'] === 'block');
  return h`<article class="finding sev-${f.severity}" id="f-${f.id}" data-detector="${f.detector}" data-subject="${f.subject.value}">
<h3><span class="badge sev-${f.severity}">${f.severity}</span>${f.title}</h3>
<p class="meta">${f.detector} · ${f.subject.type} <span class="mono">${f.subject.value}</span> · ${windowText} · confidence ${pct(f.confidence, 0)}</p>
${f.explanation ? h`<p class="muted">${f.explanation}</p>` : ''}
${metrics.length ? h`<dl class="metrics">${metrics.map(([k, v]) => h`<div><dt>${k}</dt><dd>${value(v)}</dd></div>`)}</dl>` : ''}
${f.evidence.length ? h`<h4>Evidence</h4><pre class="evidence">${f.evidence.map((e) => evidenceText(e, formats))}</pre>` : ''}
${f.actions.length ? h`<h4>Actions</h4><ul class="actions">${f.actions.map(action)}</ul>` : ''}
${hasRules ? rulesBlock([f], 'Rules for this finding (nginx, HAProxy, AWS WAF)') : ''}
${f.related && f.related.length ? h`<p class="meta">Related: ${f.related.map((id) => h`<a href="#f-${id.replace(/[^\w-]/g, '')}">${id}</a> `)}</p>` : ''}
</article>`;
}

/** Inputs that yielded no record, named at the top: the findings say nothing about them. */
function noRecordNotice(r: Report): Html {
  const ws = r.warnings.filter((w) => w.code === 'INPUT_NO_RECORDS');
  return ws.length === 0 ? h`` : h`<p class="notice">${ws.map((w) => w.message)}</p>`;
}

/** One row per incident, linking to its headline finding: severity, title, its findings' count and detectors, window, subjects. */
function incidentsTable(incidents: readonly ReportIncident[]): Html {
  const subjects = (i: ReportIncident): string => {
    const shown = i.subjects.slice(0, 3).map((s) => `${s.type} ${s.value}`).join(', ');
    return i.subjects.length > 3 ? `${shown} and ${int(i.subjects.length - 3)} more` : shown;
  };
  const rowsHtml = incidents.map((i) => h`<tr id="i-${i.id}"><td><span class="badge sev-${i.severity}">${i.severity}</span></td><td class="k"><a href="#f-${i.findings[0] ?? ''}">${i.title}</a></td><td class="n">${int(i.findings.length)}</td><td>${i.detectors.join(', ')}</td><td>${when(i.window.start)} → ${when(i.window.end)}</td><td class="k mono">${subjects(i)}</td></tr>`);
  return h`<h3>Incidents <span class="muted">(${int(incidents.length)} from ${int(incidents.reduce((a, i) => a + i.findings.length, 0))} findings)</span></h3>
<table id="incidents"><thead><tr><th>severity</th><th>incident</th><th class="n">findings</th><th>detectors</th><th>window (UTC)</th><th>subjects</th></tr></thead><tbody>${rowsHtml}</tbody></table>`;
}

function findingsSection(findings: readonly ReportFinding[], r: Report): Html {
  // Evidence lines are parsed with the format their input was read with (a saved report may lack it: then detected).
  const formats = inputFormats(rows(r.inputs).flatMap((i) => { const path = str(i['path']); return path === null ? [] : [{ path, format: str(i['format']) }]; }), obj(r.options));
  const sorted = [...findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  const anyRules = findings.some((f) => f.actions.some((a) => a['type'] === 'rate-limit' || a['type'] === 'block'));
  return h`<section id="findings"><h2>Findings <span class="muted">(${int(findings.length)})</span></h2>
${!detectorsRan(r) ? h`<p class="notice">Detectors not run (${notRunBecause(r)}): no finding was looked for.</p>` : findings.length === 0 ? h`<p class="muted">No findings: nothing unusual was detected.</p>` : ''}
${findings.length > 0 ? incidentsTable(readIncidents(r.incidents, findings)) : ''}
${anyRules ? rulesBlock(findings, 'All proposed rules (nginx, HAProxy, AWS WAF)') : ''}
<div id="findings-list">${sorted.map((f) => findingArticle(f, formats))}</div></section>`;
}

function pctl(v: unknown, fmt: (x: number | null) => string): string {
  return `${fmt(num(at(v, 'p50')))} / ${fmt(num(at(v, 'p95')))} / ${fmt(num(at(v, 'p99')))}`;
}

function sessionsSection(r: Report, findings: readonly ReportFinding[]): Html {
  const s = obj(r['sessions']);
  if (s === null) return h`<section id="sessions"><h2>Sessions</h2><p class="muted">This report has no sessions section.</p></section>`;
  const loops = findings.filter((f) => f.detector === 'looping-session');
  const endpointCol: Col = { label: 'endpoint', wide: true, show: (x) => h`<span class="mono">${str(x['endpoint']) ?? '–'}</span>` };
  return h`<section id="sessions"><h2>Sessions</h2>
${cards([
    ['sessions', int(num(s['count']))],
    ['duration p50 / p95 / p99', pctl(s['duration_s'], seconds)],
    ['requests per session p50 / p95 / p99', pctl(s['requests_per_session'], (x: number | null) => (x === null ? '–' : String(Math.round(x))))],
    ['bounce rate', pct(num(s['bounce_rate']))],
    ['static assets only', int(num(s['static_only']))],
    ['timeout', `${int(num(s['timeout_minutes']))} min, key ${str(s['key']) ?? '?'}`],
  ])}
<div class="grid2"><div><h4>Bots vs people</h4>${table([
    textCol('class', 'class', false), numCol('sessions', 'sessions'), numCol('requests', 'requests'),
    { label: 'share of sessions', numeric: true, show: (x) => h`${pct(num(x['share']))} <progress max="1" value="${num(x['share']) ?? 0}"></progress>` },
  ], rows(s['classes']))}</div>
<div><h4>Most common flows</h4>${table([
    { label: 'from → to', wide: true, show: (x) => h`<span class="mono">${str(x['from']) ?? '–'} → ${str(x['to']) ?? '–'}</span>` },
    numCol('times', 'count'),
  ], rows(s['top_transitions']))}</div>
<div><h4>Entry endpoints</h4>${table([endpointCol, numCol('sessions', 'sessions')], rows(s['top_entry']))}</div>
<div><h4>Exit endpoints</h4>${table([endpointCol, numCol('sessions', 'sessions')], rows(s['top_exit']))}</div></div>
<h4>Looping sessions</h4>${loops.length === 0 ? h`<p class="muted">None detected.</p>` : h`<ul>${loops.map((f) => h`<li><a href="#f-${f.id}">${f.title}</a></li>`)}</ul>`}
</section>`;
}

function endpointCols(): Col[] {
  const endpoint: Col = { label: 'endpoint', wide: true, show: (x) => h`<span class="mono">${str(x['endpoint']) ?? '–'}</span>`, sortBy: (x) => str(x['endpoint']) };
  const fivexx: Col = { label: '5xx', numeric: true, show: (x) => int(num(at(x, 'status', '5xx')) ?? 0), sortBy: (x) => num(at(x, 'status', '5xx')) ?? 0 };
  return [
    endpoint,
    numCol('requests', 'requests'),
    numCol('share', 'share', (v) => pct(v)),
    msCol('p50', 'p50_ms'), msCol('p95', 'p95_ms'), msCol('p99', 'p99_ms'),
    msCol('backend p95', 'backend_p95_ms'),
    numCol('error rate', 'error_rate', (v) => pct(v, 2)),
    fivexx,
    numCol('clients', 'clients'),
  ];
}

function endpointsSection(r: Report): Html {
  const p = obj(r['profiles']);
  const top = rows(p?.['endpoints_top']);
  const failing = [...top].filter((x) => (num(x['error_rate']) ?? 0) > 0).sort((a, b) => (num(b['error_rate']) ?? 0) - (num(a['error_rate']) ?? 0)).slice(0, 10);
  const collapsed = strs(p?.['collapsed_routes']);
  return h`<section id="endpoints"><h2>Endpoints</h2>
${p === null ? h`<p class="muted">This report has no endpoint profile.</p>` : h`<p class="muted">Click a column to sort.</p>${table(endpointCols(), top, { sortable: true, id: 'endpoints-table' })}
<div class="grid2"><div><h4>Slowest (p95, endpoints with enough traffic)</h4>${table(endpointCols().filter((c) => ['endpoint', 'requests', 'p95', 'p99', 'backend p95'].includes(c.label)), rows(p['endpoints_slowest']).slice(0, 10), { empty: timed(r) ? 'No endpoint with enough traffic.' : 'Latency is not logged by this format.' })}</div>
<div><h4>Most failing (of the busiest endpoints)</h4>${table(endpointCols().filter((c) => ['endpoint', 'requests', 'error rate', '5xx'].includes(c.label)), failing, { empty: 'No errors among the top endpoints.' })}</div></div>
${collapsed.length ? h`<p class="muted">Routes collapsed for cardinality: ${collapsed.join(', ')}</p>` : ''}`}
<h4>Paths with most errors</h4>${table([textCol('status and path', 'key'), numCol('requests', 'requests'), numCol('share of all requests', 'share', (v) => pct(v, 2))], rows(at(r, 'top', 'error_paths')))}
</section>`;
}

function change(x: Row): Html {
  const c = obj(x['change']);
  const v = num(c?.['p95_change']);
  if (c === null || (num(c['p95_ms_first']) === null && num(c['p95_ms_last']) === null)) return h`–`;
  const cls = v === null ? '' : v > 0.2 ? 'up' : v < -0.2 ? 'down' : '';
  return h`<span class="${cls}">${ms(num(c['p95_ms_first']))} → ${ms(num(c['p95_ms_last']))}${v === null ? '' : ` (${v >= 0 ? '+' : ''}${pct(v, 0)})`}</span>`;
}

function regionsSection(r: Report): Html {
  const g = obj(r['geo']);
  if (g === null) return h`<section id="regions"><h2>Regions and networks</h2><p class="muted">No geo data in this report (run with geo data; it is on by default).</p></section>`;
  const shift = (x: Row): string => {
    const c = obj(x['change']);
    return c ? `${int(num(c['requests_first']))} → ${int(num(c['requests_last']))}` : '–';
  };
  const common: Col[] = [
    numCol('requests', 'requests'), numCol('share', 'share', (v) => pct(v)), numCol('clients', 'clients'),
    numCol('error rate', 'error_rate', (v) => pct(v, 2)), msCol('p50', 'p50_ms'), msCol('p95', 'p95_ms'),
    { label: 'requests first → last third', numeric: true, show: shift },
    { label: 'p95 first → last third', numeric: true, show: change, sortBy: (x) => num(at(x, 'change', 'p95_change')), timing: true },
  ];
  return h`<section id="regions"><h2>Regions and networks</h2>
<p class="muted">Changes compare the first third of the period with the last third.</p>
<h4>Countries</h4>${table([{ label: 'country', show: (x) => str(x['key']) ?? '–', sortBy: (x) => str(x['key']) }, ...common], rows(g['countries']), { sortable: true })}
<h4>Networks (ASN)</h4>${table([
    { label: 'ASN', show: (x) => str(x['key']) ?? '–', sortBy: (x) => str(x['key']) },
    textCol('name', 'name'), textCol('kind', 'network', false), ...common,
  ], rows(g['asns']), { sortable: true })}
<h4>Latency risers</h4>${table([
    textCol('network', 'key', false), textCol('name', 'name'), numCol('requests', 'requests'),
    { label: 'p95 first → last third', numeric: true, show: change },
  ], rows(g['latency_risers']), { empty: 'No region or network got markedly slower.' })}
<p class="muted">${strs(g['data']).join(' · ')}</p>
</section>`;
}

function clientsSection(r: Report): Html {
  const p = obj(r['profiles']);
  return h`<section id="clients"><h2>Clients</h2>
<div class="grid2"><div><h4>Top talkers</h4>${table([
    { label: 'client', show: (x) => h`<span class="mono">${str(x['key']) ?? '–'}</span>` }, numCol('requests', 'requests'), numCol('share', 'share', (v) => pct(v)),
  ], rows(at(r, 'top', 'clients')))}</div>
<div><h4>Client classes</h4>${table([
    textCol('class', 'key', false), numCol('requests (by agent)', 'requests'), numCol('sessions', 'sessions'), numCol('requests in sessions', 'session_requests'),
    numCol('error rate', 'error_rate', (v) => pct(v, 2)), msCol('p95', 'p95_ms'),
  ], rows(p?.['client_classes']))}
<p class="muted">A request's class comes from its user agent; a session's from its behaviour too, so "suspect" exists only for sessions.</p></div></div>
<h4>Suspects and bots</h4>${table([
    { label: 'client', show: (x) => h`<span class="mono">${str(x['client_ip']) ?? '–'}</span>` },
    textCol('class', 'class', false),
    numCol('requests', 'requests'), numCol('errors', 'errors'),
    { label: 'when', show: (x) => `${when(str(x['start']))} → ${when(str(x['end'])).slice(11)}` },
    { label: 'reasons', wide: true, show: (x) => strs(x['reasons']).join('; ') || '–' },
    { label: 'user agent', wide: true, show: (x) => h`<span class="mono">${str(x['user_agent']) ?? '–'}</span>` },
  ], rows(at(r, 'sessions', 'top_non_human')), { empty: 'No non-human sessions.' })}
<div class="grid2"><div><h4>Agent families</h4>${table([
    textCol('family', 'key', false), numCol('requests', 'requests'), numCol('sessions', 'sessions'), numCol('error rate', 'error_rate', (v) => pct(v, 2)),
  ], rows(p?.['agent_families']))}</div>
<div><h4>User agents</h4>${table([textCol('user agent', 'key'), numCol('requests', 'requests')], rows(at(r, 'top', 'user_agents')))}</div>
${at(r, 'top', 'referrers') === undefined ? '' : h`<div><h4>Referrers</h4>${table([textCol('referrer', 'key'), numCol('requests', 'requests')], rows(at(r, 'top', 'referrers')))}</div>`}
<div><h4>Protocols</h4>${table([textCol('protocol', 'k', false), numCol('share', 'v', (v) => pct(v))], Object.entries(obj(p?.['protocols']) ?? {}).map(([k, v]) => ({ k, v })))}</div>
<div><h4>TLS</h4>${table([textCol('version', 'k', false), numCol('share', 'v', (v) => pct(v))], Object.entries(obj(p?.['tls']) ?? {}).map(([k, v]) => ({ k, v })), { empty: 'No request logged a TLS version (plain HTTP, or a format that does not log it).' })}</div></div>
</section>`;
}

function diagnosticsSection(r: Report): Html {
  const w = rows(r.warnings);
  const total = num(r.warnings_total) ?? w.length;
  return h`<section id="diagnostics"><h2>Diagnostics <span class="muted">(${int(total)})</span></h2>
${table([
    { label: 'where', show: (x) => `${str(x['file']) ?? ''}${num(x['line']) === null ? '' : `:${num(x['line'])}`}` },
    textCol('severity', 'severity', false), textCol('code', 'code', false), textCol('message', 'message'),
    { label: 'line', wide: true, show: (x) => h`<span class="mono">${str(x['excerpt']) ?? ''}</span>` },
  ], w, { empty: 'Every line parsed.' })}
${total > w.length ? h`<p class="muted">${int(total - w.length)} more not listed (--max-warnings).</p>` : ''}
</section>`;
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('base64');
}

/** The Content-Security-Policy for a page whose only style and script are the given blocks. */
export function contentSecurityPolicy(css: string, js: string): string {
  return [
    "default-src 'none'",
    `style-src 'sha256-${sha256(css)}'`,
    `script-src 'sha256-${sha256(js)}'`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Renders the report as one HTML document. */
export function renderHtml(report: Report): string {
  const findings = readFindings(report.findings);
  const range = obj(at(report, 'summary', 'time_range'));
  const title = `lbua report ${range ? `${when(str(range['start']))} – ${when(str(range['end']))}` : ''}`.trim();
  const page = h`<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${raw(contentSecurityPolicy(CSS, JS))}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lbua ${str(at(report, 'tool', 'version')) ?? ''}">
<title>${title}</title>
<style>${raw(CSS)}</style>
</head><body>
<nav><a href="#timeline">Timeline</a><a href="#findings">Findings (${int(findings.length)})</a><a href="#sessions">Sessions</a><a href="#endpoints">Endpoints</a>${report.change ? raw('<a href="#change">Change</a>') : ''}<a href="#regions">Regions</a><a href="#clients">Clients</a><a href="#diagnostics">Diagnostics</a></nav>
<main>
${header(report, findings)}
${noRecordNotice(report)}
${timelineSection(report, findings)}
${findingsSection(findings, report)}
${sessionsSection(report, findings)}
${endpointsSection(report)}
${changeHtml(report)}
${regionsSection(report)}
${clientsSection(report)}
${diagnosticsSection(report)}
<footer>Generated by lbua ${str(at(report, 'tool', 'version')) ?? ''} from ${int(rows(report.inputs).length)} input(s). Times are UTC. Every value that came from a log is shown as text.</footer>
</main>
<div id="tip" role="tooltip"></div>
<script>${raw(JS)}</script>
</body></html>
`;
  return page.html;
}

/** `--output html`: one self-contained page. */
export const htmlReporter: Reporter = {
  id: 'html',
  description: 'one self-contained HTML page',
  extensions: ['.html', '.htm'],
  render: (report) => renderHtml(report),
};
