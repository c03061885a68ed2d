/** A sparse HyperLogLog (few registers set) counts, merges and serializes exactly as one with all its registers. */
import { HyperLogLog } from '../../src/core/hll';
import { Rng } from '../../src/generate/random';

/** The same values into a sketch that starts sparse and one that starts with all registers allocated. */
function pair(p: number, values: readonly string[]): [HyperLogLog, HyperLogLog] {
  const sparse = new HyperLogLog(undefined, p);
  const dense = new HyperLogLog(new Uint8Array(1 << p));
  for (const v of values) {
    sparse.add(v);
    dense.add(v);
  }
  return [sparse, dense];
}

describe('HyperLogLog', () => {
  const rng = new Rng(11);
  const sizes = [0, 1, 2, 5, 16, 63, 64, 65, 100, 300, 2000, 20_000];

  it('gives the same count and serialized form sparse or dense, before and after promotion', () => {
    for (const p of [4, 10, 14]) {
      for (const n of sizes) {
        const values = Array.from({ length: n }, () => `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)}`);
        const [sparse, dense] = pair(p, values);
        expect(sparse.count()).toBe(dense.count());
        expect(sparse.toJSON()).toBe(dense.toJSON());
        expect(HyperLogLog.fromJSON(sparse.toJSON(), p).count()).toBe(dense.count());
      }
    }
  });

  it('writes a sketch with few registers set as those registers only (a task hands over thousands of small ones)', () => {
    expect(new HyperLogLog().toJSON()).toBe('s10:');
    const few = new HyperLogLog();
    for (let i = 0; i < 20; i++) few.add(`198.51.100.${i}`);
    expect(few.toJSON().length).toBeLessThan(100);
    expect(HyperLogLog.fromJSON(few.toJSON()).count()).toBe(few.count());
    const many = new HyperLogLog();
    for (let i = 0; i < 5000; i++) many.add(`10.0.${i >> 8}.${i & 255}`);
    expect(many.toJSON().length).toBe(Math.ceil(1024 / 3) * 4);
    expect(() => HyperLogLog.fromJSON(few.toJSON(), 12)).toThrow(/expected 4096 registers, got 1024/);
  });

  it('merges sparse into sparse, sparse into dense and dense into sparse like dense sketches', () => {
    for (const [na, nb] of [[3, 5], [40, 40], [10, 500], [500, 10], [0, 70]] as const) {
      const a = Array.from({ length: na }, (_, i) => `a${i}`);
      const b = Array.from({ length: nb }, (_, i) => `b${i}`);
      const [sa, da] = pair(10, a);
      const [sb, db] = pair(10, b);
      const want = new HyperLogLog(new Uint8Array(1024));
      want.merge(da);
      want.merge(db);
      sa.merge(sb);
      expect(sa.toJSON()).toBe(want.toJSON());
      expect(sa.count()).toBe(want.count());
      const [sc] = pair(10, b);
      da.merge(sc);
      expect(da.toJSON()).toBe(want.toJSON());
    }
    expect(() => new HyperLogLog(undefined, 10).merge(new HyperLogLog(undefined, 12))).toThrow(/cannot merge 4096 registers into 1024/);
  });

  it('reads back the registers it was given', () => {
    const [sparse] = pair(10, ['x', 'y', 'z']);
    expect(Array.from(sparse.registers).filter((r) => r > 0)).toHaveLength(3);
  });
});
