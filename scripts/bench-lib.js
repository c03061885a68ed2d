'use strict';
/*
 * Shared by scripts/bench.js and scripts/split-ab.js: run one command as a child and account for it.
 *
 * CPU time is the child's own user + sys (all its threads, and any children it waited for), which a busy shared
 * machine inflates far less than wall time. Taken from /usr/bin/time -f '%U %S %M' when that is installed; else
 * (Linux) from this process's cutime + cstime in /proc/self/stat before and after the child is reaped, with peak
 * RSS from what lbua itself prints under LBUA_BENCH_STATS=1 (null for other commands). Wall time is measured here.
 */
const { spawnSync, execFileSync } = require('node:child_process');
const { existsSync, readFileSync, rmSync, mkdtempSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');

const TIME = '/usr/bin/time';
// LBUA_BENCH_NO_TIME=1 forces the fallback (to check it on a machine that has /usr/bin/time).
const haveTime = !process.env['LBUA_BENCH_NO_TIME'] && existsSync(TIME) && spawnSync(TIME, ['-f', '%U %S %M %e', 'true']).status === 0;
const clkTck = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();
const scratch = mkdtempSync(join(tmpdir(), 'lbua-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** Seconds of CPU of this process's reaped children so far (cutime + cstime), or null off Linux. */
function childCpu() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command name start at field 3 (state); cutime and cstime are fields 16 and 17.
    return (Number(f[13]) + Number(f[14])) / clkTck;
  } catch {
    return null;
  }
}

/**
 * Runs `cmd args` to completion. Returns { status, signal, user, sys, cpu (s), wall (s), rssMb (peak, or null),
 * stdout, stderr }. stdout is discarded unless opts.stdout === 'pipe'.
 */
function measure(cmd, args, opts = {}) {
  const env = { ...process.env, LBUA_BENCH_STATS: '1', ...(opts.env ?? {}) };
  const stdio = ['ignore', opts.stdout === 'pipe' ? 'pipe' : 'ignore', 'pipe'];
  const timeFile = join(scratch, 'time.txt');
  const before = haveTime ? null : childCpu();
  const t0 = process.hrtime.bigint();
  const r = haveTime
    ? spawnSync(TIME, ['-o', timeFile, '-f', '%U %S %M', cmd, ...args], { env, stdio, maxBuffer: 1 << 30, cwd: opts.cwd })
    : spawnSync(cmd, args, { env, stdio, maxBuffer: 1 << 30, cwd: opts.cwd });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const stderr = r.stderr ? r.stderr.toString() : '';
  let user = NaN;
  let sys = NaN;
  let rssMb = null;
  let signal = r.signal;
  if (haveTime) {
    const text = existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
    rmSync(timeFile, { force: true });
    const lines = text.trim().split('\n');
    const m = /^([\d.]+) ([\d.]+) (\d+)$/.exec(lines[lines.length - 1] ?? '');
    if (m) {
      user = Number(m[1]);
      sys = Number(m[2]);
      rssMb = Number(m[3]) / 1024;
    }
    // GNU time reports a signal itself ("Command terminated by signal N"); the child's status is then its own.
    const s = /terminated by signal (\d+)/.exec(text);
    if (s) signal = `SIG${s[1]}`;
  } else {
    const after = childCpu();
    if (before !== null && after !== null) user = after - before;
    sys = 0;
    const m = /maxrss_kb=(\d+)/.exec(stderr);
    if (m) rssMb = Number(m[1]) / 1024;
  }
  const status = r.status;
  return {
    status, signal, user, sys, cpu: user + sys, wall, rssMb,
    stdout: r.stdout ? r.stdout.toString() : '', stderr,
  };
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs every job once per round, `rounds` times, starting each round one job later (no job always runs first). */
function interleave(jobs, rounds, onResult) {
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < jobs.length; k++) {
      const job = jobs[(k + r) % jobs.length];
      onResult(job, r, job.run());
    }
  }
}

/** The Node floor: gunzip with Node's zlib and count newlines, nothing else (a child, like every other run). */
const FLOOR_SCRIPT = `
  const z = require('node:zlib'), fs = require('node:fs'); let n = 0;
  const count = (b) => { for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++; };
  const files = process.argv.slice(1);
  (function next() {
    const f = files.shift();
    if (f === undefined) { console.log(n); return; }
    const s = fs.createReadStream(f, { highWaterMark: 262144 });
    (f.endsWith('.gz') ? s.pipe(z.createGunzip({ chunkSize: 262144 })) : s).on('data', count).on('end', next);
  })();`;
const floorArgs = (files) => ['-e', FLOOR_SCRIPT, ...files];

module.exports = { measure, median, interleave, floorArgs, haveTime, cpuSource: haveTime ? `${TIME} -f '%U %S %M'` : '/proc/self/stat cutime+cstime' };
