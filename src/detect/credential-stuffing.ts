/**
 * Credential stuffing and brute force on authentication endpoints (POST to login/signin/token/auth/session paths,
 * or any endpoint answering mostly 401/403): failure spikes per minute against the endpoint's own baseline, from
 * one client (brute force) or spread over many clients and networks (stuffing).
 * Memory: per auth endpoint (at most Limits.authEndpoints, those with the fewest failures evicted) per-minute counts
 * and the failing clients of each minute (at most 5,000 per minute and Limits.authClientMinutes in all), plus
 * per-client login counters (at most Limits.authClients, the least active evicted); each cap says so when reached.
 */
import { detach } from '../core/text';
import { maxOf } from '../core/arrays';
import type { SourceRef } from '../core/types';
import type { EnrichedRecord } from '../enrich/types';
import { defineDetector, type Finding, type Severity } from './types';
import { fmt, networksOf, pushEvidence, r2, sortEvidence } from './shared';
import { CappedMap, capMessage, count } from '../core/capped';
import { median } from './stats/robust';

const AUTH_PATH = /(?:^|\/)(?:login|log-in|signin|sign-in|sign_in|logon|auth(?:enticate|orize)?|oauth2?\/token|token|session|sessions|password|passwd|wp-login\.php|j_security_check|api\/v\d+\/(?:login|auth|token|session))(?:\/|$|\.)/i;

interface Minute {
  attempts: number;
  failures: number;
  clients: Map<string, number>;
  evidence: SourceRef[];
}

/** An authentication endpoint's minutes, and its failures (its weight against the cap). */
interface Series {
  readonly minutes: Map<number, Minute>;
  failures: number;
}

interface Client {
  attempts: number;
  failures: number;
  first: number;
  last: number;
  endpoint: string;
  evidence: SourceRef[];
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
    /** (client, minute) entries held, and failures not attributed to a client once the budget was spent. */
    let clientMinutes = 0;
    const perEndpoint = new CappedMap<Series>({
      cap: ctx.limits.authEndpoints,
      weight: (e) => e.failures,
      onEvict: (_endpoint, e) => {
        for (const mm of e.minutes.values()) clientMinutes -= mm.clients.size;
      },
    });
    const clients = new CappedMap<Client>({ cap: ctx.limits.authClients, weight: (c) => c.attempts + c.failures });
    let unattributed = 0;
    let unattributedFrom = Number.POSITIVE_INFINITY;
    ctx.caps.watch(() => {
      const parts: string[] = [];
      const c = capMessage('clients', `${count(ctx.limits.authClients)}`, clients.stats, 'login attempts and failures',
        `brute force is judged on all of a client's attempts only if it has more than ${count(clients.stats.maxError)}`);
      if (c !== null) parts.push(c);
      const e = capMessage('endpoints', `${count(ctx.limits.authEndpoints)}`, perEndpoint.stats, 'failed logins',
        'an evicted endpoint that comes back starts a new per-minute series');
      if (e !== null) parts.push(e);
      if (unattributed > 0) parts.push(`failing clients per minute: capped at ${count(ctx.limits.authClientMinutes)} (client, minute) counts in all; ${count(unattributed)} failed logins from ${new Date(unattributedFrom).toISOString()} on are counted without their client, so the clients, networks and top-client share of a spike after that are lower bounds`);
      return parts.length === 0 ? null : `credential-stuffing: ${parts.join('; ')}`;
    });
    return {
      observe(r: EnrichedRecord) {
        if (r.clientIp === null || r.path === null) return;
        const isAuth = (r.method === 'POST' || r.method === 'PUT') && AUTH_PATH.test(r.path);
        if (!isAuth) return;
        const failed = r.status === 401 || r.status === 403 || r.status === 429;
        const m = Math.floor(r.startMs / 60_000);
        let series = perEndpoint.get(r.endpoint);
        if (!series) {
          series = { minutes: new Map(), failures: 0 };
          perEndpoint.add(detach(r.endpoint), series);
        }
        const minutes = series.minutes;
        let mm = minutes.get(m);
        if (!mm) {
          mm = { attempts: 0, failures: 0, clients: new Map(), evidence: [] };
          minutes.set(m, mm);
        }
        mm.attempts++;
        if (failed) {
          mm.failures++;
          series.failures++;
          const n = mm.clients.get(r.clientIp);
          if (n !== undefined) mm.clients.set(r.clientIp, n + 1);
          else if (mm.clients.size < 5000 && clientMinutes < ctx.limits.authClientMinutes) {
            mm.clients.set(r.clientIp, 1);
            clientMinutes++;
          } else if (mm.clients.size < 5000) {
            unattributed++;
            unattributedFrom = Math.min(unattributedFrom, r.startMs);
          }
          pushEvidence(mm.evidence, r.source, ctx.evidenceLimit);
        }
        let c = clients.get(r.clientIp);
        if (!c) {
          c = { attempts: 0, failures: 0, first: r.startMs, last: r.startMs, endpoint: r.endpoint, evidence: [] };
          clients.add(r.clientIp, c);
        }
        c.attempts++;
        c.first = Math.min(c.first, r.startMs);
        c.last = Math.max(c.last, r.startMs);
        if (failed) {
          c.failures++;
          pushEvidence(c.evidence, r.source, ctx.evidenceLimit);
        }
      },
      finish() {
        const out: Finding[] = [];
        const bruteIps = new Set<string>();
        for (const [ip, c] of clients) {
          if (c.failures >= o.bruteForceFailures && c.failures / c.attempts >= o.bruteForceRatio) {
            bruteIps.add(ip);
            out.push({
              detector: 'credential-stuffing', severity: 'high', confidence: r2(Math.min(0.99, 0.7 + c.failures / 500)),
              title: `${ip}: brute force on ${c.endpoint} — ${fmt(c.failures, 0)} failed logins (${fmt((c.failures / c.attempts) * 100, 0)}% of attempts)`,
              subject: { type: 'ip', value: ip }, startMs: c.first, endMs: c.last + 1,
              metrics: { failures: c.failures, attempts: c.attempts, failure_ratio: r2(c.failures / c.attempts), endpoint: c.endpoint },
              explanation: 'One client with many failed authentication attempts and almost no successes.',
              evidence: sortEvidence(c.evidence).slice(0, ctx.evidenceLimit),
              actions: [
                { type: 'block', ips: [ip], cidrs: [], why: 'brute force on an authentication endpoint' },
                { type: 'rate-limit', key: 'ip', limit_per_minute: 10, window_seconds: 60, scope: c.endpoint, why: 'people rarely need more than a few login attempts a minute' },
              ],
            });
          }
        }
        for (const [endpoint, { minutes }] of perEndpoint) {
          const ms = [...minutes.keys()].sort((a, b) => a - b);
          const base = median(ms.map((m) => minutes.get(m)?.failures ?? 0));
          let run: { start: number; last: number; failures: number; attempts: number; peak: number; clients: Map<string, number>; evidence: SourceRef[] } | null = null;
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
              evidence: sortEvidence(run.evidence).slice(0, ctx.evidenceLimit),
              actions: [{ type: 'rate-limit', key: 'ip', limit_per_minute: 10, window_seconds: 60, scope: endpoint, why: 'limit login attempts per address; consider a CAPTCHA or bot challenge on this endpoint' }],
            });
            run = null;
          };
          for (const m of ms) {
            const mm = minutes.get(m);
            if (!mm) continue;
            const hot = mm.failures >= o.minFailuresPerMinute && mm.failures >= o.factor * Math.max(base, 1);
            if (hot) {
              if (run && run.last >= m - 2) {
                run.last = m;
                run.failures += mm.failures;
                run.attempts += mm.attempts;
                run.peak = Math.max(run.peak, mm.failures);
                for (const [ip, n] of mm.clients) run.clients.set(ip, (run.clients.get(ip) ?? 0) + n);
                for (const e of mm.evidence) pushEvidence(run.evidence, e, ctx.evidenceLimit);
              } else {
                flush();
                run = { start: m, last: m, failures: mm.failures, attempts: mm.attempts, peak: mm.failures, clients: new Map(mm.clients), evidence: [...mm.evidence] };
              }
            }
          }
          flush();
        }
        return out;
      },
    };
  },
});
