#!/usr/bin/env node
/*
 * npm run bench — end-to-end throughput of `lbua analyze --output json` on a seeded 1,000,000-line ALB log (gzipped),
 * next to two floors measured in the same run: `zcat FILE | wc -l`, and Node's own gunzip counting newlines (what
 * lbua's reader costs before any parsing). Prints lines/s, MB/s (uncompressed) and peak RSS for each configuration:
 *   --summary-only            the foundation (traffic summary; worker threads on a multi-core machine)
 *   --summary-only --jobs 1   the same on the main thread only
 *   --detectors none          + sessions, route templates, profiles, geo, timeline (main thread)
 *   (default)                 + all detectors (split over two workers on a multi-core machine)
 *   --jobs 1                  the same on the main thread only
 * Then writes the HTML report of the same file and prints its size.
 * Usage: node scripts/bench.js [--lines N] [--runs R] [--args "analyze args" (one configuration only)] [--no-html]
 */
'use strict';
const { spawnSync, execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const argv = process.argv.slice(2);
const opt = require('./args').option;
const lines = Number(opt('lines', '1000000'));
const runs = Number(opt('runs', '3'));
const extra = opt('args', '').split(' ').filter(Boolean);
const root = join(__dirname, '..');
const outDir = join(root, 'bench-out');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `alb-${lines}.log.gz`);
const bin = join(root, 'bin', 'lbua.js');

if (!existsSync(file)) {
  process.stderr.write(`generating ${file} (seed 42)...\n`);
  // ~1.17 generated requests per requested line on average; ask for a little more and keep the exact count.
  execFileSync('bash', ['-c', `node ${bin} generate --seed 42 --hours 12 -n ${Math.round(lines * 1.2)} | head -n ${lines} | gzip -6 > ${file}`], { stdio: 'inherit' });
}
const gzBytes = statSync(file).size;

function time(fn) {
  const t0 = process.hrtime.bigint();
  const r = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

const floor = time(() => execFileSync('bash', ['-c', `zcat ${file} | wc -l`]).toString().trim());
const counted = Number(floor.r);
const rawBytes = Number(execFileSync('bash', ['-c', `zcat ${file} | wc -c`]).toString().trim());
const nodeFloor = time(() =>
  execFileSync(process.execPath, ['-e', `
    const z = require('node:zlib'), fs = require('node:fs'); let n = 0;
    fs.createReadStream(process.argv[1], { highWaterMark: 262144 }).pipe(z.createGunzip({ chunkSize: 262144 }))
      .on('data', (b) => { for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++; })
      .on('end', () => console.log(n));`, file]).toString().trim(),
);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const rate = (ms) => `${fmt(counted / (ms / 1000)).padStart(9)} lines/s ${(rawBytes / 1e6 / (ms / 1000)).toFixed(0).padStart(4)} MB/s`;
console.log(`file: ${file} (${counted.toLocaleString('en-US')} lines, ${(gzBytes / 1e6).toFixed(1)} MB gz, ${(rawBytes / 1e6).toFixed(1)} MB raw)`);
console.log(`floor  zcat | wc -l              ${floor.ms.toFixed(0).padStart(6)} ms ${rate(floor.ms)}`);
console.log(`floor  node gunzip + count lines ${nodeFloor.ms.toFixed(0).padStart(6)} ms ${rate(nodeFloor.ms)}`);
const configs = extra.length > 0 ? [extra] : [['--summary-only'], ['--summary-only', '--jobs', '1'], ['--detectors', 'none'], [], ['--jobs', '1']];
console.log(`lbua analyze --output json ... (best of ${runs}; peak RSS is the largest of the runs)`);
for (const args of configs) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const t = time(() => spawnSync(process.execPath, [bin, 'analyze', '--output', 'json', ...args, file], { env: { ...process.env, LBUA_BENCH_STATS: '1' }, maxBuffer: 1 << 30 }));
    if (t.r.status !== 0) {
      process.stderr.write(t.r.stderr.toString());
      process.exit(1);
    }
    const m = /maxrss_kb=(\d+)/.exec(t.r.stderr.toString());
    results.push({ ms: t.ms, rssMb: m ? Number(m[1]) / 1024 : NaN });
  }
  results.sort((a, b) => a.ms - b.ms);
  const best = results[0];
  const label = (args.join(' ') || '(default: all detectors)').padEnd(29);
  console.log(`       ${label} ${best.ms.toFixed(0).padStart(6)} ms ${rate(best.ms)}  peak RSS ${Math.max(...results.map((r) => r.rssMb)).toFixed(0)} MB  (${(best.ms / floor.ms).toFixed(2)}x zcat)`);
}

// The HTML report must stay small as input grows (issue: under 2 MB for this log).
if (!argv.includes('--no-html')) {
  const html = join(outDir, `alb-${lines}.html`);
  const t = time(() => spawnSync(process.execPath, [bin, 'analyze', ...extra, file, '-o', html], { maxBuffer: 1 << 30 }));
  if (t.r.status !== 0) {
    process.stderr.write(t.r.stderr.toString());
    process.exit(1);
  }
  console.log(`HTML report: ${(statSync(html).size / 1024).toFixed(0)} KB (${html}, ${(t.ms / 1000).toFixed(1)} s)`);
}
