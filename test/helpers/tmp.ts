/**
 * Temporary folders of a test file, removed after its tests: `const tempDir = tempDirs();` at the top level of the
 * file (or of a describe), then `tempDir('lbua-what-')` wherever a folder is needed, in a test or out of one. Jest
 * runs files many times a day; a folder left in /tmp per run adds up (58 lbua-blank-* folders were found).
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A maker of temporary folders, each removed (with what is in it) after the tests of the scope it was called in. */
export function tempDirs(): (prefix: string) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made.splice(0)) removeTree(d);
  });
  return (prefix) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    made.push(d);
    return d;
  };
}

/** Removes `dir`, first making its folders writable when a test left one read-only (as a user other than root). */
function removeTree(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    writable(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

function writable(dir: string): void {
  try {
    chmodSync(dir, 0o700);
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) writable(join(dir, e.name));
  } catch {
    // Gone, or not ours: rmSync says so.
  }
}
