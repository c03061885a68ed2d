/**
 * `--output markdown` (`-o digest.md`): a short digest for a team channel, an issue or a mail — GitHub, Slack and
 * mail clients render it. Incidents first (severity, title, window, subjects, the actions of their findings), then
 * the few numbers a reader checks (requests, errors, latency, the peak minute), then the movers the report already
 * ranks (slowest endpoints with their error rates, regions and networks whose latency rose), then a link to the
 * HTML report written in the same run. A run without findings is its key numbers only: one screen.
 *
 * Every log-derived string goes through mdText (running text) or mdCode (a value): see markdown-text.ts.
 */
import type { GeoRow, RenderOptions, Report, ReportFinding, ReportIncident, Reporter } from './types';
import { incidentsOf } from '../core/incidents';
import { detectorsRan, notRunBecause } from '../core/report-types';
import { spansDays, windowText } from '../core/units';
import { fmt } from '../core/format';
import { percent } from './style';
import { describeAction } from './table';
import { mdCode, mdHref, mdText } from './markdown-text';

/** Incidents shown with their subjects and actions; the rest get one line each, up to INCIDENT_LINES in all. */
const INCIDENTS_DETAILED = 10;
const INCIDENT_LINES = 25;
/** Subjects and actions listed per incident. */
const SUBJECTS_SHOWN = 4;
const ACTIONS_SHOWN = 4;
/** Rows of each movers table. */
const MOVER_ROWS = 3;

/** `--output markdown`. */
export const markdownReporter: Reporter = {
  id: 'markdown',
  description: 'a short digest in markdown (incidents, key numbers, movers) for GitHub, Slack or mail',
  extensions: ['.md', '.markdown'],
  render: (report, options) => renderMarkdown(report, options),
};

/** Renders the digest. Pure; ends with one newline. */
export function renderMarkdown(report: Report, options: Pick<RenderOptions, 'htmlHref'>): string {
  const withDate = spansDays(report.summary.time_range);
  const blocks: string[] = [];
  const incidents = detectorsRan(report) ? incidentsOf(report) : [];
  blocks.push(`# ${headline(report, incidents)}`);
  blocks.push(periodLine(report));
  for (const w of report.warnings.filter((x) => x.code === 'INPUT_NO_RECORDS')) blocks.push(`> **Warning:** ${mdText(w.message)}`);
  if (!detectorsRan(report)) blocks.push(`Detectors not run (${notRunBecause(report)}): no finding was looked for.`);
  else if (incidents.length === 0) blocks.push('**No findings.**');
  else blocks.push(`## Incidents\n\n${incidentList(report, incidents, withDate)}`);
  blocks.push(`## Key numbers\n\n${keyNumbers(report)}`);
  // Nothing found: the key numbers say it all (one screen); the movers would only rank noise.
  const movers = incidents.length > 0 ? moverTables(report) : '';
  if (movers !== '') blocks.push(movers);
  if (options.htmlHref !== undefined) blocks.push(`Full report: [${mdText(lastSegment(options.htmlHref))}](${mdHref(options.htmlHref)})`);
  return `${blocks.join('\n\n')}\n`;
}

/** "lbua: 3 incidents (1 critical, 2 high)" or "lbua: no findings". */
function headline(report: Report, incidents: readonly ReportIncident[]): string {
  if (!detectorsRan(report)) return 'lbua: traffic summary';
  if (incidents.length === 0) return 'lbua: no findings';
  const bySeverity = new Map<string, number>();
  for (const i of incidents) bySeverity.set(i.severity, (bySeverity.get(i.severity) ?? 0) + 1);
  const parts = ['critical', 'high', 'medium', 'low', 'info'].flatMap((s) => (bySeverity.has(s) ? [`${fmt(bySeverity.get(s) ?? 0)} ${s}`] : []));
  return `lbua: ${plural(incidents.length, 'incident')} (${parts.join(', ')})`;
}

/** The period, the requests and the inputs, on one line. */
function periodLine(report: Report): string {
  const range = report.summary.time_range;
  const period = range === null ? 'no timestamps' : `${windowText(range.start, range.end, true)} UTC`;
  const inputs = report.inputs.length === 1 && report.inputs[0] !== undefined
    ? `input ${mdCode(lastSegment(report.inputs[0].path), 80)}`
    : plural(report.inputs.length, 'input');
  return `${period} · ${plural(report.summary.requests, 'request')} · ${inputs}`;
}

/** The incidents as an ordered list: the first ones with subjects, detectors and actions, then one line each. */
function incidentList(report: Report, incidents: readonly ReportIncident[], withDate: boolean): string {
  const byId = new Map(report.findings.map((f) => [f.id, f]));
  const lines: string[] = [];
  incidents.slice(0, INCIDENT_LINES).forEach((inc, i) => {
    lines.push(`${i + 1}. **${inc.severity.toUpperCase()}** ${mdText(inc.title, 200)} — ${windowText(inc.window.start, inc.window.end, withDate)} UTC`);
    if (i >= INCIDENTS_DETAILED) return;
    // Nested items are indented to the item's text ("10. " is four wide), or they would not nest.
    const ind = ' '.repeat(String(i + 1).length + 2);
    const subjects = inc.subjects.slice(0, SUBJECTS_SHOWN).map((s) => `${mdText(s.type, 40)} ${mdCode(s.value, 80)}`);
    if (inc.subjects.length > SUBJECTS_SHOWN) subjects.push(`and ${fmt(inc.subjects.length - SUBJECTS_SHOWN)} more`);
    if (subjects.length > 0) lines.push(`${ind}- Subjects: ${subjects.join(', ')}`);
    lines.push(`${ind}- ${plural(inc.findings.length, 'finding')}: ${inc.detectors.map((d) => mdText(d, 40)).join(', ')}`);
    const actions = incidentActions(inc, byId, withDate);
    if (actions.length > 0) {
      lines.push(`${ind}- Actions:`);
      for (const a of actions.slice(0, ACTIONS_SHOWN)) lines.push(`${ind}  - ${a}`);
      if (actions.length > ACTIONS_SHOWN) lines.push(`${ind}  - and ${fmt(actions.length - ACTIONS_SHOWN)} more`);
    }
  });
  if (incidents.length > INCIDENT_LINES) lines.push('', `… and ${plural(incidents.length - INCIDENT_LINES, 'more incident')} in the full report.`);
  return lines.join('\n');
}

/** The distinct actions of an incident's findings, as escaped text, in finding order. */
function incidentActions(inc: ReportIncident, byId: ReadonlyMap<string, ReportFinding>, withDate: boolean): string[] {
  const seen = new Set<string>();
  for (const id of inc.findings) {
    for (const a of byId.get(id)?.actions ?? []) seen.add(mdText(describeAction(a, withDate), 240));
  }
  return [...seen];
}

/** Five to eight numbers as a list: requests and clients, errors, latency, the peak minute, sessions, bad lines. */
function keyNumbers(report: Report): string {
  const s = report.summary;
  const share = (cls: string): string => (s.requests > 0 ? percent((s.status_classes[cls] ?? 0) / s.requests) : '-');
  const ms = (v: number | null): string => (v === null ? '-' : `${fmt(v)} ms`);
  const items = [
    `Requests: **${fmt(s.requests)}** from ${plural(s.unique_clients, 'client')}`,
    `Errors: 5xx **${share('5xx')}**, 4xx ${share('4xx')}`,
  ];
  const lat = s.latency_ms.total;
  if (lat.count > 0) items.push(`Latency: p95 **${ms(lat.p95)}**, p50 ${ms(lat.p50)}, p99 ${ms(lat.p99)}`);
  const rpm = s.requests_per_minute;
  if (rpm.peak_minute !== null) items.push(`Peak minute: **${fmt(rpm.peak)}** requests at ${rpm.peak_minute.slice(11, 16)} UTC (median ${fmt(rpm.median)}/min)`);
  if (report.sessions !== undefined) items.push(`Sessions: ${fmt(report.sessions.count)}, bounce rate ${percent(report.sessions.bounce_rate)}`);
  if (report.findings.length > 0) items.push(`Findings: ${fmt(report.findings.length)}`);
  const malformed = report.inputs.reduce((n, i) => n + i.malformed, 0);
  items.push(`Malformed lines: ${fmt(malformed)}${report.warnings_total > 0 ? ` (${plural(report.warnings_total, 'diagnostic')})` : ''}`);
  // A truncated or corrupt input was read only up to the damage: the numbers above miss the rest of it.
  for (const i of report.inputs) {
    if (i.damaged !== null) items.push(`**Input damaged:** ${mdCode(i.path, 120)}: ${mdText(i.damaged.message, 160)}; the ${plural(i.lines, 'line')} before it were read`);
  }
  return items.map((i) => `- ${i}`).join('\n');
}

/** The slowest endpoints and the regions/networks whose latency rose, a few rows each ('' when neither exists). */
function moverTables(report: Report): string {
  const out: string[] = [];
  const slow = (report.profiles?.endpoints_slowest ?? []).filter((e) => e.p95_ms !== null).slice(0, MOVER_ROWS);
  if (slow.length > 0) {
    const rows = slow.map((e) => `| ${mdCode(e.endpoint, 80, true)} | ${fmt(e.requests)} | ${msText(e.p95_ms)} | ${percent(e.error_rate)} |`);
    out.push(['**Slowest endpoints**', '', '| Endpoint | Requests | p95 | Errors |', '|---|--:|--:|--:|'].concat(rows).join('\n'));
  }
  const risers = (report.geo?.latency_risers ?? []).filter((g) => g.change !== null).slice(0, MOVER_ROWS);
  if (risers.length > 0) {
    const rows = risers.map((g) => `| ${geoName(g)} | ${fmt(g.requests)} | ${msText(g.change?.p95_ms_first ?? null)} → ${msText(g.change?.p95_ms_last ?? null)} | ${percent(g.error_rate)} |`);
    out.push(['**Where latency rose** (p95, first third → last third of the period)', '', '| Where | Requests | p95 | Errors |', '|---|--:|--:|--:|'].concat(rows).join('\n'));
  }
  return out.length === 0 ? '' : `## Movers\n\n${out.join('\n\n')}`;
}

/** A region or network: its key as code, its name as text ("`AS16509` Amazon.com, Inc."). */
function geoName(g: GeoRow): string {
  return g.name === null || g.name === g.key ? mdCode(g.key, 40, true) : `${mdCode(g.key, 40, true)} ${mdText(g.name, 60)}`;
}

function msText(v: number | null): string {
  return v === null ? '-' : `${fmt(v, 0)} ms`;
}

function plural(n: number, word: string): string {
  return `${fmt(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** The file name of a path (for link text and the input line). */
function lastSegment(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}
