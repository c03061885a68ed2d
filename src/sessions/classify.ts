/**
 * The client-class verdict for a session: `bot` (self-declared crawler — a claim, not verified), `tool` (scripted
 * HTTP client), `suspect` (a browser-like agent behaving like a machine), or `human`. Reasons say why.
 */
import type { AgentInfo, ClientClass } from '../enrich/types';

/** Behaviour facts the verdict looks at. */
export interface Behaviour {
  readonly requests: number;
  readonly pages: number;
  readonly staticAssets: number;
  readonly distinctEndpoints: number;
  readonly durationMs: number;
  /** Gaps between consecutive requests (ms), possibly a prefix when the session is long. */
  readonly gaps: readonly number[];
  /** Network class of the client address, when geo data is loaded. */
  readonly network: string | null;
}

/** Thresholds (documented in README). */
export const SUSPECT = {
  /** Pages without a single static asset. */
  pagesWithoutAssets: 8,
  /** Coefficient of variation of gaps below which intervals are machine-regular (with at least `regularMin` gaps). */
  regularCv: 0.1,
  regularMin: 10,
  /** Sustained rate no person reaches: requests per minute over at least `rateMinRequests` requests. */
  ratePerMinute: 120,
  rateMinRequests: 60,
  /** Distinct endpoints in one session. */
  distinctEndpoints: 60,
} as const;

/** Verdict and reasons. */
export function classifySession(agent: AgentInfo, b: Behaviour): { clientClass: ClientClass; reasons: string[] } {
  if (agent.agentClass === 'bot') {
    return { clientClass: 'bot', reasons: [`claims ${agent.claims ?? 'to be a crawler'} (self-declared crawler user agent, not verified)`] };
  }
  if (agent.agentClass === 'tool') {
    return { clientClass: 'tool', reasons: [agent.family === 'none' ? 'no user agent' : `scripted HTTP client user agent (${agent.family})`] };
  }
  const reasons: string[] = [];
  if (b.pages >= SUSPECT.pagesWithoutAssets && b.staticAssets === 0 && agent.device !== 'app') {
    reasons.push(`${b.pages} pages without a single static asset`);
  }
  if (b.gaps.length >= SUSPECT.regularMin) {
    const mean = b.gaps.reduce((a, g) => a + g, 0) / b.gaps.length;
    const sd = Math.sqrt(b.gaps.reduce((a, g) => a + (g - mean) * (g - mean), 0) / b.gaps.length);
    const cv = mean > 0 ? sd / mean : 0;
    if (cv < SUSPECT.regularCv && mean >= 50) reasons.push(`machine-regular intervals (every ${(mean / 1000).toFixed(1)} s, CV ${cv.toFixed(2)})`);
  }
  if (b.requests >= SUSPECT.rateMinRequests && b.durationMs > 0) {
    const rpm = (b.requests / b.durationMs) * 60_000;
    if (rpm > SUSPECT.ratePerMinute) reasons.push(`${Math.round(rpm)} requests/min sustained over ${b.requests} requests`);
  }
  if (b.distinctEndpoints >= SUSPECT.distinctEndpoints) reasons.push(`${b.distinctEndpoints} distinct endpoints in one session`);
  if (b.network === 'hosting' && agent.device !== 'app' && reasons.length > 0) reasons.push('browser user agent from a hosting/cloud network');
  else if (b.network === 'hosting' && agent.device !== 'app' && b.requests >= 20) reasons.push('browser user agent from a hosting/cloud network');
  if (reasons.length > 0) return { clientClass: 'suspect', reasons };
  return { clientClass: 'human', reasons: [agent.device === 'app' ? `app client (${agent.family})` : `browser (${agent.family} on ${agent.os}) with human-paced behaviour`] };
}
