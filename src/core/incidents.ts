/**
 * Incidents: the report's findings grouped by cause, so an on-call engineer reads one line per thing that happened
 * instead of one per detector, subject and window. A pure function of the report's findings (sorted, with ids and
 * `related`), so a saved report without incidents (made by an older lbua) gets the same grouping when it is read.
 *
 * Two findings are parts of one incident when (union, transitively):
 * - they are related (overlapping windows and the same subject, an address inside a network, a country and a
 *   finding that names it, one detector's global finding and its parts: `relatedPair` in stage.ts) — except that a
 *   global finding about all traffic joins only findings of a detector of its own family (a site-wide surge takes
 *   the bursts and the enumeration that made it, not a scanner that happened to run in the same minutes; a
 *   site-wide error spike takes the endpoint and target error spikes and latency rises, not a burst) and only
 *   those that started within GLOBAL_START_MS of it (a cause and its site-wide effect start together), and a global
 *   finding about a population (the scanner's background of one-off probes) joins nothing;
 * - one detector reported the same subject again within RECUR_GAP_MS (a slow endpoint over three windows, a target
 *   failing twice in an hour);
 * - looping sessions of one user agent (an app version stuck in a loop) within RECUR_GAP_MS of each other;
 * - a finding about a client's session or requests (metrics.client_ip) and a finding about that address whose
 *   windows overlap (a session stuck on one request and the burst it makes).
 * The headline is the incident's first finding in report order (the most severe, then the earliest); it gives the
 * incident its title and severity. Ids are the SHA-1 of the headline's id, so an incident keeps its id while its
 * headline does.
 */
import { createHash } from 'node:crypto';
import type { ReportFinding, ReportIncident } from './report-types';

/** Two findings of one detector about one subject this close (gap between windows) are one incident. */
export const RECUR_GAP_MS = 60 * 60_000;

/** A site-wide finding joins a finding about a part of the site only when they start this close. */
export const GLOBAL_START_MS = 10 * 60_000;

/** What each detector's findings are about: a global finding joins only findings of a family it shares. */
const FAMILIES: Readonly<Record<string, readonly string[]>> = {
  burst: ['traffic'],
  surge: ['traffic'],
  'api-abuse': ['traffic'],
  'client-mix': ['traffic'],
  campaign: ['probing'],
  scanner: ['probing'],
  'credential-stuffing': ['probing'],
  'error-spike': ['health'],
  'lingering-endpoint': ['health'],
  'regional-creep': ['health'],
  'looping-session': ['sessions'],
};

function familiesShared(a: string, b: string): boolean {
  const fa = FAMILIES[a] ?? [a];
  const fb = FAMILIES[b] ?? [b];
  return fa.some((x) => fb.includes(x));
}

/** Union–find over finding indices; the smaller index is the root, so a group's root is its headline. */
class Groups {
  private readonly parent: number[];
  constructor(n: number) {
    this.parent = Array.from({ length: n }, (_x, i) => i);
  }
  find(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r] ?? r;
    // Path compression.
    let x = i;
    while (this.parent[x] !== r) {
      const next = this.parent[x] ?? r;
      this.parent[x] = r;
      x = next;
    }
    return r;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    if (ra < rb) this.parent[rb] = ra;
    else this.parent[ra] = rb;
  }
}

/** The incidents of a report's findings (in report order), each listing its findings headline first. */
export function groupIncidents(findings: readonly ReportFinding[]): ReportIncident[] {
  const n = findings.length;
  const groups = new Groups(n);
  const index = new Map<string, number>(findings.map((f, i) => [f.id, i]));
  const start = findings.map((f) => Date.parse(f.window.start));
  const end = findings.map((f) => Date.parse(f.window.end));
  const isGlobal = (f: ReportFinding): boolean => f.subject.type === 'global';

  findings.forEach((f, i) => {
    for (const id of f.related ?? []) {
      const j = index.get(id);
      const o = j === undefined ? undefined : findings[j];
      if (j === undefined || o === undefined) continue;
      if ((isGlobal(f) || isGlobal(o)) && f.detector !== o.detector && !familiesShared(f.detector, o.detector)) continue;
      // A finding about a population (the scanner's background of probes from many unrelated addresses) is its own
      // incident: it would join every finding of its detector over the run.
      if ((isGlobal(f) && f.subject.value !== 'all') || (isGlobal(o) && o.subject.value !== 'all')) continue;
      // A site-wide change and a finding that caused it start together: a steady scraper that was there for hours
      // before a surge is not the surge.
      if (isGlobal(f) !== isGlobal(o) && Math.abs((start[i] ?? 0) - (start[j] ?? 0)) > GLOBAL_START_MS) continue;
      groups.union(i, j);
    }
  });

  // A client's session findings and the findings about its address, overlapping.
  const byIp = new Map<string, number[]>();
  findings.forEach((f, i) => {
    if (f.subject.type !== 'ip') return;
    const list = byIp.get(f.subject.value);
    if (list === undefined) byIp.set(f.subject.value, [i]);
    else list.push(i);
  });
  findings.forEach((f, i) => {
    const ip = f.metrics['client_ip'];
    if (typeof ip !== 'string' || f.subject.type === 'ip') return;
    for (const j of byIp.get(ip) ?? []) if ((start[i] ?? 0) < (end[j] ?? 0) && (start[j] ?? 0) < (end[i] ?? 0)) groups.union(i, j);
  });

  // Recurrences: one detector, one subject (or, for loops, one user agent), windows within RECUR_GAP_MS.
  const byKey = new Map<string, number[]>();
  findings.forEach((f, i) => {
    const keys = [`${f.detector}\u0000${f.subject.type}\u0000${f.subject.value}`];
    const agent = f.metrics['user_agent'];
    if (f.detector === 'looping-session' && typeof agent === 'string' && agent !== '') keys.push(`loop-agent\u0000${agent}`);
    for (const k of keys) {
      const list = byKey.get(k);
      if (list === undefined) byKey.set(k, [i]);
      else list.push(i);
    }
  });
  for (const list of byKey.values()) {
    if (list.length < 2) continue;
    const byStart = [...list].sort((a, b) => (start[a] ?? 0) - (start[b] ?? 0) || a - b);
    let reach = end[byStart[0] ?? 0] ?? 0;
    for (let k = 1; k < byStart.length; k++) {
      const i = byStart[k] ?? 0;
      const prev = byStart[k - 1] ?? 0;
      if ((start[i] ?? 0) - reach <= RECUR_GAP_MS) groups.union(prev, i);
      reach = Math.max(reach, end[i] ?? 0);
    }
  }

  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = groups.find(i);
    const list = members.get(r);
    if (list === undefined) members.set(r, [i]);
    else list.push(i);
  }
  return [...members.entries()]
    .sort(([a], [b]) => a - b)
    .map(([root, list]) => incidentOf(findings, root, list, start, end));
}

function incidentOf(findings: readonly ReportFinding[], root: number, list: readonly number[], start: readonly number[], end: readonly number[]): ReportIncident {
  const head = findings[root] as ReportFinding;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let loIso = head.window.start;
  let hiIso = head.window.end;
  const subjects: { type: string; value: string }[] = [];
  const seen = new Set<string>();
  const detectors: string[] = [];
  for (const i of list) {
    const f = findings[i] as ReportFinding;
    if ((start[i] ?? 0) < lo) {
      lo = start[i] ?? 0;
      loIso = f.window.start;
    }
    if ((end[i] ?? 0) > hi) {
      hi = end[i] ?? 0;
      hiIso = f.window.end;
    }
    const key = `${f.subject.type}\u0000${f.subject.value}`;
    if (!seen.has(key)) {
      seen.add(key);
      subjects.push({ type: f.subject.type, value: f.subject.value });
    }
    if (!detectors.includes(f.detector)) detectors.push(f.detector);
  }
  return {
    id: createHash('sha1').update(`incident|${head.id}`).digest('hex').slice(0, 16),
    title: head.title,
    severity: head.severity,
    findings: list.map((i) => (findings[i] as ReportFinding).id),
    window: { start: loIso, end: hiIso },
    subjects,
    detectors,
  };
}

/** A report's incidents: saved ones, or (a report before 2026-12-07) grouped from its findings now. */
export function incidentsOf(report: { readonly findings: readonly ReportFinding[]; readonly incidents?: readonly ReportIncident[] }): readonly ReportIncident[] {
  return report.incidents ?? groupIncidents(report.findings);
}
