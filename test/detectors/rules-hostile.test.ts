/**
 * --emit-rules with hostile values (issue 16, item 10). Every address, network, route, rate and ASN in a finding's
 * actions comes from log content, which the attacker writes: a client field `fe80::1%25;}server{listen` used to be
 * written verbatim into nginx `geo` and HAProxy `acl` lines (the configs then fail `nginx -t`/`haproxy -c`, and the
 * block is silently lost), and a zone id carrying a terminal payload reached the comments and the AWS WAF JSON raw.
 *
 * Property: the output for findings that mix valid and hostile values is, comments aside, exactly the output for
 * the valid values alone (no hostile value adds, removes or changes a directive), it holds no control character but
 * the line feed, and the real servers accept it (where installed; .ci/run installs nginx-light and haproxy).
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderRules, type RuleTarget } from '../../src/report/rules';
import type { ReportFinding } from '../../src/report/types';
import { HAPROXY, NGINX, haproxyCheck, nginxCheck } from '../helpers/rule-servers';

if (NGINX === null) console.log('nginx -t checks of hostile rules skipped: no nginx binary (.ci/run installs nginx-light)');
if (HAPROXY === null) console.log('haproxy -c checks of hostile rules skipped: no haproxy binary (.ci/run installs haproxy)');

const TARGETS: readonly RuleTarget[] = ['nginx', 'haproxy', 'aws-waf'];

/** Anything that must never be in an emitted file: control characters but LF, separators, bidi, lone surrogates. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The zone-id payloads of the issue. */
const ZONE_INJECT = 'fe80::1%25;}server{listen';
const ZONE_TERMINAL = 'fe80::1%\u001b]52;c;bHMgLWxhIH4=\u0007\u001b[2J\u001b[H';

function finding(title: string, actions: Record<string, unknown>[]): ReportFinding {
  return {
    id: title, detector: 'burst', severity: 'high', confidence: 0.9, title, subject: { type: 'ip', value: title },
    window: { start: '2026-03-10T10:00:00.000Z', end: '2026-03-10T10:10:00.000Z' }, metrics: {}, evidence: [], actions, related: [],
  };
}

/** What the burst detector proposes for a bursting address, and the scanner detector for a prober. */
const burst = (ip: string): ReportFinding => finding(`${ip}: 700 req/min, 107.7x its baseline`, [
  { type: 'rate-limit', key: 'ip', limit_per_minute: 60, window_seconds: 60, scope: ip, why: 'normal clients stay under 30 req/min' },
  { type: 'block', ips: [ip], cidrs: [], why: 'burst' },
]);
const scanner = (ip: string): ReportFinding => finding(`${ip}: probing — 600 sensitive-file requests`, [{ type: 'block', ips: [ip], cidrs: [], why: 'probing for sensitive files / injection' }]);

/** The lines that are not comments or blank: what a server reads. */
function directives(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

interface Waf {
  Rules: { Name: string; VisibilityConfig: { MetricName: string } }[];
  IPSets: { Name: string; IPAddressVersion: string; Addresses: string[] }[];
  Notes: string[];
}

/** Every string inside a parsed JSON value. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      strings(x, out);
    }
  }
  return out;
}

/** A valid CIDR of the family, as AWS WAF takes it; checked with Node's parser, not lbua's. */
function wafCidr(s: string, version: string): boolean {
  const m = /^([0-9a-f:.]+)\/(\d{1,3})$/.exec(s);
  if (!m || s.length > 50) return false;
  const bits = Number(m[2]);
  return version === 'IPV4' ? isIPv4(m[1] ?? '') && bits >= 1 && bits <= 32 : isIPv6(m[1] ?? '') && bits >= 1 && bits <= 128;
}

/** What is wrong with AWS WAF output (JSON the API takes: names by its patterns, IP sets of valid CIDRs, regexes ≤ 512). */
function wafProblems(text: string): string[] {
  const waf = JSON.parse(text) as Waf;
  const problems: string[] = [];
  const name = /^[\w-]{1,128}$/;
  for (const r of waf.Rules) {
    if (!name.test(r.Name)) problems.push(`rule name ${r.Name}`);
    if (!/^[\w#:.\-/]{1,128}$/.test(r.VisibilityConfig.MetricName)) problems.push(`metric name ${r.VisibilityConfig.MetricName}`);
  }
  for (const set of waf.IPSets) {
    if (!name.test(set.Name)) problems.push(`IP set name ${set.Name}`);
    for (const a of set.Addresses) if (!wafCidr(a, set.IPAddressVersion)) problems.push(`${set.IPAddressVersion} address ${JSON.stringify(a)}`);
  }
  for (const r of text.match(/"RegexString": "(?:[^"\\]|\\.)*"/g) ?? []) {
    const re = (JSON.parse(`{${r}}`) as { RegexString: string }).RegexString;
    if (re.length > 512) problems.push(`regex of ${re.length} characters`);
    try {
      new RegExp(re);
    } catch {
      problems.push(`regex ${re}`);
    }
  }
  for (const s of strings(waf)) if (FORBIDDEN.test(s)) problems.push(`control character in ${JSON.stringify(s)}`);
  return problems;
}

/** The AWS WAF output, parsed, after checking it has no problem. */
function expectValidWaf(text: string): Waf {
  expect(wafProblems(text)).toEqual([]);
  return JSON.parse(text) as Waf;
}

describe('hostile client addresses in a burst and a scanner finding (reproducers)', () => {
  const findings = [burst('185.220.101.45'), burst(ZONE_INJECT), scanner(ZONE_INJECT), burst(ZONE_TERMINAL), scanner(ZONE_TERMINAL)];
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lbua-hostile-rules-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(TARGETS)('%s: the hostile values are left out and said to be, the valid address stays, no control character', (target) => {
    const out = renderRules(findings, target);
    expect(out).not.toMatch(FORBIDDEN);
    const rules = target === 'aws-waf' ? JSON.stringify((JSON.parse(out) as Waf).Rules) + JSON.stringify((JSON.parse(out) as Waf).IPSets) : directives(out).join('\n');
    for (const piece of ['%', 'server{', 'listen', 'fe80', ']52;']) expect(rules).not.toContain(piece);
    expect(rules).toContain('185.220.101.45');
    expect(out).toContain('left out: 2 rate limits whose scope is not a valid address, network, endpoint (path characters only) or ASN');
    expect(out).toContain('left out: 4 block-list values that are not valid IPv4 or IPv6 addresses or networks');
  });

  it('nginx: one zone and one deny, for the valid address only', () => {
    const out = renderRules(findings, 'nginx');
    expect(directives(out).filter((l) => /^(geo|map|limit_req_zone|limit_req|deny) /.test(l))).toEqual([
      'geo $lbua_in_1 {', 'map $lbua_in_1 $lbua_key_1 {', 'limit_req_zone $lbua_key_1 zone=lbua_1:10m rate=60r/m;',
      'limit_req zone=lbua_1 burst=10 nodelay;', 'deny 185.220.101.45;',
    ]);
  });

  it('haproxy: one blocked address and one address limit, for the valid address only', () => {
    expect(directives(renderRules(findings, 'haproxy')).filter((l) => l.startsWith('acl '))).toEqual(['acl lbua_blocked src 185.220.101.45', 'acl lbua_1 src 185.220.101.45']);
  });

  it('aws-waf: IP sets of the valid address only, names and notes the API and a terminal take', () => {
    const waf = expectValidWaf(renderRules(findings, 'aws-waf'));
    expect(waf.IPSets.map((s) => s.Addresses)).toEqual([['185.220.101.45/32'], ['185.220.101.45/32']]);
  });

  (NGINX ? it : it.skip)('nginx -t accepts the rules', () => {
    const r = nginxCheck(renderRules(findings, 'nginx'), dir);
    expect(r.output).toContain('test is successful');
    expect(r.ok).toBe(true);
  });

  (HAPROXY ? it : it.skip)('haproxy -c accepts the rules', () => {
    const r = haproxyCheck(renderRules(findings, 'haproxy'), dir);
    expect(r.output).toContain('Configuration file is valid');
    expect(r.ok).toBe(true);
  });

  (HAPROXY ? it : it.skip)('haproxy -c accepts a block list of 300 addresses (a line holds at most 64 words)', () => {
    const many = Array.from({ length: 300 }, (_, i) => scanner(`198.51.${Math.floor(i / 200)}.${i % 200}`));
    const out = renderRules(many, 'haproxy');
    expect(directives(out).every((l) => l.split(' ').length <= 64)).toBe(true);
    const r = haproxyCheck(out, dir);
    expect(r.output).toContain('Configuration file is valid');
    expect(r.ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property tests

const octet = fc.nat(255);
const v4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
const net = fc.oneof(
  v4,
  v6,
  fc.tuple(v4, fc.integer({ min: 1, max: 32 })).map(([a, b]) => `${a}/${b}`),
  fc.tuple(v6, fc.integer({ min: 1, max: 128 })).map(([a, b]) => `${a}/${b}`),
  fc.constantFrom('::ffff:203.0.113.9', '2001:DB8::0:1', '010.001.002.003'),
);
const segment = fc.oneof(fc.stringMatching(/^[A-Za-z0-9\-._~!&()*+,=:@%]{0,10}$/), fc.constantFrom(':id', ':uuid', ':var', ':hash.js', 'v1', 'login'));
const route = fc.array(segment, { minLength: 1, maxLength: 6 }).map((s) => `/${s.join('/')}`);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH');
const validScope = fc.oneof(
  net,
  route,
  fc.tuple(method, route).map(([m, r]) => `${m} ${r}`),
  fc.integer({ min: 0, max: 4_294_967_295 }).map((n) => `AS${n}`),
);

/** Characters no valid scope or address holds: grammar-significant ones, controls, C1, separators, bidi, non-ASCII. */
const BAD = [';', '{', '}', '"', "'", '\\', '#', '\n', '\r', '$', ' ', '\t', '`', '<', '>', '|', '^', '[', ']', '?', '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u009b', '\u009d', '\u2028', '\u2029', '\u202e', '\u2066', '\u00e9', '\ud800', '\udc00'];
/** Any UTF-16 code units, lone surrogates included. */
const anyText = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 60 });
/** Text made of the characters that matter to the three grammars. */
const grammarText = fc.string({ unit: fc.constantFrom(...BAD, 'a', '1', ':', '/', '.', '%', '*', '/', 'deny', 'server{listen 1;}', '\u001b[2J'), maxLength: 40 });
const badChar = fc.constantFrom(...BAD);

/** An invalid value: a valid one with a bad character inserted (and anything after it), a zone id, or junk. */
const hostileScope = fc.oneof(
  fc.tuple(validScope, fc.nat(), badChar, fc.oneof(anyText, grammarText)).map(([v, at, bad, tail]) => {
    const i = at % (v.length + 1);
    return `${v.slice(0, i)}${bad}${v.slice(i)}${tail}`;
  }),
  fc.tuple(v6, fc.oneof(anyText, grammarText)).map(([a, zone]) => `${a}%${zone}`),
  fc.constantFrom(ZONE_INJECT, ZONE_TERMINAL, `${'9'.repeat(5000)};`, '1.2.3.4/0', '::/0', '0.0.0.0/0', '1.2.3.4/33', 'AS4294967296', '/a/../b$'),
);
const goodRate = fc.integer({ min: 1, max: 100_000 });
const badRate = fc.constantFrom<unknown>(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -5, 1e7, 0.4, '60', null);
const key = fc.constantFrom<unknown>('ip', 'ip', 'forwarded-ip', 'asn', '\u001b[2J', undefined);
const text = fc.oneof(anyText, grammarText, fc.constant(`${'x'.repeat(20000)}\u001b]0;pwned\u0007`));

type Item =
  | { readonly kind: 'limit'; readonly scope: string; readonly rate: unknown; readonly key: unknown; readonly why: string; readonly valid: boolean }
  | { readonly kind: 'block'; readonly value: string; readonly list: 'ips' | 'cidrs'; readonly valid: boolean };

const item: fc.Arbitrary<Item> = fc.oneof(
  fc.record({ kind: fc.constant('limit' as const), scope: validScope, rate: goodRate, key, why: text, valid: fc.constant(true) }),
  fc.record({ kind: fc.constant('limit' as const), scope: hostileScope, rate: goodRate, key, why: text, valid: fc.constant(false) }),
  fc.record({ kind: fc.constant('limit' as const), scope: validScope, rate: badRate, key, why: text, valid: fc.constant(false) }),
  fc.record({ kind: fc.constant('block' as const), value: net, list: fc.constantFrom('ips' as const, 'cidrs' as const), valid: fc.constant(true) }),
  fc.record({ kind: fc.constant('block' as const), value: hostileScope, list: fc.constantFrom('ips' as const, 'cidrs' as const), valid: fc.constant(false) }),
);
const proposals = fc.array(fc.record({ title: text, items: fc.array(item, { maxLength: 6 }) }), { minLength: 1, maxLength: 5 });

/** The findings for the proposals; with `validOnly`, the invalid values are not there at all. */
function toFindings(ps: readonly { title: string; items: readonly Item[] }[], validOnly: boolean): ReportFinding[] {
  return ps.map((p, i) => {
    const items = p.items.filter((x) => x.valid || !validOnly);
    const actions: Record<string, unknown>[] = [];
    for (const x of items) if (x.kind === 'limit') actions.push({ type: 'rate-limit', key: x.key, limit_per_minute: x.rate, window_seconds: 60, scope: x.scope, why: x.why });
    const blocks = items.filter((x): x is Extract<Item, { kind: 'block' }> => x.kind === 'block');
    if (blocks.length > 0) actions.push({ type: 'block', ips: blocks.filter((b) => b.list === 'ips').map((b) => b.value), cidrs: blocks.filter((b) => b.list === 'cidrs').map((b) => b.value), why: p.title });
    return finding(`${i} ${p.title}`, actions);
  });
}

describe('property: hostile values never change, add or break a directive', () => {
  it.each(TARGETS)('%s: comments aside, the output is that of the valid values alone; no control character', (target) => {
    fc.assert(fc.property(proposals, (ps) => {
      const mixed = renderRules(toFindings(ps, false), target);
      const valid = renderRules(toFindings(ps, true), target);
      expect(mixed).not.toMatch(FORBIDDEN);
      if (target === 'aws-waf') {
        const [m, v] = [expectValidWaf(mixed), expectValidWaf(valid)];
        expect([m.Rules, m.IPSets]).toEqual([v.Rules, v.IPSets]);
      } else {
        expect(directives(mixed)).toEqual(directives(valid));
        // A comment is one line: nothing after '#' can reach the next line.
        expect(mixed.split('\n').every((l) => l === '' || l.startsWith('#') || !/#/.test(l))).toBe(true);
      }
    }), { seed: 1616, numRuns: 1000 });
  });

  describe('the servers accept every output', () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'lbua-rules-prop-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    (NGINX ? it : it.skip)('nginx -t (80 runs)', () => {
      fc.assert(fc.property(proposals, (ps) => {
        const r = nginxCheck(renderRules(toFindings(ps, false), 'nginx'), dir);
        if (!r.ok) throw new Error(r.output);
      }), { seed: 1617, numRuns: 80 });
    });

    (HAPROXY ? it : it.skip)('haproxy -c (60 runs)', () => {
      fc.assert(fc.property(proposals, (ps) => {
        const r = haproxyCheck(renderRules(toFindings(ps, false), 'haproxy'), dir);
        if (!r.ok) throw new Error(r.output);
      }), { seed: 1618, numRuns: 60 });
    });
  });
});
