/**
 * `lbua analyze` on the corpus's real logs (../shared/corpus, read in place; skipped when absent): what a public web
 * server's ordinary days give. The 10,000-line Apache log (May 2015) holds the internet's usual background of
 * WordPress and CMS-admin probes from some 30 addresses, one to three requests each, all answered 404, and real
 * pages under /scripts/backup/ answered 200. Nothing there calls for action.
 */
import { join } from 'node:path';
import { CORPUS } from '../helpers/corpus';
import { json, lbua } from '../helpers/cli';
import type { ReportFinding } from '../../src/report/types';

const run = CORPUS === null ? describe.skip : describe;

run('findings on the corpus', () => {
  const findings = (file: string): ReportFinding[] => {
    const r = lbua(['analyze', join(CORPUS ?? '', file), '--output', 'json']);
    expect(r.code).toBe(0);
    return (json(r) as { findings: ReportFinding[] }).findings;
  };

  it('the Apache log: the probes as one low background finding, no scanner per address, no exposure, nothing medium or worse', () => {
    const fs = findings('large/elastic-examples__apache_logs.log');
    expect(fs.filter((f) => ['critical', 'high', 'medium'].includes(f.severity))).toEqual([]);
    const scanner = fs.filter((f) => f.detector === 'scanner');
    expect(scanner.map((f) => [f.severity, f.subject.type, f.subject.value])).toEqual([['low', 'global', 'probes']]);
    expect(scanner[0]?.metrics['addresses']).toBeGreaterThanOrEqual(30);
    expect(scanner[0]?.title).toContain('/wp-login.php');
  });

  it('the other large logs: no scanner finding', () => {
    for (const f of ['large/lnav__logfile_shop_access_log.0.log', 'large/lnav__playground_access_log.gz']) {
      expect(findings(f).filter((x) => x.detector === 'scanner')).toEqual([]);
    }
  });
});
