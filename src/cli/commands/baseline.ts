/**
 * `lbua baseline build|merge|update`: a learned baseline (`lbua.baseline/1`, aggregate/baseline.ts) from days or weeks
 * of logs, read through the same pipeline as `lbua profile` (inputs → parse → enrich → sessions), and judged against
 * by `lbua analyze --baseline`. Days are kept apart, so `merge` of baselines of single days, `update` with a new day
 * and `build` over all of them give the same bytes; `--keep-days N` (default 28) keeps the N latest days. `update`
 * replaces the days its new logs hold (a job run twice counts its day once); `merge` sums them (parts of one day).
 * Sessions are stitched within a day (the stitcher is flushed when the records reach a new UTC day), so a day's
 * sessions are the same whether the day was read alone or with its neighbours.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { fail } from '../../core/types';
import { CapLog } from '../../core/capped';
import { createEnricher } from '../../enrich/index';
import { errCode } from '../../input/expand';
import { runInputs } from '../../pipeline';
import type { GeoLookup } from '../../enrich/geo/index';
import { createStitcher } from '../../sessions/stitcher';
import { Baseline, checkBaseline, type BaselineSettings } from '../../aggregate/baseline';
import { withOut } from '../output';
import { parsePositiveInt } from '../options';
import { addReadOptions, type RawReadOptions } from './common';
import { openReading } from './reading';
import { addBehaviourOptions, behaviourOptions, type RawBehaviourOptions } from './behaviour-options';
import { addGeoOptions, geoFromOptions, type RawGeoOptions } from './geo-options';

interface RawBaselineOptions extends RawReadOptions, RawBehaviourOptions, RawGeoOptions {
  readonly out?: string;
  readonly keepDays?: string;
}

/** Days a baseline keeps unless told otherwise. */
export const DEFAULT_KEEP_DAYS = 28;

/** Adds the command and its subcommands. */
export function registerBaseline(program: Command, setExit: (code: number) => void): void {
  const cmd = program.command('baseline').description('learn normal traffic from days of logs (build, merge, update) for analyze --baseline');
  const keep = (c: Command): Command => c.option('--keep-days <n>', `keep the N latest days (default ${DEFAULT_KEEP_DAYS})`);
  const build = cmd.command('build').description('learn a baseline from logs (one or many days)').argument('<inputs...>', 'files, directories, glob patterns, or - for stdin');
  keep(addGeoOptions(addBehaviourOptions(addReadOptions(build)))).option('-o, --out <file>', 'write to a file (.gz: gzipped) instead of stdout')
    .action(async (args: string[], raw: RawBaselineOptions) => {
      const keepDays = parsePositiveInt('keep-days', raw.keepDays, DEFAULT_KEEP_DAYS);
      const b = behaviourOptions(raw);
      const geo = await geoFromOptions(raw);
      const learned = await learn(args, raw, { geo: geo !== null, routes: b.routes }, geo, setExit);
      learned.keepDays(keepDays);
      await write(raw.out ?? null, learned);
    });
  keep(cmd.command('merge').description('merge saved baselines (days held by several are summed)').argument('<files...>', 'baseline JSON files (.json or .json.gz)'))
    .option('-o, --out <file>', 'write to a file (.gz: gzipped) instead of stdout')
    .action(async (files: string[], raw: RawBaselineOptions) => {
      const keepDays = parsePositiveInt('keep-days', raw.keepDays, DEFAULT_KEEP_DAYS);
      const [first, ...rest] = files.map((f) => ({ path: f, b: readBaseline(f) }));
      if (first === undefined) fail('OPTION_INVALID', 'no baselines to merge');
      for (const r of rest) {
        const diff = settingsDifference(first.b.settings, r.b.settings);
        if (diff !== null) fail('OPTION_INVALID', `${r.path}: made with other settings than ${first.path} (${diff}): baselines merge only when made alike`);
        first.b.merge(r.b);
      }
      first.b.keepDays(keepDays);
      await write(raw.out ?? null, first.b);
    });
  const update = cmd.command('update').description('fold new logs into a saved baseline, keeping the N latest days (a nightly job)')
    .argument('<baseline>', 'the baseline file (rewritten unless -o)').argument('<inputs...>', 'the new logs');
  keep(addGeoOptions(addBehaviourOptions(addReadOptions(update)))).option('-o, --out <file>', 'write here instead of over the baseline file')
    .action(async (file: string, args: string[], raw: RawBaselineOptions) => {
      const keepDays = parsePositiveInt('keep-days', raw.keepDays, DEFAULT_KEEP_DAYS);
      const saved = readBaseline(file);
      const geo = await geoFromOptions(raw);
      const b = behaviourOptions(raw);
      const diff = settingsDifference(saved.settings, { geo: geo !== null, routes: b.routes });
      if (diff !== null) fail('OPTION_INVALID', `${file}: made with other settings than this run (${diff}): give the same --route patterns and geo options`);
      const learned = await learn(args, raw, saved.settings, geo, setExit);
      // A day the new logs hold replaces the saved one: a nightly job run twice does not count its night twice.
      saved.dropDays(learned.days.keys());
      saved.merge(learned);
      saved.keepDays(keepDays);
      await write(raw.out ?? file, saved);
    });
}

/** Reads logs into a baseline. */
async function learn(args: readonly string[], raw: RawBaselineOptions, settings: BaselineSettings, geo: GeoLookup | null, setExit: (code: number) => void): Promise<Baseline> {
  const { options, behaviour: b, diags, detected, inputs, limits, strictFailed } = await openReading(args, raw);
  const enrich = createEnricher({ routes: { patterns: b.routes }, geo, limits, caps: new CapLog() });
  const stitcher = createStitcher({ timeoutMs: b.sessionTimeoutMs, key: b.sessionKey, maxOpen: limits.openSessions });
  const baseline = new Baseline(settings);
  let day = Number.NaN;
  let records = 0;
  const summaries = await runInputs(inputs, options, {
    record: (r) => {
      const e = enrich(r);
      const d = Math.floor(e.startMs / 86_400_000);
      // A new UTC day closes the sessions of the last one: a day's sessions do not depend on its neighbours being read.
      if (Number.isNaN(day)) day = d;
      else if (d > day) {
        for (const s of stitcher.flush()) baseline.addSession(s);
        day = d;
      }
      baseline.add(e);
      records++;
      for (const s of stitcher.push(e)) baseline.addSession(s);
    },
    diagnostic: (d) => diags.add(d),
  }, detected);
  for (const s of stitcher.flush()) baseline.addSession(s);
  if (enrich.routes.guard.anyCollapsed) baseline.rekey((k) => enrich.routes.finalEndpoint(k));
  if (records === 0) fail('INPUT_NO_RECORDS', 'no record: nothing to learn a baseline from');
  if (strictFailed(summaries)) setExit(2);
  return baseline;
}

/** Writes a baseline: JSON on one line, gzipped when the file name ends in .gz. */
async function write(file: string | null, b: Baseline): Promise<void> {
  const text = `${JSON.stringify(b.toJSON())}\n`;
  await withOut(file, (out) => out.write(file !== null && file.endsWith('.gz') ? gzipSync(text, { level: 9 }) : text));
}

/** Reads a saved baseline (gzipped or not); a file that is not one is a one-line error (exit 2). */
export function readBaseline(path: string): Baseline {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    fail('INPUT_UNREADABLE', `${path}: cannot read the baseline (${errCode(e)})`);
  }
  let parsed: unknown;
  try {
    const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
    parsed = JSON.parse(text);
  } catch {
    fail('INPUT_UNREADABLE', `${path}: not a baseline (not JSON, nor gzipped JSON)`);
  }
  const checked = checkBaseline(parsed);
  if (typeof checked === 'string') fail('INPUT_UNREADABLE', `${path}: not a usable baseline (${checked}); lbua baseline build makes one`);
  if (checked.days.length === 0) fail('INPUT_UNREADABLE', `${path}: the baseline holds no day`);
  return Baseline.fromJSON(checked);
}

/** The first setting two baselines differ in ("geo: true vs false"), or null. */
export function settingsDifference(a: BaselineSettings, b: BaselineSettings): string | null {
  if (a.geo !== b.geo) return `geo data: ${a.geo ? 'loaded' : 'none'} vs ${b.geo ? 'loaded' : 'none'}`;
  if (JSON.stringify(a.routes) !== JSON.stringify(b.routes)) return `route patterns: ${JSON.stringify(a.routes)} vs ${JSON.stringify(b.routes)}`;
  return null;
}
