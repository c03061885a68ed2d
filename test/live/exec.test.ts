/**
 * `lbua watch --exec` (live/exec.ts): real `sh -c` commands, one per event, serial and in order, with the event on
 * stdin and in the environment; failures, timeouts (the whole process group killed) and commands that cannot start
 * are notices and the next event still runs; nothing is dropped; drain() waits, then kills.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createExecRunner, type ExecNotice } from '../../src/live/exec';
import { LIVE_SCHEMA, type LiveEvent } from '../../src/live/types';
import { ROOT } from '../helpers/cli';
import { finding } from '../helpers/live-status';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const base = { schema: LIVE_SCHEMA, at: '2026-03-10T06:25:00.000Z', watermark: '2026-03-10T06:24:00.000Z' } as const;
const burst = finding('062223de74b44657', 'critical', 'burst', ['ip', '82.82.97.119'], ['2026-03-10T06:18:00.000Z', '2026-03-10T06:24:00.000Z'], 'Burst of requests from 82.82.97.119');

function findingEvent(id: string, severity: LiveEvent extends never ? never : 'high' | 'critical' = 'high'): LiveEvent {
  return { ...base, event: 'finding', id, finding: { ...burst, id, severity }, delay_seconds: 60 };
}
const heartbeat: LiveEvent = {
  ...base, event: 'heartbeat', lines_per_second: 10, lines: 100, records: 99, malformed: 1, lag_seconds: 61, backlog_lines: 0,
  open_incidents: 1, state_bytes: 1000, heap_bytes: 2000, window_minutes: 30,
};

/** A runner whose notices and output are collected; OUT in the command's environment is a fresh folder. */
function runner(command: string, extra: { timeoutMs?: number; maxQueue?: number; env?: NodeJS.ProcessEnv; events?: LiveEvent['event'][] } = {}) {
  const out = tempDir('lbua-exec-');
  const notices: ExecNotice[] = [];
  const printed: string[] = [];
  const r = createExecRunner({
    command,
    onNotice: (n) => notices.push(n),
    output: (l) => printed.push(l),
    env: { ...(extra.env ?? process.env), OUT: out },
    ...(extra.timeoutMs !== undefined ? { timeoutMs: extra.timeoutMs } : {}),
    ...(extra.maxQueue !== undefined ? { maxQueue: extra.maxQueue } : {}),
    ...(extra.events !== undefined ? { events: extra.events } : {}),
  });
  const read = (name: string): string => (existsSync(join(out, name)) ? readFileSync(join(out, name), 'utf8') : '');
  return { r, out, notices, printed, read };
}

/** Whether a process runs (a zombie, killed but not yet reaped by its new parent, does not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return existsSync('/proc') ? false : true;
  }
}

describe('--exec runner', () => {
  it('runs the command once per finding, update and closed event, with the event JSON on stdin and LBUA_* set', async () => {
    const { r, read } = runner('cat >> "$OUT/stdin"; printf "%s|%s|%s\\n" "$LBUA_EVENT" "${LBUA_FINDING_ID-unset}" "${LBUA_SEVERITY-unset}" >> "$OUT/env"');
    const events: LiveEvent[] = [
      findingEvent('a1', 'critical'),
      heartbeat,
      { ...base, event: 'update', update: true, id: 'a1', finding: { ...burst, id: 'a1' } },
      { ...base, event: 'notice', code: 'INPUT_ROTATED', message: 'rotated' },
      { ...base, event: 'closed', id: 'a1', finding: { ...burst, id: 'a1', severity: 'high' }, reason: 'ended' },
    ];
    for (const e of events) r.push(e);
    await r.drain(10_000);
    const lines = read('stdin').split('\n').filter((l) => l !== '');
    expect(lines.map((l) => JSON.parse(l) as LiveEvent)).toEqual([events[0], events[2], events[4]]);
    expect(read('env')).toBe('finding|a1|critical\nupdate|a1|critical\nclosed|a1|high\n');
    expect(r.pending).toBe(0);
  });

  it('runs heartbeats and notices when `events` lists them, without a finding id or severity', async () => {
    const { r, read } = runner('printf "%s|%s|%s\\n" "$LBUA_EVENT" "${LBUA_FINDING_ID-unset}" "${LBUA_SEVERITY-unset}" >> "$OUT/env"', {
      events: ['heartbeat', 'finding'],
      // Inherited values must not leak into a heartbeat's command.
      env: { ...process.env, LBUA_FINDING_ID: 'inherited', LBUA_SEVERITY: 'inherited' },
    });
    r.push(heartbeat);
    r.push(findingEvent('b1'));
    r.push({ ...base, event: 'closed', id: 'b1', finding: { ...burst, id: 'b1' }, reason: 'ended' });
    await r.drain(10_000);
    expect(read('env')).toBe('heartbeat|unset|unset\nfinding|b1|high\n');
  });

  it('runs serially and in order: the next command starts after the previous one ended', async () => {
    const { r, read } = runner('echo "start $LBUA_FINDING_ID" >> "$OUT/log"; sleep 0.05; echo "end $LBUA_FINDING_ID" >> "$OUT/log"');
    const ids = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'];
    for (const id of ids) r.push(findingEvent(id));
    expect(r.pending).toBe(6);
    await r.drain(20_000);
    expect(read('log')).toBe(ids.map((id) => `start ${id}\nend ${id}\n`).join(''));
  });

  it('a command that fails is a notice naming the event and its exit status; the next event still runs', async () => {
    const { r, read, notices } = runner('[ "$LBUA_FINDING_ID" = bad ] && exit 3; [ "$LBUA_FINDING_ID" = sig ] && kill -TERM $$; echo "$LBUA_FINDING_ID" >> "$OUT/ran"');
    for (const id of ['ok1', 'bad', 'sig', 'ok2']) r.push(findingEvent(id));
    await r.drain(10_000);
    expect(read('ran')).toBe('ok1\nok2\n');
    expect(notices).toEqual([
      { code: 'EXEC_FAILED', message: '--exec failed on event #2 (finding bad): exit status 3' },
      { code: 'EXEC_FAILED', message: '--exec failed on event #3 (finding sig): killed by SIGTERM' },
    ]);
  });

  it('kills a command that runs past the timeout, with everything it started, and goes on', async () => {
    const { r, read, notices, out } = runner('if [ "$LBUA_FINDING_ID" = slow ]; then sleep 30 & echo $! > "$OUT/pid"; wait; fi; echo "$LBUA_FINDING_ID" >> "$OUT/ran"', { timeoutMs: 400 });
    const t0 = Date.now();
    for (const id of ['slow', 'next']) r.push(findingEvent(id));
    await r.drain(10_000);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(read('ran')).toBe('next\n');
    expect(notices).toEqual([{ code: 'EXEC_TIMEOUT', message: '--exec timed out after 0.4 s on event #1 (finding slow) and was killed (killed by SIGKILL)' }]);
    const grandchild = Number(readFileSync(join(out, 'pid'), 'utf8'));
    expect(grandchild).toBeGreaterThan(1);
    // The background sleep was in the command's process group: killed with it.
    const deadline = Date.now() + 2000;
    while (alive(grandchild) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    expect(alive(grandchild)).toBe(false);
  });

  it('a command that cannot start is a notice per event, and the next events are still tried', async () => {
    // No shell on this PATH: spawning sh fails.
    const { r, notices } = runner('true', { env: { PATH: '/nonexistent-lbua' } });
    r.push(findingEvent('x1'));
    r.push(findingEvent('x2'));
    await r.drain(10_000);
    expect(notices.map((n) => n.code)).toEqual(['EXEC_SPAWN', 'EXEC_SPAWN']);
    expect(notices[0]?.message).toMatch(/^--exec could not start for event #1 \(finding x1\): spawn sh ENOENT/);
    expect(notices[1]?.message).toMatch(/event #2 \(finding x2\)/);
  });

  it("passes the command's output on line by line, prefixed, control characters stripped", async () => {
    const { r, printed } = runner("printf 'posted to \\033[31mslack\\033[0m\\n'; printf 'warn\\007ing\\r\\n' >&2; printf 'no newline'");
    r.push(findingEvent('o1'));
    await r.drain(10_000);
    expect([...printed].sort()).toEqual(['[exec] no newline', '[exec] posted to [31mslack[0m', '[exec] warning'].sort());
  });

  it('drops nothing when events come faster than the command: warns once past maxQueue', async () => {
    const { r, read, notices } = runner('cat >> "$OUT/stdin"', { maxQueue: 3 });
    for (let i = 0; i < 12; i++) r.push(findingEvent(`q${i}`));
    await r.drain(30_000);
    expect(read('stdin').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(Array.from({ length: 12 }, (_, i) => `q${i}`));
    expect(notices).toEqual([{ code: 'EXEC_QUEUE', message: expect.stringMatching(/^--exec is behind: 4 events wait for the command \(more than 3\); they are kept in memory, which grows until the command catches up/) as unknown as string }]);
  });

  it('drain() waits up to its limit, then kills the running command and says how many events did not run', async () => {
    const { r, notices, read } = runner('echo "$LBUA_FINDING_ID" >> "$OUT/started"; sleep 20');
    for (const id of ['d1', 'd2', 'd3']) r.push(findingEvent(id));
    const t0 = Date.now();
    await r.drain(300);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(notices[0]).toEqual({ code: 'EXEC_DRAIN', message: '--exec did not finish within 0.3 s at exit: the running command was killed and 2 queued events did not run' });
    await new Promise((res) => setTimeout(res, 300));
    expect(read('started')).toBe('d1\n');
    // The command drain() killed is not reported as failing as well.
    expect(notices).toHaveLength(1);
  });

  it('writes the command output to stderr, never to stdout (the NDJSON stream)', () => {
    const script = `
      const { createExecRunner } = require(${JSON.stringify(join(ROOT, 'dist', 'live', 'exec.js'))});
      const r = createExecRunner({ command: 'echo from-command; echo err-from-command >&2; exit 4', onNotice: (n) => process.stderr.write(n.message + '\\n') });
      r.push(${JSON.stringify(findingEvent('s1'))});
      r.drain(5000).then(() => process.stdout.write('done\\n'));
    `;
    const p = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(p.status).toBe(0);
    expect(p.stdout).toBe('done\n');
    expect(p.stderr).toContain('[exec] from-command\n');
    expect(p.stderr).toContain('[exec] err-from-command\n');
    expect(p.stderr).toContain('--exec failed on event #1 (finding s1): exit status 4');
  });
});
