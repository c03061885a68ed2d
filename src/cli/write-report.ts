/**
 * Writing one report to its outputs (`lbua analyze` and `lbua report`): each target (stdout or a file, see
 * options.ts parseOutputTargets) rendered by its reporter, gzipped when its name ends in .gz; a markdown digest
 * links to the HTML report written in the same run (a relative link by file name).
 */
import { gzipSync } from 'node:zlib';
import { dirname, relative, resolve, sep } from 'node:path';
import { REPORTERS } from '../report/registry';
import { colorEnabled } from '../report/style';
import type { RenderOptions, Report } from '../report/types';
import type { ColorMode, OutputTarget } from './options';
import type { TextOut } from './output';

/** How the outputs are rendered beyond their kind. */
export interface WriteOptions {
  readonly color: ColorMode;
  /** Evidence lines under each finding (table). */
  readonly evidence: boolean;
}

/** Writes `report` to `outs` (opened for `targets`, in the same order). */
export function writeReport(report: Report, targets: readonly OutputTarget[], outs: readonly TextOut[], options: WriteOptions): void {
  const html = targets.find((t) => t.kind === 'html' && t.file !== null)?.file ?? null;
  targets.forEach((t, i) => {
    const text = REPORTERS[t.kind].render(report, renderOptions(t, html, options));
    const out = outs[i];
    if (out !== undefined) out.write(t.gzip ? gzipSync(Buffer.from(text, 'utf8')) : text);
  });
}

/** The render options of one target. */
function renderOptions(t: OutputTarget, html: string | null, options: WriteOptions): RenderOptions {
  const toStdout = t.file === null;
  const color = t.kind === 'table' && !t.gzip && (options.color === 'always' || (options.color === 'auto' && toStdout && colorEnabled(process.stdout, false)));
  const columns = process.stdout.columns ?? 120;
  return {
    color,
    columns,
    evidence: options.evidence,
    ...(toStdout && process.stdout.isTTY && process.stdout.columns ? { fit: process.stdout.columns } : {}),
    ...(t.kind === 'markdown' && html !== null ? { htmlHref: hrefFrom(t.file, html) } : {}),
  };
}

/** The path of `target` relative to the folder of `from` (the current folder for stdout), with `/` separators. */
export function hrefFrom(from: string | null, target: string): string {
  const base = from === null ? process.cwd() : dirname(resolve(from));
  return relative(base, resolve(target)).split(sep).join('/');
}
