/** jest globalTeardown: removes the per-run folder of generated logs that globalSetup made. */
import { rmSync } from 'node:fs';
import { CACHE_ENV } from './generated';
import { OWNED_ENV } from './global-setup';

export default function globalTeardown(): void {
  const dir = process.env[CACHE_ENV];
  if (process.env[OWNED_ENV] !== '1' || dir === undefined || dir === '') return;
  rmSync(dir, { recursive: true, force: true });
  delete process.env[CACHE_ENV];
  delete process.env[OWNED_ENV];
}
