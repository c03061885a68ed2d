/** The package version, read once from package.json. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** lbua's version string. */
export const VERSION: string = readVersion();

function readVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // fall through
  }
  return '0.0.0';
}
