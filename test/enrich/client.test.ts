/**
 * The enricher's client table computes each address's facts once, with the networks of IPv4 addresses found by
 * number and the plain IPv6 parser: the facts must be clientFacts' (the per-address definition) for every kind of
 * value a record can carry, through its front memo, its sharing tables and its clearing when full.
 */
import fc from 'fast-check';
import { clientFacts, createClientTable, networksOf } from '../../src/enrich/client';
import type { GeoLookup } from '../../src/enrich/geo/index';
import { formatIp, parseIp, parseIpv6 } from '../../src/enrich/geo/ip';
import type { GeoInfo } from '../../src/enrich/types';
import { FrontCache } from '../../src/core/text';

/** A geo lookup whose facts are a function of the address's text (the ASN from its length and last digit). */
const fakeGeo: GeoLookup = {
  hasCity: false,
  lookup: (ip) => fakeGeo.resolve(ip),
  resolve(ip): GeoInfo | null {
    if (parseIp(ip) === null) return null;
    const asn = ip.length % 3 === 0 ? null : 64_500 + (ip.charCodeAt(ip.length - 1) % 7);
    return { country: asn === null ? null : 'DE', asn, asOrg: null, city: null, region: null, network: 'unknown', special: null };
  },
  info: () => [],
};

const VALUES = [
  '198.51.100.20', '198.51.100.99', '8.8.8.8', '0.0.0.0', '255.255.255.255', '010.1.2.3', '1.02.3.4', '1.2.3',
  '2001:db8::7', '2001:DB8:0:0:1::', '::', '::1', '::ffff:81.2.69.160', '::ffff:1.2.3.4', 'fe80::1%eth0', '[2001:db8::1]',
  '1:2:3:4:5:6:7:8', '1::2:3:4:5:6:7:8', ':::', 'crawl-66-249-66-1.googlebot.com', 'localhost', '-', '',
];

describe('createClientTable', () => {
  it('gives the facts clientFacts gives, for addresses, odd values and non-addresses, also when cleared', () => {
    for (const geo of [null, fakeGeo]) {
      const table = createClientTable(geo, { addressCache: 5, cacheKeyChars: 1000 });
      for (let round = 0; round < 3; round++) {
        for (const v of VALUES) expect(table(v)).toEqual(clientFacts(v, geo ? geo.resolve(v) : null));
      }
    }
  });

  it('agrees with clientFacts on random IPv4 and IPv6 texts', () => {
    const table = createClientTable(fakeGeo, { addressCache: 64, cacheKeyChars: 4096 });
    const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('00', '01', '007'));
    const v4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
    const group = fc.oneof(fc.integer({ min: 0, max: 0xffff }).map((g) => g.toString(16)), fc.constantFrom('', '0', 'ffff', '12345'));
    const v6 = fc.array(group, { minLength: 1, maxLength: 9 }).map((g) => g.join(':'));
    fc.assert(fc.property(fc.oneof(v4, v6), (s) => {
      expect(table(s)).toEqual(clientFacts(s, fakeGeo.resolve(s)));
    }), { numRuns: 2000 });
  });

  it('shares one network string among the addresses of a network', () => {
    const table = createClientTable(null, { addressCache: 100, cacheKeyChars: 1000 });
    const a = table('203.0.113.1');
    const b = table('203.0.113.2');
    expect(a.narrow).toBe('203.0.113.0/24');
    expect(b.narrow).toBe(a.narrow);
    expect(networksOf('203.0.113.2')).toEqual({ narrow: '203.0.113.0/24', wide: '203.0.0.0/16' });
  });
});

describe('parseIpv6 (plain and general)', () => {
  it('reads compressed, uppercase and full forms to their canonical text', () => {
    const canon = (s: string): string | null => {
      const p = parseIp(s);
      return p === null ? null : formatIp(p);
    };
    expect(canon('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(canon('1::')).toBe('1::');
    expect(canon('::2:3:4:5:6:7:8')).toBe('0:2:3:4:5:6:7:8');
    expect(canon('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3');
    for (const bad of [':::', '1:::2', '::::', ':1', '1:', '1::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '12345::']) expect(parseIpv6(bad)).toBeNull();
  });
});

describe('FrontCache', () => {
  it('gives back what was set for a key, and nothing for another key or after clear', () => {
    for (const tail of [0, 24]) {
      const front = new FrontCache<number>(16, tail);
      front.set('/api/v1/products/1', 1);
      expect(front.get('/api/v1/products/1')).toBe(1);
      expect(front.get('/api/v1/products/2')).toBeUndefined();
      front.clear();
      expect(front.get('/api/v1/products/1')).toBeUndefined();
      expect(front.get('')).toBeUndefined();
    }
  });
});
