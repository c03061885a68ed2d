/**
 * Findings at botnet scale. A botnet stuck in a redirect loop makes one looping session per client: grouping them
 * must stay linear, and the sessions kept as findings are capped (the rest counted and said once). A distributed scan
 * makes one scanner finding per address: cross-referencing them must not compare every pair, and must give exactly
 * what comparing every pair gives.
 */
import fc from 'fast-check';
import { createDetectorStage, relatedCandidates, relatedPair, toReport } from '../../src/detect/stage';
import type { Finding, SubjectType } from '../../src/detect/types';
import { CapLog } from '../../src/core/capped';
import { DEFAULT_LIMITS } from '../../src/core/limits';
import type { Session } from '../../src/sessions/types';

const T0 = Date.UTC(2026, 2, 10, 9, 0, 0);

function loopingSession(i: number): Session {
  const sequence = Array.from({ length: 20 }, (_, k) => (k % 2 === 0 ? 'GET /login' : 'GET /account'));
  return {
    id: `s${i}`, key: `10.0.${i >> 8 & 255}.${i & 255}`, clientIp: `10.${i >> 16 & 255}.${i >> 8 & 255}.${i & 255}`, userAgent: 'curl/8.0',
    startMs: T0 + i * 10, endMs: T0 + i * 10 + 20_000, requests: 20, pages: 20, staticAssets: 0, distinctEndpoints: 2, errors4xx: 0, errors5xx: 0,
    bytesOut: 0, entry: 'GET /login', exit: 'GET /account', sequence, sequenceCut: 0, medianGapMs: 1000, maxGapMs: 1000, clientClass: 'tool',
    device: 'tool', agentFamily: 'curl', reasons: [], country: null, asn: null, evidence: [{ file: 'x.log', line: i + 1 }],
  };
}

describe('looping-session at botnet scale', () => {
  it('groups 120,000 overlapping looping sessions into one finding quickly and says how many it did not keep', () => {
    const caps = new CapLog();
    const stage = createDetectorStage({ only: ['looping-session'], disabled: [], overrides: {}, evidenceLimit: 5 }, false, { limits: DEFAULT_LIMITS, caps });
    const t = Date.now();
    for (let i = 0; i < 120_000; i++) stage.observeSession(loopingSession(i));
    const findings = stage.finish();
    // Linear: well under a second here; grouping that copies its lists per session took minutes. A generous ceiling.
    expect(Date.now() - t).toBeLessThan(20_000);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.metrics).toMatchObject({ sessions: 100_000 });
    expect(caps.notes()).toEqual([expect.stringMatching(/^looping-session: capped at 100,000 looping sessions kept as findings; 20,000 later ones/)]);
  });
});

function finding(detector: string, type: SubjectType, value: string, startMin: number, endMin: number, metrics: Finding['metrics'] = {}): Finding {
  return {
    detector, severity: 'medium', confidence: 0.8, title: `${detector} ${value}`, subject: { type, value }, startMs: T0 + startMin * 60_000, endMs: T0 + endMin * 60_000,
    metrics, explanation: '', evidence: [], actions: [],
  };
}

describe('cross-references at scale', () => {
  it('look at every finding related to another (the indexes miss no related pair)', () => {
    const subject = fc.constantFrom<[SubjectType, string]>(
      ['ip', '203.0.113.7'], ['ip', '203.0.113.9'], ['ip', '198.51.100.1'], ['cidr', '203.0.113.0/24'], ['global', 'all'], ['global', 'probes'],
      ['country', 'JP'], ['asn', '4713'], ['endpoint', 'GET /login'], ['target', '10.0.1.7:80'], ['user_agent', 'curl'], ['tls', 'TLSv1.0'],
    );
    const one = fc.tuple(fc.constantFrom('burst', 'scanner', 'error-spike', 'regional-creep', 'client-mix'), subject, fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 20 }), fc.boolean());
    fc.assert(
      fc.property(fc.uniqueArray(one, { maxLength: 12, selector: ([d, [t, v], s, l]) => `${d}|${t}|${v}|${s}|${l}` }), (xs) => {
        const fs = xs.map(([d, [t, v], s, l, jp]) => finding(d, t, v, s, s + l, jp ? { country: 'JP' } : {}));
        const candidatesOf = relatedCandidates(fs);
        fs.forEach((f, i) => {
          const candidates = candidatesOf(i);
          fs.forEach((o, j) => {
            if (i !== j && relatedPair(f, o)) expect(candidates).toContain(j);
          });
        });
      }),
      { numRuns: 500 },
    );
  });

  it('100,000 per-address findings in one window are cross-referenced without comparing every pair', () => {
    const fs: Finding[] = [];
    for (let i = 0; i < 100_000; i++) fs.push(finding('scanner', 'ip', `10.${i >> 16 & 255}.${i >> 8 & 255}.${i & 255}`, 0, 30));
    fs.push(finding('burst', 'cidr', '10.0.7.0/24', 5, 10), finding('error-spike', 'global', 'all', 5, 6));
    const t = Date.now();
    const rep = toReport(fs);
    // Pairwise, this is 10^10 comparisons (hours). A generous ceiling.
    expect(Date.now() - t).toBeLessThan(30_000);
    const inNet = rep.find((r) => r.subject.value === '10.0.7.5');
    expect(inNet?.related).toHaveLength(2);
  });
});
