'use strict';
/*
 * `npm run bench -- --engine clickhouse` (scripts/bench.js hands over here): lbua against the two-shard ClickHouse
 * cluster of scripts/clickhouse-cluster.js, started in a temporary folder and stopped at the end (also when a run
 * fails, and when the bench is interrupted or killed).
 *
 * 1. The tables: `lbua export --print-ddl --cluster lbua_test` for lbua_bench.requests, every statement on both
 *    servers (a local MergeTree table on each, a Distributed table over them).
 * 2. The export, measured once: `lbua export FILE --to-clickhouse …/lbua_bench.requests` (through the Distributed
 *    table: rows go to both shards); then OPTIMIZE … FINAL on each shard, untimed, so that the servers' background
 *    merges of the export's parts do not run during the rounds.
 * 3. Interleaved rounds of the floor, default `--jobs 1` in process, and `analyze --engine clickhouse://…` with
 *    `--jobs 1` and `--jobs 2`; rows as the DuckDB engine's. For each engine run: whether its findings equal the
 *    in-process run's of the same round, byte for byte, and every other section but `inputs` (the table does not
 *    know how the file was compressed, nor its lines that were not records).
 *
 * CPU is lbua's alone (user + sys of the lbua process, all its threads). The two servers run on the same cores but
 * are other processes: their CPU during each run (utime + stime of both, from /proc/PID/stat, before and after) is
 * printed on a line of its own, not in the rows.
 */
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const http = require('node:http');
const os = require('node:os');
const { measure, median, floorArgs, cpuSource } = require('./bench-lib');

const DB = 'lbua_bench';

/** Stops the cluster in DIR (argv: bench pid, cluster script, DIR) once the bench process is gone. */
const WATCHDOG = `
  const [pid, script, dir] = process.argv.slice(1);
  setInterval(() => {
    try { process.kill(Number(pid), 0); } catch {
      require('node:child_process').spawnSync(process.execPath, [script, 'stop', dir]);
      process.exit(0);
    }
  }, 500);`;
const TABLE = 'requests';

const clkTck = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number((r.stdout ?? '').trim()) || 100;
})();

/** Seconds of CPU (utime + stime) the processes `pids` have used so far (NaN when one cannot be read). */
function cpuOf(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / clkTck;
    } catch {
      return NaN;
    }
  }
  return total;
}

/**
 * Runs one SQL statement on a server (HTTP POST, a connection of its own: the server closes idle kept-alive ones
 * after 3 s, which a reused one would meet as a failure); rejects with its answer when it fails.
 */
function sql(origin, text) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}/`, { method: 'POST', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${origin}: ${body.trim().split('\n')[0]}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
}

/**
 * The ClickHouse rows. `ctx`: { file, runs, node, bin, root, results, say, note, rounds, summarize, header, row,
 * endResults, fx, fmt, mb, check } from bench.js.
 */
async function clickhouseBench(ctx) {
  const { file, runs, node, bin, root, results, say, note, fx, fmt, mb } = ctx;
  const script = join(root, 'scripts', 'clickhouse-cluster.js');
  const dir = mkdtempSync(join(os.tmpdir(), 'lbua-bench-ch-'));
  // However the bench ends, the servers go with it: a failed run exits through check() ('exit' below); a signal or
  // a kill is seen by a small detached watchdog that stops the cluster once this process is gone (the rounds run
  // synchronously, so a signal handler here would only run after them).
  const watchdog = spawn(node, ['-e', WATCHDOG, String(process.pid), script, dir], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    spawnSync(node, [script, 'stop', dir]);
    watchdog.kill();
  };
  process.on('exit', stop);
  try {
    const started = spawnSync(node, [script, 'start', dir], { encoding: 'utf8' });
    if (started.status === 3) {
      note('--engine clickhouse: no clickhouse-server installed (Debian: apt-get install clickhouse-server)');
      process.exitCode = 2;
      return;
    }
    if (started.status !== 0) throw new Error(`the cluster did not start: ${started.stderr.trim()}`);
    const info = JSON.parse(started.stdout);
    const origins = info.shards.map((s) => s.url);
    const pids = info.shards.map((s) => s.pid);
    const origin = origins[0];
    note(`two ClickHouse servers: ${origins.join(', ')} (started in ${info.startedInMs} ms, folder ${dir})`);

    // The tables, from the DDL lbua prints, on both servers.
    const ddl = spawnSync(node, [bin, 'export', '--to-clickhouse', `${origin}/${DB}.${TABLE}`, '--print-ddl', '--cluster', info.cluster], { encoding: 'utf8' });
    if (ddl.status !== 0) throw new Error(`--print-ddl failed: ${ddl.stderr.trim()}`);
    const statements = ddl.stdout.split(';\n').map((s) => s.trim()).filter((s) => s !== '');
    for (const o of origins) for (const st of statements) await sql(o, st);

    // The export, once.
    note(`exporting ${file} through ${origin}/${DB}.${TABLE} (Distributed)...`);
    const s0 = cpuOf(pids);
    const exp = ctx.check('export', measure(node, [bin, 'export', file, '--to-clickhouse', `${origin}/${DB}.${TABLE}`]));
    const expServers = cpuOf(pids) - s0;
    const rows = Number(/exported ([\d,]+) records/.exec(exp.stderr)?.[1]?.replace(/,/g, '') ?? NaN);
    for (const o of origins) await sql(o, `OPTIMIZE TABLE \`${DB}\`.\`${TABLE}_local\` FINAL`);

    // The rounds. Each run's servers' CPU is read around it.
    const url = `clickhouse://${origin.replace(/^http:\/\//, '')}/${DB}.${TABLE}`;
    const withServers = (run) => () => {
      const before = cpuOf(pids);
      const r = run();
      r.serverCpu = cpuOf(pids) - before;
      return r;
    };
    const analyze = (args) => withServers(() => measure(node, [bin, 'analyze', '--output', 'json', ...args], { stdout: 'pipe' }));
    const jobs = [
      { key: 'floor', label: 'floor: node gunzip + count lines', run: () => measure(node, floorArgs([file]), { stdout: 'pipe' }) },
      { key: 'full1', label: 'default --jobs 1', run: analyze(['--jobs', '1', file]) },
      { key: 'ch1', label: '--engine clickhouse --jobs 1', run: analyze(['--engine', url, '--jobs', '1']) },
      { key: 'ch2', label: '--engine clickhouse --jobs 2', run: analyze(['--engine', url, '--jobs', '2']) },
    ];
    note(`${runs} interleaved rounds of ${jobs.length} runs...`);
    const by = ctx.rounds(jobs, runs);
    const floorList = by.get('floor');
    const counted = Number(floorList[0].stdout.trim());
    const summary = {};
    for (const j of jobs) summary[j.key] = ctx.summarize(j.label, by.get(j.key), floorList, counted);
    const floorCpu = summary.floor.medianCpu;

    // Byte for byte: the findings, and every section but the inputs, against the in-process run of the same round.
    const parts = (text) => {
      const { inputs: _inputs, findings, ...rest } = JSON.parse(text);
      return { findings: JSON.stringify(findings), rest: JSON.stringify(rest) };
    };
    const same = (key) => {
      const out = { findings: true, rest: true };
      by.get(key).forEach((r, i) => {
        const a = parts(r.stdout);
        const b = parts(by.get('full1')[i].stdout);
        if (a.findings !== b.findings) out.findings = false;
        if (a.rest !== b.rest) out.rest = false;
      });
      return out;
    };

    results.file = { path: file, lines: counted };
    results.engine = {
      engine: 'clickhouse', servers: origins.length,
      export: { cpu: exp.cpu, cpuRatio: exp.cpu / floorCpu, wall: exp.wall, rssMb: exp.rssMb, rows, serverCpu: expServers },
      runs: summary, identical: {}, serverCpu: {},
    };
    say(`file: ${file} (${fmt(counted)} lines over 24 h)`);
    say(`CPU = user + sys of the lbua process (${cpuSource}), all its threads; the two ClickHouse servers run on the same`);
    say(`${os.cpus().length} cores but are not counted in it (their CPU is on lines of its own); ${runs} interleaved rounds; medians`);
    say(`load average at start ${results.loadavgStart.map((x) => x.toFixed(1)).join(' ')}`);
    say('');
    say(`export through the Distributed table (once): lbua CPU ${fx(exp.cpu)} s (${fx(exp.cpu / floorCpu)}x the median floor), wall ${fx(exp.wall)} s, ` +
      `${fmt(rows / exp.wall)} rows/s, peak RSS ${mb(exp.rssMb)}; the servers' CPU meanwhile ${fx(expServers)} s`);
    say('');
    say(ctx.header);
    for (const j of jobs) say(ctx.row(summary[j.key]));
    say('');
    for (const key of ['ch1', 'ch2']) {
      const ident = same(key);
      const servers = median(by.get(key).map((r) => r.serverCpu));
      results.engine.identical[key] = ident;
      results.engine.serverCpu[key] = servers;
      say(`${summary[key].label.padEnd(36)} findings ${ident.findings ? 'identical to' : 'DIFFERENT from'} the in-process run's, every other section but inputs ${ident.rest ? 'identical' : 'DIFFERENT'}; the servers' CPU meanwhile ${fx(servers)} s (median)`);
    }
    results.engine.serverCpu.full1 = median(by.get('full1').map((r) => r.serverCpu));
    ctx.endResults();
  } finally {
    stop();
  }
}

module.exports = { clickhouseBench };
