import fc from 'fast-check';
import type { CellTable } from '../../src/core/cells';
import { CapLog, count } from '../../src/core/capped';
import { DEFAULT_LIMITS, type Limits } from '../../src/core/limits';
import { BOTS, cellAgents, cellMembers, N, STATICS } from '../../src/aggregate/entity-minutes';
import type { Packed } from '../../src/core/packed';
import { entityWindows, unpackClosedMinutes, type ClosedMinute } from '../../src/aggregate/closed-minutes';
import { evidenceOrder } from '../../src/aggregate/types';
import { WindowMerger, type ShardPost } from '../../src/aggregate/windows';
import burst, { burstCounting, createBurstCounter, createBurstJudge, type BurstOptions } from '../../src/detect/burst';
import { BATCH_MINUTES, createBurstMerger, createBurstShard, type BurstPost } from '../../src/detect/sharded/burst';
import type { DetectorContext, Finding } from '../../src/detect/types';
import type { EnrichedRecord } from '../../src/enrich/types';
import { rec } from '../helpers/records';

const LATENESS = 3;
const OPTIONS: BurstOptions = { ...burst.defaultOptions, minRate: 40, latenessMinutes: LATENESS };
const INPUTS = ['in0.log', 'in1.log', 'in2.log', 'in3.log'];
const ORDER = evidenceOrder(INPUTS);
const AGENTS = ['curl/8.5.0', 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'python-requests/2.31.0', 'Googlebot/2.1 (+http://www.google.com/bot.html)'];

function ctxOf(limits: Partial<Limits> = {}): DetectorContext {
  return { evidenceLimit: 4, geo: false, limits: { ...DEFAULT_LIMITS, ...limits }, caps: new CapLog() };
}

/**
 * Four inputs over overlapping 30-minute spans (each starts 4 minutes after the previous one): background clients
 * of ten /24s, one address bursting in two inputs at once, a botnet /24 in another. Within an input 10% of the
 * records come up to lateness − ½ minute after their time and 1% come lateness + 2 minutes after (late); every
 * ninth minute of an input has only two records, both that late (late although nothing else of the input, and
 * perhaps of the shard, fell in their minute).
 */
function inputs(seed: number): EnrichedRecord[][] {
  let x = seed >>> 0 || 1;
  const rnd = (): number => ((x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  return INPUTS.map((file, i) => {
    const timed: { t: number; arrive: number; r: EnrichedRecord }[] = [];
    const at = (m: number, ip: string, o: Partial<EnrichedRecord> = {}, late = false): void => {
      const t = m * 60_000 + Math.floor(rnd() * 60_000);
      const u = rnd();
      const delay = late || u < 0.01 ? (LATENESS + 2) * 60_000 : u < 0.11 ? Math.floor(rnd() * (LATENESS - 0.5) * 60_000) : 0;
      // 2% of the records have no client address: not counted, but their time moves the input on.
      const client = rnd() < 0.02 ? null : ip;
      timed.push({ t, arrive: t + delay, r: rec(t, { clientIp: client, userAgent: pick(AGENTS), path: rnd() < 0.2 ? '/app.js' : '/', ...o }) });
    };
    const start = i * 4;
    for (let m = start; m < start + 30; m++) {
      const ip = (): string => `203.0.${100 + Math.floor(rnd() * 10)}.${1 + Math.floor(rnd() * 6)}`;
      if ((m + 2 * i) % 9 === 0) {
        for (let j = 0; j < 2; j++) at(m, ip(), {}, true);
        continue;
      }
      const n = 20 + Math.floor(rnd() * 10);
      for (let j = 0; j < n; j++) at(m, ip());
      if ((i === 0 || i === 2) && m >= 12 && m <= 14 + i) for (let j = 0; j < 45; j++) at(m, '100.64.5.9', { userAgent: 'curl/8.5.0' });
      if (i === 1 && m >= 18 && m <= 20) for (let j = 0; j < 150; j++) at(m, `198.51.100.${1 + Math.floor(rnd() * 40)}`);
    }
    timed.sort((a, b) => a.arrive - b.arrive);
    return timed.map(({ r }, line) => ({ ...r, source: { file, line: line + 1 } }));
  });
}

/** How the run reads inputs that overlap in time: the head record with the smallest time first (ties: input order). */
function mergedByTime(ins: readonly (readonly EnrichedRecord[])[]): EnrichedRecord[] {
  const pos = ins.map(() => 0);
  const out: EnrichedRecord[] = [];
  for (;;) {
    let best = -1;
    ins.forEach((rs, i) => {
      const r = rs[pos[i] as number];
      if (r !== undefined && (best < 0 || r.startMs < (ins[best]?.[pos[best] as number] as EnrichedRecord).startMs)) best = i;
    });
    if (best < 0) return out;
    out.push(ins[best]?.[pos[best] as number] as EnrichedRecord);
    pos[best] = (pos[best] as number) + 1;
  }
}

/** A minute's tables, independent of slot order (cells by key, members and agents as sorted sets). */
function snapshot(m: number, tables: readonly CellTable[]): unknown {
  return [m, tables.map((t) => [
    t.keys.map((key, s) => [key, (t.ints[N] as Int32Array)[s], (t.ints[STATICS] as Int32Array)[s], (t.ints[BOTS] as Int32Array)[s], [...cellMembers(t, s)].sort(), [...cellAgents(t, s)].sort(), t.evidence(s)]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    t.evicted === null ? [] : [...t.evicted].sort((a, b) => a[0] - b[0]),
  ])];
}

const byWindow = (fs: readonly Finding[]): Finding[] => [...fs].sort((a, b) => a.startMs - b.startMs || (a.subject.value < b.subject.value ? -1 : a.subject.value > b.subject.value ? 1 : 0));

/** One pass over every input merged by time, as one thread runs it (with the run's evidence order). */
function onePass(ins: readonly (readonly EnrichedRecord[])[], ctx: DetectorContext): { findings: Finding[]; late: number; minutes: unknown[] } {
  const judge = createBurstJudge(OPTIONS, ctx);
  const minutes: unknown[] = [];
  const counter = createBurstCounter(OPTIONS, burstCounting(ctx), (m, t) => {
    minutes.push(snapshot(m, t));
    judge.judgeMinute(m, t);
  }, ORDER);
  for (const r of mergedByTime(ins)) counter.observe(r);
  counter.finish();
  return { findings: judge.finish(), late: counter.minutes.late, minutes };
}

/** Each shard reads its inputs merged by time and posts its closed minutes, moved as postMessage would. */
function shardPosts(ins: readonly (readonly EnrichedRecord[])[], assign: readonly number[], shards: number, ctx: DetectorContext): BurstPost[][] {
  return Array.from({ length: shards }, (_, s) => {
    const posts: BurstPost[] = [];
    const shard = createBurstShard(OPTIONS, burstCounting(ctx), ORDER, s, (p) => posts.push(structuredClone(p, { transfer: p.windows === null ? [] : [p.windows.data.buffer] })));
    for (const r of mergedByTime(ins.filter((_, i) => assign[i] === s))) shard.observe(r);
    shard.finish();
    return posts;
  });
}

/** A shard's post with its minutes unpacked, as the main thread's merger reads it. */
function unpacked(p: BurstPost): ShardPost<ClosedMinute> {
  return { ...p, windows: p.windows === null ? [] : unpackClosedMinutes(p.windows) };
}

/** The shards' posts in one interleaving (each shard's own order kept), `picks` choosing the next shard. */
function interleave<P>(queues: readonly (readonly P[])[], picks: readonly number[]): P[] {
  const pos = queues.map(() => 0);
  const out: P[] = [];
  for (let step = 0; ; step++) {
    const open = queues.map((_, i) => i).filter((i) => (pos[i] as number) < (queues[i]?.length ?? 0));
    if (open.length === 0) return out;
    const i = open[(picks[step % Math.max(1, picks.length)] ?? 0) % open.length] as number;
    out.push(queues[i]?.[pos[i] as number] as P);
    pos[i] = (pos[i] as number) + 1;
  }
}

describe('burst judged on merged windows (shards by input)', () => {
  const data = [inputs(7), inputs(1234)];
  const whole = data.map((ins) => onePass(ins, ctxOf()));

  it('the data has late records, a burst split over two inputs and a botnet /24', () => {
    for (const w of whole) {
      expect(w.late).toBeGreaterThan(0);
      expect(w.findings.map((f) => f.subject.value)).toEqual(expect.arrayContaining(['100.64.5.9', '198.51.100.0/24']));
    }
  });

  it('shards in any assignment, posts in any interleaving: the same minutes, findings and late records as one pass', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: data.length - 1 }), fc.integer({ min: 1, max: 3 }), fc.array(fc.nat(), { minLength: INPUTS.length, maxLength: INPUTS.length }), fc.array(fc.nat(), { maxLength: 20 }), (d, shards, raw, picks) => {
        const ins = data[d] as EnrichedRecord[][];
        const assign = raw.map((a) => a % shards);
        const ctx = ctxOf();
        const posts = interleave(shardPosts(ins, assign, shards, ctx), picks);
        const minutes: unknown[] = [];
        const judge = createBurstJudge(OPTIONS, ctx);
        const merger = new WindowMerger(shards, entityWindows(burstCounting(ctx), shards, ORDER, (m, t) => {
          minutes.push(snapshot(m, t));
          judge.judgeMinute(m, t);
        }));
        for (const p of posts) merger.post(unpacked(p));
        expect(merger.done).toBe(true);
        expect(merger.holding).toBe(0);
        expect(minutes).toEqual(whole[d]?.minutes);
        expect(byWindow(judge.finish())).toEqual(byWindow(whole[d]?.findings ?? []));
        expect(merger.late).toBe(whole[d]?.late);
        // The same through the merger the main thread will use.
        const main = createBurstMerger(OPTIONS, ctxOf(), shards, ORDER);
        for (const p of posts) main.post(p);
        expect(byWindow(main.finish())).toEqual(byWindow(whole[d]?.findings ?? []));
        expect(main.late).toBe(whole[d]?.late);
      }),
      { numRuns: 12 },
    );
  });

  it('past the per-minute cap: deterministic for an assignment, and the CAP_REACHED figures are the shards\' sums and maxima', () => {
    const ins = data[0] as EnrichedRecord[][];
    const limits = { burstCellsPerMinute: 12 };
    const assign = [0, 1, 0, 1];
    const posts = shardPosts(ins, assign, 2, ctxOf(limits));
    let evicted = 0;
    let maxCut = 0;
    const errors = new Map<string, number>();
    for (const p of posts.flat()) {
      for (const m of unpacked(p).windows) {
        m.kinds.forEach((k, i) => {
          evicted += k.stats.evicted;
          maxCut = Math.max(maxCut, k.stats.maxCut);
          errors.set(`${m.minute}/${i}`, (errors.get(`${m.minute}/${i}`) ?? 0) + k.stats.maxError);
        });
      }
    }
    expect(evicted).toBeGreaterThan(0);
    const maxError = Math.max(...errors.values());
    const run = (picks: number[]): { findings: Finding[]; notes: string[] } => {
      const ctx = ctxOf(limits);
      const main = createBurstMerger(OPTIONS, ctx, 2, ORDER);
      for (const p of interleave(posts, picks)) main.post(p);
      return { findings: main.finish(), notes: ctx.caps.notes() };
    };
    const a = run([0]);
    const b = run([1, 1, 0]);
    expect(byWindow(b.findings)).toEqual(byWindow(a.findings));
    const note = a.notes.find((n) => n.startsWith('burst: per-minute'));
    expect(note).toContain(`${count(evicted)} entity-minutes evicted`);
    expect(note).toContain(`at most ${count(maxCut)} requests in its minute`);
    expect(note).toContain(`low by at most ${count(maxError)}`);
  });

  it('closed minutes cross packed in batches: one transferable buffer and the batch\'s strings each once', () => {
    const ins = data[0] as EnrichedRecord[][];
    const posts: BurstPost[] = [];
    const shard = createBurstShard(OPTIONS, burstCounting(ctxOf()), ORDER, 0, (p) => posts.push(p));
    for (const r of mergedByTime(ins)) shard.observe(r);
    shard.finish();
    const batches = posts.filter((p) => p.windows !== null);
    const minutes = batches.map((p) => unpacked(p).windows.length);
    // Every post but the last carries a full batch; together they hold every minute one pass closes.
    expect(minutes.slice(0, -1).every((n) => n >= BATCH_MINUTES)).toBe(true);
    expect(minutes.reduce((a, b) => a + b, 0)).toBe(whole[0]?.minutes.length);
    expect(posts.length).toBeLessThan((whole[0]?.minutes.length ?? 0) / 2);
    const first = batches[0] as BurstPost & { windows: Packed };
    expect(new Set(first.windows.strings).size).toBe(first.windows.strings.length);
    const moved = structuredClone(first, { transfer: [first.windows.data.buffer] });
    expect(first.windows.data.length).toBe(0);
    expect(unpacked(moved).windows[0]?.kinds[0]?.n.length).toBeGreaterThan(0);
  });

  it('the judge\'s state saved midway and restored carries on to the same findings', () => {
    const ins = data[1] as EnrichedRecord[][];
    const ctx = ctxOf();
    let judge = createBurstJudge(OPTIONS, ctx);
    let saved = false;
    const counter = createBurstCounter(OPTIONS, burstCounting(ctx), (m, t) => {
      // Saved mid-burst (a run is open) and restored, through JSON text.
      if (!saved && judge.toJSON().runs.length > 0) {
        const state = JSON.parse(JSON.stringify(judge.toJSON()));
        judge = createBurstJudge(OPTIONS, ctx, state);
        expect(judge.toJSON()).toEqual(state);
        saved = true;
      }
      judge.judgeMinute(m, t);
    }, ORDER);
    for (const r of mergedByTime(ins)) counter.observe(r);
    counter.finish();
    expect(saved).toBe(true);
    expect(byWindow(judge.finish())).toEqual(byWindow(whole[1]?.findings ?? []));
  });
});

describe('WindowMerger', () => {
  /** Windows are lists of numbers; merged, they concatenate. */
  const numbers = (released: [number, number[]][]): WindowMerger<[number, number], number[]> => new WindowMerger<[number, number], number[]>(2, {
    minuteOf: (p) => p[0],
    open: () => [],
    add: (w, p) => w.push(p[1]),
    release: (m, w) => released.push([m, w]),
  });
  const post = (shard: number, windows: [number, number][], watermark: number | null, done = false): ShardPost<[number, number]> => ({ shard, windows, watermark, late: shard, done });

  it('releases a window once every running shard has passed it, in order, and holds nothing after', () => {
    const out: [number, number[]][] = [];
    const m = numbers(out);
    m.post(post(0, [[1, 10], [3, 30]], 3));
    expect(out).toEqual([]);
    m.post(post(1, [[2, 20], [3, 31]], 2));
    expect(out).toEqual([[1, [10]], [2, [20]]]);
    expect(m.holding).toBe(1);
    m.post(post(1, [], null, true));
    expect(out).toEqual([[1, [10]], [2, [20]], [3, [30, 31]]]);
    m.post(post(0, [[5, 50]], 5, true));
    expect(out.map(([w]) => w)).toEqual([1, 2, 3, 5]);
    expect(m.done).toBe(true);
    expect(m.late).toBe(1);
  });

  it('refuses a window a shard had closed, a watermark that goes back, and posts after done', () => {
    const m = numbers([]);
    m.post(post(0, [[4, 1]], 4));
    expect(() => m.post(post(0, [[4, 2]], 5))).toThrow(/after closing/);
    expect(() => m.post(post(0, [], 3))).toThrow(/went back/);
    m.post(post(1, [], 9, true));
    m.post(post(0, [], 9, true));
    expect(() => m.post(post(0, [], 9))).toThrow(/done/);
  });
});
