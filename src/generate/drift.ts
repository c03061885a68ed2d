/**
 * Drift incidents: changes a single run cannot see because they hold all day or creep in slowly, that only a learned
 * baseline (`lbua analyze --baseline`, detect/history.ts) finds. They are not part of `--incident all` (the scenario
 * tests' logs stay as they were); name them (`--incident new-asn-errors`) or ask for `--incident drift`.
 */
import type { EpochMs } from '../core/types';
import { POOLS, poolAddress } from './catalog';
import { Rng } from './random';
import { diurnal, humanSessionsPerSecond, startHumanSession } from './scenario';
import type { Incident } from './incidents';

const HOUR = 3_600_000;
const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** The address block of the new network (AS5650, Frontier, in the bundled data): no ordinary pool is in it. */
const NEW_NETWORK = '47.180';

/** The drift incidents over a scenario of `hours` from startMs with `requests` ordinary requests. */
export function driftIncidents(startMs: EpochMs, hours: number, seed: number, requests: number): Incident[] {
  const span = hours * HOUR;
  const endMs = startMs + span;
  const list: Incident[] = [];
  // 1. A new network's visitors, ~10% of sessions, whose error rate climbs from 0 to 4% over the period (5xx from
  //    the target): the site's error rate rises slowly to a few times its normal level, a few errors a minute at most.
  {
    const rng = new Rng(seed * 6151 + 3);
    list.push({
      id: 'new-asn-errors', description: 'visitors from a new network (AS5650, 47.180.0.0/16), ~10% of sessions, their 5xx rate rising slowly from 0 to 4%',
      actor: { start: (sim) => {
        const perSecond = 0.1 * humanSessionsPerSecond(requests, hours);
        for (let t = startMs; t < endMs; t += 1000) {
          const n = Math.floor(perSecond * diurnal(t) + rng.next());
          for (let k = 0; k < n; k++) {
            const when = t + rng.next() * 1000;
            const ip = `${NEW_NETWORK}.${rng.int(0, 63)}.${rng.int(2, 254)}`;
            sim.at(when, (s) => {
              startHumanSession(s, when, ip);
              return null;
            });
          }
        }
        sim.mutators.push((req) => {
          if (!req.clientIp.startsWith(`${NEW_NETWORK}.`) || req.status >= 400) return;
          if (rng.next() < 0.04 * ((req.startMs - startMs) / span)) {
            req.status = 502;
            req.targetStatus = 502;
          }
        });
      } },
      expected: { incident: 'new-asn-errors', detector: 'history', subjectType: 'asn', subject: '5650', startMs, endMs },
    });
  }
  // 2. A new endpoint taking real traffic: GET /api/v2/export, ~3% of requests, from ordinary visitors, answered 200.
  {
    const rng = new Rng(seed * 6151 + 5);
    list.push({
      id: 'new-endpoint', description: 'a new endpoint, GET /api/v2/export, taking ~3% of requests from ordinary visitors all period',
      actor: { start: (sim) => {
        const count = Math.round(requests * 0.03);
        const export_ = { method: 'GET', path: () => '/api/v2/export', kind: 'api' as const, medianMs: 150, medianBytes: 20_000 };
        for (let i = 0; i < count; i++) {
          // Denser by day, as the rest of the traffic.
          let t = startMs + rng.next() * span;
          if (rng.next() > diurnal(t)) t = startMs + rng.next() * span;
          const [, prefixes] = rng.pick(POOLS);
          const ip = poolAddress(rng, rng.pick(prefixes));
          sim.at(t, (s) => s.request(t, { ip, ua: BROWSER }, export_, { status: 200, targetStatus: 200 }, rng));
        }
      } },
      expected: { incident: 'new-endpoint', detector: 'history', subjectType: 'endpoint', subject: 'GET /api/v2/export', startMs, endMs },
    });
  }
  // 3. Latency 60% above normal for the first 40% of the period, then back to normal (a slow level, no step a run
  //    sees: it starts with the log and ends in a fall).
  {
    const t1 = startMs + Math.round(span * 0.4);
    list.push({
      id: 'latency-shift', description: 'every target 60% slower than normal for the first 40% of the period',
      actor: { start: (sim) => sim.mutators.push((req) => {
        if (req.startMs < t1 && req.targetMs !== null) req.targetMs = Math.round(req.targetMs * 1.6);
      }) },
      expected: { incident: 'latency-shift', detector: 'history', subjectType: 'global', subject: 'all', startMs, endMs: t1 },
    });
  }
  return list;
}
