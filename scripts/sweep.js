#!/usr/bin/env node
/*
 * npm run sweep — detection quality across traffic sizes and periods: for each seed and each size/period, generates
 * (with the project's own generator) a log with every incident injected and the same traffic without them, runs
 * `lbua analyze --output json` on both, and prints per scenario:
 *   missed   injected incidents no finding matches (detector, subject type and subject, window within a minute)
 *   clean    findings on the clean log (high and critical ones make the sweep fail)
 *   extra    findings on the incident log that match no injected incident
 * Exits 1 when an incident is missed at a size where all are expected, or when a clean log gets a high or critical
 * finding. Logs are written to bench-out/sweep/ (gitignored) and kept for a look.
 * Usage: node scripts/sweep.js [--seeds 1,2,3] [--scenarios 60000x3,150000x8,100000x24] [--small 20000x3]
 *   --small: sizes where missing an incident is reported but not a failure (too little traffic for some detectors).
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const opt = require('./args').option;
const seeds = opt('seeds', '1,2,3').split(',').map(Number);
const parse = (s) => s.split(',').filter(Boolean).map((x) => x.split('x').map(Number));
const scenarios = [...parse(opt('scenarios', '60000x3,150000x8,100000x24')).map((s) => [...s, false]), ...parse(opt('small', '20000x3')).map((s) => [...s, true])];
const root = join(__dirname, '..');
const bin = join(root, 'bin', 'lbua.js');
const dir = join(root, 'bench-out', 'sweep');
mkdirSync(dir, { recursive: true });

const lbua = (args) => execFileSync(process.execPath, [bin, ...args], { maxBuffer: 1 << 30 }).toString();
// --fail-on is not used: exit 1 would be an error for execFileSync; the JSON says everything.
const findings = (file) => JSON.parse(lbua(['analyze', '--output', 'json', file])).findings;
// The same test of "this finding is that incident" as the end-to-end tests (npm run sweep builds first).
const { findsIncident: matches } = require('../dist/generate/incidents');

let failed = false;
for (const seed of seeds) {
  for (const [n, hours, small] of scenarios) {
    const name = `s${seed}-n${n}-h${hours}`;
    const inc = join(dir, `${name}-incidents.log.gz`);
    const clean = join(dir, `${name}-clean.log.gz`);
    const expectedFile = join(dir, `${name}-expected.json`);
    const common = ['-n', String(n), '--hours', String(hours), '--seed', String(seed)];
    lbua(['generate', ...common, '--incident', 'all', '--expected', expectedFile, '-o', inc]);
    lbua(['generate', ...common, '-o', clean]);
    const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
    const got = findings(inc);
    const quiet = findings(clean);
    const missed = expected.filter((e) => !got.some((f) => matches(f, e))).map((e) => e.incident);
    const loud = quiet.filter((f) => f.severity === 'high' || f.severity === 'critical');
    const extra = got.filter((f) => !expected.some((e) => matches(f, e)));
    const bad = (missed.length > 0 && !small) || loud.length > 0;
    failed ||= bad;
    console.log(`${bad ? 'FAIL' : 'ok  '} ${name.padEnd(18)} missed ${missed.length ? missed.join(', ') : '-'}${small && missed.length ? ' (small: not a failure)' : ''}; clean ${quiet.length ? quiet.map((f) => `${f.severity} ${f.detector}`).join(', ') : '-'}`);
    for (const f of [...loud, ...extra]) console.log(`       ${quiet.includes(f) ? 'clean' : 'extra'} ${f.severity} ${f.detector}: ${f.title}`);
  }
}
// Issue 19, proxy-fronted site (helper "guards"): the small scenario of each seed with every request logged from one
// proxy address. The clean twin must give no high or critical finding; on the incident log no finding but the
// proxy's own proxy-traffic one may judge the proxy as a client, and no rules file may block or limit it.
const PROXY = '198.51.100.20';
for (const seed of seeds) {
  const [n, hours] = parse(opt('small', '20000x3'))[0] ?? [20000, 3];
  const name = `s${seed}-n${n}-h${hours}-proxy`;
  const common = ['-n', String(n), '--hours', String(hours), '--seed', String(seed), '--via-proxy', PROXY];
  const inc = join(dir, `${name}-incidents.log.gz`);
  const clean = join(dir, `${name}-clean.log.gz`);
  lbua(['generate', ...common, '--incident', 'all', '-o', inc]);
  lbua(['generate', ...common, '-o', clean]);
  const loud = findings(clean).filter((f) => f.severity === 'high' || f.severity === 'critical');
  const got = findings(inc);
  const blamed = got.filter((f) => f.detector !== 'proxy-traffic' && (f.subject.value === PROXY || f.metrics.client_ip === PROXY));
  const said = got.some((f) => f.detector === 'proxy-traffic' && f.subject.value === PROXY);
  const ruled = ['nginx', 'haproxy', 'aws-waf'].filter((t) => new RegExp(`(deny |src |"|    )${PROXY.replace(/\./g, '\\.')}(/32)?[;" ]`).test(lbua(['analyze', inc, '--emit-rules', t])));
  const bad = loud.length > 0 || blamed.length > 0 || !said || ruled.length > 0;
  failed ||= bad;
  console.log(`${bad ? 'FAIL' : 'ok  '} ${name.padEnd(18)} proxy ${said ? 'said' : 'NOT said'}; blamed ${blamed.length ? blamed.map((f) => `${f.severity} ${f.detector}`).join(', ') : '-'}; rules on it ${ruled.length ? ruled.join(', ') : '-'}; clean ${loud.length ? loud.map((f) => `${f.severity} ${f.detector}`).join(', ') : '-'}`);
}
process.exit(failed ? 1 : 0);
