/** `lbua profile`: a mergeable behaviour profile (counts and sketches) as JSON, for baselines; `--merge` combines saved ones. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { fail, formatDiagnostic } from '../../core/types';
import { stripControl, terminalSafeJson } from '../../core/text';
import { capDiagnostic, DiagnosticLog } from '../../diagnostics';
import { CapLog } from '../../core/capped';
import { limitsFromEnv } from '../../core/limits';
import { createEnricher } from '../../enrich/index';
import { errCode } from '../../input/expand';
import { orderInputsByTime, runInputs, type DetectedFormats } from '../../pipeline';
import { BehaviourProfile, mergeProfiles, type ProfileJson } from '../../profile/behaviour';
import { createStitcher } from '../../sessions/stitcher';
import { withOut } from '../output';
import { addReadOptions, readOptions, selectInputs, type RawReadOptions } from './common';
import { addBehaviourOptions, behaviourOptions, type RawBehaviourOptions } from './behaviour-options';
import { addGeoOptions, geoFromOptions, type RawGeoOptions } from './geo-options';

interface RawProfileOptions extends RawReadOptions, RawBehaviourOptions, RawGeoOptions {
  readonly out?: string;
  readonly merge?: boolean;
}

/** Adds the command. */
export function registerProfile(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('profile')
    .description('build a behaviour profile (per endpoint, client class, agent family, protocol/TLS mix) as JSON')
    .argument('<inputs...>', 'log inputs; with --merge: saved profile JSON files');
  addGeoOptions(addBehaviourOptions(addReadOptions(cmd)))
    .option('--merge', 'merge saved profiles (lbua.profile/1 JSON files) instead of reading logs')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .action(async (args: string[], raw: RawProfileOptions) => {
      await withOut(raw.out ?? null, async (out) => {
        if (raw.merge === true) {
          out.write(`${terminalSafeJson(JSON.stringify(mergeProfiles(args.map(readProfile)), null, 2))}\n`);
          return;
        }
        const options = readOptions(raw);
        const b = behaviourOptions(raw);
        const diags = new DiagnosticLog(20, (d) => process.stderr.write(`${stripControl(formatDiagnostic(d))}\n`));
        const detected: DetectedFormats = new Map();
        const selected = selectInputs(args, options, diags);
        const inputs = await orderInputsByTime(selected.inputs, options, detected);
        const limits = limitsFromEnv();
        const caps = new CapLog();
        const enrich = createEnricher({ routes: { patterns: b.routes }, geo: await geoFromOptions(raw), limits, caps });
        const stitcher = createStitcher({ timeoutMs: b.sessionTimeoutMs, key: b.sessionKey, maxOpen: limits.openSessions });
        caps.watch(() => stitcher.capNote());
        const profile = new BehaviourProfile(undefined, limits.families);
        caps.watch(() => profile.capNote());
        const summaries = await runInputs(inputs, options, {
          record: (r) => {
            const e = enrich(r);
            profile.observe(e);
            for (const s of stitcher.push(e)) profile.observeSession(s);
          },
          diagnostic: (d) => diags.add(d),
        }, detected);
        for (const s of stitcher.flush()) profile.observeSession(s);
        for (const message of caps.notes()) diags.add(capDiagnostic(message));
        out.write(`${terminalSafeJson(JSON.stringify(profile.toJSON(), null, 2))}\n`);
        if (options.strict && (selected.unreadable || summaries.some((s) => s.malformed > 0 || s.damaged))) setExit(2);
      });
    });
}

function readProfile(path: string): ProfileJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    fail('INPUT_UNREADABLE', `${path}: not a readable JSON file (${errCode(e)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || !('schema' in parsed) || parsed.schema !== 'lbua.profile/1') {
    fail('INPUT_UNREADABLE', `${path}: not an lbua profile (schema lbua.profile/1)`);
  }
  return parsed as ProfileJson;
}
