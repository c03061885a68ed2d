import { COLLECT_BEFORE_REPORT_RECORDS, collectBeforeReport, collectNow, userChoseHeap } from '../../src/core/collect';

describe('limitHeapGrowth leaves a heap the user sized alone', () => {
  it('sees --max-old-space-size and --heap-growing-percent in node flags and NODE_OPTIONS', () => {
    expect(userChoseHeap([], undefined)).toBe(false);
    expect(userChoseHeap(['--enable-source-maps'], '--trace-warnings')).toBe(false);
    expect(userChoseHeap(['--max-old-space-size=300'], undefined)).toBe(true);
    expect(userChoseHeap(['--max_old_space_size=300'], undefined)).toBe(true);
    expect(userChoseHeap([], '--max-old-space-size=2048')).toBe(true);
    expect(userChoseHeap([], '--heap-growing-percent=10')).toBe(true);
    expect(userChoseHeap(['--max-heap-size=512'], '')).toBe(true);
  });
});

describe('collectNow', () => {
  it('collects garbage at once (a full collection, without --expose-gc)', () => {
    const { getHeapStatistics } = require('node:v8') as typeof import('node:v8');
    const used = (): number => getHeapStatistics().used_heap_size;
    collectNow();
    const before = used();
    // About 64 MB of objects that nothing holds once made (old enough to outlive young collections: kept in a list first).
    let junk: number[][] | null = [];
    for (let i = 0; i < 40_000; i++) junk.push(Array.from({ length: 200 }, (_, k) => k + i + 0.5));
    junk = null;
    expect(junk).toBeNull();
    collectNow();
    expect(used() - before).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('collectBeforeReport', () => {
  it('collects for a large run only, and never when the user sized the heap', () => {
    expect(collectBeforeReport(COLLECT_BEFORE_REPORT_RECORDS - 1, [], undefined)).toBe(false);
    expect(collectBeforeReport(COLLECT_BEFORE_REPORT_RECORDS, ['--max-old-space-size=300'], undefined)).toBe(false);
    expect(collectBeforeReport(COLLECT_BEFORE_REPORT_RECORDS, [], '--heap-growing-percent=10')).toBe(false);
    expect(collectBeforeReport(COLLECT_BEFORE_REPORT_RECORDS, [], undefined)).toBe(true);
  });
});
