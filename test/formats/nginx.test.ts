/** nginx-specific traps: list-valued upstream fields, start = time_local − request_time, layouts, detection vs clf. */
import fc from 'fast-check';
import { recordToJson } from '../../src/core/record-json';
import { detectFormat } from '../../src/formats/detect';
import nginx from '../../src/formats/nginx';
import type { ParseContext } from '../../src/formats/types';

const CTX: ParseContext = { source: { file: 't.log', line: 1 }, strict: false };

function rec(line: string): Record<string, unknown> {
  const r = nginx.parse(line, CTX);
  if (r.kind !== 'record') throw new Error(`expected a record, got ${JSON.stringify(r)}`);
  return recordToJson(r.record);
}

const COMBINED = '10.1.2.3 - - [10/Mar/2026:09:00:10 +0000] "GET /api/v1/cart?x=1 HTTP/1.1" 502 157 "-" "Mozilla/5.0"';

describe('nginx upstream lists', () => {
  it.each([
    ['one value', '0.004', 4],
    ['two upstreams (", ")', '0.004, 0.008', 12],
    ['internal redirect (" : ")', '0.004, 0.008 : 0.100', 112],
    ['no upstream', '-', null],
    ['a failed attempt logged as "-"', '-, 0.020', 20],
  ])('positional $upstream_response_time, %s → backend_ms is the sum', (_name, urt, ms) => {
    expect(rec(`${COMBINED} "-" 0.150 ${urt}`)['backend_ms']).toBe(ms);
  });

  it('key=value lists: sum of times, last status, last address', () => {
    const r = rec(`${COMBINED} rt=0.250 urt="0.100, 0.120 : 0.010" us="502, 504 : 200" ua="10.0.0.5:8080, 10.0.0.6:8080 : unix:/run/app.sock"`);
    expect(r).toMatchObject({ duration_ms: 250, backend_ms: 230, backend_status: 200, backend: 'unix:/run/app.sock' });
  });

  it('ingress upstreaminfo lists: [v6]:port addresses, last status and address', () => {
    const r = rec('2a02:cf40::4e36 - - [24/Aug/2022:18:05:41 +0000] "GET /favicon.ico HTTP/2.0" 502 552 "https://localhost:8080/" "Mozilla/5.0" 27 0.000 [localhost-8080] [] [2a02:cf40::7]:5000, [2a02:cf40::4e36]:5000 0, 1 0.000, 1.000 502, 403 3db73c6c673c4256ade033a6ce08c2ab');
    expect(r).toMatchObject({ backend: '[2a02:cf40::4e36]:5000', backend_ms: 1000, backend_status: 403, bytes_in: 27, trace_id: '3db73c6c673c4256ade033a6ce08c2ab' });
  });

  it('ingress line that never reached an upstream: every upstream field null', () => {
    const r = rec('192.168.64.1 - - [07/Feb/2020:11:49:50 +0000] "PATCHp /products/42 HTTP/1.1" 400 163 "-" "-" 0 0.000 [] [] - - - - 4c7d2079340e68353c7d0dfff00b904b');
    expect(r).toMatchObject({ backend: null, backend_ms: null, backend_status: null, duration_ms: 0, bytes_in: 0 });
  });
});

describe('nginx times', () => {
  it('start = time_local − request_time, duration = request_time', () => {
    const r = rec(`${COMBINED} "-" 2.500 2.499`);
    expect(r['time']).toBe('2026-03-10T09:00:07.500Z');
    expect(r['duration_ms']).toBe(2500);
    expect(Date.parse(String(r['time'])) + Number(r['duration_ms'])).toBe(Date.parse('2026-03-10T09:00:10Z'));
  });

  it('without request_time the start is time_local, with its zone applied', () => {
    expect(rec('1.2.3.4 - - [10/Mar/2026:10:00:10 +0100] "GET / HTTP/1.1" 200 1 "-" "-"')).toMatchObject({ time: '2026-03-10T09:00:10.000Z', duration_ms: null });
  });
});

describe('nginx fields', () => {
  it('keeps \\x22 escapes as text and reads "" as empty', () => {
    expect(rec('1.2.3.4 - - [10/Mar/2026:09:00:03 +0000] "GET /q?a=\\x22b\\x22 HTTP/1.1" 499 0 "" ""')).toMatchObject({ query: 'a=\\x22b\\x22', referer: null, user_agent: null });
  });

  it('reads a leading $host:$server_port as host and an X-Forwarded-For list first entry as client', () => {
    expect(rec('shop.example.com:443 198.51.100.7, 10.0.0.1 - - [10/Mar/2026:09:00:03 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"')).toMatchObject({ host: 'shop.example.com', client_ip: '198.51.100.7' });
  });

  it('main layout: the quoted $http_x_forwarded_for does not replace $remote_addr', () => {
    expect(rec('172.24.0.3 - - [31/Dec/2024:17:32:06 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/8.11.1" "1.2.3.4, 10.10.1.1"')).toMatchObject({ client_ip: '172.24.0.3', duration_ms: null });
  });

  it('rejects nginx error-log lines with a reason', () => {
    const r = nginx.parse('2021/04/01 13:02:31 [error] 31#31: *1 open() "/x" failed (2: No such file or directory), client: 172.17.0.1', CTX);
    expect(r).toMatchObject({ kind: 'error', diagnostic: { code: 'PARSE_NO_MATCH', message: expect.stringContaining('error-log') } });
  });
});

describe('nginx vs clf detection', () => {
  const plain = Array.from({ length: 20 }, (_, i) => `10.0.0.${i} - - [10/Mar/2026:09:00:${String(10 + i)} +0000] "GET /p${i} HTTP/1.1" 200 12 "-" "curl/8"`);

  it('a bare combined log is clf; any nginx extension on ≥ 10% of the lines makes it nginx', () => {
    expect(detectFormat(plain).format?.id).toBe('clf');
    const mixed = plain.map((l, i) => (i % 10 === 0 ? `${l} 0.010 0.009` : l));
    expect(detectFormat(mixed).format?.id).toBe('nginx');
    expect(detectFormat(plain.map((l) => `${l} rt=0.010 urt="0.009"`)).format?.id).toBe('nginx');
  });

  it('detect(): 0.95 with extensions, 0.75 bare, 0 for other formats', () => {
    expect(nginx.detect(`${COMBINED} "-" 0.150 0.100`)).toBe(0.95);
    expect(nginx.detect(COMBINED)).toBe(0.75);
    expect(nginx.detect('10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"')).toBe(0);
  });
});

describe('nginx robustness', () => {
  it('never throws, and every prefix of a valid line is a record or a located error', () => {
    const line = `example.com ${COMBINED} 89 0.001 [default-web-8080] [] 172.17.0.5:8080, 172.17.0.6:8080 59 0.000, 0.001 200 abc`;
    for (let i = 0; i <= line.length; i++) {
      const r = nginx.parse(line.slice(0, i), CTX);
      if (r.kind === 'error') expect(r.diagnostic.message.length).toBeGreaterThan(5);
    }
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => {
      nginx.parse(s, CTX);
      nginx.detect(s);
    }));
  });
});
