/**
 * Keeping the process heap near its live size once state is large.
 *
 * Left alone, V8 lets the old generation grow up to about four times its live size between full collections when
 * collecting looks expensive: a run whose capped state is 600 MB (a million distinct clients) peaks at 1.6 GB of RSS,
 * and five million at 3.2 GB, though the live data stops growing at the caps; the 1M-line bench log (~150 MB live at
 * the end) peaked at 419–424 MB with ~90 MB of it garbage. Once the heap in use passes HEAP_WATCH_MB, the heap may
 * grow by HEAP_GROWING_PERCENT past the live size only (a V8 flag V8 reads at every full collection, process-wide, so
 * workers follow too), and the main thread collects once at that moment so that the limit applies from then on, not
 * from V8's next full collection (5.5M-line log: peak RSS 853–881 → 780–806 MB). A run ends with one more full
 * collection before its report is built (collectBeforeReport), so the report's garbage lands in a heap just emptied.
 * A watch at 128 MB instead of 384 took the bench log's peak RSS from 419–423 MB to 342–345 MB, but for 5–12% more
 * CPU on every run of that size (2026-12-08): not kept. Runs whose heap stays under HEAP_WATCH_MB pay nothing.
 * A `--max-old-space-size` or `--heap-growing-percent` the user gave (NODE_OPTIONS, node flags) wins: nothing is set.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { collectNow, userChoseHeap } from '../core/collect';

/** Live heap (MB) past which the growth is limited. */
export const HEAP_WATCH_MB = 384;
/** How far past its live size the heap may grow, once limited. */
export const HEAP_GROWING_PERCENT = 50;
/** How often the live heap is looked at (ms; an unref'd timer, about a microsecond each). */
const WATCH_INTERVAL_MS = 500;

/**
 * Starts watching the live heap; returns a function that stops watching. The timer never keeps the process alive.
 */
export function limitHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env['NODE_OPTIONS'],
): () => void {
  if (userChoseHeap(execArgv, nodeOptions)) return () => undefined;
  const timer = setInterval(() => {
    if (getHeapStatistics().used_heap_size < HEAP_WATCH_MB * 1024 * 1024) return;
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    clearInterval(timer);
    collectNow();
  }, WATCH_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
