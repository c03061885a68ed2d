#!/usr/bin/env node
/*
 * npm run bench — what lbua costs, in the units the redesign's targets are stated in, on a machine whose speed
 * drifts 2x within an hour (shared cores).
 *
 * Every figure is CPU time (user + sys of the child process, all its threads; see bench-lib.js for where it is read
 * from), and the headline is its ratio to a floor measured in the same round: Node gunzip + newline count of the
 * same file, nothing else. The configurations and the floor run interleaved, R rounds (each round starts one job
 * later), and each row reports the median over the rounds of (CPU of the run ÷ CPU of that round's floor), the
 * median CPU and wall time, the peak RSS over the rounds, and lines/s (lines ÷ median wall).
 *
 * Input: a seeded ALB log of N lines (default 1,000,000) over 24 h (`generate --seed 42 --hours 24`, thinned evenly
 * to exactly N lines, so the whole 24 h stay), gzipped in bench-out/ and generated once.
 *   rows      --summary-only --jobs 1 | --detectors none --jobs 1 | default --jobs 1 (one file: a run shards by files)
 *   20 files  the same log split by time into 20 gzipped files (bench-out/, made once): --jobs 1 and --jobs 2 in the
 *             same rounds; reports --jobs 2 ÷ --jobs 1 for CPU and for wall time (medians of per-round ratios)
 *   alloc     V8 heap bytes allocated per line, default --jobs 1 and --summary-only --jobs 1: the `allocated=` of
 *             every GC line of `node --trace-gc-nvp`, plus what was allocated after the last GC (heap used at exit,
 *             printed by scripts/bench-heap-exit.js, minus the last GC's size after), ÷ lines
 *   heap 256  default --jobs 1 (the file) and --jobs 2 (the 20 files) under NODE_OPTIONS=--max-old-space-size=256:
 *             completes or not, RSS
 *   5M        (--big or --lines5m; slow, off by default) a 5,000,000-line log of the same 24 h: floor, default
 *             --jobs 1 once, for peak RSS
 *   Apache    the 10,000-line real Apache log of ../shared/corpus (found through its PROVENANCE.md; skipped when
 *             ../shared is absent): lbua default against goaccess (JSON report), interleaved, when goaccess is on PATH
 *   formats   parser-only lines/s of ALB, nginx, a compiled text layout (envoy) and the JSON formats (bench-json.js)
 *   HTML      the HTML report of the N-line file, once: its size
 * Output: one table on stdout; --json also writes everything (every round) to bench-out/bench.json.
 * --engine duckdb: instead of the above, `analyze --engine duckdb --jobs 1` and `--jobs 2` next to the floor and
 *             default --jobs 1, interleaved, on the same file; the load and partition phases of each engine run (as
 *             it prints them under LBUA_BENCH_STATS=1, medians); and whether every engine report equals the default
 *             run's of the same round, byte for byte.
 * --engine clickhouse: the two-shard ClickHouse cluster of scripts/clickhouse-cluster.js, started for the bench and
 *             stopped at its end: the export of the file through the Distributed table (once), then `analyze --engine
 *             clickhouse://… --jobs 1` and `--jobs 2` next to the floor and default --jobs 1, interleaved; whether the
 *             findings and every other section but inputs equal the default run's (scripts/bench-clickhouse.js).
 *             lbua's CPU only: the servers' is printed apart.
 * --lines N works with --engine too: the N-line file is generated once into bench-out/, the generator running
 *             twice (once to count): 1M lines took 19.5 s of wall time (load average 5, 2 cores), so 10M takes
 *             about ten times that (not measured: 3–4 minutes), and 0.9 GB of disk.
 * Usage: node scripts/bench.js [--lines N] [--runs R] [--args "analyze args" (that configuration only)] [--big]
 *        [--json] [--skip multi,alloc,heap256,apache,formats,html] [--engine duckdb|clickhouse]
 *        npm run bench -- --live [--requests N] [--window 2h]: lbua watch over a 24-hour replay (bench-live.js)
 */
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { once } = require('node:events');
const fs = require('node:fs');
const { join } = require('node:path');
const os = require('node:os');
const zlib = require('node:zlib');
const readline = require('node:readline');
const { measure, median, interleave, floorArgs, cpuSource } = require('./bench-lib');

const argv = process.argv.slice(2);
// --live: `lbua watch` over a 24-hour replay (scripts/bench-live.js), instead of the batch bench.
if (argv.includes('--live')) {
  require('node:child_process').execFileSync(process.execPath, [require('node:path').join(__dirname, 'bench-live.js'), ...argv.filter((a) => a !== '--live')], { stdio: 'inherit' });
  process.exit(0);
}
const opt = require('./args').option;
const lines = Number(opt('lines', '1000000'));
const runs = Number(opt('runs', '3'));
const extra = opt('args', '').split(' ').filter(Boolean);
const big = argv.includes('--big') || argv.includes('--lines5m');
const skip = new Set(opt('skip', '').split(',').filter(Boolean));
const engine = opt('engine', '');
const root = join(__dirname, '..');
const outDir = join(root, 'bench-out');
const bin = join(root, 'bin', 'lbua.js');
const node = process.execPath;
fs.mkdirSync(outDir, { recursive: true });

/** The issue's targets, printed next to the figures (the bench measures; it does not fail on them). */
const TARGET = { fullCpuRatio: 5, multiCpu: 1.2, multiWall: 1, allocPerLine: 1024, rss1m: 300, rss5m: 350, apacheWall: 1.5 };

const fmt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fx = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '–');
const mb = (n) => (n === null || !Number.isFinite(n) ? '–' : `${n.toFixed(0)} MB`);
const say = (s) => process.stdout.write(`${s}\n`);
const note = (s) => process.stderr.write(`${s}\n`);
const results = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuSource, loadavgStart: os.loadavg(), rounds: runs, targets: TARGET };

/** A seeded 24 h log of exactly n lines: generated with a few more, then every surplus line dropped evenly. */
function generate(n, file) {
  if (fs.existsSync(file)) return;
  note(`generating ${file} (seed 42, 24 h, ${fmt(n)} lines)...`);
  const gen = (req) => `${JSON.stringify(node)} ${JSON.stringify(bin)} generate --seed 42 --hours 24 -n ${req}`;
  let req = Math.ceil(n / 1.1);
  let total = 0;
  for (;;) {
    total = Number(execFileSync('bash', ['-c', `${gen(req)} | wc -l`]).toString().trim());
    if (total >= n) break;
    req = Math.ceil((req * n * 1.05) / total);
  }
  // Line i (1-based) is kept when floor(i·n/total) steps: exactly n kept, spread over the whole period.
  execFileSync('bash', ['-c', `set -o pipefail; ${gen(req)} | awk -v n=${n} -v m=${total} 'int(NR*n/m) > int((NR-1)*n/m)' | gzip -6 > ${file}.tmp`], { stdio: 'inherit' });
  fs.renameSync(`${file}.tmp`, file);
}

/** Splits a gzipped ALB log by time (second field) into `parts` gzipped files of equal time spans, in `dir`. */
async function splitByTime(file, dir, parts) {
  if (fs.existsSync(dir)) return;
  note(`splitting ${file} by time into ${parts} files in ${dir}...`);
  const lineStream = () => readline.createInterface({ input: fs.createReadStream(file).pipe(zlib.createGunzip()), crlfDelay: Infinity });
  const timeOf = (line) => {
    const a = line.indexOf(' ');
    return Date.parse(line.slice(a + 1, line.indexOf(' ', a + 1)));
  };
  let lo = Infinity;
  let hi = -Infinity;
  for await (const line of lineStream()) {
    const t = timeOf(line);
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  const outs = Array.from({ length: parts }, (_, i) => {
    const gz = zlib.createGzip({ level: 6 });
    const done = once(gz.pipe(fs.createWriteStream(join(tmp, `part-${String(i + 1).padStart(2, '0')}.log.gz`))), 'finish');
    return { gz, done };
  });
  const span = (hi - lo) / parts;
  for await (const line of lineStream()) {
    const t = timeOf(line);
    const i = Number.isFinite(t) ? Math.min(parts - 1, Math.floor((t - lo) / span)) : 0;
    if (!outs[i].gz.write(`${line}\n`)) await once(outs[i].gz, 'drain');
  }
  for (const o of outs) o.gz.end();
  await Promise.all(outs.map((o) => o.done));
  fs.renameSync(tmp, dir);
}

const analyze = (args, input) => () => measure(node, [bin, 'analyze', '--output', 'json', ...args, ...input]);
const check = (label, r) => {
  if (r.status === 0) return r;
  note(`${label} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}):\n${r.stderr}`);
  process.exit(1);
};

/** Interleaved rounds of `jobs` ({ key, label, run }); returns per key the list of results, one per round. */
function rounds(jobs, n) {
  const by = new Map(jobs.map((j) => [j.key, []]));
  interleave(jobs, n, (job, r, res) => {
    check(job.label, res);
    by.get(job.key)[r] = res;
    note(`  round ${r + 1}/${n}  ${job.label.padEnd(34)} cpu ${fx(res.cpu)} s  wall ${fx(res.wall)} s  rss ${mb(res.rssMb)}`);
  });
  return by;
}

/** Summary of one job over the rounds, against the floor of the same rounds. */
function summarize(label, list, floorList, nLines) {
  const ratios = list.map((r, i) => r.cpu / floorList[i].cpu);
  const wall = median(list.map((r) => r.wall));
  return {
    label,
    cpu: list.map((r) => r.cpu), wall: list.map((r) => r.wall), rssMb: list.map((r) => r.rssMb),
    medianCpu: median(list.map((r) => r.cpu)), cpuRatio: median(ratios), medianWall: wall,
    peakRssMb: Math.max(...list.map((r) => r.rssMb ?? NaN)), linesPerSec: nLines / wall,
  };
}

const header = `${'run'.padEnd(36)} ${'CPU s'.padStart(7)} ${'÷ floor'.padStart(8)} ${'wall s'.padStart(7)} ${'lines/s'.padStart(10)} ${'peak RSS'.padStart(9)}  target`;
const row = (s, target = '') =>
  `${s.label.padEnd(36)} ${fx(s.medianCpu).padStart(7)} ${fx(s.cpuRatio).padStart(8)} ${fx(s.medianWall).padStart(7)} ${fmt(s.linesPerSec).padStart(10)} ${mb(s.peakRssMb).padStart(9)}  ${target}`;

async function main() {
  const file = join(outDir, `alb-24h-s42-${lines}.log.gz`);
  generate(lines, file);
  if (engine !== '') return engineBench(file);
  const gzBytes = fs.statSync(file).size;
  const rawBytes = Number(execFileSync('bash', ['-c', `gunzip -c ${file} | wc -c`]).toString().trim());
  const multiDir = join(outDir, `alb-24h-s42-${lines}-x20`);
  const multi = extra.length === 0 && !skip.has('multi');
  if (multi) await splitByTime(file, multiDir, 20);
  const multiFiles = multi ? fs.readdirSync(multiDir).sort().map((f) => join(multiDir, f)) : [];

  const configs = extra.length > 0
    ? [{ key: 'args', label: extra.join(' '), args: extra }]
    : [
      { key: 'summary', label: '--summary-only --jobs 1', args: ['--summary-only', '--jobs', '1'] },
      { key: 'none', label: '--detectors none --jobs 1', args: ['--detectors', 'none', '--jobs', '1'] },
      { key: 'full1', label: 'default --jobs 1', args: ['--jobs', '1'], target: `CPU ≤ ${TARGET.fullCpuRatio}x floor, RSS ≤ ${TARGET.rss1m} MB` },
    ];
  const jobs = [
    { key: 'floor', label: 'floor: node gunzip + count lines', run: () => measure(node, floorArgs([file]), { stdout: 'pipe' }) },
    { key: 'zcat', label: 'zcat | wc -l (for reference)', run: () => measure('bash', ['-c', `zcat ${file} | wc -l`]) },
    ...configs.map((c) => ({ key: c.key, label: c.label, run: analyze(c.args, [file]) })),
  ];
  if (multi) {
    jobs.push({ key: 'multi1', label: '20 files, default --jobs 1', run: analyze(['--jobs', '1'], [multiDir]) });
    jobs.push({ key: 'multi2', label: '20 files, default --jobs 2', run: analyze(['--jobs', '2'], [multiDir]) });
  }
  note(`${runs} interleaved rounds of ${jobs.length} runs on ${file}...`);
  const by = rounds(jobs, runs);
  const floorList = by.get('floor');
  const counted = Number(floorList[0].stdout.trim());
  if (counted !== lines) note(`warning: ${file} has ${counted} lines, not ${lines}`);
  results.file = { path: file, lines: counted, gzBytes, rawBytes, hours: 24, seed: 42 };
  const summary = {};
  for (const j of jobs) summary[j.key] = summarize(j.label, by.get(j.key), floorList, counted);
  results.runs = summary;
  const floorCpu = summary.floor.medianCpu;

  say(`file: ${file} (${fmt(counted)} lines over 24 h, ${(gzBytes / 1e6).toFixed(1)} MB gz, ${(rawBytes / 1e6).toFixed(1)} MB raw)`);
  say(`CPU = user + sys of the child (${cpuSource}); ${runs} interleaved rounds; medians; "÷ floor" = median of per-round CPU ÷ that round's floor CPU`);
  say(`load average at start ${results.loadavgStart.map((x) => x.toFixed(1)).join(' ')}, ${os.cpus().length} cores`);
  say('');
  say(header);
  for (const j of jobs) say(row(summary[j.key], configs.find((c) => c.key === j.key)?.target ?? ''));
  if (multi) {
    const m1 = by.get('multi1');
    const m2 = by.get('multi2');
    const cpuR = median(m2.map((r, i) => r.cpu / m1[i].cpu));
    const wallR = median(m2.map((r, i) => r.wall / m1[i].wall));
    results.multi = { files: multiFiles.length, cpuRatio: cpuR, wallRatio: wallR };
    say(`20 files, --jobs 2 ÷ --jobs 1: CPU ${fx(cpuR)}x (target ≤ ${TARGET.multiCpu}), wall ${fx(wallR)}x (target ≤ ${TARGET.multiWall})`);
  }

  if (extra.length === 0 && !skip.has('alloc')) {
    say('');
    say('V8 heap allocated per line (--trace-gc-nvp: sum of allocated= over GCs, plus heap used at exit − after the last GC):');
    results.alloc = {};
    for (const [key, args] of [['full1', ['--jobs', '1']], ['summary', ['--summary-only', '--jobs', '1']]]) {
      const a = allocation(args, file, counted);
      results.alloc[key] = a;
      say(`  ${(key === 'full1' ? 'default --jobs 1' : '--summary-only --jobs 1').padEnd(34)} ${fmt(a.bytesPerLine).padStart(7)} B/line  (${(a.total / 1e9).toFixed(2)} GB over ${a.gcs} GCs)${key === 'full1' ? `  target ≤ ${TARGET.allocPerLine}` : ''}`);
    }
  }

  if (extra.length === 0 && !skip.has('heap256')) {
    say('');
    say('under NODE_OPTIONS=--max-old-space-size=256:');
    results.heap256 = {};
    const nodeOptions = `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=256`.trim();
    for (const j of ['1', '2']) {
      const r = measure(node, [bin, 'analyze', '--output', 'json', '--jobs', j, j === '1' || !multi ? file : multiDir], { env: { NODE_OPTIONS: nodeOptions } });
      const ok = r.status === 0;
      results.heap256[`jobs${j}`] = { completed: ok, status: r.status, signal: r.signal, cpu: r.cpu, cpuRatio: r.cpu / floorCpu, wall: r.wall, rssMb: r.rssMb };
      const reason = (/FATAL ERROR: [^\n]*/.exec(r.stderr) ?? [r.stderr.trim().split('\n').slice(-1)[0] ?? ''])[0];
      results.heap256[`jobs${j}`].reason = ok ? null : reason;
      const why = ok ? 'completed' : `FAILED (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}: ${reason})`;
      say(`  default --jobs ${j}${j === '1' || !multi ? '' : ' (20 files)'}  ${why}  CPU ${fx(r.cpu)} s (${fx(r.cpu / floorCpu)}x the median floor)  wall ${fx(r.wall)} s  peak RSS ${mb(r.rssMb)}`);
    }
  }

  if (big && extra.length === 0) {
    const n5 = 5_000_000;
    const file5 = join(outDir, `alb-24h-s42-${n5}.log.gz`);
    generate(n5, file5);
    note(`5M lines: one round on ${file5}...`);
    const by5 = rounds([
      { key: 'floor', label: 'floor (5M)', run: () => measure(node, floorArgs([file5]), { stdout: 'pipe' }) },
      { key: 'full1', label: 'default --jobs 1 (5M)', run: analyze(['--jobs', '1'], [file5]) },
    ], 1);
    const fl5 = by5.get('floor');
    const n5counted = Number(fl5[0].stdout.trim());
    results.big = { path: file5, lines: n5counted };
    say('');
    say(`5M lines of the same 24 h (${fmt(n5counted)} lines, one round):`);
    say(header);
    const labels = { floor: 'floor (5M)', full1: 'default --jobs 1 (5M)' };
    for (const key of ['floor', 'full1']) {
      const s = summarize(labels[key], by5.get(key), fl5, n5counted);
      results.big[key] = s;
      say(row(s, key === 'floor' ? '' : `RSS ≤ ${TARGET.rss5m} MB`));
    }
  }

  if (extra.length === 0 && !skip.has('apache')) apacheVsGoaccess();
  if (extra.length === 0 && !skip.has('formats')) {
    say('');
    say('Parsers alone (scripts/bench-json.js: one process, interleaved, lines/s of each format on its own sample line):');
    say(execFileSync(node, [join(__dirname, 'bench-json.js'), '--lines', '50000', '--runs', '3'], { encoding: 'utf8' }).trimEnd());
  }

  if (!skip.has('html')) {
    const html = join(outDir, `alb-24h-s42-${lines}.html`);
    const r = check('HTML report', measure(node, [bin, 'analyze', ...extra, file, '-o', html]));
    results.html = { bytes: fs.statSync(html).size, cpu: r.cpu, wall: r.wall };
    say('');
    say(`HTML report: ${(results.html.bytes / 1024).toFixed(0)} KB (${html}; CPU ${fx(r.cpu)} s, wall ${fx(r.wall)} s)`);
  }

  endResults();
}

/** The load average at the end; with --json, everything to bench-out/bench.json. */
function endResults() {
  results.loadavgEnd = os.loadavg();
  say(`load average at end ${results.loadavgEnd.map((x) => x.toFixed(1)).join(' ')}`);
  if (argv.includes('--json')) {
    const out = join(outDir, 'bench.json');
    fs.writeFileSync(out, `${JSON.stringify(results, null, 1)}\n`);
    say(`wrote ${out}`);
  }
}

/**
 * --engine duckdb: the engine's rows next to the floor and default --jobs 1 (interleaved rounds), its phases, and
 * whether its reports equal the default run's.
 */
function engineBench(file) {
  if (engine === 'clickhouse') {
    return require('./bench-clickhouse').clickhouseBench({ file, runs, node, bin, root, results, say, note, rounds, summarize, header, row, endResults, fx, fmt, mb, check });
  }
  if (engine !== 'duckdb') {
    note(`--engine ${engine}: duckdb or clickhouse`);
    process.exit(2);
  }
  const json = (args) => () => measure(node, [bin, 'analyze', '--output', 'json', ...args, file], { stdout: 'pipe' });
  const configs = [
    { key: 'full1', label: 'default --jobs 1', args: ['--jobs', '1'] },
    { key: 'duck1', label: '--engine duckdb --jobs 1', args: ['--engine', 'duckdb', '--jobs', '1'] },
    { key: 'duck2', label: '--engine duckdb --jobs 2', args: ['--engine', 'duckdb', '--jobs', '2'] },
  ];
  const jobs = [
    { key: 'floor', label: 'floor: node gunzip + count lines', run: () => measure(node, floorArgs([file]), { stdout: 'pipe' }) },
    ...configs.map((c) => ({ key: c.key, label: c.label, run: json(c.args) })),
  ];
  note(`${runs} interleaved rounds of ${jobs.length} runs on ${file}...`);
  const by = rounds(jobs, runs);
  const floorList = by.get('floor');
  const counted = Number(floorList[0].stdout.trim());
  const summary = {};
  for (const j of jobs) summary[j.key] = summarize(j.label, by.get(j.key), floorList, counted);
  const phase = (key, name) => median(by.get(key).map((r) => Number((new RegExp(`${name}=(\\d+)`).exec(r.stderr) ?? [])[1]) / 1000));
  const same = (key) => by.get(key).every((r, i) => r.stdout === by.get('full1')[i].stdout);
  results.file = { path: file, lines: counted };
  results.engine = { runs: summary, phases: {}, identical: {} };
  say(`file: ${file} (${fmt(counted)} lines over 24 h)`);
  say(`CPU = user + sys of the child (${cpuSource}), all threads (DuckDB's too); ${runs} interleaved rounds; medians`);
  say(`load average at start ${results.loadavgStart.map((x) => x.toFixed(1)).join(' ')}, ${os.cpus().length} cores`);
  say('');
  say(header);
  for (const j of jobs) say(row(summary[j.key]));
  say('');
  for (const key of ['duck1', 'duck2']) {
    const p = { load: phase(key, 'engine_load_ms'), partitions: phase(key, 'engine_partitions_ms'), identical: same(key) };
    results.engine.phases[key] = p;
    say(`${summary[key].label.padEnd(36)} load ${fx(p.load)} s (read, parse, append), partitions ${fx(p.partitions)} s (read back, count, merge, judge); report ${p.identical ? 'identical to' : 'DIFFERENT from'} the default run's`);
  }
  endResults();
}

/** V8 heap bytes allocated by one run (main thread; run with --jobs 1), from --trace-gc-nvp. */
function allocation(args, file, nLines) {
  const r = check('allocation run', measure(node, ['--trace-gc-nvp', '-r', join(__dirname, 'bench-heap-exit.js'), bin, 'analyze', '--output', 'json', ...args, '-o', '/dev/null', file], { stdout: 'pipe' }));
  let total = 0;
  let gcs = 0;
  let lastAfter = 0;
  for (const line of r.stdout.split('\n')) {
    const a = / allocated=(\d+)/.exec(line);
    if (!a) continue;
    total += Number(a[1]);
    gcs++;
    lastAfter = Number(/ total_size_after=(\d+)/.exec(line)?.[1] ?? 0);
  }
  const exit = /heap_used_at_exit=(\d+)/.exec(r.stderr);
  if (exit) total += Math.max(0, Number(exit[1]) - lastAfter);
  return { total, gcs, bytesPerLine: total / nLines, method: 'trace-gc-nvp allocated= sum + heap used at exit − last total_size_after' };
}

/** The 10,000-line real Apache log of the shared corpus, found through its PROVENANCE.md; null when absent. */
function apacheCorpusFile() {
  const corpus = join(root, '..', 'shared', 'corpus');
  const prov = join(corpus, 'PROVENANCE.md');
  if (!fs.existsSync(prov)) return null;
  const text = fs.readFileSync(prov, 'utf8');
  const section = text.slice(text.indexOf('\n## large'));
  // A table row: | `name` | 10000 / bytes | ... REAL Apache ...
  const m = /^\| `([^`]+)` \| 10000 \/ \d+ \|.*REAL Apache/m.exec(section);
  if (!m) return null;
  const path = join(corpus, 'large', m[1]);
  return fs.existsSync(path) ? path : null;
}

function apacheVsGoaccess() {
  say('');
  const file = apacheCorpusFile();
  if (file === null) {
    say('Apache corpus log: ../shared/corpus not found (or no 10,000-line Apache log in its PROVENANCE.md): skipped');
    results.apache = { skipped: 'corpus absent' };
    return;
  }
  const goaccess = spawnSync('goaccess', ['--version'], { stdio: 'ignore' }).status === 0;
  const n = Math.max(runs, 5);
  const jobs = [{ key: 'lbua', label: 'lbua analyze (default)', run: analyze([], [file]) }];
  // goaccess writes its JSON report (the closest to lbua's): COMBINED is the Apache/nginx combined format.
  const gaArgs = [file, '--log-format=COMBINED', '--no-global-config', '--no-progress', '-o', join(outDir, 'goaccess.json')];
  if (goaccess) jobs.push({ key: 'goaccess', label: 'goaccess --log-format=COMBINED', run: () => measure('goaccess', gaArgs) });
  note(`${n} interleaved rounds on ${file}...`);
  const by = rounds(jobs, n);
  const lb = by.get('lbua');
  const s = (list) => ({ medianCpu: median(list.map((r) => r.cpu)), medianWall: median(list.map((r) => r.wall)), peakRssMb: Math.max(...list.map((r) => r.rssMb ?? NaN)) });
  results.apache = { path: file, lbua: s(lb) };
  say(`Apache corpus log (${file}, 10,000 lines), ${n} interleaved rounds, medians:`);
  say(`  lbua analyze --output json      CPU ${fx(results.apache.lbua.medianCpu)} s  wall ${fx(results.apache.lbua.medianWall)} s  peak RSS ${mb(results.apache.lbua.peakRssMb)}`);
  if (!goaccess) {
    say('  goaccess not installed');
    return;
  }
  const ga = by.get('goaccess');
  results.apache.goaccess = s(ga);
  results.apache.wallRatio = median(lb.map((r, i) => r.wall / ga[i].wall));
  results.apache.cpuRatio = median(lb.map((r, i) => r.cpu / ga[i].cpu));
  say(`  goaccess --log-format=COMBINED  CPU ${fx(results.apache.goaccess.medianCpu)} s  wall ${fx(results.apache.goaccess.medianWall)} s  peak RSS ${mb(results.apache.goaccess.peakRssMb)}  (JSON report)`);
  say(`  lbua ÷ goaccess: wall ${fx(results.apache.wallRatio)}x (target ≤ ${TARGET.apacheWall}), CPU ${fx(results.apache.cpuRatio)}x`);
}

main().catch((e) => {
  note(e.stack ?? String(e));
  process.exit(1);
});
