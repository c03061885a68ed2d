/**
 * End to end, the nightly-cron case: a whole day (24 hours from 06:00 UTC) of generated ALB traffic with every
 * incident injected, and its clean twin. Several incidents land in the quiet hours there: the failing target at
 * 21:36 (about 20 requests a minute, never 20 errors in one minute) and the campaign at 02:24 (a night-time baseline
 * of ~60 requests a minute, a 2.4x rise). Each must be found with the right detector, subject and window; the clean
 * day must give no finding at all. (`npm run sweep` runs more seeds and sizes.)
 */
import { json, lbua } from '../helpers/cli';
import { findsIncident, generateScenario, type Expected, type Finding } from '../helpers/scenario';

const { incidentsLog, cleanLog, codes, expected } = generateScenario(['-n', '100000', '--hours', '24', '--seed', '1', '--start', '2026-03-10T06:00:00Z']);

describe('a day of traffic (nightly report)', () => {
  it('generates both days', () => {
    expect(codes).toEqual([0, 0]);
  });

  const report = json(lbua(['analyze', incidentsLog, '--output', 'json'])) as { findings: Finding[] };
  const found = (e: Expected): Finding[] => report.findings.filter((f) => findsIncident(f, e));

  it.each(expected.map((e) => [e.incident, e] as const))('finds %s', (_id, e) => {
    expect(found(e).length).toBeGreaterThan(0);
  });

  it('finds the target failing in the evening and the campaign at night as such', () => {
    const target = expected.find((e) => e.incident === 'target-5xx');
    const campaign = expected.find((e) => e.incident === 'legit-surge');
    expect([target?.startMs, campaign?.startMs].map((t) => new Date(t ?? 0).toISOString())).toEqual(['2026-03-10T21:36:00.000Z', '2026-03-11T02:24:00.000Z']);
    expect(found(target!).map((f) => f.severity)).toContain('critical');
    const surge = found(campaign!);
    expect(surge.map((f) => f.severity)).toEqual(['info']);
    expect(surge[0]?.title).toMatch(/likely legitimate/);
  });

  it('gives the clean day no finding', () => {
    const clean = json(lbua(['analyze', cleanLog, '--output', 'json'])) as { findings: Finding[] };
    expect(clean.findings.map((f) => `${f.severity} ${f.detector}: ${f.title}`)).toEqual([]);
  });
});
