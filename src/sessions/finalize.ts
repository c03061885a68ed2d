/**
 * Finalizing: the closed `Session` of a fragment that can no longer grow. A stitcher or joiner finalizes tens of
 * thousands of sessions, so a finalizer (`createFinalizer`, one per stitcher or joiner) reuses its scratch arrays for
 * the gap statistics and its classifier's verdicts, and a session computes its id (a SHA-1) and key only when read:
 * most sessions are counted and dropped without either being looked at.
 */
import { createHash } from 'node:crypto';
import type { SourceRef } from '../core/types';
import type { ClientClass, DeviceType } from '../enrich/types';
import { createClassifier, gapStats, type Behaviour, type SessionClassifier } from './classify';
import { byFileLine, distinctCount, TIMES_CAP, type SessionFragment } from './fragment';
import type { Session } from './types';

/** Turns a fragment that can no longer grow into its session (the fragment is not changed). */
export type Finalizer = (s: SessionFragment) => Session;

/** Gaps up to which the median is found by insertion sort (longer: a typed-array sort). */
const SMALL_SORT = 48;

/** What a finalizer reuses from session to session. */
interface Scratch {
  times: Float64Array;
  gaps: Float64Array;
  sorted: Float64Array;
  /** Mean and standard deviation of the gaps (gapStats). */
  readonly stats: Float64Array;
  /** The behaviour handed to the classifier, rewritten per session (the classifier keeps no reference to it). */
  readonly behaviour: { -readonly [K in keyof Behaviour]: Behaviour[K] };
  readonly classify: SessionClassifier;
}

/** A finalizer for sessions keyed by ip (`useUa` false) or ip + user agent, with its own scratch space. */
export function createFinalizer(useUa: boolean): Finalizer {
  const scratch: Scratch = {
    times: new Float64Array(TIMES_CAP), gaps: new Float64Array(TIMES_CAP), sorted: new Float64Array(TIMES_CAP), stats: new Float64Array(2),
    behaviour: { requests: 0, pages: 0, staticAssets: 0, distinctEndpoints: 0, durationMs: 0, gapCount: 0, gapMean: 0, gapSd: 0, network: null },
    classify: createClassifier(),
  };
  return (s) => {
    // A fragment holds at most TIMES_CAP timestamps; one read from elsewhere could hold more.
    const n = s.times.length;
    if (n > scratch.times.length) {
      scratch.times = new Float64Array(n);
      scratch.gaps = new Float64Array(n);
      scratch.sorted = new Float64Array(n);
    }
    return finalizeWith(s, useUa, scratch);
  };
}

/** The closed session of a fragment that can no longer grow (a finalizer for one session; see createFinalizer). */
export function finalizeFragment(s: SessionFragment, useUa: boolean): Session {
  return createFinalizer(useUa)(s);
}

function finalizeWith(s: SessionFragment, useUa: boolean, scratch: Scratch): Session {
  const { gaps, sorted, stats } = scratch;
  // The times in order: as held when sorted, else a sorted copy (typed-array sorts are numeric without a comparator).
  const n = s.times.length;
  let times: ArrayLike<number> = s.times;
  if (!s.timesSorted) {
    scratch.times.set(s.times);
    scratch.times.subarray(0, n).sort();
    times = scratch.times;
  }
  const g = n > 0 ? n - 1 : 0;
  let maxGap = Number.NEGATIVE_INFINITY;
  for (let i = 1; i < n; i++) {
    const d = (times[i] ?? 0) - (times[i - 1] ?? 0);
    gaps[i - 1] = d;
    sorted[i - 1] = d;
  }
  let median: number | null = null;
  if (g > 0) {
    // The two middle gaps in numeric order (one when g is odd), and the largest, as a typed-array sort orders them.
    if (g <= SMALL_SORT && !hasNaN(sorted, g)) insertionSort(sorted, g);
    else sorted.subarray(0, g).sort();
    median = ((sorted[(g - 1) >> 1] ?? 0) + (sorted[g >> 1] ?? 0)) / 2;
    maxGap = sorted[g - 1] ?? 0;
    gapStats(gaps, g, stats);
  }
  const distinct = distinctCount(s);
  const b = scratch.behaviour;
  b.requests = s.requests;
  b.pages = s.pages;
  b.staticAssets = s.statics;
  b.distinctEndpoints = distinct;
  b.durationMs = s.endMs - s.startMs;
  b.gapCount = g;
  b.gapMean = g > 0 ? (stats[0] ?? 0) : 0;
  b.gapSd = g > 0 ? (stats[1] ?? 0) : 0;
  b.network = s.network;
  const verdict = scratch.classify(s.agent, b);
  return new ClosedSession(
    useUa, s.ip, s.ua, s.startMs, s.endMs, s.requests, s.pages, s.statics, distinct, s.e4, s.e5, s.bytes,
    s.entryE || '-', s.exitE || '-', s.seqE, s.seqSeen - s.seqE.length,
    median === null ? null : Math.round(median * 1000) / 1000,
    median === null ? null : Math.round(maxGap * 1000) / 1000,
    verdict.clientClass, s.agent.device, s.agent.family, verdict.reasons, s.country, s.asn, evidenceByFileLine(s.evidence),
  );
}

/** Whether a NaN is among `a[0 … n)` (the typed-array sort puts NaN last; insertion by `>` would not). */
function hasNaN(a: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (Number.isNaN(a[i])) return true;
  return false;
}

/** Sorts `a[0 … n)` ascending (no NaN): for the short gap lists most sessions have, cheaper than a typed sort. */
function insertionSort(a: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const x = a[i] ?? 0;
    let j = i - 1;
    while (j >= 0 && (a[j] ?? 0) > x) {
      a[j + 1] = a[j] ?? 0;
      j--;
    }
    a[j + 1] = x;
  }
}

/** Evidence by file name and line: the fragment's list itself when already in that order (it is not changed later). */
function evidenceByFileLine(list: readonly SourceRef[]): readonly SourceRef[] {
  for (let i = 1; i < list.length; i++) {
    if (byFileLine(list[i - 1] as SourceRef, list[i] as SourceRef) > 0) return [...list].sort(byFileLine);
  }
  return list;
}

/** A closed session: its key and id (a SHA-1 of key and start) are computed when first read. */
class ClosedSession implements Session {
  // Private (#) fields: not enumerable, so a copy (`{ ...s }`) or a comparison sees the session's fields only.
  readonly #useUa: boolean;
  #key: string | null = null;
  #id: string | null = null;

  constructor(
    useUa: boolean,
    readonly clientIp: string,
    readonly userAgent: string | null,
    readonly startMs: number,
    readonly endMs: number,
    readonly requests: number,
    readonly pages: number,
    readonly staticAssets: number,
    readonly distinctEndpoints: number,
    readonly errors4xx: number,
    readonly errors5xx: number,
    readonly bytesOut: number,
    readonly entry: string,
    readonly exit: string,
    readonly sequence: readonly string[],
    readonly sequenceCut: number,
    readonly medianGapMs: number | null,
    readonly maxGapMs: number | null,
    readonly clientClass: ClientClass,
    readonly device: DeviceType,
    readonly agentFamily: string,
    readonly reasons: readonly string[],
    readonly country: string | null,
    readonly asn: number | null,
    readonly evidence: readonly SourceRef[],
  ) {
    this.#useUa = useUa;
  }

  get key(): string {
    return (this.#key ??= this.#useUa ? `${this.clientIp}|${this.userAgent ?? ''}` : this.clientIp);
  }

  get id(): string {
    return (this.#id ??= createHash('sha1').update(`${this.key}\u0000${this.startMs}`).digest('hex').slice(0, 16));
  }
}
