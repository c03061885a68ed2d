/**
 * Format auto-detection: score each format on a sample of an input's first lines and pick the one that
 * parses them best. Pure: takes lines, returns a verdict with the scores for explanation.
 */
import type { FormatParser } from './types';
import { allFormats } from './registry';
import { checkRecord } from './shared/check';
import { parseLine } from './shared/split';

/** Result of detection for one input. */
export interface Detection {
  readonly format: FormatParser | null;
  /** Share of sampled non-blank lines the winner parsed into records (0..1). */
  readonly score: number;
  readonly scores: readonly { readonly id: string; readonly score: number }[];
  /** The format that read as many sample lines as the winner and lost on the tie rules (null: no tie). */
  readonly runnerUp: string | null;
}

/** How many lines detection samples from the start of each input. */
export const DETECT_SAMPLE_LINES = 50;

/**
 * Scores every format by the fraction of sample lines it fully parses (a skipped line counts half). Ties are broken
 * by `detect()` shape confidence, then by whether every record's fields check (checkRecord: a time in range, status
 * codes, ports). Blank lines are ignored. Returns format null when nothing parses any line.
 */
export function detectFormat(sample: readonly string[], formats: readonly FormatParser[] = allFormats()): Detection {
  const lines = sample.filter((l) => l.trim() !== '');
  const scores = formats.map((fmt) => {
    let records = 0;
    let skips = 0;
    let shape = 0;
    let unchecked = 0;
    for (const [i, line] of lines.entries()) {
      const ctx = { source: { file: '<detect>', line: i + 1 }, strict: false, detecting: true };
      // A line that holds several records (FormatParser.split) counts once: as a record when one of them is one.
      const results = parseLine(fmt, line, ctx);
      if (results.some((r) => r.kind === 'record')) {
        records++;
        for (const r of results) {
          if (r.kind !== 'record') continue;
          const v = checkRecord(r.record, line, ctx);
          if ('kind' in v && v.kind === 'error') unchecked++;
        }
      } else if (results.some((r) => r.kind === 'skip')) skips++;
      shape += fmt.detect(line);
    }
    const n = Math.max(1, lines.length);
    // Skipped lines (comments, headers, the AWS test file) count half, and alone only when they are most of the
    // sample: binary data has the odd line that starts with '#'.
    const parsed = records > 0 || skips * 2 >= n ? records + skips / 2 : 0;
    return { id: fmt.id, fmt, score: parsed / n, allChecked: unchecked === 0 ? 1 : 0, shape: shape / n };
  });
  // Fields that check break ties of shape only: a format that reads more of a line (nginx's timings) and so finds an
  // impossible value in it must not lose the file to one that reads less (clf), for one hostile line.
  const ranked = [...scores].sort((a, b) => b.score - a.score || b.shape - a.shape || b.allChecked - a.allChecked);
  const best = ranked[0];
  // When nothing parses (a file of non-request lines, e.g. HAProxy status messages), a format whose shape matches still
  // wins, so each line is rejected with that format's specific reason.
  const winner = best && (best.score > 0 || best.shape >= 0.5) ? best.fmt : null;
  const second = ranked[1];
  return {
    format: winner,
    score: best?.score ?? 0,
    scores: ranked.map((s) => ({ id: s.id, score: Math.round(s.score * 1000) / 1000 })),
    runnerUp: winner !== null && best !== undefined && best.score > 0 && second !== undefined && second.score === best.score ? second.id : null,
  };
}

/** The format that came closest to parsing a line no format parses, and why it refused it. */
export interface ClosestFormat {
  readonly id: string;
  /** 1-based index of the line among the sample's lines. */
  readonly line: number;
  /** The format's parse error for that line (naming the first field that failed, where the format checks fields). */
  readonly reason: string;
}

/**
 * For the no-format error: among the formats, the one whose shape fits the first non-blank sample line best (a
 * parse error that names a field means the line got that far), with its error. Null when the sample is blank or when
 * every format refused the line as a whole.
 */
export function closestFormat(sample: readonly string[], formats: readonly FormatParser[] = allFormats()): ClosestFormat | null {
  const index = sample.findIndex((l) => l.trim() !== '');
  const line = sample[index];
  if (line === undefined) return null;
  let best: { id: string; rank: number; reason: string } | null = null;
  for (const fmt of formats) {
    const results = parseLine(fmt, line, { source: { file: '<detect>', line: index + 1 }, strict: false, detecting: true });
    const r = results[0];
    if (r === undefined || results.some((x) => x.kind !== 'error') || r.kind !== 'error') continue;
    const rank = fmt.detect(line) + (r.diagnostic.field !== undefined ? 0.5 : 0);
    if (best === null || rank > best.rank) best = { id: fmt.id, rank, reason: r.diagnostic.message };
  }
  // Rank 0: every format refused the line as a whole; none came close.
  return best === null || best.rank === 0 ? null : { id: best.id, line: index + 1, reason: best.reason };
}
