#!/usr/bin/env node
/*
 * npm run bench -- --live — `lbua watch` over a 24-hour replay: does its memory stay flat?
 *
 * A seeded day of ALB traffic with every incident kind (`generate --seed 42 --hours 24 -n N --incident all`, made
 * once in bench-out/) is piped into `lbua watch -` at full speed (judged at most once per second of wall clock, the
 * default). Every heartbeat (each 2 s) gives the log time reached, the state held (the window's segments) and the
 * heap; the bench adds the process's RSS (VmRSS of /proc). It prints one row per two hours of log time and the
 * peak, and whether the state after the window filled (2 h) stayed within 1.5x of its median: flat, or not.
 * It also counts the events: findings, updates, closed, and the findings the batch `lbua analyze` gives on the same
 * file that the replay did not emit.
 * `--judge-every 0` judges every closed minute, as a followed log written in real time is judged (slower: a
 * judgment merges the window's segments).
 * Usage: node scripts/bench-live.js [--requests N (default 200000)] [--window 2h] [--judge-every 1s]
 */
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const { join } = require('node:path');
const opt = require('./args').option;

const requests = Number(opt('requests', '200000'));
const windowOpt = opt('window', '2h');
const root = join(__dirname, '..');
const outDir = join(root, 'bench-out');
const bin = join(root, 'bin', 'lbua.js');
fs.mkdirSync(outDir, { recursive: true });
const file = join(outDir, `live-24h-s42-${requests}.log`);
if (!fs.existsSync(file)) {
  process.stderr.write(`bench-live: generating ${file}\n`);
  execFileSync(process.execPath, [bin, 'generate', '--seed', '42', '--hours', '24', '-n', String(requests), '--incident', 'all', '-o', file], { stdio: 'inherit' });
}
const lines = Number(execFileSync('wc', ['-l', file]).toString().trim().split(' ')[0]);

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

const t0 = Date.now();
const judgeEvery = opt('judge-every', '1s');
const child = spawn(process.execPath, [bin, 'watch', '-', '--ndjson', '--heartbeat', '2s', '--window', windowOpt, '--judge-every', judgeEvery], { stdio: ['pipe', 'pipe', 'inherit'] });
fs.createReadStream(file).pipe(child.stdin);
const beats = [];
const counts = { finding: 0, update: 0, closed: 0, notice: 0 };
const ids = new Set();
let peakRss = 0;
let buf = '';
child.stdout.on('data', (d) => {
  buf += d.toString('utf8');
  const parts = buf.split('\n');
  buf = parts.pop() ?? '';
  for (const l of parts) {
    if (!l.trim()) continue;
    const e = JSON.parse(l);
    if (e.event === 'heartbeat') {
      const rss = rssMb(child.pid);
      if (rss !== null) peakRss = Math.max(peakRss, rss);
      beats.push({ log: e.watermark, state: e.state_bytes / 1e6, heap: e.heap_bytes / 1e6, rss, lines: e.lines, lag: e.lag_seconds });
    } else if (e.event in counts) counts[e.event]++;
    if (e.event === 'finding') ids.add(e.id);
  }
});
const sampler = setInterval(() => {
  const rss = rssMb(child.pid);
  if (rss !== null) peakRss = Math.max(peakRss, rss);
}, 500);
child.on('exit', (code) => {
  clearInterval(sampler);
  const wall = (Date.now() - t0) / 1000;
  const say = (s) => process.stdout.write(`${s}\n`);
  say(`lbua watch - over a 24 h replay: ${lines.toLocaleString('en-US')} lines, window ${windowOpt}, judged at most every ${judgeEvery}, exit ${code}, ${wall.toFixed(0)} s wall (${Math.round(lines / wall).toLocaleString('en-US')} lines/s)`);
  say('log time            lines read   state MB   heap MB   RSS MB');
  let next = null;
  for (const b of beats) {
    if (b.log === null) continue;
    const t = Date.parse(b.log);
    if (next !== null && t < next) continue;
    next = Math.floor(t / 7_200_000) * 7_200_000 + 7_200_000;
    say(`${b.log.slice(0, 16)}  ${String(b.lines).padStart(11)}  ${b.state.toFixed(1).padStart(9)}  ${b.heap.toFixed(0).padStart(8)}  ${b.rss === null ? '–' : b.rss.toFixed(0).padStart(7)}`);
  }
  const start = beats.find((b) => b.log !== null);
  const filled = beats.filter((b) => b.log !== null && start && Date.parse(b.log) - Date.parse(start.log) >= 3 * 3_600_000);
  const states = filled.map((b) => b.state).sort((a, b) => a - b);
  const med = states[Math.floor(states.length / 2)] ?? 0;
  const max = states[states.length - 1] ?? 0;
  say(`state once the window filled: median ${med.toFixed(1)} MB, max ${max.toFixed(1)} MB (${med > 0 ? (max / med).toFixed(2) : '–'}x the median: ${med > 0 && max / med <= 1.5 ? 'flat' : 'NOT flat'}); peak RSS ${peakRss.toFixed(0)} MB`);
  let missing = '–';
  try {
    const batch = JSON.parse(execFileSync(process.execPath, [bin, 'analyze', file, '--output', 'json', '--jobs', '1'], { maxBuffer: 1 << 28 }).toString());
    const gone = batch.findings.filter((f) => !ids.has(f.id));
    missing = `${gone.length} of ${batch.findings.length}${gone.length ? ` (${gone.map((f) => `${f.detector} ${f.subject.value} ${f.window.start.slice(11, 16)}–${f.window.end.slice(11, 16)}`).join('; ')})` : ''}`;
  } catch (e) {
    missing = `batch run failed: ${e.message}`;
  }
  say(`events: ${counts.finding} findings, ${counts.update} updates, ${counts.closed} closed, ${counts.notice} notices; batch findings not emitted live: ${missing}`);
});
