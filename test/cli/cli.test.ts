/**
 * End-to-end tests of the foundation commands: main() in this process (test/helpers/in-process.ts), and spawning
 * bin/lbua.js where the process itself is under test (the table and JSON on a real stdout, a missing or unreadable
 * path, a closed pipe).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { BIN, json, lbua, ROOT, type CliResult } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const SAMPLE = join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz');
const ALB = 'https 2026-03-10T09:00:00.250000Z app/shop/50dc6c495c0c9188 203.0.113.7:51000 10.0.1.17:8080 0.001 0.200 0.000 200 200 310 5120 "GET https://shop.example.com:443/api/v1/cart?x=1 HTTP/1.1" "Mozilla/5.0 (X11; Linux x86_64)" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1 "Root=1-65ed7590-0123456789abcdef01234567" "shop.example.com" "-" 1 2026-03-10T09:00:00.049000Z "forward" "-" "-" "10.0.1.17:8080" "200" "-" "-" TID_00ff';

interface Report {
  schema: string;
  inputs: { path: string; format: string; lines: number; records: number; malformed: number; damaged: { offset: number } | null }[];
  summary: { requests: number; unique_clients: number; time_range: { start: string; end: string } | null; latency_ms: { total: { p50: number | null } }; bytes: { in: number | null; out: number | null } };
  warnings: { file: string | null; line: number | null; code: string; message: string }[];
  findings: unknown[];
}

function albAt(i: number, overrides: { ip?: string; status?: number; ua?: string } = {}): string {
  const t = new Date(Date.UTC(2026, 2, 10, 9, 0, 0) + i * 1000).toISOString().replace('Z', '000Z');
  return ALB.replace('2026-03-10T09:00:00.049000Z', t)
    .replace('203.0.113.7', overrides.ip ?? '203.0.113.7')
    .replace(' 200 200 310', ` ${overrides.status ?? 200} ${overrides.status ?? 200} 310`)
    .replace('Mozilla/5.0 (X11; Linux x86_64)', overrides.ua ?? 'Mozilla/5.0 (X11; Linux x86_64)');
}

const tmp = tempDir('lbua-cli-');

/** `lbua analyze SAMPLE --output json`, spawned once (the CLI path) for the tests that read it. */
let sampleJsonRun: CliResult | null = null;
const sampleJson = (): CliResult => (sampleJsonRun ??= lbua(['analyze', SAMPLE, '--output', 'json']));

describe('lbua analyze', () => {
  it('prints tables for the bundled sample', () => {
    const r = lbua(['analyze', SAMPLE, '--output', 'table']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Findings');
    expect(r.stdout).toContain('Traffic');
    expect(r.stdout).toContain('Top paths');
    expect(r.stdout).toMatch(/requests\s+│\s+[\d,]+/);
    expect(r.stdout).not.toMatch(/\u001b\[/); // NO_COLOR
  });

  it('writes one JSON document with schema, inputs, summary and findings', async () => {
    const r = sampleJson();
    expect(r.code).toBe(0);
    const rep = json(r) as Report;
    expect(rep.schema).toBe('lbua.report/1');
    expect(rep.inputs).toHaveLength(1);
    expect(rep.inputs[0]).toMatchObject({ format: 'alb', malformed: 0 });
    expect(rep.inputs[0]?.records).toBe(rep.summary.requests);
    expect(rep.summary.requests).toBeGreaterThan(4000);
    expect(Array.isArray(rep.findings)).toBe(true);
  });

  it('counts HAProxy\'s own status messages as skipped, and reports a server changing state as an info note at its line', async () => {
    const file = join(ROOT, 'fixtures', 'formats', 'haproxy', 'syslog.log');
    const rep = json(await lbuaIn(['analyze', file, '--output', 'json'])) as Report;
    expect(rep.inputs[0]).toMatchObject({ format: 'haproxy', lines: 9, records: 3, skipped: 6, malformed: 0 });
    const notes = rep.warnings.filter((w) => w.code === 'LB_EVENT');
    expect(notes.map((w) => w.line)).toEqual([5, 6, 8]);
    expect(notes[0]?.message).toMatch(/^haproxy at Apr 4 09:14:22: Server app_backend\/web01 is DOWN, reason: Layer4 connection problem/);
    expect(notes[1]?.message).toBe('haproxy at Apr 4 09:14:22: backend app_backend has no server available!');
    // On a terminal run the notes go to stderr with file:line, like every diagnostic.
    const t = await lbuaIn(['analyze', file, '--output', 'table']);
    expect(t.stderr).toContain(`${file}:6: info LB_EVENT: haproxy at Apr 4 09:14:22: backend app_backend has no server available!`);
  });

  it('is deterministic: the same input gives byte-identical JSON (a spawned run and one in this process)', async () => {
    const a = sampleJson();
    const b = await lbuaIn(['analyze', SAMPLE, '--output', 'json']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('prints the table when stdout is not a terminal (JSON only when asked for), and writes -o files', async () => {
    const piped = await lbuaIn(['analyze', SAMPLE]);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^\n?Findings \(0\)\n/);
    expect(json(await lbuaIn(['analyze', SAMPLE, '--json']))).toMatchObject({ schema: 'lbua.report/1' });
    const out = join(tmp, 'r.json');
    const r = await lbuaIn(['analyze', SAMPLE, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect((JSON.parse(readFileSync(out, 'utf8')) as Report).schema).toBe('lbua.report/1');
  });

  it('reads stdin with -', async () => {
    const input = [albAt(0), albAt(1, { ip: '198.51.100.9' }), albAt(2)].join('\n') + '\n';
    const rep = json(await lbuaIn(['analyze', '-', '--output', 'json'], { input })) as Report;
    expect(rep.inputs[0]).toMatchObject({ path: '<stdin>', format: 'alb', records: 3 });
    expect(rep.summary.unique_clients).toBe(2);
  });

  it('reads gzip from stdin, recognised by magic bytes', async () => {
    const input = gzipSync(Buffer.from(`${albAt(0)}\n${albAt(1)}\n`));
    const rep = json(await lbuaIn(['analyze', '-', '--output', 'json'], { input })) as Report;
    expect(rep.inputs[0]).toMatchObject({ records: 2, malformed: 0 });
  });

  it('walks an S3 export directory tree in sorted order', async () => {
    const base = join(tmp, 'AWSLogs', '123456789012', 'elasticloadbalancing', 'us-east-1', '2026', '03', '10');
    mkdirSync(base, { recursive: true });
    writeFileSync(join(base, 'b_node2.log.gz'), gzipSync(`${albAt(5)}\n`));
    writeFileSync(join(base, 'a_node1.log.gz'), gzipSync(`${albAt(3)}\n${albAt(4)}\n`));
    writeFileSync(join(base, 'misnamed.txt'), gzipSync(`${albAt(6)}\n`));
    const rep = json(await lbuaIn(['analyze', join(tmp, 'AWSLogs'), '--output', 'json'])) as Report;
    expect(rep.inputs.map((i) => i.path.split('/').pop())).toEqual(['a_node1.log.gz', 'b_node2.log.gz', 'misnamed.txt']);
    expect(rep.summary.requests).toBe(4);
  });

  it('expands glob patterns', async () => {
    const dir = join(tmp, 'glob');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'x1.log'), `${albAt(1)}\n`);
    writeFileSync(join(dir, 'x2.log'), `${albAt(2)}\n`);
    writeFileSync(join(dir, 'y.log'), `${albAt(3)}\n`);
    const rep = json(await lbuaIn(['analyze', join(dir, 'x*.log'), '--output', 'json'])) as Report;
    expect(rep.inputs).toHaveLength(2);
  });

  it('reads every complete line of a truncated .gz and warns with the byte offset', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => albAt(i, { ip: `198.51.100.${i % 250}` })).join('\n') + '\n';
    const gz = gzipSync(lines);
    const cut = join(tmp, 'cut.log.gz');
    writeFileSync(cut, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const r = await lbuaIn(['analyze', cut, '--output', 'json']);
    expect(r.code).toBe(0);
    const rep = json(r) as Report;
    const input = rep.inputs[0];
    expect(input?.damaged?.offset).toBeGreaterThan(0);
    expect(input?.records).toBeGreaterThan(100);
    expect(input?.records).toBeLessThan(3000);
    expect(input?.malformed).toBe(0); // the partial last line is dropped, not misparsed
    expect(rep.warnings.some((w) => w.code === 'INPUT_DAMAGED' && w.message.includes('cut.log.gz'))).toBe(true);
    const strict = await lbuaIn(['analyze', cut, '--output', 'json', '--strict']);
    expect(strict.code).toBe(2);
  });

  it('counts malformed lines, reports file:line and why on stderr, and keeps going', async () => {
    const f = join(tmp, 'mixed.log');
    writeFileSync(f, [albAt(0), 'garbage line here', albAt(1), 'https 2026-03-10T09:00:00Z truncated', albAt(2)].join('\n') + '\n');
    const r = await lbuaIn(['analyze', f, '--output', 'table']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${f}:2: error`);
    expect(r.stderr).toContain(`${f}:4: error`);
    const rep = json(await lbuaIn(['analyze', f, '--output', 'json'])) as Report;
    expect(rep.inputs[0]).toMatchObject({ lines: 5, records: 3, malformed: 2 });
    expect(rep.warnings.map((w) => w.line)).toEqual([2, 4]);
    expect((await lbuaIn(['analyze', f, '--strict', '--output', 'json'])).code).toBe(2);
  });

  it('reports an over-long line as malformed without buffering it', async () => {
    const f = join(tmp, 'long.log');
    writeFileSync(f, `${albAt(0)}\n${'x'.repeat(200_000)}\n${albAt(1)}\n`);
    const rep = json(await lbuaIn(['analyze', f, '--output', 'json'])) as Report;
    expect(rep.inputs[0]).toMatchObject({ lines: 3, records: 2, malformed: 1 });
    expect(rep.warnings[0]).toMatchObject({ line: 2, code: 'LINE_TOO_LONG' });
  });

  it('handles CRLF and invalid UTF-8 without crashing', async () => {
    const f = join(tmp, 'crlf.log');
    writeFileSync(f, Buffer.concat([Buffer.from(`${albAt(0)}\r\n`), Buffer.from(`${albAt(1, { ua: 'bad' })}\r\n`.replace('bad', '\u00ff'), 'latin1')]));
    const r = await lbuaIn(['records', f]);
    expect(r.code).toBe(0);
    const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { user_agent: string; protocol: string });
    expect(recs).toHaveLength(2);
    expect(recs[0]?.user_agent).toBe('Mozilla/5.0 (X11; Linux x86_64)');
    expect(recs[1]?.user_agent).toBe('\ufffd');
  });

  it('warns when lines end in a bare CR (classic Mac), whose requests would read as one line, with one or two workers', async () => {
    const f = join(tmp, 'cr-only.log');
    writeFileSync(f, `${albAt(0)}\r${albAt(1)}\r${albAt(2)}\r`);
    for (const jobs of ['1', '2']) {
      const rep = json(await lbuaIn(['analyze', f, '--output', 'json', '--jobs', jobs])) as { warnings: { code: string; message: string; hint?: string }[] };
      expect(rep.warnings).toContainEqual(expect.objectContaining({ code: 'INPUT_CR_LINE_ENDINGS', hint: "convert it first, e.g. tr '\\r' '\\n'" }));
      expect(rep.warnings.find((w) => w.code === 'INPUT_CR_LINE_ENDINGS')?.message).toContain('split at the CRs, they are alb lines');
    }
  });

  it('does not blame CR line endings for binary input that happens to hold CR bytes', async () => {
    const f = join(tmp, 'binary.bin');
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 251;
    bytes[100] = 13;
    bytes[900] = 13;
    writeFileSync(f, bytes);
    // No record: exit 2 with the reason (empty-run.ts), not a report that reads as all clear.
    const r = await lbuaIn(['analyze', f, '--output', 'json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no known format parses the first lines of this input');
    expect(r.stderr).not.toContain('CR');
  });

  it('says a JSON-lines log is a layout no format reads yet', async () => {
    const f = join(tmp, 'access.json');
    writeFileSync(f, '{"ip":"1.2.3.4","path":"/x","status":"200"}\n{"ip":"1.2.3.5","path":"/y","status":"404"}\n');
    const r = await lbuaIn(['analyze', f, '--output', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('(it looks like JSON lines, a layout no lbua format reads yet)');
  });

  it.each([
    ['bzip2', Buffer.from('BZh91AY&SY\u0001\u0002', 'latin1'), 'bzcat'],
    ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04]), 'xzcat'],
    ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa4, 0x5d, 0x13, 0x02]), 'zstdcat'],
    ['lz4', Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7]), 'lz4cat'],
    ['zip', Buffer.from('PK\u0003\u0004\u0014\u0000', 'latin1'), 'unzip -p'],
  ])('names %s-compressed input and how to decompress it on the way in', async (name, magic, cat) => {
    const f = join(tmp, `packed.${name}`);
    // Compressed data: no format parses it, and a stray line starting with '#' must not make it an ELB log.
    const junk = Buffer.alloc(3000);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) % 256;
    junk[1200] = 10;
    junk[1201] = 35;
    writeFileSync(f, Buffer.concat([magic, junk]));
    const r = await lbuaIn(['analyze', f, '--output', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toEqual([
      expect.stringContaining(`it looks like ${name}-compressed data; lbua reads gzip and plain text`),
      `lbua: hint: decompress it on the way in, e.g. ${cat} FILE | lbua analyze -`,
      '',
    ]);
    // Next to a log that reads, the same input is a warning in the report.
    const rep = json(await lbuaIn(['analyze', f, join(ROOT, 'fixtures', 'formats', 'alb', 'basic.log'), '--output', 'json'])) as { inputs: { format: string | null }[]; warnings: { code: string; message: string; hint?: string }[] };
    expect(rep.inputs[0]?.format).toBeNull();
    const w = rep.warnings.find((x) => x.code === 'DETECT_NO_FORMAT');
    expect(w?.message).toContain(`it looks like ${name}-compressed data; lbua reads gzip and plain text`);
    expect(w?.hint).toBe(`decompress it on the way in, e.g. ${cat} FILE | lbua analyze -`);
  });

  it('says how to convert a UTF-16 export instead of only "no known format"', async () => {
    const f = join(tmp, 'utf16.log');
    writeFileSync(f, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${albAt(0)}\n${albAt(1)}\n`, 'utf16le')]));
    const r = await lbuaIn(['analyze', f, '--output', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('looks like UTF-16');
    expect(r.stderr).toContain('lbua: hint: convert it to UTF-8 first, e.g. iconv -f UTF-16 -t UTF-8');
  });

  it('exits 2 with one line for a missing path', () => {
    const r = lbua(['analyze', join(tmp, 'nope.log')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('nope.log');
    expect(r.stderr).not.toContain('    at ');
  });

  it('exits 2 for an unreadable path and for usage errors', async () => {
    expect(lbua(['analyze', '/proc/1/mem', '--output', 'json']).code).toBe(2);
    expect((await lbuaIn(['analyze', SAMPLE, '--top', 'zero'])).code).toBe(2);
    expect((await lbuaIn(['analyze', SAMPLE, '--format', 'nosuch'])).code).toBe(2);
    expect((await lbuaIn(['analyze', SAMPLE, '--from', 'yesterday'])).code).toBe(2);
    expect((await lbuaIn(['nosuchcommand'])).code).toBe(2);
  });

  it('says so when most lines fail under a forced format, and suggests the detected one', async () => {
    const f = join(tmp, 'clf.log');
    writeFileSync(f, Array.from({ length: 5 }, () => '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326').join('\n') + '\n');
    const r = await lbuaIn(['analyze', f, '--format', 'alb', '--output', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lbua: no record: .*clf\.log: 5 of 5 lines did not parse as alb; they look like (clf|nginx)\nlbua: hint: try --format (clf|nginx)\n$/);
  });

  it('detects each input\'s own format in one run', async () => {
    const fixtures = join(ROOT, 'fixtures', 'formats');
    const rep = json(await lbuaIn(['analyze', join(fixtures, 'alb', 'basic.log'), join(fixtures, 'nginx', 'ingress.log'), join(fixtures, 'haproxy', 'syslog.log'), join(fixtures, 'clf', 'basic.log.gz'), join(fixtures, 'elb', 'basic.log'), '--output', 'json'])) as Report;
    expect(rep.inputs.map((i) => i.format)).toEqual(['alb', 'nginx', 'haproxy', 'clf', 'elb']);
    expect(rep.summary.requests).toBe(6 + 3 + 3 + 3 + 4);
  });

  it('reads the text formats of issue 18 by auto-detection, a CloudFront file in the field order of its #Fields line', async () => {
    const fixtures = join(ROOT, 'fixtures', 'formats');
    const files = [join(fixtures, 'nlb', 'basic.log'), join(fixtures, 'cloudfront', 'basic.log'), join(fixtures, 'traefik', 'basic.log'), join(fixtures, 'envoy', 'ipv6.log'), join(fixtures, 'nginx', 'iso8601.log')];
    const rep = json(await lbuaIn(['analyze', ...files, '--output', 'json'])) as Report;
    expect(rep.inputs.map((i) => [i.format, i.records])).toEqual([['nlb', 3], ['cloudfront', 3], ['traefik', 3], ['envoy', 2], ['nginx', 3]]);
    const out = await lbuaIn(['records', join(fixtures, 'cloudfront', 'fields-order.log')]);
    const rec = JSON.parse(out.stdout.trim()) as Record<string, unknown>;
    expect([rec['client_ip'], rec['path'], rec['status'], rec['duration_ms'], rec['user_agent']]).toEqual(['198.51.100.23', '/a/b.png', 304, 4, 'Mozilla/5.0 (X11)']);
  });

  it('reports a byte total that no record logged as null, not 0 (Apache logs no request size)', async () => {
    const clf = json(await lbuaIn(['analyze', join(ROOT, 'fixtures', 'formats', 'clf', 'basic.log'), '--output', 'json'])) as Report;
    expect(clf.summary.bytes.in).toBeNull();
    expect(clf.summary.bytes.out).toBeGreaterThan(0);
    const table = await lbuaIn(['analyze', join(ROOT, 'fixtures', 'formats', 'clf', 'basic.log'), '--output', 'table', '--summary-only']);
    expect(table.stdout).toMatch(/in not logged, out /);
  });

  it('filters by --from/--to on request start time', async () => {
    const f = join(tmp, 'range.log');
    writeFileSync(f, Array.from({ length: 10 }, (_, i) => albAt(i * 60)).join('\n') + '\n');
    const rep = json(await lbuaIn(['analyze', f, '--from', '2026-03-10T09:03:00Z', '--to', '2026-03-10T09:06:00Z', '--output', 'json'])) as Report;
    expect(rep.summary.requests).toBe(3);
    expect(rep.summary.time_range?.start).toBe('2026-03-10T09:03:00.000Z');
  });

  it('strips control characters from log content before it reaches the terminal', async () => {
    const f = join(tmp, 'ansi.log');
    writeFileSync(f, `${albAt(0, { ua: 'evil\u001b[2J\u001b]0;pwned\u0007agent' })}\n`);
    const r = await lbuaIn(['analyze', f, '--output', 'table']);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toContain('evil[2J]0;pwnedagent');
  });
});

describe('lbua records', () => {
  it('emits NDJSON with exactly the documented fields, nulls for absent values', async () => {
    const r = await lbuaIn(['records', '-'], { input: `${albAt(0)}\n` });
    expect(r.code).toBe(0);
    const rec = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    expect(Object.keys(rec)).toEqual([
      'time', 'format', 'client_ip', 'client_port', 'client_host', 'method', 'scheme', 'host', 'path', 'query', 'protocol', 'status',
      'backend_status', 'backend', 'duration_ms', 'backend_ms', 'bytes_in', 'bytes_out', 'user_agent', 'referer',
      'tls_protocol', 'tls_cipher', 'trace_id', 'error_reason', 'lb', 'forwarded_for', 'peer_ip', 'edge_location', 'cache_status', 'tls_fingerprint', 'country', 'asn', 'as_org', 'source',
    ]);
    expect(rec).toMatchObject({
      time: '2026-03-10T09:00:00.000Z', format: 'alb', client_ip: '203.0.113.7', client_port: 51000, method: 'GET',
      scheme: 'https', host: 'shop.example.com', path: '/api/v1/cart', query: 'x=1', protocol: 'HTTP/1.1', status: 200,
      backend_status: 200, backend: '10.0.1.17:8080', duration_ms: 201, backend_ms: 200, bytes_in: 310, bytes_out: 5120,
      referer: null, tls_protocol: 'TLSv1.2', error_reason: null, lb: 'app/shop/50dc6c495c0c9188', source: { file: '<stdin>', line: 1 },
      country: null, asn: null, as_org: null, // 203.0.113.0/24 is a documentation range: labelled, not located
    });
  });

  it('keeps input order across files and applies --from', async () => {
    const a = join(tmp, 'ra.log');
    const b = join(tmp, 'rb.log');
    writeFileSync(a, `${albAt(10)}\n${albAt(11)}\n`);
    writeFileSync(b, `${albAt(1)}\n`);
    const r = await lbuaIn(['records', a, b]);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { source: { file: string; line: number } });
    expect(lines.map((l) => `${l.source.file.split('/').pop()}:${l.source.line}`)).toEqual(['ra.log:1', 'ra.log:2', 'rb.log:1']);
    const f = await lbuaIn(['records', a, b, '--from', '2026-03-10T09:00:05Z']);
    expect(f.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('stops quietly when the reader closes the pipe (| head)', () => {
    const r = spawnSync('bash', ['-c', `set -o pipefail; node ${BIN} records ${SAMPLE} | head -n 1`], { env: { ...process.env, NO_COLOR: '1' } });
    expect(r.stdout.toString().trim().split('\n')).toHaveLength(1);
    expect(r.stderr.toString()).toBe('');
    expect([0, 141]).toContain(r.status);
  });
});

describe('lbua formats', () => {
  it('lists every format with a description and a sample', async () => {
    const r = await lbuaIn(['formats']);
    expect(r.code).toBe(0);
    for (const id of ['alb']) expect(r.stdout).toContain(id);
    expect(r.stdout).toContain('sample:');
  });
});
