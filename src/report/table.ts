/**
 * Terminal reporter: incidents and their findings first (most severe first), then inputs, summary, latency and top
 * tables.
 * Every log-derived string passes through `safe()` (control characters stripped, length capped).
 */
import type { RenderOptions, Report, ReportFinding, ReportIncident, Reporter, ReportInput, ReportLatency, ReportTopRow } from './types';
import { incidentsOf } from '../core/incidents';
import { heading, makeStyle, percent, safe, safeTail, textTable, visible, wrapWords, type Style } from './style';
import { inCidr } from '../enrich/geo/ip';
import { formatBytes, spansDays, windowText } from '../core/units';
import { fmt } from '../core/format';
import { renderCalendar, renderGeo, renderProfiles, renderSessions } from './table-sections';
import { renderChange } from './table-change';
import { evidenceLineSummary, inputFormats, type EvidenceFormats } from './evidence';
import { detectorsRan, notRunBecause } from '../core/report-types';

/** Rendering options for the terminal (the reporters' options: all of them are the table's). */
export type TableOptions = RenderOptions;

/** `--output table`: text tables for a terminal (colour, fitted to its width) or a file. */
export const tableReporter: Reporter = {
  id: 'table',
  description: 'text tables for a terminal',
  extensions: [],
  render: (report, options) => renderTable(report, options),
};

/** Renders the report as text tables. */
export function renderTable(report: Report, opts: TableOptions): string {
  const st = makeStyle(opts.color);
  const out: string[] = [];
  const keyWidth = Math.max(30, Math.min(90, opts.columns - 30));
  const fit = opts.fit ?? Number.POSITIVE_INFINITY;
  out.push(renderFindings(report, st, opts));
  out.push(heading(st, 'Inputs'));
  out.push(renderInputs(report.inputs, st, keyWidth, fit));
  const s = report.summary;
  out.push(heading(st, 'Traffic'));
  const kv = textTable([], fit);
  kv.push(['period', s.time_range ? `${s.time_range.start} → ${s.time_range.end}` : '-']);
  kv.push(['requests', num(s.requests)]);
  kv.push(['unique clients', num(s.unique_clients)]);
  kv.push(['requests/min', `peak ${num(s.requests_per_minute.peak)}${s.requests_per_minute.peak_minute ? ` at ${s.requests_per_minute.peak_minute.slice(0, 16)}Z` : ''}, median ${num(s.requests_per_minute.median)}, mean ${s.requests_per_minute.mean < 1 ? String(s.requests_per_minute.mean) : num(s.requests_per_minute.mean)}`]);
  kv.push(['status classes', Object.entries(s.status_classes).map(([k, v]) => `${colorClass(st, k)} ${num(v)} (${pct(v, s.requests)})`).join('  ')]);
  kv.push(['top status', s.top_status.slice(0, 8).map((x) => `${x.status ?? '-'}: ${num(x.requests)}`).join('  ')]);
  kv.push(['bytes', `in ${bytes(s.bytes.in)}, out ${bytes(s.bytes.out)}`]);
  kv.push(['latency total', lat(s.latency_ms.total)]);
  kv.push(['latency backend', lat(s.latency_ms.backend)]);
  out.push(kv.toString());
  const titles: Readonly<Record<string, string>> = {
    clients: 'Top clients', paths: 'Top paths', hosts: 'Top hosts', user_agents: 'Top user agents',
    backends: 'Top backends', error_paths: 'Top error paths (status path)', referrers: 'Top referrers',
  };
  for (const [key, rows] of Object.entries(report.top)) {
    if (rows.length === 0) continue;
    out.push(heading(st, titles[key] ?? key));
    out.push(topTable(rows, keyWidth, fit));
  }
  for (const section of extraSections(report)) out.push(section(st, keyWidth, fit));
  const text = out.filter((x) => x !== '').join('\n');
  return `${opts.fit === undefined ? text : text.split('\n').flatMap((l) => fitLine(l, opts.fit ?? 80)).join('\n')}\n`;
}

/** Inputs listed one per row beyond which the table shows totals per format and only the inputs with problems. */
const INPUT_ROWS = 12;

/**
 * The inputs table. An S3 export tree has hundreds of files a day: then each format gets one row of totals, and
 * only the inputs with malformed lines or damage are listed (the JSON and HTML reports list every input).
 */
function renderInputs(inputs: readonly ReportInput[], st: Style, keyWidth: number, fit: number): string {
  // The note (damage) comes before the blank and filtered counts: on a narrow terminal those are hidden first.
  const t = textTable(['file', 'format', 'lines', 'records', 'malformed', 'note', 'skipped', 'filtered'], fit);
  const row = (i: ReportInput): string[] => [safeTail(i.path, keyWidth), i.format ?? '?', num(i.lines), num(i.records), i.malformed ? st.yellow(num(i.malformed)) : '0', i.damaged ? st.red(`damaged at byte ${i.damaged.offset}`) : i.gzip ? 'gzip' : '', num(i.skipped), num(i.filtered)];
  if (inputs.length <= INPUT_ROWS) {
    for (const i of inputs) t.push(row(i));
    return t.toString();
  }
  const byFormat = new Map<string, { files: number; lines: number; records: number; malformed: number; skipped: number; filtered: number; gzip: number }>();
  for (const i of inputs) {
    const key = i.format ?? '?';
    const a = byFormat.get(key) ?? { files: 0, lines: 0, records: 0, malformed: 0, skipped: 0, filtered: 0, gzip: 0 };
    a.files++;
    a.lines += i.lines;
    a.records += i.records;
    a.malformed += i.malformed;
    a.skipped += i.skipped;
    a.filtered += i.filtered;
    if (i.gzip) a.gzip++;
    byFormat.set(key, a);
  }
  // Formats by name; inputs no format parses ("?") last.
  const order = (f: string): string => (f === '?' ? '\uffff' : f);
  for (const [format, a] of [...byFormat].sort(([x], [y]) => (order(x) < order(y) ? -1 : order(x) > order(y) ? 1 : 0))) {
    t.push([`${num(a.files)} file${a.files === 1 ? '' : 's'}`, format, num(a.lines), num(a.records), a.malformed ? st.yellow(num(a.malformed)) : '0', a.gzip ? `${num(a.gzip)} gzip` : '', num(a.skipped), num(a.filtered)]);
  }
  // A file no format parses is a problem through its malformed lines; one found under a directory and skipped as
  // not a log (INPUT_NOT_A_LOG) is not, and stays in the "?" total.
  const problems = inputs.filter((i) => i.malformed > 0 || i.damaged !== null);
  for (const i of problems.slice(0, INPUT_ROWS)) t.push(row(i));
  const note = problems.length > INPUT_ROWS ? `${num(problems.length - INPUT_ROWS)} more inputs with problems; ` : '';
  return `${t.toString()}\n${st.dim(`  ${num(inputs.length)} inputs: totals per format${problems.length ? ', then the inputs with problems' : ''} (${note}--output json lists every input)`)}`;
}

/** Renderers for the later report sections (pure functions of the report; each returns '' when absent). */
function extraSections(report: Report): ((st: Style, w: number, fit: number) => string)[] {
  return [(st, w, fit) => renderProfiles(report, st, w, fit), (st, _w, fit) => renderCalendar(report, st, fit), (st, w, fit) => renderGeo(report, st, w, fit), (st, w, fit) => renderSessions(report, st, w, fit), (st, w, fit) => renderChange(report, st, w, fit)];
}

function renderFindings(report: Report, st: Style, opts: TableOptions): string {
  const lines: string[] = [];
  // Inputs that yielded no record head the report: the findings below say nothing about them.
  for (const w of report.warnings.filter((x) => x.code === 'INPUT_NO_RECORDS')) lines.push(st.yellow(`! ${safe(w.message, 400)}`));
  if (!detectorsRan(report)) {
    lines.push(heading(st, 'Findings'), st.yellow(`  Detectors not run (${notRunBecause(report)}): no finding was looked for.`));
    return lines.join('\n');
  }
  lines.push(heading(st, `Findings (${report.findings.length})`));
  if (report.findings.length === 0) {
    lines.push(st.green('  No findings.'));
    return lines.join('\n');
  }
  const withDate = spansDays(report.summary.time_range);
  const formats = inputFormats(report.inputs, report.options);
  const incidents = incidentsOf(report);
  const byId = new Map(report.findings.map((f) => [f.id, f]));
  // One line per incident first (when grouping joined findings), then each incident's findings under it.
  if (incidents.length < report.findings.length) {
    lines.splice(lines.length - 1, 1, heading(st, `Incidents (${incidents.length}) from ${report.findings.length} findings`));
    for (const inc of incidents) for (const l of incidentLine(inc, st, withDate, opts)) lines.push(l);
    lines.push(heading(st, `Findings (${report.findings.length})`));
  }
  const shown = new Set<string>();
  for (const inc of incidents) {
    const parts = inc.findings.map((id) => byId.get(id)).filter((f): f is ReportFinding => f !== undefined && !shown.has(f.id));
    parts.slice(0, PARTS_SHOWN).forEach((f, i) => {
      shown.add(f.id);
      for (const l of findingLines(f, i === 0 ? '' : '  ', st, withDate, formats, opts)) lines.push(l);
    });
    if (parts.length > PARTS_SHOWN) {
      for (const f of parts) shown.add(f.id);
      lines.push(st.dim(`             … and ${num(parts.length - PARTS_SHOWN)} more findings of this incident (--output json lists them all)`));
    }
  }
  // Findings no incident names (a hand-edited saved report): listed as they come.
  for (const f of report.findings) if (!shown.has(f.id)) for (const l of findingLines(f, '', st, withDate, formats, opts)) lines.push(l);
  if (report.findings.some((f) => f.actions.some((a) => a['type'] === 'rate-limit' || a['type'] === 'block'))) {
    lines.push(st.dim('  Rules for these actions: add --emit-rules nginx|haproxy|aws-waf'));
  }
  return lines.join('\n');
}

/** Findings shown per incident in the terminal (the headline and the first parts); JSON and HTML list them all. */
const PARTS_SHOWN = 6;

/** One incident as one line: severity, title, how many findings and of which detectors, its window. */
function incidentLine(inc: ReportIncident, st: Style, withDate: boolean, opts: TableOptions): string[] {
  const sev = inc.severity.toUpperCase().padEnd(8);
  const colored = inc.severity === 'critical' || inc.severity === 'high' ? st.red(sev) : inc.severity === 'medium' ? st.yellow(sev) : st.dim(sev);
  const n = inc.findings.length;
  const what = n === 1 ? `[${inc.detectors[0] ?? ''}]` : `[${n} findings: ${inc.detectors.map((d) => safe(d, 30)).join(', ')}]`;
  const tail = st.dim(`${what} ${windowText(inc.window.start, inc.window.end, withDate)}`);
  const title = safe(inc.title, 140);
  if (opts.fit === undefined) return [`  ${colored} ${title}  ${tail}`];
  return wrapWords(`${title}  ${tail}`, Math.max(30, opts.fit - 11)).map((l, i) => (i === 0 ? `  ${colored} ${l}` : `           ${l}`));
}

/** A finding's lines: severity, title, detector and window, its actions, and (with --evidence) its log lines. */
function findingLines(f: ReportFinding, indent: string, st: Style, withDate: boolean, formats: EvidenceFormats, opts: TableOptions): string[] {
  const lines: string[] = [];
  const sev = f.severity.toUpperCase().padEnd(8);
  const colored = f.severity === 'critical' || f.severity === 'high' ? st.red(sev) : f.severity === 'medium' ? st.yellow(sev) : st.dim(sev);
  const where = `[${f.detector}] ${windowText(f.window.start, f.window.end, withDate)}`;
  const title = safe(f.title, 140);
  const pad = `           ${indent}`;
  if (opts.fit === undefined) lines.push(`  ${indent}${colored} ${title}  ${st.dim(where)}`);
  else {
    // Wrapped at the terminal's width, continuation lines under the title.
    const body = wrapWords(`${title}  ${st.dim(where)}`, Math.max(30, opts.fit - 11 - indent.length));
    body.forEach((l, i) => lines.push(i === 0 ? `  ${indent}${colored} ${l}` : `${pad}${l}`));
  }
  for (const a of f.actions) {
    const text = describeAction(a, withDate);
    const parts = opts.fit === undefined ? [text] : wrapWords(text, Math.max(30, opts.fit - 13 - indent.length));
    parts.forEach((p, i) => lines.push(i === 0 ? `${pad}${st.cyan('→')} ${p}` : `${pad}  ${p}`));
  }
  if (opts.evidence) {
    for (const e of f.evidence) {
      const at = `${safeTail(e.file, 100)}:${e.line}`;
      const text = e.text === undefined ? '' : (evidenceLineSummary(e.text, e.file, formats) ?? e.text);
      lines.push(st.dim(`${pad}${at}`) + (text === '' ? '' : `  ${safe(text, Math.max(40, opts.columns - 15 - indent.length - at.length))}`));
    }
  }
  return lines;
}

/** A line of running text wrapped to `width` (table rows, already fitted, are left alone), indent kept. */
function fitLine(line: string, width: number): string[] {
  if (/^[┌│├└]/.test(line) || visible(line) <= width) return [line];
  const indent = /^ */.exec(line)?.[0] ?? '';
  return wrapWords(line.slice(indent.length), width - indent.length, width - indent.length - 2).map((l, i) => `${i === 0 ? indent : `${indent}  `}${l}`);
}

/** One line for a proposed action (log-derived parts made terminal-safe); `withDate`: windows carry their dates. */
export function describeAction(a: Readonly<Record<string, unknown>>, withDate = false): string {
  const text = (v: unknown, max = 60): string => safe(typeof v === 'string' || typeof v === 'number' ? String(v) : '-', max);
  // The sentence the run wrote (reports before 2026-12-07 have none: then the short form below).
  if (typeof a['summary'] === 'string' && a['summary'] !== '') return safe(a['summary'], 400);
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => text(x, 45)) : []);
  switch (a['type']) {
    case 'rate-limit':
      return `rate-limit ${text(a['limit_per_minute'])}/min per ${text(a['key'])} on ${text(a['scope'], 80)}`;
    case 'block': {
      const cidrs = list(a['cidrs']);
      // Addresses inside a listed network are not repeated (the rule emitters drop them too).
      const ips = list(a['ips']).filter((ip) => !cidrs.some((c) => inCidr(ip, c)));
      const parts = [...cidrs, ...ips];
      const shown = parts.slice(0, 4).join(', ');
      return `block ${shown}${parts.length > 4 ? ` and ${num(parts.length - 4)} more` : ''}`;
    }
    case 'challenge':
      return `challenge (CAPTCHA or proof of work) on ${text(a['scope'], 80)}`;
    case 'capacity':
      return `capacity: ${text(a['subject'], 80)}`;
    case 'no-block':
      return text(a['why'], 200);
    case 'investigate': {
      const w = typeof a['window'] === 'string' ? a['window'].split('/') : [];
      const span = w.length === 2 ? ` ${windowText(w[0] ?? '', w[1] ?? '', withDate)}` : '';
      return `investigate ${text(a['subject'], 80)}${span}`;
    }
    default:
      return text(a['type']);
  }
}



function topTable(rows: readonly ReportTopRow[], width: number, fit: number): string {
  const t = textTable(['#', 'key', 'requests', 'share'], fit);
  rows.forEach((r, i) => t.push([String(i + 1), safe(r.key, width), num(r.requests), percent(r.share)]));
  return t.toString();
}

function colorClass(st: Style, cls: string): string {
  if (cls === '5xx') return st.red(cls);
  if (cls === '4xx') return st.yellow(cls);
  if (cls === '2xx') return st.green(cls);
  return cls;
}

/** 1234567 → "1,234,567". */
export function num(n: number): string {
  return fmt(n);
}

function pct(n: number, total: number): string {
  return total ? percent(n / total) : '0%';
}

function bytes(n: number | null): string {
  return n === null ? 'not logged' : formatBytes(n);
}

function lat(l: ReportLatency): string {
  if (l.count === 0) return 'not logged';
  const f = (v: number | null): string => (v === null ? '-' : `${num(v)} ms`);
  return `p50 ${f(l.p50)}, p95 ${f(l.p95)}, p99 ${f(l.p99)}, max ${f(l.max)} (${num(l.count)} timed)`;
}
