/**
 * requestInto reads a request line in place (offsets into the log line, parts written into the record being built):
 * it must give exactly what the string version gave, the request line sliced out and split, with the host's port
 * cut by hostWithoutPort. The oracle below is that string version as it was, kept verbatim.
 */
import fc from 'fast-check';
import { parseRequestLine, requestInto, splitHostPort, type RequestParts } from '../../src/formats/shared/request';
import { hostWithoutPort } from '../../src/formats/shared/result';
import { fieldPortColon, scanFields } from '../../src/formats/shared/scan';
import { parseDigits } from '../../src/core/units';

interface Parts { method: string | null; scheme: string | null; host: string | null; path: string | null; query: string | null; protocol: string | null }
const NONE: Parts = { method: null, scheme: null, host: null, path: null, query: null, protocol: null };

function oracle(req: string): Parts {
  if (req === '' || req === '-' || req === '- - -' || req === '- - - ') return NONE;
  const first = req.indexOf(' ');
  if (first < 0) return isMethodToken(req) ? { ...NONE, method: req } : other(req);
  const last = req.lastIndexOf(' ');
  let targetEnd = req.length;
  let protocol: string | null = null;
  if (last > first) {
    if (req.startsWith('HTTP/', last + 1)) {
      targetEnd = last;
      protocol = req.slice(last + 1);
    } else if (last === req.length - 1 || (last === req.length - 2 && req.charCodeAt(last + 1) === 45)) {
      targetEnd = last;
    }
  }
  const method = first === 0 || (first === 1 && req.charCodeAt(0) === 45) ? null : req.slice(0, first);
  if (method !== null && !isMethodToken(method)) return other(req);
  const target = req.slice(first + 1, targetEnd);
  if (target === '' || target === '-') return { ...NONE, method, protocol };
  let scheme: string | null = null;
  let host: string | null = null;
  let restStart = 0;
  const sep = target.charCodeAt(0) === 47 ? -1 : target.indexOf('://');
  if (sep > 0 && sep < 10) {
    scheme = target.slice(0, sep).toLowerCase();
    const hostStart = sep + 3;
    let hostEnd = hostStart;
    while (hostEnd < target.length) {
      const c = target.charCodeAt(hostEnd);
      if (c === 47 || c === 63 || c === 35) break;
      hostEnd++;
    }
    host = hostEnd > hostStart ? target.slice(hostStart, hostEnd) : null;
    restStart = hostEnd;
    if (host !== null && hostEnd === target.length && host.endsWith('-')) host = host.slice(0, -1) || null;
  }
  const q = target.indexOf('?', restStart);
  const pathEnd = q < 0 ? target.length : q;
  const path = pathEnd > restStart ? target.slice(restStart, pathEnd) : scheme ? '/' : null;
  const query = q < 0 ? null : target.slice(q + 1);
  return { method, scheme, host, path, query, protocol };
}

/** Added with non-HTTP request lines (issue 19): what another protocol's bytes are, as the protocol. */
function other(req: string): Parts {
  const head = req.slice(0, 256);
  const esc = (c: string): string[] => [c, `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`];
  const starts = (...cs: string[]): boolean => {
    const go = (s: string, i: number): boolean => i === cs.length || esc(cs[i] ?? '').some((e) => s.startsWith(e) && go(s.slice(e.length), i + 1));
    return go(head, 0);
  };
  const protocol = starts('\x16', '\x03') ? 'TLS' : head.startsWith('SSH-') ? 'SSH' : head.includes('mstshash=') || starts('\x03', '\x00', '\x00') ? 'RDP'
    : /(?:\\x(?:ff|fe|FF|FE|fF|Ff|fE|Fe)|[\xfe\xff])SMB/.test(head) ? 'SMB' : starts('\x05', '\x01') || starts('\x05', '\x02') || starts('\x05', '\x03') || starts('\x04', '\x01') ? 'SOCKS' : /\\x[0-9a-fA-F]{2}|[\x00-\x08\x0e-\x1f\x7f]/.test(head) ? 'binary' : null;
  return { ...NONE, protocol };
}

function isMethodToken(s: string): boolean {
  return /^[A-Za-z0-9_-]{1,24}$/.test(s);
}

/** Request-line-ish text: the characters the parsing turns on, and common tokens. */
const piece = fc.constantFrom('GET', 'POST', 'get', '-', ' ', '  ', 'HTTP/1.1', 'HTTP/2.0', 'HTTP/', 'https', 'HTTPS', 'http', '://', ':', '[', ']', '::1', '/', '?', '#', 'a', 'x.y', ':443', '80-', '\x16\x03', '\\x16\\x03', 'SSH-2.0-Go', 'Cookie: mstshash=a', '\\xffSMB', '\x01', '\x05\x01', '\\x05\\x02', '\x04');
const request = fc.array(piece, { maxLength: 12 }).map((p) => p.join(''));

describe('requestInto', () => {
  it('reads a request line in place exactly as the string version split it (host with and without its port)', () => {
    fc.assert(
      fc.property(request, fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), (req, before, after) => {
        const text = `${before}${req}${after}`;
        const want = oracle(req);
        const out: RequestParts = { method: 'junk', scheme: 'junk', host: 'junk', path: 'junk', query: 'junk', protocol: 'junk' };
        requestInto(out, text, before.length, before.length + req.length, false);
        expect(out).toEqual(want);
        requestInto(out, text, before.length, before.length + req.length, true);
        expect(out).toEqual({ ...want, host: hostWithoutPort(want.host) });
        expect(parseRequestLine(req)).toEqual(want);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('fieldPortColon', () => {
  it('cuts client:port where splitHostPort does, or hands the field to it', () => {
    const field = fc.array(fc.constantFrom('1', '9', '.', ':', '[', ']', '-', 'a', '65535', '65536', '::1', '"', '\\'), { maxLength: 10 }).map((p) => p.join(''));
    fc.assert(
      fc.property(field, (client) => {
        const line = `x ${client} y`;
        const off = new Int32Array(8);
        if (scanFields(line, off) < 3 || off[2] !== 2 || (off[3] ?? 0) !== 2 + client.length) return;
        const pc = fieldPortColon(line, off, 1);
        if (pc === -2) return;
        const want = splitHostPort(client);
        const ip = line.slice(2, pc < 0 ? 2 + client.length : pc);
        const port = pc < 0 ? null : parseDigits(line, pc + 1, 2 + client.length);
        expect({ ip, port }).toEqual(want);
      }),
      { numRuns: 5000 },
    );
  });
});
