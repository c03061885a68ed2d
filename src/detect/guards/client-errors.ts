/**
 * One client's errors are not an outage. The error-spike judge marks a spike whose errors at most 3 clients drew
 * (80% of them) while the rest of its requests did not spike (metrics caused_by, client_errors, client_error_share,
 * other_errors, other_requests). Here such spikes of one client — all traffic, endpoints, targets, within 2 minutes of
 * each other — become one finding about that client (subject ip, medium: the site failed on what it sent, or it used
 * a method the site does not serve), with its share of the errors and the endpoints, instead of an outage. A client
 * that is a proxy of the run (trust.ts runProxies) is many clients: its spikes stay outages.
 */
import { isoTime } from '../../core/units';
import type { SourceRef } from '../../core/types';
import type { Finding } from '../types';
import { fmt, r2, sortEvidence } from '../shared';

const GAP_MS = 2 * 60_000;

const num = (f: Finding, k: string): number => Number(f.metrics[k] ?? 0);

/** Findings with the client-caused error spikes of non-proxy clients folded into one finding per client and window. */
export function foldClientErrors(findings: readonly Finding[], proxies: ReadonlyMap<string, string>, evidenceLimit = 5): Finding[] {
  const byClient = new Map<string, Finding[]>();
  const kept: Finding[] = [];
  for (const f of findings) {
    const by = f.detector === 'error-spike' && typeof f.metrics['caused_by'] === 'string' ? f.metrics['caused_by'].split(' ')[0] ?? '' : '';
    if (by === '' || proxies.has(by)) kept.push(f);
    else byClient.set(by, [...(byClient.get(by) ?? []), f]);
  }
  for (const [client, list] of [...byClient].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    list.sort((a, b) => a.startMs - b.startMs || (a.subject.type < b.subject.type ? -1 : a.subject.type > b.subject.type ? 1 : 0) || (a.subject.value < b.subject.value ? -1 : 1));
    let group: Finding[] = [];
    let end = Number.NEGATIVE_INFINITY;
    for (const f of list) {
      if (group.length > 0 && f.startMs > end + GAP_MS) {
        kept.push(clientFinding(client, group, evidenceLimit));
        group = [];
        end = Number.NEGATIVE_INFINITY;
      }
      group.push(f);
      end = Math.max(end, f.endMs);
    }
    if (group.length > 0) kept.push(clientFinding(client, group, evidenceLimit));
  }
  return kept;
}

/** One finding for the spikes (all traffic, endpoints, targets) whose errors one client's requests drew. */
function clientFinding(client: string, group: readonly Finding[], evidenceLimit: number): Finding {
  // The widest spike (all traffic when there is one, else the one with the most errors) gives the totals.
  const main = [...group].sort((a, b) => Number(b.subject.type === 'global') - Number(a.subject.type === 'global') || num(b, 'errors') - num(a, 'errors'))[0];
  if (main === undefined) throw new Error('empty group');
  const mine = num(main, 'client_errors');
  const share = num(main, 'client_error_share');
  const others = String(main.metrics['caused_by']).split(' ').slice(1);
  const endpoints = [...new Set(group.filter((f) => f.subject.type === 'endpoint').map((f) => f.subject.value))].sort();
  const targets = [...new Set(group.filter((f) => f.subject.type === 'target').map((f) => f.subject.value))].sort();
  const start = group.reduce((m, f) => Math.min(m, f.startMs), Number.POSITIVE_INFINITY);
  const end = group.reduce((m, f) => Math.max(m, f.endMs), Number.NEGATIVE_INFINITY);
  const of = main.subject.type === 'global' ? "the site's" : `${main.subject.value}'s`;
  const evidence: SourceRef[] = [];
  for (const f of group) for (const e of f.evidence) if (!evidence.some((x) => x.file === e.file && x.line === e.line)) evidence.push(e);
  return {
    detector: 'error-spike', severity: 'medium', confidence: r2(Math.min(0.95, 0.6 + share * 0.3)),
    title: `${client}: its requests drew ${fmt(mine, 0)} server errors, ${fmt(share * 100)}% of ${of} errors${others.length > 0 ? ` (with ${others.join(', ')})` : ''}${endpoints.length > 0 ? ` on ${fmt(endpoints.length, 0)} endpoint${endpoints.length === 1 ? '' : 's'}` : ''} — the other requests got ${fmt(num(main, 'other_errors'), 0)} errors in ${fmt(num(main, 'other_requests'), 0)}: not an outage`,
    subject: { type: 'ip', value: client }, startMs: start, endMs: end,
    metrics: {
      client_errors: mine, client_error_share: share, errors: num(main, 'errors'), requests: num(main, 'requests'), peak_error_rate: num(main, 'peak_error_rate'),
      other_errors: num(main, 'other_errors'), other_requests: num(main, 'other_requests'), causing_clients: String(main.metrics['caused_by']),
      endpoints_affected: endpoints.length, endpoints: endpoints.slice(0, 10).join(', ') || null, targets: targets.slice(0, 10).join(', ') || null,
    },
    explanation: 'At most 3 clients made 80% or more of the spike\'s errors and the rest of its requests did not spike (under 3 errors, or under the error-rate thresholds): the errors are what these clients sent (input the site fails on, or a method it does not serve), not a failure of the site. An outage needs errors spread over more clients.',
    evidence: sortEvidence(evidence).slice(0, evidenceLimit),
    actions: [{ type: 'investigate', subject: client, window: `${isoTime(start)}/${isoTime(end)}`, why: 'look at what this client sent: requests the site fails on (a bug it may be probing for); see its other findings (scanner, burst) for what to do about it' }],
  };
}
