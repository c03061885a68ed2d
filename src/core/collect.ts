/**
 * Full collections on demand (V8's `gc` without --expose-gc on the process's own global): cli/heap.ts uses them when
 * it limits the heap's growth, and a run's core (analysis-core.ts) before it builds its report.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Records from which a run collects once before its report is built (a small run's report makes little garbage). */
export const COLLECT_BEFORE_REPORT_RECORDS = 200_000;

/** Whether the user already chose how the heap grows (node flags or NODE_OPTIONS). */
export function userChoseHeap(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const chosen = /--(max[-_]old[-_]space[-_]size|max[-_]heap[-_]size|heap[-_]growing[-_]percent)\b/;
  return execArgv.some((a) => chosen.test(a)) || chosen.test(nodeOptions ?? '');
}

/**
 * One full collection now, so that the growth just set applies from the live size now: V8 reads the flag at its next
 * full collection only, and after its last one it may have let the heap grow to four times the live size then (on a
 * 5.5M-line log, 666 MB in use, 254 MB of it live, before it collected again). The `gc` function a context made
 * after --expose-gc has (the process's own global is left as it is).
 */
export function collectNow(): void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc === 'function') gc();
}

/**
 * One full collection before a run's report is built, if the run counted `records` records or more: the state is
 * final then and the report's own garbage would otherwise pile onto what V8 left uncollected (bench log: ~10 MB of
 * peak RSS, CPU within noise). A run whose heap the user sized is left alone too.
 */
export function collectBeforeReport(
  records: number,
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env['NODE_OPTIONS'],
): boolean {
  if (records < COLLECT_BEFORE_REPORT_RECORDS || userChoseHeap(execArgv, nodeOptions)) return false;
  collectNow();
  return true;
}
