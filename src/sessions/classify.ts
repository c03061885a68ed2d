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
  /**
   * Gaps between consecutive requests (ms), possibly a prefix when the session is long: their count, and their mean
   * and standard deviation (`gapStats`), which the verdict reads only when there are `SUSPECT.regularMin` or more.
   */
  readonly gapCount: number;
  readonly gapMean: number;
  readonly gapSd: number;
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

/** A verdict: the class and why. Shared between sessions when it depends on the agent alone (do not mutate). */
export interface Verdict {
  readonly clientClass: ClientClass;
  readonly reasons: readonly string[];
}

/**
 * Mean and standard deviation of `gaps[0 … n)`, summed in order (as the verdict has always summed them): written to
 * `out[0]` and `out[1]` (no object per session).
 */
export function gapStats(gaps: ArrayLike<number>, n: number, out: Float64Array): void {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += gaps[i] ?? 0;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const d = (gaps[i] ?? 0) - mean;
    sq += d * d;
  }
  out[0] = mean;
  out[1] = Math.sqrt(sq / n);
}

/** Verdicts that depend on the agent alone (bot, tool, human), kept per agent object before the cache starts over. */
const AGENT_VERDICTS = 4096;

/** Judges sessions; a classifier caches the verdicts that depend on the agent alone (one per stitcher or joiner). */
export type SessionClassifier = (agent: AgentInfo, b: Behaviour) => Verdict;

/** A classifier with its own cache of agent-only verdicts (AgentInfo objects are immutable and shared per agent). */
export function createClassifier(): SessionClassifier {
  const byAgent = new Map<AgentInfo, Verdict>();
  const agentOnly = (agent: AgentInfo): Verdict => {
    let v = byAgent.get(agent);
    if (v === undefined) {
      if (byAgent.size >= AGENT_VERDICTS) byAgent.clear();
      v = agentVerdict(agent);
      byAgent.set(agent, v);
    }
    return v;
  };
  return (agent, b) => {
    if (agent.agentClass === 'bot' || agent.agentClass === 'tool') return agentOnly(agent);
    const reasons = behaviourReasons(agent, b);
    return reasons === null ? agentOnly(agent) : { clientClass: 'suspect', reasons };
  };
}

/** Verdict and reasons (a classifier without a cache). */
export function classifySession(agent: AgentInfo, b: Behaviour): Verdict {
  if (agent.agentClass === 'bot' || agent.agentClass === 'tool') return agentVerdict(agent);
  const reasons = behaviourReasons(agent, b);
  return reasons === null ? agentVerdict(agent) : { clientClass: 'suspect', reasons };
}

/** The verdict of a bot or tool agent, or of a browser-like one whose behaviour gave no reason (human). */
function agentVerdict(agent: AgentInfo): Verdict {
  if (agent.agentClass === 'bot') {
    return { clientClass: 'bot', reasons: [`claims ${agent.claims ?? 'to be a crawler'} (self-declared crawler user agent, not verified)`] };
  }
  if (agent.agentClass === 'tool') {
    return { clientClass: 'tool', reasons: [agent.family === 'none' ? 'no user agent' : `scripted HTTP client user agent (${agent.family})`] };
  }
  return { clientClass: 'human', reasons: [agent.device === 'app' ? `app client (${agent.family})` : `browser (${agent.family} on ${agent.os}) with human-paced behaviour`] };
}

/** Why a browser-like agent's session looks machine-driven, or null when nothing does. */
function behaviourReasons(agent: AgentInfo, b: Behaviour): string[] | null {
  let reasons: string[] | null = null;
  if (b.pages >= SUSPECT.pagesWithoutAssets && b.staticAssets === 0 && agent.device !== 'app') {
    (reasons ??= []).push(`${b.pages} pages without a single static asset`);
  }
  if (b.gapCount >= SUSPECT.regularMin) {
    const mean = b.gapMean;
    const cv = mean > 0 ? b.gapSd / mean : 0;
    if (cv < SUSPECT.regularCv && mean >= 50) (reasons ??= []).push(`machine-regular intervals (every ${(mean / 1000).toFixed(1)} s, CV ${cv.toFixed(2)})`);
  }
  if (b.requests >= SUSPECT.rateMinRequests && b.durationMs > 0) {
    const rpm = (b.requests / b.durationMs) * 60_000;
    if (rpm > SUSPECT.ratePerMinute) (reasons ??= []).push(`${Math.round(rpm)} requests/min sustained over ${b.requests} requests`);
  }
  if (b.distinctEndpoints >= SUSPECT.distinctEndpoints) (reasons ??= []).push(`${b.distinctEndpoints} distinct endpoints in one session`);
  if (b.network === 'hosting' && agent.device !== 'app' && (reasons !== null || b.requests >= 20)) (reasons ??= []).push('browser user agent from a hosting/cloud network');
  return reasons;
}
