// @ts-check
/*
 * Whole-file shapes for the fuzz harness: inputs that break files rather than lines (empty, blank lines, gzip of them,
 * NUL, random bytes, one long line; a batch gzipped, truncated, with a bad CRC or trailing garbage, CR-only, CRLF,
 * BOM, UTF-16).
 */
'use strict';
const { gzipSync } = require('node:zlib');
const { batchBytes, countLines } = require('./fuzz-mutate');
const { toBytes } = require('./fuzz-values');

/**
 * A whole input: its bytes, the line count lbua must report (null when it cannot be known: a damaged gzip), and
 * the number of lines the time bound is computed from.
 * @typedef {{ name: string, bytes: Buffer, expectLines: number | null, lines: number, damaged: boolean }} Shape
 */

/**
 * Whole-file shapes that do not depend on a format: empty, blank lines, gzip of them, NUL, random bytes, one long line.
 * @param {import('./fuzz-mutate').Rng} rng
 * @returns {Shape[]}
 */
function commonShapes(rng) {
  const blank = Buffer.alloc(100_000, 10);
  const random = Buffer.from(Array.from({ length: 65536 }, () => rng.int(0, 255)));
  const longLine = Buffer.from(`${'x'.repeat(100 * 1024)}`);
  /** @type {(name: string, bytes: Buffer, lines?: number | null) => Shape} */
  const shape = (name, bytes, lines) => {
    const plain = bytes[0] === 0x1f && bytes[1] === 0x8b ? null : bytes;
    const n = lines === undefined ? (plain ? countLines(plain) : 0) : lines;
    return { name, bytes, expectLines: n, lines: n ?? 0, damaged: false };
  };
  return [
    shape('empty', Buffer.alloc(0)),
    shape('blank-lines', blank),
    shape('blank-crlf', Buffer.from('\r\n'.repeat(50_000))),
    shape('spaces-lines', Buffer.from(' \t \n'.repeat(20_000))),
    shape('blank-lines.gz', gzipSync(Buffer.alloc(1024 * 1024, 10)), 1024 * 1024),
    shape('empty.gz', gzipSync(Buffer.alloc(0)), 0),
    shape('nul-only', Buffer.alloc(65536, 0)),
    shape('random-bytes', random),
    shape('one-100k-line', longLine),
    shape('one-100k-line-nl', Buffer.concat([longLine, Buffer.from('\n')])),
    shape('cr-only-blank', Buffer.alloc(100_000, 13)),
    shape('gzip-magic-only', Buffer.from([0x1f, 0x8b]), null),
  ];
}

/**
 * Whole-file shapes made from a format's batch: gzip, truncated gzip, gzip with a flipped CRC (every line intact),
 * CR-only line ends, CRLF, a UTF-8 BOM, UTF-16, gzip with trailing garbage.
 * @param {readonly import('./fuzz-mutate').FuzzLine[]} lines
 * @param {import('./fuzz-mutate').Rng} rng
 * @returns {Shape[]}
 */
function batchShapes(lines, rng) {
  const plain = batchBytes(lines);
  const n = countLines(plain);
  const gz = gzipSync(plain);
  const crc = Buffer.from(gz);
  crc[crc.length - 8] = (crc[crc.length - 8] ?? 0) ^ 0xff;
  const cut = gz.subarray(0, rng.int(Math.floor(gz.length / 4), gz.length - 9));
  const text = plain.toString('latin1');
  /** @type {(name: string, bytes: Buffer, expectLines: number | null, damaged?: boolean) => Shape} */
  const shape = (name, bytes, expectLines, damaged = false) => ({ name, bytes, expectLines, lines: n, damaged });
  const utf16 = (/** @type {string} */ name, /** @type {Buffer} */ bytes) => shape(name, bytes, countLines(bytes));
  return [
    shape('gzip', gz, n),
    shape('gzip-truncated', cut, null, true),
    shape('gzip-bad-crc', crc, n, true),
    shape('gzip-trailing-garbage', Buffer.concat([gz, Buffer.from('garbage\n')]), null, true),
    shape('cr-only', toBytes(text.replace(/\n/g, '\r')), countLines(toBytes(text.replace(/\n/g, '\r')))),
    shape('crlf', toBytes(text.replace(/\n/g, '\r\n')), n),
    shape('bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), plain]), n),
    utf16('utf16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(plain.toString('latin1'), 'utf16le')])),
  ];
}

module.exports = { commonShapes, batchShapes };
