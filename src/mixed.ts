/**
 * Inputs that mix formats (an ALB, an NLB and a connection-log line in one export; Envoy's JSON and text lines in one
 * container log; a proxy's error lines among its access lines): the format detection chose reads every line it can,
 * and a line it refuses is offered to the formats that read sample lines it did not — per line, in that order — so a
 * mixed file loses only the lines no format reads. The run says how many lines each format took.
 */
import type { Diagnostic } from './core/types';
import type { FormatParser, ParseContext, ParseResult } from './formats/types';
import { lineKind } from './formats/shared/split';

/** At most this many other formats are tried for a line the chosen one refuses. */
const ALTERNATES = 3;

/** Lines each format took (records parsed, before --from/--to). */
export type FormatTally = Map<string, number>;

/**
 * The formats besides `chosen` that parse sample lines `chosen` does not (ordered by how many, then registry order);
 * empty when `chosen` reads every sample line it does not skip.
 */
export function alternatesFor(chosen: FormatParser, sample: readonly string[], formats: readonly FormatParser[]): FormatParser[] {
  const refused = sample.filter((line) => line.trim() !== '' && lineKind(chosen, line, detecting(0)) === 'error');
  if (refused.length === 0) return [];
  const took = formats
    .filter((f) => f.id !== chosen.id)
    .map((f, order) => ({ f, order, n: refused.reduce((n, line) => n + (lineKind(f, line, detecting(0)) === 'record' ? 1 : 0), 0) }))
    .filter((x) => x.n > 0);
  took.sort((a, b) => b.n - a.n || a.order - b.order);
  return took.slice(0, ALTERNATES).map((x) => x.f);
}

function detecting(line: number): ParseContext {
  return { source: { file: '<detect>', line }, strict: false, detecting: true };
}

/** `chosen` reading what it can, each line it refuses offered to `alternates`; what each took counted in `tally`. */
export function withAlternates(chosen: FormatParser, alternates: readonly FormatParser[], tally: FormatTally): FormatParser {
  if (alternates.length === 0) return chosen;
  const parse = (line: string, ctx: ParseContext): ParseResult => {
    const r = chosen.parse(line, ctx);
    if (r.kind === 'record') tally.set(chosen.id, (tally.get(chosen.id) ?? 0) + 1);
    if (r.kind !== 'error') return r;
    for (const alt of alternates) {
      const a = alt.parse(line, ctx);
      if (a.kind === 'record') {
        tally.set(alt.id, (tally.get(alt.id) ?? 0) + 1);
        return a;
      }
    }
    return r;
  };
  return { ...chosen, parse };
}

/** The tally as the report shows it (null unless another format than the chosen one took lines), by count. */
export function formatsTaken(tally: FormatTally, chosen: string | null): Record<string, number> | null {
  if (![...tally.keys()].some((id) => id !== chosen)) return null;
  const out: Record<string, number> = {};
  for (const [id, n] of [...tally].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) out[id] = n;
  return out;
}

/** The note that an input was read in several formats. */
export function mixedDiagnostic(file: string, taken: Readonly<Record<string, number>>): Diagnostic {
  return {
    code: 'INPUT_MIXED_FORMATS', severity: 'info', source: null,
    message: `${file}: lines of several formats, each read by its own: ${Object.entries(taken).map(([id, n]) => `${id} ${n.toLocaleString('en-US')}`).join(', ')}`,
  };
}
