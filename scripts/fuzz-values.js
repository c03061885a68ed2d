// @ts-check
/*
 * The hostile values the fuzz mutators (scripts/fuzz-mutate.js) write into log lines: extreme numbers and dates,
 * hostile client fields, control characters, invalid UTF-8, huge-field shapes. Strings are latin1 (one char = one
 * byte); `u8` writes a character as its UTF-8 bytes.
 */
'use strict';

/** UTF-8 bytes of `s` as a latin1 string (so a mutated line can hold any character). */
const u8 = (/** @type {string} */ s) => Buffer.from(s, 'utf8').toString('latin1');
/** A latin1 line as bytes. */
const toBytes = (/** @type {string} */ s) => Buffer.from(s, 'latin1');

const EXTREME_NUMBERS = [
  '9000000000000.0', '9'.repeat(310), '-0', '1e309', 'NaN', '-1', '-999999', 'Infinity', '-Infinity', '0x1F', '1_000',
  '000000000000000000001', '4294967296', '9007199254740993', '1e-400', '.5', '5.', '+5', '8.7e12', '8700000000.000',
  '1.7976931348623157e308', '-9000000000000.0', '0.0000001', '', u8('١٢٣'),
];
const HOSTILE_CLIENTS = [
  u8('fe80::1%\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J'), 'fe80::1%25;}server{listen', 'fe80::1%eth0', 'evil.example.com',
  'localhost', '', '-', '999.999.999.999', '1.2.3', '::ffff:1.2.3.4', '1.2.3.4.5', '0x7f000001', '01.02.03.04', '::',
  u8('2001:db8::1%\u009b31m'), `fe80::1%${'a'.repeat(5000)}`, '1.2.3.4\x00', u8('١.٢.٣.٤'), '1.1.1.1;deny all;',
  '10.0.0.1 } server { listen 81', "1.2.3.4'\"", 'fe80::1%"; }', '256.1.1.1', '1.2.3.4/0',
];
const CONTROL_PAYLOADS = [
  '\x1b[2J', '\x1b]52;c;Zm9v\x07', '\x07', '\x08\x08\x08', '\x7f', u8('\u009b31m'), u8('\u009d0;title\u009c'), '\x9b',
  '\x1b', u8('\u202e'), u8('\u2028'), '\x1bP+q\x1b\\', '\x0c', '\x0b',
];
const INVALID_UTF8 = ['\xff', '\xc3', '\xed\xa0\x80', '\xf4\x90\x80\x80', '\xc0\xaf', '\xe2\x82', '\xfe\xfe\xff\xff', '\x80'];
const HUGE_SIZES = [4096, 8192, 16384, 61440, 65000, 65536, 70000];
const HUGE_UNITS = ['xbo', 'x.', 'x-', 'ab12', 'X', 'a/', '%41', 'Mozilla/5.0 (', '(', 'a', 'x.y-', 'Bot', '0123456789abcdef', 'A1/'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ISO_DATES = [
  '0001-01-01T00:00:00.000000Z', '9999-12-31T23:59:59.999999Z', '2026-13-01T00:00:00.000000Z', '2026-02-30T25:61:61Z',
  '1970-01-01T00:00:00.000000Z', '2026-02-30T25:61:61.000000Z', '+275760-09-13T00:00:00.000Z', '1969-12-31T23:59:59.999999Z',
  '2026-03-10T09:00:00.000000+99:99', '2026-03-10T09:-6:00.000000Z', '10000-01-01T00:00:00.000000Z', '2026-03-10T09:00:00.9999999999999Z',
];
const CLF_DATES = [
  '10/Dec/2018:15:-6:49', '01/Jan/0001:00:00:00 +0000', '31/Dec/9999:23:59:59 +0000', '32/Foo/2026:25:61:61 +9999',
  '10/Dec/2018:15:06:49 -9999', '00/Jan/1900:00:00:00 +0000', '10/Dec/2018:15:-6:49.497', '31/Feb/2026:24:00:00 +0000',
  '10/Dec/20180:15:06:49 +0000',
];
const DATE_PARTS = ['-6', '00', '99', '61', '13', '0001', '9999', '', 'Foo', '1e3', u8('٣'), '-0', '+1', '999999999'];
const ISO_RE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g;
const CLF_RE = /\d{2}\/[A-Za-z]{3}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d{3})?(?: [+-]\d{4})?/g;
const SYSLOG_RE = /\b[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}\b/g;
const NUMBER_RE = /-?\d+(?:\.\d+)?/g;

module.exports = {
  u8, toBytes, EXTREME_NUMBERS, HOSTILE_CLIENTS, CONTROL_PAYLOADS, INVALID_UTF8, HUGE_SIZES, HUGE_UNITS, MONTHS, ISO_DATES,
  CLF_DATES, DATE_PARTS, ISO_RE, CLF_RE, SYSLOG_RE, NUMBER_RE,
};
