/**
 * Turns CLI arguments into an ordered list of inputs: files, directories (walked recursively in sorted order,
 * e.g. the S3 export tree AWSLogs/<account>/elasticloadbalancing/<region>/YYYY/MM/DD/*.log.gz), glob patterns,
 * and `-` for stdin. A missing or unreadable argument throws LbuaError (exit 2).
 *
 * Links are followed, but each directory is read once (known by device and inode), so a link back up the tree
 * (`d/up -> ..`) or a second path to a directory cannot read files again or loop; each file is read once too,
 * whatever links or names reach it. What was not followed, and subdirectories that could not be read, are said
 * in one warning each (up to 5 named, and a count). The walks keep their own stack: no recursion, no spread.
 */
import { readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fail, type Diagnostic } from '../core/types';

/** One input to read. `path` is as the user gave it (or as found under a directory); "-" is stdin. */
export interface InputSpec {
  readonly path: string;
  readonly stdin: boolean;
  /**
   * Found by walking a directory rather than named or matched by a pattern: if no format parses it, it is
   * probably not a log (a manifest, a CloudTrail file in the same AWSLogs tree), so its lines count as skipped.
   */
  readonly walked?: boolean;
}

/** The inputs, and warnings about what the walks did not read. */
export interface ExpandedInputs {
  readonly inputs: InputSpec[];
  /** INPUT_LINK_LOOP (links not followed), INPUT_UNREADABLE as a warning (subdirectories that could not be read). */
  readonly diagnostics: Diagnostic[];
}

const GLOB_CHARS = /[*?[]/;
/** Paths named in a warning; the rest are counted. */
const NAMED = 5;

/** A bounded list: the first few items and a count. */
class Noted {
  readonly items: string[] = [];
  count = 0;
  add(item: string): void {
    this.count++;
    if (this.items.length < NAMED) this.items.push(item);
  }
  text(): string {
    const more = this.count - this.items.length;
    return `${this.items.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  }
}

/** State of one expansion: directories read, and what was not followed or not readable. */
interface Walk {
  readonly dirs: Set<string>;
  readonly links: Noted;
  readonly unreadable: Noted;
}

/** Expands arguments in order; each directory's files are sorted bytewise; duplicates keep their first place. */
export function expandInputs(args: readonly string[]): ExpandedInputs {
  if (args.length === 0) fail('OPTION_INVALID', 'no input given (pass files, directories, globs, or - for stdin)');
  const out: InputSpec[] = [];
  const seen = new Set<string>();
  const walk: Walk = { dirs: new Set(), links: new Noted(), unreadable: new Noted() };
  const add = (path: string, st: Stats, walked = false): void => {
    const key = fileKey(path, st);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(walked ? { path, stdin: false, walked } : { path, stdin: false });
  };
  for (const arg of args) {
    if (arg === '-') {
      out.push({ path: '-', stdin: true });
      continue;
    }
    const st = statOf(arg);
    if (!(st instanceof Error)) {
      if (st.isDirectory()) {
        const unreadableBefore = walk.unreadable.count;
        const found = walkDir(arg, st, walk, (p, s) => add(p, s, true));
        if (found === 0) {
          const unreadable = walk.unreadable.count - unreadableBefore;
          fail('INPUT_UNREADABLE', `${arg}: directory holds no files${unreadable > 0 ? `; ${unreadable} path(s) under it could not be read (${walk.unreadable.text()})` : ''}`);
        }
      } else add(arg, st);
      continue;
    }
    if (GLOB_CHARS.test(arg)) {
      const unreadableBefore = walk.unreadable.count;
      const matches = globFiles(arg, walk);
      if (matches.length === 0) {
        const also = walk.unreadable.count > unreadableBefore ? `; ${walk.unreadable.count - unreadableBefore} paths could not be read (${walk.unreadable.text()})` : '';
        fail('INPUT_UNREADABLE', `${arg}: no file matches this pattern${also}`);
      }
      for (const m of matches) add(m.path, m.stat);
      continue;
    }
    fail('INPUT_UNREADABLE', errCode(st) === 'ENOENT' ? `${arg}: no such file or directory` : `${arg}: cannot read (${errCode(st)})`);
  }
  return { inputs: out, diagnostics: walkDiagnostics(walk) };
}

function walkDiagnostics(walk: Walk): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (walk.links.count > 0) {
    out.push({
      code: 'INPUT_LINK_LOOP', severity: 'warning', source: null,
      message: `${walk.links.count} link(s) not followed: each leads to a directory above it or already read (a loop, or a second path to the same files): ${walk.links.text()}`,
    });
  }
  if (walk.unreadable.count > 0) {
    out.push({
      code: 'INPUT_UNREADABLE', severity: 'warning', source: null,
      message: `${walk.unreadable.count} path(s) under the inputs could not be read; the files in them are not analyzed: ${walk.unreadable.text()}`,
    });
  }
  return out;
}

/** Identity of a file or directory: device and inode (a path when the system gives no inode). */
function fileKey(path: string, st: Stats): string {
  return st.ino !== 0 ? `${st.dev}:${st.ino}` : resolve(path);
}

/** stat (following links), or the error. */
function statOf(path: string): Stats | Error {
  try {
    return statSync(path);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** A missing entry is no news (gone since it was listed, a dangling link); anything else is worth saying. */
function quietError(e: Error): boolean {
  const code = errCode(e);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
}

const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** A directory's entries sorted by name, or the error. */
function listDir(dir: string): Dirent[] | Error {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort(byName);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** What an entry is, following a link; null when it is neither a file nor a directory, or is gone. */
function entryKind(path: string, ent: Dirent, walk: Walk): { dir: boolean; stat: Stats } | null {
  if (isSpecial(ent)) return null;
  const st = statOf(path);
  if (st instanceof Error) {
    if (!quietError(st)) walk.unreadable.add(`${path} (${errCode(st)})`);
    return null;
  }
  if (st.isDirectory()) return { dir: true, stat: st };
  return st.isFile() ? { dir: false, stat: st } : null;
}

/** A device, FIFO or socket: never an input found by a walk. (A file system that reports no entry types, DT_UNKNOWN, is stat'ed.) */
function isSpecial(ent: Dirent): boolean {
  return ent.isBlockDevice() || ent.isCharacterDevice() || ent.isFIFO() || ent.isSocket();
}

/**
 * Files under `root`, depth first in sorted order (a subdirectory's files at its place among its siblings);
 * hidden entries (".x") are skipped. An unreadable `root` throws; an unreadable subdirectory is noted and skipped.
 * Returns the number of files found, or -1 when `root` was already read (through another argument).
 */
function walkDir(root: string, rootStat: Stats, walk: Walk, file: (path: string, st: Stats) => void): number {
  const rootKey = fileKey(root, rootStat);
  if (walk.dirs.has(rootKey)) return -1;
  const first = listDir(root);
  if (first instanceof Error) fail('INPUT_UNREADABLE', `${root}: cannot read directory (${errCode(first)})`);
  walk.dirs.add(rootKey);
  const above = ancestors(root);
  let found = 0;
  const stack: { dir: string; entries: Dirent[]; next: number }[] = [{ dir: root, entries: first, next: 0 }];
  for (let top = stack[0]; top !== undefined; top = stack[stack.length - 1]) {
    const ent = top.entries[top.next++];
    if (ent === undefined) {
      stack.pop();
      continue;
    }
    if (ent.name.startsWith('.')) continue;
    const p = join(top.dir, ent.name);
    const kind = entryKind(p, ent, walk);
    if (kind === null) continue;
    if (!kind.dir) {
      found++;
      file(p, kind.stat);
      continue;
    }
    const key = fileKey(p, kind.stat);
    if (walk.dirs.has(key) || above.has(key)) {
      if (ent.isSymbolicLink()) walk.links.add(p);
      continue;
    }
    walk.dirs.add(key);
    const entries = listDir(p);
    if (entries instanceof Error) walk.unreadable.add(`${p} (${errCode(entries)})`);
    else stack.push({ dir: p, entries, next: 0 });
  }
  return found;
}

/** Identities of the directories above `dir` (its real location), up to the root: a link to one of them is a loop. */
function ancestors(dir: string): Set<string> {
  const out = new Set<string>();
  let p: string;
  try {
    p = realpathSync(dir);
  } catch {
    return out;
  }
  for (let up = dirname(p); up !== p; p = up, up = dirname(p)) {
    const st = statOf(up);
    if (!(st instanceof Error)) out.add(fileKey(up, st));
  }
  return out;
}

/** Minimal glob: `*`, `?`, `[...]` within a segment, `**` across segments. Sorted results. */
export function expandGlob(pattern: string): string[] {
  return globFiles(pattern, { dirs: new Set(), links: new Noted(), unreadable: new Noted() }).map((m) => m.path);
}

function globFiles(pattern: string, walk: Walk): { path: string; stat: Stats }[] {
  const absolute = pattern.startsWith('/');
  const parts = pattern.split(/[\\/]+/).filter((p) => p !== '');
  // A trailing `**` matches every file below, as `**/*` does.
  if (parts[parts.length - 1] === '**') parts.push('*');
  let bases = new Map<string, Stats | null>([[absolute ? '/' : '.', null]]);
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    const next = new Map<string, Stats | null>();
    const keep = (p: string, st: Stats | Error): void => {
      if (st instanceof Error) {
        if (!quietError(st)) walk.unreadable.add(`${p} (${errCode(st)})`);
      } else if (last ? st.isFile() : st.isDirectory()) next.set(p, st);
    };
    for (const base of bases.keys()) {
      if (part === '**') {
        next.set(base, bases.get(base) ?? null);
        for (const d of allDirs(base, walk)) next.set(d, null);
        continue;
      }
      if (!GLOB_CHARS.test(part)) {
        const p = base === '.' && !absolute ? part : join(base, part);
        keep(p, statOf(p));
        continue;
      }
      const re = segmentRegex(part);
      const names = listDir(base);
      if (names instanceof Error) {
        if (!quietError(names)) walk.unreadable.add(`${base} (${errCode(names)})`);
        continue;
      }
      for (const ent of names) {
        if (!re.test(ent.name)) continue;
        const p = base === '.' && !absolute ? ent.name : join(base, ent.name);
        keep(p, statOf(p));
      }
    }
    bases = next;
  }
  const out: { path: string; stat: Stats }[] = [];
  for (const [path, st] of bases) if (st !== null && path !== '.' && path !== sep) out.push({ path, stat: st });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Directories under `base` (not hidden), each once however links lead to it; links back are noted. */
function allDirs(base: string, walk: Walk): string[] {
  const out: string[] = [];
  const seen = ancestors(base);
  const baseStat = statOf(base);
  if (!(baseStat instanceof Error)) seen.add(fileKey(base, baseStat));
  const first = listDir(base);
  if (first instanceof Error) {
    if (!quietError(first)) walk.unreadable.add(`${base} (${errCode(first)})`);
    return out;
  }
  const stack: { dir: string; entries: Dirent[]; next: number }[] = [{ dir: base, entries: first, next: 0 }];
  for (let top = stack[0]; top !== undefined; top = stack[stack.length - 1]) {
    const ent = top.entries[top.next++];
    if (ent === undefined) {
      stack.pop();
      continue;
    }
    if (ent.name.startsWith('.') || ent.isFile() || isSpecial(ent)) continue;
    const p = top.dir === '.' ? ent.name : join(top.dir, ent.name);
    const st = statOf(p);
    if (st instanceof Error) {
      if (!quietError(st)) walk.unreadable.add(`${p} (${errCode(st)})`);
      continue;
    }
    if (!st.isDirectory()) continue;
    const key = fileKey(p, st);
    if (seen.has(key)) {
      if (ent.isSymbolicLink()) walk.links.add(p);
      continue;
    }
    seen.add(key);
    const entries = listDir(p);
    if (entries instanceof Error) {
      walk.unreadable.add(`${p} (${errCode(entries)})`);
      continue;
    }
    out.push(p);
    stack.push({ dir: p, entries, next: 0 });
  }
  return out;
}

function segmentRegex(seg: string): RegExp {
  let re = '^';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] ?? '';
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        const body = seg.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

/** Node error code (ENOENT, EACCES...) or a short message. */
export function errCode(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') return e.code;
  return e instanceof Error ? e.message : String(e);
}
