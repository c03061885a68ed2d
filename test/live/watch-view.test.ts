/**
 * `lbua watch` on a terminal (tmux): the live view of a followed file — the open incidents appear as the log is
 * written (the burst's address), the view follows the writes, and q quits with exit 0 and the terminal restored.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from '../helpers/cli';
import { generatedLog } from '../helpers/generated';
import { tempDirs } from '../helpers/tmp';
import { TMUX, tmuxSessions } from '../helpers/tmux';

const tempDir = tempDirs();
const tmux = tmuxSessions();

if (TMUX === null) console.log('lbua watch view test skipped: no tmux binary (.ci/run installs tmux)');
const maybe = TMUX === null ? describe.skip : describe;

maybe('lbua watch on a terminal', () => {
  it('draws the live view of a followed file, shows the incidents as they come, and q quits', async () => {
    const log = generatedLog(['--hours', '1', '-n', '3000', '--seed', '3', '--incident', 'ip-burst', '--incident', 'scanner', '--incident', 'target-5xx', '--incident', 'botnet-24'], '.log');
    const lines = readFileSync(log.path, 'utf8').trimEnd().split('\n');
    const dir = tempDir('lbua-watch-view-');
    const file = join(dir, 'access.log');
    // The first 20 minutes are there before lbua starts (--from-start reads them).
    const cut = lines.findIndex((l) => (l.split(' ')[1] ?? '') >= '2026-03-10T06:20');
    writeFileSync(file, `${lines.slice(0, cut).join('\n')}\n`);
    const pane = tmux({ cols: 120, rows: 40, env: { NO_COLOR: '1' } });
    pane.type(`${JSON.stringify(process.execPath)} ${BIN} watch ${file} --from-start --idle 1s --poll 50ms; echo "exit=$?"`);
    pane.send('Enter');
    const first = await pane.waitFor((s) => s.includes('185.220.101.45'), 'the burst among the open incidents', 60_000);
    expect(pane.info('#{alternate_on}')).toBe('1');
    expect(first).toMatch(/^lbua watch/);
    expect(first).toMatch(/burst +ip +185\.220\.101\.45/);
    expect(first).toContain(file);
    // The rest of the hour is written: the botnet's /24 comes up.
    for (let i = cut; i < lines.length; i += 2000) appendFileSync(file, `${lines.slice(i, i + 2000).join('\n')}\n`);
    await pane.waitFor((s) => s.includes('45.155.205.0/24'), 'the botnet /24', 60_000);
    pane.send('q');
    const after = await pane.waitFor((s) => /^exit=\d+$/m.test(s), 'the shell after quitting', 30_000);
    expect(after).toMatch(/^exit=0$/m);
    expect(pane.info('#{alternate_on} #{cursor_flag}')).toBe('0 1');
  }, 150_000);
});
