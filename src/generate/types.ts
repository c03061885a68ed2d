/** Shapes used by the traffic generator. */
import type { EpochMs } from '../core/types';

/** A generated request, before it is written in a log format. Times in ms. */
export interface GenRequest {
  startMs: EpochMs;
  clientIp: string;
  clientPort: number;
  method: string;
  scheme: 'http' | 'https';
  host: string;
  path: string;
  query: string | null;
  protocol: string;
  status: number;
  targetStatus: number | null;
  target: string;
  requestMs: number | null;
  targetMs: number | null;
  responseMs: number | null;
  bytesIn: number;
  bytesOut: number;
  userAgent: string;
  tlsProtocol: string;
  tlsCipher: string;
  traceHex: string;
  errorReason: string | null;
}
