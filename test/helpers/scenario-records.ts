/**
 * The records of a generated incident scenario, parsed and enriched as a run does (ALB format, bundled geo data),
 * with the sessions a one-pass stitcher closes: input for tests that count a run in parts and merge the parts.
 */
import { getFormat } from '../../src/formats/registry';
import { createEnricher } from '../../src/enrich/index';
import { openGeo } from '../../src/enrich/geo/index';
import { createStitcher } from '../../src/sessions/stitcher';
import type { EnrichedRecord } from '../../src/enrich/types';
import type { Session } from '../../src/sessions/types';
import { readTextLines } from './parse-file';

/** Enriched records of `path` (an ALB log) named `file`, and every session stitched from them (30 minutes, ip+ua). */
export async function scenarioRecords(path: string, file: string): Promise<{ records: EnrichedRecord[]; sessions: Session[] }> {
  const alb = getFormat('alb');
  if (alb === undefined) throw new Error('no alb format');
  const enrich = createEnricher({ routes: { patterns: [] }, geo: await openGeo({ geoipPath: null, asnPath: null, noBundled: false }) });
  const stitcher = createStitcher({ timeoutMs: 30 * 60_000, key: 'ip+ua', maxOpen: 200_000 });
  const records: EnrichedRecord[] = [];
  const sessions: Session[] = [];
  readTextLines(path).forEach((line, i) => {
    const p = alb.parse(line, { source: { file, line: i + 1 }, strict: false });
    if (p.kind !== 'record') return;
    const e = enrich(p.record);
    records.push(e);
    sessions.push(...stitcher.push(e));
  });
  sessions.push(...stitcher.flush());
  return { records, sessions };
}
