/** Generated scenarios for end-to-end tests: a log with every incident injected, its clean twin, and what to find. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lbua } from './cli';
import type { Expected } from '../../src/generate/incidents';
import type { ReportFinding } from '../../src/report/types';

export type { Expected };
export { findsIncident } from '../../src/generate/incidents';

/** A finding as the tests read it from `--output json`. */
export type Finding = Pick<ReportFinding, 'detector' | 'severity' | 'subject' | 'window' | 'title' | 'actions' | 'evidence'>;

/** The two generated logs (`lbua generate ARGS`, with and without `--incident all`), the generators' exit codes and the expected incidents. */
export interface Scenario {
  readonly incidentsLog: string;
  readonly cleanLog: string;
  readonly codes: readonly (number | null)[];
  readonly expected: Expected[];
}

export function generateScenario(args: readonly string[]): Scenario {
  const tmp = mkdtempSync(join(tmpdir(), 'lbua-e2e-'));
  const incidentsLog = join(tmp, 'incidents.log.gz');
  const cleanLog = join(tmp, 'clean.log.gz');
  const expectedFile = join(tmp, 'expected.json');
  const g1 = lbua(['generate', ...args, '--incident', 'all', '--expected', expectedFile, '-o', incidentsLog]);
  const g2 = lbua(['generate', ...args, '-o', cleanLog]);
  return { incidentsLog, cleanLog, codes: [g1.code, g2.code], expected: JSON.parse(readFileSync(expectedFile, 'utf8')) as Expected[] };
}
