#!/usr/bin/env node
/*
 * Converts the bundled IP-to-ASN CSVs (@ip-location-db/asn: RouteViews + DB-IP, CC-BY-4.0) into compact binary
 * tables that load in milliseconds: dist/geo/asn-v4.bin (start,end,asn as uint32), dist/geo/asn-v6.bin (start,end as
 * 2×uint64 each, asn as uint32), dist/geo/asn-orgs.bin (ASN → organisation: count n as uint32, n ASNs ascending as
 * uint32, n end offsets as uint32, then the names as UTF-8, so a name is read only when looked up), the same as
 * dist/geo/asn-orgs.json (for people and tests) and dist/geo/geo-info.json (sources, licences, data dates). Runs in `prepare`.
 * The country data (@ip-location-db/geo-whois-asn-country-mmdb) is an mmdb: its IPv4 part is also written as
 * dist/geo/country-v4.bin (count n as uint32, n range starts ascending as uint32, n country indexes as uint16 into
 * geo-info.json's countryCodes, 0 = none), the mmdb's own answer for every address (its search tree walked leaf by
 * leaf, each leaf's data read with the mmdb reader); IPv6 addresses are looked up in the mmdb itself.
 */
'use strict';
const { createReadStream, mkdirSync, writeFileSync, readFileSync } = require('node:fs');
const { join, dirname } = require('node:path');
const { parse } = require('csv-parse');

const root = join(__dirname, '..');
const asnDir = dirname(require.resolve('@ip-location-db/asn/package.json'));
const countryDir = dirname(require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json'));
const out = join(root, 'dist', 'geo');

async function readRanges(file, v6) {
  const starts = [];
  const ends = [];
  const asns = [];
  const orgs = new Map();
  const parser = createReadStream(file).pipe(parse({ relax_quotes: true }));
  for await (const rec of parser) {
    const [start, end, asn, org] = rec;
    const a = Number(asn);
    if (!Number.isInteger(a)) continue;
    starts.push(v6 ? BigInt(start) : Number(start));
    ends.push(v6 ? BigInt(end) : Number(end));
    asns.push(a);
    // Some names are wrapped in a second pair of quotes in the source ("Rightel ..." with the quotes): not part of the name.
    const name = typeof org === 'string' ? org.replace(/^"+|"+$/g, '').trim() : '';
    if (name && !orgs.has(a)) orgs.set(a, name);
  }
  return { starts, ends, asns, orgs };
}

/**
 * Bumped when this script's output changes, so an existing build is redone (2: organisation names unquoted;
 * 3: asn-orgs.bin added; 4: country-v4.bin added).
 */
const BUILD = 4;

/** The ASN → name table as asn-orgs.bin (see the header); `orgs` is sorted by ASN. */
function orgTable(orgs) {
  const entries = Object.entries(orgs).map(([a, name]) => [Number(a), name]).sort((x, y) => x[0] - y[0]);
  const names = entries.map(([, name]) => Buffer.from(name, 'utf8'));
  const head = new Uint32Array(1 + entries.length * 2);
  head[0] = entries.length;
  let end = 0;
  entries.forEach(([a, name], i) => {
    // A name must read back as itself (no lone surrogates): the loader decodes the bytes as UTF-8.
    if (names[i].toString('utf8') !== name) throw new Error(`organisation name of AS${a} is not valid UTF-16`);
    end += names[i].length;
    head[1 + i] = a;
    head[1 + entries.length + i] = end;
  });
  return Buffer.concat([Buffer.from(head.buffer), ...names]);
}

/**
 * The IPv4 part of the country mmdb as ranges: walks the search tree from the IPv4 start node (as the reader does
 * for an IPv4 address) and asks the reader for the country of the first address of each leaf, once per data
 * record. Adjacent ranges with the same country are merged. Returns the table file and the country codes.
 */
function countryTable(mmdbFile) {
  const { Reader } = require('maxmind');
  const db = readFileSync(mmdbFile);
  const reader = new Reader(db);
  const { nodeCount, recordSize, nodeByteSize, ipVersion } = reader.metadata;
  const record = (node, right) => {
    const o = node * nodeByteSize;
    if (recordSize === 24) return db.readUIntBE(o + (right ? 3 : 0), 3);
    if (recordSize === 28) return right ? ((db[o + 3] & 0x0f) << 24) | db.readUIntBE(o + 4, 3) : ((db[o + 3] & 0xf0) << 20) | db.readUIntBE(o, 3);
    if (recordSize === 32) return db.readUInt32BE(o + (right ? 4 : 0));
    throw new Error(`unsupported mmdb record size ${recordSize}`);
  };
  let start = 0;
  if (ipVersion === 6) for (let i = 0; i < 96 && start < nodeCount; i++) start = record(start, false);
  const codes = [null];
  const indexOf = new Map([[null, 0]]);
  const byRecord = new Map();
  const dotted = (n) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
  const starts = [];
  const idx = [];
  // Depth-first, left before right: leaves come in address order.
  const stack = [[start, 0, 0]];
  while (stack.length > 0) {
    const [node, prefix, depth] = stack.pop();
    if (node < nodeCount && depth < 32) {
      stack.push([record(node, true), prefix + 2 ** (31 - depth), depth + 1]);
      stack.push([record(node, false), prefix, depth + 1]);
      continue;
    }
    let code = null;
    if (node > nodeCount) {
      if (!byRecord.has(node)) {
        const r = reader.get(dotted(prefix));
        byRecord.set(node, r !== null && typeof r === 'object' && typeof r.country_code === 'string' ? r.country_code : null);
      }
      code = byRecord.get(node);
    }
    if (!indexOf.has(code)) {
      indexOf.set(code, codes.length);
      codes.push(code);
    }
    const i = indexOf.get(code);
    if (idx.length > 0 && idx[idx.length - 1] === i) continue;
    starts.push(prefix);
    idx.push(i);
  }
  if (codes.length > 65535) throw new Error('too many country codes');
  const head = new Uint32Array(1 + starts.length);
  head[0] = starts.length;
  head.set(starts, 1);
  return { table: Buffer.concat([Buffer.from(head.buffer), Buffer.from(new Uint16Array(idx).buffer)]), codes, ranges: starts.length };
}

async function main() {
  mkdirSync(out, { recursive: true });
  // Up to date already (same package versions)? Then keep the tables.
  try {
    const info = JSON.parse(readFileSync(join(out, 'geo-info.json'), 'utf8'));
    const asnVersion = JSON.parse(readFileSync(join(asnDir, 'package.json'), 'utf8')).version;
    const countryVersion = JSON.parse(readFileSync(join(countryDir, 'package.json'), 'utf8')).version;
    if (info.build === BUILD && info.asn.package.endsWith(`@${asnVersion}`) && info.country.package.endsWith(`@${countryVersion}`) && !process.argv.includes('--force')) return;
  } catch {
    // not built yet
  }
  const t0 = Date.now();
  const v4 = await readRanges(join(asnDir, 'asn-ipv4-num.csv'), false);
  const v6 = await readRanges(join(asnDir, 'asn-ipv6-num.csv'), true);
  const b4 = new Uint32Array(v4.starts.length * 3);
  v4.starts.forEach((s, i) => {
    b4[i * 3] = s;
    b4[i * 3 + 1] = v4.ends[i];
    b4[i * 3 + 2] = v4.asns[i];
  });
  const mask = (1n << 64n) - 1n;
  const b6 = new BigUint64Array(v6.starts.length * 4);
  const a6 = new Uint32Array(v6.starts.length);
  v6.starts.forEach((s, i) => {
    b6[i * 4] = s >> 64n;
    b6[i * 4 + 1] = s & mask;
    b6[i * 4 + 2] = v6.ends[i] >> 64n;
    b6[i * 4 + 3] = v6.ends[i] & mask;
    a6[i] = v6.asns[i];
  });
  writeFileSync(join(out, 'asn-v4.bin'), Buffer.from(b4.buffer));
  writeFileSync(join(out, 'asn-v6.bin'), Buffer.concat([Buffer.from(b6.buffer), Buffer.from(a6.buffer)]));
  const orgs = Object.fromEntries([...new Map([...v4.orgs, ...v6.orgs]).entries()].sort((a, b) => a[0] - b[0]));
  const asnPkg = JSON.parse(readFileSync(join(asnDir, 'package.json'), 'utf8'));
  const countryPkg = JSON.parse(readFileSync(join(countryDir, 'package.json'), 'utf8'));
  const dateOf = (v) => {
    const m = /\.(\d{4})(\d{2})(\d{2})\d*$/.exec(v);
    return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
  };
  writeFileSync(join(out, 'asn-orgs.json'), JSON.stringify(orgs));
  writeFileSync(join(out, 'asn-orgs.bin'), orgTable(orgs));
  const country = countryTable(join(countryDir, 'geo-whois-asn-country.mmdb'));
  writeFileSync(join(out, 'country-v4.bin'), country.table);
  writeFileSync(join(out, 'geo-info.json'), JSON.stringify({
    build: BUILD,
    v4: v4.starts.length,
    v6: v6.starts.length,
    countryV4: country.ranges,
    countryCodes: country.codes,
    asn: { package: `@ip-location-db/asn@${asnPkg.version}`, date: dateOf(asnPkg.version), license: 'CC-BY-4.0', attribution: 'IP to ASN data by RouteViews (routeviews.org) and DB-IP (https://db-ip.com), via ip-location-db' },
    country: { package: `@ip-location-db/geo-whois-asn-country-mmdb@${countryPkg.version}`, date: dateOf(countryPkg.version), license: 'CC0-1.0 (source data CC-BY-4.0 by NRO)', attribution: 'IP to country data from RIR whois and geofeeds (NRO), via ip-location-db' },
  }, null, 2));
  process.stderr.write(`build-geo: ${v4.starts.length} IPv4 and ${v6.starts.length} IPv6 ASN ranges, ${country.ranges} IPv4 country ranges in ${Date.now() - t0} ms\n`);
}

main().catch((e) => {
  process.stderr.write(`build-geo: ${e.message}\n`);
  process.exitCode = 1;
});
