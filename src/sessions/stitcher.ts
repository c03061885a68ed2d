/** Session stitcher. (Placeholder: to be completed by the sessions work.) */
import type { EnrichedRecord } from '../enrich/types';
import type { Session } from './types';

/** Stitcher options. */
export interface StitcherOptions {
  /** Inactivity timeout in ms (default 30 minutes). */
  readonly timeoutMs: number;
  readonly key: 'ip' | 'ip+ua';
}

/** Stitches records into sessions; emits sessions that can no longer grow. */
export interface SessionStitcher {
  /** Adds a record; returns the sessions it closed (possibly none). */
  push(r: EnrichedRecord): readonly Session[];
  /** Closes everything still open (end of input). */
  flush(): readonly Session[];
}

/** Creates a stitcher. */
export function createStitcher(_options: StitcherOptions): SessionStitcher {
  return { push: () => [], flush: () => [] };
}
