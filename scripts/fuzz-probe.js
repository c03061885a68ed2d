/*
 * Preloaded into each lbua run by the fuzz harness (node -r scripts/fuzz-probe.js bin/lbua.js ...): at exit it writes
 * the process's CPU time and peak RSS on stderr, so the harness can bound the time per line by CPU rather than by a
 * wall clock that a busy shared machine stretches. Not part of the shipped CLI.
 */
'use strict';
const { isMainThread } = require('node:worker_threads');

if (isMainThread) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const cpuMs = Math.round((u.userCPUTime + u.systemCPUTime) / 1000);
    try {
      require('node:fs').writeSync(2, `\nlbua-fuzz-probe cpu_ms=${cpuMs} maxrss_kb=${u.maxRSS}\n`);
    } catch {
      // stderr closed: the harness then falls back to wall time.
    }
  });
}
