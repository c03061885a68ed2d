/**
 * User-declared layouts (formats/layout/): each dialect on lines written from its vendor documentation, with the
 * normalized record expected; the errors a layout that cannot be compiled gives; and the CLI (--log-format,
 * --format-file, --format NAME, auto-detection).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileLayout, isoWithZoneAt } from '../../src/formats/layout/compile';
import type { Dialect } from '../../src/formats/layout/dialects';
import type { LogRecord } from '../../src/core/types';
import { json, lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { getFormat } from '../../src/formats/registry';
import { analyze, type AnalyzeOptions } from '../../src/analysis';
import { expandInputs } from '../../src/input/expand';
import { renderJson } from '../../src/report/json';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const ctx = { source: { file: 't.log', line: 1 }, strict: false };

/** The record's LogRecord fields that are set (no nulls, no source, no enrichment slots). */
function parsed(dialect: Dialect, layout: string, line: string): Record<string, unknown> {
  const r = compileLayout({ id: `my-${dialect}`, dialect, layout }).parse(line, ctx);
  if (r.kind !== 'record') throw new Error(`not a record: ${JSON.stringify(r)}`);
  const rec: LogRecord = r.record;
  return Object.fromEntries(Object.entries(rec).filter(([k, v]) => v !== null && v !== undefined && k !== 'source' && k !== 'format'));
}
const t = (iso: string): number => Date.parse(iso);

describe('layouts, on lines written from the vendor documentation', () => {
  test('nginx: the layout of issue 18 (host before the time, request time, agent last)', () => {
    expect(parsed('nginx', '$remote_addr $host [$time_local] "$request" $status $body_bytes_sent $request_time "$http_user_agent"',
      '203.0.113.7 shop.example.com [10/Mar/2026:09:00:01 +0000] "GET /api/cart?id=3 HTTP/1.1" 200 512 0.120 "Mozilla/5.0 (X11; Linux x86_64)"')).toEqual({
      // $time_local is when the request ended: it started $request_time earlier.
      startMs: t('2026-03-10T09:00:00.880Z'), clientIp: '203.0.113.7', host: 'shop.example.com', method: 'GET', path: '/api/cart', query: 'id=3',
      protocol: 'HTTP/1.1', status: 200, bytesOut: 512, durationMs: 120, userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
    });
  });

  test('nginx: combined with upstream lists and $time_iso8601 with an offset', () => {
    expect(parsed('nginx', '$time_iso8601 $remote_addr "$request" $status $bytes_sent rt=$request_time urt="$upstream_response_time" us="$upstream_status" ua="$upstream_addr" "$http_referer" "$http_user_agent" $request_id',
      '2026-03-10T10:00:01+01:00 2001:db8::7 "POST /pay HTTP/2.0" 502 157 rt=0.012 urt="0.004, 0.008" us="502, 200" ua="10.0.0.1:80, 10.0.0.2:80" "-" "curl/8.5.0" 5d9f0a')).toEqual({
      startMs: t('2026-03-10T09:00:00.988Z'), clientIp: '2001:db8::7', method: 'POST', path: '/pay', protocol: 'HTTP/2.0', status: 502, bytesOut: 157,
      durationMs: 12, backendMs: 12, backendStatus: 200, backend: '10.0.0.2:80', userAgent: 'curl/8.5.0', traceId: '5d9f0a',
    });
  });

  test('strftime times: Apache %{format}t and Envoy %START_TIME(format)%, zones and fractions; no zone is UTC', () => {
    expect(parsed('apache', '%h %{%d/%b/%Y:%H:%M:%S %z}t "%r" %>s', '192.0.2.4 10/Oct/2000:13:55:36 -0700 "GET / HTTP/1.1" 200')).toMatchObject({ startMs: t('2000-10-10T20:55:36Z'), status: 200 });
    expect(parsed('apache', '%h [%{end:%Y-%m-%d %T}t] "%r" %>s %D', '192.0.2.4 [2000-10-10 13:55:36] "GET / HTTP/1.1" 200 250000')).toMatchObject({ startMs: t('2000-10-10T13:55:35.750Z'), durationMs: 250 });
    expect(parsed('envoy', '[%START_TIME(%Y/%m/%dT%H:%M:%S.%3f)%] %RESPONSE_CODE%', '[2016/04/15T20:17:00.123] 200')).toMatchObject({ startMs: t('2016-04-15T20:17:00.123Z') });
    expect(() => compileLayout({ id: 'x', dialect: 'apache', layout: '%h %{%j}t %>s' })).toThrow('strftime directive %j is not read');
    expect(() => compileLayout({ id: 'x', dialect: 'apache', layout: '%h %{%H:%M}t %>s' })).toThrow('the time format has no year (%Y, %y) and no epoch seconds (%s) at column 4');
  });

  test('nginx: $upstream_cache_status is the cache status', () => {
    expect(parsed('nginx', '$remote_addr [$time_local] "$request" $status $upstream_cache_status', '203.0.113.7 [10/Mar/2026:09:00:01 +0000] "GET /a.css HTTP/1.1" 200 HIT')).toMatchObject({ cacheStatus: 'HIT', status: 200 });
  });

  test('Apache: combined, as httpd.conf writes it (escaped quotes), the docs example line', () => {
    expect(parsed('apache', '%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\"',
      '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"')).toEqual({
      startMs: t('2000-10-10T20:55:36Z'), clientIp: '127.0.0.1', method: 'GET', path: '/apache_pb.gif', protocol: 'HTTP/1.0', status: 200, bytesOut: 2326,
      referer: 'http://www.example.com/start.html', userAgent: 'Mozilla/4.08 [en] (Win98; I ;Nav)',
    });
  });

  test('Apache: an unescaped quote inside the request line still yields status, size, agent and %D', () => {
    expect(parsed('apache', '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D',
      '198.51.100.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a" OR "1"="1 HTTP/1.1" 400 - "-" "sqlmap/1.7" 1520')).toMatchObject({
      clientIp: '198.51.100.4', status: 400, bytesOut: 0, userAgent: 'sqlmap/1.7', durationMs: 1.52, method: 'GET',
    });
  });

  test('HAProxy: the default HTTP log format through syslog, the docs example line', () => {
    expect(parsed('haproxy', '%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r',
      'Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"')).toEqual({
      startMs: t('2009-02-06T12:14:14.655Z'), clientIp: '10.0.1.2', clientPort: 33317, lb: 'http-in', backend: 'srv1', backendMs: 69, durationMs: 109,
      status: 200, bytesOut: 2750, method: 'GET', path: '/index.html', protocol: 'HTTP/1.1',
    });
  });

  test('HAProxy: -1 timers (a phase that did not happen) are no duration', () => {
    expect(parsed('haproxy', '%ci:%cp [%tr] %ft %b/%s %Tr/%Ta %ST %B %{+Q}r',
      '10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/<NOSRV> -1/5 503 212 "GET / HTTP/1.1"')).toMatchObject({ status: 503, durationMs: 5, backend: '<NOSRV>' });
  });

  test('Envoy: X-Forwarded-For gives the client only when no peer-address command did; flags are the error reason; code 0 is no status', () => {
    const layout = '[%START_TIME%] %DOWNSTREAM_REMOTE_ADDRESS% "%REQ(X-FORWARDED-FOR)%" %RESPONSE_CODE% %RESPONSE_FLAGS%';
    expect(parsed('envoy', layout, '[2024-05-01T10:00:00.000Z] 10.1.2.3:5000 "198.51.100.9, 10.0.0.7" 503 UF,URX')).toEqual({
      startMs: t('2024-05-01T10:00:00.000Z'), clientIp: '10.1.2.3', clientPort: 5000, forwardedFor: '198.51.100.9, 10.0.0.7', status: 503, errorReason: 'UF,URX',
    });
    expect(parsed('envoy', '[%START_TIME%] "%REQ(X-FORWARDED-FOR)%" %RESPONSE_CODE% %RESPONSE_FLAGS%', '[2024-05-01T10:00:00.000Z] "198.51.100.9, [2001:db8::7]:443" 0 DC')).toEqual({
      startMs: t('2024-05-01T10:00:00.000Z'), clientIp: '2001:db8::7', forwardedFor: '198.51.100.9, [2001:db8::7]:443', errorReason: 'DC',
    });
  });

  test('Envoy: the default format, the docs example line', () => {
    expect(parsed('envoy', '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n',
      '[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80"')).toEqual({
      startMs: t('2016-04-15T20:17:00.310Z'), method: 'POST', path: '/api/v1/locations', protocol: 'HTTP/2', status: 204, bytesIn: 154, bytesOut: 0,
      durationMs: 226, backendMs: 100, userAgent: 'nsq2http', forwardedFor: '10.0.35.28', traceId: 'cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2', host: 'locations', backend: '10.0.2.1:80',
      // The default format logs no peer address: the client is the last X-Forwarded-For address.
      clientIp: '10.0.35.28',
    });
  });

  test('Envoy: the downstream address with its port', async () => {
    expect(parsed('envoy', '%START_TIME% %DOWNSTREAM_REMOTE_ADDRESS% %RESPONSE_CODE%', '2016-04-15T20:17:00.310Z [2001:db8::5]:51000 200')).toMatchObject({ clientIp: '2001:db8::5', clientPort: 51000 });
  });

  test('a line the layout does not match is malformed, saying which layout; a bad value names its variable', async () => {
    const f = compileLayout({ id: 'shop', dialect: 'nginx', layout: '$remote_addr [$time_local] "$request" $status' });
    expect(f.parse('hello world', ctx)).toMatchObject({ kind: 'error', diagnostic: { message: 'line does not match the shop layout' } });
    expect(f.parse('1.2.3.4 [10/Mar/2026:09:00:01 +0000] "GET / HTTP/1.1" 2xx', ctx)).toMatchObject({ kind: 'error', diagnostic: { field: '$status', message: 'line does not match the shop layout: $status cannot be "2xx"' } });
    expect(f.parse('1.2.3.4 [99/Foo/2026:09:00:01 +0000] "GET / HTTP/1.1" 200', ctx)).toMatchObject({ kind: 'error', diagnostic: { field: '$time_local' } });
    expect(f.parse('1.2.3.4 [10/Mar/2026:09:00:01 +0000] "GET / HTTP/1.1" 200', ctx).kind).toBe('record');
  });

  test('ISO times: Z, +hh:mm, +hhmm, fractions; garbage is NaN', async () => {
    const at = (s: string): number => isoWithZoneAt(s, 0, s.length);
    expect(at('2026-03-10T09:00:01.25Z')).toBe(t('2026-03-10T09:00:01.250Z'));
    expect(at('2026-03-10T10:00:01+01:00')).toBe(t('2026-03-10T09:00:01Z'));
    expect(at('2026-03-10T04:30:01-0430')).toBe(t('2026-03-10T09:00:01Z'));
    expect(at('2026-03-10T09:00:01')).toBeNaN();
    expect(at('2026-13-10T09:00:01Z')).toBeNaN();
  });
});

describe('a layout that cannot be compiled is one error naming the column', () => {
  test.each([
    ['nginx', '$remote_adr [$time_local]', 'unknown nginx variable $remote_adr at column 1'],
    ['nginx', '$remote_addr "$request [$time_local]', 'an unbalanced quote at column 14'],
    ['nginx', '[$time_local] $status$body_bytes_sent', '$status and $body_bytes_sent have nothing between them, so where the first ends cannot be told at column 22'],
    ['nginx', '$remote_addr $status', 'no time variable (a record needs the time of its request) at column 1'],
    ['apache', '%h %Z %t', 'unknown Apache directive %Z at column 4'],
    ['apache', '%h %{%a %d}t', 'strftime directive %a is not read'],
    ['apache', '%h %{iso}t', 'unsupported Apache directive %{iso}t at column 4'],
    ['haproxy', '%ci [%tr] %Qx', 'unknown HAProxy log-format alias %Qx at column 11'],
    ['envoy', '%FOO% %START_TIME%', 'unknown Envoy command %FOO% at column 1'],
  ] as const)('%s %j', async (dialect, layout, problem) => {
    expect(() => compileLayout({ id: 'x', dialect, layout })).toThrow(problem);
  });
});

describe('the CLI', () => {
  const dir = tempDir('lbua-layout-');
  const log = join(dir, 'custom.log');
  writeFileSync(log, [
    '203.0.113.7 shop.example.com [10/Mar/2026:09:00:01 +0000] "GET /api/cart?id=3 HTTP/1.1" 200 512 0.120 "Mozilla/5.0 (X11; Linux x86_64)"',
    '203.0.113.8 shop.example.com [10/Mar/2026:09:00:02 +0000] "POST /api/login HTTP/1.1" 401 64 0.030 "python-requests/2.31"',
    '198.51.100.2 api.example.com [10/Mar/2026:09:00:03 +0000] "GET /health HTTP/1.1" 200 2 0.001 "kube-probe/1.29"',
  ].join('\n') + '\n');
  const LAYOUT = '$remote_addr $host [$time_local] "$request" $status $body_bytes_sent $request_time "$http_user_agent"';
  type Rep = { inputs: { format: string; records: number; malformed: number }[]; top: { hosts: { key: string }[]; user_agents: { key: string }[] } };

  // Spawned: the CLI path of --log-format (the other runs here are main() in this process).
  test('--log-format: auto-detection takes the declared layout; host and agent come through', () => {
    const rep = json(lbua(['analyze', log, '--log-format', `nginx:${LAYOUT}`, '--output', 'json'])) as Rep;
    expect(rep.inputs[0]).toMatchObject({ format: 'nginx-layout', records: 3, malformed: 0 });
    expect(rep.top.hosts.map((h) => h.key)).toEqual(['shop.example.com', 'api.example.com']);
    expect(rep.top.user_agents.map((h) => h.key).sort()).toEqual(['Mozilla/5.0 (X11; Linux x86_64)', 'kube-probe/1.29', 'python-requests/2.31']);
  });

  test('--log-format NAME=... and --format NAME', async () => {
    const rep = json(await lbuaIn(['analyze', log, '--log-format', `shop=nginx:${LAYOUT}`, '--format', 'shop', '--output', 'json'])) as Rep;
    expect(rep.inputs.map((i) => i.format)).toEqual(['shop']);
  });

  test('worker threads compile the layouts too: 2 workers give the one-thread report', async () => {
    const second = join(dir, 'custom2.log');
    writeFileSync(second, readFileSync(log, 'utf8').replace(/10\/Mar\/2026:09/g, '10/Mar/2026:10'));
    const inputs = expandInputs([log, second]).inputs;
    const options: AnalyzeOptions = {
      format: 'auto', layouts: [{ id: 'shop', dialect: 'nginx', layout: LAYOUT }], strict: false, maxLineLength: 65_536, from: null, to: null,
      top: 10, maxWarnings: 20, minTaskBytes: 1, detectors: null,
    };
    const one = await analyze(inputs, { ...options, jobs: 1 });
    const two = await analyze(inputs, { ...options, jobs: 2 });
    expect(two.workers).toBe(2);
    expect(two.report.inputs.map((i) => [i.format, i.records])).toEqual([['shop', 3], ['shop', 3]]);
    expect(renderJson(two.report)).toBe(renderJson(one.report));
  });

  test('--format-file: named layouts from JSON; errors name the entry', async () => {
    const file = join(dir, 'formats.json');
    writeFileSync(file, JSON.stringify({ formats: [{ name: 'edge', dialect: 'nginx', layout: LAYOUT }] }));
    const rep = json(await lbuaIn(['analyze', log, '--format-file', file, '--format', 'edge', '--output', 'json'])) as Rep;
    expect(rep.inputs[0]).toMatchObject({ format: 'edge', records: 3 });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ formats: [{ name: 'edge', dialect: 'iis', layout: LAYOUT }] }));
    const r = await lbuaIn(['analyze', log, '--format-file', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`lbua: --format-file ${bad}: formats[0].dialect must be one of nginx, apache, haproxy, envoy, got "iis"\n`);
  });

  test('a layout that cannot be compiled: exit 2, one line, before reading', async () => {
    const r = await lbuaIn(['analyze', log, '--log-format', 'nginx:$remote_adr [$time_local]']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('lbua: --log-format nginx layout: unknown nginx variable $remote_adr at column 1: "$remote_adr [$time_l"\n');
    expect((await lbuaIn(['analyze', log, '--log-format', 'iis:%h'])).code).toBe(2);
    expect((await lbuaIn(['analyze', log, '--log-format', 'alb=nginx:[$time_local]'])).stderr).toContain('"alb" is the name of a built-in format');
  });
});

describe('lbua formats --explain', () => {
  const dir = tempDir('lbua-explain-');
  const file = join(dir, 'x.log');
  writeFileSync(file, [
    '203.0.113.7 shop.example.com [10/Mar/2026:09:00:01 +0000] "GET /api/cart?id=3 HTTP/1.1" 200 512 0.120 "curl/8"',
    '1.2.3.4 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" abc 12 "-" "curl"',
  ].join('\n') + '\n');
  const layout = 'nginx:$remote_addr $host [$time_local] "$request" $status $body_bytes_sent $request_time "$http_user_agent"';

  test('says which format took each line with its fields, and why every format refused the others', async () => {
    const r = await lbuaIn(['formats', '--explain', file, '--log-format', layout, '--output', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { detected: string; lines: { line: number; format: string | null; fields: Record<string, unknown> | null; refused: { format: string; reason: string }[] }[] };
    expect(doc.detected).toBe('nginx-layout');
    expect(doc.lines[0]).toMatchObject({ line: 1, format: 'nginx-layout', fields: { client_ip: '203.0.113.7', host: 'shop.example.com', duration_ms: 120, user_agent: 'curl/8' } });
    expect(doc.lines[1]?.format).toBeNull();
    expect(doc.lines[1]?.refused).toContainEqual({ format: 'nginx', reason: 'status is not an integer, got "abc"' });
    expect(doc.lines[1]?.refused).toContainEqual({ format: 'nginx-layout', reason: 'line does not match the nginx-layout layout: $status cannot be "abc"' });
    const table = (await lbuaIn(['formats', '--explain', file, '--log-format', layout])).stdout;
    expect(table).toContain(`${file}: read as nginx-layout`);
    expect(table).toMatch(/line 1: .*\n {2}→ nginx-layout\n {4}time +2026-03-10T09:00:00\.880Z/);
    expect(table).toContain('→ no format takes it:');
  });

  test('an unreadable file is exit 2 with one line', async () => {
    const r = await lbuaIn(['formats', '--explain', join(dir, 'nope.log')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('the built-in combined readers and a quote a client sent inside its request line (Apache writes it as it is)', () => {
  test.each(['clf', 'nginx'])('%s: status, size and agent still come from after the request, the request kept raw', (id) => {
    const f = getFormat(id);
    const r = f?.parse('198.51.100.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a" OR "1"="1 HTTP/1.1" 400 226 "-" "sqlmap/1.7"', ctx);
    expect(r?.kind).toBe('record');
    if (r?.kind !== 'record') return;
    expect(r.record).toMatchObject({ method: 'GET', path: '/a" OR "1"="1', protocol: 'HTTP/1.1', status: 400, bytesOut: 226, userAgent: 'sqlmap/1.7' });
    // A line whose status is bad for another reason stays malformed.
    expect(f?.parse('1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.1" abc 5 "-" "ok"', ctx).kind).toBe('error');
  });
});
