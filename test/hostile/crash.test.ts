/**
 * A crash is not an alert (issue 16): an unexpected error exits 3 with one line on stderr (the stack only with
 * LBUA_DEBUG=1), never 1 (findings at or above --fail-on) or a bare stack trace; option values that name
 * inherited object properties are usage errors (2).
 */
import { join } from 'node:path';
import { BIN, lbua, ROOT } from '../helpers/cli';

const SAMPLE = join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz');

describe('unexpected errors', () => {
  it.each(['sync', 'async'])('a %s crash exits 3 with one line, control characters stripped', (mode) => {
    const r = lbua(['formats'], { env: { LBUA_TEST_CRASH: mode } });
    expect(r.code).toBe(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^lbua: internal error: (TypeError|RangeError): crash requested by LBUA_TEST_CRASH.*LBUA_DEBUG=1/);
    expect(r.stderr).not.toMatch(/\u001b/);
  });

  it('LBUA_DEBUG=1 adds the stack', () => {
    const r = lbua(['formats'], { env: { LBUA_TEST_CRASH: 'sync', LBUA_DEBUG: '1' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/\n\s+at crashForTests/);
  });
});

describe('option values naming inherited properties', () => {
  it.each([
    ['--detector-opt', '__proto__.x=1'], ['--detector-opt', 'constructor.x=1'], ['--detector-opt', 'burst.constructor=1'],
    ['--detector-opt', 'burst.__proto__=1'], ['--detectors', '__proto__'], ['--no-detector', 'toString'], ['--format', '__proto__'],
    ['--format', 'constructor'],
  ])('%s %s is a usage error (exit 2, one line)', (opt, value) => {
    const r = lbua(['analyze', '--output', 'json', opt, value, SAMPLE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lbua: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('help, version and diagnostics to an output that fails', () => {
  const full = require('node:fs').existsSync('/dev/full') as boolean;
  (full ? it : it.skip).each([['-V'], ['--help'], ['analyze', '--help']])('lbua %s > /dev/full is exit 2 with one line', (...args) => {
    const r = require('node:child_process').spawnSync('bash', ['-c', `node "${BIN}" ${args.join(' ')} > /dev/full`], { encoding: 'utf8' }) as { status: number; stderr: string };
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^lbua: <stdout>: cannot write \(ENOSPC\)$/);
  });

  it('diagnostics to a reader that went away are dropped quietly (2>&1 >/dev/null | head -0)', () => {
    const r = require('node:child_process').spawnSync('bash', ['-c', `node "${BIN}" records "${join(ROOT, 'fixtures', 'formats', 'clf', 'malformed.log')}" 2>&1 >/dev/null | head -0; echo "status \${PIPESTATUS[0]}"`], { encoding: 'utf8' }) as { stdout: string };
    expect(r.stdout.trim()).toBe('status 0');
  });
});
