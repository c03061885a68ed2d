// @ts-check
/*
 * The fuzz harness's plan, shared by `npm run fuzz` (scripts/fuzz.js) and the seeded slice in `npm test`
 * (test/hostile/fuzz.test.ts): batches of mutated lines per format, whole-file shapes, and attack logs whose
 * attacker is a hostile client field (so the emitted rules carry it). A failing batch is minimized (ddmin) to the
 * line(s) that cause the failure, written with its command line as a reproducer.
 * Mutators: scripts/fuzz-mutate.js (values in fuzz-values.js, whole-file shapes in fuzz-shapes.js); running and
 * judging: scripts/fuzz-run.js.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const M = require('./fuzz-mutate');
const S = require('./fuzz-shapes');
const R = require('./fuzz-run');

/**
 * @typedef {import('./fuzz-run').CaseFailure & { group: string, caseName: string, repro: string | null }} Found
 * @typedef {import('./fuzz-run').Harness & { workDir: string, reproDir: string, bisectBudget: number, reprosPerKind: number,
 *   found: Found[], reserved: Map<string, number>, cases: Map<string, { cases: number, runs: number, lines: number, cpuMs: number }>, log: (s: string) => void }} Session
 */

/**
 * @param {{ root: string, workDir: string, reproDir: string, jobs: number, limits: import('./fuzz-run').Limits,
 *   bisectBudget: number, reprosPerKind: number, log?: (s: string) => void }} o
 * @returns {Session}
 */
function session(o) {
  R.ensureDir(o.workDir);
  R.ensureDir(o.reproDir);
  return {
    root: o.root, pool: R.makePool(o.jobs), limits: o.limits, tools: R.findTools(), workDir: o.workDir, reproDir: o.reproDir,
    bisectBudget: o.bisectBudget, reprosPerKind: o.reprosPerKind, found: [], reserved: new Map(), cases: new Map(), log: o.log ?? (() => {}),
  };
}

/**
 * @param {Session} s @param {string} group @param {number} lines
 * @param {readonly { cpuMs: number | null, wallMs: number }[]} runs
 */
function tally(s, group, runs, lines) {
  const t = s.cases.get(group) ?? { cases: 0, runs: 0, lines: 0, cpuMs: 0 };
  t.cases++;
  t.runs += runs.length;
  t.lines += lines;
  t.cpuMs += runs.reduce((n, r) => n + (r.cpuMs ?? r.wallMs), 0);
  s.cases.set(group, t);
}

/**
 * Runs one input and records its failures; a failing input is minimized to a reproducer (up to `reprosPerKind` per
 * group and failure signature, see `signature`).
 * @param {Session} s
 * @param {{ group: string, name: string, bytes: Buffer, input: import('./fuzz-run').InputFacts, commands: readonly import('./fuzz-run').CommandName[],
 *   format: string | null, lines?: readonly import('./fuzz-mutate').FuzzLine[], ext?: string }} c
 */
async function runInput(s, c) {
  const file = join(s.workDir, `${c.name}${c.ext ?? '.log'}`);
  writeFileSync(file, c.bytes);
  const res = await R.runCase(s, { file, input: c.input, commands: c.commands, format: c.format });
  tally(s, c.group, res.runs, c.input.lines);
  for (const f of res.failures) {
    // Reserved before the await, so that concurrent cases do not all minimize the same failure.
    const key = `${c.group}|${signature(f)}`;
    const have = s.reserved.get(key) ?? 0;
    let repro = null;
    if (have < s.reprosPerKind) {
      s.reserved.set(key, have + 1);
      repro = await reproducer(s, c, f, file);
    }
    s.found.push({ ...f, group: c.group, caseName: c.name, repro });
    s.log(`  FAIL ${c.group} ${c.name} ${f.command} ${f.kind}: ${f.detail.slice(0, 300)}${repro ? `\n       reproducer: ${repro}` : ''}`);
  }
}

/**
 * What makes two failures the same for minimizing: a crash by its error and frame, a stall or a slow run by its kind
 * alone (the same lines stall every command), anything else by kind and command.
 * @param {import('./fuzz-run').CaseFailure} f
 */
function signature(f) {
  if (f.kind === 'stack-trace') return `${f.kind}|${f.detail}`;
  if (f.kind === 'stall' || f.kind === 'slow' || f.kind === 'memory') return f.kind;
  return `${f.kind}|${f.command}`;
}

/**
 * Minimizes a failing batch (when it has lines) and writes the reproducer with its command line and provenance.
 * @param {Session} s
 * @param {Parameters<typeof runInput>[1]} c
 * @param {import('./fuzz-run').CaseFailure} f
 * @param {string} file
 * @returns {Promise<string>}
 */
async function reproducer(s, c, f, file) {
  const base = join(s.reproDir, `${c.group}-${f.kind}-${f.command}-${c.name}`.replace(/[^\w.-]+/g, '_'));
  let bytes = c.bytes;
  let note = `whole input ${c.name} (${c.input.lines} lines)`;
  /** @type {readonly import('./fuzz-mutate').FuzzLine[] | null} */
  let kept = null;
  if (c.lines && c.lines.length > 1 && s.bisectBudget > 0) {
    const needs = f.kind === 'count-mismatch' ? /** @type {const} */ (['analyze-json', f.command]) : [f.command];
    let k = 0;
    const fails = async (/** @type {readonly import('./fuzz-mutate').FuzzLine[]} */ subset) => {
      const sub = `${base}.try${k++}.log`;
      const b = M.batchBytes(subset);
      writeFileSync(sub, b);
      const n = M.countLines(b);
      const r = await R.runCase(s, { file: sub, input: { lines: n, expectLines: n, damaged: false }, commands: needs, format: c.format });
      rmSync(sub, { force: true });
      return r.failures.some((x) => x.kind === f.kind && x.command === f.command);
    };
    const m = await R.minimize(c.lines, fails, s.bisectBudget);
    kept = m.items;
    bytes = M.batchBytes(kept);
    note = `${kept.length} of ${c.lines.length} lines kept after ${m.calls} runs (minimized)`;
  }
  const ext = c.ext ?? '.log';
  writeFileSync(`${base}${ext}`, bytes);
  const rel = relative(s.root, `${base}${ext}`);
  const args = f.args.slice(0, -1).concat(f.args[f.args.length - 1] === '-' ? ['-', '<', rel] : [rel]);
  const lines = (kept ?? []).slice(0, 40).map((l, i) => `  line ${i + 1}: from ${l.from}, mutators ${l.mutators.join('+') || '(none)'}: ${show(l.text)}`);
  if (kept && kept.length > 40) lines.push(`  … ${kept.length - 40} more lines in the file`);
  writeFileSync(`${base}.txt`, [
    `kind: ${f.kind}`, `detail: ${f.detail}`, `command: node bin/lbua.js ${args.join(' ')}`, `input: ${note}`, ...lines, '',
  ].join('\n'));
  return rel;
}

/** A latin1 line for a message: decoded as UTF-8, JSON-quoted, C1 and bidi controls escaped, cut at 300 bytes. */
function show(/** @type {string} */ text) {
  const cut = text.length > 300 ? text.slice(0, 300) : text;
  const q = JSON.stringify(M.toBytes(cut).toString('utf8')).replace(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length > 300 ? `${q}…(${text.length} bytes)` : q;
}

/**
 * Fuzzes one format: `total` mutated lines in batches of `batchSize`; odd batches force `--format`, even ones
 * leave detection to lbua; then the whole-file shapes (`shapes`: 'all', some names, or null for none) of 500 lines.
 * @param {Session} s
 * @param {{ format: string, seed: number, total: number, batchSize: number, commands: readonly import('./fuzz-run').CommandName[],
 *   shapeCommands: readonly import('./fuzz-run').CommandName[], shapes: 'all' | readonly string[] | null, hugeBudget?: number }} o
 *   hugeBudget: bytes of huge fields per batch (default 2 MiB)
 * @returns {Promise<string | null>} a note when the shared corpus is absent
 */
async function fuzzFormat(s, o) {
  const { lines: seeds, note } = M.seedLines(s.root, o.format);
  const rng = M.makeRng(o.seed * 7919 + M.FORMATS.indexOf(o.format) + 1);
  const batches = [];
  for (let done = 0, b = 0; done < o.total; b++) {
    const n = Math.min(o.batchSize, o.total - done);
    batches.push({ b, lines: M.mutateBatch(seeds, n, rng, o.hugeBudget === undefined ? {} : { hugeBudget: o.hugeBudget }) });
    done += n;
  }
  /** @type {Promise<void>[]} */
  const work = batches.map(({ b, lines }) => {
    const bytes = M.batchBytes(lines);
    const n = M.countLines(bytes);
    return runInput(s, { group: o.format, name: `${o.format}-s${o.seed}-b${b}`, bytes, lines, input: { lines: n, expectLines: n, damaged: false }, commands: o.commands, format: b % 2 === 1 ? o.format : null });
  });
  if (o.shapes !== null && batches[0]) {
    const shapeLines = batches[0].lines.slice(0, 500);
    for (const sh of S.batchShapes(shapeLines, rng)) {
      if (o.shapes !== 'all' && !o.shapes.includes(sh.name)) continue;
      work.push(runInput(s, { group: o.format, name: `${o.format}-s${o.seed}-${sh.name}`, bytes: sh.bytes, input: { lines: sh.lines, expectLines: sh.expectLines, damaged: sh.damaged }, commands: o.shapeCommands, format: null, ext: sh.name.startsWith('gzip') ? '.log.gz' : '.log' }));
    }
  }
  await Promise.all(work);
  return note;
}

/**
 * Whole-file shapes that belong to no format (empty, blank lines, NUL, random bytes, a 100 KB line, gzip of blanks).
 * @param {Session} s @param {{ seed: number, commands: readonly import('./fuzz-run').CommandName[] }} o
 */
async function fuzzShapes(s, o) {
  const rng = M.makeRng(o.seed * 104729);
  await Promise.all(S.commonShapes(rng).map((sh) => runInput(s, { group: 'shapes', name: `shape-${sh.name}`, bytes: sh.bytes, input: { lines: sh.lines, expectLines: sh.expectLines, damaged: null }, commands: o.commands, format: null, ext: sh.name.endsWith('.gz') ? '.log.gz' : '.log' })));
}

/** The attacker addresses of the generated attack log (lbua generate --incident ip-burst --incident scanner --seed 7). */
const ATTACKERS = ['185.220.101.45', '193.32.162.77'];

/**
 * Attack logs: a generated ALB log with a burst and a scanner (findings that propose rate limits and blocks), whose
 * attacker addresses are replaced by hostile client fields; checks what reaches the tables, NDJSON and emitted rules.
 * @param {Session} s
 * @param {{ clients: readonly string[], commands: readonly import('./fuzz-run').CommandName[] }} o
 */
async function fuzzAttack(s, o) {
  const base = join(s.workDir, '..', 'attack-base-s7.log');
  if (!existsSync(base)) {
    const part = `${base}.${process.pid}.part`;
    execFileSync(process.execPath, [join(s.root, 'bin', 'lbua.js'), 'generate', '-n', '1500', '--hours', '1', '--incident', 'ip-burst', '--incident', 'scanner', '--seed', '7', '-o', part]);
    renameSync(part, base);
  }
  const text = readFileSync(base).toString('latin1');
  await Promise.all(o.clients.map((client, i) => {
    const other = o.clients[(i + 1) % o.clients.length] ?? client;
    const bytes = M.toBytes(text.split(`${ATTACKERS[0]}:`).join(`${client}:`).split(`${ATTACKERS[1]}:`).join(`${other}:`));
    const n = M.countLines(bytes);
    return runInput(s, { group: 'attack', name: `attack-${i}`, bytes, input: { lines: n, expectLines: n, damaged: false }, commands: o.commands, format: null });
  }));
}

/** Hostile client fields for attack logs (a selection of the mutators' list, plus the two from the issue). */
const ATTACK_CLIENTS = [
  Buffer.from('fe80::1%\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J', 'utf8').toString('latin1'),
  'fe80::1%25;}server{listen',
  'evil.example.com',
  '1.1.1.1;deny all;',
  Buffer.from('2001:db8::1%\u009b31m', 'utf8').toString('latin1'),
  'fe80::1%eth0',
  '1.2.3.4/0',
  'fe80::1%"; }',
];

/** Kinds in a stable order for the summary. */
const KINDS = ['stack-trace', 'exit-code', 'stall', 'slow', 'memory', 'bad-json', 'accounting', 'line-count', 'damage-unreported', 'count-mismatch', 'time-window', 'bad-client', 'control-table', 'control-stderr', 'control-ndjson', 'bad-rules'];

/**
 * The summary table: per group, cases, lbua runs, lines, CPU seconds of the runs (wall for a killed one), and failing
 * runs by kind.
 * @param {Session} s
 * @returns {string}
 */
function summary(s) {
  const kinds = KINDS.filter((k) => s.found.some((f) => f.kind === k));
  const head = ['group', 'cases', 'runs', 'lines', 'cpu s', ...kinds];
  const rows = [...s.cases.entries()].map(([g, t]) => [g, String(t.cases), String(t.runs), String(t.lines), (t.cpuMs / 1000).toFixed(0), ...kinds.map((k) => String(s.found.filter((f) => f.group === g && f.kind === k).length || '-'))]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (/** @type {string[]} */ r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i] ?? 0) : c.padStart(w[i] ?? 0))).join('  ');
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

module.exports = { session, fuzzFormat, fuzzShapes, fuzzAttack, summary, ATTACK_CLIENTS, KINDS, runInput };
