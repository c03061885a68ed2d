/**
 * All traffic per minute, with who sent it: requests, requests per network (/24, IPv6 /64; a client address that
 * has no network counts as itself), the countries seen (with geo data) and a HyperLogLog of client addresses. The
 * surge judge reads it (detect/surge.ts).
 * Networks are counted exactly, every one of them: a network gets a dense id once per run, and a minute's counts are
 * a map from id while the minute is recent, then two Int32Arrays (ids and counts, by id) once it is COMPACT_AFTER
 * minutes behind the latest (about 8 bytes per network and minute: a day with 500 networks a minute is ~6 MB).
 * A minute holds at most `maxNetworksPerMinute` networks (hostile input: a million /24s in one minute); past that a
 * network's requests count in the minute's total and `overflow`, and the run says so (CAP_REACHED).
 * Mergeable and serializable (aggregate/types.ts): below the cap, merged shards equal one pass.
 */
import { HyperLogLog } from '../core/hll';
import type { EnrichedRecord } from '../enrich/types';
import { networksOf } from '../enrich/client';
import type { Mergeable } from './types';

/** Minutes behind the latest after which a minute's network counts are compacted. */
const COMPACT_AFTER = 5;

/** One minute. */
export interface NetworkMinute {
  readonly minute: number;
  n: number;
  /** Network id → requests while the minute is recent (null once compacted). */
  open: Map<number, number> | null;
  /** Compacted counts: ids ascending, and their requests. */
  ids: Int32Array | null;
  counts: Int32Array | null;
  /** Requests of networks past the per-minute cap. */
  overflow: number;
  readonly countries: Set<string>;
  readonly clients: HyperLogLog;
}

export interface NetworkMinutesJson {
  readonly kind: 'network-minutes';
  readonly maxNetworksPerMinute: number;
  /** [minute, requests, overflow, [[network, requests]...] (by network), countries (sorted), client sketch]. */
  readonly minutes: readonly (readonly [number, number, number, readonly (readonly [string, number])[], readonly string[], string])[];
}

export class NetworkMinutes implements Mergeable<NetworkMinutes, NetworkMinutesJson> {
  private readonly ids = new Map<string, number>();
  /** Network of each id. */
  readonly names: string[] = [];
  readonly minutes = new Map<number, NetworkMinute>();
  private lastMinute = Number.NaN;
  private last: NetworkMinute | null = null;
  private maxMinute = Number.NEGATIVE_INFINITY;
  private compactedUpTo = Number.NEGATIVE_INFINITY;
  /**
   * The minutes whose counts are a map (new, or reopened by a late record), which compactUntil visits instead of
   * every minute of the run.
   */
  private readonly uncompacted: NetworkMinute[] = [];
  /** Minutes whose network cap was reached. */
  cappedMinutes = 0;

  constructor(readonly maxNetworksPerMinute: number, private readonly geo: boolean) {}

  /** Counts one record. */
  add(r: EnrichedRecord): void {
    const m = Math.floor(r.startMs / 60_000);
    const s = this.minuteOf(m);
    s.n++;
    const ip = r.clientIp;
    if (ip !== null) {
      const f = r.client;
      if (f !== null) {
        // The network's id, remembered on the address's facts (checked against the id's name before use).
        const net = f.narrow ?? ip;
        const hint = f.narrowId;
        const id = hint >= 0 && hint < this.names.length && this.names[hint] === net ? hint : this.idOf(net);
        f.narrowId = id;
        this.countId(s, id, 1);
        s.clients.addHash(f.hash);
      } else {
        this.countNetwork(s, networksOf(ip).narrow ?? ip, 1);
        s.clients.add(ip);
      }
    }
    if (this.geo && r.geo?.country) {
      // A country just added to this minute is not added again (a set: adding it again changes nothing).
      const c = r.geo.country;
      if (c !== this.lastCountry || s !== this.lastCountryIn) {
        s.countries.add(c);
        this.lastCountry = c;
        this.lastCountryIn = s;
      }
    }
  }

  /** The country add() added last, and the minute it added it to. */
  private lastCountry: string | null = null;
  private lastCountryIn: NetworkMinute | null = null;

  private minuteOf(m: number): NetworkMinute {
    if (m === this.lastMinute && this.last !== null) return this.last;
    let s = this.minutes.get(m);
    if (s === undefined) {
      s = { minute: m, n: 0, open: new Map(), ids: null, counts: null, overflow: 0, countries: new Set(), clients: new HyperLogLog() };
      this.minutes.set(m, s);
      this.uncompacted.push(s);
    }
    this.lastMinute = m;
    this.last = s;
    if (m > this.maxMinute) {
      this.maxMinute = m;
      this.compactUntil(m - COMPACT_AFTER);
    }
    return s;
  }

  /** The network and id last looked up (a client's requests often come one after another; ids are never reused). */
  private lastNet: string | null = null;
  private lastId = -1;

  private idOf(net: string): number {
    if (net === this.lastNet) return this.lastId;
    let id = this.ids.get(net);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(net, id);
      this.names.push(net);
    }
    this.lastNet = net;
    this.lastId = id;
    return id;
  }

  private countNetwork(s: NetworkMinute, net: string, n: number): void {
    this.countId(s, this.idOf(net), n);
  }

  private countId(s: NetworkMinute, id: number, n: number): void {
    let open = s.open;
    if (open === null) {
      open = reopen(s);
      this.uncompacted.push(s);
    }
    const had = open.get(id);
    if (had !== undefined) open.set(id, had + n);
    else if (open.size < this.maxNetworksPerMinute) open.set(id, n);
    else {
      if (s.overflow === 0) this.cappedMinutes++;
      s.overflow += n;
    }
  }

  /** Compacts the recent maps of minutes up to `limit`. */
  private compactUntil(limit: number): void {
    if (limit <= this.compactedUpTo) return;
    const list = this.uncompacted;
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const s = list[i] as NetworkMinute;
      if (s.minute <= limit) compact(s);
      else list[kept++] = s;
    }
    list.length = kept;
    this.compactedUpTo = limit;
  }

  /** Requests per network id in a minute (ids ascending when compacted, in first-seen order while recent). */
  forEachNetwork(s: NetworkMinute, f: (id: number, n: number) => void): void {
    if (s.open !== null) for (const [id, n] of s.open) f(id, n);
    else if (s.ids !== null && s.counts !== null) for (let i = 0; i < s.ids.length; i++) f(s.ids[i] ?? 0, s.counts[i] ?? 0);
  }

  merge(other: NetworkMinutes): void {
    for (const [m, theirs] of [...other.minutes].sort((a, b) => a[0] - b[0])) {
      const s = this.minuteOf(m);
      s.n += theirs.n;
      s.overflow += theirs.overflow;
      other.forEachNetwork(theirs, (id, n) => this.countNetwork(s, other.names[id] as string, n));
      for (const c of theirs.countries) s.countries.add(c);
      s.clients.merge(theirs.clients);
    }
  }

  toJSON(): NetworkMinutesJson {
    const minutes = [...this.minutes].sort((a, b) => a[0] - b[0]).map(([m, s]): [number, number, number, [string, number][], string[], string] => {
      const nets: [string, number][] = [];
      this.forEachNetwork(s, (id, n) => nets.push([this.names[id] as string, n]));
      nets.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return [m, s.n, s.overflow, nets, [...s.countries].sort(), s.clients.toJSON()];
    });
    return { kind: 'network-minutes', maxNetworksPerMinute: this.maxNetworksPerMinute, minutes };
  }

  static fromJSON(j: NetworkMinutesJson, geo: boolean): NetworkMinutes {
    const out = new NetworkMinutes(j.maxNetworksPerMinute, geo);
    for (const [m, n, overflow, nets, countries, clients] of j.minutes) {
      const s = out.minuteOf(m);
      s.n += n;
      s.overflow += overflow;
      for (const [net, k] of nets) out.countNetwork(s, net, k);
      for (const c of countries) s.countries.add(c);
      s.clients.merge(HyperLogLog.fromJSON(clients));
    }
    return out;
  }
}

/** A minute's recent map, rebuilt from its compacted arrays when a late record comes for it. */
function reopen(s: NetworkMinute): Map<number, number> {
  if (s.open !== null) return s.open;
  const open = new Map<number, number>();
  if (s.ids !== null && s.counts !== null) for (let i = 0; i < s.ids.length; i++) open.set(s.ids[i] ?? 0, s.counts[i] ?? 0);
  s.open = open;
  s.ids = null;
  s.counts = null;
  return open;
}

function compact(s: NetworkMinute): void {
  const open = s.open;
  if (open === null) return;
  const ids = Int32Array.from(open.keys()).sort();
  const counts = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) counts[i] = open.get(ids[i] ?? 0) ?? 0;
  s.ids = ids;
  s.counts = counts;
  s.open = null;
}
