/**
 * Issue 19's classes on a public real log: the Honeynet Project's Red Hat 7.1 honeypot Apache access_log (2004,
 * about six months; github.com/wagaken/first-step-for-log-analysis, dataset/httpd), read from a scratch folder —
 * LBUA_HONEYNET_LOGS, else /tmp/s28/real-campaign — and skipped when it is absent (never copied into the repository).
 * Counted by hand (awk | sort | uniq -c): 82.82.97.119 sends 6,131 PROPFIND /admin$ on 2004-05-01, 1,637 in its
 * busiest minute, alone on the site; 353 hosts send Nimda's probes; 103 CodeRed's /default.ida; about 676 one 8 KB
 * SEARCH each, answered 414.
 */
import { existsSync, readdirSync } from 'node:fs';
import { json, lbua } from '../helpers/cli';

const DIR = process.env['LBUA_HONEYNET_LOGS'] ?? '/tmp/s28/real-campaign';
const present = existsSync(DIR) && readdirSync(DIR).some((f) => f.startsWith('access_log'));
const run = present ? describe : describe.skip;

interface F { detector: string; severity: string; subject: { type: string; value: string }; metrics: Record<string, number | string | null> }

run('a honeynet\'s six months of Apache logs', () => {
  const report = present ? (json(lbua(['analyze', DIR, '--output', 'json'])) as { findings: F[] }) : { findings: [] };
  const campaign = (value: string): F | undefined => report.findings.find((f) => f.detector === 'campaign' && f.subject.value === value);

  it('finds the lone PROPFIND flood as a high burst', () => {
    const b = report.findings.find((f) => f.detector === 'burst' && f.subject.value === '82.82.97.119');
    expect(b?.severity).toBe('high');
    expect(b?.metrics['peak_rpm']).toBe(1637);
  });

  it('reports the worm waves as campaigns with their address counts, the Nimda hosts folded in', () => {
    expect(campaign('exploit Nimda')?.metrics).toMatchObject({ addresses: 353 });
    expect(Number(campaign('exploit Nimda')?.metrics['scanner_findings_folded'])).toBeGreaterThan(300);
    expect(campaign('exploit CodeRed')?.metrics).toMatchObject({ addresses: 103 });
    expect(Number(campaign('SEARCH /… 4xx')?.metrics['addresses'])).toBeGreaterThan(600);
    expect(report.findings.filter((f) => f.detector === 'scanner' && f.subject.type === 'ip').length).toBeLessThan(20);
  });
});
