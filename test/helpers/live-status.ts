/**
 * LiveStatus values for tests of the live terminal view (live/view.ts), shaped like what the engine makes: findings
 * as the batch report gives them (detector, subject, window, title), a minute series, top talkers.
 */
import type { ReportFinding } from '../../src/core/report-types';
import type { LiveStatus, LiveTalker } from '../../src/live/types';

/** A finding with the fields the view shows; the rest empty. */
export function finding(id: string, severity: ReportFinding['severity'], detector: string, subject: [string, string], window: [string, string], title: string): ReportFinding {
  return {
    id, detector, severity, confidence: 0.9, title,
    subject: { type: subject[0], value: subject[1] },
    window: { start: window[0], end: window[1] },
    metrics: {}, evidence: [], actions: [],
  };
}

/** Top talkers: `n` rows, requests falling from `first`. */
export function talkers(prefix: string, n: number, first = 5000): LiveTalker[] {
  return Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i + 1}`, requests: Math.round(first / (i + 1)), errors: i % 3 === 0 ? 7 * (i + 1) : 0 }));
}

/** A busy status: 6 open incidents (given out of severity order), 4 closed, 8 talkers each. */
export function busyStatus(over: Partial<LiveStatus> = {}): LiveStatus {
  return {
    inputs: ['/var/log/alb/app.log', '/srv/s3-sync/alb/'],
    watermark: '2026-03-10T07:02:00.000Z',
    lag_seconds: 42,
    lines_per_second: 1234.4,
    requests_per_minute: 2841,
    rpm_series: Array.from({ length: 60 }, (_, i) => 1000 + ((i * 37) % 11) * 100 + (i > 50 ? 2000 : 0)),
    error_rate_5xx: 0.031,
    error_rate_4xx: 0.12,
    p95_ms: 412.6,
    top_clients: [{ key: '82.82.97.119', requests: 9000, errors: 12 }, ...talkers('10.0.0.', 7)],
    top_endpoints: [{ key: 'POST /api/v1/login', requests: 4200, errors: 3100 }, ...talkers('GET /api/v1/items/', 7)],
    open: [
      finding('c8b685a396653750', 'high', 'api-abuse', ['ip', '162.55.4.200'], ['2026-03-10T06:30:00.527Z', '2026-03-10T07:02:00.000Z'], 'API abuse: 162.55.4.200 walks /api/v1/items/:id'),
      finding('062223de74b44657', 'critical', 'burst', ['ip', '82.82.97.119'], ['2026-03-10T06:18:00.000Z', '2026-03-10T06:24:00.000Z'], 'Burst of requests from 82.82.97.119 (38× its usual rate)'),
      finding('5320adc33407fc31', 'medium', 'looping-session', ['session', '147cbd7de7ffcffb'], ['2026-03-10T06:50:00.000Z', '2026-03-10T06:56:44.851Z'], 'A session loops over the same 3 pages'),
      finding('3c6151f2fa57b3dd', 'low', 'scanner', ['ip', '193.32.162.77'], ['2026-03-10T06:42:00.460Z', '2026-03-10T06:51:58.454Z'], 'Scanner probing 212 paths'),
      finding('69a6070e8a7105b5', 'high', 'credential-stuffing', ['endpoint', 'POST /api/v1/login'], ['2026-03-10T06:40:00.000Z', '2026-03-10T07:01:00.000Z'], 'Credential stuffing on POST /api/v1/login from 1,000 addresses'),
      finding('494c65cda6ffc905', 'critical', 'error-spike', ['target', '10.0.2.63:8080'], ['2026-03-10T06:54:00.000Z', '2026-03-10T07:02:00.000Z'], 'Target 10.0.2.63:8080 returns 5xx to 61% of requests'),
    ],
    recently_closed: [
      finding('4cc0777fb5c5a61a', 'high', 'scanner', ['ip', '103.145.13.88'], ['2026-03-10T06:36:00.669Z', '2026-03-10T06:41:58.996Z'], 'Scanner probing 400 paths'),
      finding('81fe1a724af231c0', 'low', 'campaign', ['signature', 'exploit Nimda'], ['2026-03-10T06:00:20.740Z', '2026-03-10T06:30:53.744Z'], 'Nimda exploit campaign'),
      finding('2e270a2648479f5e', 'low', 'campaign', ['signature', 'exploit CodeRed'], ['2026-03-10T06:00:27.281Z', '2026-03-10T06:33:45.170Z'], 'CodeRed exploit campaign'),
      finding('533ab60b064464f7', 'high', 'api-abuse', ['ip', '146.70.38.12'], ['2026-03-10T06:12:00.389Z', '2026-03-10T06:36:59.349Z'], 'API abuse: 146.70.38.12'),
    ],
    state_bytes: 3_456_789,
    ...over,
  };
}
