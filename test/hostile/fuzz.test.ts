/**
 * The seeded slice of `npm run fuzz` that runs inside `npm test` (seed 16, 2,000 mutated lines per format): the same
 * mutators (scripts/fuzz-mutate.js), the same judge (scripts/fuzz-run.js) and the same plan (scripts/fuzz-lib.js) as
 * the script, with a CPU bound three times the script's default. A failure names its kind, the command and a
 * minimized reproducer under bench-out/fuzz/test-repro/ (with a .txt holding the command line and each line's origin
 * and mutators); `node scripts/fuzz.js --replay FILE` reruns every command on it.
 * The harness itself is tested first: its judge must flag each broken promise on a hand-made run.
 * Cost when nothing fails: about 50 lbua runs, 20 s on two idle cores (huge fields rationed to 512 KB per batch;
 * the full fuzz adds CR-only/CRLF/BOM/UTF-16 copies, stdin, forced formats, the AWS WAF rules and more seeds).
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { ROOT } from '../helpers/cli';
import * as L from '../../scripts/fuzz-lib';
import * as M from '../../scripts/fuzz-mutate';
import * as R from '../../scripts/fuzz-run';

const SEED = 16;
const LINES = 2000;
const SLOW = 600_000; // jest timeout per case: a stall is killed by the harness long before

type Session = ReturnType<typeof L.session>;

/** One line per failing run: what broke, where, and the reproducer. */
function report(s: Session, from: number): string[] {
  return s.found.slice(from).map((f) => `${f.kind} ${f.command} on ${f.caseName}: ${f.detail.slice(0, 300)}${f.repro ? ` — reproducer ${f.repro}` : ''}`);
}

describe('fuzz harness judge', () => {
  const ok: R.RunResult = { code: 0, signal: null, stdout: '', stderr: '', wallMs: 100, cpuMs: 100, maxRssKb: 100_000, killed: false };
  const input: R.InputFacts = { lines: 3, expectLines: 3, damaged: false };
  const limits: R.Limits = { timeFactor: 1, killFactor: 5, maxRssMb: 1024 };
  const env = { tools: { nginx: null, haproxy: null, dir: '/nonexistent' } };
  const report1 = (inputs: unknown[]): string => JSON.stringify({ inputs });
  const good = { path: 'x.log', lines: 3, records: 1, filtered: 0, skipped: 1, malformed: 1, damaged: null };
  const rec = (o: Record<string, unknown> = {}): string => JSON.stringify({ time: '2026-03-10T09:00:00.000Z', client_ip: '2001:db8::1', source: { file: 'x.log', line: 1 }, ...o });
  const kinds = (command: R.CommandName, r: Partial<R.RunResult>, facts: R.InputFacts = input): string[] =>
    R.judge(command, { ...ok, ...r }, facts, limits, env).failures.map((f) => f.kind);

  it('passes a clean run', () => {
    expect(kinds('analyze-json', { stdout: report1([good]) })).toEqual([]);
    expect(kinds('records', { stdout: `${rec()}\n${rec({ user_agent: '\\u009b' })}\n` })).toEqual([]);
  });
  it.each([
    ['a stack trace', 'analyze-json', { stdout: report1([good]), stderr: "RangeError: Invalid time value\n    at Date.toISOString (<anonymous>)\n    at isoTime (/x/dist/core/units.js:12:20)\n", code: 1 }, ['stack-trace']],
    ['an out-of-memory abort', 'analyze-json', { code: null, signal: 'SIGABRT', stderr: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n' }, ['exit-code', 'stack-trace']],
    ['exit 2 without a reason', 'records', { code: 2 }, ['exit-code']],
    ['a killed stall', 'records', { code: null, signal: 'SIGKILL', killed: true, wallMs: 50_000 }, ['stall']],
    ['CPU over the bound', 'records', { cpuMs: 2500 }, ['slow']],
    ['RSS over the cap', 'records', { maxRssKb: 2_000_000 }, ['memory']],
    ['a cut JSON document', 'analyze-json', { stdout: '{"inputs": [' }, ['bad-json']],
    ['lines not accounted for', 'analyze-json', { stdout: report1([{ ...good, malformed: 0 }]) }, ['accounting']],
    ['a wrong line count', 'analyze-json', { stdout: report1([{ ...good, lines: 2, skipped: 0 }]) }, ['line-count']],
    ['ESC in a table', 'analyze-table', { stdout: 'client \u001b[2J' }, ['control-table']],
    ['C1 in a table', 'analyze-table', { stdout: 'client \u009b31m' }, ['control-table']],
    ['a bidi override on stderr', 'records', { stderr: 'x.log:1: error PARSE_NO_MATCH: \u202e' }, ['control-stderr']],
    ['a record time before 1990', 'records', { stdout: `${rec({ time: '0001-01-01T00:00:00.000Z' })}\n` }, ['time-window']],
    ['a report whose last request is in year 9999', 'analyze-json', { stdout: report1([{ ...good, first_time: null, last_time: '9999-12-31T23:59:59.000Z' }]) }, ['time-window']],
    ['a client with a zone id', 'records', { stdout: `${rec({ client_ip: 'fe80::1%25;}server{listen' })}\n` }, ['bad-client']],
    ['a host name as client', 'records', { stdout: `${rec({ client_ip: 'evil.example.com' })}\n` }, ['bad-client']],
    ['a client_host that is not a host name', 'records', { stdout: `${rec({ client_ip: null, client_host: 'x;}server{' })}\n` }, ['bad-client']],
    ['raw C1 in NDJSON', 'sessions', { stdout: '{"requests":1,"key":"\u009d"}\n' }, ['control-ndjson']],
    ['ESC in nginx rules', 'rules-nginx', { stdout: 'deny fe80::1%\u001b]52;c;;\n' }, ['bad-rules']],
    ['ESC in an AWS WAF description', 'rules-waf', { stdout: JSON.stringify({ Description: 'fe80::1%\u001b[2J' }) }, ['bad-rules']],
  ] as const)('flags %s', (_name, command, r, expected) => {
    expect(kinds(command, r)).toEqual(expected);
  });
  it('flags a damaged gzip read as intact', () => {
    expect(kinds('analyze-json', { stdout: report1([good]) }, { ...input, damaged: true })).toEqual(['damage-unreported']);
  });
});

describe('fuzz mutators', () => {
  const seeds = M.seedLines(ROOT, 'alb').lines;
  it('are seeded: the same seed gives the same batch', () => {
    const a = M.mutateBatch(seeds, 200, M.makeRng(3));
    const b = M.mutateBatch(seeds, 200, M.makeRng(3));
    expect(a).toEqual(b);
    expect(M.mutateBatch(seeds, 200, M.makeRng(4))).not.toEqual(a);
  });
  it('every mutator applies to an ALB line and never writes LF', () => {
    const line = seeds.find((l) => l.text.startsWith('http '))?.text ?? '';
    for (const m of M.MUTATORS) {
      const rng = M.makeRng(1);
      const outs = Array.from({ length: 30 }, () => m.apply(line, rng, { hugeBudget: 1 << 20 }));
      expect([m.name, outs.some((o) => o !== null && o !== line)]).toEqual([m.name, true]);
      expect(outs.filter((o) => o !== null && o.includes('\n'))).toEqual([]);
    }
  });
  it('count lines the way lbua documents them', () => {
    expect([Buffer.from(''), Buffer.from('\n'), Buffer.from('a\nb'), Buffer.from('a\r\nb\r\n'), Buffer.from('a\rb\r')].map(M.countLines)).toEqual([0, 1, 2, 2, 1]);
  });
});

describe(`fuzz slice (seed ${SEED}, ${LINES} lines per format)`, () => {
  let s: Session;
  const work = join(ROOT, 'bench-out', 'fuzz', 'test-work');
  beforeAll(() => {
    rmSync(work, { recursive: true, force: true });
    s = L.session({
      root: ROOT, workDir: work, reproDir: join(ROOT, 'bench-out', 'fuzz', 'test-repro'), jobs: 2,
      limits: { timeFactor: 3, killFactor: 2, maxRssMb: 1024 }, bisectBudget: 16, reprosPerKind: 1,
    });
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(s.tools.dir, { recursive: true, force: true });
  });

  it.each(M.FORMATS)('%s: mutated lines and damaged copies through analyze, records, sessions and profile', async (format) => {
    const from = s.found.length;
    const note = await L.fuzzFormat(s, {
      format, seed: SEED, total: LINES, batchSize: LINES, commands: ['analyze-json', 'analyze-table', 'records', 'sessions', 'profile'],
      shapeCommands: ['analyze-json'], shapes: ['gzip-truncated', 'gzip-bad-crc'], hugeBudget: 512 * 1024,
    });
    if (note !== null) console.warn(`fuzz slice: ${note}`);
    expect(report(s, from)).toEqual([]);
  }, SLOW);

  it('whole-file shapes: empty, blank lines (plain and gzip), NUL, random bytes, a 100 KB line', async () => {
    const from = s.found.length;
    await L.fuzzShapes(s, { seed: SEED, commands: ['analyze-json'] });
    expect(report(s, from)).toEqual([]);
  }, SLOW);

  it('attack logs whose attacker is a hostile client field: emitted nginx and HAProxy rules', async () => {
    const from = s.found.length;
    const missing = [s.tools.nginx === null ? 'nginx' : null, s.tools.haproxy === null ? 'haproxy' : null].filter((x) => x !== null);
    if (missing.length > 0) console.warn(`fuzz slice: ${missing.join(' and ')} not installed: emitted rules are checked for control characters only`);
    await L.fuzzAttack(s, { clients: L.ATTACK_CLIENTS.slice(0, 2), commands: ['rules-nginx', 'rules-haproxy'] });
    expect(report(s, from)).toEqual([]);
  }, SLOW);
});
