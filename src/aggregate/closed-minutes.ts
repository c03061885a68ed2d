/**
 * Closed minutes of EntityMinutes as plain data, to cross a worker-thread boundary (postMessage's structured clone,
 * with the typed arrays' buffers transferable), and their merge into the tables the burst judge reads.
 *
 * A worker that counts whole inputs closes its minutes locally (aggregate/entity-minutes.ts says why no record of its
 * inputs can come for them afterwards) and posts them packed, a batch at a time (read back as ClosedMinutes); the main
 * thread merges the same minute of every shard into one set of CellTables (`entityWindows`, driven by the WindowMerger
 * of aggregate/windows.ts) and hands it to the judge. Below the per-minute cap the merged tables hold what one
 * EntityMinutes over all the inputs would have held (counts add, member sets unite up to their caps, evidence keeps
 * the k earliest in the run's EvidenceOrder); their cells come in shard order, not first-seen order, which the judge
 * does not depend on below its caps (baselines, run members). Past the cap each shard has evicted its own lightest
 * cells: the merged table keeps what the shards kept (it holds up to shards × cap cells, so it evicts nothing more),
 * the evicted weights add up in one histogram, and the cap statistics add (a kept count is low by at most the sum of
 * the shards' error bounds) — deterministic for a given assignment of inputs to shards, documented rather than equal
 * to one pass.
 *
 * Form: one string table per minute (keys, member addresses, agents, evidence files, each once) and per entity kind
 * typed-array columns indexing it. Measured against nested arrays per cell (EntityMinutes' JSON form), encode +
 * structuredClone + merge of one minute: an ALB-like minute (2,000 requests, ~1,000 cells, 5 references each)
 * 3.7 + 0.1 + 1.8 ms (87 KB) against 2.0 + 10.8 + 2.8 ms (301 KB); a busy one (20,000 requests, ~6,900 cells)
 * 30 + 5 + 10 ms (654 KB) against 6 + 69 + 39 ms (2.5 MB). Cloning many small arrays and strings is what costs;
 * so a shard posts its closed minutes in batches (ClosedMinutesWriter): the columns of all the batch's minutes in one
 * transferable buffer (core/packed.ts), the strings once per batch.
 */
import type { SourceRef } from '../core/types';
import { addCapStats, type CapStats } from '../core/capped';
import { PackReader, PackWriter, type Packed } from '../core/packed';
import { CellPool, type CellTable } from '../core/cells';
import { addAgent, addMember, BOTS, cellAgents, cellMembers, ENTITY_KINDS, N, STATICS, type EntityMinutesOptions } from './entity-minutes';
import type { EvidenceOrder } from './types';
import type { WindowParts } from './windows';

/** One entity kind's cells of a closed minute, columnar; cell i's lists are `xs[xAt[i] .. xAt[i + 1])`. */
export interface ClosedCells {
  /** Keys (indexes into the minute's strings), in slot order. */
  readonly keys: Int32Array;
  readonly n: Int32Array;
  readonly statics: Int32Array;
  readonly bots: Int32Array;
  readonly memberAt: Int32Array;
  /** Member addresses (string indexes), first seen first. */
  readonly members: Int32Array;
  readonly agentAt: Int32Array;
  readonly agents: Int32Array;
  readonly evidenceAt: Int32Array;
  /** Evidence: files (string indexes) and lines. */
  readonly evidenceFile: Int32Array;
  readonly evidenceLine: Float64Array;
  /** Weights of the cells the cap evicted, as flat [weight, cells] pairs. */
  readonly evicted: Float64Array;
  /** What the cap did to this table. */
  readonly stats: CapStats;
}

/** The columns of ClosedCells in packed order: the writer and the reader of a batch share these lists. */
const INT_COLUMNS = ['keys', 'n', 'statics', 'bots', 'memberAt', 'members', 'agentAt', 'agents', 'evidenceAt', 'evidenceFile'] as const;
const FLOAT_COLUMNS = ['evidenceLine', 'evicted'] as const;
const STAT_FIELDS = ['inserted', 'evicted', 'evictedWeight', 'maxError', 'prunes', 'maxCut'] as const;

/** A minute a shard closed: every entity kind's cells (indexed like ENTITY_KINDS) over one string table. */
export interface ClosedMinute {
  readonly minute: number;
  readonly strings: readonly string[];
  readonly kinds: readonly ClosedCells[];
}

/**
 * Closed minutes written for one post (a batch): every minute's columns in one Float64Array, whose buffer is
 * transferred, and their strings once for the whole batch (core/packed.ts) — the same addresses, agents and files
 * recur minute after minute. Measured on 20 ALB files (24 h, 1 M lines, --jobs 2): a post per minute cloned
 * 4 × 12 small buffers and ~280 strings (1,451 posts); a batch of minutes is one buffer and the batch's distinct
 * strings.
 */
export class ClosedMinutesWriter {
  private w = new PackWriter();
  private n = 0;

  /** Writes a closed minute's tables (they are not kept: they go back to their pool). */
  add(minute: number, tables: readonly CellTable[]): void {
    const w = this.w;
    w.num(minute);
    for (const c of closedCells(tables, (s) => w.intern(s))) {
      for (const k of INT_COLUMNS) w.array(c[k]);
      for (const k of FLOAT_COLUMNS) w.array(c[k]);
      for (const k of STAT_FIELDS) w.num(c.stats[k]);
    }
    this.n++;
  }

  /** Minutes written since the last `take`. */
  get minutes(): number {
    return this.n;
  }

  /** Numbers written since the last `take` (8 bytes each). */
  get size(): number {
    return this.w.length;
  }

  /** The minutes written, packed (the buffer can be transferred); the writer starts afresh. */
  take(): Packed {
    const p = this.w.done();
    this.w = new PackWriter();
    this.n = 0;
    return p;
  }
}

/** The closed minutes of a batch a ClosedMinutesWriter packed, in the order written (one string table for all). */
export function unpackClosedMinutes(p: Packed): ClosedMinute[] {
  const r = new PackReader(p);
  const out: ClosedMinute[] = [];
  while (!r.end) {
    const minute = r.num();
    const kinds = ENTITY_KINDS.map((): ClosedCells => {
      const ints = Object.fromEntries(INT_COLUMNS.map((k) => [k, r.int32s()])) as Record<(typeof INT_COLUMNS)[number], Int32Array>;
      const floats = Object.fromEntries(FLOAT_COLUMNS.map((k) => [k, r.float64s()])) as Record<(typeof FLOAT_COLUMNS)[number], Float64Array>;
      const stats = Object.fromEntries(STAT_FIELDS.map((k) => [k, r.num()])) as Record<(typeof STAT_FIELDS)[number], number>;
      return { ...ints, ...floats, stats };
    });
    out.push({ minute, strings: r.strings, kinds });
  }
  return out;
}

/** Every entity kind's cells of a closed minute, columnar, with strings as indexes given by `id`. */
function closedCells(tables: readonly CellTable[], id: (s: string) => number): ClosedCells[] {
  return tables.map((t): ClosedCells => {
    const size = t.size;
    const keys = new Int32Array(size);
    const memberAt = new Int32Array(size + 1);
    const agentAt = new Int32Array(size + 1);
    const evidenceAt = new Int32Array(size + 1);
    const members: number[] = [];
    const agents: number[] = [];
    const refs: SourceRef[] = [];
    for (let s = 0; s < size; s++) {
      keys[s] = id(t.keys[s] as string);
      for (const ip of cellMembers(t, s)) members.push(id(ip));
      for (const a of cellAgents(t, s)) agents.push(id(a));
      for (const e of t.evidence(s)) refs.push(e);
      memberAt[s + 1] = members.length;
      agentAt[s + 1] = agents.length;
      evidenceAt[s + 1] = refs.length;
    }
    const evicted: number[] = [];
    if (t.evicted !== null) for (const [w, c] of t.evicted) evicted.push(w, c);
    return {
      keys, n: (t.ints[N] as Int32Array).slice(0, size), statics: (t.ints[STATICS] as Int32Array).slice(0, size), bots: (t.ints[BOTS] as Int32Array).slice(0, size),
      memberAt, members: Int32Array.from(members), agentAt, agents: Int32Array.from(agents),
      evidenceAt, evidenceFile: Int32Array.from(refs, (e) => id(e.file)), evidenceLine: Float64Array.from(refs, (e) => e.line),
      evicted: Float64Array.from(evicted), stats: { ...t.stats },
    };
  });
}

/**
 * Adds a shard's closed minute into the merged tables of that minute (indexed like ENTITY_KINDS), whose cells keep the
 * run's evidence limit of references (their shape).
 */
export function addClosedMinute(into: readonly CellTable[], m: ClosedMinute, order: EvidenceOrder): void {
  const str = m.strings;
  m.kinds.forEach((c, k) => {
    const t = into[k] as CellTable;
    for (let i = 0; i < c.keys.length; i++) {
      const d = t.slot(str[c.keys[i] as number] as string);
      // Columns are read after slot(): a new cell may have grown them.
      plus(t.ints[N] as Int32Array, d, c.n[i] ?? 0);
      plus(t.ints[STATICS] as Int32Array, d, c.statics[i] ?? 0);
      plus(t.ints[BOTS] as Int32Array, d, c.bots[i] ?? 0);
      for (let j = c.memberAt[i] ?? 0; j < (c.memberAt[i + 1] ?? 0); j++) addMember(t, d, str[c.members[j] as number] as string);
      for (let j = c.agentAt[i] ?? 0; j < (c.agentAt[i + 1] ?? 0); j++) addAgent(t, d, str[c.agents[j] as number] as string);
      // Each reference into the cell's kept ones in place (the evidenceLimit earliest in `order`, ties to those kept
      // first): what mergeEvidence of the kept and the shard's sorted list gives, without the three lists per cell.
      for (let j = c.evidenceAt[i] ?? 0; j < (c.evidenceAt[i + 1] ?? 0); j++) t.addEvidenceBy(d, { file: str[c.evidenceFile[j] as number] as string, line: c.evidenceLine[j] ?? 0 }, order);
    }
    if (c.evicted.length > 0) {
      const hist = (t.evicted ??= new Map());
      for (let j = 0; j + 1 < c.evicted.length; j += 2) {
        const w = c.evicted[j] as number;
        hist.set(w, (hist.get(w) ?? 0) + (c.evicted[j + 1] as number));
      }
    }
    addCapStats(t.stats, { ...c.stats, inserted: 0 });
  });
}

/**
 * How a WindowMerger merges the closed minutes of EntityMinutes shards: one set of tables per minute (from a pool,
 * `shards` × the shards' cap cells per kind, so merging evicts nothing more), handed to `judge` in minute order and
 * recycled after it returns.
 */
export function entityWindows(options: EntityMinutesOptions, shards: number, order: EvidenceOrder, judge: (minute: number, tables: readonly CellTable[]) => void): WindowParts<ClosedMinute, CellTable[]> {
  const pool = new CellPool({ ints: 3, refs: 4, evidence: options.evidenceLimit, cap: options.cap * Math.max(1, shards) });
  return {
    minuteOf: (m) => m.minute,
    open: () => ENTITY_KINDS.map(() => pool.take()),
    add: (into, m) => addClosedMinute(into, m, order),
    release: (minute, tables) => {
      judge(minute, tables);
      for (const t of tables) pool.give(t);
    },
  };
}

function plus(col: Int32Array, s: number, v: number): void {
  col[s] = (col[s] ?? 0) + v;
}
