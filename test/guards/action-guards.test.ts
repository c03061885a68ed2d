/**
 * Issue 19, item 6: actions carry guards no finding can override. A property test: whatever the findings propose,
 * no rule emitter writes a block or a limit for an address or network that carries more than the guard share of all
 * requests, nor for a private, loopback, link-local or CGNAT range or a published crawler range.
 */
import fc from 'fast-check';
import { guardFactsOf, DEFAULT_GUARD_SHARE } from '../../src/detect/guards/action-guards';
import { toReport } from '../../src/detect/stage';
import type { Action, Finding } from '../../src/detect/types';
import { renderRules, type RuleTarget } from '../../src/report/rules';
import { canonicalNet, type Net } from '../../src/enrich/geo/net';

const TARGETS: readonly RuleTarget[] = ['nginx', 'haproxy', 'aws-waf'];

/** Every address or network a rules file names (deny, geo entries, acl src lists, WAF IP sets). */
function emittedNets(text: string, target: RuleTarget): Net[] {
  const out: string[] = [];
  if (target === 'aws-waf') {
    const doc = JSON.parse(text) as { IPSets: { Addresses: string[] }[] };
    for (const s of doc.IPSets) out.push(...s.Addresses);
  } else {
    for (const line of text.split('\n')) {
      if (line.startsWith('#')) continue;
      const deny = /^deny (\S+);$/.exec(line);
      if (deny?.[1]) out.push(deny[1]);
      const geo = /^ {4}([0-9a-f:./]+) 1;$/.exec(line);
      if (geo?.[1]) out.push(geo[1]);
      const acl = /^acl lbua_\S+ src (.+)$/.exec(line);
      if (acl?.[1]) out.push(...acl[1].split(' '));
    }
  }
  return out.map((x) => canonicalNet(x)).filter((x): x is Net => x !== null);
}

const finding = (n: number, actions: Action[]): Finding => ({
  detector: 'burst', severity: 'high', confidence: 0.9, title: `f${n}`, subject: { type: 'ip', value: `198.51.100.${n}` },
  startMs: 1_773_122_400_000 + n * 60_000, endMs: 1_773_122_460_000 + n * 60_000, metrics: {}, explanation: '', evidence: [], actions,
});

describe('action guards', () => {
  // Addresses from a few networks, public, private and crawler ones among them.
  const pool = ['198.51.100.7', '198.51.100.8', '198.51.100.9', '203.0.113.10', '203.0.113.11', '45.155.205.3', '45.155.205.4',
    '10.0.0.5', '192.168.1.20', '100.64.3.3', '66.249.66.4', '40.77.167.9', '185.220.101.45', '2001:db8::7', '2001:db8::8'];
  const netOf = (ip: string, bits: number): string => canonicalNet(`${ip}/${bits}`)?.text ?? ip;

  it('no emitter writes a block or a limit for a key above the share, or a protected range (property)', () => {
    const arb = fc.record({
      counts: fc.array(fc.tuple(fc.constantFrom(...pool), fc.integer({ min: 1, max: 5000 })), { minLength: 1, maxLength: 15 }),
      proposals: fc.array(fc.record({
        ip: fc.constantFrom(...pool), bits: fc.constantFrom(0, 8, 16, 24), kind: fc.constantFrom('block', 'limit'), rate: fc.integer({ min: 1, max: 500 }),
      }), { minLength: 1, maxLength: 12 }),
      share: fc.constantFrom(0.01, DEFAULT_GUARD_SHARE, 0.2, 0.5),
    });
    fc.assert(fc.property(arb, ({ counts, proposals, share }) => {
      const clients = new Map<string, number>();
      for (const [ip, n] of counts) clients.set(ip, (clients.get(ip) ?? 0) + n);
      const total = [...clients.values()].reduce((a, b) => a + b, 0);
      const facts = guardFactsOf([...clients], total, share, null, new Map());
      const raw = proposals.map((p, i) => {
        const value = p.bits === 0 || p.ip.includes(':') ? p.ip : netOf(p.ip, p.bits);
        const action: Action = p.kind === 'block'
          ? { type: 'block', ips: value.includes('/') ? [] : [value], cidrs: value.includes('/') ? [value] : [], why: 'x' }
          : { type: 'rate-limit', key: 'ip', limit_per_minute: p.rate, window_seconds: 60, scope: value, why: 'x' };
        return finding(i, [action]);
      });
      const report = toReport(raw, { proxies: new Map(), guards: facts });
      for (const target of TARGETS) {
        const text = renderRules(report, target);
        for (const net of emittedNets(text, target)) {
          expect(facts.requestsOf(net) / total).toBeLessThanOrEqual(share);
          for (const special of ['10.0.0.0/8', '192.168.0.0/16', '100.64.0.0/10', '66.249.64.0/19', '40.77.167.0/24']) {
            expect(netsOverlap(net, canonicalNet(special) as Net)).toBe(false);
          }
        }
      }
    }), { numRuns: 300, seed: 19 });
  });

  it('says in the finding and in each rules file why no block is proposed', () => {
    const facts = guardFactsOf([['203.0.113.10', 9_000], ['198.51.100.7', 100]], 9_100, DEFAULT_GUARD_SHARE, null, new Map());
    const report = toReport([finding(1, [{ type: 'block', ips: ['203.0.113.10', '198.51.100.7'], cidrs: [], why: 'scanner' }])], { proxies: new Map(), guards: facts });
    const actions = report[0]?.actions ?? [];
    expect(actions).toContainEqual({ type: 'block', ips: ['198.51.100.7'], cidrs: [], why: 'scanner', summary: 'block 198.51.100.7: scanner (between 06:01 and 06:02 UTC on 2026-03-10)' });
    expect(actions).toContainEqual(expect.objectContaining({ type: 'no-block', subject: '203.0.113.10', why: expect.stringContaining('carries 98.9% of all requests (guard: 5%)') }));
    expect(renderRules(report, 'nginx')).toContain('# no block on 203.0.113.10: carries 98.9% of all requests');
    expect(renderRules(report, 'nginx')).toContain('\ndeny 198.51.100.7;\n');
    expect(renderRules(report, 'nginx')).not.toContain('deny 203.0.113.10;');
    expect(renderRules(report, 'haproxy')).toContain('# no block on 203.0.113.10: carries 98.9%');
    expect(JSON.parse(renderRules(report, 'aws-waf')).Notes.join('\n')).toContain('no block on 203.0.113.10: carries 98.9%');
  });

  it('counts an address under its canonical form whatever spelling the log used (leading zeros, IPv4-mapped IPv6)', () => {
    const clients: [string, number][] = [['203.0.113.10', 100], ['203.0.113.010', 50], ['::ffff:203.0.113.10', 25], ['198.51.100.7', 10], ['not-an-ip', 5]];
    const facts = guardFactsOf(clients, 190, DEFAULT_GUARD_SHARE, null, new Map());
    const net = (text: string): Net => canonicalNet(text) as Net;
    expect(facts.requestsOf(net('203.0.113.10'))).toBe(175);
    expect(facts.requestsOf(net('198.51.100.7'))).toBe(10);
    expect(facts.requestsOf(net('203.0.113.0/24'))).toBe(175);
    expect(facts.requestsOf(net('198.51.0.0/16'))).toBe(10);
  });

  it('does not count the finding\'s own requests against the share: a flood is blocked, an office NAT that bursts is not', () => {
    // 203.0.113.10 sent 600 of the run's 9,000 requests (6.7%), all in its burst; 198.51.100.7 (an office NAT) sent
    // 2,700 (30%), 300 of them in its burst.
    const facts = guardFactsOf([['203.0.113.10', 600], ['198.51.100.7', 2_700], ['192.0.2.1', 5_700]], 9_000, DEFAULT_GUARD_SHARE, null, new Map());
    const flood = { ...finding(1, [{ type: 'block', ips: ['203.0.113.10'], cidrs: [], why: 'flood' }]), subject: { type: 'ip' as const, value: '203.0.113.10' }, metrics: { requests: 600 } };
    const nat = { ...finding(2, [{ type: 'block', ips: ['198.51.100.7'], cidrs: [], why: 'burst' }]), subject: { type: 'ip' as const, value: '198.51.100.7' }, metrics: { requests: 300 } };
    const report = toReport([flood, nat], { proxies: new Map(), guards: facts });
    const byTitle = new Map(report.map((f) => [f.title, f.actions]));
    expect(byTitle.get('f1')).toEqual([expect.objectContaining({ type: 'block', ips: ['203.0.113.10'], cidrs: [], why: 'flood' })]);
    expect(byTitle.get('f2')).toEqual([expect.objectContaining({ type: 'no-block', why: expect.stringContaining("carries 26.7% of all requests besides this finding's (guard: 5%)") })]);
  });

  it('never writes a private, CGNAT or crawler range, even from a finding without guard facts', () => {
    const report = toReport([finding(1, [{ type: 'block', ips: ['10.0.0.5', '100.64.1.1', '66.249.66.4', '198.51.100.7'], cidrs: ['192.168.0.0/16'], why: 'x' }])]);
    const nginx = renderRules(report, 'nginx');
    expect(nginx.split('\n').filter((l) => l.startsWith('deny'))).toEqual(['deny 198.51.100.7;']);
    expect(nginx).toContain('left out: 4 blocks or rate limits on values the action guards protect');
  });
});

function netsOverlap(a: Net, b: Net): boolean {
  if (a.v !== b.v) return false;
  const base = (n: Net): string => n.text.split('/')[0] ?? '';
  const bits = Math.min(a.bits, b.bits);
  return canonicalNet(`${base(a)}/${bits}`)?.text === canonicalNet(`${base(b)}/${bits}`)?.text;
}
