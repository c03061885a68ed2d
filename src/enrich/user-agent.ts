/** User-agent classification. (Placeholder: to be completed.) */
import type { AgentInfo } from './types';

/** A classifier with a per-run cache (agents repeat a lot). */
export interface AgentClassifier {
  classify(ua: string | null): AgentInfo;
}

/** Creates a classifier. */
export function createAgentClassifier(): AgentClassifier {
  const unknown: AgentInfo = { family: 'Other', version: null, os: 'Other', device: 'unknown', agentClass: 'human', claims: null };
  return { classify: () => unknown };
}
