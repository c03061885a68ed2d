/**
 * Login attempts (POST or PUT to an authentication path, enrich/auth-path.ts) for the credential-stuffing judge
 * (detect/credential-stuffing.ts): per authentication endpoint and minute, attempts, failures (401, 403, 429), the
 * failing clients with their failures and the first evidence; per client, attempts, failures, first and last time,
 * the endpoint of its first attempt and the first evidence of its failures.
 * Memory: at most `endpoints` endpoint series (those with the fewest failures evicted), at most 5,000 failing
 * clients per minute and `clientMinutes` (client, minute) entries in all (failures beyond it counted as
 * `unattributed`), at most `clients` clients (the least active evicted).
 * Mergeable and serializable (aggregate/types.ts): the endpoint of a client's first attempt is kept with that
 * attempt's record and the earliest in input order wins. Below the caps merged shards equal one pass; at the caps
 * merging is not exact (a series or client kept by one shard and evicted by the other misses the other's counts,
 * and once the (client, minute) budget is spent the merged failures are unattributed, their time taken as the start
 * of their minute).
 */
import type { SourceRef } from '../core/types';
import { CappedMap, addCapStats, noCapStats, type CapStats } from '../core/capped';
import { detach } from '../core/text';
import type { EnrichedRecord } from '../enrich/types';
import { isAuthAttempt, isAuthFailure } from '../enrich/auth-path';
import { mergeEvidence, type EvidenceOrder, type Mergeable } from './types';
import { refJSON, refOf } from './earliest';
import { rekeyEntries } from '../core/rekey';

/** Failing clients kept per endpoint and minute. */
const MINUTE_CLIENTS = 5000;

export interface AuthMinute {
  attempts: number;
  failures: number;
  clients: Map<string, number>;
  evidence: SourceRef[];
}

/** An authentication endpoint's minutes, and its failures (its weight against the cap). */
export interface AuthSeries {
  readonly minutes: Map<number, AuthMinute>;
  failures: number;
  /** The endpoint's first attempt (the series' place in input order). */
  ref0: SourceRef;
}

export interface AuthClient {
  attempts: number;
  failures: number;
  first: number;
  last: number;
  /** The endpoint of the client's first attempt, and that attempt. */
  endpoint: string;
  ref0: SourceRef;
  evidence: SourceRef[];
}

export interface AuthAttemptsOptions {
  readonly endpoints: number;
  readonly clients: number;
  readonly clientMinutes: number;
  readonly evidenceLimit: number;
}

type Ref = readonly [string, number];
/** [minute, attempts, failures, [[ip, failures]...] (sorted), evidence]. */
type MinuteJson = readonly [number, number, number, readonly (readonly [string, number])[], readonly Ref[]];

export interface AuthAttemptsJson {
  readonly kind: 'auth-attempts';
  readonly options: AuthAttemptsOptions;
  /** [endpoint, failures, ref0, minutes (sorted)]. */
  readonly endpoints: readonly (readonly [string, number, Ref, readonly MinuteJson[]])[];
  /** [ip, attempts, failures, first, last, endpoint, ref0, evidence]. */
  readonly clients: readonly (readonly [string, number, number, number, number, string, Ref, readonly Ref[]])[];
  readonly stats: { readonly endpoints: CapStats; readonly clients: CapStats };
  readonly unattributed: number;
  readonly unattributedFrom: number | null;
}

export class AuthAttempts implements Mergeable<AuthAttempts, AuthAttemptsJson> {
  endpoints: CappedMap<AuthSeries>;
  clients: CappedMap<AuthClient>;
  /** (client, minute) entries held. */
  private clientMinutes = 0;
  /** Failures not attributed to a client once the (client, minute) budget was spent, and the earliest of them. */
  unattributed = 0;
  unattributedFrom = Number.POSITIVE_INFINITY;

  constructor(readonly options: AuthAttemptsOptions) {
    this.endpoints = this.newEndpoints();
    this.clients = this.newClients();
  }

  private newEndpoints(): CappedMap<AuthSeries> {
    return new CappedMap<AuthSeries>({
      cap: this.options.endpoints,
      weight: (e) => e.failures,
      onEvict: (_endpoint, e) => {
        for (const mm of e.minutes.values()) this.clientMinutes -= mm.clients.size;
      },
    });
  }

  private newClients(): CappedMap<AuthClient> {
    return new CappedMap<AuthClient>({ cap: this.options.clients, weight: (c) => c.attempts + c.failures });
  }

  /** Counts one record (nothing but login attempts from a known client). */
  add(r: EnrichedRecord): void {
    if (r.clientIp === null || r.path === null || !isAuthAttempt(r.method, r.path)) return;
    const failed = isAuthFailure(r.status);
    const k = this.options.evidenceLimit;
    const m = Math.floor(r.startMs / 60_000);
    let series = this.endpoints.get(r.endpoint);
    if (!series) {
      series = { minutes: new Map(), failures: 0, ref0: r.source };
      this.endpoints.add(detach(r.endpoint), series);
    }
    let mm = series.minutes.get(m);
    if (!mm) {
      mm = { attempts: 0, failures: 0, clients: new Map(), evidence: [] };
      series.minutes.set(m, mm);
    }
    mm.attempts++;
    if (failed) {
      mm.failures++;
      series.failures++;
      this.countClient(mm, r.clientIp, 1, r.startMs);
      if (mm.evidence.length < k) mm.evidence.push(r.source);
    }
    let c = this.clients.get(r.clientIp);
    if (!c) {
      c = { attempts: 0, failures: 0, first: r.startMs, last: r.startMs, endpoint: r.endpoint, ref0: r.source, evidence: [] };
      this.clients.add(r.clientIp, c);
    }
    c.attempts++;
    c.first = Math.min(c.first, r.startMs);
    c.last = Math.max(c.last, r.startMs);
    if (failed) {
      c.failures++;
      if (c.evidence.length < k) c.evidence.push(r.source);
    }
  }

  /** Counts `n` failures of `ip` in a minute (unattributed once the minute or the budget is full). */
  private countClient(mm: AuthMinute, ip: string, n: number, atMs: number): void {
    const had = mm.clients.get(ip);
    if (had !== undefined) mm.clients.set(ip, had + n);
    else if (mm.clients.size < MINUTE_CLIENTS && this.clientMinutes < this.options.clientMinutes) {
      mm.clients.set(ip, n);
      this.clientMinutes++;
    } else if (mm.clients.size < MINUTE_CLIENTS) {
      this.unattributed += n;
      this.unattributedFrom = Math.min(this.unattributedFrom, atMs);
    }
  }

  merge(other: AuthAttempts, order: EvidenceOrder): void {
    for (const [endpoint, theirs] of other.endpoints) {
      let mine = this.endpoints.get(endpoint);
      if (mine === undefined) {
        mine = { minutes: new Map(), failures: 0, ref0: theirs.ref0 };
        this.endpoints.add(endpoint, mine);
      }
      this.mergeSeries(mine, theirs, order);
    }
    addCapStats(this.endpoints.stats, { ...other.endpoints.stats, inserted: 0 });
    this.unattributed += other.unattributed;
    this.unattributedFrom = Math.min(this.unattributedFrom, other.unattributedFrom);
    for (const [ip, theirs] of other.clients) {
      const mine = this.clients.get(ip);
      if (mine === undefined) {
        this.clients.add(ip, { ...theirs, evidence: [...theirs.evidence] });
        continue;
      }
      mine.attempts += theirs.attempts;
      mine.failures += theirs.failures;
      mine.first = Math.min(mine.first, theirs.first);
      mine.last = Math.max(mine.last, theirs.last);
      if (order(theirs.ref0, mine.ref0) < 0) {
        mine.ref0 = theirs.ref0;
        mine.endpoint = theirs.endpoint;
      }
        mine.evidence = mergeEvidence(mine.evidence, theirs.evidence, this.options.evidenceLimit, order);
    }
    addCapStats(this.clients.stats, { ...other.clients.stats, inserted: 0 });
    this.inFirstOrder(order);
  }

  /**
   * Maps every endpoint through `map` (the run's final endpoints: core/rekey.ts), the series and the clients' first
   * endpoints; series that become one merge, evidence by `order`.
   */
  rekey(map: (key: string) => string, order: EvidenceOrder): void {
    if (rekeyEntries(this.endpoints, map, (into, from) => this.mergeSeries(into, from, order)) > 0) this.inFirstOrder(order);
    for (const c of this.clients.values()) c.endpoint = map(c.endpoint);
  }

  /** Adds `theirs` (another part's series of the same endpoint) into `mine`; returns `mine`. */
  private mergeSeries(mine: AuthSeries, theirs: AuthSeries, order: EvidenceOrder): AuthSeries {
    const k = this.options.evidenceLimit;
    if (order(theirs.ref0, mine.ref0) < 0) mine.ref0 = theirs.ref0;
    mine.failures += theirs.failures;
    for (const [m, t] of theirs.minutes) {
      let mm = mine.minutes.get(m);
      if (!mm) {
        mm = { attempts: 0, failures: 0, clients: new Map(), evidence: [] };
        mine.minutes.set(m, mm);
      }
      mm.attempts += t.attempts;
      mm.failures += t.failures;
      for (const [ip, n] of t.clients) this.countClient(mm, ip, n, m * 60_000);
      mm.evidence = mergeEvidence(mm.evidence, t.evidence, k, order);
    }
    return mine;
  }

  /** Puts the maps in the order of their first attempts, as one pass meets them. */
  private inFirstOrder(order: EvidenceOrder): void {
    // One pass meets endpoints and clients in the order of their first attempts: so do the merged maps (the caps'
    // tie order, and the judge's).
    const endpoints = [...this.endpoints].sort((a, b) => order(a[1].ref0, b[1].ref0));
    const endpointStats = { ...this.endpoints.stats };
    this.endpoints = this.newEndpoints();
    for (const [key, s] of endpoints) this.endpoints.add(key, s);
    Object.assign(this.endpoints.stats, endpointStats);
    const clients = [...this.clients].sort((a, b) => order(a[1].ref0, b[1].ref0));
    const clientStats = { ...this.clients.stats };
    this.clients = this.newClients();
    for (const [ip, c] of clients) this.clients.add(ip, c);
    Object.assign(this.clients.stats, clientStats);
  }

  toJSON(): AuthAttemptsJson {
    return {
      kind: 'auth-attempts',
      options: this.options,
      endpoints: [...this.endpoints].map(([endpoint, s]) => [
        endpoint, s.failures, refJSON(s.ref0),
        [...s.minutes].sort((a, b) => a[0] - b[0]).map(([m, mm]): MinuteJson => [
          m, mm.attempts, mm.failures, [...mm.clients].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)), mm.evidence.map(refJSON),
        ]),
      ]),
      clients: [...this.clients].map(([ip, c]) => [ip, c.attempts, c.failures, c.first, c.last, c.endpoint, refJSON(c.ref0), c.evidence.map(refJSON)]),
      stats: { endpoints: { ...this.endpoints.stats }, clients: { ...this.clients.stats } },
      unattributed: this.unattributed,
      unattributedFrom: Number.isFinite(this.unattributedFrom) ? this.unattributedFrom : null,
    };
  }

  static fromJSON(j: AuthAttemptsJson): AuthAttempts {
    const out = new AuthAttempts(j.options);
    for (const [endpoint, failures, ref0, minutes] of j.endpoints) {
      const s: AuthSeries = { minutes: new Map(), failures, ref0: refOf(ref0) };
      for (const [m, attempts, fails, clients, evidence] of minutes) {
        s.minutes.set(m, { attempts, failures: fails, clients: new Map(clients), evidence: evidence.map(refOf) });
        out.clientMinutes += clients.length;
      }
      out.endpoints.add(endpoint, s);
    }
    for (const [ip, attempts, failures, first, last, endpoint, ref0, evidence] of j.clients) {
      out.clients.add(ip, { attempts, failures, first, last, endpoint, ref0: refOf(ref0), evidence: evidence.map(refOf) });
    }
    Object.assign(out.endpoints.stats, noCapStats(), j.stats.endpoints);
    Object.assign(out.clients.stats, noCapStats(), j.stats.clients);
    out.unattributed = j.unattributed;
    out.unattributedFrom = j.unattributedFrom ?? Number.POSITIVE_INFINITY;
    return out;
  }
}
