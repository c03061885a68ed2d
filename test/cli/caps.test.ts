/**
 * Hostile cardinality (item 6 of issue 16): a botnet log with far more distinct addresses than the caps must run in
 * bounded memory, say once per capped structure what its cap did (CAP_REACHED), and still find the one address that
 * bursts among them, with its numbers exact. The caps are lowered through LBUA_CAP_SCALE instead of generating
 * millions of lines; the full-size figures are in the README.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, lbua, ROOT } from '../helpers/cli';
import { BURST_IP, botnetAlbLines } from '../helpers/cardinality';
import type { Report } from '../../src/report/types';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const T0 = Date.UTC(2026, 2, 10, 9, 0, 0);
/** Caps a thousandth of the defaults ×2: 200 top keys, 40 burst cells a minute, 400 open sessions, ... */
const SMALL = { LBUA_CAP_SCALE: '0.002' };

describe('caps on input-keyed state (CAP_REACHED)', () => {
  const dir = tempDir('lbua-caps-');
  const file = join(dir, 'botnet.log');
  // 20,000 addresses with one request each over 20 minutes; 198.51.100.77 sends 600 a minute for 3 minutes.
  writeFileSync(file, `${botnetAlbLines({ startMs: T0, clients: 20_000, minutes: 20, burstPerMinute: 600, burstMinutes: 3 }).join('\n')}\n`);

  let one: ReturnType<typeof lbua>;
  beforeAll(() => {
    one = lbua(['analyze', '--jobs', '1', '--output', 'json', file], { env: SMALL });
  });

  it('says once per capped structure what its cap did, in the JSON warnings', () => {
    expect(one.code).toBe(0);
    const rep = json(one) as Report;
    const caps = rep.warnings.filter((w) => w.code === 'CAP_REACHED');
    expect(caps.every((w) => w.severity === 'info' && w.file === null && w.line === null)).toBe(true);
    const names = caps.map((w) => w.message.slice(0, w.message.indexOf(':')));
    // One note per structure, never twice.
    expect(new Set(caps.map((w) => w.message.split(';')[0])).size).toBe(caps.length);
    for (const s of ['top clients table', 'burst', 'api-abuse', 'scanner', 'sessions']) expect(names).toContain(s);
    const clients = caps.find((w) => w.message.startsWith('top clients table'))?.message ?? '';
    expect(clients).toMatch(/^top clients table: capped at 200 keys .*; [\d,]+ evicted \(the lightest, each with at most 1 requests when evicted\)/);
    expect(clients).toContain('unique_clients is an estimate');
  });

  it('keeps the heavy hitter exactly: the burst is found with its true peak, and it tops the clients table', () => {
    const rep = json(one) as Report;
    const burst = rep.findings.find((f) => f.detector === 'burst' && f.subject.value === BURST_IP);
    expect(burst).toBeDefined();
    expect(burst?.metrics).toMatchObject({ peak_rpm: 600, requests: 1800 });
    expect(rep.top.clients?.[0]).toMatchObject({ key: BURST_IP, requests: 1800 });
    const enumeration = rep.findings.find((f) => f.detector === 'api-abuse' && f.subject.value === BURST_IP);
    expect(enumeration?.metrics).toMatchObject({ kind: 'enumeration', sequential_steps: 1799 });
    // No aggregate is called a burst because its baseline was evicted to make room for one-off addresses.
    expect(rep.findings.filter((f) => f.detector === 'burst').map((f) => f.subject.value)).toEqual([BURST_IP]);
    expect(Math.abs(rep.summary.unique_clients - 20_001) / 20_001).toBeLessThan(0.03);
  });

  it('gives the same report on two worker threads', () => {
    const two = lbua(['analyze', '--jobs', '2', '--output', 'json', file], { env: SMALL });
    expect(two.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
  });

  it('prints the notes on stderr in table mode', () => {
    const t = lbua(['analyze', '--jobs', '1', '--output', 'table', file], { env: SMALL });
    expect(t.code).toBe(0);
    expect(t.stderr).toMatch(/^info CAP_REACHED: burst: per-minute counters capped at 20 entities per kind/m);
    expect(t.stderr).toMatch(/^info CAP_REACHED: sessions: capped at 400 sessions open at once/m);
  });

  it('lbua sessions says when it closed sessions early', () => {
    const s = lbua(['sessions', file], { env: SMALL });
    expect(s.code).toBe(0);
    expect(s.stderr).toMatch(/^info CAP_REACHED: sessions: capped at 400 sessions open at once; [\d,]+ sessions were closed early/m);
  });

  it('says nothing on normal traffic', () => {
    const r = lbua(['analyze', '--output', 'json', join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz')]);
    expect((json(r) as Report).warnings.filter((w) => w.code === 'CAP_REACHED')).toEqual([]);
  });
});

describe('memory bounded by the caps whatever the number of distinct clients', () => {
  it('holds the same live state after 80,000 distinct clients as after 20,000', () => {
    // A child with --expose-gc measures the heap after collection. Caps at a hundredth: 2,000 open sessions, 1,000
    // top keys, 500 api-abuse clients, 200 burst counters a kind and minute... Every client is seen within 30
    // minutes, so no session closes by itself.
    const script = `
      const { createCore } = require(${JSON.stringify(join(ROOT, 'dist', 'analysis-core.js'))});
      const { scaleLimits } = require(${JSON.stringify(join(ROOT, 'dist', 'core', 'limits.js'))});
      const live = (clients) => {
        const core = createCore({ format: 'alb', strict: false, maxLineLength: 65536, from: null, to: null, top: 10, maxWarnings: 20, geo: null,
          detectors: { only: null, disabled: [], overrides: {}, evidenceLimit: 5 }, limits: scaleLimits(0.01) });
        const T0 = ${T0};
        for (let i = 0; i < clients; i++) {
          const n = (Math.imul(i + 1, 2654435761) + 0x0b000000) >>> 0;
          const ip = (n >>> 24) + '.' + ((n >>> 16) & 255) + '.' + ((n >>> 8) & 255) + '.' + (n & 255);
          core.record({ startMs: T0 + Math.floor(i * 1_500_000 / clients), format: 'alb', clientIp: ip, clientPort: 40000, method: 'GET', scheme: 'https',
            host: 'shop.example.com', path: '/page/' + (i % 50), query: null, protocol: 'HTTP/1.1', status: i % 50 ? 200 : 404, backendStatus: 200,
            backend: '10.0.1.10:80', durationMs: 12, backendMs: 10, bytesIn: 300, bytesOut: 1000,
            userAgent: 'Mozilla/5.0 (Windows NT 10.0) Chrome/' + (100 + (i % 30)) + '.0.0.0 Safari/537.36', referer: null,
            tlsProtocol: 'TLSv1.2', tlsCipher: null, traceId: null, errorReason: null, lb: 'app/shop', source: { file: 'x.log', line: i + 1 } });
        }
        gc(); gc();
        const used = process.memoryUsage().heapUsed;
        core.finish();
        return used;
      };
      gc(); const base = process.memoryUsage().heapUsed;
      const small = live(20000) - base;
      gc(); const big = live(80000) - base;
      console.log(JSON.stringify({ small, big }));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(r.stderr).toBe('');
    const { small, big } = JSON.parse(r.stdout) as { small: number; big: number };
    // Without caps the 60,000 extra clients hold about 100 MB (sessions, per-client detector state, the clients
    // table); with them the state is the same size.
    expect(big - small).toBeLessThan(8 * 1024 * 1024);
  });
});
