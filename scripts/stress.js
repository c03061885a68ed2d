#!/usr/bin/env node
/*
 * npm run stress — huge and hostile whole inputs: each scenario's input is generated once into bench-out/stress/
 * (reused when present) and read with `lbua analyze --output json`; prints peak RSS, CPU and wall time, exit code,
 * whether stdout is one valid JSON document, and the line accounting of the report. Fails (exit 1) when a run's
 * peak RSS passes --max-rss-mb, when it crashes (exit code not 0/1/2, or a stack trace on stderr), when it runs past
 * --time-cap-min (killed), when its JSON is not valid, or when its line count is not the scenario's.
 *
 * Scenarios and what each must do:
 *   clients-1m       1,000,000 CLF lines, 1,000,000 distinct client addresses over 6 hours (a botnet / DDoS log): every
 *                    line a record; memory bounded by the stated caps (no crash at the sessions' flush, no OOM).
 *   clients-1m-stdin the same file gunzipped into stdin (`zcat | lbua analyze -`): same numbers.
 *   clients-5m       5,000,000 CLF lines from 5,000,000 distinct addresses over 12 hours: the same, at 5x (--no-5m skips).
 *   paths-1m         1,000,000 CLF lines, 1,000,000 distinct paths from 2,000 clients: top tables and route profiles stay bounded.
 *   line-50mb        a 50 MB line (a 50 MB user agent) between 10 ordinary lines before and after: malformed
 *                    LINE_TOO_LONG (unless --max-line-length is raised), never buffered; the 20 others are records.
 *   files-100k       100,000 one-line files in 100 directories: every file an input, 100,000 records, no descriptor leak.
 *   gzip-bomb        10 GB of zeros gzipped (~10 MB, streamed through zlib when generated): one 10 GB "line" with no
 *                    LF, so one malformed LINE_TOO_LONG line; memory bounded; finishes (gunzip time).
 *   blank-1g         1 GiB of LF gzipped (~1 MB): 1,073,741,824 blank lines, all skipped; no records (the exit code
 *                    and message for "no records" are reported as they are: 0 or 2).
 *   symlink-loop     a directory with two logs (5 lines each) and the links `sub/up -> ..` and `self -> .`: each file
 *                    read once (10 lines), the links not followed and said so; no endless walk.
 *
 * Usage: node scripts/stress.js [--only clients-1m,gzip-bomb] [--no-5m] [--max-rss-mb 1280] [--time-cap-min 10]
 *          [--args "extra analyze args"]
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { createReadStream, createWriteStream, existsSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { createGunzip, createGzip, constants } = require('node:zlib');
const opt = require('./args').option;

const argv = process.argv.slice(2);
const root = join(__dirname, '..');
const dir = join(root, 'bench-out', 'stress');
const bin = join(root, 'bin', 'lbua.js');
const maxRssMb = Number(opt('max-rss-mb', '1280'));
const capMs = Number(opt('time-cap-min', '10')) * 60_000;
const extra = opt('args', '').split(' ').filter(Boolean);
const only = opt('only', '').split(',').filter(Boolean);
mkdirSync(dir, { recursive: true });

const T0 = Date.parse('2026-03-10T00:00:00Z');
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'curl/8.5.0', 'python-requests/2.31.0', 'Go-http-client/1.1',
];
const PATHS = ['/', '/search', '/api/v1/products/42', '/api/v1/cart', '/login', '/static/app.js', '/static/app.css', '/images/logo.png'];
const FIRST = [23, 45, 78, 91, 103, 150, 185, 201];

/** The i-th of up to 134M distinct public-looking IPv4 addresses (8 first octets × a bijection of the low 24 bits). */
function address(i) {
  const bits = Math.imul(Math.floor(i / 8), 0x9e3779b1) & 0xffffff;
  return `${FIRST[(i * 7) % 8]}.${bits >>> 16}.${(bits >>> 8) & 255}.${bits & 255}`;
}
/** CLF time of an epoch second. */
function clfTime(sec) {
  const d = new Date(sec * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
const clfLine = (ip, sec, path, status, agent) => `${ip} - - [${clfTime(sec)}] "GET ${path} HTTP/1.1" ${status} ${200 + (sec % 5000)} "-" "${agent}"\n`;

/** Streams `lines` CLF lines made by `make(i)` into a gzip file (written beside, renamed when complete). */
async function writeGz(file, lines, make) {
  const tmp = `${file}.part`;
  const chunk = 20_000;
  async function* gen() {
    for (let i = 0; i < lines; i += chunk) {
      let s = '';
      for (let j = i; j < Math.min(lines, i + chunk); j++) s += make(j);
      yield s;
    }
  }
  await pipeline(Readable.from(gen()), createGzip({ level: 1 }), createWriteStream(tmp));
  renameSync(tmp, file);
}

/** Streams `total` bytes of `byte` through gzip (level 9) into a file, never holding more than 1 MiB. */
async function writeGzBytes(file, total, byte) {
  const tmp = `${file}.part`;
  const block = Buffer.alloc(1 << 20, byte);
  async function* gen() {
    for (let done = 0; done < total; done += block.length) yield total - done >= block.length ? block : block.subarray(0, total - done);
  }
  await pipeline(Readable.from(gen()), createGzip({ level: 9, strategy: constants.Z_DEFAULT_STRATEGY }), createWriteStream(tmp));
  renameSync(tmp, file);
}

/** Each scenario: how to make its input (once), the input to pass, stdin, and the line count the report must show. */
const SCENARIOS = [
  {
    name: 'clients-1m', input: 'clients-1m.log.gz', lines: 1_000_000,
    make: (f) => writeGz(f, 1_000_000, (i) => clfLine(address(i), Math.floor(T0 / 1000 + (i * 6 * 3600) / 1_000_000), PATHS[i % PATHS.length], i % 97 === 0 ? 404 : 200, AGENTS[i % AGENTS.length])),
  },
  { name: 'clients-1m-stdin', input: 'clients-1m.log.gz', stdin: true, lines: 1_000_000, make: null },
  {
    name: 'clients-5m', input: 'clients-5m.log.gz', lines: 5_000_000, big: true,
    make: (f) => writeGz(f, 5_000_000, (i) => clfLine(address(i), Math.floor(T0 / 1000 + (i * 12 * 3600) / 5_000_000), PATHS[i % PATHS.length], i % 97 === 0 ? 404 : 200, AGENTS[i % AGENTS.length])),
  },
  {
    name: 'paths-1m', input: 'paths-1m.log.gz', lines: 1_000_000,
    make: (f) => writeGz(f, 1_000_000, (i) => clfLine(address(i % 2000), Math.floor(T0 / 1000 + (i * 6 * 3600) / 1_000_000), `/blog/post-${(Math.imul(i, 0x9e3779b1) >>> 0).toString(36)}-${i.toString(36)}`, 200, AGENTS[i % AGENTS.length])),
  },
  {
    name: 'line-50mb', input: 'line-50mb.log', lines: 21,
    make: async (f) => {
      const ordinary = (k) => Array.from({ length: 10 }, (_, i) => clfLine(address(k + i), T0 / 1000 + k + i, '/', 200, AGENTS[0])).join('');
      const huge = `${address(99)} - - [${clfTime(T0 / 1000 + 50)}] "GET / HTTP/1.1" 200 512 "-" "${'xbo'.repeat(Math.ceil((50 << 20) / 3))}"\n`;
      writeFileSync(`${f}.part`, ordinary(0) + huge + ordinary(100));
      renameSync(`${f}.part`, f);
    },
  },
  {
    name: 'files-100k', input: 'files-100k', lines: 100_000,
    make: async (d) => {
      const tmp = `${d}.part`;
      rmSync(tmp, { recursive: true, force: true });
      for (let k = 0; k < 100; k++) {
        const sub = join(tmp, `d${String(k).padStart(3, '0')}`);
        mkdirSync(sub, { recursive: true });
        for (let i = 0; i < 1000; i++) {
          const n = k * 1000 + i;
          writeFileSync(join(sub, `f${String(i).padStart(4, '0')}.log`), clfLine(address(n), T0 / 1000 + n, PATHS[n % PATHS.length], 200, AGENTS[n % AGENTS.length]));
        }
      }
      renameSync(tmp, d);
    },
  },
  { name: 'gzip-bomb', input: 'bomb-10g-zeros.gz', lines: 1, make: (f) => writeGzBytes(f, 10 * 1024 ** 3, 0) },
  { name: 'blank-1g', input: 'blank-1g.log.gz', lines: 1024 ** 3, make: (f) => writeGzBytes(f, 1024 ** 3, 10) },
  {
    name: 'symlink-loop', input: 'loop', lines: 10,
    make: async (d) => {
      const tmp = `${d}.part`;
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(join(tmp, 'sub'), { recursive: true });
      const five = (k) => Array.from({ length: 5 }, (_, i) => clfLine(address(k + i), T0 / 1000 + k + i, '/', 200, AGENTS[0])).join('');
      writeFileSync(join(tmp, 'a.log'), five(0));
      writeFileSync(join(tmp, 'sub', 'b.log'), five(10));
      symlinkSync('..', join(tmp, 'sub', 'up'));
      symlinkSync('.', join(tmp, 'self'));
      renameSync(tmp, d);
    },
  },
];

/** Peak RSS (kB) and CPU (s) of a live process from /proc, or null where /proc is not there. */
function procStats(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rssKb: hwm ? Number(hwm[1]) : null, cpuS: (Number(f[11]) + Number(f[12])) / 100 }; // utime, stime in ticks (100/s)
  } catch {
    return null;
  }
}

/**
 * Runs lbua on a scenario; resolves to the measured figures. Peak RSS and CPU are sampled from /proc every second (so
 * a run killed at the time cap or aborted out of memory still has them) and read at exit by scripts/fuzz-probe.js.
 */
function run(sc) {
  return new Promise((resolve) => {
    const input = join(dir, sc.input);
    const outFile = join(dir, `out-${sc.name}.json`);
    const out = openSync(outFile, 'w');
    const args = ['-r', join(__dirname, 'fuzz-probe.js'), bin, 'analyze', '--output', 'json', ...extra, sc.stdin ? '-' : relative(root, input)];
    const t0 = Date.now();
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' }, stdio: [sc.stdin ? 'pipe' : 'ignore', out, 'pipe'] });
    if (sc.stdin) {
      child.stdin.on('error', () => {});
      pipeline(createReadStream(input), createGunzip(), child.stdin).catch(() => {});
    }
    let head = '';
    let tail = '';
    child.stderr.on('data', (b) => {
      const s = b.toString('utf8');
      if (head.length < 8192) head += s;
      tail = (tail + s).slice(-16384);
    });
    let sampled = null;
    const poll = setInterval(() => {
      // A dying process (a zombie, or dumping core) has no VmHWM any more: keep the largest seen.
      const now = procStats(child.pid);
      if (now) sampled = { rssKb: Math.max(now.rssKb ?? 0, sampled?.rssKb ?? 0) || null, cpuS: Math.max(now.cpuS, sampled?.cpuS ?? 0) };
    }, 1000);
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, capMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      closeSync(out);
      const wallMs = Date.now() - t0;
      const probe = /lbua-fuzz-probe cpu_ms=(\d+) maxrss_kb=(\d+)/.exec(tail);
      resolve({
        code, signal, killed, wallMs,
        cpuS: probe ? Number(probe[1]) / 1000 : sampled?.cpuS ?? null,
        rssMb: probe ? Number(probe[2]) / 1024 : sampled?.rssKb != null ? sampled.rssKb / 1024 : null,
        stderr: (head.length < 8192 ? head : `${head}\n…\n${tail}`).replace(/^lbua-fuzz-probe .*$/m, ''),
        outFile,
      });
    });
  });
}

const STACK = /^\s+at \S.*(?:\(.*:\d+:\d+\)|:\d+:\d+)\s*$|^(?:Uncaught )?[A-Z]\w*Error\b.*:|^FATAL ERROR|^node:internal/m;

async function main() {
  const chosen = SCENARIOS.filter((s) => (only.length === 0 || only.includes(s.name)) && !(s.big && argv.includes('--no-5m')));
  for (const n of only) if (!SCENARIOS.some((s) => s.name === n)) {
    process.stderr.write(`stress: unknown scenario ${n} (${SCENARIOS.map((s) => s.name).join(', ')})\n`);
    process.exit(2);
  }
  console.log(`stress: RSS cap ${maxRssMb} MB, time cap ${capMs / 60_000} min; inputs in ${relative(root, dir)}/`);
  let failed = false;
  const rows = [];
  for (const sc of chosen) {
    const input = join(dir, sc.input);
    const maker = sc.make ?? SCENARIOS.find((s) => s.input === sc.input && s.make)?.make;
    if (!existsSync(input) && maker) {
      const t = Date.now();
      process.stdout.write(`stress: generating ${sc.input}... `);
      await maker(input);
      console.log(`${((Date.now() - t) / 1000).toFixed(0)} s`);
    }
    process.stdout.write(`stress: ${sc.name}... `);
    const r = await run(sc);
    const problems = [];
    let doc = null;
    try {
      doc = JSON.parse(readFileSync(r.outFile, 'utf8'));
    } catch (e) {
      if (r.code === 0 || r.code === 1) problems.push(`stdout is not JSON (${e instanceof Error ? e.message.slice(0, 80) : e})`);
    }
    if (r.killed) problems.push(`killed at the time cap (${capMs / 60_000} min)`);
    else if (r.code === null || ![0, 1, 2].includes(r.code)) problems.push(`exit ${r.code ?? r.signal}`);
    const stack = STACK.exec(r.stderr);
    if (stack) problems.push(`stack trace: ${stack[0].trim().slice(0, 160)}`);
    if (r.rssMb !== null && r.rssMb > maxRssMb) problems.push(`peak RSS ${r.rssMb.toFixed(0)} MB > ${maxRssMb} MB`);
    const inputs = doc && Array.isArray(doc.inputs) ? doc.inputs : [];
    const sum = (k) => inputs.reduce((n, i) => n + (Number(i[k]) || 0), 0);
    if (doc && sum('lines') !== sc.lines) problems.push(`report counts ${sum('lines')} lines, the input has ${sc.lines}`);
    if (doc && inputs.some((i) => i.lines !== i.records + i.filtered + i.skipped + i.malformed)) problems.push('lines ≠ records + filtered + skipped + malformed');
    failed ||= problems.length > 0;
    const gen = sc.stdin ? 'stdin' : `${(sizeOf(input) / 1e6).toFixed(1)} MB`;
    const row = {
      scenario: sc.name, input: gen, exit: r.killed ? 'killed' : String(r.code ?? r.signal), json: doc ? 'valid' : 'no',
      rss: r.rssMb === null ? '?' : `${r.killed ? '≥' : ''}${r.rssMb.toFixed(0)} MB`, cpu: r.cpuS === null ? '?' : `${r.killed ? '≥' : ''}${r.cpuS.toFixed(1)} s`, wall: `${(r.wallMs / 1000).toFixed(1)} s`,
      lines: doc ? `${sum('lines')} = ${sum('records')} rec + ${sum('skipped')} skip + ${sum('malformed')} bad + ${sum('filtered')} filt` : '-',
      result: problems.length ? `FAIL ${problems.join('; ')}` : 'ok',
    };
    rows.push(row);
    console.log(`${row.result}  exit ${row.exit}, RSS ${row.rss}, CPU ${row.cpu}, wall ${row.wall}`);
    const said = r.stderr.split('\n').filter((l) => /^lbua:|warning|error|FATAL|Error/.test(l)).slice(0, 4);
    for (const l of said) console.log(`    ${l.slice(0, 200)}`);
  }
  const cols = ['scenario', 'input', 'exit', 'json', 'rss', 'cpu', 'wall', 'lines', 'result'];
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  console.log(`\n${cols.map((c, i) => c.padEnd(w[i])).join('  ')}`);
  for (const r of rows) console.log(cols.map((c, i) => String(r[c]).padEnd(w[i])).join('  '));
  process.exit(failed ? 1 : 0);
}

function sizeOf(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  const r = spawnSync('du', ['-sb', p]);
  return Number(r.stdout.toString().split('\t')[0]) || 0;
}

main().catch((e) => {
  process.stderr.write(`stress: harness error: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(3);
});
