#!/usr/bin/env node
/*
 * An A/B of line splitting, to decide whether split2 earns its place: the project's own LineSplitter
 * (src/input/lines.ts) against split2 (as a Transform stream, its only interface), both fed the same decoded
 * chunks (lbua's readDecodedChunks: file read + gunzip), counting lines. Each is a child process; CPU time is
 * user + sys (see bench-lib.js); runs interleave in rounds with the bench's floor (Node gunzip + newline count),
 * and each row gives the median of per-round CPU ÷ floor.
 * Then the bound on line length, on a plain file of 1,000 lines, one line of 200 KB, 1,000 lines, one line of
 * 50 MB and 1,000 lines (limit 65,536 as in lbua): lines seen, over-long lines reported, peak RSS.
 * Needs `npm run build` (reads dist/) and the bench's 1M-line log (npm run bench generates it). split2 is no longer
 * a dependency (this A/B is why: see the README's "Dependencies"): `npm install --no-save split2` to run it again.
 * Usage: node scripts/split-ab.js [--lines N] [--runs R]
 */
'use strict';
const fs = require('node:fs');
const { join } = require('node:path');
const { Readable } = require('node:stream');
const { measure, median, interleave, floorArgs, cpuSource } = require('./bench-lib');

const MAX = 65536;

/** Child: count lines of `file` one way; prints "lines tooLong". */
async function child(variant, file) {
  const { readDecodedChunks, LineSplitter } = require('../dist/input/lines');
  const outcome = { gzip: false, damage: null };
  let lines = 0;
  let tooLong = 0;
  if (variant === 'lbua') {
    const splitter = new LineSplitter(MAX);
    const take = (b) => {
      if (!b) return;
      lines += b.lines.length;
      for (const l of b.lines) if (l === null) tooLong++;
    };
    for await (const chunk of readDecodedChunks(file, outcome)) take(splitter.push(chunk));
    take(splitter.end());
  } else {
    const split2 = require('split2');
    // skipOverflow: drop a line once its unfinished part exceeds maxLength (else the stream fails at the first one).
    const s = Readable.from(readDecodedChunks(file, outcome)).pipe(split2({ maxLength: MAX, skipOverflow: variant === 'split2' }));
    await new Promise((resolve, reject) => {
      s.on('data', (line) => {
        lines++;
        if (line.length > MAX) tooLong++;
      });
      s.on('end', resolve);
      s.on('error', reject);
    });
  }
  process.stdout.write(`${lines} ${tooLong}\n`);
}

function main() {
  const opt = require('./args').option;
  const n = Number(opt('lines', '1000000'));
  const runs = Number(opt('runs', '5'));
  const root = join(__dirname, '..');
  const file = join(root, 'bench-out', `alb-24h-s42-${n}.log.gz`);
  if (!fs.existsSync(file)) {
    process.stderr.write(`${file} is missing: run npm run bench first (it generates it)\n`);
    process.exit(2);
  }
  let haveSplit2 = true;
  try {
    require.resolve('split2');
  } catch {
    haveSplit2 = false;
    process.stderr.write('split2 is not installed (no longer a dependency): `npm install --no-save split2` to compare; timing LineSplitter alone\n');
  }
  const self = (variant, f) => () => measure(process.execPath, [__filename, '--child', variant, f], { stdout: 'pipe' });
  const jobs = [
    { key: 'floor', label: 'floor: node gunzip + count lines', run: () => measure(process.execPath, floorArgs([file]), { stdout: 'pipe' }) },
    { key: 'lbua', label: 'lbua LineSplitter', run: self('lbua', file) },
    { key: 'split2', label: 'split2 (maxLength, skipOverflow)', run: self('split2', file) },
  ].filter((j) => haveSplit2 || j.key !== 'split2');
  const by = new Map(jobs.map((j) => [j.key, []]));
  interleave(jobs, runs, (job, r, res) => {
    if (res.status !== 0) {
      process.stderr.write(`${job.label} failed:\n${res.stderr}`);
      process.exit(1);
    }
    by.get(job.key)[r] = res;
    process.stderr.write(`  round ${r + 1}/${runs}  ${job.label.padEnd(34)} cpu ${res.cpu.toFixed(2)} s  wall ${res.wall.toFixed(2)} s\n`);
  });
  const floor = by.get('floor');
  console.log(`${file}: ${runs} interleaved rounds, CPU = user + sys (${cpuSource}), medians`);
  console.log(`${'reader'.padEnd(34)} ${'lines'.padStart(9)} ${'CPU s'.padStart(6)} ${'÷ floor'.padStart(8)} ${'wall s'.padStart(7)} ${'peak RSS'.padStart(9)}`);
  for (const j of jobs) {
    const list = by.get(j.key);
    const ratio = median(list.map((r, i) => r.cpu / floor[i].cpu));
    const count = list[0].stdout.trim().split(' ')[0];
    console.log(`${j.label.padEnd(34)} ${count.padStart(9)} ${median(list.map((r) => r.cpu)).toFixed(2).padStart(6)} ${ratio.toFixed(2).padStart(8)} ${median(list.map((r) => r.wall)).toFixed(2).padStart(7)} ${`${Math.max(...list.map((r) => r.rssMb ?? NaN)).toFixed(0)} MB`.padStart(9)}`);
  }
  const l = by.get('lbua');
  const s = by.get('split2');
  if (s) console.log(`split2 ÷ LineSplitter, CPU: ${median(s.map((r, i) => r.cpu / l[i].cpu)).toFixed(2)}x (median of per-round ratios)`);

  // The bound on line length.
  const long = join(root, 'bench-out', 'split-ab-long-lines.log');
  if (!fs.existsSync(long)) {
    const normal = `${'x'.repeat(300)}\n`.repeat(1000);
    fs.writeFileSync(long, `${normal}${'a'.repeat(200 * 1024)}\n${normal}${'b'.repeat(50 * 1024 * 1024)}\n${normal}`);
  }
  console.log(`\n${long}: 3,000 lines of 300 bytes, one of 200 KB, one of 50 MB (3,002 lines; 2 over the ${MAX}-byte limit)`);
  for (const [variant, label] of [['lbua', 'lbua LineSplitter'], ['split2', 'split2 maxLength + skipOverflow'], ['split2-strict', 'split2 maxLength (no skipOverflow)']].slice(0, haveSplit2 ? 3 : 1)) {
    const r = measure(process.execPath, [__filename, '--child', variant, long], { stdout: 'pipe' });
    const [lines, tooLong] = r.stdout.trim().split(' ');
    const what = r.status === 0
      ? `${lines} lines, ${tooLong} of them reported over the limit`
      : `failed: ${(r.stderr.match(/Error: [^\n]*/) ?? ['?'])[0]}`;
    console.log(`  ${label.padEnd(36)} ${what}; peak RSS ${r.rssMb === null ? '–' : `${r.rssMb.toFixed(0)} MB`}`);
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  child(argv[1], argv[2]).catch((e) => {
    process.stderr.write(`${e.stack ?? e}\n`);
    process.exit(1);
  });
} else main();
