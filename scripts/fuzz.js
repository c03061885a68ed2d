#!/usr/bin/env node
/*
 * npm run fuzz — hostile input against every command, for every format (not part of npm test; a fixed seeded slice
 * of it is: test/hostile/fuzz.test.ts).
 *
 * Seeds: the lines of ../shared/corpus/<format dir>/*.log (read in place; without ../shared, fixtures/formats/<format>
 * only, and it says so) and fixtures/formats/<format>/*.log. Mutators (scripts/fuzz-mutate.js, seeded): byte flips,
 * truncation, field duplication, deletion and swaps, huge fields (4–70 KB agent, path, host, query, in shapes that
 * make backtracking regexes stall: `xbo…`, `x.x.`, hex, upper case), invalid UTF-8, NUL, CR, unbalanced quotes and
 * brackets, extreme numbers (9000000000000.0, 310 digits, -0, 1e309, NaN, negatives), extreme and malformed dates
 * ([10/Dec/2018:15:-6:49.497], years 0001 and 9999, month 13, 2026-02-30T25:61:61Z), hostile client fields (IPv6 zone
 * ids carrying terminal escapes, `fe80::1%25;}server{listen`, host names, empty), control characters (ESC, BEL, C1
 * U+009B/U+009D, bidi overrides) and whole-line replacements. Whole-file shapes: empty, blank lines (LF, CRLF, gzip),
 * NUL, random bytes, a 100 KB line, and per format its batch gzipped, gzip truncated, gzip with a bad CRC (every line
 * intact), gzip with trailing garbage, CR-only, CRLF, BOM, UTF-16. Attack logs: a generated burst and scanner whose
 * attacker is a hostile client field, through tables, NDJSON and emitted nginx/HAProxy/AWS WAF rules (checked with
 * `nginx -t` and `haproxy -c` when installed).
 *
 * Each mutated input runs through analyze --output json, analyze --output table, analyze from stdin, records,
 * sessions, profile and analyze --emit-rules nginx, and each run must: raise no uncaught exception (no stack trace on
 * stderr), exit 0, 1 or 2 (2 with an `lbua:` line), print valid JSON/NDJSON, account for every line
 * (lines = records + filtered + skipped + malformed, equal to the input's real line count), agree on the record count
 * across commands, keep control characters out of tables, stderr and NDJSON (C1), and stay within
 * max(2 s, 1 ms × lines) × --time-factor of CPU (killed at --kill-factor times that). scripts/fuzz-run.js lists the
 * failure kinds. A failing batch is minimized (ddmin) to the line(s) that cause it: the reproducer and a .txt with
 * its command line and the origin and mutators of each line go to bench-out/fuzz/repro/. Exits 1 on any failure,
 * 3 on an error of the harness itself.
 *
 * Usage: node scripts/fuzz.js [--seed 1] [--lines-per-format 20000] [--batch 2000] [--formats alb,nginx]
 *          [--time-factor 1] [--kill-factor 5] [--max-rss-mb 1024] [--jobs 2] [--commands analyze-json,records]
 *          [--bisect-budget 40] [--repros-per-kind 1] [--no-shapes] [--no-attack]
 *        node scripts/fuzz.js --replay FILE [--format id]   (every command on one file, e.g. a reproducer)
 */
'use strict';
const { readFileSync, rmSync } = require('node:fs');
const { join, resolve } = require('node:path');
const opt = require('./args').option;
const M = require('./fuzz-mutate');
const R = require('./fuzz-run');
const L = require('./fuzz-lib');

const argv = process.argv.slice(2);
const root = join(__dirname, '..');
const seed = Number(opt('seed', '1'));
const perFormat = Number(opt('lines-per-format', '20000'));
const batch = Number(opt('batch', '2000'));
const formats = opt('formats', M.FORMATS.join(',')).split(',').filter(Boolean);
const ALL = /** @type {import('./fuzz-run').CommandName[]} */ (['analyze-json', 'analyze-table', 'analyze-stdin', 'records', 'sessions', 'profile', 'rules-nginx']);
const commands = /** @type {import('./fuzz-run').CommandName[]} */ (opt('commands', ALL.join(',')).split(',').filter(Boolean));
const limits = { timeFactor: Number(opt('time-factor', '1')), killFactor: Number(opt('kill-factor', '5')), maxRssMb: Number(opt('max-rss-mb', '1024')) };
const replay = opt('replay', '');

for (const c of commands) if (!(c in R.COMMANDS)) fatal(`unknown command ${c} (one of ${Object.keys(R.COMMANDS).join(', ')})`);
for (const f of formats) if (!M.FORMATS.includes(f)) fatal(`unknown format ${f} (one of ${M.FORMATS.join(', ')})`);
if (!(perFormat >= 0 && batch > 0 && limits.timeFactor > 0 && limits.killFactor >= 1)) fatal('bad numeric option');

/** @param {string} m @returns {never} */
function fatal(m) {
  process.stderr.write(`fuzz: ${m}\n`);
  process.exit(2);
}

async function main() {
  // One folder per run: two runs at once (a replay beside a long fuzz) must not delete each other's inputs.
  const workDir = join(root, 'bench-out', 'fuzz', `work-${process.pid}`);
  const s = L.session({
    root, workDir, reproDir: join(root, 'bench-out', 'fuzz', 'repro'), jobs: Number(opt('jobs', '2')), limits,
    bisectBudget: Number(opt('bisect-budget', '40')), reprosPerKind: replay !== '' ? 0 : Number(opt('repros-per-kind', '1')),
    log: (l) => process.stdout.write(`${l}\n`),
  });
  process.stdout.write(`fuzz: seed ${seed}, ${perFormat} lines per format in batches of ${batch}, commands ${commands.join(',')}; time bound max(2 s, 1 ms × lines) × ${limits.timeFactor} CPU, RSS cap ${limits.maxRssMb} MB\n`);
  if (!s.tools.nginx || !s.tools.haproxy) process.stdout.write(`fuzz: ${[s.tools.nginx ? null : 'nginx', s.tools.haproxy ? null : 'haproxy'].filter(Boolean).join(' and ')} not installed: emitted rules are checked for control characters only\n`);
  const t0 = Date.now();
  if (replay !== '') {
    const bytes = readFileSync(resolve(replay));
    const n = M.countLines(bytes);
    await L.runInput(s, { group: 'replay', name: 'replay', bytes, input: { lines: n, expectLines: bytes[0] === 0x1f && bytes[1] === 0x8b ? null : n, damaged: null }, commands: [...ALL, 'rules-haproxy', 'rules-waf'], format: opt('format', null), ext: bytes[0] === 0x1f ? '.log.gz' : '.log' });
  } else {
    for (const format of formats) {
      process.stdout.write(`fuzz: ${format}...\n`);
      const note = await L.fuzzFormat(s, { format, seed, total: perFormat, batchSize: batch, commands, shapeCommands: ['analyze-json', 'analyze-table', 'records'], shapes: argv.includes('--no-shapes') ? null : 'all' });
      if (note) process.stdout.write(`fuzz: ${note}\n`);
    }
    if (!argv.includes('--no-shapes')) {
      process.stdout.write('fuzz: whole-file shapes...\n');
      await L.fuzzShapes(s, { seed, commands: ['analyze-json', 'analyze-table', 'records', 'sessions'] });
    }
    if (!argv.includes('--no-attack')) {
      process.stdout.write('fuzz: attack logs with hostile client fields...\n');
      await L.fuzzAttack(s, { clients: L.ATTACK_CLIENTS, commands: ['rules-nginx', 'rules-haproxy', 'rules-waf', 'analyze-table', 'records'] });
    }
  }
  process.stdout.write(`\n${L.summary(s)}\n\n${s.found.length} failing run(s) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const repros = s.found.filter((f) => f.repro !== null);
  process.stdout.write(repros.length > 0 ? `; reproducers:\n${repros.map((f) => `  ${f.kind.padEnd(17)} ${f.command.padEnd(13)} ${f.repro} (+ .txt)`).join('\n')}\n` : '\n');
  rmSync(s.tools.dir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
  process.exit(s.found.length > 0 ? 1 : 0);
}

process.on('uncaughtException', (e) => {
  process.stderr.write(`fuzz: harness error: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(3);
});
main().catch((e) => {
  process.stderr.write(`fuzz: harness error: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(3);
});
