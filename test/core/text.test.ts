import fc from 'fast-check';
import { excerpt, oneLine, stripControl, terminalSafeJson } from '../../src/core/text';
import { getFormat } from '../../src/formats/registry';
import { formatBytes } from '../../src/core/units';

describe('excerpt', () => {
  it('cuts long lines to max characters with an ellipsis, control characters stripped, tabs and newlines as spaces', () => {
    const line = `GET\t/x\u001b[31m${'a'.repeat(500)}`;
    const e = excerpt(line, 20);
    expect(e).toHaveLength(20);
    expect(e).toBe(`GET /x[31m${'a'.repeat(9)}…`);
  });

  it('still fills the excerpt when control characters fill the head of a long line', () => {
    const line = `${'\u0001'.repeat(1000)}${'b'.repeat(300)}`;
    expect(excerpt(line, 50)).toBe(`${'b'.repeat(49)}…`);
  });

  it('keeps short lines whole', () => {
    expect(excerpt('short line', 50)).toBe('short line');
  });
});

describe('haproxy shape detection', () => {
  const haproxy = getFormat('haproxy');
  it('matches with or without a syslog prefix and only then', () => {
    expect(haproxy?.detect('10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"')).toBe(0.95);
    expect(haproxy?.detect('Feb  6 12:14:14 lb haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"')).toBe(0.95);
    expect(haproxy?.detect('http 2018-07-02T22:23:00.186641Z app/lb/50dc 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://x:80/ HTTP/1.1" "curl/7.46.0"')).toBe(0);
  });
});

describe('formatBytes', () => {
  it('uses binary units with one decimal, the same in the terminal and HTML reports', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2_798_420)).toBe('2.7 MiB');
    expect(formatBytes(6.5 * 1024 ** 3)).toBe('6.5 GiB');
    expect(formatBytes(3 * 1024 ** 5)).toBe('3072.0 TiB');
  });
});

describe('terminal safety', () => {
  // eslint-disable-next-line no-control-regex
  const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  /** Any UTF-16 code units, controls and lone surrogates included. */
  const units = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });

  it('stripControl removes C0 (but tab and LF), DEL, C1, separators and bidi controls; oneLine makes breaks spaces', () => {
    expect(stripControl('a\u001b[2Jb\u009b31mc\u009d0;t\u009cd\u007fe\u2028f\u202eg\u2066h\u200fi\u061cj\tk\nl')).toBe('a[2Jb31mc0;tdefghij\tk\nl');
    expect(oneLine('a\u2028b\u2029c\r\nd\te')).toBe('a b c  d e');
  });

  it('terminalSafeJson: valid JSON with the same values and no raw control, separator or bidi character (1,000 runs)', () => {
    const value = fc.oneof(units, fc.array(units), fc.dictionary(units, fc.oneof(units, fc.integer(), fc.constant(null))));
    fc.assert(fc.property(value, fc.constantFrom(undefined, 2), (v, indent) => {
      const json = JSON.stringify(v, null, indent);
      const safe = terminalSafeJson(json);
      expect(RAW.test(safe.replace(/\n/g, ''))).toBe(false);
      expect(JSON.parse(safe)).toEqual(JSON.parse(json));
    }), { seed: 1610, numRuns: 1000 });
  });

  it('terminalSafeJson leaves JSON without such characters as it is', () => {
    const json = JSON.stringify({ a: 'plain \u00e9 text', b: [1, 2] }, null, 2);
    expect(terminalSafeJson(json)).toBe(json);
    expect(terminalSafeJson('"\u009b"')).toBe('"\\u009b"');
  });
});
