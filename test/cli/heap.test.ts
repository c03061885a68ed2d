import { userChoseHeap } from '../../src/cli/heap';

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
