#!/usr/bin/env node
'use strict';
/**
 * Where an analysis allocates: `lbua analyze` run in this process (dist/, so `npm run build` first) under V8's
 * sampling heap profiler, then the sampled bytes by allocating function and by file, per input line.
 *
 *   node scripts/heap-sample.js [--survivors] [--top N] [--out FILE.heapprofile] -- ANALYZE ARGS...
 *   e.g. node scripts/heap-sample.js -- bench-out/alb-24h-s42-1000000.log.gz --jobs 1
 *
 * Default: every sampled allocation, also the objects a minor or major GC collected later (what the bench's
 * `--trace-gc-nvp` allocation figure counts, by site). `--survivors`: only objects no minor GC collected, i.e. those
 * a scavenge copied or promoted (what scavenges cost: their time grows with these bytes, not with all allocation).
 * Built-ins (Map.prototype.set growing a table, Array.prototype.push growing an array) are shown with their caller.
 * Sampling interval 4 KB: figures are estimates (±1–2% run to run on 200,000 lines). The report goes to a temporary
 * file; only the tables are printed.
 */
const inspector = require('node:inspector');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const own = sep < 0 ? [] : argv.slice(0, sep);
const analyzeArgs = sep < 0 ? argv : argv.slice(sep + 1);
const survivors = own.includes('--survivors');
const topAt = own.indexOf('--top');
const top = topAt >= 0 ? Number(own[topAt + 1]) : 40;
const outAt = own.indexOf('--out');
const out = outAt >= 0 ? own[outAt + 1] : null;
if (analyzeArgs.length === 0) {
  process.stderr.write('usage: node scripts/heap-sample.js [--survivors] [--top N] [--out FILE] -- ANALYZE ARGS...\n');
  process.exit(2);
}

const session = new inspector.Session();
session.connect();
const post = (method, params) => new Promise((resolve, reject) => session.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r))));

/** "name dist/x.js:line" of a profile node, with the caller's for a built-in (no script). */
function site(node, parent) {
  const cf = node.callFrame;
  const own = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/(dist|node_modules)\//, '$1/')}:${cf.lineNumber + 1}`;
  return cf.url === '' && parent !== null ? `${own} <- ${parent}` : own;
}

function table(title, map, total, lines) {
  console.log(`${title}:`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, top)) {
    console.log(`${(v / 1e6).toFixed(1).padStart(9)} MB ${(v / lines).toFixed(0).padStart(6)} B/line ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  }
}

(async () => {
  const cli = require(path.join(__dirname, '..', 'dist', 'cli', 'main.js'));
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lbua-heap-')), 'report.json');
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !survivors });
  const code = await cli.main(['node', 'lbua', 'analyze', ...analyzeArgs, '--output', 'json', '-o', report]);
  const { profile } = await post('HeapProfiler.stopSampling');
  if (out !== null) fs.writeFileSync(out, JSON.stringify(profile));
  const lines = JSON.parse(fs.readFileSync(report, 'utf8')).inputs.reduce((n, i) => n + i.lines, 0) || 1;
  fs.rmSync(path.dirname(report), { recursive: true, force: true });
  const bySite = new Map();
  const byFile = new Map();
  let total = 0;
  const walk = (node, parent) => {
    const s = site(node, parent);
    const file = node.callFrame.url === '' ? '(built-in)' : node.callFrame.url.replace(/.*\/(dist|node_modules)\//, '$1/');
    total += node.selfSize;
    if (node.selfSize > 0) {
      bySite.set(s, (bySite.get(s) ?? 0) + node.selfSize);
      byFile.set(file, (byFile.get(file) ?? 0) + node.selfSize);
    }
    for (const c of node.children) walk(c, node.callFrame.url === '' ? parent : s);
  };
  walk(profile.head, null);
  console.log(`${survivors ? 'sampled bytes no minor GC collected' : 'sampled bytes allocated'}: ${(total / 1e6).toFixed(1)} MB over ${lines} lines, ${(total / lines).toFixed(0)} B/line (lbua exit code ${code})`);
  table('by site', bySite, total, lines);
  table('by file', byFile, total, lines);
})().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(3);
});
