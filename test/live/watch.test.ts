/**
 * `lbua watch` from the CLI on a generated incident log (an hour: an address burst, a /24 botnet, a scanner, a
 * target answering 503), written while lbua follows it — into a file that appears after lbua starts, into a
 * directory as ALB 5-minute files, through stdin — and with a kill and a restart on a --state file. Each time, every
 * finding the batch `lbua analyze` gives on the completed log is emitted exactly once, under the same id, the
 * incidents about minutes within a few minutes of log time of their start; heartbeats say lines/s, lag and state
 * size; --exec gets every finding/update/closed event; --emit-rules keeps a rules file for the burst.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { BIN } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { generatedLog } from '../helpers/generated';
import { tempDirs } from '../helpers/tmp';
import type { Report } from '../../src/core/report-types';
import type { LiveEvent } from '../../src/live/types';

const tempDir = tempDirs();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A running `lbua watch`: its events as they come. */
interface Watch {
  readonly child: ChildProcess;
  readonly events: LiveEvent[];
  stderr: string;
  readonly exited: Promise<number | null>;
}

/** Every `lbua watch` a test started: killed after it, whether it passed or not. */
const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function watch(args: readonly string[], input?: string): Watch {
  const child = spawn(process.execPath, [BIN, 'watch', ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  running.push(child);
  const w: Watch = { child, events: [], stderr: '', exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (l.trim() !== '') w.events.push(JSON.parse(l) as LiveEvent);
  });
  child.stderr?.on('data', (d: Buffer) => (w.stderr += d.toString('utf8')));
  if (input !== undefined) child.stdin?.end(input);
  return w;
}

async function until(what: string | (() => string), ok: () => boolean, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(50);
  }
}

const findingIds = (events: readonly LiveEvent[]): string[] => events.flatMap((e) => (e.event === 'finding' ? [e.id] : []));

/**
 * The batch ids the events carry: each incident's finding as last judged (`finding.id`: the id the batch report
 * gives it on the log read so far, which is the whole log at the end).
 */
/** What a wait for the batch findings saw, for its failure message. */
const missing = (expected: readonly string[], events: readonly LiveEvent[]): string =>
  `every batch finding: missing ${expected.filter((id) => !judgedIds(events).includes(id)).join(', ')}; last heartbeat: ${JSON.stringify(events.filter((e) => e.event === 'heartbeat').pop() ?? null)}; events: ${events.filter((e) => e.event !== 'heartbeat').map((e) => (e.event === 'notice' ? `notice ${e.code} ${e.message}` : `${e.event} ${e.id} ${e.finding.id} ${e.finding.detector} ${e.finding.subject.value} ${e.finding.window.start}`)).join(' | ')}`;

const judgedIds = (events: readonly LiveEvent[]): string[] => {
  const last = new Map<string, string>();
  for (const e of events) if (e.event === 'finding' || e.event === 'update' || e.event === 'closed') last.set(e.id, e.finding.id);
  return [...last.values()];
};

/**
 * The incidents judged by the minute (a burst, an error spike, a scan) come out within `seconds` of log time of their
 * start, under the id the batch report gives them (their start does not move as the log grows).
 */
function expectPromptly(events: readonly LiveEvent[], seconds: number): void {
  const minuteFindings = events.filter((e) => e.event === 'finding' && ['burst', 'error-spike', 'scanner'].includes(e.finding.detector));
  expect(minuteFindings.length).toBeGreaterThanOrEqual(4);
  for (const e of minuteFindings) {
    if (e.event !== 'finding') continue;
    expect({ finding: e.finding.subject.value, late: (e.delay_seconds ?? 999) > seconds, sameId: e.id === e.finding.id }).toEqual({ finding: e.finding.subject.value, late: false, sameId: true });
  }
}

/** The lines lbua says it has read (its last heartbeat). */
const linesRead = (events: readonly LiveEvent[]): number => {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e?.event === 'heartbeat') return e.lines;
  }
  return 0;
};

/**
 * Waits until the events carry every batch finding, stops lbua with SIGTERM (exit 0), and checks one incident per
 * batch finding, each emitted once, its last judgment the batch finding; returns the incidents' ids.
 */
async function stopOnBatchFindings(w: Watch, expected: readonly string[]): Promise<string[]> {
  await until(() => missing(expected, w.events), () => expected.every((id) => judgedIds(w.events).includes(id)));
  w.child.kill('SIGTERM');
  expect(await w.exited).toBe(0);
  const ids = findingIds(w.events);
  expect(ids.length).toBe(new Set(ids).size);
  expect(ids).toHaveLength(expected.length);
  expect(new Set(judgedIds(w.events))).toEqual(new Set(expected));
  return ids;
}

/** The options every run here uses: judged at every closed minute, quick idle close and polling. */
const FAST = ['--ndjson', '--judge-every', '0', '--idle', '1s', '--poll', '30ms', '--heartbeat', '40ms'];

describe('lbua watch', () => {
  const log = generatedLog(['--hours', '1', '-n', '3000', '--seed', '3', '--incident', 'ip-burst', '--incident', 'scanner', '--incident', 'target-5xx', '--incident', 'botnet-24'], '.log');
  let lines: string[] = [];
  let batch: Report;
  /** The log's lines by minute (the writer writes a minute at a time). */
  let minutes: string[][] = [];

  beforeAll(async () => {
    lines = readFileSync(log.path, 'utf8').trimEnd().split('\n');
    batch = JSON.parse((await lbuaIn(['analyze', log.path, '--output', 'json'])).stdout) as Report;
    const byMinute = new Map<string, string[]>();
    for (const l of lines) {
      const key = (l.split(' ')[1] ?? '').slice(0, 16);
      const list = byMinute.get(key) ?? [];
      list.push(l);
      byMinute.set(key, list);
    }
    minutes = [...byMinute.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, l]) => l);
  });

  // In-process (test/helpers/in-process.ts): each is refused before anything is followed; the runs below spawn.
  it('refuses bad options and a file that is not a watch state with one line (and a hint) and exit 2', async () => {
    const dir = tempDir('lbua-watch-opts-');
    const notState = join(dir, 'not-state.json');
    writeFileSync(notState, '{"schema":"lbua.report/1"}');
    for (const args of [
      ['--window', 'soon'], ['--window', '1m'], ['--emit-rules', 'nginx'], ['-o', join(dir, 'x.conf')], ['--emit-rules', 'iptables', '-o', join(dir, 'x.conf')],
      ['--from-start', '--since', '1h'], ['--detectors', 'none'], ['--strict'], ['--detectors', 'nope'], ['--state', notState],
    ]) {
      const r = await lbuaIn(['watch', join(dir, 'access.log'), '--ndjson', ...args]);
      // One line (and the hint line some errors add).
      expect({ args, code: r.code, lines: r.stderr.trim().split('\n').filter((l) => !l.startsWith('lbua: hint:')).length }).toEqual({ args, code: 2, lines: 1 });
    }
  });

  it('finds the four injected incidents in the batch run it is compared with', () => {
    expect(batch.findings.map((f) => `${f.detector} ${f.subject.value}`)).toEqual(expect.arrayContaining([
      'burst 185.220.101.45', 'burst 45.155.205.0/24', 'scanner 193.32.162.77', 'error-spike 10.0.2.63:8080',
    ]));
  });

  it('follows a file that appears later, written a minute of log at a time: each finding once, under the batch id, soon after its start', async () => {
    const dir = tempDir('lbua-watch-file-');
    const file = join(dir, 'access.log');
    const rules = join(dir, 'deny.conf');
    const execOut = join(dir, 'exec.ndjson');
    const w = watch([file, ...FAST, '--exec', `cat >> ${execOut}; echo >> ${execOut}`, '--emit-rules', 'nginx', '-o', rules]);
    // lbua is following the path before the file appears (on a loaded machine it starts slower than the writer).
    await until('the notice that lbua waits for the file', () => w.events.some((e) => e.event === 'notice' && e.code === 'FOLLOW_WAITING'));
    // Written a minute at a time, each once lbua has read the one before (as a log written in real time is read:
    // the analysis keeps up, and the delays below are those a live log gets).
    let ruled = false;
    let written = 0;
    for (const m of minutes) {
      appendFileSync(file, `${m.join('\n')}\n`);
      written += m.length;
      await until('lbua to read the minute written', () => linesRead(w.events) >= written);
      if (existsSync(rules) && readFileSync(rules, 'utf8').includes('185.220.101.45')) ruled = true;
    }
    const expected = batch.findings.map((f) => f.id);
    const ids = await stopOnBatchFindings(w, expected);
    // The incidents about minutes come out within a few minutes of log time of their start.
    expectPromptly(w.events, 240);
    // Every incident ends closed; heartbeats say how far behind the log the run is and what it holds.
    const closed = w.events.flatMap((e) => (e.event === 'closed' ? [e.id] : []));
    expect(new Set(closed)).toEqual(new Set(ids));
    const beats = w.events.filter((e) => e.event === 'heartbeat');
    expect(beats.length).toBeGreaterThan(0);
    const last = beats[beats.length - 1];
    expect(last?.event === 'heartbeat' && last.lines).toBe(lines.length);
    expect(last?.event === 'heartbeat' && last.state_bytes).toBeGreaterThan(0);
    // --exec ran once per finding, update and closed event, in order, with the event on stdin.
    const ran = readFileSync(execOut, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as LiveEvent);
    expect(ran.map((e) => `${e.event} ${'id' in e ? e.id : ''}`)).toEqual(w.events.filter((e) => ['finding', 'update', 'closed'].includes(e.event)).map((e) => `${e.event} ${'id' in e ? e.id : ''}`));
    // The rules file held the burst's address while its incident was open, and dropped it 15 minutes of log time
    // after it closed (the burst ended at 06:17, the log at 07:00).
    expect(ruled).toBe(true);
    expect(readFileSync(rules, 'utf8')).not.toContain('185.220.101.45');
  }, 180_000);

  it('reads ALB 5-minute files as they land in a directory, in time order', async () => {
    const dir = tempDir('lbua-watch-dir-');
    // --from-start: files that land before lbua first looks are read too (tail -F semantics would skip them).
    const w = watch([dir, ...FAST, '--from-start', '--settle', '200ms']);
    let written = 0;
    for (let i = 0; i < minutes.length; i += 5) {
      const slot = minutes.slice(i, i + 5).flat();
      written += slot.length;
      const first = slot[0]?.split(' ')[1] ?? '';
      const end = new Date(Math.floor(Date.parse(first) / 300_000) * 300_000 + 300_000).toISOString();
      const stamp = `${end.slice(0, 4)}${end.slice(5, 7)}${end.slice(8, 10)}T${end.slice(11, 13)}${end.slice(14, 16)}Z`;
      const name = `123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_${stamp}_10.0.0.1_${i}.log.gz`;
      // As `aws s3 sync` lands a file: written under a temporary name, then renamed.
      writeFileSync(join(dir, `.${name}.tmp`), gzipSync(`${slot.join('\n')}\n`));
      renameSync(join(dir, `.${name}.tmp`), join(dir, name));
      await until('lbua to read the file landed', () => linesRead(w.events) >= written);
    }
    const expected = batch.findings.map((f) => f.id);
    const ids = await stopOnBatchFindings(w, expected);
    // A 5-minute file lands after its interval: what it shows is judged then, within 5 minutes and one of log time.
    expectPromptly(w.events, 360);
  }, 180_000);

  it('reads stdin to its end and exits 0, every incident found and closed', async () => {
    const w = watch(['-', '--ndjson', '--heartbeat', '0'], `${lines.join('\n')}\n`);
    expect(await w.exited).toBe(0);
    const ids = findingIds(w.events);
    expect(new Set(judgedIds(w.events))).toEqual(new Set(batch.findings.map((f) => f.id)));
    expect(ids).toHaveLength(batch.findings.length);
    expect(ids.length).toBe(new Set(ids).size);
    expect(w.events.filter((e) => e.event === 'closed')).toHaveLength(ids.length);
    expect(w.events.some((e) => e.event === 'heartbeat')).toBe(false);
  }, 180_000);

  it('killed mid-incident and restarted with --state, repeats no finding and loses none', async () => {
    const dir = tempDir('lbua-watch-state-');
    const file = join(dir, 'access.log');
    const state = join(dir, 'watch.state');
    writeFileSync(file, '');
    const half = Math.floor(minutes.length / 2);
    // --from-start: lines written before lbua opens the (empty) file are read too.
    const first = watch([file, ...FAST, '--state', state, '--from-start']);
    for (const m of minutes.slice(0, half)) {
      appendFileSync(file, `${m.join('\n')}\n`);
      await sleep(60);
    }
    await until('two findings', () => findingIds(first.events).length >= 2);
    await sleep(1500);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(state)).toBe(true);
    for (const m of minutes.slice(half)) appendFileSync(file, `${m.join('\n')}\n`);
    const second = watch([file, ...FAST, '--state', state, '--from-start']);
    const expected = batch.findings.map((f) => f.id);
    const all = (): string[] => [...findingIds(first.events), ...findingIds(second.events)];
    const judged = (): string[] => judgedIds([...first.events, ...second.events]);
    await until('every batch finding', () => expected.every((id) => judged().includes(id)));
    await sleep(500);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(all().length).toBe(new Set(all()).size);
    expect(all()).toHaveLength(expected.length);
    expect(new Set(judged())).toEqual(new Set(expected));
  }, 180_000);
});
