/**
 * Runs the enabled detectors over a run and turns their findings into the report contract: stable ids (sha1 of
 * detector + subject + window), ISO windows, sorting by severity then time, and cross-references between findings
 * about the same incident (same subject, or overlapping windows from different detectors on related subjects).
 */
import { actionSummary } from './action-summary';
import { createHash } from 'node:crypto';
import { fail } from '../core/types';
import { isoTime } from '../core/units';
import type { EnrichedRecord } from '../enrich/types';
import type { ReportFinding } from '../core/report-types';
import type { Session } from '../sessions/types';
import { DETECTORS, getDetector } from './registry';
import { inCidr } from '../enrich/geo/ip';
import { SEVERITIES, type Detector, type DetectorOptions, type Finding, type Severity } from './types';
import { CapLog } from '../core/capped';
import type { EvidenceOrder } from '../aggregate/types';
import type { ChangeWindow } from '../aggregate/change';
import { DEFAULT_LIMITS, type Limits } from '../core/limits';
import { guardFindings, type GuardFacts } from './guards/action-guards';
import { foldProxyFindings } from './guards/proxy-fold';
import { foldClientErrors } from './guards/client-errors';
import { ORDINARY_METHODS } from '../core/http';
import type { Baseline } from '../aggregate/baseline';

/** Which detectors run and with which option overrides. */
export interface DetectorSelection {
  /** Ids to run (null = all). */
  readonly only: readonly string[] | null;
  readonly disabled: readonly string[];
  /** "id.key" → value. */
  readonly overrides: Readonly<Record<string, number>>;
  readonly evidenceLimit: number;
  /** A learned baseline is given (`--baseline`): the detectors that need one are selected too. */
  readonly withBaseline?: boolean;
  /** A change time is given (`--change-at`): the detectors that judge around one are selected too. */
  readonly withChange?: boolean;
}

/** Validates a selection against the registry (LbuaError OPTION_INVALID on unknown ids/options). */
export function validateSelection(sel: DetectorSelection): void {
  for (const id of [...(sel.only ?? []), ...sel.disabled]) if (!getDetector(id)) fail('OPTION_INVALID', `unknown detector ${JSON.stringify(id)}`, 'run `lbua detectors` to list them');
  for (const key of Object.keys(sel.overrides)) {
    const [id = '', opt = ''] = key.split('.');
    const def = getDetector(id);
    if (!def) fail('OPTION_INVALID', `--detector-opt ${key}: unknown detector ${JSON.stringify(id)}`);
    if (!Object.hasOwn(def.defaultOptions, opt)) fail('OPTION_INVALID', `--detector-opt ${key}: ${id} has no option ${JSON.stringify(opt)} (options: ${Object.keys(def.defaultOptions).join(', ')})`);
  }
}

/** Ids of the detectors a selection runs, in registry order. */
export function selectedDetectors(sel: DetectorSelection): string[] {
  return Object.keys(DETECTORS).filter((id) => (sel.only === null || sel.only.includes(id)) && !sel.disabled.includes(id) &&
    (DETECTORS[id]?.needsBaseline !== true || sel.withBaseline === true) && (DETECTORS[id]?.needsChange !== true || sel.withChange === true));
}

/** The detectors stage: observe records and sessions, then produce report findings. */
export interface DetectorStage {
  observe(r: EnrichedRecord): void;
  observeSession(s: Session): void;
  /** Maps the detectors' route- and endpoint-keyed state through the run's final form (Detector.rekey). */
  rekey(map: (key: string) => string, order: EvidenceOrder): void;
  /** Raw findings of each detector, in registry order. */
  raw(): { readonly id: string; readonly findings: Finding[] }[];
  /** Report findings (sorted, with ids and cross-references). */
  finish(): ReportFinding[];
}

/** The run's caps, and where detectors register their CAP_REACHED notes. */
export interface DetectorRun {
  readonly limits: Limits;
  readonly caps: CapLog;
  /** The change release-impact judges around (--change-at), if any. */
  readonly change?: ChangeWindow | null;
  /** The learned baseline (`--baseline`), for the detectors that judge against one. */
  readonly baseline?: Baseline | null;
}

/** The options detector `id` runs with under `sel`: its defaults, then the selection's overrides. */
export function detectorOptions(sel: DetectorSelection, id: string): DetectorOptions {
  const def = getDetector(id);
  if (!def) throw new Error(`detector ${id} vanished`);
  const options: Record<string, number> = { ...def.defaultOptions };
  for (const [key, v] of Object.entries(sel.overrides)) if (key.startsWith(`${id}.`)) options[key.slice(id.length + 1)] = v;
  return options;
}

/** One instance of each selected detector, in registry order. */
export function createDetectorInstances(sel: DetectorSelection, geo: boolean, run: DetectorRun = { limits: DEFAULT_LIMITS, caps: new CapLog() }): { id: string; d: Detector }[] {
  validateSelection(sel);
  return selectedDetectors(sel).map((id) => {
    const def = getDetector(id);
    if (!def) throw new Error(`detector ${id} vanished`);
    return { id, d: def.create(detectorOptions(sel, id), { evidenceLimit: sel.evidenceLimit, geo, limits: run.limits, caps: run.caps, change: run.change ?? null, baseline: run.baseline ?? null }) };
  });
}

export function createDetectorStage(sel: DetectorSelection, geo: boolean, run?: DetectorRun): DetectorStage {
  const instances = createDetectorInstances(sel, geo, run);
  const withRecords = instances.map((x) => x.d).filter((d) => d.observe !== undefined);
  const withSessions = instances.map((x) => x.d).filter((d) => d.observeSession !== undefined);
  const raw = (): { id: string; findings: Finding[] }[] => instances.map(({ id, d }) => ({ id, findings: d.finish() }));
  return {
    observe(r) {
      for (const d of withRecords) d.observe?.(r);
    },
    observeSession(s) {
      for (const d of withSessions) d.observeSession?.(s);
    },
    rekey(map, order) {
      for (const { d } of instances) d.rekey?.(map, order);
    },
    raw,
    finish() {
      return toReport(raw().flatMap((x) => x.findings));
    },
  };
}

/** What the run knows beyond the findings: its proxies (trust.ts runProxies) and the action guards' facts. */
export interface RunFacts {
  readonly proxies: ReadonlyMap<string, string>;
  readonly guards: GuardFacts | null;
}

/** Report findings from the raw findings of parts of a run, put back in registry order first. */
export function mergeRaw(parts: readonly (readonly { readonly id: string; readonly findings: readonly Finding[] }[])[], facts?: RunFacts): ReportFinding[] {
  const order = Object.keys(DETECTORS);
  const byId = new Map<string, readonly Finding[]>();
  for (const p of parts) for (const x of p) byId.set(x.id, x.findings);
  return toReport(order.flatMap((id) => byId.get(id) ?? []), facts);
}

/**
 * Stable ids: the detector, subject and start, which do not change while an incident grows (`lbua watch` emits a
 * finding when it starts and updates it under the same id; the batch report of the completed log gives it that id
 * too). Findings that share all three (two windows of one subject from one detector that begin together) add their
 * end, in the order given, so every id in a report is distinct.
 */
export function findingIds<F extends Pick<Finding, 'detector' | 'subject' | 'startMs' | 'endMs'>>(findings: readonly F[]): { f: F; id: string }[] {
  const hash = (s: string): string => createHash('sha1').update(s).digest('hex').slice(0, 16);
  const base = findings.map((f) => `${f.detector}|${f.subject.type}|${f.subject.value}|${f.startMs}`);
  const seen = new Map<string, number>();
  for (const b of base) seen.set(b, (seen.get(b) ?? 0) + 1);
  const used = new Set<string>();
  return findings.map((f, i) => {
    const b = base[i] ?? '';
    let key = (seen.get(b) ?? 0) > 1 ? `${b}|${f.endMs}` : b;
    for (let n = 2; used.has(key); n++) key = `${b}|${f.endMs}|${n}`;
    used.add(key);
    return { f, id: hash(key) };
  });
}

/**
 * Sorts, ids and cross-references findings, after the folds (one incident, one finding), one client's error spikes
 * made its finding (guards/client-errors.ts), the proxies' findings held in their proxy-traffic finding, and the action guards (detect/action-guards.ts) applied to every action.
 */
export function toReport(all: readonly Finding[], facts?: RunFacts): ReportFinding[] {
  const folded = foldCampaignScanners(foldLoopsIntoScanners(foldScrapeIntoBursts(foldLoopBursts(foldAttackSurges(all)))));
  const proxied = facts === undefined ? folded : foldProxyFindings(foldClientErrors(folded, facts.proxies), facts.proxies);
  const findings = facts?.guards ? guardFindings(proxied, facts.guards) : proxied;
  const rank = (s: Severity): number => SEVERITIES.indexOf(s);
  const withIds = findingIds(findings);
  withIds.sort((a, b) => rank(a.f.severity) - rank(b.f.severity) || a.f.startMs - b.f.startMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const candidatesOf = relatedCandidates(withIds.map((x) => x.f));
  return withIds.map(({ f, id }, i) => {
    const related: string[] = [];
    for (const j of candidatesOf(i)) {
      const o = withIds[j];
      if (o === undefined || o.id === id) continue;
      if (relatedPair(f, o.f)) related.push(o.id);
      if (related.length === 10) break;
    }
    return {
      id,
      detector: f.detector,
      severity: f.severity,
      confidence: f.confidence,
      title: f.title,
      subject: { type: f.subject.type, value: f.subject.value },
      window: { start: isoTime(f.startMs), end: isoTime(f.endMs) },
      metrics: f.metrics,
      explanation: f.explanation,
      evidence: f.evidence.map((e) => ({ file: e.file, line: e.line })),
      // Each action with its sentence for people (`summary`: what to do, on what, and the evidence with its window).
      actions: f.actions.map((a) => ({ ...a, summary: actionSummary(f, a) })),
      related,
    };
  });
}

/**
 * Folds findings into others: `targetOf(f)` names the kept finding `f` belongs to (or undefined: `f` stays); when
 * several fold into one target, the one with the largest `rank` is handed to `merge(target, folded)`.
 */
function foldInto(
  findings: readonly Finding[],
  targetOf: (f: Finding) => Finding | undefined,
  rank: (f: Finding) => number,
  merge: (target: Finding, folded: Finding) => Finding,
): Finding[] {
  const best = new Map<Finding, Finding>();
  const kept = findings.filter((f) => {
    const target = targetOf(f);
    if (target === undefined) return true;
    const prev = best.get(target);
    if (prev === undefined || rank(f) > rank(prev)) best.set(target, f);
    return false;
  });
  return kept.map((f) => {
    const folded = best.get(f);
    return folded === undefined ? f : merge(f, folded);
  });
}

const metric = (f: Finding, key: string): number => Number(f.metrics[key] ?? 0);
const overlap = (a: Finding, b: Finding): boolean => a.startMs < b.endMs && b.startMs < a.endMs;

/**
 * One incident, one finding, across detectors: a site-wide surge that is mostly one network (top_network_share of
 * 50% or more) while a burst of that network, or of an address in it, overlaps it, is that burst. The surge's
 * figures go into the burst finding (site_peak_rpm, site_ratio) instead of a second finding.
 */
export function foldAttackSurges(findings: readonly Finding[]): Finding[] {
  const bursts = findings.filter((f) => f.detector === 'burst' && (f.subject.type === 'ip' || f.subject.type === 'cidr'));
  return foldInto(
    findings,
    (f) => {
      const top = f.metrics['top_network'];
      if (f.detector !== 'surge' || typeof top !== 'string' || metric(f, 'top_network_share') < 0.5) return undefined;
      return bursts.find((b) => overlap(b, f) && (b.subject.value === top || (b.subject.type === 'ip' && inCidr(b.subject.value, top))));
    },
    (f) => metric(f, 'peak_rpm'),
    (burst, surge) => ({ ...burst, metrics: { ...burst.metrics, site_peak_rpm: metric(surge, 'peak_rpm'), site_ratio: metric(surge, 'ratio') } }),
  );
}

/**
 * A client stuck in a loop (a redirect loop, a retry storm) also bursts; blocking it would be wrong: the loop is
 * the finding. An address burst overlapping a looping session of that address that made most (70%+) of the burst's
 * requests is folded into the looping finding (burst_peak_rpm, burst_ratio). A "loop" of a method no browser or
 * ordinary client repeats (PROPFIND, SEARCH, CONNECT, bytes of another protocol) is a flood, not a stuck client: its
 * burst stays.
 */
export function foldLoopBursts(findings: readonly Finding[]): Finding[] {
  const ordinary = new RegExp(`^(?:(?:${[...ORDINARY_METHODS].join('|')}) [^ ]*(?: → |$))+$`);
  const loops = findings.filter((f) => {
    const cycle = f.metrics['cycle'];
    return f.detector === 'looping-session' && typeof f.metrics['client_ip'] === 'string' && (typeof cycle !== 'string' || ordinary.test(cycle));
  });
  return foldInto(
    findings,
    (f) => (f.detector !== 'burst' || f.subject.type !== 'ip' ? undefined
      : loops.find((l) => l.metrics['client_ip'] === f.subject.value && overlap(l, f) && metric(l, 'requests') >= 0.7 * metric(f, 'requests'))),
    (f) => metric(f, 'peak_rpm'),
    (loop, burst) => ({ ...loop, metrics: { ...loop.metrics, burst_peak_rpm: metric(burst, 'peak_rpm'), burst_ratio: metric(burst, 'ratio') } }),
  );
}

/**
 * An address that bursts while fetching unusually many distinct resources is one incident: the api-abuse
 * "many resources" finding of that address, overlapping its burst, is folded into the burst (distinct_ids, route).
 * Enumeration and steady low-and-slow findings stay: they say something the burst does not.
 */
export function foldScrapeIntoBursts(findings: readonly Finding[]): Finding[] {
  const bursts = findings.filter((f) => f.detector === 'burst' && f.subject.type === 'ip');
  return foldInto(
    findings,
    (f) => (f.detector !== 'api-abuse' || f.metrics['kind'] !== 'many-resources' ? undefined
      : bursts.find((b) => b.subject.value === f.subject.value && overlap(b, f))),
    (f) => metric(f, 'distinct_ids'),
    (burst, scrape) => {
      const ids = metric(scrape, 'distinct_ids');
      const route = String(scrape.metrics['route'] ?? '');
      return { ...burst, title: `${burst.title}, fetching ${ids.toLocaleString('en-US')} distinct ${route}`, metrics: { ...burst.metrics, distinct_ids: ids, route } };
    },
  );
}

/**
 * Repeated exploit attempts are not loops: a scanner sending its payloads to one page again and again (in the query,
 * which the session's endpoint sequence does not see) looks like a session repeating an endpoint. A looping-session
 * finding of an address that the scanner found sending injection probes (attacks > 0) in an overlapping window is
 * folded into that scanner finding (loop_repeats, loop_cycle): the scanner is the finding, not a stuck client.
 */
export function foldLoopsIntoScanners(findings: readonly Finding[]): Finding[] {
  const scanners = findings.filter((f) => f.detector === 'scanner' && f.subject.type === 'ip' && metric(f, 'attacks') > 0);
  if (scanners.length === 0) return [...findings];
  return foldInto(
    findings,
    (f) => (f.detector !== 'looping-session' || typeof f.metrics['client_ip'] !== 'string' ? undefined
      : scanners.find((s) => s.subject.value === f.metrics['client_ip'] && overlap(s, f))),
    (f) => metric(f, 'repeats'),
    (scanner, loop) => ({ ...scanner, metrics: { ...scanner.metrics, loop_repeats: metric(loop, 'repeats'), loop_cycle: String(loop.metrics['cycle'] ?? '') } }),
  );
}

/**
 * Hundreds of worm hosts probing the same paths are one campaign, not hundreds of "block this address" findings:
 * the per-address scanner finding of an address the campaign covers (its `members`) is folded into the campaign when
 * it says nothing more — every request of the address refused (errors_4xx = requests), or the scanner itself calls
 * it background (low). A scanner that got answers and is medium or high stays on its own. The campaign counts what it
 * folded (scanner_findings_folded, and the most severe of them as folded_max_severity); the first campaign in
 * registry order that covers an address takes it. The scanner's background finding (one-off probes from many
 * addresses, subject global) is folded too when it is that campaign's requests: every sample address it names is
 * the campaign's, and it counts no more requests or addresses than the campaign (background_requests_folded).
 */
export function foldCampaignScanners(findings: readonly Finding[]): Finding[] {
  const campaigns = findings.filter((f) => f.detector === 'campaign' && f.members !== undefined);
  if (campaigns.length === 0) return [...findings];
  const rank = (s: Severity): number => SEVERITIES.indexOf(s);
  const byIp = new Map<string, Finding>();
  for (const c of campaigns) for (const ip of c.members ?? []) if (!byIp.has(ip)) byIp.set(ip, c);
  const folded = new Map<Finding, { n: number; worst: Severity }>();
  const background = new Map<Finding, number>();
  const kept = findings.filter((f) => {
    if (f.detector === 'scanner' && f.subject.type === 'global') {
      const sample = String(f.metrics['sample_addresses'] ?? '').split(' ').filter((x) => x !== '');
      const c = sample.length === 0 ? undefined : byIp.get(sample[0] ?? '');
      if (c === undefined || !sample.every((ip) => byIp.get(ip) === c)) return true;
      if (metric(f, 'requests') > metric(c, 'requests') || metric(f, 'addresses') > metric(c, 'addresses') || background.has(c)) return true;
      background.set(c, metric(f, 'requests'));
      return false;
    }
    if (f.detector !== 'scanner' || f.subject.type !== 'ip') return true;
    const c = byIp.get(f.subject.value);
    if (c === undefined) return true;
    const refused = metric(f, 'requests') > 0 && metric(f, 'errors_4xx') >= metric(f, 'requests');
    if (!refused && rank(f.severity) < rank('low')) return true;
    const was = folded.get(c);
    folded.set(c, { n: (was?.n ?? 0) + 1, worst: was === undefined || rank(f.severity) < rank(was.worst) ? f.severity : was.worst });
    return false;
  });
  return kept.map((f) => {
    const x = folded.get(f);
    const bg = background.get(f);
    if (x === undefined) return bg === undefined ? f : { ...f, metrics: { ...f.metrics, background_requests_folded: bg } };
    return { ...f, title: `${f.title.replace(/^Campaign ([^:]*):/, (_m, sig: string) => `Campaign ${sig} (${x.n.toLocaleString('en-US')} scanner finding${x.n === 1 ? '' : 's'} folded in):`)}`, metrics: { ...f.metrics, scanner_findings_folded: x.n, folded_max_severity: x.worst, ...(bg === undefined ? {} : { background_requests_folded: bg }) } };
  });
}

/**
 * Two findings describe one incident: overlapping windows and the same subject, or (same detector) subjects of one
 * kind, or (different detectors) related subjects.
 */
export function relatedPair(f: Finding, o: Finding): boolean {
  if (!(o.startMs < f.endMs && f.startMs < o.endMs)) return false;
  return o.subject.value === f.subject.value || (o.detector === f.detector ? sameKindOfSubject(f, o) : relatedSubjects(f, o));
}

/**
 * For finding i, the indices (ascending) of every finding that can be related to it: the same subject value, global
 * findings, findings of its subject group, the country findings it names or that name it, networks of an address and
 * addresses of a network. A superset of the related ones, found through indexes: a botnet's 100,000 per-address
 * findings are not compared pairwise.
 */
export function relatedCandidates(fs: readonly Finding[]): (i: number) => number[] {
  const byValue = new Map<string, number[]>();
  const byCountryMetric = new Map<string, number[]>();
  const byType = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, i: number): void => {
    const list = m.get(k);
    if (list === undefined) m.set(k, [i]);
    else list.push(i);
  };
  fs.forEach((f, i) => {
    push(byValue, f.subject.value, i);
    push(byType, f.subject.type, i);
    const c = f.metrics['country'];
    if (typeof c === 'string') push(byCountryMetric, c, i);
  });
  const all = fs.map((_f, i) => i);
  const ofType = (t: string): readonly number[] => byType.get(t) ?? [];
  return (i) => {
    const f = fs[i];
    if (f === undefined) return [];
    if (f.subject.type === 'global') return all;
    const out = new Set<number>(byValue.get(f.subject.value) ?? []);
    const add = (xs: readonly number[]): void => {
      for (const x of xs) out.add(x);
    };
    add(ofType('global'));
    for (const g of SUBJECT_GROUPS) if (g.includes(f.subject.type)) for (const t of g) add(ofType(t));
    if (f.subject.type === 'country') add(byCountryMetric.get(f.subject.value) ?? []);
    if (typeof f.metrics['country'] === 'string') add(ofType('country'));
    if (f.subject.type === 'ip') add(ofType('cidr'));
    if (f.subject.type === 'cidr') add(ofType('ip'));
    return [...out].sort((a, b) => a - b);
  };
}

/** Groups of subject types whose findings from one detector in one window describe one change. */
const SUBJECT_GROUPS: readonly (readonly string[])[] = [['country', 'asn'], ['user_agent', 'tls', 'protocol']];

/**
 * Two findings of one detector in overlapping windows describe one incident when either is global (an overall run
 * and its parts), when both are regions (a country and its networks), or both are client-mix dimensions (a family
 * and the device type that comes with it).
 */
function sameKindOfSubject(a: Finding, b: Finding): boolean {
  if (a.subject.type === 'global' || b.subject.type === 'global') return true;
  return SUBJECT_GROUPS.some((g) => g.includes(a.subject.type) && g.includes(b.subject.type));
}

/** True unless the finding is global about something other than all traffic (subject value 'all'). */
function allTrafficOrNotGlobal(f: Finding): boolean {
  return f.subject.type !== 'global' || f.subject.value === 'all';
}

/**
 * Subjects that can describe one incident: an address inside a network, global with anything, or a country with a
 * finding that names it as its cause (metrics.country).
 */
function relatedSubjects(a: Finding, b: Finding): boolean {
  // A global finding about all traffic (an overall surge or error spike) touches everything in its window; one
  // about a population (the scanner's background of probes: many unrelated addresses) touches nothing in particular.
  if (a.subject.type === 'global' || b.subject.type === 'global') return allTrafficOrNotGlobal(a) && allTrafficOrNotGlobal(b);
  if ((a.subject.type === 'country' && b.metrics['country'] === a.subject.value) || (b.subject.type === 'country' && a.metrics['country'] === b.subject.value)) return true;
  const ip = a.subject.type === 'ip' ? a.subject.value : b.subject.type === 'ip' ? b.subject.value : null;
  const net = a.subject.type === 'cidr' ? a.subject.value : b.subject.type === 'cidr' ? b.subject.value : null;
  return ip !== null && net !== null && inCidr(ip, net);
}

/** Severity threshold test for --fail-on. */
export function atOrAbove(s: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(threshold);
}
