// @ts-check
/**
 * jest testSequencer: the longest test files start first, so that two workers end together instead of one running
 * the end-to-end file alone at the end. jest's own order does that from the durations it cached on an earlier run;
 * on a fresh clone (CI) there are none and it falls back to file size, which put test/e2e/incidents.test.ts, the
 * longest file, among the last. On a fresh clone this orders the files known to be long by the time they take
 * (seconds, measured on two cores); with durations cached, jest's own order stands.
 */
const Sequencer = require('@jest/test-sequencer').default;
const { relative, sep } = require('node:path');

/** @type {Readonly<Record<string, number>>} */
const KNOWN_SECONDS = {
  'test/e2e/incidents.test.ts': 40,
  'test/cli/output.test.ts': 25,
  'test/hostile/fuzz.test.ts': 20,
  'test/report/html.test.ts': 15,
  'test/detectors/detectors.test.ts': 14,
  'test/sessions/stitcher.test.ts': 12,
  'test/e2e/day.test.ts': 12,
  'test/hostile/values.test.ts': 12,
  'test/cli/cli.test.ts': 11,
  'test/input/parallel.test.ts': 10,
  'test/report/browser.test.ts': 10,
  'test/cli/caps.test.ts': 9,
  'test/cli/sessions.test.ts': 9,
  'test/detectors/rules-hostile.test.ts': 6,
  'test/hostile/crash.test.ts': 5,
  'test/hostile/blank-flood.test.ts': 5,
  'test/input/window.test.ts': 4,
  'test/report/table.test.ts': 4,
  'test/geo/geo.test.ts': 3,
  'test/detectors/scale.test.ts': 3,
  'test/hostile/regex.test.ts': 3,
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
