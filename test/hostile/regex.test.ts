/**
 * Hostile agents, paths and lines must not stall lbua (issue 16, item 4). Before, a regex retried a long run from
 * each of its positions (`[A-Za-z][\w.-]*bot` on an agent of letters, `Trident\/.*rv:`, `(\d+)[\d.]*`, the e-mail
 * test on `%40` runs, `wp-config\.php.+$`) or the route templater rebuilt the route so far for each of thousands of
 * segments: a 3-line log took 15 s to minutes. Each shape must now take about what its length takes, and the
 * rewritten matchers must find what the regexes they replace found. The time limits are ceilings for stalls (10x or
 * more what the shapes take here on a loaded machine), not speed tests.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AGENT_CLASSIFY_CHARS, classifyAgent, crawlerWord, createAgentClassifier, ieVersion } from '../../src/enrich/user-agent';
import { ROUTE_PATH_CHARS, ROUTE_REST, ROUTE_SEGMENTS, createRouteTemplater, isEmail, routeHead, segmentTemplate } from '../../src/enrich/route-template';
import { ATTACK, PROBE, SECRET } from '../../src/detect/scanner';
import { LONG_KEY_CHARS, longKey } from '../../src/core/text';
import { TopCounter } from '../../src/core/top';
import { createEnricher } from '../../src/enrich/index';
import { getFormat } from '../../src/formats/registry';
import { json, lbua } from '../helpers/cli';

const KB = 1024;
/** `unit` repeated to exactly `n` characters. */
const rep = (unit: string, n: number): string => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

/** Milliseconds `f` takes. */
function elapsed(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

/** Agents of 8 KB to 60 KB, each a shape that made a classifier regex backtrack. */
const AGENTS: readonly (readonly [string, string])[] = [
  ['xbo repeated', rep('xbo', 60 * KB)],
  ['x runs with dots', rep(`${'x'.repeat(50)}.`, 60 * KB)],
  ['x runs with dashes', rep(`${'x'.repeat(50)}-`, 60 * KB)],
  ['hex', rep('0123456789abcdef', 60 * KB)],
  ['upper case', 'X'.repeat(60 * KB)],
  ['Mozilla/5.0 ( and 50 KB of (', `Mozilla/5.0 (${'('.repeat(50 * KB)}`],
  ['nested parentheses', `Mozilla/5.0 ${'('.repeat(30 * KB)}${')'.repeat(30 * KB)}`],
  ['; runs', `Mozilla/5.0 (${';'.repeat(50 * KB)}`],
  ['Trident/ repeated', rep('Trident/', 60 * KB)],
  ['Version/ and a digit run', `Mozilla/5.0 Version/${'1'.repeat(60 * KB)}`],
  ['compatible; repeated', rep('compatible; a', 60 * KB)],
  ['words, then bot', `${rep('ab ', 60 * KB)} bot`],
  ['8 KB of x', 'x'.repeat(8 * KB)],
];

describe('hostile user agents', () => {
  it('classifies every shape within a ceiling, reading only the first AGENT_CLASSIFY_CHARS characters', () => {
    const ms = elapsed(() => {
      for (const [, ua] of AGENTS) expect(classifyAgent(ua)).toEqual(classifyAgent(ua.slice(0, AGENT_CLASSIFY_CHARS)));
    });
    expect(ms).toBeLessThan(3000);
  });

  it('classifies 200 distinct 8 KB agents within a ceiling (each one a cache miss)', () => {
    const c = createAgentClassifier();
    const shapes = AGENTS.map(([, ua]) => ua.slice(0, 8 * KB));
    const ms = elapsed(() => {
      for (let i = 0; i < 200; i++) c.classify(`${i}${shapes[i % shapes.length] ?? ''}`);
    });
    expect(ms).toBeLessThan(3000);
  });

  it('still names what it names in an ordinary agent', () => {
    expect(classifyAgent(`Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko ${'x'.repeat(60 * KB)}`)).toMatchObject({ family: 'Internet Explorer', version: '11' });
    expect(classifyAgent('Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)')).toMatchObject({ family: 'Internet Explorer', version: '10' });
    expect(classifyAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15')).toMatchObject({ family: 'Safari', version: '17' });
    expect(classifyAgent('Mozilla/5.0 (Windows NT 6.1) somespider/1.0 Safari/537.36')).toMatchObject({ agentClass: 'bot', family: 'somespider' });
  });

  /** Text made of pieces the replaced regexes care about. */
  const pieces = (words: readonly string[], maxLength = 24): fc.Arbitrary<string> => fc.array(fc.constantFrom(...words), { maxLength }).map((a) => a.join(''));
  const CRAWLER_PIECES = ['bot', 'BOT', 'Bot', 'spider', 'crawler', 'Crawler', 'a', 'Z', '1', '_', '.', '-', ' ', '/', ';', '(', 'é', 'x9'];
  const IE_PIECES = ['MSIE ', 'MSIE', 'Trident/', 'Trident/', 'Trident', 'rv:', 'rv:', 'rv', '1', '11', ' ', 'x', '\r', '\n', '\u2028'];

  it('names an unlisted crawler as /([A-Za-z][\\w.-]*(?:bot|spider|crawler))/i would (property)', () => {
    const old = /([A-Za-z][\w.-]*(?:bot|spider|crawler))/i;
    fc.assert(fc.property(pieces(CRAWLER_PIECES), (ua) => crawlerWord(ua) === (old.exec(ua)?.[1] ?? null)), { numRuns: 3000 });
  });

  it("reads Internet Explorer's version as /MSIE (\\d+)|Trident\\/.*rv:(\\d+)/ would (property)", () => {
    const old = /MSIE (\d+)|Trident\/.*rv:(\d+)/;
    fc.assert(fc.property(pieces(IE_PIECES, 10), (ua) => {
      const m = old.exec(ua);
      return ieVersion(ua) === (m === null ? null : m[1] ?? m[2] ?? null);
    }), { numRuns: 10_000 });
  });

  it('reads the Safari version as /Version\\/(\\d+)[\\d.]* (?:Mobile\\/\\w+ )?Safari\\// would (property)', () => {
    const old = /Version\/(\d+)[\d.]* (?:Mobile\/\w+ )?Safari\//;
    const head = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) ';
    fc.assert(fc.property(pieces(['Version/', '1', '17', '.', '..', ' ', 'x', 'Mobile/15E148 ', 'Safari/', 'Safari/605']), (tail) => {
      const ua = head + tail;
      const m = old.exec(ua);
      const a = classifyAgent(ua);
      return m === null ? a.family !== 'Safari' : a.family === 'Safari' && a.version === (m[1] ?? null);
    }), { numRuns: 2000 });
  });
});

/** Paths of 16 KB to 60 KB. */
const PATHS: readonly (readonly [string, string])[] = [
  ['/a/a/a…', rep('/a', 60 * KB)],
  ['/1/1/1…', rep('/1', 60 * KB)],
  ['%41%41…', `/${rep('%41', 60 * KB)}`],
  ['../ runs', `/${rep('../', 60 * KB)}`],
  ['a%40 runs (the e-mail test)', `/${rep('a%40', 60 * KB)}`],
  ['one segment of .ab extensions', `/1${rep('.ab', 60 * KB)}`],
  ['/Trident/ repeated', rep('/Trident', 60 * KB)],
  ['long segments', rep(`/${'x'.repeat(999)}`, 60 * KB)],
];

describe('hostile paths', () => {
  it('templates every shape within a ceiling; a path past the bounds ends in /…', () => {
    const t = createRouteTemplater({ patterns: [] });
    const routes: string[] = [];
    const ms = elapsed(() => {
      for (const [, path] of PATHS) routes.push(t.template(path));
    });
    expect(ms).toBeLessThan(3000);
    for (const r of routes) {
      expect(r.endsWith(`/${ROUTE_REST}`)).toBe(true);
      expect(r.length).toBeLessThan(ROUTE_PATH_CHARS + 4 * ROUTE_SEGMENTS);
    }
    expect(routes[1]).toBe(`${'/:id'.repeat(ROUTE_SEGMENTS)}/${ROUTE_REST}`);
    expect(routes[2]).toBe(`/${ROUTE_REST}`);
  });

  it('takes a segment with thousands of extensions without recursing through them', () => {
    expect(() => segmentTemplate(`1${'.ab'.repeat(20_000)}`)).not.toThrow();
    expect(segmentTemplate('1.ab.ab')).toBe(':id.ab.ab');
    expect(segmentTemplate('3456.tar.gz')).toBe(':id.tar.gz');
  });

  it('cuts a path at whole segments: at most ROUTE_SEGMENTS of them within ROUTE_PATH_CHARS characters', () => {
    const within = rep(`/${'a'.repeat(63)}`, ROUTE_PATH_CHARS);
    expect(routeHead(within)).toBe(within);
    expect(routeHead(`${within}b`)).toBe(within.slice(0, ROUTE_PATH_CHARS - 64));
    const segs = (n: number): string => Array.from({ length: n }, (_, i) => `/s${i}`).join('');
    expect(routeHead(segs(ROUTE_SEGMENTS))).toBe(segs(ROUTE_SEGMENTS));
    expect(routeHead(segs(ROUTE_SEGMENTS + 1))).toBe(segs(ROUTE_SEGMENTS));
    const longSeg = `/a/b/${'c'.repeat(ROUTE_PATH_CHARS)}`;
    expect(routeHead(longSeg)).toBe('/a/b');
    expect(routeHead(`/${'c'.repeat(ROUTE_PATH_CHARS + 1)}`)).toBe('');
    const t = createRouteTemplater({ patterns: [] });
    expect(t.template(`/api/v1/items/7/${'c'.repeat(ROUTE_PATH_CHARS)}`)).toBe(`/api/v1/items/:id/${ROUTE_REST}`);
    // A user pattern still sees the whole path.
    expect(createRouteTemplater({ patterns: ['/files/*'] }).template(`/files/${'a/'.repeat(5000)}`)).toBe('/files/*');
  });

  it('recognises an e-mail segment as /^[^@/\\s]+(?:@|%40)[^@/\\s]+\\.[a-z]{2,}$/i would (property)', () => {
    const old = /^[^@/\s]+(?:@|%40)[^@/\s]+\.[a-z]{2,}$/i;
    const seg = fc.array(fc.constantFrom('a', 'B', '1', '.', '@', '%40', '%40', '%4', '0', '.com', 'io', ' ', '/', '-', 'x.y'), { maxLength: 10 }).map((a) => a.join(''));
    fc.assert(fc.property(seg, (s) => isEmail(s) === old.test(s)), { numRuns: 5000 });
  });
});

describe('hostile paths and queries in the scanner patterns', () => {
  // 256 KB: a path a raised --max-line-length lets through; the patterns read all of it (no cut to hide behind).
  const SHAPES = [
    `${rep('/wp-config.php.', 256 * KB)}\r`,
    rep('/.env.', 256 * KB),
    rep('union+', 256 * KB),
    rep("'%20or", 256 * KB),
    rep('/../', 256 * KB),
    rep('/a', 256 * KB),
  ];

  it('matches every shape within a ceiling', () => {
    const ms = elapsed(() => {
      for (const s of SHAPES) for (const re of [SECRET, PROBE, ATTACK]) re.test(s);
    });
    expect(ms).toBeLessThan(3000);
  });

  it('finds an attack after 60 KB of padding', () => {
    expect(ATTACK.test(`/${'a'.repeat(60 * KB)}/../../etc/passwd`)).toBe(true);
    expect(SECRET.test(`/${'a/'.repeat(30 * KB)}.git/config`)).toBe(true);
  });

  it('calls wp-config.php with anything after it a secret, as /wp-config\\.php.+$/ did on a line', () => {
    expect(SECRET.test('/wp-config.php.bak')).toBe(true);
    expect(SECRET.test('/blog/wp-config.php~')).toBe(true);
    expect(SECRET.test('/wp-config.php')).toBe(false);
    const old = new RegExp(SECRET.source.replace('wp-config\\.php.|', 'wp-config\\.php.+$|'), 'i');
    const path = fc.array(fc.constantFrom('/', 'wp-config.php', '.', 'bak', '~', 'x', '.env', '.git', 'config.php', '.sql', 'a'), { maxLength: 12 }).map((a) => a.join(''));
    fc.assert(fc.property(path, (p) => SECRET.test(p) === old.test(p)), { numRuns: 3000 });
  });
});

describe('distinct long values (V8 hashes a string of 16,384 characters or more by its length alone)', () => {
  it('counts 40,000 distinct 20 KB values in a table within a ceiling, each under its own key', () => {
    const t = new TopCounter();
    const base = 'xbo'.repeat(7 * KB);
    const ms = elapsed(() => {
      for (let i = 0; i < 40_000; i++) t.add(`${i}${base}`);
    });
    expect(t.size).toBe(40_000);
    expect(t.get(`17${base}`)).toBe(1);
    expect(ms).toBeLessThan(10_000);
  });

  it('hands on an agent, path and host longer than LONG_KEY_CHARS as their long key; distinct ones stay distinct', () => {
    const clf = getFormat('clf');
    const enrich = createEnricher({ routes: { patterns: [] }, geo: null });
    const long = 'a'.repeat(20 * KB);
    const out = [0, 1, 0].map((i) => {
      const r = clf?.parse(`1.2.3.4 - - [10/Mar/2026:09:00:00 +0000] "GET /p${i}${long}/x.js HTTP/1.1" 200 1 "-" "ua${i}${long}"`, { source: { file: 'x', line: 1 }, strict: false });
      if (r?.kind !== 'record') throw new Error('not a record');
      return enrich(r.record);
    });
    const [a, b, c] = out;
    expect(a?.userAgent).toBe(longKey(`ua0${long}`));
    expect(a?.userAgent?.length).toBe(LONG_KEY_CHARS);
    expect(longKey(a?.userAgent ?? '')).toBe(a?.userAgent);
    expect(a?.path).toBe(longKey(`/p0${long}/x.js`));
    expect(a?.userAgent).not.toBe(b?.userAgent);
    expect(a?.path).not.toBe(b?.path);
    expect(c?.userAgent).toBe(a?.userAgent);
    // Judged on the whole path: a static asset, and a route from its head.
    expect(a?.isStatic).toBe(true);
    expect(a?.route).toBe(`/${ROUTE_REST}`);
    expect(longKey('short')).toBe('short');
  });
});

describe('hostile lines through the CLI', () => {
  const T = (i: number): string => `2026-03-10T09:00:${String(i).padStart(2, '0')}`;
  /** One line of each format with the given agent, path, query and host. */
  const LINES: Record<string, (i: number, ua: string, path: string, query: string, host: string) => string> = {
    alb: (i, ua, path, query, host) => `https ${T(i)}.000000Z app/lb/50dc6c495c0c9188 1.2.3.${i + 1}:4000 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET https://${host}:443${path}?${query} HTTP/1.1" "${ua}" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "${host}" "-" 0 ${T(i)}.000000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1 "-" "-" "-"`,
    elb: (i, ua, path, query, host) => `${T(i)}.000000Z my-lb 1.2.3.${i + 1}:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://${host}:80${path}?${query} HTTP/1.1" "${ua}" - -`,
    nginx: (i, ua, path, query) => `1.2.3.${i + 1} - - [10/Mar/2026:09:00:${String(i).padStart(2, '0')} +0000] "GET ${path}?${query} HTTP/1.1" 200 59 "-" "${ua}" 89 0.001 [default-web-8080] [] 172.17.0.5:8080 59 0.000 200 529a007902362a5f51385a5fa7049884`,
    haproxy: (i, ua, path, query, host) => `Feb  6 12:14:14 localhost haproxy[14389]: 1.2.3.${i + 1}:33317 [10/Mar/2026:09:00:${String(i).padStart(2, '0')}.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {${host}|${ua}} {} "GET ${path}?${query} HTTP/1.1"`,
    clf: (i, ua, path, query) => `1.2.3.${i + 1} - frank [10/Mar/2026:09:00:${String(i).padStart(2, '0')} -0700] "GET ${path}?${query} HTTP/1.0" 200 2326 "https://example.com/${'r'.repeat(i * 1000)}" "${ua}"`,
  };
  const UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0';
  /** [agent, path, query, host] per line: one hostile field at a time (no quote, space, brace or bar in them). */
  const FIELDS: readonly (readonly [string, string, string, string])[] = [
    [rep('xbo', 60 * KB), '/a', 'id=1', 'shop.example.com'],
    [rep(`${'x'.repeat(50)}.`, 60 * KB), '/a', 'id=1', 'shop.example.com'],
    [`Mozilla/5.0 Version/${'1'.repeat(60 * KB)}`, '/a', 'id=1', 'shop.example.com'],
    [UA, rep('/a', 60 * KB), 'id=1', 'shop.example.com'],
    [UA, `/${rep('a%40', 60 * KB)}`, 'id=1', 'shop.example.com'],
    [UA, `/1${rep('.ab', 60 * KB)}`, 'id=1', 'shop.example.com'],
    [UA, '/a', rep('../', 60 * KB), 'shop.example.com'],
    [UA, '/a', 'id=1', rep('x-', 60 * KB)],
  ];

  it('analyzes a one-line log whose path segment has 20,000 extensions, with the default line length (it crashed)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lbua-hostile-'));
    try {
      const file = join(dir, 'ext.log');
      writeFileSync(file, `1.2.3.4 - - [10/Mar/2026:09:00:00 +0000] "GET /1${'.ab'.repeat(20_000)} HTTP/1.1" 200 1 "-" "curl/8.5.0"\n`);
      const r = lbua(['analyze', '--output', 'json', '--jobs', '1', file]);
      expect(r.stderr).not.toMatch(/RangeError/);
      expect(r.code).toBe(0);
      expect((json(r) as { summary: { requests: number } }).summary.requests).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('analyzes a file of hostile lines in every format within a ceiling, every line a record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lbua-hostile-'));
    try {
      const files = Object.entries(LINES).map(([id, line]) => {
        const file = join(dir, `${id}.log`);
        writeFileSync(file, `${FIELDS.map(([ua, path, query, host], i) => line(i, ua, path, query, host)).join('\n')}\n`);
        return file;
      });
      const args = ['analyze', '--output', 'json', '--max-line-length', String(1024 * KB), ...files];
      const t0 = performance.now();
      const r = lbua([...args, '--jobs', '1']);
      const ms = performance.now() - t0;
      // Two workers merge what they counted: the same report (long values under the same keys).
      expect(lbua([...args, '--jobs', '2']).stdout).toBe(r.stdout);
      const report = json(r) as { summary: { requests: number }; inputs: { format: string; lines: number; records: number }[] };
      expect(r.code).toBe(0);
      expect(report.inputs.map((i) => [i.format, i.lines, i.records]).sort()).toEqual(Object.keys(LINES).sort().map((id) => [id, FIELDS.length, FIELDS.length]));
      expect(report.summary.requests).toBe(FIELDS.length * files.length);
      expect(ms).toBeLessThan(30_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
