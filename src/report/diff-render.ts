/**
 * Renders a `lbua.diff/1` document (report/diff.ts) as terminal tables, one JSON document or GitHub-flavoured
 * markdown. Log text (endpoints, agents, subjects, titles) is hostile: control characters are stripped for the
 * terminal; markdown shows log values as code spans and escapes titles (report/markdown-text.ts), so none makes a link, an image, HTML, emphasis or a table cell.
 */
import { oneLine, terminalSafeJson } from '../core/text';
import { mdCode, mdText } from './markdown-text';
import type { Delta, EndpointDiff, FindingBrief, KeyDiff, Presence, ReportDiff, TableDiff } from './diff';
import { heading, makeStyle, percent, safe, textTable } from './style';

/** Output kinds of `lbua diff`. */
export const DIFF_KINDS = ['table', 'json', 'markdown'] as const;
export type DiffKind = (typeof DIFF_KINDS)[number];

/** Rows of each listed table shown (the JSON has all). */
const SHOWN = 10;

function num(v: number | null, unit: '' | 'ms' | 'rate' | 'bytes'): string {
  if (v === null) return '-';
  if (unit === 'rate') return percent(v);
  if (unit === 'ms') return `${v.toLocaleString('en-US', { maximumFractionDigits: 1 })} ms`;
  return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function change(d: Delta, unit: '' | 'ms' | 'rate' | 'bytes'): string {
  if (d.delta === null) return '-';
  if (d.delta === 0) return '=';
  const sign = d.delta > 0 ? '+' : '-';
  const abs = Math.abs(d.delta);
  const main = unit === 'rate' ? `${sign}${(abs * 100).toFixed(2)} pt` : `${sign}${num(abs, unit)}`;
  return d.change === null || unit === 'rate' ? main : `${main} (${sign}${Math.abs(d.change * 100).toFixed(1)}%)`;
}

/** What a presence means, in words (the cap named when a key is only below it). */
function presenceText(p: Presence, diff: ReportDiff): string {
  switch (p) {
    case 'both': return '';
    case 'new': return 'new';
    case 'gone': return 'gone';
    case 'below_top_old': return `not in old top ${diff.old.top ?? 'N'}`;
    case 'below_top_new': return `not in new top ${diff.new.top ?? 'N'}`;
  }
}

const TRAFFIC: readonly (readonly [keyof ReportDiff['traffic'], string, '' | 'ms' | 'rate' | 'bytes'])[] = [
  ['requests', 'requests', ''], ['unique_clients', 'unique clients', ''], ['error_rate', 'error rate (4xx+5xx)', 'rate'],
  ['server_error_rate', 'server errors (5xx)', 'rate'], ['p50_ms', 'latency p50', 'ms'], ['p95_ms', 'latency p95', 'ms'],
  ['bytes_in', 'bytes in', 'bytes'], ['bytes_out', 'bytes out', 'bytes'],
];

const period = (s: ReportDiff['old']): string => (s.period === null ? 'no records' : `${s.period.start} – ${s.period.end}`);

/** Endpoints worth showing: changed presence, error rate or p95 first (by size of change), at most SHOWN. */
function shownEndpoints(diff: ReportDiff): EndpointDiff[] {
  const weight = (e: EndpointDiff): number => (e.presence === 'both' ? 0 : 1) * 1e9 + Math.abs(e.error_rate.delta ?? 0) * 1e6 + Math.abs(e.p95_ms.change ?? 0) * 1e3;
  return [...diff.endpoints].sort((a, b) => weight(b) - weight(a) || (a.endpoint < b.endpoint ? -1 : 1)).slice(0, SHOWN);
}

const changedRows = (t: TableDiff): KeyDiff[] => t.rows.filter((r) => r.presence !== 'both').slice(0, SHOWN);

const counts = (d: Delta): string => `${num(d.old, '')} → ${num(d.new, '')}`;

const findingLine = (f: FindingBrief): string => `${f.severity} ${f.detector} ${f.subject.type} ${f.subject.value}: ${f.title}`;

/** Terminal tables. */
export function renderDiffTable(diff: ReportDiff, color: boolean, columns = 120): string {
  const st = makeStyle(color);
  const out: string[] = [];
  out.push(st.bold(`lbua diff  ${safe(diff.old.path, 60)} → ${safe(diff.new.path, 60)}`));
  out.push(`old: ${period(diff.old)}\nnew: ${period(diff.new)}`);
  if (diff.unchanged) out.push(st.green('Nothing changed.'));
  out.push(heading(st, 'Traffic'));
  const t = textTable(['', 'old', 'new', 'change'], columns);
  for (const [k, label, unit] of TRAFFIC) t.push([label, num(diff.traffic[k].old, unit), num(diff.traffic[k].new, unit), change(diff.traffic[k], unit)]);
  out.push(t.toString());
  const eps = shownEndpoints(diff);
  if (eps.length > 0) {
    out.push(heading(st, 'Endpoints (error rate counts 4xx+5xx)'));
    const e = textTable(['endpoint', 'requests', 'error rate', 'change', 'p95', 'change', 'note'], columns);
    for (const x of eps) e.push([safe(x.endpoint, 60), counts(x.requests), num(x.error_rate.new, 'rate'), change(x.error_rate, 'rate'), num(x.p95_ms.new, 'ms'), change(x.p95_ms, 'ms'), presenceText(x.presence, diff)]);
    out.push(e.toString());
  }
  for (const tab of diff.tables) {
    const rows = changedRows(tab);
    if (rows.length === 0) continue;
    out.push(heading(st, `${tab.name}: new and gone`));
    const x = textTable(['key', 'old', 'new', 'note'], columns);
    for (const r of rows) x.push([safe(r.key, 60), num(r.requests.old, ''), num(r.requests.new, ''), presenceText(r.presence, diff)]);
    out.push(x.toString());
  }
  out.push(heading(st, 'Findings (matched by detector and subject)'));
  const f = diff.findings;
  if (!diff.old.detectors_run || !diff.new.detectors_run) out.push(st.yellow(`detectors did not run for the ${!diff.old.detectors_run ? 'old' : 'new'} report: its findings say nothing`));
  out.push(`${f.new.length} new, ${f.gone.length} gone, ${f.still.length} still there`);
  for (const x of f.new) out.push(`  ${st.red('new')}   ${safe(findingLine(x), 150)}`);
  for (const x of f.gone) out.push(`  ${st.green('gone')}  ${safe(findingLine(x), 150)}`);
  for (const x of f.still) out.push(`  still ${safe(findingLine(x), 150)}${x.old_severity !== x.severity ? ` (was ${x.old_severity})` : ''}`);
  return `${out.join('\n')}\n`;
}

function mdTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** lbua's own cell text (numbers, units, notes): nothing to escape but a pipe, which none holds; one line. */
function ours(s: string): string {
  return oneLine(s).replace(/\|/g, '\\|');
}

/** GitHub-flavoured markdown (a PR comment, an issue, a wiki page): log values as code spans, titles as escaped text. */
export function renderDiffMarkdown(diff: ReportDiff): string {
  const out: string[] = [];
  out.push(`## lbua diff: ${mdCode(diff.old.path, 200)} → ${mdCode(diff.new.path, 200)}`);
  out.push(`Old: ${mdText(period(diff.old))}  \nNew: ${mdText(period(diff.new))}`);
  if (diff.unchanged) out.push('**Nothing changed.**');
  out.push('### Traffic');
  out.push(mdTable(['', 'old', 'new', 'change'], TRAFFIC.map(([k, label, unit]) => [label, num(diff.traffic[k].old, unit), num(diff.traffic[k].new, unit), change(diff.traffic[k], unit)].map(ours))));
  const eps = shownEndpoints(diff);
  if (eps.length > 0) {
    out.push('### Endpoints');
    out.push('Error rate counts 4xx and 5xx answers.');
    out.push(mdTable(['endpoint', 'requests', 'error rate', 'change', 'p95', 'change', 'note'], eps.map((x) => [mdCode(x.endpoint, 120, true), ...[counts(x.requests), num(x.error_rate.new, 'rate'), change(x.error_rate, 'rate'), num(x.p95_ms.new, 'ms'), change(x.p95_ms, 'ms'), presenceText(x.presence, diff)].map(ours)])));
  }
  for (const tab of diff.tables) {
    const rows = changedRows(tab);
    if (rows.length === 0) continue;
    out.push(`### ${mdText(tab.name)}: new and gone`);
    out.push(mdTable(['key', 'old', 'new', 'note'], rows.map((r) => [mdCode(r.key, 120, true), ...[num(r.requests.old, ''), num(r.requests.new, ''), presenceText(r.presence, diff)].map(ours)])));
  }
  out.push('### Findings');
  const f = diff.findings;
  out.push(`Matched by detector and subject: ${f.new.length} new, ${f.gone.length} gone, ${f.still.length} still there.`);
  const list = (label: string, xs: readonly FindingBrief[]): void => {
    for (const x of xs) out.push(`- **${label}** ${mdText(findingLine(x), 400)}`);
  };
  list('new', f.new);
  list('gone', f.gone);
  list('still', f.still);
  return `${out.join('\n\n')}\n`;
}

/** The diff as `kind`. */
export function renderDiff(diff: ReportDiff, kind: DiffKind, color: boolean, columns?: number): string {
  if (kind === 'json') return `${terminalSafeJson(JSON.stringify(diff, null, 2))}\n`;
  if (kind === 'markdown') return renderDiffMarkdown(diff);
  return renderDiffTable(diff, color, columns);
}
