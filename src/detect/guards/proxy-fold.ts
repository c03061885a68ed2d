/**
 * Traffic through a few proxy addresses (trust.ts runProxies), read without --trust-proxy: every client behind a
 * proxy has the proxy's address, so what per-client detectors say about that address (a scanner, an enumeration,
 * a brute force, a burst, a looping session) is about the clients behind it taken as one. Those findings are not
 * reported as the proxy's: they are held in one `proxy-traffic` finding per proxy that says the traffic arrives
 * through it, lists what was held (detector, severity, title), keeps their evidence, proposes no block, and names
 * the option that reads the real clients. Its severity is the highest held one, at most medium (look today: rerun
 * with --trust-proxy). A proxy nothing was said about gets no finding (the input's INPUT_BEHIND_PROXY warning says it).
 */
import { inCidr } from '../../enrich/geo/ip';
import { SEVERITIES, type Finding, type Severity } from '../types';
import { sortEvidence } from '../shared';
import { isoTime } from '../../core/units';

/** True when `f` judges `proxy` as a client: its subject is that address (or a session of it, or a network of it). */
function aboutProxy(f: Finding, proxy: string): boolean {
  if (f.detector === 'proxy-traffic') return false;
  if (f.subject.type === 'ip') return f.subject.value === proxy;
  if (f.subject.type === 'cidr') return inCidr(proxy, f.subject.value) && f.detector === 'burst';
  return f.metrics['client_ip'] === proxy;
}

/** Findings with those about each proxy held in that proxy's `proxy-traffic` finding. */
export function foldProxyFindings(findings: readonly Finding[], proxies: ReadonlyMap<string, string>, evidenceLimit = 5): Finding[] {
  if (proxies.size === 0) return [...findings];
  const held = new Map<string, Finding[]>();
  const kept = findings.filter((f) => {
    for (const p of proxies.keys()) {
      if (!aboutProxy(f, p)) continue;
      const list = held.get(p) ?? [];
      list.push(f);
      held.set(p, list);
      return false;
    }
    return true;
  });
  const rank = (s: Severity): number => SEVERITIES.indexOf(s);
  const folds: Finding[] = [];
  for (const [proxy, why] of proxies) {
    const hs = (held.get(proxy) ?? []).sort((a, b) => rank(a.severity) - rank(b.severity) || a.startMs - b.startMs || (a.detector < b.detector ? -1 : 1));
    const top = hs[0]?.severity ?? 'low';
    const severity: Severity = rank(top) < rank('medium') ? 'medium' : top;
    if (hs.length === 0) continue;
    const start = hs.reduce((m, f) => Math.min(m, f.startMs), Number.POSITIVE_INFINITY);
    const end = hs.reduce((m, f) => Math.max(m, f.endMs), Number.NEGATIVE_INFINITY);
    const list = hs.map((f) => `${f.detector} (${f.severity}): ${f.title}`);
    folds.push({
      detector: 'proxy-traffic', severity, confidence: 0.9,
      title: `${proxy} is a proxy (${why}): ${hs.length} finding${hs.length === 1 ? '' : 's'} about it held — ${hs.slice(0, 3).map((f) => `${f.detector} ${f.severity}`).join(', ')}${hs.length > 3 ? ', …' : ''}; rerun with --trust-proxy ${proxy}`,
      subject: { type: 'ip', value: proxy }, startMs: start, endMs: end,
      metrics: { held_findings: hs.length, held_top_severity: top, held: list.slice(0, 10).join(' | ').slice(0, 2000), why },
      explanation: 'Without --trust-proxy the clients behind a proxy all have its address, so per-client detectors judged it as one client; what they found is held here, not proposed as a block. With --trust-proxy the forwarded addresses are judged instead (when the log carries them).',
      evidence: sortEvidence(hs.flatMap((f) => f.evidence)).slice(0, evidenceLimit),
      actions: [
        { type: 'no-block', subject: proxy, why: `no block or rate limit on ${proxy}: it is a proxy of this run (${why}), in front of many clients` },
        { type: 'investigate', subject: proxy, window: `${isoTime(start)}/${isoTime(end)}`, why: `rerun with --trust-proxy ${proxy} to judge the clients behind it (needs the forwarded address in the log)` },
      ],
    });
  }
  return [...kept, ...folds];
}
