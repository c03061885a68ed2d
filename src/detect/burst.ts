/**
 * Bursts: request rate per minute from one IP, one network (/24 and /16; /64 and /48 for IPv6) and one ASN, judged
 * against the entity's own earlier rate (EWMA of its quiet minutes) and against its peers in the same minute
 * (robust z-score: (count − median) / (1.4826 × MAD)). Consecutive hot minutes form one finding. A botnet spread
 * over one /24 surfaces as the /24 (its member addresses are folded into it), and heavy legitimate traffic behind
 * one NAT address (many user agents, static assets) or a self-declared crawler is reported as low, not as an attack.
 * An ASN or /16 (/48) is big by nature (an ISP's users): it only learns its own rate for its first minutes
 * (warmupMinutes) and is judged against that afterwards, so a large ISP at the start of a log is not a burst.
 * An absolute rule beside them: an address at floodRate requests a minute or more for floodMinutes minutes, or with as
 * many requests (floodRate × floodMinutes) in two such minutes or more (a rate no person sustains) is a flood on its own, whatever its peers do (on a quiet site a lone flood is its own peer median)
 * and whatever it did before; a minute hot by either rule is never learned into the baseline. A self-declared crawler
 * is excused (low) only up to crawlerRate requests a minute.
 * Two sides: the counter (EntityMinutes, aggregate/entity-minutes.ts) closes each minute once the input is past it by
 * the lateness, and the judge (`createBurstJudge`) reads closed minutes in order, keeping the baselines and the open
 * runs, and gives the findings at the end. One thread wires the counter straight to the judge (the detector below);
 * a run sharded by data counts on each shard and judges on the main thread (detect/sharded/burst.ts). The judge's
 * state (baselines, warm-up, runs) saves and restores (`toJSON`, `createBurstJudge(o, ctx, saved)`).
 * Memory: per-minute counts for the minutes inside the lateness window, at most Limits.burstCellsPerMinute entities
 * per kind and minute (the lightest evicted, their counts kept for the peer statistics), and a baseline for at most
 * Limits.burstBaselines entities (the lowest evicted); each cap says so when reached (CAP_REACHED). Sharded, each
 * shard holds its own lateness window, and the main thread the minutes not every shard has closed yet
 * (aggregate/windows.ts), each up to shards × the per-minute cap; the cap figures of the shards add up (sums of
 * evictions and error bounds, the largest cut).
 */
import { inCidr } from '../enrich/geo/ip';
import type { SourceRef } from '../core/types';
import { QuantileSketch, type QuantileSketchJson } from '../core/quantile';
import { isoTime } from '../core/units';
import type { EnrichedRecord } from '../enrich/types';
import { defineDetector, type DetectorContext, type Finding, type Severity, type SubjectType } from './types';
import { fmt, pushEvidence, r2, sortEvidence } from './shared';
import { CappedMap, count, type CapStats } from '../core/capped';
import type { CellTable } from '../core/cells';
import { BOTS, cellAgents, cellMembers, ENTITY_KINDS, EntityMinutes, N, STATICS, type EntityKind, type EntityMinutesOptions } from '../aggregate/entity-minutes';
import type { EvidenceOrder } from '../aggregate/types';
import { countsMedianMadIn, ewma, robustZ } from './stats/robust';

interface Run {
  readonly kind: EntityKind;
  startMinute: number;
  lastMinute: number;
  peak: number;
  requests: number;
  baseline: number;
  z: number;
  ratio: number;
  ips: Set<string>;
  agents: Set<string>;
  statics: number;
  bots: number;
  evidence: SourceRef[];
  /** Minutes of the run hot against the baseline and peers, and minutes at or above the absolute flood rate. */
  relMinutes: number;
  floodMinutes: number;
  /** Requests of the minutes at or above floodRate. */
  floodRequests: number;
}

/** Values of judgeMinute's scratch buffers kept from one minute to the next (512 KB each). */
const SCRATCH_KEPT = 65_536;

const DEFAULTS = { minRate: 120, factor: 8, zMin: 8, alpha: 0.2, latenessMinutes: 10, natAgents: 5, warmupMinutes: 5, floodRate: 150, floodMinutes: 5, crawlerRate: 300 };

/** The detector's options (defaults above, overridable with --detector-opt burst.key=value). */
export type BurstOptions = { readonly [K in keyof typeof DEFAULTS]: number };

export default defineDetector<BurstOptions>({
  id: 'burst',
  title: 'Request bursts',
  description: 'Flags IPs, networks (/24, /16, IPv6 /64, /48) and ASNs whose request rate jumps far above their own earlier rate and their peers in the same minute, and addresses sustaining a rate no person reaches whatever their peers do.',
  defaultOptions: DEFAULTS,
  optionDocs: {
    minRate: 'requests per minute an entity must reach before it can be a burst',
    factor: 'times above max(own baseline, peer median) to fire',
    zMin: 'robust z-score against peers in the same minute to fire',
    alpha: 'EWMA weight of the newest quiet minute in the own-baseline',
    latenessMinutes: 'minutes of out-of-order input tolerated before a minute is judged',
    natAgents: 'distinct user agents (with static assets) that mark an address as a shared NAT',
    warmupMinutes: 'minutes an ASN or /16 (IPv6 /48) is only learned before it can burst: aggregates of many clients are far above their peers by nature, so only a rise against their own rate counts',
    floodRate: 'requests per minute from one address that no person sustains: a flood whatever its peers and baseline do (with floodMinutes)',
    floodMinutes: 'minutes at or above floodRate, within one run (gaps of at most 2 minutes), that make a flood; or as many requests as floodRate × floodMinutes in two such minutes or more',
    crawlerRate: 'requests per minute up to which a self-declared crawler is excused (low, no action); above it the agent excuses nothing',
  },
  create(o, ctx) {
    // One thread: the counter hands each closed minute straight to the judge.
    const judge = createBurstJudge(o, ctx);
    const counter = createBurstCounter(o, burstCounting(ctx), judge.judgeMinute);
    return {
      observe: counter.observe,
      finish() {
        counter.finish();
        return judge.finish();
      },
    };
  },
});

/** How burst counts, from the run's context. */
export function burstCounting(ctx: DetectorContext): EntityMinutesOptions {
  return { cap: ctx.limits.burstCellsPerMinute, evidenceLimit: ctx.evidenceLimit, asn: ctx.geo };
}

/** The counting side: records in, closed minutes out (to `sink`, in minute order; the tables are recycled after). */
export interface BurstCounter {
  observe(r: EnrichedRecord): void;
  /** Closes every minute left. */
  finish(): void;
  readonly minutes: EntityMinutes;
}

/**
 * Counts records into EntityMinutes; each new latest minute closes the minutes past the lateness allowance.
 * `order`: keep each cell's earliest evidence in the run's order (inputs read interleaved, and shards).
 */
export function createBurstCounter(o: Pick<BurstOptions, 'latenessMinutes'>, counting: EntityMinutesOptions, sink: (minute: number, tables: readonly CellTable[]) => void, order?: EvidenceOrder): BurstCounter {
  const state = new EntityMinutes(counting, order);
  const lateness = o.latenessMinutes;
  return {
    minutes: state,
    observe(r: EnrichedRecord) {
      const before = state.maxMinute;
      state.add(r);
      if (state.maxMinute > before) state.closeUntil(state.maxMinute - lateness - 1, sink);
    },
    finish() {
      state.closeUntil(Number.POSITIVE_INFINITY, sink);
    },
  };
}

/** The judging side: closed minutes in (in increasing order), findings out. */
export interface BurstJudge {
  /** Judges one closed minute; `tables` are indexed like ENTITY_KINDS and only read. */
  readonly judgeMinute: (minute: number, tables: readonly CellTable[]) => void;
  /** Closes the open runs and gives the findings (networks folded). */
  finish(): Finding[];
  /** The state (baselines, warm-up, open runs, findings so far, cap figures) as plain JSON. */
  toJSON(): BurstJudgeJson;
}

/** A run of hot minutes as JSON. */
interface RunJson {
  readonly key: string;
  readonly kind: EntityKind;
  readonly startMinute: number;
  readonly lastMinute: number;
  readonly peak: number;
  readonly requests: number;
  readonly baseline: number;
  readonly z: number;
  readonly ratio: number;
  readonly ips: readonly string[];
  readonly agents: readonly string[];
  readonly statics: number;
  readonly bots: number;
  readonly evidence: readonly (readonly [string, number])[];
  readonly relMinutes: number;
  readonly floodMinutes: number;
  readonly floodRequests: number;
}

/** A capped map of boxed numbers as JSON: entries in insertion order, and what its cap did. */
interface BoxesJson {
  readonly entries: readonly (readonly [string, number])[];
  readonly stats: CapStats;
}

export interface BurstJudgeJson {
  readonly kind: 'burst-judge';
  /** Own-rate baselines and warm-up minutes. */
  readonly baselines: BoxesJson;
  readonly learned: BoxesJson;
  readonly runs: readonly RunJson[];
  /** Findings of the runs closed so far (not yet folded). */
  readonly findings: readonly Finding[];
  readonly normalRate: QuantileSketchJson;
  readonly cellsCapped: { readonly evicted: number; readonly maxCut: number; readonly maxError: number };
  /** The minute judged last (null: none). */
  readonly judged: number | null;
}

/**
 * The burst judge: per-entity EWMA baselines, warm-up counts and open runs over closed minutes; `saved` restores a
 * state written by `toJSON` (a later run carries on from it).
 */
export function createBurstJudge(o: BurstOptions, ctx: DetectorContext, saved?: BurstJudgeJson): BurstJudge {
  /** Own-rate baselines (EWMA of quiet minutes), keyed by the entity (an address, a network or an ASN: their forms never collide); the lowest are evicted past the cap. */
  const history = restoreBoxes(ctx.limits.burstBaselines, saved?.baselines);
  /** Minutes learned per aggregate entity (ASN, /16, /48) while it warms up. */
  const learned = restoreBoxes(ctx.limits.burstBaselines, saved?.learned);
  /** What the per-minute caps evicted: cells, the most requests one had, the largest error bound of a minute. */
  const cellsCapped = { evicted: 0, maxCut: 0, maxError: 0, ...saved?.cellsCapped };
  ctx.caps.watch(() => {
    if (cellsCapped.evicted === 0) return null;
    return `burst: per-minute counters capped at ${count(ctx.limits.burstCellsPerMinute)} entities per kind (address, /24, /16, ASN) and minute; ${count(cellsCapped.evicted)} entity-minutes evicted (the lightest, each with at most ${count(cellsCapped.maxCut)} requests in its minute when evicted), their counts kept in the peer median and MAD; an entity's count in a minute is low by at most ${count(cellsCapped.maxError)}, so a burst is missed only if it stays within that of minRate (${count(o.minRate)}/min)`;
  });
  ctx.caps.watch(() => {
    const st = history.stats.evicted > 0 ? history.stats : learned.stats;
    if (st.evicted === 0) return null;
    return `burst: own-rate baselines capped at ${count(ctx.limits.burstBaselines)} entities; ${count(history.stats.evicted + learned.stats.evicted)} evicted (the lowest, at most ${count(Math.max(history.stats.maxCut, learned.stats.maxCut))} req/min or warm-up minutes); an evicted entity that comes back is judged against its peers of the minute until it has a baseline again, and an ASN or /16 learns its rate again`;
  });
  const runs = new Map<string, Run>((saved?.runs ?? []).map((j) => [j.key, runFromJSON(j)]));
  const findings: Finding[] = [...(saved?.findings ?? [])];
  const normalRate = saved ? QuantileSketch.fromJSON(saved.normalRate) : new QuantileSketch();
  /** The minute judged last. */
  let judged = saved?.judged ?? Number.NEGATIVE_INFINITY;
  const closeRun = (value: string, run: Run): void => {
    const kind = run.kind;
    const subjectType: SubjectType = kind === 'ip' ? 'ip' : kind === 'asn' ? 'asn' : 'cidr';
    // A run hot only by the absolute rule is a flood once it held floodRate for floodMinutes, or sent as many requests
    // (floodRate × floodMinutes) in two minutes or more at a higher rate; less, it is nothing.
    const floodOnly = run.relMinutes === 0;
    if (floodOnly && run.floodMinutes < o.floodMinutes && !(run.floodMinutes >= 2 && run.floodRequests >= o.floodRate * o.floodMinutes)) return;
    const nat = kind === 'ip' && run.agents.size >= o.natAgents && run.statics >= run.requests * 0.15;
    const claimsCrawler = run.bots >= run.requests * 0.9;
    // A crawler agent excuses a crawler's pace only: no crawler runs at more than crawlerRate from one address.
    const crawler = claimsCrawler && run.peak <= o.crawlerRate;
    let severity: Severity = run.ratio >= 30 && run.peak >= o.minRate * 3 ? 'critical' : run.ratio >= o.factor ? 'high' : 'medium';
    // Alone on a quiet site a flood has neither peers nor a baseline above it: its own rate and length decide.
    if (floodOnly) severity = run.peak >= o.floodRate * 4 || run.floodMinutes >= 30 ? 'high' : 'medium';
    if (nat || crawler) severity = 'low';
    const minutesLong = run.lastMinute - run.startMinute + 1;
    const addresses = run.ips.size;
    const label = subjectType === 'asn' ? `AS${value}` : value;
    const note = nat ? ' — many user agents with static assets: looks like people behind one NAT' : crawler ? ' — a self-declared crawler'
      : claimsCrawler ? ` — a self-declared bot agent, but no crawler runs at ${fmt(run.peak, 0)}/min` : '';
    const rate = floodOnly
      ? `${fmt(run.peak, 0)} req/min, ${fmt(o.floodRate, 0)}/min or more for ${fmt(run.floodMinutes, 0)} minutes — a rate no person sustains`
      : `${fmt(run.peak, 0)} req/min, ${fmt(run.ratio)}x its baseline`;
    const limit = Math.max(60, Math.ceil((normalRate.quantile(0.99) ?? 30) * 2));
    const startMs = run.startMinute * 60_000;
    const endMs = (run.lastMinute + 1) * 60_000;
    findings.push({
      detector: 'burst',
      severity,
      confidence: r2(Math.min(0.99, 0.5 + Math.min(run.z, 40) / 80 + Math.min(minutesLong, 10) / 40)),
      title: `${label}: ${rate}${subjectType === 'ip' ? '' : ` (${fmt(addresses, 0)} addresses)`}${note}`,
      subject: { type: subjectType, value },
      startMs,
      endMs,
      metrics: { peak_rpm: run.peak, baseline_rpm: r2(run.baseline), ratio: r2(run.ratio), z: r2(run.z), requests: run.requests, minutes: minutesLong, addresses, user_agents: run.agents.size, flood_minutes: run.floodMinutes },
      explanation: floodOnly
        ? `An absolute rule: ${fmt(o.floodRate, 0)} requests a minute or more from one address for ${fmt(o.floodMinutes, 0)} minutes or more (gaps of at most 2 minutes), or as many requests (${fmt(o.floodRate * o.floodMinutes, 0)}) in two such minutes or more, is a flood whatever its peers and its own earlier rate (on a quiet site the flood is its own peer and baseline); minutes it flagged are not learned into the baseline.`
        : `Peak per-minute count against max(own EWMA of earlier quiet minutes, median of all ${kind === 'ip' ? 'addresses' : 'networks'} that minute); z is the robust z-score against that minute's peers (median/MAD).`,
      evidence: sortEvidence(run.evidence).slice(0, ctx.evidenceLimit),
      actions: nat || crawler ? [] : [
        { type: 'rate-limit', key: subjectType === 'asn' ? 'asn' : 'ip', limit_per_minute: limit, window_seconds: 60, scope: label, why: `normal clients stay under ${fmt(limit / 2, 0)} req/min (p99 of per-address minutes); this one peaked at ${fmt(run.peak, 0)}` },
        ...(subjectType === 'asn' ? [] : [{ type: 'block' as const, ips: subjectType === 'ip' ? [value] : [...run.ips].sort().slice(0, 50), cidrs: subjectType === 'cidr' ? [value] : [], why: `burst ${isoTime(startMs)}–${isoTime(endMs)}` }]),
      ],
    });
  };

  /** Scratch of judgeMinute: a minute's counts of one kind, their deviations, and [median, MAD]. */
  let counts = new Float64Array(1024);
  let deviations = new Float64Array(1024);
  const medMad = new Float64Array(2);
  const judgeMinute = (m: number, kinds: readonly CellTable[]): void => {
    if (m <= judged) throw new Error(`burst judge: minute ${m} comes after minute ${judged}`);
    judged = m;
    for (const [ki, kind] of ENTITY_KINDS.entries()) {
      const cells = kinds[ki];
      if (!cells || (cells.size === 0 && cells.evicted === null)) continue;
      const ns = cells.ints[N] as Int32Array;
      let size = cells.size;
      if (cells.evicted !== null) for (const cellsEvicted of cells.evicted.values()) size += cellsEvicted;
      let cs = counts;
      let ds = deviations;
      if (cs.length < size) {
        // Kept for the next minutes up to SCRATCH_KEPT values; a larger minute (a cap evicting many cells) gets its own.
        const len = Math.max(size, Math.min(cs.length * 2, SCRATCH_KEPT));
        cs = new Float64Array(len);
        ds = new Float64Array(len);
        if (len <= SCRATCH_KEPT) {
          counts = cs;
          deviations = ds;
        }
      }
      let at = 0;
      for (let s = 0; s < cells.size; s++) cs[at++] = ns[s] ?? 0;
      // Cells the cap evicted are still peers: their counts join the median and MAD (and the normal rate).
      if (cells.evicted !== null) {
        for (const [n, cellsEvicted] of cells.evicted) {
          for (let i = 0; i < cellsEvicted; i++) cs[at++] = n;
          if (kind === 'ip') for (let i = 0; i < cellsEvicted; i++) normalRate.add(n);
        }
        cellsCapped.evicted += cells.stats.evicted;
        cellsCapped.maxCut = Math.max(cellsCapped.maxCut, cells.stats.maxCut);
        cellsCapped.maxError = Math.max(cellsCapped.maxError, cells.stats.maxError);
      }
      countsMedianMadIn(cs, at, ds, medMad);
      const med = medMad[0] ?? 0;
      const dev = medMad[1] ?? 0;
      for (let s = 0; s < cells.size; s++) {
        const key = cells.keys[s] as string;
        const n = ns[s] ?? 0;
        // One lookup per cell: the baseline (and the warm-up count) are boxes updated in place.
        const own = history.id(key);
        const base = own < 0 ? 0 : history.value(own);
        const ratio = n / Math.max(base, med, 1);
        const z = robustZ(n, med, dev, 1);
        // An ISP's ASN or /16 carries thousands of ordinary users: compared with the median ASN it is always
        // "bursting". Such aggregates first learn their own rate for a few minutes; after that the own-rate
        // baseline decides.
        let warming = false;
        if (kind === 'asn' || kind === 'wide') {
          const l = learned.id(key);
          warming = (l < 0 ? 0 : learned.value(l)) < o.warmupMinutes;
          if (warming) {
            if (l >= 0) learned.set(l, learned.value(l) + 1);
            else learned.add(key, 1);
          }
        }
        const relHot = !warming && n >= o.minRate && ratio >= o.factor && z >= o.zMin;
        // The absolute rule (addresses only): a rate no person reaches is hot whatever the peers and baseline say,
        // and, hot, it is not learned into the baseline.
        const flood = kind === 'ip' && n >= o.floodRate;
        const hot = relHot || flood;
        const run = runs.get(key);
        if (hot) {
          const statics = (cells.ints[STATICS] as Int32Array)[s] ?? 0;
          const bots = (cells.ints[BOTS] as Int32Array)[s] ?? 0;
          const agents = cellAgents(cells, s);
          if (run && run.lastMinute >= m - 2) {
            run.lastMinute = m;
            run.peak = Math.max(run.peak, n);
            run.requests += n;
            run.z = Math.max(run.z, z);
            run.ratio = Math.max(run.ratio, ratio);
            for (const ip of cellMembers(cells, s)) if (run.ips.size < 5000) run.ips.add(ip);
            for (const a of agents) if (run.agents.size < 64) run.agents.add(a);
            run.statics += statics;
            run.bots += bots;
            if (relHot) run.relMinutes++;
            if (flood) {
              run.floodMinutes++;
              run.floodRequests += n;
            }
            for (const e of cells.evidence(s)) pushEvidence(run.evidence, e, ctx.evidenceLimit);
          } else {
            if (run) {
              closeRun(key, run);
              runs.delete(key);
            }
            runs.set(key, { kind, startMinute: m, lastMinute: m, peak: n, requests: n, baseline: Math.max(base, med), z, ratio, ips: new Set(cellMembers(cells, s)), agents: new Set(agents), statics, bots, evidence: cells.evidence(s), relMinutes: relHot ? 1 : 0, floodMinutes: flood ? 1 : 0, floodRequests: flood ? n : 0 });
          }
        } else {
          if (own >= 0) history.set(own, ewma(base, n, o.alpha));
          else history.add(key, ewma(null, n, o.alpha));
          if (kind === 'ip') normalRate.add(n);
        }
      }
    }
    for (const [key, run] of runs) {
      if (run.lastMinute < m - 2) {
        closeRun(key, run);
        runs.delete(key);
      }
    }
  };


  return {
    judgeMinute,
    finish() {
      for (const [key, run] of runs) closeRun(key, run);
      runs.clear();
      return foldNetworks(findings);
    },
    toJSON(): BurstJudgeJson {
      return {
        kind: 'burst-judge', baselines: history.toJSON(), learned: learned.toJSON(), runs: [...runs].map(([key, run]) => runToJSON(key, run)),
        findings: [...findings], normalRate: normalRate.toJSON(), cellsCapped: { ...cellsCapped }, judged: Number.isFinite(judged) ? judged : null,
      };
    },
  };
}

/**
 * A number per key, capped (the lowest evicted, CappedMap's policy): the map holds a small integer per key (no
 * object, no boxed double) and the numbers live in one Float64Array by that id; an evicted key's id is reused. On
 * the 1M-line bench log the baselines hold ~107k keys: a box object and a heap number each (~48 bytes) before.
 */
export class CappedNumbers {
  private readonly ids: CappedMap<number>;
  private values = new Float64Array(1024);
  private readonly free: number[] = [];
  private next = 0;

  constructor(cap: number) {
    this.ids = new CappedMap<number>({ cap, weight: (id) => this.values[id] ?? 0, onEvict: (_k, id) => this.free.push(id) });
  }

  get stats(): CapStats {
    return this.ids.stats;
  }

  /** The id of `key`'s number, -1 if none is kept. */
  id(key: string): number {
    return this.ids.get(key) ?? -1;
  }

  value(id: number): number {
    return this.values[id] ?? 0;
  }

  set(id: number, v: number): void {
    this.values[id] = v;
  }

  /** Adds `key` (not kept yet) with `v`; may evict the lowest others first. */
  add(key: string, v: number): void {
    let id = this.free.pop();
    if (id === undefined) {
      id = this.next++;
      if (id >= this.values.length) {
        const grown = new Float64Array(this.values.length * 2);
        grown.set(this.values);
        this.values = grown;
      }
    }
    this.values[id] = v;
    // The id is taken before adding: a pruning the add causes frees other ids only (the new key is not in the map yet).
    this.ids.add(key, id);
  }

  /** Entries in insertion order, and what the cap did. */
  toJSON(): BoxesJson {
    return { entries: [...this.ids.entries()].map(([k, id]) => [k, this.values[id] ?? 0]), stats: { ...this.ids.stats } };
  }
}

/** Capped numbers restored in their insertion order (and their cap figures). */
function restoreBoxes(cap: number, j: BoxesJson | undefined): CappedNumbers {
  const m = new CappedNumbers(cap);
  if (j === undefined) return m;
  for (const [k, v] of j.entries) m.add(k, v);
  Object.assign(m.stats, j.stats);
  return m;
}

function runToJSON(key: string, r: Run): RunJson {
  return {
    key, kind: r.kind, startMinute: r.startMinute, lastMinute: r.lastMinute, peak: r.peak, requests: r.requests, baseline: r.baseline, z: r.z, ratio: r.ratio,
    ips: [...r.ips], agents: [...r.agents], statics: r.statics, bots: r.bots, evidence: r.evidence.map((e) => [e.file, e.line]), relMinutes: r.relMinutes, floodMinutes: r.floodMinutes, floodRequests: r.floodRequests,
  };
}

function runFromJSON({ key: _key, ...j }: RunJson): Run {
  return { ...j, ips: new Set(j.ips), agents: new Set(j.agents), evidence: j.evidence.map(([file, line]) => ({ file, line })) };
}

/**
 * One incident, one finding: addresses inside a bursting network with several members are folded into the network
 * finding; a /16 (or /48) that is mostly one bursting /24 (/64) is dropped; an ASN that is mostly one network is
 * dropped.
 */
function foldNetworks(fs: Finding[]): Finding[] {
  const overlaps = (a: Finding, b: Finding): boolean => a.startMs < b.endMs && b.startMs < a.endMs;
  const nets = fs.filter((f) => f.subject.type === 'cidr');
  const num = (f: Finding, k: string): number => (typeof f.metrics[k] === 'number' ? (f.metrics[k] as number) : 0);
  return fs.filter((f) => {
    if (f.subject.type === 'ip') {
      return !nets.some((n) => num(n, 'addresses') >= 5 && overlaps(n, f) && inCidr(f.subject.value, n.subject.value));
    }
    if (f.subject.type === 'cidr' && num(f, 'addresses') <= 1) return false;
    // A network whose burst is mostly one bursting address is that address's finding, not a second one.
    if (f.subject.type === 'cidr' && fs.some((i) => i.subject.type === 'ip' && overlaps(i, f) && inCidr(i.subject.value, f.subject.value) && num(i, 'requests') >= 0.8 * num(f, 'requests'))) return false;
    if (f.subject.type === 'cidr' && /\/(16|48)$/.test(f.subject.value)) {
      return !nets.some((n) => n !== f && /\/(24|64)$/.test(n.subject.value) && overlaps(n, f) && num(n, 'requests') >= 0.8 * num(f, 'requests'));
    }
    if (f.subject.type === 'asn') return !nets.some((n) => overlaps(n, f) && num(n, 'requests') >= 0.8 * num(f, 'requests'));
    return true;
  });
}

