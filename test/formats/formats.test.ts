/**
 * Data-driven format suite: every format × every fixture case under fixtures/formats/<id>/, compared with its
 * reviewed `<case>.expected.json` (one entry per input line). `UPDATE_FIXTURES=1 npm test` rewrites the expected
 * files; review the diff like code. `.gz` twins must parse identically.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allFormats } from '../../src/formats/registry';
import { detectFormat } from '../../src/formats/detect';
import { parseFile, readTextLines } from '../helpers/parse-file';
import { newRecord } from '../../src/formats/shared/record';
import type { FormatParser } from '../../src/formats/types';
import { ROOT } from '../helpers/cli';

const FIXTURES = join(ROOT, 'fixtures', 'formats');

function cases(id: string): string[] {
  const dir = join(FIXTURES, id);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => f.slice(0, -4)).sort();
}

describe.each(allFormats().map((f) => [f.id, f] as const))('format %s', (id, format) => {
  it.each(format.samples.map((s, i) => [i, s] as const))('sample %i parses to a record and is detected', (_i, sample) => {
    const r = format.parse(sample, { source: { file: 'sample', line: 1 }, strict: true });
    expect(r.kind).toBe('record');
    expect(format.detect(sample)).toBeGreaterThanOrEqual(0.5);
  });

  it.each(cases(id))('%s.log matches %s.expected.json', (name) => {
    const dir = join(FIXTURES, id);
    const actual = parseFile(format, join(dir, `${name}.log`), `${name}.log`);
    const expectedPath = join(dir, `${name}.expected.json`);
    if (process.env['UPDATE_FIXTURES'] === '1' || !existsSync(expectedPath)) {
      writeFileSync(expectedPath, `${JSON.stringify(actual, null, 2)}\n`);
    }
    expect(actual).toEqual(JSON.parse(readFileSync(expectedPath, 'utf8')));
  });

  it.each(cases(id).filter((n) => existsSync(join(FIXTURES, id, `${n}.log.gz`))))('%s.log.gz parses identically to %s.log', (name) => {
    const dir = join(FIXTURES, id);
    expect(parseFile(format, join(dir, `${name}.log.gz`), `${name}.log`)).toEqual(parseFile(format, join(dir, `${name}.log`), `${name}.log`));
  });

  it('has fixture cases, including basic, sentinels, malformed and ipv6, and a .gz twin', () => {
    expect(cases(id)).toEqual(expect.arrayContaining(['basic', 'sentinels', 'malformed', 'ipv6']));
    expect(existsSync(join(FIXTURES, id, 'basic.log.gz'))).toBe(true);
  });

  it('auto-detection picks this format for its basic fixture', () => {
    const lines = readTextLines(join(FIXTURES, id, 'basic.log'));
    // Plain combined lines are labelled clf; the nginx fixture carries nginx timing fields.
    expect(detectFormat(lines).format?.id).toBe(id);
  });

  it('never throws on hostile input', () => {
    const junk = ['', ' ', '"', '"""', '[', '{', '\u0000\u001b[2J', 'x'.repeat(10_000), '- - - - - - - - - - - - - - - - - -', format.samples[0]?.slice(0, 40) ?? ''];
    for (const line of junk) expect(() => format.parse(line, { source: { file: 'junk', line: 1 }, strict: false })).not.toThrow();
  });
});

describe('auto-detection', () => {
  it('detects each format on mutated fixtures (CRLF stripped by framing, junk lines mixed in)', () => {
    for (const f of allFormats()) {
      const lines = readTextLines(join(FIXTURES, f.id, 'basic.log'));
      const mixed = [...lines, 'garbage', ...lines];
      expect(detectFormat(mixed).format?.id).toBe(f.id);
    }
  });

  it('reports no format for lines nothing parses', () => {
    expect(detectFormat(['{"json": true}', 'hello world']).format).toBeNull();
  });

  it('labels a one-line CloudFront file cloudfront, with or without its header lines (it was elb: the # lines were its comments)', () => {
    const lines = readTextLines(join(FIXTURES, 'cloudfront', 'basic.log'));
    const one = lines.find((l) => !l.startsWith('#')) ?? '';
    expect(detectFormat([one]).format?.id).toBe('cloudfront');
    expect(detectFormat([...lines.filter((l) => l.startsWith('#')), one]).format?.id).toBe('cloudfront');
  });

  it('when two formats parse the same lines with the same shape, prefers the one whose fields all check', () => {
    // Two formats that parse every line with the same shape score; the first reads a status that cannot be one.
    const fake = (id: string, status: number): FormatParser => ({
      id, title: id, description: `${id} test format`, docsUrl: 'https://example.com', samples: [],
      detect: () => 0.9,
      parse: (_line, ctx) => ({ kind: 'record', record: newRecord(Date.UTC(2024, 0, 1), id, '192.0.2.1', null, null, 'GET', null, null, '/', null, null, status, null, null, null, null, null, null, null, null, null, null, null, null, null, ctx.source) }),
    });
    const lines = ['a line', 'another line'];
    expect(detectFormat(lines, [fake('wrong', 1234), fake('right', 200)]).format?.id).toBe('right');
    expect(detectFormat(lines, [fake('first', 200), fake('second', 200)]).format?.id).toBe('first');
  });

  it('tells an nginx $time_iso8601 log nginx, and Traefik, Envoy and NLB lines from the formats they resemble', () => {
    expect(detectFormat(readTextLines(join(FIXTURES, 'nginx', 'iso8601.log')).slice(0, 1)).format?.id).toBe('nginx');
    expect(detectFormat(readTextLines(join(FIXTURES, 'traefik', 'basic.log')).slice(0, 1)).format?.id).toBe('traefik');
    expect(detectFormat(readTextLines(join(FIXTURES, 'envoy', 'ipv6.log')).slice(0, 1)).format?.id).toBe('envoy');
    expect(detectFormat(readTextLines(join(FIXTURES, 'nlb', 'sentinels.log')).slice(0, 1)).format?.id).toBe('nlb');
  });

  it('labels a plain combined log clf and an extended one nginx', () => {
    const plain = '172.17.0.1 - - [31/Mar/2021:12:04:07 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/7.75.0"';
    expect(detectFormat([plain]).format?.id).toBe('clf');
    expect(detectFormat([`${plain} 0.004 0.003`]).format?.id).toBe('nginx');
  });
});
