import { parseTrustedProxies, realClient } from '../../src/enrich/trusted-proxy';

describe('--trust-proxy: the client behind trusted proxies (nginx real_ip_recursive)', () => {
  const t = parseTrustedProxies('10.0.0.0/8,203.0.113.5,2001:db8:ffff::/48');

  test('ranges: CIDR, single addresses, IPv6, private', () => {
    expect(t.has('10.1.2.3')).toBe(true);
    expect(t.has('11.1.2.3')).toBe(false);
    expect(t.has('203.0.113.5')).toBe(true);
    expect(t.has('203.0.113.6')).toBe(false);
    expect(t.has('2001:db8:ffff:1::9')).toBe(true);
    expect(t.has('2001:db8:fffe::9')).toBe(false);
    expect(t.has('not-an-ip')).toBe(false);
    const p = parseTrustedProxies('private');
    for (const ip of ['10.9.9.9', '172.31.0.1', '192.168.1.1', '127.0.0.1', 'fd12::1', '::1']) expect(p.has(ip)).toBe(true);
    for (const ip of ['172.32.0.1', '8.8.8.8', '2001:db8::1']) expect(p.has(ip)).toBe(false);
    expect(() => parseTrustedProxies('10.0.0.0/33')).toThrow('"10.0.0.0/33" is not an address or a CIDR range');
    expect(() => parseTrustedProxies('elb')).toThrow('"elb/32" is not an address or a CIDR range');
    expect(() => parseTrustedProxies(' , ')).toThrow('no range given');
  });

  test('the rightmost untrusted hop; the peer when it is not trusted or there is no chain', () => {
    expect(realClient('10.0.0.7', '198.51.100.9', t)).toBe('198.51.100.9');
    // A client that forges a chain gets its own address, not the forged one: read from the right.
    expect(realClient('10.0.0.7', '1.1.1.1, 198.51.100.9, 10.0.0.3', t)).toBe('198.51.100.9');
    expect(realClient('198.51.100.20', '1.1.1.1', t)).toBe('198.51.100.20');
    expect(realClient('10.0.0.7', null, t)).toBe('10.0.0.7');
    // Every hop trusted: the leftmost.
    expect(realClient('10.0.0.7', '10.0.0.1, 10.0.0.2', t)).toBe('10.0.0.1');
    // Ports, brackets, quotes, "unknown" and garbage.
    expect(realClient('10.0.0.7', '198.51.100.9:4711', t)).toBe('198.51.100.9');
    expect(realClient('10.0.0.7', '"[2001:db8::5]:443"', t)).toBe('2001:db8::5');
    expect(realClient('10.0.0.7', '2001:db8::6, unknown', t)).toBe('2001:db8::6');
    expect(realClient('10.0.0.7', '-', t)).toBe('10.0.0.7');
  });
});
