/**
 * `lbua profile` saves the run's state (lbua.profile/2) and `--merge` combines saved ones: the incident scenario cut
 * into two time-disjoint parts, profiled apart and merged, gives the profile of both byte for byte.
 *
 * Limitation: the parts are separated by a gap longer than the session timeout, so no session spans the cut. A
 * session cut by a part boundary would count as two in the merge (joining sessions across parts is other work).
 * One documented cap is met by every real log: the scanner keeps counts for the first 100 distinct sizes of the
 * home page (client-probes' homeSizes), and a part whose own first 100 sizes are others misses the counts of the
 * earlier part's sizes; the scanner is checked apart below, with that field compared as a cap allows.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { generatedLog } from '../helpers/generated';
import { readTextLines } from '../helpers/parse-file';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const tmp = tempDir('lbua-profile-state-');
const log = generatedLog(['-n', '30000', '--hours', '3', '--seed', '4', '--incident', 'all'], '.log.gz');
const a = join(tmp, 'a.log');
const b = join(tmp, 'b.log');
const lines = readTextLines(log.path);
// Field 2 of an ALB line is its time: up to 07:20, then from 08:00 (a 40-minute gap, the timeout being 30).
writeFileSync(a, `${lines.filter((l) => (l.split(' ')[1] ?? '') < '2026-03-10T07:20').join('\n')}\n`);
writeFileSync(b, `${lines.filter((l) => (l.split(' ')[1] ?? '') >= '2026-03-10T08:00').join('\n')}\n`);
const read = (p: string): string => readFileSync(p, 'utf8');

/** `lbua profile` of a, of b, of both, and the merge of the first two (their paths). */
function profiles(extra: readonly string[], tag: string): { parts: string; both: string; merged: string } {
  const out = (name: string): string => join(tmp, `${tag}-${name}.json`);
  // Spawned: whole profiles of 10,000-20,000 lines take longer in a jest worker than in their own process.
  for (const [name, inputs] of [['a', [a]], ['b', [b]], ['both', [a, b]]] as const) expect(lbua(['profile', ...inputs, ...extra, '-o', out(name)]).code).toBe(0);
  expect(lbua(['profile', '--merge', out('a'), out('b'), '-o', out('merged')]).code).toBe(0);
  return { parts: out('a'), both: out('both'), merged: out('merged') };
}

describe('lbua profile (lbua.profile/2)', () => {
  it('split the scenario into two parts with a gap', async () => {
    expect(log.code).toBe(0);
    expect(read(a).length).toBeGreaterThan(1000);
    expect(read(b).length).toBeGreaterThan(1000);
  });

  let all = { parts: '', both: '', merged: '' };
  beforeAll(() => {
    all = profiles(['--no-detector', 'scanner'], 'all');
  });

  it('profile(a) merged with profile(b) equals profile(a b), byte for byte', async () => {
    expect(read(all.merged)).toBe(read(all.both));
  });

  it('holds the behaviour profile, traffic, timeline, regions, sessions and every selected detector, with its options', async () => {
    const p = JSON.parse(read(all.both)) as Record<string, unknown> & { detectors: Record<string, { options: Record<string, number>; state: unknown }>; inputs: string[] };
    expect(p['schema']).toBe('lbua.profile/2');
    expect(Object.keys(p)).toEqual(expect.arrayContaining(['endpoints', 'classes', 'families', 'protocols', 'tls', 'inputs', 'settings', 'traffic', 'timeline', 'geo', 'sessions', 'detectors']));
    expect(p.inputs).toEqual([a, b]);
    expect(Object.keys(p.detectors)).toEqual(['api-abuse', 'burst', 'campaign', 'client-mix', 'credential-stuffing', 'error-spike', 'lingering-endpoint', 'looping-session', 'regional-creep', 'surge']);
    expect(p.detectors['error-spike']?.options).toEqual({ factor: 5, maxSubjects: 300, minErrors: 20, minRate: 0.05 });
    // Judged as they stream (other work makes them mergeable): listed, with no state.
    expect([p.detectors['burst']?.state, p.detectors['looping-session']?.state]).toEqual([null, null]);
    expect(p.detectors['surge']?.state).not.toBeNull();
  });

  it('is deterministic, and a merge of one profile is that profile', async () => {
    const again = join(tmp, 'again.json');
    expect((await lbuaIn(['profile', a, '--no-detector', 'scanner', '-o', again])).code).toBe(0);
    expect(read(again)).toBe(read(all.parts));
    expect((await lbuaIn(['profile', '--merge', all.parts])).stdout).toBe(read(all.parts));
  });

  it('scanner: the merge equals one pass but for the counts of the home page sizes (the first 100 kept, a cap)', async () => {
    const s = profiles(['--detectors', 'scanner'], 'scanner');
    type Scanner = { detectors: { scanner: { state: { homeSizes: [number, number, string, number][] } } } };
    const both = JSON.parse(read(s.both)) as Scanner;
    const merged = JSON.parse(read(s.merged)) as Scanner;
    const [bh, mh] = [both.detectors.scanner.state.homeSizes, merged.detectors.scanner.state.homeSizes];
    // The same sizes, first seen in the same records; a merged count can only be low.
    expect(mh.map(([size, , file, line]) => [size, file, line])).toEqual(bh.map(([size, , file, line]) => [size, file, line]));
    mh.forEach(([, n], i) => expect(n).toBeLessThanOrEqual(bh[i]?.[1] ?? 0));
    both.detectors.scanner.state.homeSizes = [];
    merged.detectors.scanner.state.homeSizes = [];
    expect(merged).toEqual(both);
  });

  it('--merge refuses profiles made with other detector options or session settings (one line, exit 2)', async () => {
    const other = join(tmp, 'other.json');
    expect((await lbuaIn(['profile', b, '--no-detector', 'scanner', '--detector-opt', 'surge.factor=4', '-o', other])).code).toBe(0);
    // Spawned: the CLI path of profile --merge (the other runs here are main() in this process).
    const r = lbua(['profile', '--merge', all.parts, other]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('detectors.surge.factor: 3 vs 4');
    const timeout = join(tmp, 'timeout.json');
    expect((await lbuaIn(['profile', b, '--no-detector', 'scanner', '--session-timeout', '10', '-o', timeout])).code).toBe(0);
    const t = await lbuaIn(['profile', '--merge', all.parts, timeout]);
    expect([t.code, t.stderr.trim().split('\n').length]).toEqual([2, 1]);
    expect(t.stderr).toContain('settings.session_timeout_minutes: 30 vs 10');
  });

  it('still merges lbua.profile/1 files: their behaviour profiles, as lbua.profile/1', async () => {
    const v2 = JSON.parse(read(all.parts)) as Record<string, unknown>;
    const v1 = Object.fromEntries(['bucket_ms', 'period', 'requests', 'endpoints', 'classes', 'families', 'protocols', 'tls'].map((k) => [k, v2[k]]));
    const v1File = join(tmp, 'v1.json');
    writeFileSync(v1File, JSON.stringify({ schema: 'lbua.profile/1', ...v1 }, null, 2));
    const r = await lbuaIn(['profile', '--merge', v1File, all.parts]);
    expect(r.code).toBe(0);
    const merged = JSON.parse(r.stdout) as { schema: string; requests: number };
    expect(merged.schema).toBe('lbua.profile/1');
    expect(merged.requests).toBe(2 * (v2['requests'] as number));
  });
});
