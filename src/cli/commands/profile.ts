/**
 * `lbua profile`: the run's aggregate state (`lbua.profile/2`, see profile-state.ts: the behaviour profile, traffic,
 * timeline, geo view, session summary and detector states) as JSON, for baselines; `--merge` combines saved ones
 * (`lbua.profile/1` files too: their behaviour profiles, written as `lbua.profile/1`).
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { fail } from '../../core/types';
import { terminalSafeJson } from '../../core/text';
import { capDiagnostic } from '../../diagnostics';
import { CapLog } from '../../core/capped';
import { limitsFromEnv } from '../../core/limits';
import { createEnricher } from '../../enrich/index';
import { errCode } from '../../input/expand';
import { runInputs } from '../../pipeline';
import { mergeProfiles, type ProfileJson } from '../../profile/behaviour';
import { createStitcher } from '../../sessions/stitcher';
import { validateSelection } from '../../detect/stage';
import { withOut } from '../output';
import { evidenceOrder } from '../../aggregate/types';
import { addReadOptions, type RawReadOptions } from './common';
import { openReading } from './reading';
import { addBehaviourOptions, type RawBehaviourOptions } from './behaviour-options';
import { addGeoOptions, geoFromOptions, type RawGeoOptions } from './geo-options';
import { createRunState, mergeRunStates, RUN_STATE_FIELDS, type RunStateJson } from './profile-state';
import { collectList, detectorSelection } from './analyze';

interface RawProfileOptions extends RawReadOptions, RawBehaviourOptions, RawGeoOptions {
  readonly out?: string;
  readonly merge?: boolean;
  readonly detectors?: string;
  /** commander files `--no-detector <id>` values under `detector`. */
  readonly detector?: boolean | string[];
  readonly detectorOpt?: string[];
  readonly evidenceLimit?: string;
}

/** Adds the command. */
export function registerProfile(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('profile')
    .description('save the run\'s mergeable state as JSON: behaviour profile, traffic, timeline, regions, sessions, detector states')
    .argument('<inputs...>', 'log inputs; with --merge: saved profile JSON files');
  addGeoOptions(addBehaviourOptions(addReadOptions(cmd)))
    .option('--merge', 'merge saved profiles (lbua.profile/2 or /1 JSON files, in input order) instead of reading logs')
    .option('--detectors <ids>', 'count only these detectors (comma-separated, or "none")')
    .option('--no-detector <id>', 'leave a detector out (repeatable)', collectList)
    .option('--detector-opt <id.key=value>', 'override a detector option (repeatable)', collectList)
    .option('--evidence-limit <n>', 'evidence lines kept per finding (default 5)')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .action(async (args: string[], raw: RawProfileOptions) => {
      const selection = raw.merge === true ? null : detectorSelection(raw);
      if (selection) validateSelection(selection);
      await withOut(raw.out ?? null, async (out) => {
        if (raw.merge === true) {
          out.write(profileText(mergeFiles(args)));
          return;
        }
        const { options, behaviour: b, diags, detected, inputs, limits, strictFailed } = await openReading(args, raw);
        const caps = new CapLog();
        const geo = await geoFromOptions(raw);
        const enrich = createEnricher({ routes: { patterns: b.routes }, geo, limits, caps });
        const stitcher = createStitcher({ timeoutMs: b.sessionTimeoutMs, key: b.sessionKey, maxOpen: limits.openSessions });
        caps.watch(() => stitcher.capNote());
        const settings = {
          session_timeout_minutes: b.sessionTimeoutMs / 60_000, session_key: b.sessionKey, evidence_limit: selection?.evidenceLimit ?? 5,
          geo: geo === null ? null : geo.info(), routes: b.routes,
        };
        const state = createRunState({ settings, detectors: selection, limits, caps });
        const summaries = await runInputs(inputs, options, {
          record: (r) => {
            const e = enrich(r);
            state.record(e);
            for (const s of stitcher.push(e)) state.session(s);
          },
          diagnostic: (d) => diags.add(d),
        }, detected);
        for (const s of stitcher.flush()) state.session(s);
        // A position the route guard collapsed during the run counts every request under it (as analyze does).
        const paths = inputs.map((i) => (i.stdin ? '<stdin>' : i.path));
        if (enrich.routes.guard.anyCollapsed) state.rekey((k) => enrich.routes.finalEndpoint(k), evidenceOrder(paths));
        for (const message of caps.notes()) diags.add(capDiagnostic(message));
        const stitching = { late_records: stitcher.stats.late, forced_closes: stitcher.stats.forced, peak_open: stitcher.stats.peakOpen };
        const json = state.toJSON(paths, stitching, enrich.routes.toJSON());
        out.write(profileText(json));
        if (strictFailed(summaries)) setExit(2);
      });
    });
}

/** A profile as text: `lbua.profile/2` on one line (megabytes of counts and sketches), `lbua.profile/1` indented as before. */
function profileText(p: RunStateJson | ProfileJson): string {
  return `${terminalSafeJson(p.schema === 'lbua.profile/2' ? JSON.stringify(p) : JSON.stringify(p, null, 2))}\n`;
}

/**
 * Merges saved profiles in the order given: all `lbua.profile/2` → the merged run state; any `lbua.profile/1` among
 * them → their behaviour profiles merged, as `lbua.profile/1` (a /1 file holds nothing else).
 */
function mergeFiles(paths: readonly string[]): RunStateJson | ProfileJson {
  const files = paths.map((path) => ({ path, json: readProfile(path) }));
  const v2 = files.filter((f): f is { path: string; json: RunStateJson } => f.json.schema === 'lbua.profile/2');
  if (v2.length === files.length) return mergeRunStates(v2, limitsFromEnv());
  return mergeProfiles(files.map((f) => ({ ...f.json, schema: 'lbua.profile/1' })));
}

function readProfile(path: string): ProfileJson | RunStateJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    fail('INPUT_UNREADABLE', `${path}: not a readable JSON file (${errCode(e)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || !('schema' in parsed) || (parsed.schema !== 'lbua.profile/1' && parsed.schema !== 'lbua.profile/2')) {
    fail('INPUT_UNREADABLE', `${path}: not an lbua profile (schema lbua.profile/2 or /1)`);
  }
  const missing = parsed.schema === 'lbua.profile/2' ? RUN_STATE_FIELDS.find((k) => !(k in parsed)) : undefined;
  if (missing !== undefined) fail('INPUT_UNREADABLE', `${path}: not a whole lbua.profile/2 (no ${missing})`);
  return parsed as ProfileJson | RunStateJson;
}
