/**
 * A tiny program for the tmux test of the live terminal view (view-tmux.test.ts): runs dist/live/view.js's startView
 * on the terminal with a fake LiveStatus that changes on every frame (requests/min counts the frames drawn), and
 * exits on its own when the view quits (nothing else keeps it alive). Usage: node view-script.js [intervalMs] [throw]:
 * with `throw`, the status throws on the third frame (an uncaught exception: the terminal must be restored anyway).
 */
'use strict';
const { join } = require('node:path');
const { startView } = require(join(__dirname, '..', '..', 'dist', 'live', 'view.js'));

const intervalMs = Number(process.argv[2] ?? 1000);
const throwAt = process.argv[3] === 'throw' ? 3 : Infinity;
const finding = (id, severity, detector, type, value, start, end, title) => ({
  id, detector, severity, confidence: 0.9, title, subject: { type, value }, window: { start, end }, metrics: {}, evidence: [], actions: [],
});
let frames = 0;
const status = () => {
  frames++;
  if (frames >= throwAt) throw new Error(`view-script: status failed on frame ${frames}`);
  return {
    inputs: ['/var/log/alb/app.log'],
    watermark: '2026-03-10T07:02:00.000Z',
    lag_seconds: 42,
    lines_per_second: 1234,
    requests_per_minute: 1000 + frames,
    rpm_series: Array.from({ length: 60 }, (_, i) => 1000 + ((i + frames) % 8) * 100),
    error_rate_5xx: 0.031,
    error_rate_4xx: 0.12,
    p95_ms: 412,
    top_clients: [{ key: '82.82.97.119', requests: 9000, errors: 12 }, { key: '10.0.0.1', requests: 500, errors: 0 }],
    top_endpoints: [{ key: 'POST /api/v1/login', requests: 4200, errors: 3100 }, { key: 'GET /', requests: 300, errors: 0 }],
    open: [
      finding('h1', 'high', 'api-abuse', 'ip', '162.55.4.200', '2026-03-10T06:30:00.000Z', '2026-03-10T07:02:00.000Z', 'API abuse from 162.55.4.200'),
      // Hostile text: an escape sequence that would clear the screen and set the title if it reached the terminal.
      finding('c1', 'critical', 'burst', 'ip', '82.82.97.119\x1b[2J\x1b]0;pwned\x07', '2026-03-10T06:18:00.000Z', '2026-03-10T06:24:00.000Z', 'Burst of requests'),
    ],
    recently_closed: [],
    state_bytes: 3_456_789,
  };
};
startView({
  input: process.stdin,
  output: process.stdout,
  status,
  intervalMs,
  onQuit: () => process.stdout.write(`view-script: quit after ${frames} frames\n`),
});
