/**
 * Detector state: a detector that counts into an aggregate exposes it (`state`), so a run sharded by data can be
 * judged on the main thread. Two detectors count the two halves of the incident scenario, a third (created with the
 * same options, counting nothing) merges their states as JSON in input order and judges: it must find exactly what
 * one detector over every record finds. Sessions (client-mix reads them) go to the half their first request is in:
 * joining sessions across shards is other work.
 */
import { DETECTORS } from '../../src/detect/registry';
import type { Detector, DetectorOptions } from '../../src/detect/types';
import { evidenceOrder } from '../../src/aggregate/types';
import { Baseline } from '../../src/aggregate/baseline';
import { CapLog } from '../../src/core/capped';
import { DEFAULT_LIMITS } from '../../src/core/limits';
import type { EnrichedRecord } from '../../src/enrich/types';
import type { Session } from '../../src/sessions/types';
import { generatedLog } from '../helpers/generated';
import { scenarioRecords } from '../helpers/scenario-records';

/** burst judges minutes as they close and looping-session judges sessions as they close: other work makes them mergeable. */
const STREAMING = ['burst', 'looping-session'];
/** release-impact judges only around --change-at (none here): its sharded run is tested in test/e2e/change-at.test.ts. */
const CHANGE_ONLY = ['release-impact'];
const MERGEABLE = Object.keys(DETECTORS).filter((id) => !STREAMING.includes(id) && !CHANGE_ONLY.includes(id));

/** history judges against a learned baseline: three earlier days holding every other request of the scenario. */
let learned: Baseline | null = null;

function create(id: string): Detector {
  const def = DETECTORS[id];
  if (def === undefined) throw new Error(id);
  return def.create({ ...def.defaultOptions } as DetectorOptions, { evidenceLimit: 5, geo: true, limits: DEFAULT_LIMITS, caps: new CapLog(), baseline: learned });
}

function count(id: string, records: readonly EnrichedRecord[], sessions: readonly Session[]): Detector {
  const d = create(id);
  for (const r of records) d.observe?.(r);
  for (const s of sessions) d.observeSession?.(s);
  return d;
}

describe('detector state merges across shards', () => {
  const log = generatedLog(['-n', '30000', '--hours', '3', '--seed', '4', '--incident', 'all'], '.log.gz');
  let records: EnrichedRecord[] = [];
  let sessions: Session[] = [];
  beforeAll(async () => {
    ({ records, sessions } = await scenarioRecords(log.path, 'inc.log'));
    learned = new Baseline({ geo: true, routes: [] });
    for (let k = 1; k <= 3; k++) {
      records.forEach((r, i) => {
        if (i % 2 === 0) learned?.add(Object.create(r, { startMs: { value: r.startMs - k * 86_400_000 } }) as EnrichedRecord);
      });
    }
  }, 120_000);

  it('exposes the state of every detector but the streaming ones', () => {
    for (const id of Object.keys(DETECTORS)) expect([id, create(id).state !== undefined]).toEqual([id, !STREAMING.includes(id)]);
  });

  it.each(MERGEABLE)('%s: two halves merged on a fresh detector find what one pass finds', (id) => {
    const cut = Math.floor(records.length * 0.55);
    const cutMs = records[cut]?.startMs ?? 0;
    const firstSessions = sessions.filter((s) => s.startMs < cutMs);
    const laterSessions = sessions.filter((s) => s.startMs >= cutMs);
    const whole = count(id, records, sessions).finish();
    const parts = [count(id, records.slice(0, cut), firstSessions), count(id, records.slice(cut), laterSessions)];
    const main = create(id);
    // What a worker posts: plain JSON (a structured clone of it is the same value).
    for (const p of parts) main.state?.merge(JSON.parse(JSON.stringify(p.state?.toJSON())), evidenceOrder(['inc.log']));
    const merged = main.finish();
    expect(merged).toEqual(whole);
    // The scenario injects an incident for each of these detectors: the comparison is not between empty lists.
    expect(whole.length).toBeGreaterThan(0);
  });
});
