/** Sessions: the requests of one client key with no gap longer than the inactivity timeout (event time). */
import type { EpochMs, SourceRef } from '../core/types';
import type { ClientClass, DeviceType } from '../enrich/types';

/** A closed session. JSON form (snake_case) is produced by sessions/json.ts. */
export interface Session {
  /** Stable id: hash of key and start. */
  readonly id: string;
  /** Client key: "ip" or "ip|user agent". */
  readonly key: string;
  readonly clientIp: string;
  readonly userAgent: string | null;
  readonly startMs: EpochMs;
  readonly endMs: EpochMs;
  readonly requests: number;
  readonly pages: number;
  readonly staticAssets: number;
  readonly distinctEndpoints: number;
  readonly errors4xx: number;
  readonly errors5xx: number;
  readonly bytesOut: number;
  readonly entry: string;
  readonly exit: string;
  /** Ordered endpoint sequence, capped; `sequenceCut` says how many were dropped. */
  readonly sequence: readonly string[];
  readonly sequenceCut: number;
  readonly medianGapMs: number | null;
  readonly maxGapMs: number | null;
  readonly clientClass: ClientClass;
  readonly device: DeviceType;
  readonly agentFamily: string;
  /** Why the class was chosen. */
  readonly reasons: readonly string[];
  readonly country: string | null;
  readonly asn: number | null;
  /** First few source lines, for evidence. */
  readonly evidence: readonly SourceRef[];
}
