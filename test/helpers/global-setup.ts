/**
 * jest globalSetup: one folder per run for the generated logs the test files share (test/helpers/generated.ts),
 * passed to the workers in $LBUA_TEST_CACHE. A folder the caller named there already is used as it is, and kept.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE_ENV } from './generated';

export const OWNED_ENV = 'LBUA_TEST_CACHE_OWNED';

export default function globalSetup(): void {
  const given = process.env[CACHE_ENV];
  if (given !== undefined && given !== '') return;
  process.env[CACHE_ENV] = mkdtempSync(join(tmpdir(), 'lbua-test-cache-'));
  process.env[OWNED_ENV] = '1';
}
