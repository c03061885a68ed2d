// @ts-check
/**
 * jest testSequencer: the longest test files start first, so that two workers end together instead of one running
 * the end-to-end file alone at the end. jest's own order does that from the durations it cached on an earlier run;
 * on a fresh clone (CI) there are none and it falls back to file size, which put test/e2e/incidents.test.ts, the
 * longest file, among the last. On a fresh clone this orders the files known to be long by the time they take
 * (seconds on two cores: a fresh-clone run of 2026-12-07, scaled for the files whose spawns were cut since by what
 * they lost in back-to-back runs); with durations cached, jest's own order stands.
 */
const Sequencer = require('@jest/test-sequencer').default;
const { relative, sep } = require('node:path');

/** @type {Readonly<Record<string, number>>} */
const KNOWN_SECONDS = {
  'test/e2e/incidents.test.ts': 26,
  'test/engine/clickhouse.test.ts': 25,
  'test/live/watch.test.ts': 22,
  'test/live/engine.test.ts': 22,
  'test/detectors/detectors.test.ts': 21,
  'test/cli/output.test.ts': 21,
  'test/input/parallel.test.ts': 20,
  'test/detectors/history.test.ts': 16,
  'test/input/merged-read.test.ts': 15,
  'test/hostile/fuzz.test.ts': 15,
  'test/e2e/day.test.ts': 14,
  'test/cli/profile-state.test.ts': 12,
  'test/report/parse.test.ts': 11,
  'test/e2e/change-at.test.ts': 11,
  'test/e2e/incident-tables.test.ts': 10,
  'test/report/html.test.ts': 10,
  'test/engine/athena.test.ts': 10,
  'test/profile/state-merge.test.ts': 10,
  'test/detectors/surge-seasonal.test.ts': 9,
  'test/sessions/stitcher.test.ts': 8,
  'test/cli/caps.test.ts': 8,
  'test/detectors/state.test.ts': 8,
  'test/report/browser.test.ts': 8,
  'test/engine/export.test.ts': 7.5,
  'test/cli/sessions.test.ts': 7,
  'test/cli/output-conventions.test.ts': 7,
  'test/cli/diff.test.ts': 7,
  'test/input/follow-dir.test.ts': 7,
  'test/detectors/rules-hostile.test.ts': 7,
  'test/cli/cli.test.ts': 6,
  'test/corpus/periods.test.ts': 6,
  'test/detectors/campaign.test.ts': 6,
  'test/e2e/nightly.test.ts': 6,
};

class HeavyFirstSequencer extends Sequencer {
  /**
   * jest's order; when jest has no duration cached for any file (a fresh clone), the known durations instead
   * (longest first; files not listed last, in jest's order).
   * @override
   * @param {import('@jest/test-result').Test[]} tests
   * @returns {Promise<import('@jest/test-result').Test[]>}
   */
  async sort(tests) {
    const sorted = await super.sort(tests);
    if (sorted.some((t) => t.duration !== undefined && t.duration !== null)) return sorted;
    /** @param {import('@jest/test-result').Test} t */
    const known = (t) => KNOWN_SECONDS[relative(t.context.config.rootDir, t.path).split(sep).join('/')] ?? 0;
    return [...sorted].sort((a, b) => known(b) - known(a));
  }
}

module.exports = HeavyFirstSequencer;
