/** Helpers shared by detectors: networks of an address, evidence lists, runs of consecutive buckets, formatting. */
import type { SourceRef } from '../core/types';
import { parseIp } from '../enrich/geo/ip';

/** Networks of an address: IPv4 /24 and /16, IPv6 /64 and /48; null parts for non-addresses. */
export function networksOf(ip: string): { narrow: string | null; wide: string | null } {
  if (!ip.includes(':')) {
    const a = ip.lastIndexOf('.');
    const b = a > 0 ? ip.lastIndexOf('.', a - 1) : -1;
    if (a < 0 || b < 0) return { narrow: null, wide: null };
    return { narrow: `${ip.slice(0, a)}.0/24`, wide: `${ip.slice(0, b)}.0.0/16` };
  }
  const p = parseIp(ip);
  if (p === null) return { narrow: null, wide: null };
  if (p.v === 4) return networksOf([24, 16, 8, 0].map((s) => (p.n >>> s) & 255).join('.'));
  const hex = (bits: number): string => {
    const groups: string[] = [];
    for (let i = 0; i < bits / 16; i++) groups.push(Number((p.n >> BigInt(112 - i * 16)) & 0xffffn).toString(16));
    return `${groups.join(':')}::/${bits}`;
  };
  return { narrow: hex(64), wide: hex(48) };
}

/** Keeps the first `limit` source references (earliest seen). */
export function pushEvidence(list: SourceRef[], ref: SourceRef, limit: number): void {
  if (list.length < limit) list.push(ref);
}

/** Sorts evidence by file then line. */
export function sortEvidence(list: readonly SourceRef[]): SourceRef[] {
  return [...list].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

/** Number formatting lives in core (one set for detectors and reporters); re-exported for the detectors. */
export { fmt } from '../core/format';

/** Rounds to 2 decimals (metrics stay short in JSON). */
export function r2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Keeps at most `cap` entries in an insertion-ordered map by deleting the oldest. */
export function capMap<K, V>(m: Map<K, V>, cap: number): void {
  if (m.size <= cap) return;
  let excess = m.size - cap;
  for (const k of m.keys()) {
    if (excess-- <= 0) break;
    m.delete(k);
  }
}
