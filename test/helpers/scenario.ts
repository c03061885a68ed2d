/** Generated scenarios for end-to-end tests: a log with every incident injected, its clean twin, and what to find. */
import { readFileSync } from 'node:fs';
import { generatedLog } from './generated';
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

/**
 * The scenario for ARGS, generated once per test run (test/helpers/generated.ts): the files are shared with every
 * test file that asks for the same ARGS, so they must not be changed.
 */
export function generateScenario(args: readonly string[]): Scenario {
  const incidents = generatedLog([...args, '--incident', 'all'], '.log.gz', true);
  const clean = generatedLog(args, '.log.gz');
  return {
    incidentsLog: incidents.path,
    cleanLog: clean.path,
    codes: [incidents.code, clean.code],
    expected: JSON.parse(readFileSync(incidents.expected ?? '', 'utf8')) as Expected[],
  };
}
