/** The `change` report section from a before/after aggregate (aggregate/change.ts). */
import { percentiles, type QuantileSketch } from '../core/quantile';
import { isoTime } from '../core/units';
import type { ChangeEndpointFigures, ChangeFigures, ChangeMixRow, ChangeSection, ChangeTransitionFigures } from '../core/report-types';
import { ChangeAggregate, type ChangeSide, type EndpointCounts } from '../aggregate/change';

const round4 = (v: number): number => Math.round(v * 10_000) / 10_000;
const rate = (n: number, d: number): number | null => (d > 0 ? round4(n / d) : null);
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function quantiles(s: QuantileSketch): { p50: number | null; p95: number | null } {
  const p = percentiles(s);
  return { p50: p.p50, p95: p.p95 };
}

function figures(s: ChangeSide): ChangeFigures {
  const q = quantiles(s.latency);
  return {
    requests: s.requests, error_rate: rate(s.errors, s.requests), server_error_rate: rate(s.serverErrors, s.requests),
    p50_ms: q.p50, p95_ms: q.p95, sessions: s.sessions, bounce_rate: rate(s.bounces, s.sessions), loop_rate: rate(s.loops, s.sessions),
  };
}

const EMPTY: EndpointCounts | null = null;

function endpointFigures(e: EndpointCounts | null | undefined): ChangeEndpointFigures {
  if (e === null || e === undefined) return { requests: 0, errors: 0, server_errors: 0, error_rate: null, server_error_rate: null, p50_ms: null, p95_ms: null };
  const q = quantiles(e.latency);
  return {
    requests: e.requests, errors: e.errors, server_errors: e.serverErrors, error_rate: rate(e.errors, e.requests),
    server_error_rate: rate(e.serverErrors, e.requests), p50_ms: q.p50, p95_ms: q.p95,
  };
}

/** Keys of two maps, busiest (a + b) first, then by key; at most `n`. */
function busiest(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>, n: number): string[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const total = (k: string): number => (a.get(k) ?? 0) + (b.get(k) ?? 0);
  return keys.sort((x, y) => total(y) - total(x) || cmp(x, y)).slice(0, n);
}

function mix(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>, n: number, shares: boolean): ChangeMixRow[] {
  const sum = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((x, y) => x + y, 0);
  const ta = sum(a);
  const tb = sum(b);
  return busiest(a, b, n).map((key) => ({
    key,
    before: shares ? rate(a.get(key) ?? 0, ta) ?? 0 : a.get(key) ?? 0,
    after: shares ? rate(b.get(key) ?? 0, tb) ?? 0 : b.get(key) ?? 0,
  }));
}

function transition(s: ChangeSide, key: string, from: string): ChangeTransitionFigures {
  const count = s.transitions.get(key) ?? 0;
  return { count, probability: rate(count, s.outgoing.get(from) ?? 0) };
}

/** The section: the busiest `rows` endpoints and transitions, `top` rows of the mixes. */
export function changeSection(agg: ChangeAggregate, top: number): ChangeSection {
  const [b, a] = agg.sides;
  const { atMs, windowMs } = agg.window;
  const rows = Math.max(20, top * 2);
  const counts = (s: ChangeSide): Map<string, number> => new Map([...s.endpoints.entries()].map(([k, e]) => [k, e.requests]));
  return {
    at: isoTime(atMs),
    window_minutes: windowMs / 60_000,
    before: { start: isoTime(atMs - windowMs), end: isoTime(atMs) },
    after: { start: isoTime(atMs), end: isoTime(atMs + windowMs) },
    sessions_by: 'start: a session that starts before the change and goes on after it counts as before',
    totals: { before: figures(b), after: figures(a) },
    endpoints: busiest(counts(b), counts(a), rows).map((endpoint) => ({
      endpoint, before: endpointFigures(b.endpoints.get(endpoint) ?? EMPTY), after: endpointFigures(a.endpoints.get(endpoint) ?? EMPTY),
    })),
    transitions: busiest(b.transitions, a.transitions, rows).map((key) => {
      const [from = '', to = ''] = key.split('\u0000');
      return { from, to, before: transition(b, key, from), after: transition(a, key, from) };
    }),
    entries: mix(b.entries, a.entries, top, false),
    exits: mix(b.exits, a.exits, top, false),
    client_classes: mix(b.sessionClasses, a.sessionClasses, top, true),
    agent_families: mix(b.families, a.families, top, true),
    agent_classes: mix(b.agentClasses, a.agentClasses, top, true),
    protocols: mix(b.protocols, a.protocols, top, true),
    tls: mix(b.tls, a.tls, top, true),
  };
}
