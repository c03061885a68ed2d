/**
 * Output that goes to a terminal cannot drive it (issue 16, item 10). JSON.stringify escapes C0 controls (ESC) but
 * not C1 ones — U+009B is a one-byte CSI and U+009D an OSC in some terminals — nor U+2028/U+2029 or the bidi
 * controls that reorder what is shown. NDJSON (`records`, `sessions`) and JSON (`analyze --output json`, `profile`)
 * write them as \uXXXX escapes (the same values once parsed); the table view strips them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';

/** What must not reach a terminal raw (tab and line feed aside). */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** A user agent carrying C1 CSI and OSC sequences, a line separator, a bidi override and isolate, DEL and ESC. */
const UA = 'Mozilla/5.0 \u009b2J\u009b31mred \u009d0;title\u009c x\u2028y \u202eevil\u202c \u2066iso\u2069 del\u007f esc\u001b[1m';
/** A path with a C1 NEL and a paragraph separator. */
const PATH = '/p\u0085q\u2029r';

let dir = '';
let log = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lbua-terminal-'));
  log = join(dir, 'c1.log');
  const lines: string[] = [];
  for (let i = 0; i < 30; i++) {
    const t = `10/Mar/2026:10:${String(i).padStart(2, '0')}:00 +0000`;
    lines.push(`203.0.113.${(i % 3) + 1} - - [${t}] "GET ${i % 2 ? PATH : '/'} HTTP/1.1" 200 512 "-" "${UA}"`);
  }
  writeFileSync(log, `${lines.join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The lines of stdout that hold a raw character of RAW (their numbers), expected none. */
function rawLines(stdout: string): number[] {
  return stdout.split('\n').flatMap((l, i) => (RAW.test(l) ? [i + 1] : []));
}

describe('NDJSON and JSON escape C1, separators and bidi controls; values are unchanged', () => {
  it('lbua records', async () => {
    // Spawned: the bytes a real process writes (the other runs here are main() in this process).
    const r = lbua(['records', log]);
    expect(r.code).toBe(0);
    expect(rawLines(r.stdout)).toEqual([]);
    const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { user_agent: string; path: string });
    expect(recs).toHaveLength(30);
    expect(recs.every((x) => x.user_agent === UA)).toBe(true);
    expect(recs.filter((x) => x.path === PATH)).toHaveLength(15);
    expect(r.stdout).toContain('\\u009b2J\\u009b31mred \\u009d0;title\\u009c x\\u2028y \\u202eevil\\u202c \\u2066iso\\u2069 del\\u007f esc\\u001b[1m');
  });

  it('lbua sessions', async () => {
    const r = await lbuaIn(['sessions', log]);
    expect(r.code).toBe(0);
    expect(rawLines(r.stdout)).toEqual([]);
    const sessions = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { user_agent: string });
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions.every((s) => s.user_agent === UA)).toBe(true);
  });

  it('lbua analyze --output json', async () => {
    const r = await lbuaIn(['analyze', log, '--output', 'json']);
    expect(r.code).toBe(0);
    expect(rawLines(r.stdout)).toEqual([]);
    const rep = JSON.parse(r.stdout) as { top: { user_agents: { key: string }[]; paths: { key: string }[] } };
    expect(rep.top.user_agents[0]?.key).toBe(UA);
    expect(rep.top.paths.map((p) => p.key)).toContain(PATH);
  });

  it('lbua profile', async () => {
    const r = await lbuaIn(['profile', log]);
    expect(r.code).toBe(0);
    expect(rawLines(r.stdout)).toEqual([]);
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
  });
});

describe('the table view strips them', () => {
  it('lbua analyze --output table', async () => {
    const r = await lbuaIn(['analyze', log, '--output', 'table']);
    expect(r.code).toBe(0);
    expect(rawLines(r.stdout)).toEqual([]);
    // The agent is still shown, without its controls (the separator as a space).
    expect(r.stdout).toContain('Mozilla/5.0 2J31mred 0;title x y evil iso del esc[1m');
  });
});
