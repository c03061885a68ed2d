/**
 * The stray guard (src/input/stray.ts): a record far ahead of its input is held until the next one shows whether it
 * strayed; a real gap goes on.
 */
import { StrayGuard, STRAY_JUMP_MS } from '../../src/input/stray';
import type { Diagnostic, LogRecord } from '../../src/core/types';

const H = 3_600_000;
const rec = (t: number, line: number): LogRecord => ({ startMs: t, source: { file: 'x.log', line } }) as unknown as LogRecord;

function run(times: readonly number[]): { kept: number[]; strays: (number | null)[] } {
  const guard = new StrayGuard();
  const kept: number[] = [];
  const strays: (number | null)[] = [];
  const out = { accept: (r: LogRecord) => kept.push(r.source.line), stray: (d: Diagnostic) => strays.push(d.source?.line ?? null) };
  times.forEach((t, i) => guard.offer(rec(t, i + 1), undefined, out));
  guard.flush(out);
  return { kept, strays };
}

describe('stray guard', () => {
  it('drops one record dated far ahead when the next one is back, and keeps the order of the rest', () => {
    expect(run([0, 1000, 200 * H, 2000, 3000])).toEqual({ kept: [1, 2, 4, 5], strays: [3] });
  });

  it('keeps a real gap: the record after it is near it', () => {
    expect(run([0, 1000, 5 * H, 5 * H + 1000, 5 * H + 500])).toEqual({ kept: [1, 2, 3, 4, 5], strays: [] });
  });

  it('holds the first record too (a stray first line), and keeps a held record at the end', () => {
    expect(run([300 * H, 0, 1000]).strays).toEqual([1]);
    expect(run([0, 1000, 300 * H])).toEqual({ kept: [1, 2, 3], strays: [] });
  });

  it('lets a jump within STRAY_JUMP_MS through at once (the lateness allowances take it)', () => {
    expect(run([0, STRAY_JUMP_MS - 1, 1000])).toEqual({ kept: [1, 2, 3], strays: [] });
  });
});
