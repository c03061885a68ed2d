/** Spreads over unbounded arrays crash past ~120,000 elements: the helpers loop, and src/ uses no call spread. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { appendAll, maxOf, minOf } from '../../src/core/arrays';

const SRC = join(__dirname, '..', '..', 'src');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  const stack = [dir];
  for (let d = stack.pop(); d !== undefined; d = stack.pop()) {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) stack.push(p);
      else if (p.endsWith('.ts')) out.push(p);
    }
  }
  return out.sort();
}

describe('arrays of any size', () => {
  it('appendAll and maxOf/minOf take a million elements', () => {
    const big = Array.from({ length: 1_000_000 }, (_, i) => i);
    const out = appendAll([-1], big);
    expect(out).toHaveLength(1_000_001);
    expect(maxOf(big)).toBe(999_999);
    expect(minOf(big)).toBe(0);
    expect(maxOf([], 0)).toBe(0);
    expect(maxOf(new Map([['a', 3], ['b', 7]]).values())).toBe(7);
    expect(() => [].push(...(big as never[]))).toThrow(RangeError);
  });

  it('src/ passes no array as call arguments with a spread (push/unshift/splice/max/min/fromCharCode/apply)', () => {
    const bad: string[] = [];
    const spread = /\b(?:push|unshift|splice|max|min|fromCharCode|fromCodePoint)\((?:[^()]*,\s*)?\.\.\.|\.apply\(/;
    for (const file of tsFiles(SRC)) {
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (spread.test(line) && !line.trim().startsWith('*') && !line.trim().startsWith('//')) bad.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(bad).toEqual([]);
  });
});
