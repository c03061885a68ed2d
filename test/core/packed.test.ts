import { PackReader, PackWriter } from '../../src/core/packed';

describe('PackWriter and PackReader (state handed from a worker to the main thread)', () => {
  it('reads back every number and string in the order written, past the first buffer', () => {
    const w = new PackWriter();
    const values = [0, -1, 1773156960486.729, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 32 - 1, 0.1 + 0.2];
    for (let i = 0; i < 3000; i++) {
      for (const v of values) w.num(v);
      w.str(i % 3 === 0 ? null : `file-${i % 7}.log`);
      w.num(Number.NaN);
    }
    const p = structuredClone(w.done());
    expect(p.data.length).toBe(3000 * (values.length + 2));
    // Each string once.
    expect([...p.strings].sort()).toEqual(['file-1.log', 'file-2.log', 'file-3.log', 'file-4.log', 'file-5.log', 'file-6.log', 'file-0.log'].sort());
    const r = new PackReader(p);
    for (let i = 0; i < 3000; i++) {
      for (const v of values) expect(r.num()).toBe(v);
      expect(r.str()).toBe(i % 3 === 0 ? null : `file-${i % 7}.log`);
      expect(r.num()).toBeNaN();
    }
    expect(r.end).toBe(true);
  });

  it('cuts the buffer to what was written, so transferring it moves nothing else', () => {
    const w = new PackWriter();
    w.num(5);
    w.str('a');
    const p = w.done();
    expect(p.data.buffer.byteLength).toBe(16);
    expect(new PackReader(p).num()).toBe(5);
  });

  it('columns written with array come back as Int32Array and Float64Array, string indexes through intern', () => {
    const w = new PackWriter();
    const big = Int32Array.from({ length: 10_000 }, (_, i) => i * 7 - 3);
    w.array(big);
    w.array(Float64Array.of(0.5, 1773156960486.729));
    w.array([w.intern('b'), w.intern('a'), w.intern('b')]);
    w.array([]);
    w.num(9);
    const r = new PackReader(structuredClone(w.done()));
    expect(r.int32s()).toEqual(big);
    expect(r.float64s()).toEqual(Float64Array.of(0.5, 1773156960486.729));
    expect([...r.int32s()].map((i) => r.strings[i])).toEqual(['b', 'a', 'b']);
    expect(r.int32s().length).toBe(0);
    expect(r.num()).toBe(9);
    expect(r.end).toBe(true);
    // The same columns as plain arrays.
    const again = new PackReader(structuredClone(w.done()));
    expect(again.numbers()).toEqual(Array.from(big));
    expect(again.numbers()).toEqual([0.5, 1773156960486.729]);
    expect(again.texts()).toEqual(['b', 'a', 'b']);
    expect(again.texts()).toEqual([]);
    expect(again.num()).toBe(9);
    expect(again.end).toBe(true);
  });
});
