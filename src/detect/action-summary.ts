/**
 * One sentence per proposed action, for people (the report's `summary` field of each action; the terminal and the
 * HTML show it): what to do, on what, and the evidence the finding holds for it, with its window —
 * "add capacity to target 10.0.2.63:8080: 38% of its requests failed with 5xx (peak 70% in a minute) between 10:05
 * and 10:15 UTC on 2026-03-10". The action's other fields stay as they are (scripts and the rule emitters read
 * them). Pure: from the finding's metrics, window and the action alone.
 * Log-derived text (subjects, routes) is kept as is here; reporters make it safe for their medium.
 */
import { isoTime } from '../core/units';
import { fmt } from './shared';
import { inCidr } from '../enrich/geo/ip';
import type { Action, Finding } from './types';

/** The sentence for action `a` of finding `f`. */
export function actionSummary(f: Finding, a: Action): string {
  const ev = evidenceOf(f);
  const when = windowPhrase(f.startMs, f.endMs);
  const because = (fallback: string): string => (ev === null ? `${fallback} (${when})` : `${ev} ${when}`);
  switch (a.type) {
    case 'rate-limit': {
      const what = a.key === 'endpoint'
        ? `limit ${a.scope} to ${fmt(a.limit_per_minute, 0)} requests a minute for all clients together`
        : a.key === 'asn'
          ? `limit ${a.scope} to ${fmt(a.limit_per_minute, 0)} requests a minute for the whole network`
          : scopeIsAddress(a.scope, f)
            ? f.subject.type === 'cidr'
              ? `limit each address in ${a.scope} to ${fmt(a.limit_per_minute, 0)} requests a minute`
              : `rate-limit ${a.scope} to ${fmt(a.limit_per_minute, 0)} requests a minute`
            : `limit each ${a.key === 'forwarded-ip' ? 'forwarded client address' : 'address'} to ${fmt(a.limit_per_minute, 0)} requests a minute on ${a.scope}`;
      // A limit for all clients says why a per-address one was not proposed (the first clause of its reason).
      return `${what}: ${because(a.why)}${a.key === 'endpoint' ? `; ${a.why.split(';')[0] ?? ''}` : ''}`;
    }
    case 'block': {
      // Addresses inside a listed network are not repeated (the rule emitters drop them too).
      const parts = [...a.cidrs, ...a.ips.filter((ip) => !a.cidrs.some((c) => inCidr(ip, c)))];
      const shown = parts.slice(0, 3).join(', ');
      return `block ${shown}${parts.length > 3 ? ` and ${fmt(parts.length - 3, 0)} more` : ''}: ${because(a.why)}`;
    }
    case 'capacity': {
      const what = f.subject.type === 'target' ? `add capacity to target ${a.subject}`
        : a.subject === 'all targets' ? 'make sure capacity (autoscaling) keeps up'
          : `check capacity and routing toward ${a.subject}`;
      return `${what}: ${because(a.why)}`;
    }
    case 'challenge':
      return `put a CAPTCHA or proof-of-work challenge on ${a.scope}: ${because(a.why)}`;
    case 'investigate':
      return `investigate ${a.subject} ${windowPhrase(...windowOf(a.window, f))}: ${a.why}`;
    case 'no-block':
      return a.why;
  }
}

/** True when the rate limit's scope is the finding's own address or network (a limit on it, not on an endpoint). */
function scopeIsAddress(scope: string, f: Finding): boolean {
  return (f.subject.type === 'ip' || f.subject.type === 'cidr') && f.subject.value === scope;
}

/** "between 10:05 and 10:15 UTC on 2026-03-10", or with both dates when the window crosses midnight. */
export function windowPhrase(startMs: number, endMs: number): string {
  const s = isoTime(startMs);
  const e = isoTime(endMs);
  const seconds = s.slice(0, 16) === e.slice(0, 16);
  const len = seconds ? 19 : 16;
  if (s.slice(0, 10) === e.slice(0, 10)) return `between ${s.slice(11, len)} and ${e.slice(11, len)} UTC on ${s.slice(0, 10)}`;
  return `between ${s.slice(0, 10)} ${s.slice(11, len)} and ${e.slice(0, 10)} ${e.slice(11, len)} UTC`;
}

/** An investigate action's own window ("start/end" ISO), else the finding's. */
function windowOf(w: string, f: Finding): [number, number] {
  const [s, e] = w.split('/');
  const sm = Date.parse(s ?? '');
  const em = Date.parse(e ?? '');
  return Number.isFinite(sm) && Number.isFinite(em) ? [sm, em] : [f.startMs, f.endMs];
}

function num(f: Finding, k: string): number | null {
  const v = f.metrics[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function pct(x: number): string {
  return `${fmt(x * 100, x < 0.1 ? 1 : 0)}%`;
}

/** What the finding saw, in words, from its metrics; null when its detector's metrics say nothing plain. */
function evidenceOf(f: Finding): string | null {
  const n = (k: string): number | null => num(f, k);
  switch (f.detector) {
    case 'error-spike': {
      const rate = n('error_rate');
      const peak = n('peak_error_rate');
      const requests = n('requests');
      if (rate === null || peak === null) return null;
      const whose = f.subject.type === 'target' ? 'its requests' : f.subject.type === 'global' ? 'all requests' : 'the requests';
      return `${pct(rate)} of ${whose} failed with 5xx${requests !== null ? ` (${fmt(n('errors') ?? 0, 0)} of ${fmt(requests, 0)})` : ''}, peak ${pct(peak)} in a minute,`;
    }
    case 'credential-stuffing': {
      const failures = n('failures');
      if (failures === null) return null;
      const clients = n('clients');
      const peak = n('peak_failures_per_minute');
      if (clients !== null) return `${fmt(failures, 0)} failed logins${peak !== null ? ` (peak ${fmt(peak, 0)} a minute)` : ''} from ${fmt(clients, 0)} address${clients === 1 ? '' : 'es'}${clients > 0 ? `, ${fmt(failures / clients)} each on average,` : ''}`;
      const attempts = n('attempts');
      return `${fmt(failures, 0)} failed logins${attempts !== null ? ` of ${fmt(attempts, 0)} attempts` : ''} on ${String(f.metrics['endpoint'] ?? 'the endpoint')}`;
    }
    case 'burst': {
      const peak = n('peak_rpm');
      const base = n('baseline_rpm');
      if (peak === null) return null;
      return `${fmt(peak, 0)} requests a minute at peak${base !== null ? ` against a baseline of ${fmt(base)}` : ''}, ${fmt(n('requests') ?? 0, 0)} in all,`;
    }
    case 'surge': {
      const peak = n('peak_rpm');
      const ratio = n('ratio');
      if (peak === null) return null;
      return `traffic reached ${fmt(peak, 0)} requests a minute${ratio !== null ? `, ${fmt(ratio)}x its baseline,` : ''}`;
    }
    case 'regional-creep': {
      const a = n('p95_start_ms');
      const b = n('p95_end_ms');
      return a === null || b === null ? null : `its p95 latency rose from ${fmt(a)} ms to ${fmt(b)} ms`;
    }
    case 'scanner': {
      const requests = n('requests');
      const paths = n('distinct_paths');
      if (requests === null || paths === null) return null;
      const hits = n('answered_2xx') ?? 0;
      return `${fmt(requests, 0)} probing requests to ${fmt(paths, 0)} paths${hits > 0 ? `, ${fmt(hits, 0)} answered 2xx` : ''},`;
    }
    case 'campaign': {
      const hostile = n('hostile_requests');
      const addresses = n('addresses');
      return hostile === null || addresses === null ? null : `${fmt(hostile, 0)} hostile requests from ${fmt(addresses, 0)} addresses`;
    }
    case 'api-abuse': {
      const mean = n('mean_rpm');
      const steady = n('steady_minutes');
      if (mean !== null && steady !== null) return `a steady ${fmt(mean)} requests a minute for ${fmt(steady, 0)} minutes`;
      const ids = n('distinct_ids');
      return ids === null ? null : `${fmt(ids, 0)} distinct identifiers of ${String(f.metrics['route'] ?? 'the resource')} read`;
    }
    default:
      return null;
  }
}
