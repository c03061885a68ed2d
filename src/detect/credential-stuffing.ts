/**
 * Credential stuffing and brute force on authentication endpoints (POST to login/signin/token/auth/session paths,
 * or any endpoint answering mostly 401/403): failure spikes per minute against the endpoint's own baseline, from
 * one client (brute force) or spread over many clients and networks (stuffing).
 * Memory: per auth endpoint (at most Limits.authEndpoints, those with the fewest failures evicted) per-minute counts
 * and the failing clients of each minute (at most 5,000 per minute and Limits.authClientMinutes in all), plus
 * per-client login counters (at most Limits.authClients, the least active evicted); each cap says so when reached.
 * Counting is the AuthAttempts aggregate (aggregate/auth-attempts.ts, the path pattern in enrich/auth-path.ts); this
 * file is its pure judge (judgeCredentialStuffing).
 */
import { maxOf } from '../core/arrays';
import type { SourceRef } from '../core/types';
import { aggregateState, defineDetector, type Action, type Finding, type Severity } from './types';
import { fmt, pushEvidence, r2, sortEvidence } from './shared';
import { networksOf } from '../enrich/client';
import { capMessage, count } from '../core/capped';
import { AuthAttempts, type AuthMinute } from '../aggregate/auth-attempts';
import { median } from './stats/robust';

export interface CredentialStuffingOptions {
  readonly minFailuresPerMinute: number;
  readonly factor: number;
  readonly bruteForceFailures: number;
  readonly bruteForceRatio: number;
  readonly distributedClients: number;
}

export default defineDetector({
  id: 'credential-stuffing',
  title: 'Credential stuffing and brute force',
  description: 'Flags failure spikes on authentication endpoints, from one client (brute force) or spread over many clients and networks (stuffing).',
  defaultOptions: { minFailuresPerMinute: 20, factor: 5, bruteForceFailures: 30, bruteForceRatio: 0.8, distributedClients: 10 },
  optionDocs: {
    minFailuresPerMinute: 'failed logins per minute on one endpoint before a spike can fire',
    factor: 'times above the endpoint baseline (median failures per minute) to fire',
    bruteForceFailures: 'failed logins from one client over the run to call it brute force',
    bruteForceRatio: 'share of that client\'s login attempts that failed',
    distributedClients: 'distinct clients in the spike that make it distributed stuffing',
  },
  create(o, ctx) {
    // Counting is the AuthAttempts aggregate; judgeCredentialStuffing reads it at the end.
    const state = new AuthAttempts({ endpoints: ctx.limits.authEndpoints, clients: ctx.limits.authClients, clientMinutes: ctx.limits.authClientMinutes, evidenceLimit: ctx.evidenceLimit });
    ctx.caps.watch(() => {
      const parts: string[] = [];
      const c = capMessage('clients', `${count(ctx.limits.authClients)}`, state.clients.stats, 'login attempts and failures',
        `brute force is judged on all of a client's attempts only if it has more than ${count(state.clients.stats.maxError)}`);
      if (c !== null) parts.push(c);
      const e = capMessage('endpoints', `${count(ctx.limits.authEndpoints)}`, state.endpoints.stats, 'failed logins',
        'an evicted endpoint that comes back starts a new per-minute series');
      if (e !== null) parts.push(e);
      if (state.unattributed > 0) parts.push(`failing clients per minute: capped at ${count(ctx.limits.authClientMinutes)} (client, minute) counts in all; ${count(state.unattributed)} failed logins from ${new Date(state.unattributedFrom).toISOString()} on are counted without their client, so the clients, networks and top-client share of a spike after that are lower bounds`);
      return parts.length === 0 ? null : `credential-stuffing: ${parts.join('; ')}`;
    });
    return {
      state: aggregateState(state, AuthAttempts.fromJSON),
      observe: (r) => state.add(r),
      rekey: (map, order) => state.rekey(map, order),
      finish: () => judgeCredentialStuffing(state, o, ctx.evidenceLimit),
    };
  },
});

/** The findings of a login-attempt state: brute force per client, failure spikes per endpoint. */
export function judgeCredentialStuffing(state: AuthAttempts, o: CredentialStuffingOptions, evidenceLimit: number): Finding[] {
  const out: Finding[] = [];
  const bruteIps = new Set<string>();
  for (const [ip, c] of state.clients) {
    if (c.failures >= o.bruteForceFailures && c.failures / c.attempts >= o.bruteForceRatio) {
      bruteIps.add(ip);
      out.push({
        detector: 'credential-stuffing', severity: 'high', confidence: r2(Math.min(0.99, 0.7 + c.failures / 500)),
        title: `${ip}: brute force on ${c.endpoint} — ${fmt(c.failures, 0)} failed logins (${fmt((c.failures / c.attempts) * 100, 0)}% of attempts)`,
        subject: { type: 'ip', value: ip }, startMs: c.first, endMs: c.last + 1,
        metrics: { failures: c.failures, attempts: c.attempts, failure_ratio: r2(c.failures / c.attempts), endpoint: c.endpoint },
        explanation: 'One client with many failed authentication attempts and almost no successes.',
        evidence: sortEvidence(c.evidence).slice(0, evidenceLimit),
        actions: [
          { type: 'block', ips: [ip], cidrs: [], why: 'brute force on an authentication endpoint' },
          { type: 'rate-limit', key: 'ip', limit_per_minute: 10, window_seconds: 60, scope: c.endpoint, why: 'people rarely need more than a few login attempts a minute' },
        ],
      });
    }
  }
  for (const [endpoint, { minutes }] of state.endpoints) {
    const ms = [...minutes.keys()].sort((a, b) => a - b);
    const base = median(ms.map((m) => minutes.get(m)?.failures ?? 0));
    const isHot = (failures: number): boolean => failures >= o.minFailuresPerMinute && failures >= o.factor * Math.max(base, 1);
    // The busiest minute of login attempts outside the spikes: what the endpoint serves when no one attacks it.
    let normalPeak = 0;
    for (const mm of minutes.values()) if (!isHot(mm.failures) && mm.attempts > normalPeak) normalPeak = mm.attempts;
    let run: { start: number; last: number; failures: number; attempts: number; peak: number; clients: Map<string, number>; evidence: SourceRef[]; minutes: number[] } | null = null;
    const flush = (): void => {
      if (!run) return;
      const ips = [...run.clients.keys()];
      const nets = new Set(ips.map((ip) => networksOf(ip).narrow));
      const top = maxOf(run.clients.values(), 0);
      const distributed = ips.length >= o.distributedClients && top < run.failures * 0.5;
      if (!distributed && ips.every((ip) => bruteIps.has(ip))) {
        run = null;
        return;
      }
      const severity: Severity = run.peak >= o.minFailuresPerMinute * 5 || distributed ? 'high' : 'medium';
      out.push({
        detector: 'credential-stuffing', severity, confidence: r2(Math.min(0.99, 0.6 + run.peak / (base + 1) / 50 + (distributed ? 0.2 : 0))),
        title: `${endpoint}: ${fmt(run.peak, 0)} failed logins/min, ${fmt(run.peak / Math.max(base, 1))}x its baseline${distributed ? ` — spread over ${fmt(ips.length, 0)} clients in ${fmt(nets.size, 0)} networks (credential stuffing)` : ''}`,
        subject: { type: 'endpoint', value: endpoint }, startMs: run.start * 60_000, endMs: (run.last + 1) * 60_000,
        metrics: { peak_failures_per_minute: run.peak, baseline_failures_per_minute: r2(base), failures: run.failures, attempts: run.attempts, failure_ratio: r2(run.failures / Math.max(run.attempts, 1)), clients: ips.length, networks: nets.size, top_client_share: r2(top / run.failures) },
        explanation: 'Failed authentication attempts per minute on this endpoint against its median minute; distributed when no single client makes half of the failures.',
        evidence: sortEvidence(run.evidence).slice(0, evidenceLimit),
        actions: stuffingActions(endpoint, run.minutes.map((m) => minutes.get(m)).filter((x): x is AuthMinute => x !== undefined), run.failures, normalPeak),
      });
      run = null;
    };
    for (const m of ms) {
      const mm = minutes.get(m);
      if (!mm) continue;
      const hot = isHot(mm.failures);
      if (hot) {
        if (run && run.last >= m - 2) {
          run.last = m;
          run.failures += mm.failures;
          run.attempts += mm.attempts;
          run.peak = Math.max(run.peak, mm.failures);
          run.minutes.push(m);
          for (const [ip, n] of mm.clients) run.clients.set(ip, (run.clients.get(ip) ?? 0) + n);
          for (const e of mm.evidence) pushEvidence(run.evidence, e, evidenceLimit);
        } else {
          flush();
          run = { start: m, last: m, failures: mm.failures, attempts: mm.attempts, peak: mm.failures, clients: new Map(mm.clients), evidence: [...mm.evidence], minutes: [m] };
        }
      }
    }
    flush();
  }
  return out;
}

/** Login attempts a minute per address that people rarely need to exceed: the per-address limit proposed. */
export const LOGIN_LIMIT_PER_ADDRESS = 10;

/**
 * The actions for a failure spike on `endpoint`, from the spike's minutes: a per-address limit only when it would
 * have cut most of the spike (the failures each address made above the limit in each minute, at least half of them);
 * otherwise — a campaign of many addresses making a few attempts each — a limit on the endpoint for all clients
 * together, at twice its busiest minute outside the spikes (`normalPeak` attempts; proposed only when the spike went
 * above it), and a challenge on the endpoint.
 */
export function stuffingActions(endpoint: string, spike: readonly AuthMinute[], failures: number, normalPeak: number): Action[] {
  const limit = LOGIN_LIMIT_PER_ADDRESS;
  let cut = 0;
  for (const mm of spike) for (const n of mm.clients.values()) if (n > limit) cut += n - limit;
  const share = failures > 0 ? cut / failures : 0;
  if (share >= 0.5) {
    return [{ type: 'rate-limit', key: 'ip', limit_per_minute: limit, window_seconds: 60, scope: endpoint, why: `a limit of ${limit} login attempts a minute per address would have stopped ${pctText(share)} of these failed logins; consider a CAPTCHA or bot challenge on this endpoint too` }];
  }
  const out: Action[] = [];
  const all = Math.max(limit, Math.ceil(normalPeak * 2));
  let allCut = 0;
  let attempts = 0;
  for (const mm of spike) {
    attempts += mm.attempts;
    if (mm.attempts > all) allCut += mm.attempts - all;
  }
  const why = `a limit of ${limit}/min per address would have stopped only ${pctText(share)} of these failed logins: the addresses made few attempts each`;
  if (allCut > 0) {
    out.push({ type: 'rate-limit', key: 'endpoint', limit_per_minute: all, window_seconds: 60, scope: endpoint, why: `${why}; ${fmt(all, 0)}/min for all clients together (the busiest minute outside the attack had ${fmt(normalPeak, 0)} attempts) would have refused ${pctText(allCut / Math.max(attempts, 1))} of the attempts in the attack's minutes` });
  }
  out.push({ type: 'challenge', scope: endpoint, why: allCut > 0 ? 'a CAPTCHA or proof-of-work on the login stops automated attempts from any number of addresses' : `${why}, and the attack stayed within the endpoint's normal rate: a CAPTCHA or proof-of-work on the login stops automated attempts from any number of addresses` });
  return out;
}

function pctText(x: number): string {
  return `${fmt(x * 100, 0)}%`;
}
