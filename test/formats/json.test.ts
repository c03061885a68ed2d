/**
 * The JSON-lines engine (src/formats/json/): units, table checks, which table takes a line, and the lines no table
 * takes. The per-format fixtures are in fixtures/formats/<id>/ (formats.test.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { compileJsonTable, JsonTableError, type JsonTable } from '../../src/formats/json/engine';
import { convert, goDurationMs, splitAddress, timeMs } from '../../src/formats/json/units';
import { detectFormat } from '../../src/formats/detect';
import { allFormats } from '../../src/formats/registry';
import { CORPUS } from '../helpers/corpus';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const ctx = { source: { file: 't', line: 1 }, strict: false };

describe('time unit', () => {
  it.each([
    // Azure's timestamp corner cases (elastic-integrations test-time-formats-corner-cases.log): all 2007-01-09T09:41Z.
    ['01/09/2007 09:41:00', '2007-01-09T09:41:00.000Z'],
    ['1/9/2007 09:41:00', '2007-01-09T09:41:00.000Z'],
    ['01/09/2007 09:41:00 AM', '2007-01-09T09:41:00.000Z'],
    ['1/9/2007 9:41:00 AM', '2007-01-09T09:41:00.000Z'],
    ['1/9/2007 10:41:00 AM +01:00', '2007-01-09T09:41:00.000Z'],
    ['2007-01-09T09:41:00', '2007-01-09T09:41:00.000Z'],
    ['2007-01-09T09:41:00.22Z', '2007-01-09T09:41:00.220Z'],
    ['2007-01-09T09:41:00.6816663Z', '2007-01-09T09:41:00.681Z'],
    ['2007-01-09T09:41:00.535404056Z', '2007-01-09T09:41:00.535Z'],
    ['2007-01-09T09:41:00.992099+00:00', '2007-01-09T09:41:00.992Z'],
    ['2007-01-09T11:41:00+02:00', '2007-01-09T09:41:00.000Z'],
    ['1/9/2007 12:41:00 PM', '2007-01-09T12:41:00.000Z'],
    // nginx $time_local, epoch seconds / ms / ns as numbers and strings (Caddy ts, nginx msec, Cloudflare unixnano).
    ['09/Jan/2007:10:41:00 +0100', '2007-01-09T09:41:00.000Z'],
    [1168335660.5, '2007-01-09T09:41:00.500Z'],
    ['1168335660', '2007-01-09T09:41:00.000Z'],
    [1168335660123, '2007-01-09T09:41:00.123Z'],
    [1168335660123000000, '2007-01-09T09:41:00.123Z'],
    ['1168335660123000000', '2007-01-09T09:41:00.123Z'],
  ])('%s', (input, iso) => {
    expect(new Date(Math.floor(timeMs(input))).toISOString()).toBe(iso);
  });

  it('refuses what is not a time', () => {
    for (const bad of ['yesterday', '2007-13-01T00:00:00Z', '31/12/2024 10:00:00', '13:00 AM', true, {}, -5]) expect(timeMs(bad)).toBeNaN();
  });

  it('corpus: every time layout of the Azure corner-case file is read', () => {
    if (CORPUS === null) return;
    const lines = readFileSync(join(CORPUS, 'azure-appgw', 'elastic-integrations__azure__test-time-formats-corner-cases.log'), 'utf8').split('\n').filter((l) => l !== '');
    // Some carry a fraction of a second: the same minute, whatever the layout.
    for (const l of lines) expect(new Date(Math.floor(timeMs((JSON.parse(l) as { time: string }).time))).toISOString().slice(0, 19)).toBe('2007-01-09T09:41:00');
  });
});

describe('other units', () => {
  it('durations', () => {
    expect(convert('duration-string-s', '0.012345s')).toBe(12.345);
    expect(convert('s', '0.052')).toBe(52);
    expect(convert('ns', 357313)).toBe(0.357);
    expect(convert('ms-or-fractional-s', 205)).toBe(205);
    expect(convert('ms-or-fractional-s', 0.052)).toBe(52);
    expect(convert('go-duration-or-s', 0.000929675)).toBe(0.93);
    expect(goDurationMs('1m2.5s')).toBe(62_500);
    expect(goDurationMs('850µs')).toBe(0.85);
    expect(goDurationMs('fast')).toBeNaN();
    expect(convert('list-s-sum', '1.001, 0.999 : 0.5')).toBe(2500);
    expect(convert('list-s-sum', '-')).toBeNull();
    expect(convert('list-last', '10.0.0.5:8080, 10.0.0.6:8080')).toBe('10.0.0.6:8080');
    expect(convert('list-last-int', '502, 504')).toBe(504);
  });

  it('addresses: a bare IPv6 address keeps every colon', () => {
    expect(splitAddress('2001:db8::1')).toEqual({ ip: '2001:db8::1', port: null });
    expect(splitAddress('[2001:db8::1]:443')).toEqual({ ip: '2001:db8::1', port: 443 });
    expect(splitAddress('89.160.20.156:1234')).toEqual({ ip: '89.160.20.156', port: 1234 });
    expect(convert('addr-port', '39496')).toBe(39496);
    expect(convert('list-last-ip', '192.168.1.100, 10.0.0.50')).toBe('10.0.0.50');
  });

  it('TLS codes', () => {
    expect(convert('tls-version', 772)).toBe('TLSv1.3');
    expect(convert('tls-version', '1.2')).toBe('TLSv1.2');
    expect(convert('tls-cipher', 4865)).toBe('TLS_AES_128_GCM_SHA256');
    expect(convert('tls-cipher', 1)).toBe('0x0001');
  });
});

describe('tables', () => {
  const base: JsonTable = {
    id: 'mine', title: 'My JSON', description: 'a table of my own', docsUrl: 'https://example.com', samples: [], markers: [['"when"']],
    all: [{ path: 'when' }],
    fields: [{ field: 'startMs', path: 'when' }, { field: 'status', path: 'res.code' }, { field: 'url', path: 'u' }],
  };

  it('a user table reads its lines', () => {
    const f = compileJsonTable(base);
    const r = f.parse('{"when":"2024-05-01T10:00:00Z","res":{"code":"404"},"u":"https://a.example/x?y=1"}', ctx);
    expect(r.kind === 'record' && [r.record.status, r.record.host, r.record.path, r.record.query, r.record.scheme]).toEqual([404, 'a.example', '/x', 'y=1', 'https']);
  });

  it.each([
    [{ fields: [{ field: 'status', path: 'code' }] }, /no field maps to startMs or endMs/],
    [{ fields: [{ field: 'nope', path: 'x' }, { field: 'startMs', path: 'when' }] }, /fields\[0\]: unknown field "nope"/],
    [{ fields: [{ field: 'startMs', path: 'when', unit: 'fortnights' }] }, /fields\[0\]: unknown unit "fortnights"/],
    [{ all: [], any: [] }, /which lines are its own/],
  ])('a table that cannot be compiled says why (%#)', (change, message) => {
    expect(() => compileJsonTable({ ...base, ...(change as Partial<JsonTable>) })).toThrow(JsonTableError);
    expect(() => compileJsonTable({ ...base, ...(change as Partial<JsonTable>) })).toThrow(message);
  });

  it('a line that is not a JSON object is malformed with the reason', () => {
    const f = compileJsonTable(base);
    for (const line of ['[1,2]', '{"when":', 'when=now', '"x"']) {
      const r = f.parse(line, ctx);
      expect(r.kind).toBe('error');
      expect(r.kind === 'error' && r.diagnostic.message).toMatch(/not a JSON object/);
    }
  });
});

describe('which table takes a line', () => {
  const samples = allFormats().filter((f) => f.samples[0]?.startsWith('{')).map((f) => [f.id, f.samples[0] ?? ''] as const);

  it.each(samples)('%s: only its own table reads its sample', (id, sample) => {
    const readers = allFormats().filter((f) => f.parse(sample, ctx).kind === 'record').map((f) => f.id);
    expect(readers).toEqual([id]);
    expect(detectFormat([sample]).format?.id).toBe(id);
  });

  it('JSON no table knows is no format (so lbua says it looks like JSON lines)', () => {
    expect(detectFormat(['{"ip":"1.2.3.4","path":"/x","status":"200"}']).format).toBeNull();
    expect(detectFormat(['{"level":"info","ts":1703373474.8,"msg":"server running"}']).format).toBeNull();
  });

  it('Azure exports: a {"records": [...]} line with one record is parsed as it, one with several is split into them (packed.test.ts)', () => {
    const azure = allFormats().find((f) => f.id === 'azure-appgw');
    const one = JSON.parse(azure?.samples[0] ?? '{}') as unknown;
    expect(azure?.parse(JSON.stringify({ records: [one] }), ctx).kind).toBe('record');
    expect(azure?.split?.(JSON.stringify({ records: [one] }))).toBeNull();
    const two = JSON.stringify({ records: [one, one] });
    expect(azure?.split?.(two)?.map((p) => azure.parse(p, ctx).kind)).toEqual(['record', 'record']);
    // Read whole (bypassing the split), such a line is refused rather than read as its first record.
    const r = azure?.parse(two, ctx);
    expect(r?.kind === 'error' && r.diagnostic.message).toMatch(/holding 2 records/);
  });

  it('Kubernetes CRI and docker-compose prefixes are dropped', async () => {
    const envoy = allFormats().find((f) => f.id === 'envoy-json');
    expect(envoy?.parse(`2025-12-31T17:37:40.493035218+01:00 stdout F ${envoy.samples[0] ?? ''}`, ctx).kind).toBe('record');
    const caddy = allFormats().find((f) => f.id === 'caddy');
    expect(caddy?.parse(`caddy  | ${caddy.samples[0] ?? ''}`, ctx).kind).toBe('record');
    expect(caddy?.parse(`garbage words ${caddy.samples[0] ?? ''}`, ctx).kind).toBe('error');
  });
});

describe('--format-file JSON tables', () => {
  const dir = tempDir('lbua-json-');
  const log = join(dir, 'edge.log');
  writeFileSync(log, [
    '{"when":"2024-05-01T10:00:00Z","peer":"203.0.113.7","req":{"method":"GET","uri":"/a?b=1"},"res":{"code":200},"took_us":1500}',
    '{"when":"2024-05-01T10:00:01Z","peer":"203.0.113.8","req":{"method":"POST","uri":"/login"},"res":{"code":401},"took_us":800}',
  ].join('\n') + '\n');
  const table = {
    all: ['when', 'req.uri'],
    fields: [
      { field: 'startMs', path: 'when' }, { field: 'clientIp', path: 'peer' }, { field: 'method', path: 'req.method' },
      { field: 'url', path: 'req.uri' }, { field: 'status', path: 'res.code' }, { field: 'durationMs', path: 'took_us', unit: 'us' },
    ],
  };
  type Rep = { inputs: { format: string; records: number; malformed: number }[] };

  it('a declared table is auto-detected and read (without it, lbua says it looks like JSON lines)', async () => {
    const file = join(dir, 'formats.json');
    writeFileSync(file, JSON.stringify({ formats: [{ name: 'edge', json: table }] }));
    const rep = json(await lbuaIn(['analyze', log, '--format-file', file, '--output', 'json'])) as Rep;
    expect(rep.inputs[0]).toMatchObject({ format: 'edge', records: 2, malformed: 0 });
    const none = await lbuaIn(['analyze', log, '--output', 'json']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('looks like JSON lines');
  });

  it('a table that cannot be compiled is one line, exit 2', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ formats: [{ name: 'edge', json: { ...table, fields: [{ field: 'when', path: 'when' }] } }] }));
    const r = await lbuaIn(['analyze', log, '--format-file', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^lbua: --format-file ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: JSON table "edge": fields\\[0\\]: unknown field "when"`));
  });
});
