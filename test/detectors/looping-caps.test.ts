/**
 * A botnet stuck in a redirect loop makes one looping session per client: grouping them must stay linear, and the
 * sessions kept as findings are capped (the rest counted and said once).
 */
import { createDetectorStage } from '../../src/detect/stage';
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
    const stage = createDetectorStage({ only: ['looping-session'], disabled: [], overrides: {}, evidenceLimit: 5 }, false, 'all', { limits: DEFAULT_LIMITS, caps });
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
