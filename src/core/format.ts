/**
 * Numbers for people, one set for the whole tool: detector titles, cap notes and the terminal report all write
 * 1234.5 as "1,234.5". The locale is fixed (en-US) so output is the same on every machine.
 */

/**
 * Formatters for 0–3 fraction digits, made once: toLocaleString builds one per call (about 50 µs each, which a
 * botnet's hundred thousand findings turn into seconds). Never written after this line.
 */
const FORMATS: readonly Intl.NumberFormat[] = [0, 1, 2, 3].map((d) => new Intl.NumberFormat('en-US', { maximumFractionDigits: d }));

/** 1234.5 → "1,234.5": thousands separators and at most `digits` fraction digits (default 1). */
export function fmt(n: number, digits = 1): string {
  return (FORMATS[digits] ?? new Intl.NumberFormat('en-US', { maximumFractionDigits: digits })).format(n);
}
