/**
 * Defensive readers for report sections. The HTML reporter also renders JSON saved earlier (`lbua report`), which
 * may come from an older lbua, be partial, or be hand-edited: a value of the wrong type reads as absent instead
 * of breaking the page.
 */

/** A plain object, or null. */
export function obj(v: unknown): Readonly<Record<string, unknown>> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** An array of plain objects (non-objects dropped). */
export function rows(v: unknown): readonly Readonly<Record<string, unknown>>[] {
  return Array.isArray(v) ? v.map(obj).filter((x): x is Readonly<Record<string, unknown>> => x !== null) : [];
}

/** A finite number, or null. */
export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A string, or null (numbers are shown as text). */
export function str(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** An array of strings. */
export function strs(v: unknown): readonly string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Path into nested objects: at(report, 'sessions', 'duration_s'). */
export function at(v: unknown, ...keys: readonly string[]): unknown {
  let cur: unknown = v;
  for (const k of keys) {
    const o = obj(cur);
    if (o === null || !Object.hasOwn(o, k)) return undefined;
    cur = o[k];
  }
  return cur;
}
