/**
 * Turns CLI arguments into an ordered list of inputs: files, directories (walked recursively in sorted order,
 * e.g. the S3 export tree AWSLogs/<account>/elasticloadbalancing/<region>/YYYY/MM/DD/*.log.gz), glob patterns,
 * and `-` for stdin. Unreadable or missing paths throw LbuaError (exit 2).
 */
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { appendAll } from '../core/arrays';
import { fail } from '../core/types';

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

const GLOB_CHARS = /[*?[]/;

/** Expands arguments in order; each directory's files are sorted bytewise; duplicates keep their first place. */
export function expandInputs(args: readonly string[]): InputSpec[] {
  if (args.length === 0) fail('OPTION_INVALID', 'no input given (pass files, directories, globs, or - for stdin)');
  const out: InputSpec[] = [];
  const seen = new Set<string>();
  const add = (path: string, walked = false): void => {
    const key = resolve(path);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(walked ? { path, stdin: false, walked } : { path, stdin: false });
  };
  for (const arg of args) {
    if (arg === '-') {
      out.push({ path: '-', stdin: true });
      continue;
    }
    const st = statOrNull(arg);
    if (st === null && GLOB_CHARS.test(arg)) {
      const matches = expandGlob(arg);
      if (matches.length === 0) fail('INPUT_UNREADABLE', `${arg}: no file matches this pattern`);
      for (const m of matches) add(m);
      continue;
    }
    if (st === null) fail('INPUT_UNREADABLE', `${arg}: no such file or directory`);
    if (st.isDirectory()) {
      const files = walk(arg);
      if (files.length === 0) fail('INPUT_UNREADABLE', `${arg}: directory holds no files`);
      for (const f of files) add(f, true);
    } else {
      add(arg);
    }
  }
  return out;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** Files under `dir`, recursively, sorted; hidden entries (".x") are skipped. */
function walk(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (e) {
    fail('INPUT_UNREADABLE', `${dir}: cannot read directory (${errCode(e)})`);
  }
  const out: string[] = [];
  for (const name of entries) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statOrNull(p);
    if (st === null) continue;
    if (st.isDirectory()) appendAll(out, walk(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** Minimal glob: `*`, `?`, `[...]` within a segment, `**` across segments. Sorted results. */
export function expandGlob(pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  const parts = pattern.split(/[\\/]+/).filter((p) => p !== '');
  let bases: string[] = [absolute ? '/' : '.'];
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      if (part === '**') {
        next.push(base);
        appendAll(next, allDirs(base));
        continue;
      }
      if (!GLOB_CHARS.test(part)) {
        const p = base === '.' && !absolute ? part : join(base, part);
        const st = statOrNull(p);
        if (st && (last ? st.isFile() : st.isDirectory())) next.push(p);
        continue;
      }
      const re = segmentRegex(part);
      let names: string[] = [];
      try {
        names = readdirSync(base).sort();
      } catch {
        continue;
      }
      for (const name of names) {
        if (!re.test(name)) continue;
        const p = base === '.' && !absolute ? name : join(base, name);
        const st = statOrNull(p);
        if (st && (last ? st.isFile() : st.isDirectory())) next.push(p);
      }
    }
    bases = [...new Set(next)];
  }
  return bases.filter((b) => b !== '.' && b !== sep).sort();
}

function allDirs(base: string): string[] {
  const out: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(base).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const p = base === '.' ? name : join(base, name);
    const st = statOrNull(p);
    if (st?.isDirectory()) appendAll(out, [p, ...allDirs(p)]);
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
