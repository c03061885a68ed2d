// @ts-check
/*
 * Running lbua on fuzzed input and judging each run, for scripts/fuzz.js and test/hostile/fuzz.test.ts.
 * A run fails, with one `kind` per broken promise:
 *   stack-trace     stderr holds a stack frame or an `Error:` line (an uncaught exception, not lbua's one-line `lbua: ...`)
 *   exit-code       exit code not 0, 1 or 2 (a crash, an out-of-memory abort), or exit 2 without an `lbua:` line saying why
 *   stall           still running at the kill deadline (time bound × kill factor), killed
 *   slow            CPU time (wall time when unknown) over max(2 s, 1 ms × lines) × time factor
 *   memory          peak RSS over the cap
 *   bad-json        stdout is not one JSON document (analyze --output json, profile, aws-waf rules) or a line of NDJSON is not JSON
 *   accounting      an inputs[] entry where lines ≠ records + filtered + skipped + malformed
 *   line-count      inputs[] lines ≠ the real number of lines of the input (LF-terminated, a last line without LF counts)
 *   damage-unreported a damaged gzip whose inputs[] entry has no `damaged` (trailing data: no INPUT_TRAILING_DATA warning)
 *   count-mismatch  records (NDJSON lines), sessions (sum of requests), profile (requests) disagree with analyze
 *   control-table   a control character (C0 but \n\t, ESC, DEL, C1, bidi override) in the table report
 *   control-stderr  the same on stderr (diagnostics reach the terminal)
 *   control-ndjson  a raw C1 control character (U+0080–U+009F) in records/sessions NDJSON
 *   time-window     a record time (records NDJSON, inputs[] first/last time) outside 1990 .. now + 1 year
 *   bad-client      a record whose client_ip is not an IPv4 or IPv6 address (or keeps a zone id)
 *   bad-rules       emitted rules with a control character, or that `nginx -t` / `haproxy -c` reject (when installed)
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { isIP } = require('node:net');
const { join } = require('node:path');

/** The harness's commands: lbua arguments (the input is appended) and how stdout is judged. */
const COMMANDS = /** @type {const} */ ({
  'analyze-json': { args: ['analyze', '--output', 'json'], out: 'json', stdin: false },
  'analyze-table': { args: ['analyze', '--output', 'table', '--no-color'], out: 'table', stdin: false },
  'analyze-stdin': { args: ['analyze', '--output', 'json'], out: 'json', stdin: true },
  records: { args: ['records'], out: 'ndjson', stdin: false },
  sessions: { args: ['sessions'], out: 'ndjson', stdin: false },
  profile: { args: ['profile'], out: 'json', stdin: false },
  'rules-nginx': { args: ['analyze', '--emit-rules', 'nginx'], out: 'rules-nginx', stdin: false },
  'rules-haproxy': { args: ['analyze', '--emit-rules', 'haproxy'], out: 'rules-haproxy', stdin: false },
  'rules-waf': { args: ['analyze', '--emit-rules', 'aws-waf'], out: 'rules-waf', stdin: false },
});
/** @typedef {keyof typeof COMMANDS} CommandName */

/** What lbua must not let through to a terminal (the set src/core/text.ts strips), plus CR. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const C1 = /[\u0080-\u009f]/;
const STACK = /^\s+at \S.*(?:\(.*:\d+:\d+\)|:\d+:\d+)\s*$|^(?:Uncaught )?[A-Z]\w*Error\b.*:|^FATAL ERROR|^node:internal|^\S+\.js:\d+\s*$/m;
const PROBE = /^lbua-fuzz-probe cpu_ms=(\d+) maxrss_kb=(\d+)$/m;

/**
 * @typedef {{ code: number | null, signal: string | null, stdout: string, stderr: string, wallMs: number, cpuMs: number | null,
 *   maxRssKb: number | null, killed: boolean }} RunResult
 * @typedef {{ kind: string, detail: string }} Failure
 * @typedef {{ lines: number, expectLines: number | null, damaged: boolean | null }} InputFacts
 * @typedef {{ timeFactor: number, killFactor: number, maxRssMb: number }} Limits
 */

/** @param {InputFacts} input @param {Limits} limits */
const boundMs = (input, limits) => Math.max(2000, input.lines) * limits.timeFactor;

/**
 * Runs `node -r fuzz-probe bin/lbua.js ...args file` (or with the file on stdin), killing it at `killMs`.
 * @param {{ root: string, args: readonly string[], file: string, stdin: boolean, killMs: number }} o
 * @returns {Promise<RunResult>}
 */
function runLbua(o) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const argv = ['-r', join(__dirname, 'fuzz-probe.js'), join(o.root, 'bin', 'lbua.js'), ...o.args, o.stdin ? '-' : o.file];
    const child = spawn(process.execPath, argv, {
      cwd: o.root,
      env: { ...process.env, TZ: 'UTC', NO_COLOR: '1', LBUA_BENCH_STATS: '1' },
      stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    /** @type {Buffer[]} */
    const out = [];
    /** @type {Buffer[]} */
    const err = [];
    let outBytes = 0;
    child.stdout?.on('data', (b) => {
      if (outBytes < 256 * 1024 * 1024) out.push(b);
      outBytes += b.length;
    });
    child.stderr?.on('data', (b) => err.push(b));
    if (o.stdin && child.stdin) {
      child.stdin.on('error', () => {});
      // The harness's own input must be there: a missing file is a harness error, never an empty stdin for lbua.
      createReadStream(o.file).on('error', (e) => {
        child.kill('SIGKILL');
        throw e;
      }).pipe(child.stdin);
    }
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, o.killMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderrAll = Buffer.concat(err).toString('utf8');
      const probe = PROBE.exec(stderrAll);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: stderrAll.replace(/\n?lbua-fuzz-probe [^\n]*\n?/, '').replace(/^maxrss_kb=\d+\n?/m, ''),
        wallMs: Number(process.hrtime.bigint() - t0) / 1e6,
        cpuMs: probe ? Number(probe[1]) : null,
        maxRssKb: probe ? Number(probe[2]) : null,
        killed,
      });
    });
  });
}

/** A char and its code, for messages. @param {string} s @param {RegExp} re */
function showControl(s, re) {
  const m = re.exec(s);
  if (!m) return '';
  const i = m.index;
  const ch = s.charCodeAt(i).toString(16).padStart(4, '0');
  return `U+${ch.toUpperCase()} at offset ${i}: ${JSON.stringify(s.slice(Math.max(0, i - 40), i + 20))}`;
}

/**
 * The failures of one run of `command` on an input.
 * @param {CommandName} command
 * @param {RunResult} r
 * @param {InputFacts} input
 * @param {Limits} limits
 * @param {{ tools: Tools }} env
 * @returns {{ failures: Failure[], doc: unknown, count: number | null }}
 */
function judge(command, r, input, limits, env) {
  /** @type {Failure[]} */
  const failures = [];
  // One failure per kind and run: the first occurrence tells what broke.
  const fail = (/** @type {string} */ kind, /** @type {string} */ detail) => {
    if (!failures.some((f) => f.kind === kind)) failures.push({ kind, detail });
  };
  const spec = COMMANDS[command];
  const bound = boundMs(input, limits);
  if (r.killed) fail('stall', `killed after ${(r.wallMs / 1000).toFixed(1)} s (bound ${(bound / 1000).toFixed(1)} s × kill factor ${limits.killFactor}) on ${input.lines} lines`);
  else {
    const used = r.cpuMs ?? r.wallMs;
    if (used > bound) fail('slow', `${r.cpuMs !== null ? 'CPU' : 'wall'} ${(used / 1000).toFixed(1)} s > bound ${(bound / 1000).toFixed(1)} s for ${input.lines} lines`);
    if (r.code === null || ![0, 1, 2].includes(r.code)) fail('exit-code', `exit ${r.code ?? `signal ${r.signal}`}: ${firstLines(r.stderr)}`);
    else if (r.code === 2 && !/^lbua: /m.test(r.stderr)) fail('exit-code', `exit 2 without an lbua: line on stderr: ${firstLines(r.stderr)}`);
  }
  const stack = STACK.exec(r.stderr);
  if (stack) fail('stack-trace', crashLine(r.stderr, stack[0]));
  if (r.maxRssKb !== null && r.maxRssKb > limits.maxRssMb * 1024) fail('memory', `peak RSS ${Math.round(r.maxRssKb / 1024)} MB > ${limits.maxRssMb} MB`);
  if (CONTROL.test(r.stderr)) fail('control-stderr', showControl(r.stderr, CONTROL));
  /** @type {unknown} */
  let doc = null;
  /** @type {number | null} */
  let count = null;
  const ok = !r.killed && (r.code === 0 || r.code === 1);
  if (spec.out === 'json' || spec.out === 'rules-waf') {
    if (ok || r.stdout.trim() !== '') {
      try {
        doc = JSON.parse(r.stdout);
      } catch (e) {
        fail('bad-json', `${e instanceof Error ? e.message : String(e)}; stdout starts ${JSON.stringify(r.stdout.slice(0, 120))}`);
      }
    }
  } else if (spec.out === 'ndjson') {
    count = 0;
    for (const line of r.stdout.split('\n')) {
      if (line === '') continue;
      try {
        const o = JSON.parse(line);
        count += command === 'sessions' ? Number(o.requests) : 1;
        if (command === 'records') recordProblems(o, fail);
      } catch {
        fail('bad-json', `NDJSON line is not JSON: ${JSON.stringify(line.slice(0, 120))}`);
        break;
      }
    }
    if (C1.test(r.stdout)) fail('control-ndjson', showControl(r.stdout, C1));
  } else if (spec.out === 'table') {
    if (CONTROL.test(r.stdout)) fail('control-table', showControl(r.stdout, CONTROL));
  } else if (ok) {
    const bad = rulesProblem(spec.out, r.stdout, env.tools);
    if (bad !== null) fail('bad-rules', bad);
  }
  if (spec.out === 'rules-waf' && doc !== null) {
    const hit = strings(doc).find((x) => CONTROL.test(x));
    if (hit !== undefined) fail('bad-rules', `aws-waf string with a control character: ${showControl(hit, CONTROL)}`);
    doc = null;
  }
  if (doc !== null && command !== 'profile') accounting(doc, input, fail);
  if (command === 'profile' && doc !== null && typeof doc === 'object') count = Number(/** @type {Record<string, unknown>} */ (doc)['requests']);
  return { failures, doc, count };
}

/**
 * The thrown error and the first frame of a stack trace on stderr: "RangeError: Invalid time value at dist/core/units.js:151".
 * @param {string} stderr @param {string} matched
 */
function crashLine(stderr, matched) {
  const err = /^(?:Uncaught )?([A-Z]\w*Error\b[^\n]*|FATAL ERROR[^\n]*)$/m.exec(stderr);
  const frame = /^\s+at (?:.*?\()?([^\s()]+?):(\d+):\d+\)?\s*$/m.exec(stderr);
  const where = frame ? ` at ${(frame[1] ?? '').replace(/^.*?\/(dist|src|node_modules)\//, '$1/')}:${frame[2]}` : '';
  return err ? `${(err[1] ?? '').slice(0, 200)}${where}` : `${matched.trim().slice(0, 200)}${where}`;
}

/** Every string (keys and values) in a JSON value. @param {unknown} v @returns {string[]} */
function strings(v) {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]);
  return [];
}

/** @param {string} s */
const firstLines = (s) => s.split('\n').filter((l) => l.trim() !== '').slice(0, 3).join(' | ').slice(0, 400);

/**
 * `lines = records + filtered + skipped + malformed` for every inputs[] entry, and the real line count.
 * @param {unknown} doc @param {InputFacts} input @param {(kind: string, detail: string) => void} fail
 */
function accounting(doc, input, fail) {
  const inputs = /** @type {{ inputs?: unknown }} */ (doc).inputs;
  if (!Array.isArray(inputs)) {
    fail('bad-json', 'report without inputs[]');
    return;
  }
  const listed = /** @type {{ warnings?: unknown }} */ (doc).warnings;
  /** @type {{ code?: unknown, message?: unknown }[]} */
  const warnings = Array.isArray(listed) ? listed : [];
  for (const i of inputs) {
    const sum = i.records + i.filtered + i.skipped + i.malformed;
    if (!(i.lines === sum)) fail('accounting', `${i.path}: lines ${i.lines} ≠ records ${i.records} + filtered ${i.filtered} + skipped ${i.skipped} + malformed ${i.malformed} (${sum})`);
    if (input.expectLines !== null && i.lines !== input.expectLines) fail('line-count', `${i.path}: lines ${i.lines}, the input has ${input.expectLines}${i.damaged ? ` (damaged: ${i.damaged.message ?? JSON.stringify(i.damaged)})` : ''}`);
    // Data after the end of the gzip data is a warning (INPUT_TRAILING_DATA, as gzip -d does), not damage: every line was read.
    const trailing = warnings.some((w) => w !== null && typeof w === 'object' && w.code === 'INPUT_TRAILING_DATA' && String(w.message).startsWith(`${i.path}:`));
    if (input.damaged === true && !i.damaged && !trailing) fail('damage-unreported', `${i.path}: damaged gzip read as intact (${i.lines} lines)`);
    for (const t of [i.first_time, i.last_time]) if (t !== null && t !== undefined && !inWindow(t)) fail('time-window', `${i.path}: a record at ${t}, outside 1990..now+1y`);
  }
}

/** The sane window for a request time (README "Bad input": 1990 to now + 1 year). */
/** A host name as lbua keeps one in client_host (RFC 1123 labels, `_` allowed, at least one letter). */
const HOST_NAME = /^(?=.*[A-Za-z])(?=.{1,253}$)[A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63})*$/;

const WINDOW = { from: Date.parse('1990-01-01T00:00:00Z'), to: Date.now() + 366 * 86_400_000 };
/** @param {unknown} t */
const inWindow = (t) => typeof t === 'string' && Date.parse(t) >= WINDOW.from && Date.parse(t) <= WINDOW.to;

/**
 * A record of `lbua records` must be what it claims: a time in the sane window, a client that is an IPv4 or IPv6
 * address without a zone id. Reported once per run (the first offending record).
 * @param {Record<string, unknown>} o @param {(kind: string, detail: string) => void} fail
 */
function recordProblems(o, fail) {
  const src = JSON.stringify(o['source'] ?? null);
  if (!inWindow(o['time'])) fail('time-window', `record time ${JSON.stringify(o['time'])} outside 1990..now+1y at ${src}`);
  const ip = o['client_ip'];
  const host = o['client_host'];
  // No address: the log has none for this line ('-', a Unix socket) or a host name in its place (client_host).
  if (ip === null) {
    if (host !== null && (typeof host !== 'string' || !HOST_NAME.test(host))) fail('bad-client', `client_host ${JSON.stringify(host)} is not a host name at ${src}`);
    return;
  }
  if (typeof ip !== 'string' || isIP(ip) === 0 || ip.includes('%')) fail('bad-client', `client_ip ${JSON.stringify(ip)} is not an IPv4/IPv6 address at ${src}`);
}

/** The records a report counted (sum over inputs). @param {unknown} doc */
function reportRecords(doc) {
  const inputs = /** @type {{ inputs?: { records: number }[] }} */ (doc).inputs;
  return Array.isArray(inputs) ? inputs.reduce((n, i) => n + i.records, 0) : null;
}

/**
 * nginx and haproxy binaries, when installed (to check emitted rules with `nginx -t` and `haproxy -c`).
 * @typedef {{ nginx: string | null, haproxy: string | null, dir: string }} Tools
 * @returns {Tools}
 */
function findTools() {
  const which = (/** @type {string} */ b) => {
    const r = spawnSync('sh', ['-c', `command -v ${b}`]);
    const p = r.stdout.toString().trim();
    return r.status === 0 && p !== '' ? p : null;
  };
  return { nginx: which('nginx'), haproxy: which('haproxy'), dir: mkdtempSync(join(tmpdir(), 'lbua-fuzz-rules-')) };
}

/**
 * Why emitted rules are unsafe, or null: a control character, or the server's own config check rejects them once
 * wrapped in a minimal configuration (http/server contexts for nginx, a frontend for HAProxy).
 * @param {string} kind @param {string} text @param {Tools} tools
 * @returns {string | null}
 */
function rulesProblem(kind, text, tools) {
  if (CONTROL.test(text)) return `control character in ${kind}: ${showControl(text, CONTROL)}`;
  if (!/^[^#\n]/m.test(text)) return null; // only comments: no rule to check
  if (kind === 'rules-nginx' && tools.nginx !== null) {
    const d = tools.dir;
    const at = text.search(/^# server \{ \}.*context:$/m);
    const http = at >= 0 ? text.slice(0, at) : text;
    const server = at >= 0 ? text.slice(at) : '';
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${d}/${t};`).join('\n');
    writeFileSync(join(d, 'nginx.conf'), `pid ${d}/nginx.pid;\nerror_log ${d}/error.log;\nevents {}\nhttp {\naccess_log off;\n${temp}\n${http}\nserver {\nlisten 127.0.0.1:18080;\n${server}\n}\n}\n`);
    const r = spawnSync(tools.nginx, ['-t', '-q', '-p', `${d}/`, '-c', join(d, 'nginx.conf'), '-e', join(d, 'error.log')]);
    if (r.status !== 0) return `nginx -t rejects the rules: ${firstLines(r.stderr.toString())}`;
  }
  if (kind === 'rules-haproxy' && tools.haproxy !== null) {
    const f = join(tools.dir, 'haproxy.cfg');
    writeFileSync(f, `global\n  maxconn 100\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\nfrontend lbua_fuzz\n  bind 127.0.0.1:18081\n  default_backend lbua_fuzz_be\n${text}\nbackend lbua_fuzz_be\n  server s1 127.0.0.1:18082\n`);
    const r = spawnSync(tools.haproxy, ['-c', '-f', f]);
    if (r.status !== 0) return `haproxy -c rejects the rules: ${firstLines((r.stderr.toString() + r.stdout.toString()).split('\n').filter((l) => /ALERT|error/i.test(l)).join('\n'))}`;
  }
  return null;
}

/**
 * At most `n` functions at a time.
 * @param {number} n
 * @returns {<T>(fn: () => Promise<T>) => Promise<T>}
 */
function makePool(n) {
  let active = 0;
  /** @type {(() => void)[]} */
  const waiting = [];
  return async (fn) => {
    if (active >= n) await new Promise((r) => waiting.push(() => r(undefined)));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * One input run through `commands` (analyze-json first when count checks need it), judged and cross-checked.
 * @typedef {{ root: string, pool: <T>(fn: () => Promise<T>) => Promise<T>, limits: Limits, tools: Tools }} Harness
 * @typedef {{ command: CommandName, args: string[], kind: string, detail: string, wallMs: number, cpuMs: number | null }} CaseFailure
 * @param {Harness} h
 * @param {{ file: string, input: InputFacts, commands: readonly CommandName[], format: string | null }} c
 * @returns {Promise<{ failures: CaseFailure[], runs: { command: CommandName, wallMs: number, cpuMs: number | null, maxRssKb: number | null }[] }>}
 */
async function runCase(h, c) {
  const fmt = c.format === null ? [] : ['--format', c.format];
  const killMs = boundMs(c.input, h.limits) * h.limits.killFactor;
  /** @type {CaseFailure[]} */
  const failures = [];
  /** @type {{ command: CommandName, wallMs: number, cpuMs: number | null, maxRssKb: number | null }[]} */
  const runs = [];
  /** @type {Map<string, number | null>} */
  const counts = new Map();
  await Promise.all(c.commands.map((command) => h.pool(async () => {
    const spec = COMMANDS[command];
    const args = [...spec.args, ...fmt];
    const r = await runLbua({ root: h.root, args, file: c.file, stdin: spec.stdin, killMs });
    const j = judge(command, r, c.input, h.limits, { tools: h.tools });
    runs.push({ command, wallMs: r.wallMs, cpuMs: r.cpuMs, maxRssKb: r.maxRssKb });
    for (const f of j.failures) failures.push({ command, args: [...args, spec.stdin ? '-' : c.file], ...f, wallMs: r.wallMs, cpuMs: r.cpuMs });
    // Counts are compared only between runs that finished normally (a crash or a kill is already its own failure).
    const finished = !r.killed && (r.code === 0 || r.code === 1) && !j.failures.some((f) => f.kind === 'stack-trace');
    const n = command === 'analyze-json' || command === 'analyze-stdin' ? (j.doc === null ? null : reportRecords(j.doc)) : j.count;
    counts.set(command, finished ? n : null);
  })));
  const base = counts.get('analyze-json');
  if (base !== undefined && base !== null) {
    for (const command of /** @type {CommandName[]} */ (['analyze-stdin', 'records', 'sessions', 'profile'])) {
      const n = counts.get(command);
      if (n === undefined || n === null || n === base) continue;
      const what = command === 'sessions' ? 'requests in sessions' : command === 'profile' ? 'profile requests' : command === 'records' ? 'NDJSON records' : 'records read from stdin';
      failures.push({ command, args: [...COMMANDS[command].args, ...fmt, c.file], kind: 'count-mismatch', detail: `${n} ${what}, analyze counted ${base} records`, wallMs: 0, cpuMs: null });
    }
  }
  return { failures, runs };
}

/**
 * The smallest subset of `items` (delta debugging, ddmin) for which `fails` still holds, spending at most `budget`
 * calls. `fails(items)` is assumed true.
 * @template T
 * @param {readonly T[]} items
 * @param {(subset: readonly T[]) => Promise<boolean>} fails
 * @param {number} budget
 * @returns {Promise<{ items: T[], calls: number }>}
 */
async function minimize(items, fails, budget) {
  let cur = [...items];
  let n = 2;
  let calls = 0;
  while (cur.length >= 2 && calls < budget) {
    const size = Math.ceil(cur.length / n);
    const chunks = [];
    for (let i = 0; i < cur.length; i += size) chunks.push(cur.slice(i, i + size));
    let reduced = false;
    for (const chunk of chunks) {
      if (calls >= budget) break;
      calls++;
      if (await fails(chunk)) {
        cur = chunk;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && n > 2) {
      for (let i = 0; i < chunks.length && calls < budget; i++) {
        const rest = chunks.filter((_, k) => k !== i).flat();
        calls++;
        if (await fails(rest)) {
          cur = rest;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= cur.length) break;
      n = Math.min(cur.length, n * 2);
    }
  }
  return { items: cur, calls };
}

/** A scratch folder (removed by `cleanup`). */
function scratch(/** @type {string} */ prefix) {
  const d = mkdtempSync(join(tmpdir(), prefix));
  return { dir: d, cleanup: () => rmSync(d, { recursive: true, force: true }) };
}

/** @param {string} d */
const ensureDir = (d) => mkdirSync(d, { recursive: true });

module.exports = { COMMANDS, CONTROL, runLbua, judge, runCase, minimize, makePool, findTools, boundMs, scratch, ensureDir };
