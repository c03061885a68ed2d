/**
 * Looping sessions: sessions whose endpoint sequence repeats the same short cycle (1–3 endpoints) many times —
 * redirect loops and retry storms. Works on closed sessions (sequence capped at 50), so memory is what the
 * stitcher already bounds plus the findings: at most MAX_LOOPING looping sessions are kept as findings (a botnet
 * stuck in a redirect loop makes one per session); later ones are counted per cycle and said (CAP_REACHED).
 * Sessions are judged when they close, under the routes of that moment: when a route position collapses later in the
 * run, `rekey` renames the kept findings' cycles by the final endpoints (a cycle whose endpoints became one is that
 * endpoint repeated); the loop itself is not judged again.
 */
import { isoTime } from '../core/units';
import { maxOf } from '../core/arrays';
import type { Session } from '../sessions/types';
import { defineDetector, type Finding, type Severity } from './types';
import { fmt, r2, sortEvidence } from './shared';
import { NO_REQUEST } from '../enrich/index';
import { classifyPath, IS_ATTACK, IS_PROBE, IS_SECRET } from '../enrich/path-class';
import { ORDINARY_METHODS } from '../core/http';

/** The shortest cycle (length 1–3) that explains most of the sequence, with its repeat count. */
export function findCycle(seq: readonly string[]): { cycle: string[]; repeats: number; coverage: number } | null {
  const best = new Float64Array(3);
  if (!bestCycle(seq, best)) return null;
  const start = best[0] ?? 0;
  const len = best[1] ?? 0;
  const repeats = best[2] ?? 0;
  return { cycle: seq.slice(start, start + len), repeats, coverage: (repeats * len) / seq.length };
}

/**
 * findCycle without allocating (it runs on every closed session long enough): writes the best cycle's start, length
 * and repeats to `out` (the first cycle tried that covers the most, as findCycle picks); false for an empty sequence.
 */
function bestCycle(seq: readonly string[], out: Float64Array): boolean {
  let found = false;
  let bestStart = 0;
  let bestLen = 0;
  let bestRepeats = 0;
  const starts = Math.min(seq.length, 10);
  for (let len = 1; len <= 3; len++) {
    for (let start = 0; start + len <= starts; start++) {
      let repeats = 0;
      let i = start;
      while (i + len <= seq.length && repeatsAt(seq, start, len, i)) {
        repeats++;
        i += len;
      }
      if (!found || repeats * len > bestRepeats * bestLen) {
        found = true;
        bestStart = start;
        bestLen = len;
        bestRepeats = repeats;
      }
    }
  }
  out[0] = bestStart;
  out[1] = bestLen;
  out[2] = bestRepeats;
  return found;
}

/** Whether seq[i … i + len) equals the cycle seq[start … start + len). */
function repeatsAt(seq: readonly string[], start: number, len: number, i: number): boolean {
  for (let k = 0; k < len; k++) if (seq[i + k] !== seq[start + k]) return false;
  return true;
}

/** `f` with its cycle named `cycle` repeated `repeats` times (title, metrics and the investigate action). */
function withCycle(f: Finding, cycle: readonly string[], repeats: number): Finding {
  const c = cycle.join(' → ');
  const m = f.metrics;
  return {
    ...f,
    title: `session of ${String(m['client_ip'])}: ${c} repeated ~${fmt(repeats, 0)} times (${fmt(Number(m['requests']), 0)} requests, ${fmt(Number(m['errors']), 0)} errors)`,
    metrics: { ...m, repeats, cycle_length: cycle.length, cycle: c },
    actions: f.actions.map((a) => (a.type === 'investigate' ? { ...a, subject: c } : a)),
  };
}

/** Whether an endpoint has a position the route templater collapsed (`GET /files/:var`). */
function isCollapsed(endpoint: string): boolean {
  return /\/:var(?:\/|$)/.test(endpoint);
}

/**
 * Whether an endpoint (`METHOD /route`) is a probe: CONNECT, a secret or attack path, or, in a session the site
 * mostly refused (4xx), a PROBE path or a method a web application does not serve (PROPFIND /admin$ sent 6,000
 * times is a flood of an SMB-over-WebDAV probe, not a user stuck in a flow).
 */
function isProbe(endpoint: string, missing: boolean): boolean {
  const sp = endpoint.indexOf(' ');
  if (sp < 0) return false;
  if (endpoint.startsWith('CONNECT ')) return true;
  if (missing && !ORDINARY_METHODS.has(endpoint.slice(0, sp))) return true;
  const cls = classifyPath(endpoint.slice(sp + 1));
  return (cls & (IS_SECRET | IS_ATTACK)) !== 0 || (missing && (cls & IS_PROBE) !== 0);
}

/** Looping sessions kept as findings (each about 1 KB until grouped). */
const MAX_LOOPING = 100_000;

export default defineDetector({
  id: 'looping-session',
  title: 'Looping sessions',
  description: 'Flags sessions that repeat the same short endpoint cycle many times, as redirect loops and retry storms do.',
  defaultOptions: { minRepeats: 10, minCoverage: 0.8, maxMedianGapMs: 5000, minErrorShare: 0.5 },
  optionDocs: {
    minRepeats: 'times the cycle must repeat back to back',
    minCoverage: 'share of the session sequence the repeated cycle must cover',
    maxMedianGapMs: 'median gap between requests at or below which repetition is a loop (monitors poll slowly)',
    minErrorShare: 'or: share of errors at or above which slow repetition is still a retry loop',
  },
  create(o, ctx) {
    const out: Finding[] = [];
    /** The cycle of each finding in `out`, as endpoints (for rekey). */
    const cycles: string[][] = [];
    /** Looping sessions past MAX_LOOPING: sessions and requests per cycle. */
    const uncounted = new Map<string, { sessions: number; requests: number }>();
    ctx.caps.watch(() => {
      if (uncounted.size === 0) return null;
      let sessions = 0;
      for (const u of uncounted.values()) sessions += u.sessions;
      const cycles = [...uncounted.entries()].sort((a, b) => b[1].sessions - a[1].sessions || (a[0] < b[0] ? -1 : 1)).slice(0, 3).map(([c, u]) => `${c} (${fmt(u.sessions, 0)})`);
      return `looping-session: capped at ${fmt(MAX_LOOPING, 0)} looping sessions kept as findings; ${fmt(sessions, 0)} later ones are not in the sessions, clients and requests of their cycle's finding (${cycles.join(', ')}${uncounted.size > 3 ? ', …' : ''})`;
    });
    /** Sessions looping on the same cycle at overlapping times are one incident: one finding that counts them. */
    const group = (fs: Finding[]): Finding[] => {
      const byCycle = new Map<string, Finding[]>();
      for (const f of fs) {
        const key = String(f.metrics['cycle']);
        const list = byCycle.get(key);
        if (list === undefined) byCycle.set(key, [f]);
        else list.push(f);
      }
      const merged: Finding[] = [];
      for (const list of byCycle.values()) {
        list.sort((a, b) => a.startMs - b.startMs);
        let cur: Finding[] = [];
        let curEnd = Number.NEGATIVE_INFINITY;
        const flush = (): void => {
          const first = cur[0];
          if (!first) return;
          if (cur.length === 1) merged.push(first);
          else {
            const clients = [...new Set(cur.map((f) => String(f.metrics['client_ip'])))].sort();
            const requests = cur.reduce((a, f) => a + Number(f.metrics['requests'] ?? 0), 0);
            merged.push({
              ...first,
              title: `${cur.length} sessions from ${clients.length} clients loop on ${String(first.metrics['cycle'])} (${fmt(requests, 0)} requests)`,
              endMs: curEnd,
              metrics: { ...first.metrics, sessions: cur.length, clients: clients.length, requests, client_ip: clients.slice(0, 10).join(' ') },
              severity: cur.reduce<Severity>((s, f) => (['critical', 'high', 'medium', 'low', 'info'].indexOf(f.severity) < ['critical', 'high', 'medium', 'low', 'info'].indexOf(s) ? f.severity : s), 'info'),
            });
          }
          cur = [];
          curEnd = Number.NEGATIVE_INFINITY;
        };
        for (const f of list) {
          if (cur.length > 0 && f.startMs > curEnd) flush();
          cur.push(f);
          curEnd = Math.max(curEnd, f.endMs);
        }
        flush();
      }
      return merged;
    };
    /** The best cycle of the session being judged: start, length, repeats (reused: no object per session). */
    const best = new Float64Array(3);
    return {
      observeSession(s: Session) {
        const seq = s.sequence;
        if (seq.length < o.minRepeats) return;
        if (!bestCycle(seq, best)) return;
        const start = best[0] ?? 0;
        const len = best[1] ?? 0;
        const repeats = best[2] ?? 0;
        if (repeats < o.minRepeats || (repeats * len) / seq.length < o.minCoverage) return;
        const c = { cycle: seq.slice(start, start + len), repeats, coverage: (repeats * len) / seq.length };
        // Requests with no HTTP request line (TLS bytes to a plain-HTTP port, garbage) repeat, but are no flow.
        if (c.cycle.every((e) => e === NO_REQUEST)) return;
        // A loop repeats the same concrete endpoints. A position the templater collapsed to :var held over a thousand
        // values: repeating it says the client kept asking for different paths there (a scanner's wordlist), not
        // the same one. And a self-declared scanner repeating an endpoint is sending it payloads (the scanner
        // detector reports it), not looping.
        if (c.cycle.some(isCollapsed) || s.agentFamily === 'scanner') return;
        // Nor is the same exploit sent again: a cycle through a secret file, an attack pattern, a proxy request
        // (CONNECT), or an admin/worm path or an unusual method (PROPFIND, SEARCH) the site answered 4xx is probing
        // (the scanner, campaign and burst detectors'), not a flow.
        const missing = s.errors4xx >= 0.5 * s.requests;
        if (c.cycle.some((e) => isProbe(e, missing))) return;
        // A health check polled every 30 s repeats too, but slowly and successfully: not a loop. A scraper hammering
        // one endpoint successfully is a rate problem (burst/api-abuse), not a loop: one-endpoint cycles need errors.
        const errorShare = (s.errors4xx + s.errors5xx) / Math.max(s.requests, 1);
        if ((s.medianGapMs ?? Number.POSITIVE_INFINITY) > o.maxMedianGapMs && errorShare < o.minErrorShare) return;
        if (c.cycle.length === 1 && errorShare < o.minErrorShare) return;
        const totalRepeats = Math.round((c.repeats * (seq.length + s.sequenceCut)) / seq.length);
        const severity: Severity = s.requests >= 500 ? 'high' : s.requests >= 100 ? 'medium' : 'low';
        if (out.length >= MAX_LOOPING) {
          const cycle = c.cycle.join(' → ');
          const key = uncounted.has(cycle) || uncounted.size < 1000 ? cycle : '(other cycles)';
          const u = uncounted.get(key) ?? { sessions: 0, requests: 0 };
          u.sessions++;
          u.requests += s.requests;
          uncounted.set(key, u);
          return;
        }
        cycles.push(c.cycle);
        out.push({
          detector: 'looping-session', severity, confidence: r2(Math.min(0.99, 0.5 + c.coverage / 4 + Math.min(c.repeats, 50) / 100)),
          title: `session of ${s.clientIp}: ${c.cycle.join(' → ')} repeated ~${fmt(totalRepeats, 0)} times (${fmt(s.requests, 0)} requests, ${fmt(s.errors4xx + s.errors5xx, 0)} errors)`,
          subject: { type: 'session', value: s.id }, startMs: s.startMs, endMs: s.endMs + 1,
          metrics: { repeats: totalRepeats, cycle_length: c.cycle.length, coverage: r2(c.coverage), requests: s.requests, errors: s.errors4xx + s.errors5xx, client_ip: s.clientIp, user_agent: s.userAgent, cycle: c.cycle.join(' → ') },
          explanation: 'The session\'s ordered endpoint sequence is explained by one short cycle repeated back to back.',
          evidence: sortEvidence(s.evidence).slice(0, ctx.evidenceLimit),
          actions: [{ type: 'investigate', subject: c.cycle.join(' → '), window: `${isoTime(s.startMs)}/${isoTime(s.endMs)}`, why: 'a redirect loop or a client retrying without backoff' }],
        });
      },
      // The run's final endpoints (a route position collapsed after these sessions closed): the cycle is named by
      // them; a cycle whose endpoints became one is that endpoint repeated. The loop is not judged again.
      rekey(map) {
        out.forEach((f, i) => {
          const cycle = (cycles[i] ?? []).map(map);
          if (cycle.every((e, k) => e === cycles[i]?.[k])) return;
          const one = cycle.every((e) => e === cycle[0]);
          const repeats = Number(f.metrics['repeats']) * (one ? cycle.length : 1);
          const named = one ? cycle.slice(0, 1) : cycle;
          cycles[i] = named;
          out[i] = withCycle(f, named, repeats);
        });
        for (const [key, u] of [...uncounted]) {
          const to = key === '(other cycles)' ? key : key.split(' → ').map(map).join(' → ');
          if (to === key) continue;
          uncounted.delete(key);
          const mine = uncounted.get(to);
          if (mine === undefined) uncounted.set(to, u);
          else {
            mine.sessions += u.sessions;
            mine.requests += u.requests;
          }
        }
      },
      finish: () => group(out),
    };
  },
});
