/**
 * What each client probed: per client address, requests, 4xx answers, requests for sensitive files (SECRET, or PROBE
 * answered 4xx) and with attack patterns, up to 200 distinct paths (as path hashes, with an overflow flag), the
 * first and last request time, the agent of its first request, the first evidence and the first 5 probe samples,
 * and, for a client that sent injection probes, got a probe answered 2xx or any 5xx, sent another protocol's bytes or
 * named a scanner in its agent, those counts with the first record of each (ProbeDetail, issue 19);
 * beyond clients, the SECRET paths answered 2xx with a body (first 1,000 endpoints), and the sizes of 2xx answers to
 * probed paths and to the home page (first 100 sizes each): what the site's catch-all answer looks like. The scanner
 * judge reads it (detect/scanner.ts).
 * Memory: at most `cap` clients (CappedMap: the least active evicted first, a probing request weighing a hundred
 * ordinary ones; evicted probers are counted together in `evicted`), 200 path hashes and 5 samples per client; up to
 * 1,000 exposed endpoints (each with up to 1,000 clients and 20 sizes), 1,000 probed path hashes, 100 sizes per map.
 * Mergeable and serializable (aggregate/types.ts). "First seen" lists keep each item with the reference of the
 * record that brought it and keep the earliest in input order (aggregate/earliest.ts), so below the caps merged
 * shards equal one pass. At the caps merging is not exact: a client or an endpoint kept by one shard and evicted or
 * refused by the other misses the other's counts, client sets and probed paths are the union cut at the cap, the
 * overflow flag is set only when a shard overflowed or the union exceeds 200, and the home page and probed sizes
 * (the first 100 seen) miss the counts of a later shard whose own first 100 sizes were others (every real site
 * serves more than 100 sizes of its home page, so this one is met). A client's paths are its first 200 in input
 * order (kept in that order in JSON), in one pass and in a merge.
 */
import type { SourceRef } from '../core/types';
import { CappedMap, addCapStats, noCapStats, type CapStats } from '../core/capped';
import { detach } from '../core/text';
import { PackReader, PackWriter, type Packed } from '../core/packed';
import { scannerName } from '../enrich/user-agent';
import type { EnrichedRecord } from '../enrich/types';
import type { ClientCell } from '../enrich/client';
import { FLAGS, IS_ATTACK, IS_PROBE, IS_SECRET, KIND_COUNT, classKinds, probeKinds } from '../enrich/path-class';
import { NON_HTTP_PROTOCOLS } from '../formats/shared/request';
import { inOrder, mergeEvidence, type EvidenceOrder, type Mergeable } from './types';
import { FirstSeenCounts, earlier, mergeEarliest, refJSON, refOf, type Seen } from './earliest';
import { failedOnRequest } from '../core/http';
import { NO_HASHES, addHash, copyHashes, hashCount, hashValues, hashesOf, hasHash, type PathHashes } from './path-hashes';

/** Distinct paths kept per client. */
const MAX_PATHS = 200;
/** Probe samples kept per client. */
const MAX_SAMPLES = 5;
/** Exposed endpoints, probed paths, clients per exposure. */
const MAX_EXPOSURES = 1000;
/** Sizes per exposure. */
const EXPOSURE_SIZES = 20;
/** Sizes per catch-all map (probed paths, home page). */
const MAX_SIZES = 100;
/** Sizes of answered probes kept per client. */
const HIT_SIZES = 20;
/** The empty list every client's evidence and samples start as (frozen: shared, never changed). */
const NONE: readonly never[] = Object.freeze([]);
/** How much a sensitive or attack request weighs against an ordinary one when the client cap evicts the lightest. */
const PROBE_WEIGHT = 100;

export interface ProbingClient extends ClientCell {
  requests: number;
  /** 400, 401, 403 and 404 answers. */
  notFound: number;
  sensitive: number;
  attacks: number;
  /** Distinct paths as 32-bit hashes (no strings kept), first seen first (aggregate/path-hashes.ts). */
  paths: PathHashes;
  pathsOverflow: boolean;
  first: number;
  last: number;
  /** The agent of the client's first request (input order) and that request. */
  agent: string | null;
  ref0: SourceRef;
  /**
   * Never changed in place (replaced by a longer copy): a client without any starts with the one shared empty list
   * (NONE), not a list of its own (most of the clients, 64,000 on the 1M-line bench log, get none).
   */
  evidence: readonly SourceRef[];
  /** The first probe samples (path and query, at most 80 characters) with their records (as `evidence`). */
  samples: readonly Seen<string>[];
  /** What else the client did that the judge weighs; null while it did none of it (most clients). */
  more: ProbeDetail | null;
}

/**
 * A probing client's kinds of probe, its probes the site answered, the 5xx it got, the non-HTTP bytes it sent and
 * the scanner its agent names: each count with the earliest record that brought it (input order).
 */
export interface ProbeDetail {
  /** Requests per probe kind (enrich/path-class.ts PROBE_KINDS order), and the first record of each. */
  kinds: number[];
  kindRefs: (SourceRef | null)[];
  /** Sensitive or attack requests answered 2xx with a body, and the sizes of those answers (the first HIT_SIZES). */
  hits: number;
  hitSizes: Map<number, number>;
  /**
   * 5xx answers to any of its requests (not 501 or 505: refusals of a method or version the client made up; not
   * 502/503/504: a failing target or site answers everyone so).
   */
  serverErrors: number;
  /** Request lines of another protocol, per NON_HTTP_PROTOCOLS, and the first record of each. */
  nonHttp: number[];
  nonHttpRefs: (SourceRef | null)[];
  /** The scanner its agent names (enrich/user-agent.ts SCANNER_AGENTS), from its first such record. */
  scanner: Seen<string> | null;
}

/** A SECRET path answered 2xx with a body. */
export interface Exposure {
  requests: number;
  /** The status of the first such answer. */
  status: number;
  ref0: SourceRef;
  clients: Set<string>;
  /** Response sizes (bytes) with their counts (the first 20 sizes). */
  sizes: Map<number, number>;
  first: number;
  last: number;
  evidence: SourceRef[];
}

/** Probing clients evicted by the cap, counted together. */
export interface EvictedProbers {
  addresses: number;
  /** Their sensitive requests. */
  requests: number;
  first: number;
  last: number;
}

export interface ClientProbesOptions {
  /** Clients kept at most. */
  readonly cap: number;
  readonly evidenceLimit: number;
}

type Ref = readonly [string, number];
/** [kinds, kind refs, hits, hit sizes (sorted), 5xx, non-HTTP, non-HTTP refs, scanner and its ref]. */
type DetailJson = readonly [readonly number[], readonly (Ref | null)[], number, readonly (readonly [number, number])[], number, readonly number[], readonly (Ref | null)[], readonly [string, string, number] | null];
/** [ip, requests, notFound, sensitive, attacks, path hashes (first seen first), overflow, first, last, agent, ref0, evidence, samples, detail]. */
type ClientJson = readonly [string, number, number, number, number, readonly number[], boolean, number, number, string | null, Ref, readonly Ref[], readonly (readonly [string, string, number])[], DetailJson | null];
/** [endpoint, requests, status, ref0, clients (sorted), sizes (sorted), first, last, evidence]. */
type ExposureJson = readonly [string, number, number, Ref, readonly string[], readonly (readonly [number, number])[], number, number, readonly Ref[]];

export interface ClientProbesJson {
  readonly kind: 'client-probes';
  readonly options: ClientProbesOptions;
  readonly clients: readonly ClientJson[];
  readonly stats: CapStats;
  readonly evicted: { readonly addresses: number; readonly requests: number; readonly first: number | null; readonly last: number | null };
  readonly exposures: readonly ExposureJson[];
  readonly probedSizes: readonly (readonly [number, number, string, number])[];
  readonly probedPaths: readonly number[];
  readonly homeSizes: readonly (readonly [number, number, string, number])[];
}

/** A task's state as packed for the main thread (ClientProbes.pack): its clients packed, the rest as JSON. */
export interface ClientProbesPacked extends Packed {
  readonly kind: 'client-probes/packed';
  /** Client addresses, in map order. */
  readonly ips: readonly string[];
  /** Everything but the clients (toJSON's form, `clients` empty). */
  readonly rest: ClientProbesJson;
}

export class ClientProbes implements Mergeable<ClientProbes, ClientProbesJson> {
  clients: CappedMap<ProbingClient>;
  readonly evicted: EvictedProbers = { addresses: 0, requests: 0, first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY };
  exposures = new Map<string, Exposure>();
  readonly probedSizes = new FirstSeenCounts(MAX_SIZES);
  readonly probedPaths = new Set<number>();
  readonly homeSizes = new FirstSeenCounts(MAX_SIZES);

  constructor(readonly options: ClientProbesOptions) {
    this.clients = this.newClients();
  }

  private newClients(): CappedMap<ProbingClient> {
    return new CappedMap<ProbingClient>({
      cap: this.options.cap,
      weight: (c) => c.requests + PROBE_WEIGHT * (c.sensitive + c.attacks),
      onEvict: (_ip, c) => {
        // No longer the map's, nor cached on its address's facts.
        c.owner = null;
        if (c.cachedOn !== null && c.cachedOn.probes === c) c.cachedOn.probes = null;
        c.cachedOn = null;
        if (c.sensitive === 0 && c.attacks === 0) return;
        this.evicted.addresses++;
        this.evicted.requests += c.sensitive;
        this.evicted.first = Math.min(this.evicted.first, c.first);
        this.evicted.last = Math.max(this.evicted.last, c.last);
      },
    });
  }

  /** Counts one record (nothing for a record without a client address). */
  add(r: EnrichedRecord): void {
    const ip = r.clientIp;
    if (ip === null) return;
    const k = this.options.evidenceLimit;
    // The client's cell, cached on the address's facts while this map holds it (enrich/client.ts: ClientCell).
    const f = r.client;
    let c = f === null ? null : (f.probes as ProbingClient | null);
    if (c === null || c.owner !== this.clients || f?.ip !== ip) {
      c = this.clients.get(ip) ?? null;
      if (c === null) {
        c = { requests: 0, notFound: 0, sensitive: 0, attacks: 0, paths: NO_HASHES, pathsOverflow: false, first: r.startMs, last: r.startMs, agent: r.userAgent, ref0: r.source, evidence: NONE, samples: NONE, more: null, owner: null, cachedOn: null };
        this.clients.add(ip, c);
      }
      c.owner = this.clients;
      if (f !== null && f.ip === ip) {
        f.probes = c;
        c.cachedOn = f;
      }
    }
    c.requests++;
    if (r.startMs < c.first) c.first = r.startMs;
    if (r.startMs > c.last) c.last = r.startMs;
    const path = r.path ?? '';
    const st = r.status;
    if (st === 404 || st === 403 || st === 401 || st === 400) c.notFound++;
    // The path's class (pattern bits and hash), computed once per distinct path by the enricher.
    const v = r.pathClass;
    if (hashCount(c.paths) < MAX_PATHS) c.paths = addHash(c.paths, Math.floor(v / FLAGS));
    else c.pathsOverflow = true;
    const missing = st !== null && st >= 400 && st < 500;
    const sensitive = (v & IS_SECRET) !== 0 || ((v & IS_PROBE) !== 0 && missing);
    const kinds = ((v & IS_ATTACK) !== 0 ? classKinds(v) : 0) | (r.query !== null ? probeKinds(r.query, true) : 0);
    const attack = kinds !== 0;
    if (sensitive) c.sensitive++;
    if (attack) c.attacks++;
    const answered = (sensitive || attack) && st !== null && st >= 200 && st < 300 && (r.bytesOut ?? 0) > 0;
    // The probe breaking the site (core/http.ts: not a refusal such as 501 for `get` in lower case, nor an outage's 503).
    const failed = st !== null && st >= 500 && failedOnRequest(st);
    const other = r.method === null && r.path === null ? NON_HTTP_PROTOCOLS.indexOf(r.protocol ?? '') : -1;
    if (attack || answered || failed || other >= 0 || (r.agent.family === 'scanner' && c.more?.scanner == null)) {
      const d = c.more ?? (c.more = newDetail());
      for (let k = 0; kinds >>> k !== 0; k++) {
        if ((kinds & (1 << k)) === 0) continue;
        d.kinds[k] = (d.kinds[k] ?? 0) + 1;
        if (d.kindRefs[k] === null) d.kindRefs[k] = r.source;
      }
      if (answered) {
        d.hits++;
        const b = r.bytesOut ?? 0;
        if (d.hitSizes.size < HIT_SIZES || d.hitSizes.has(b)) d.hitSizes.set(b, (d.hitSizes.get(b) ?? 0) + 1);
      }
      if (failed) d.serverErrors++;
      if (other >= 0) {
        d.nonHttp[other] = (d.nonHttp[other] ?? 0) + 1;
        if (d.nonHttpRefs[other] === null) d.nonHttpRefs[other] = r.source;
      }
      if (d.scanner === null && r.agent.family === 'scanner') d.scanner = [detach(scannerName(r.userAgent) ?? 'scanner'), r.source];
    }
    if (sensitive || attack || (st !== null && st >= 400)) {
      // Lists of exactly their length (concat: a copy per item, at most k and MAX_SAMPLES per client): a push would
      // make room for 17 at the first item (186 bytes where concat's list of one takes 56), and most clients get one
      // or two (a 4xx or two).
      if (c.evidence.length < k) c.evidence = c.evidence.concat([r.source]);
      if ((sensitive || attack) && c.samples.length < MAX_SAMPLES) c.samples = c.samples.concat([[detach((r.query ? `${path}?${r.query}` : path).slice(0, 80)), r.source]]);
    }
    if (st === null || st < 200 || st >= 300) return;
    const bytes = r.bytesOut ?? -1;
    // The home page's sizes (a probe in its query is no visit of it).
    if (path === '/' && !attack) this.homeSizes.add(bytes, r.source);
    if ((v & (IS_SECRET | IS_PROBE)) === 0) return;
    this.probedSizes.add(bytes, r.source);
    if (this.probedPaths.size < MAX_EXPOSURES) this.probedPaths.add(Math.floor(v / FLAGS));
    // No body (0, or not logged: CLF writes '-' for nothing sent) hands nothing out.
    if ((v & IS_SECRET) === 0 || bytes <= 0) return;
    const key = `${r.method ?? '-'} ${path}`;
    let e = this.exposures.get(key);
    if (e === undefined) {
      if (this.exposures.size >= MAX_EXPOSURES) return;
      e = { requests: 0, status: st, ref0: r.source, clients: new Set(), sizes: new Map(), first: r.startMs, last: r.startMs, evidence: [] };
      this.exposures.set(detach(key), e);
    }
    e.requests++;
    if (e.clients.size < MAX_EXPOSURES) e.clients.add(ip);
    if (e.sizes.size < EXPOSURE_SIZES || e.sizes.has(bytes)) e.sizes.set(bytes, (e.sizes.get(bytes) ?? 0) + 1);
    if (r.startMs < e.first) e.first = r.startMs;
    if (r.startMs > e.last) e.last = r.startMs;
    if (e.evidence.length < k) e.evidence.push(r.source);
  }

  merge(other: ClientProbes, order: EvidenceOrder): void {
    this.mergeFrom(other, order, false);
  }

  /** Merges a state read back from JSON (`fromJSON`), which nothing else holds: its clients are taken, not copied. */
  mergeJSON(j: ClientProbesJson, order: EvidenceOrder): void {
    this.mergeFrom(ClientProbes.fromJSON(j), order, true);
  }

  private mergeFrom(other: ClientProbes, order: EvidenceOrder, owned: boolean): void {
    const k = this.options.evidenceLimit;
    for (const [ip, c] of other.clients) {
      const mine = this.clients.get(ip);
      if (mine === undefined) this.clients.add(ip, owned ? c : cloneClient(c));
      else mergeClient(mine, c, k, order);
    }
    // Keys new to this side were counted as inserted by add(); the other side's evictions add up.
    addCapStats(this.clients.stats, { ...other.clients.stats, inserted: 0 });
    const ev = other.evicted;
    this.evicted.addresses += ev.addresses;
    this.evicted.requests += ev.requests;
    this.evicted.first = Math.min(this.evicted.first, ev.first);
    this.evicted.last = Math.max(this.evicted.last, ev.last);
    // One pass meets clients in the order of their first requests: so does the merged map (the cap's tie order).
    if (!inOrder(this.clients.values(), (c) => c.ref0, order)) {
      const clients = [...this.clients].sort((a, b) => order(a[1].ref0, b[1].ref0));
      const stats = { ...this.clients.stats };
      this.clients = this.newClients();
      for (const [ip, c] of clients) this.clients.add(ip, c);
      Object.assign(this.clients.stats, stats);
    }

    const exposures = new Map(this.exposures);
    for (const [key, e] of other.exposures) {
      const mine = exposures.get(key);
      if (mine === undefined) exposures.set(key, owned ? e : cloneExposure(e));
      else mergeExposure(mine, e, k, order);
    }
    this.exposures = new Map([...exposures].sort((a, b) => order(a[1].ref0, b[1].ref0)).slice(0, MAX_EXPOSURES));
    this.probedSizes.merge(other.probedSizes, order);
    this.homeSizes.merge(other.homeSizes, order);
    for (const p of other.probedPaths) if (this.probedPaths.size < MAX_EXPOSURES) this.probedPaths.add(p);
  }

  toJSON(): ClientProbesJson {
    const refs = (l: readonly SourceRef[]): Ref[] => l.map(refJSON);
    // The clients after the options, as they always were written.
    const { kind, options, ...rest } = this.toJSONWithout();
    return {
      kind,
      options,
      clients: [...this.clients].map(([ip, c]): ClientJson => [
        ip, c.requests, c.notFound, c.sensitive, c.attacks, hashValues(c.paths), c.pathsOverflow, c.first, c.last, c.agent,
        refJSON(c.ref0), refs(c.evidence), c.samples.map(([s, r]) => [s, r.file, r.line]), c.more === null ? null : detailJSON(c.more),
      ]),
      ...rest,
    };
  }

  /** toJSON's form without the clients. */
  private toJSONWithout(): Omit<ClientProbesJson, 'clients'> {
    const refs = (l: readonly SourceRef[]): Ref[] => l.map(refJSON);
    return {
      kind: 'client-probes',
      options: this.options,
      stats: { ...this.clients.stats },
      evicted: {
        addresses: this.evicted.addresses, requests: this.evicted.requests,
        first: Number.isFinite(this.evicted.first) ? this.evicted.first : null, last: Number.isFinite(this.evicted.last) ? this.evicted.last : null,
      },
      exposures: [...this.exposures].map(([key, e]): ExposureJson => [
        key, e.requests, e.status, refJSON(e.ref0), [...e.clients].sort(), [...e.sizes].sort((a, b) => a[0] - b[0]), e.first, e.last, refs(e.evidence),
      ]),
      probedSizes: this.probedSizes.toJSON(),
      probedPaths: [...this.probedPaths].sort((a, b) => a - b),
      homeSizes: this.homeSizes.toJSON(),
    };
  }

  /**
   * The state for the hand-over from a task to the main thread (core/packed.ts): per client, in map order, its
   * address and numbers — requests, 4xx, sensitive, attacks, paths, overflow, first, last, agent, ref0, evidence,
   * samples, and its ProbeDetail or 0 — each list after its length; the rest as in toJSON. `unpack` of it equals
   * `fromJSON` of `toJSON()`.
   */
  pack(): ClientProbesPacked {
    const w = new PackWriter();
    const ips: string[] = [];
    const ref = (r: SourceRef | null): void => {
      w.str(r === null ? null : r.file);
      w.num(r === null ? 0 : r.line);
    };
    const nums = (xs: readonly number[]): void => {
      w.num(xs.length);
      for (const x of xs) w.num(x);
    };
    for (const [ip, c] of this.clients) {
      ips.push(ip);
      w.num(c.requests);
      w.num(c.notFound);
      w.num(c.sensitive);
      w.num(c.attacks);
      nums(hashValues(c.paths));
      w.num(c.pathsOverflow ? 1 : 0);
      w.num(c.first);
      w.num(c.last);
      w.str(c.agent);
      ref(c.ref0);
      w.num(c.evidence.length);
      for (const r of c.evidence) ref(r);
      w.num(c.samples.length);
      for (const [text, r] of c.samples) {
        w.str(text);
        ref(r);
      }
      const d = c.more;
      w.num(d === null ? 0 : 1);
      if (d === null) continue;
      nums(d.kinds);
      w.num(d.kindRefs.length);
      for (const r of d.kindRefs) ref(r);
      w.num(d.hits);
      const sizes = [...d.hitSizes].sort((a, b) => a[0] - b[0]);
      w.num(sizes.length);
      for (const [b, n] of sizes) {
        w.num(b);
        w.num(n);
      }
      w.num(d.serverErrors);
      nums(d.nonHttp);
      w.num(d.nonHttpRefs.length);
      for (const r of d.nonHttpRefs) ref(r);
      w.str(d.scanner === null ? null : d.scanner[0]);
      if (d.scanner !== null) ref(d.scanner[1]);
    }
    return { kind: 'client-probes/packed', ips, ...w.done(), rest: { ...this.toJSONWithout(), clients: [] } };
  }

  /** The state `pack` wrote. */
  static unpack(p: ClientProbesPacked): ClientProbes {
    const out = ClientProbes.fromJSON(p.rest);
    const r = new PackReader(p);
    const ref = (): SourceRef => ({ file: r.text(), line: r.num() });
    const refOrNull = (): SourceRef | null => {
      const file = r.str();
      const line = r.num();
      return file === null ? null : { file, line };
    };
    const nums = (): number[] => {
      const xs: number[] = [];
      for (let k = r.num(); k > 0; k--) xs.push(r.num());
      return xs;
    };
    for (const ip of p.ips) {
      const requests = r.num();
      const notFound = r.num();
      const sensitive = r.num();
      const attacks = r.num();
      const paths = hashesOf(nums());
      const pathsOverflow = r.num() === 1;
      const first = r.num();
      const last = r.num();
      const agent = r.str();
      const ref0 = ref();
      const evidence: SourceRef[] = [];
      for (let k = r.num(); k > 0; k--) evidence.push(ref());
      const samples: Seen<string>[] = [];
      for (let k = r.num(); k > 0; k--) {
        const text = r.text();
        samples.push([text, ref()]);
      }
      let more: ProbeDetail | null = null;
      if (r.num() === 1) {
        const kinds = nums();
        const kindRefs: (SourceRef | null)[] = [];
        for (let k = r.num(); k > 0; k--) kindRefs.push(refOrNull());
        const hits = r.num();
        const hitSizes = new Map<number, number>();
        for (let k = r.num(); k > 0; k--) {
          const b = r.num();
          hitSizes.set(b, r.num());
        }
        const serverErrors = r.num();
        const nonHttp = nums();
        const nonHttpRefs: (SourceRef | null)[] = [];
        for (let k = r.num(); k > 0; k--) nonHttpRefs.push(refOrNull());
        const name = r.str();
        const scanner: Seen<string> | null = name === null ? null : [name, ref()];
        more = { kinds, kindRefs, hits, hitSizes, serverErrors, nonHttp, nonHttpRefs, scanner };
      }
      out.clients.add(ip, { requests, notFound, sensitive, attacks, paths, pathsOverflow, first, last, agent, ref0, evidence, samples, more, owner: null, cachedOn: null });
    }
    Object.assign(out.clients.stats, noCapStats(), p.rest.stats);
    return out;
  }

  /** Merges a state `pack` wrote (a task's), taking its clients. */
  mergePacked(p: ClientProbesPacked, order: EvidenceOrder): void {
    this.mergeFrom(ClientProbes.unpack(p), order, true);
  }

  static fromJSON(j: ClientProbesJson): ClientProbes {
    const out = new ClientProbes(j.options);
    for (const [ip, requests, notFound, sensitive, attacks, paths, pathsOverflow, first, last, agent, ref0, evidence, samples, more] of j.clients) {
      out.clients.add(ip, {
        requests, notFound, sensitive, attacks, paths: hashesOf(paths), pathsOverflow, first, last, agent, ref0: refOf(ref0),
        evidence: evidence.map(refOf), samples: samples.map(([s, file, line]): Seen<string> => [s, { file, line }]), more: more === null ? null : detailOf(more), owner: null, cachedOn: null,
      });
    }
    Object.assign(out.clients.stats, noCapStats(), j.stats);
    out.evicted.addresses = j.evicted.addresses;
    out.evicted.requests = j.evicted.requests;
    out.evicted.first = j.evicted.first ?? Number.POSITIVE_INFINITY;
    out.evicted.last = j.evicted.last ?? Number.NEGATIVE_INFINITY;
    for (const [key, requests, status, ref0, clients, sizes, first, last, evidence] of j.exposures) {
      out.exposures.set(key, { requests, status, ref0: refOf(ref0), clients: new Set(clients), sizes: new Map(sizes), first, last, evidence: evidence.map(refOf) });
    }
    for (const [key, c] of FirstSeenCounts.fromJSON(MAX_SIZES, j.probedSizes).counts) out.probedSizes.counts.set(key, c);
    for (const p of j.probedPaths) out.probedPaths.add(p);
    for (const [key, c] of FirstSeenCounts.fromJSON(MAX_SIZES, j.homeSizes).counts) out.homeSizes.counts.set(key, c);
    return out;
  }
}

function cloneClient(c: ProbingClient): ProbingClient {
  return { ...c, paths: copyHashes(c.paths), evidence: [...c.evidence], samples: [...c.samples], more: c.more === null ? null : cloneDetail(c.more) };
}

function newDetail(): ProbeDetail {
  return {
    kinds: new Array<number>(KIND_COUNT).fill(0), kindRefs: new Array<SourceRef | null>(KIND_COUNT).fill(null), hits: 0, hitSizes: new Map(), serverErrors: 0,
    nonHttp: new Array<number>(NON_HTTP_PROTOCOLS.length).fill(0), nonHttpRefs: new Array<SourceRef | null>(NON_HTTP_PROTOCOLS.length).fill(null), scanner: null,
  };
}

function cloneDetail(d: ProbeDetail): ProbeDetail {
  return { ...d, kinds: [...d.kinds], kindRefs: [...d.kindRefs], hitSizes: new Map(d.hitSizes), nonHttp: [...d.nonHttp], nonHttpRefs: [...d.nonHttpRefs] };
}

/** The earlier of two optional references. */
function earlierOf(a: SourceRef | null, b: SourceRef | null, order: EvidenceOrder): SourceRef | null {
  return a === null ? b : b === null ? a : earlier(a, b, order);
}

function mergeDetail(into: ProbeDetail, from: ProbeDetail, order: EvidenceOrder): void {
  for (let k = 0; k < into.kinds.length; k++) {
    into.kinds[k] = (into.kinds[k] ?? 0) + (from.kinds[k] ?? 0);
    into.kindRefs[k] = earlierOf(into.kindRefs[k] ?? null, from.kindRefs[k] ?? null, order);
  }
  into.hits += from.hits;
  for (const [b, n] of from.hitSizes) if (into.hitSizes.size < HIT_SIZES || into.hitSizes.has(b)) into.hitSizes.set(b, (into.hitSizes.get(b) ?? 0) + n);
  into.serverErrors += from.serverErrors;
  for (let k = 0; k < into.nonHttp.length; k++) {
    into.nonHttp[k] = (into.nonHttp[k] ?? 0) + (from.nonHttp[k] ?? 0);
    into.nonHttpRefs[k] = earlierOf(into.nonHttpRefs[k] ?? null, from.nonHttpRefs[k] ?? null, order);
  }
  if (from.scanner !== null && (into.scanner === null || earlier(into.scanner[1], from.scanner[1], order) !== into.scanner[1])) into.scanner = from.scanner;
}

function detailJSON(d: ProbeDetail): DetailJson {
  const ref = (r: SourceRef | null): Ref | null => (r === null ? null : refJSON(r));
  return [
    [...d.kinds], d.kindRefs.map(ref), d.hits, [...d.hitSizes].sort((a, b) => a[0] - b[0]), d.serverErrors, [...d.nonHttp], d.nonHttpRefs.map(ref),
    d.scanner === null ? null : [d.scanner[0], d.scanner[1].file, d.scanner[1].line],
  ];
}

function detailOf([kinds, kindRefs, hits, hitSizes, serverErrors, nonHttp, nonHttpRefs, scanner]: DetailJson): ProbeDetail {
  const ref = (r: Ref | null): SourceRef | null => (r === null ? null : refOf(r));
  return {
    kinds: [...kinds], kindRefs: kindRefs.map(ref), hits, hitSizes: new Map(hitSizes), serverErrors, nonHttp: [...nonHttp], nonHttpRefs: nonHttpRefs.map(ref),
    scanner: scanner === null ? null : [scanner[0], { file: scanner[1], line: scanner[2] }],
  };
}

function mergeClient(into: ProbingClient, from: ProbingClient, k: number, order: EvidenceOrder): void {
  into.requests += from.requests;
  into.notFound += from.notFound;
  into.sensitive += from.sensitive;
  into.attacks += from.attacks;
  // The first MAX_PATHS distinct paths in input order: the earlier side's, then the later one's.
  const [early, late] = order(from.ref0, into.ref0) < 0 ? [from, into] : [into, from];
  // (In place when the earlier is this side's; a copy of the other side's.)
  let paths = early === into ? into.paths : copyHashes(early.paths);
  for (const p of hashValues(late.paths)) {
    if (hashCount(paths) < MAX_PATHS) paths = addHash(paths, p);
    else if (!hasHash(paths, p)) into.pathsOverflow = true;
  }
  into.paths = paths;
  if (from.pathsOverflow) into.pathsOverflow = true;
  into.first = Math.min(into.first, from.first);
  into.last = Math.max(into.last, from.last);
  if (earlier(into.ref0, from.ref0, order) !== into.ref0) {
    into.ref0 = from.ref0;
    into.agent = from.agent;
  }
  into.evidence = mergeEvidence(into.evidence, from.evidence, k, order);
  into.samples = mergeEarliest(into.samples, from.samples, MAX_SAMPLES, order);
  if (from.more !== null) {
    if (into.more === null) into.more = cloneDetail(from.more);
    else mergeDetail(into.more, from.more, order);
  }
}

function cloneExposure(e: Exposure): Exposure {
  return { ...e, clients: new Set(e.clients), sizes: new Map(e.sizes), evidence: [...e.evidence] };
}

function mergeExposure(into: Exposure, from: Exposure, k: number, order: EvidenceOrder): void {
  into.requests += from.requests;
  if (earlier(into.ref0, from.ref0, order) !== into.ref0) {
    into.ref0 = from.ref0;
    into.status = from.status;
  }
  for (const ip of from.clients) if (into.clients.size < MAX_EXPOSURES) into.clients.add(ip);
  for (const [b, n] of from.sizes) if (into.sizes.size < EXPOSURE_SIZES || into.sizes.has(b)) into.sizes.set(b, (into.sizes.get(b) ?? 0) + n);
  into.first = Math.min(into.first, from.first);
  into.last = Math.max(into.last, from.last);
  into.evidence = mergeEvidence(into.evidence, from.evidence, k, order);
}
