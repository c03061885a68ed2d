/**
 * The live engine on a generated incident log read at full speed, judged every closed minute, and checkpointed and
 * restored mid-log (through JSON text, as --state does): its last judgment gives the batch report's findings (the
 * log fits in the window), and every injected incident is emitted once across the restart, under the batch id,
 * within a few minutes of log time of its start.
 */
import { readFileSync } from 'node:fs';
import { analyze, reportFindings, withContextDetectors, type AnalyzeOptions } from '../../src/analysis';
import { expandInputs } from '../../src/input/expand';
import { runInputs } from '../../src/pipeline';
import { LiveEngine, LIVE_DEFAULTS, type LiveEngineJson } from '../../src/live/engine';
import type { IncidentChange } from '../../src/live/incidents';
import type { ReportFinding } from '../../src/core/report-types';
import { generatedLog } from '../helpers/generated';

const OPTIONS: AnalyzeOptions = withContextDetectors({
  format: 'auto', strict: false, maxLineLength: 65_536, from: null, to: null, top: 10, maxWarnings: 20, jobs: 1,
  detectors: { only: null, disabled: [], overrides: {}, evidenceLimit: 5 },
});

interface Emitted { readonly change: IncidentChange; readonly watermarkMs: number }

/** Reads `path` into a live engine (restored from `saved` after `stopAt` records when given), judging each closed minute. */
async function replay(path: string, stopAt?: number): Promise<{ emitted: Emitted[]; last: readonly ReportFinding[] }> {
  const make = (saved?: LiveEngineJson): LiveEngine => new LiveEngine({ ...LIVE_DEFAULTS, analyze: OPTIONS, findingsOf: (r) => reportFindings(r, [], OPTIONS) }, saved);
  let engine = make();
  const emitted: Emitted[] = [];
  let last: readonly ReportFinding[] = [];
  let n = 0;
  const judge = (): void => {
    const out = engine.judge();
    if (out === null) return;
    last = out.findings;
    for (const change of out.changes) emitted.push({ change, watermarkMs: out.watermarkMs });
  };
  await runInputs(expandInputs([path]).inputs, OPTIONS, {
    record: (r) => {
      engine.record(r);
      if (++n === stopAt) {
        // A checkpoint and a restart: the open minute is closed, the state goes through JSON text.
        engine.closeOpen();
        judge();
        engine = make(JSON.parse(JSON.stringify(engine.toJSON())) as LiveEngineJson);
      }
      judge();
    },
    diagnostic: () => undefined,
  });
  const end = engine.finish();
  if (end !== null) {
    last = end.findings.length > 0 ? end.findings : last;
    for (const change of end.changes) emitted.push({ change, watermarkMs: end.watermarkMs });
  }
  return { emitted, last };
}

describe('live engine', () => {
  const log = generatedLog(['--hours', '1', '-n', '2500', '--seed', '7', '--incident', 'all'], '.log', true);
  let batch: readonly ReportFinding[] = [];
  let straight: Awaited<ReturnType<typeof replay>>;

  beforeAll(async () => {
    batch = (await analyze(expandInputs([log.path]).inputs, OPTIONS)).report.findings;
    // One replay, checkpointed and restored mid-log (through JSON text): what follows holds across the restart.
    straight = await replay(log.path, 20_000);
  }, 300_000);

  it('judges the whole log as the batch run does (the log fits in the window)', () => {
    const strip = (fs: readonly ReportFinding[]): unknown[] => fs.map((f) => ({ ...f, evidence: f.evidence.map((e) => ({ file: e.file, line: e.line })) }));
    expect(batch.length).toBeGreaterThan(8);
    expect(strip(straight.last)).toEqual(strip(batch));
  });

  it('emits each batch finding once, under the batch id, and ends every incident closed', () => {
    const first = straight.emitted.filter((e) => e.change.kind === 'finding');
    const ids = first.map((e) => e.change.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const f of batch) expect(ids).toContain(f.id);
    for (const id of ids) {
      const kinds = straight.emitted.filter((e) => e.change.id === id).map((e) => (e.change.kind === 'update' && e.change.reopened ? 'reopened' : e.change.kind));
      // finding, its updates, closed; a pause longer than the close delay closes it and a later growth reopens it.
      expect({ id, kinds: kinds.join(' ') }).toEqual({ id, kinds: expect.stringMatching(/^finding( update)*( closed reopened( update)*)* closed$/) as unknown });
    }
    expect(straight.emitted.filter((e) => e.change.kind === 'update').length).toBeGreaterThan(0);
  });

  it('emits each injected incident within minutes of log time of its start', () => {
    // The injected incidents the batch run finds in this hour (without geo data, regional-creep cannot be).
    const expected = (JSON.parse(readFileSync(log.expected ?? '', 'utf8')) as { detector: string; subject: string | null; startMs: number }[])
      .filter((x) => batch.some((f) => f.detector === x.detector && f.subject.value === x.subject));
    expect(expected.length).toBeGreaterThanOrEqual(10);
    for (const x of expected) {
      const hit = straight.emitted.find((e) => e.change.kind === 'finding' && e.change.finding.detector === x.detector && e.change.finding.subject.value === x.subject);
      expect({ incident: x.subject, found: hit !== undefined }).toEqual({ incident: x.subject, found: true });
      if (hit === undefined) continue;
      // Judged each closed minute, a finding about minutes (a burst, an error spike, a scan) comes out with the
      // first minute that shows it; one about a share or a pace over the whole run (client-mix, api-abuse's slow
      // pace) once enough of the run shows it.
      const delayMin = (hit.watermarkMs - Math.max(x.startMs, Date.parse(hit.change.finding.window.start))) / 60_000;
      const promised = ['burst', 'error-spike', 'scanner'].includes(x.detector) ? 2 : 60;
      expect({ incident: x.subject, delayMin: delayMin <= promised }).toEqual({ incident: x.subject, delayMin: true });
    }
  });
});
