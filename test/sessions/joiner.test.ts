/**
 * Sessions stitched across shards: inputs split over 2–3 shards in any assignment, each shard stitched into fragments
 * handed out at random points, the batches joined (through JSON, in any interleaving) give the sessions of one
 * stitcher over all records, in one deterministic order.
 */
import fc from 'fast-check';
import { evidenceOrder } from '../../src/aggregate/types';
import type { EnrichedRecord } from '../../src/enrich/types';
import { fragmentFromJSON, fragmentToJSON } from '../../src/sessions/fragment';
import { byReleaseOrder, createSessionJoiner } from '../../src/sessions/joiner';
import { createFragmentStitcher, createStitcher, type FragmentBatch, type StitcherOptions } from '../../src/sessions/stitcher';
import { sessionToJson } from '../../src/sessions/summary';
import type { Session } from '../../src/sessions/types';
import { rec } from '../helpers/records';

const MIN = 60_000;
const TIMEOUT = 10 * MIN;
const IPS = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'] as const;
const UAS = ['Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0', 'curl/8.5.0'] as const;
const PATHS = ['/', '/cart', '/p/1', '/p/2', '/static/app.js', '/login'] as const;

/** One input: its time range and records, in line order (nearly in time order: nodes write slightly out of order). */
interface Input {
  readonly file: string;
  readonly records: EnrichedRecord[];
}

interface RawRecord {
  readonly at: number;
  readonly jitter: number;
  readonly ip: number;
  readonly ua: number;
  readonly path: number;
  readonly status: number;
}

const rawRecord = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  // Out of order within an input by up to two minutes.
  jitter: fc.integer({ min: -2 * MIN, max: 0 }),
  ip: fc.integer({ min: 0, max: IPS.length - 1 }),
  ua: fc.integer({ min: 0, max: 1 }),
  path: fc.integer({ min: 0, max: PATHS.length - 1 }),
  status: fc.constantFrom(200, 200, 200, 404, 500),
});

/** An input covering [start, start + length] minutes; a few clients over a couple of hours make gaps near the timeout. */
const rawInput = fc.record({
  start: fc.integer({ min: 0, max: 90 }),
  length: fc.integer({ min: 5, max: 120 }),
  records: fc.array(rawRecord, { minLength: 1, maxLength: 60 }),
});

function makeInputs(raw: readonly { start: number; length: number; records: readonly RawRecord[] }[]): Input[] {
  // The run reads inputs sorted by their first timestamp; names follow that order (run order = name order).
  const made = raw.map((x) => {
    const times = x.records.map((r) => x.start * MIN + Math.round(r.at * x.length * MIN)).sort((a, b) => a - b);
    return x.records.map((r, i) => ({ r, t: Math.max(0, (times[i] ?? 0) + r.jitter) }));
  });
  const first = (rs: readonly { t: number }[]): number => rs[0]?.t ?? 0;
  made.sort((a, b) => first(a) - first(b));
  return made.map((rs, k) => {
    const file = `in${k}.log`;
    return {
      file,
      records: rs.map(({ r, t }, i) => ({
        ...rec(t, { clientIp: IPS[r.ip]!, userAgent: UAS[r.ua]!, path: PATHS[r.path]!, route: PATHS[r.path]!, status: r.status }),
        source: { file, line: i + 1 },
      })),
    };
  });
}

/** The lateness that reading `stream` in order needs: how far a record is behind the latest before it. */
function latenessOf(stream: readonly EnrichedRecord[]): number {
  let max = Number.NEGATIVE_INFINITY;
  let need = 0;
  for (const r of stream) {
    need = Math.max(need, max - r.startMs);
    max = Math.max(max, r.startMs);
  }
  return need;
}

function stitchAll(stream: readonly EnrichedRecord[], options: StitcherOptions): Session[] {
  const st = createStitcher(options);
  const out: Session[] = [];
  for (const r of stream) for (const s of st.push(r)) out.push(s);
  for (const s of st.flush()) out.push(s);
  expect(st.stats.late).toBe(0);
  return out;
}

/** Each shard's batches: its inputs in run order, handed out after the records `cuts` picks, then a final flush. */
function shardBatches(inputs: readonly Input[], assign: readonly number[], shards: number, cuts: readonly boolean[], options: StitcherOptions): FragmentBatch[][] {
  return Array.from({ length: shards }, (_, s) => {
    const st = createFragmentStitcher(options);
    const batches: FragmentBatch[] = [];
    let n = 0;
    inputs.forEach((input, k) => {
      if ((assign[k] ?? 0) % shards !== s) return;
      for (const r of input.records) {
        st.push(r);
        if (cuts[n++ % cuts.length]) batches.push(st.handOut());
      }
    });
    batches.push(st.flush());
    return batches;
  });
}

/** Joins the shards' batches, taken in the interleaving `pick` gives, each fragment through plain JSON. */
/** How often the property runs exercised what they are about (checked after each property). */
const seen = { early: 0, bridged: 0, sessions: 0 };

function join(batches: readonly FragmentBatch[][], pick: readonly number[], options: StitcherOptions): Session[] {
  const joiner = createSessionJoiner({ timeoutMs: options.timeoutMs, key: options.key, shards: batches.length, order: options.order });
  const next = batches.map(() => 0);
  const out: Session[] = [];
  let step = 0;
  for (;;) {
    const waiting = batches.map((b, s) => (next[s]! < b.length ? s : -1)).filter((s) => s >= 0);
    if (waiting.length === 0) break;
    const s = waiting[(pick[step++ % pick.length] ?? 0) % waiting.length]!;
    const b = batches[s]![next[s]!++]!;
    const viaJson: FragmentBatch = { ...b, fragments: b.fragments.map((f) => fragmentFromJSON(JSON.parse(JSON.stringify(fragmentToJSON(f))))) };
    const released = joiner.receive(s, viaJson);
    if (released.length > 0 && joiner.watermark() < Number.POSITIVE_INFINITY) seen.early++;
    for (const x of released) out.push(x);
  }
  seen.sessions += out.length;
  seen.bridged += joiner.stats.fragments - out.length;
  expect(joiner.held()).toBe(0);
  expect(joiner.flush()).toEqual([]);
  expect(joiner.stats.late).toBe(0);
  return out;
}

const byId = (ss: readonly Session[]): unknown[] => [...ss].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(sessionToJson);

function check(
  raw: readonly { start: number; length: number; records: readonly RawRecord[] }[], shards: number, assign: readonly number[], cuts: readonly boolean[],
  picks: readonly (readonly number[])[], key: 'ip' | 'ip+ua', shardMaxOpen?: number,
): void {
  const inputs = makeInputs(raw);
  const sequential = inputs.flatMap((i) => i.records);
  const options: StitcherOptions = { timeoutMs: TIMEOUT, key, latenessMs: latenessOf(sequential), order: evidenceOrder(inputs.map((i) => i.file)) };
  const one = byId(stitchAll(sequential, options));
  // One stitcher over the records in time order gives the same sessions.
  const inTime = [...sequential].sort((a, b) => a.startMs - b.startMs);
  expect(byId(stitchAll(inTime, { ...options, latenessMs: 0 }))).toEqual(one);
  // A shard's sessions closed early (maxOpen) are handed out like the others: the joiner still joins them.
  const batches = shardBatches(inputs, assign, shards, cuts, shardMaxOpen === undefined ? options : { ...options, maxOpen: shardMaxOpen });
  const runs = picks.map((p) => join(batches, p, options));
  for (const joined of runs) {
    expect(byId(joined)).toEqual(one);
    // Canonical order: whatever the interleaving, the same sequence.
    expect(joined).toEqual([...joined].sort(byReleaseOrder));
    expect(joined.map((s) => s.id)).toEqual(runs[0]!.map((s) => s.id));
  }
}

describe('session joiner', () => {
  afterEach(() => {
    // Each property released sessions before the end and joined fragments of one session, many times over.
    const { early, bridged, sessions } = seen;
    seen.early = 0;
    seen.bridged = 0;
    seen.sessions = 0;
    if (sessions > 0) expect(Math.min(early, bridged)).toBeGreaterThan(5);
  });

  const arb = {
    raw: fc.array(rawInput, { minLength: 2, maxLength: 3 }),
    shards: fc.integer({ min: 2, max: 3 }),
    assign: fc.array(fc.nat(2), { minLength: 3, maxLength: 3 }),
    cuts: fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }),
    picks: fc.array(fc.array(fc.nat(5), { minLength: 1, maxLength: 10 }), { minLength: 2, maxLength: 3 }),
  };

  it('joins the fragments of 2–3 shards into the sessions of one stitcher (ip + user agent)', () => {
    fc.assert(fc.property(arb.raw, arb.shards, arb.assign, arb.cuts, arb.picks, (raw, shards, assign, cuts, picks) => check(raw, shards, assign, cuts, picks, 'ip+ua')), { numRuns: 300 });
  });

  it('joins what shards closed early past their maxOpen as if they had not', () => {
    fc.assert(fc.property(arb.raw, arb.shards, arb.assign, arb.cuts, arb.picks, fc.integer({ min: 1, max: 3 }), (raw, shards, assign, cuts, picks, maxOpen) => check(raw, shards, assign, cuts, picks, 'ip+ua', maxOpen)), { numRuns: 150 });
  });

  it('joins the fragments of 2–3 shards into the sessions of one stitcher (ip alone)', () => {
    fc.assert(fc.property(arb.raw, arb.shards, arb.assign, arb.cuts, arb.picks, (raw, shards, assign, cuts, picks) => check(raw, shards, assign, cuts, picks, 'ip')), { numRuns: 200 });
  });

  it('joins an input lying entirely inside another one\'s time range', () => {
    const inner = fc.record({ start: fc.integer({ min: 30, max: 60 }), length: fc.integer({ min: 5, max: 30 }), records: fc.array(rawRecord, { minLength: 1, maxLength: 40 }) });
    const outer = fc.record({ start: fc.constant(0), length: fc.constant(150), records: fc.array(rawRecord, { minLength: 20, maxLength: 80 }) });
    fc.assert(
      fc.property(outer, inner, fc.boolean(), arb.cuts, arb.picks, (o, i, swap, cuts, picks) => check([o, i], 2, swap ? [1, 0, 0] : [0, 1, 0], cuts, picks, 'ip+ua')),
      { numRuns: 200 },
    );
  });

  it('bridges two fragments of other shards with a third fragment', () => {
    // Shard 0 sees minutes 0 and 16, shard 1 minute 8: only together are they one session (timeout 10 minutes).
    const at = (min: number, file: string, line: number): EnrichedRecord => ({ ...rec(min * MIN), source: { file, line } });
    const options: StitcherOptions = { timeoutMs: TIMEOUT, key: 'ip+ua', latenessMs: 0, order: evidenceOrder(['a.log', 'b.log']) };
    const s0 = createFragmentStitcher(options);
    s0.push(at(0, 'a.log', 1));
    s0.push(at(16, 'a.log', 2));
    const s1 = createFragmentStitcher(options);
    s1.push(at(8, 'b.log', 1));
    const joiner = createSessionJoiner({ timeoutMs: TIMEOUT, key: 'ip+ua', shards: 2, order: options.order });
    const b0 = s0.flush();
    expect(b0.fragments).toHaveLength(2);
    expect(joiner.receive(0, b0)).toEqual([]);
    const [s] = joiner.receive(1, s1.flush());
    expect(s).toMatchObject({ requests: 3, startMs: at(0, 'a.log', 1).startMs, endMs: at(16, 'a.log', 2).startMs });
    expect(s?.evidence).toEqual([{ file: 'a.log', line: 1 }, { file: 'a.log', line: 2 }, { file: 'b.log', line: 1 }]);
  });

  it('releases a session only once every running shard is past its end + timeout', () => {
    const options: StitcherOptions = { timeoutMs: TIMEOUT, key: 'ip', latenessMs: MIN };
    const s0 = createFragmentStitcher(options);
    const s1 = createFragmentStitcher(options);
    const joiner = createSessionJoiner({ timeoutMs: TIMEOUT, key: 'ip', shards: 2 });
    s0.push(rec(0, { clientIp: '192.0.2.1' }));
    s0.push(rec(30 * MIN, { clientIp: '192.0.2.2' }));
    const b0 = s0.handOut();
    expect(b0.watermark).toBe(rec(29 * MIN).startMs);
    expect(b0.fragments.map((f) => f.ip)).toEqual(['192.0.2.1']);
    // Shard 1 has not reported: nothing can be final yet.
    expect(joiner.receive(0, b0)).toEqual([]);
    s1.push(rec(5 * MIN, { clientIp: '192.0.2.3' }));
    // Shard 1's watermark (4 minutes) is before 0 + timeout: still held.
    expect(joiner.receive(1, s1.handOut())).toEqual([]);
    expect(joiner.held()).toBe(1);
    s1.push(rec(12 * MIN, { clientIp: '192.0.2.3' }));
    expect(joiner.receive(1, s1.handOut()).map((s) => s.clientIp)).toEqual(['192.0.2.1']);
    expect(joiner.watermark()).toBe(rec(11 * MIN).startMs);
    // Shard 1 ends: shard 0's watermark (29 minutes) alone now counts, past 12 + timeout.
    expect(joiner.receive(1, s1.flush()).map((s) => s.clientIp)).toEqual(['192.0.2.3']);
    expect(joiner.receive(0, s0.flush()).map((s) => s.clientIp)).toEqual(['192.0.2.2']);
    expect(joiner.watermark()).toBe(Number.POSITIVE_INFINITY);
  });

  it('releases the stalest sessions early past maxHeld and counts them', () => {
    const options: StitcherOptions = { timeoutMs: TIMEOUT, key: 'ip' };
    const s0 = createFragmentStitcher(options);
    for (let i = 0; i < 50; i++) s0.push(rec(i * 1000, { clientIp: `10.0.0.${i}` }));
    const joiner = createSessionJoiner({ timeoutMs: TIMEOUT, key: 'ip', shards: 2, maxHeld: 40 });
    const early = joiner.receive(0, s0.flush());
    expect(early).toHaveLength(5);
    expect(joiner.stats.forced).toBe(5);
    expect(joiner.flush()).toHaveLength(45);
    expect(joiner.capNote()).toContain('5 sessions were released early');
    // Past the detail budget (one timestamp each here), down to 90% of it.
    const s1 = createFragmentStitcher(options);
    for (let i = 0; i < 30; i++) s1.push(rec(i * 1000, { clientIp: `10.0.0.${i}` }));
    const lean = createSessionJoiner({ timeoutMs: TIMEOUT, key: 'ip', shards: 2, maxDetail: 20 });
    expect(lean.receive(0, s1.flush()).map((s) => s.clientIp)).toEqual(Array.from({ length: 12 }, (_, i) => `10.0.0.${i}`));
    expect(lean.held()).toBe(18);
    expect(createSessionJoiner({ timeoutMs: TIMEOUT, key: 'ip', shards: 1 }).capNote()).toBeNull();
  });
});
