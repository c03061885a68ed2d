#!/usr/bin/env node
/*
 * npm run bench — end-to-end throughput of `lbua analyze --output json` on a seeded 1,000,000-line ALB log (gzipped),
 * next to `zcat FILE | wc -l` on the same file as the floor. Prints lines/s, MB/s (uncompressed) and peak RSS.
 * Then writes the HTML report of the same file and prints its size.
 * Usage: node scripts/bench.js [--lines N] [--runs R] [--args "extra analyze args"] [--no-html]
 */
'use strict';
const { spawnSync, execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
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
const results = [];
for (let i = 0; i < runs; i++) {
  const t = time(() => spawnSync(process.execPath, [bin, 'analyze', '--output', 'json', ...extra, file], { env: { ...process.env, LBUA_BENCH_STATS: '1' }, maxBuffer: 1 << 30 }));
  if (t.r.status !== 0) {
    process.stderr.write(t.r.stderr.toString());
    process.exit(1);
  }
  const m = /maxrss_kb=(\d+)/.exec(t.r.stderr.toString());
  results.push({ ms: t.ms, rssMb: m ? Number(m[1]) / 1024 : NaN });
}
results.sort((a, b) => a.ms - b.ms);
const best = results[0];
const median = results[Math.floor(results.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(`file: ${file} (${counted.toLocaleString('en-US')} lines, ${(gzBytes / 1e6).toFixed(1)} MB gz, ${(rawBytes / 1e6).toFixed(1)} MB raw)`);
console.log(`floor  zcat | wc -l : ${floor.ms.toFixed(0)} ms  = ${fmt(counted / (floor.ms / 1000))} lines/s, ${(rawBytes / 1e6 / (floor.ms / 1000)).toFixed(0)} MB/s`);
console.log(`lbua analyze ${['--output', 'json', ...extra].join(' ')} (best of ${runs}; median ${median.ms.toFixed(0)} ms):`);
console.log(`                      ${best.ms.toFixed(0)} ms  = ${fmt(counted / (best.ms / 1000))} lines/s, ${(rawBytes / 1e6 / (best.ms / 1000)).toFixed(0)} MB/s, peak RSS ${Math.max(...results.map((r) => r.rssMb)).toFixed(0)} MB`);
console.log(`ratio to floor: ${(best.ms / floor.ms).toFixed(2)}x`);

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
