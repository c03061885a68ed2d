/**
 * The live terminal view in a real terminal (tmux): test/live/view-script.js runs dist/live/view.js with a changing
 * fake status from an interactive shell. The pane shows the frame, the frame refreshes, a resize redraws it at the
 * new size, hostile text does not reach the terminal, and q / Ctrl-C quit with exit code 0 and the terminal as it
 * was (main screen, cursor shown, the shell's line settings back: raw mode off).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli';
import { tempDirs } from '../helpers/tmp';
import { TMUX, tmuxSessions } from '../helpers/tmux';

const tempDir = tempDirs();
const tmux = tmuxSessions();
const SCRIPT = join(ROOT, 'test', 'live', 'view-script.js');

if (TMUX === null) console.log('live view tmux tests skipped: no tmux binary (.ci/run installs tmux)');
const maybe = TMUX === null ? describe.skip : describe;

/** Runs the script in a fresh pane, saving `stty -g` before and after and printing its exit code. */
function startScript(cols: number, rows: number, intervalMs: number, mode = '') {
  const dir = tempDir('lbua-view-');
  const pane = tmux({ cols, rows, env: { NO_COLOR: '1' } });
  pane.type(`stty -g > ${dir}/before; ${JSON.stringify(process.execPath)} ${SCRIPT} ${intervalMs} ${mode}; echo "exit=$?"; stty -g > ${dir}/after`);
  pane.send('Enter');
  return { pane, dir };
}

const rpm = (screen: string): number => Number(/req\/min ([\d,]+)/.exec(screen)?.[1]?.replace(/,/g, '') ?? Number.NaN);

maybe('live view in tmux', () => {
  it('shows the frame on the alternate screen, refreshes it, and q quits with the terminal restored', async () => {
    const { pane, dir } = startScript(100, 30, 200);
    const first = await pane.waitFor((s) => s.includes('Open incidents (2)'), 'the first frame');
    expect(pane.info('#{alternate_on} #{cursor_flag}')).toBe('1 0');
    const lines = first.split('\n');
    expect(lines[0]).toMatch(/^lbua watch {2}1,234 lines\/s {2}lag 42s {2}2026-03-10 07:02:00Z {2}\/var\/log\/alb\/app\.log/);
    // Most severe first; the escape sequences in the subject were stripped (the screen was not cleared by them).
    const incidents = lines.filter((l) => /^ (CRIT|HIGH) /.test(l));
    expect(incidents[0]).toMatch(/^ CRIT burst +ip 82\.82\.97\.119\[2J\]0;pwn/);
    expect(incidents[1]).toMatch(/^ HIGH api-abuse/);
    expect(pane.info('#{pane_title}')).not.toBe('pwned');
    expect(first).toMatch(/Top clients .* Top endpoints/);
    // It refreshes: the fake status counts the frames drawn.
    const before = rpm(first);
    const later = await pane.waitFor((s) => rpm(s) >= before + 3, 'three more frames');
    expect(later).toContain('Open incidents (2)');

    pane.send('q');
    const after = await pane.waitFor((s) => /^exit=\d+$/m.test(s), 'the shell after quitting');
    expect(after).toMatch(/view-script: quit after \d+ frames\nexit=0\n/);
    // The main screen is back, without the frame; the cursor shows; the line settings are those from before.
    expect(after).not.toContain('Open incidents');
    expect(pane.info('#{alternate_on} #{cursor_flag}')).toBe('0 1');
    await pane.waitFor(() => readFileSync(join(dir, 'after'), { encoding: 'utf8', flag: 'a+' }) !== '', 'stty after');
    expect(readFileSync(join(dir, 'after'), 'utf8')).toBe(readFileSync(join(dir, 'before'), 'utf8'));
  });

  it('redraws at the new size when the terminal is resized (not only on its timer)', async () => {
    // One frame a minute: any redraw within the test comes from the resize.
    const { pane } = startScript(100, 30, 60_000);
    const wide = await pane.waitFor((s) => s.includes('Open incidents (2)'), 'the first frame');
    expect(wide).toMatch(/Top clients .* Top endpoints/);
    expect(rpm(wide)).toBe(1001);
    pane.resize(60, 16);
    const narrow = await pane.waitFor((s) => /^Top endpoints/m.test(s), 'the frame redrawn for 60 columns');
    expect(rpm(narrow)).toBeGreaterThan(1001);
    const lines = narrow.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '');
    expect(lines).toHaveLength(16);
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(60);
    expect(lines[15]).toMatch(/q quit/);
    // A line as wide as the terminal is drawn whole, its last column included.
    expect(lines[0]).toMatch(/^lbua watch {2}1,234 lines\/s {2}lag 42s {2}2026-03-10 07:02:00Z {2}\/…$/);
    expect([...(lines[0] ?? '')]).toHaveLength(60);
    pane.resize(40, 12);
    const small = await pane.waitFor((s) => /^state 3\.5 MB/m.test(s.split('\n')[11] ?? ''), 'the frame redrawn for 40×12');
    expect(small.split('\n').slice(0, 12).every((l) => [...l].length <= 40)).toBe(true);
    pane.send('q');
    await pane.waitFor((s) => /^exit=0$/m.test(s), 'exit code 0');
  });

  it('Ctrl-C quits too, with exit code 0 and raw mode off', async () => {
    const { pane, dir } = startScript(80, 24, 200);
    await pane.waitFor((s) => s.includes('Open incidents (2)'), 'the first frame');
    pane.send('C-c');
    const after = await pane.waitFor((s) => /^exit=\d+$/m.test(s), 'the shell after Ctrl-C');
    expect(after).toMatch(/^exit=0$/m);
    expect(pane.info('#{alternate_on} #{cursor_flag}')).toBe('0 1');
    await pane.waitFor(() => readFileSync(join(dir, 'after'), { encoding: 'utf8', flag: 'a+' }) !== '', 'stty after');
    expect(readFileSync(join(dir, 'after'), 'utf8')).toBe(readFileSync(join(dir, 'before'), 'utf8'));
  });
});

maybe('live view in tmux, failing', () => {
  it('restores the terminal when the program dies of an exception while the view runs', async () => {
    const { pane, dir } = startScript(80, 24, 100, 'throw');
    const after = await pane.waitFor((s) => /^exit=\d+$/m.test(s), 'the shell after the exception');
    expect(after).toMatch(/^exit=1$/m);
    expect(after).toContain('Error: view-script: status failed on frame 3');
    expect(after).not.toContain('Open incidents');
    expect(pane.info('#{alternate_on} #{cursor_flag}')).toBe('0 1');
    await pane.waitFor(() => readFileSync(join(dir, 'after'), { encoding: 'utf8', flag: 'a+' }) !== '', 'stty after');
    expect(readFileSync(join(dir, 'after'), 'utf8')).toBe(readFileSync(join(dir, 'before'), 'utf8'));
  });
});
