/** HTML escaping and number formatting for the HTML report. Every string that reaches the page goes through esc(). */
import { stripControl } from '../../core/text';
import { boundedShare, formatBytes } from '../../core/units';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/**
 * Text or attribute value → safe HTML: escapes markup and quote characters and removes control characters and
 * bidi overrides (a log line must not reorder or hide the text around it). Safe in element content and in
 * double- or single-quoted attributes; never put log text in an unquoted attribute, a URL, a style or a script.
 */
export function esc(s: string | number | null | undefined): string {
  if (s === null || s === undefined) return '';
  return stripControl(String(s)).replace(/[&<>"'`]/g, (ch) => ENTITIES[ch] ?? ch);
}

/** 1234567 → "1,234,567" (locale-independent so output is byte-identical everywhere). */
export function int(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const s = String(Math.round(Math.abs(n)));
  return `${n < 0 ? '−' : ''}${s.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}

/** Milliseconds, compact: 0.4 ms, 12 ms, 1.2 s, 3 min. */
export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v < 10) return `${Math.round(v * 10) / 10} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60_000) return `${Math.round(v / 100) / 10} s`;
  return `${Math.round(v / 6000) / 10} min`;
}

/** Share 0..1 → "12.3%"; a share that is not zero never reads "0%" ("<0.1%"), nor one short of all "100%". */
export function pct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const f = 10 ** digits;
  return boundedShare(v, digits) ?? `${Math.round(v * 100 * f) / f}%`;
}

/** Bytes → "1.2 GiB" (the terminal report uses the same units); "–" when not logged. */
export function bytes(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : formatBytes(v);
}

/** Seconds → "45 s", "12 min", "3.5 h". */
export function seconds(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v < 90) return `${Math.round(v)} s`;
  if (v < 5400) return `${Math.round(v / 60)} min`;
  return `${Math.round(v / 360) / 10} h`;
}

/** ISO time → "2026-03-10 09:00" (UTC, as in the logs). */
export function when(iso: string | null | undefined): string {
  if (!iso) return '–';
  return iso.replace('T', ' ').replace(/:\d{2}(\.\d+)?Z$/, '');
}

/** A metric value of any type, for display. */
export function value(v: unknown): string {
  // A tiny non-integer (a p-value of 3e-41) keeps two significant digits instead of reading 0.
  if (typeof v === 'number') return Number.isInteger(v) ? int(v) : Math.abs(v) < 0.001 ? v.toPrecision(2) : String(Math.round(v * 1000) / 1000);
  if (v === null || v === undefined) return '–';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Markup that is already safe. Only h`` and raw() make one. */
export class Html {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

/** Trusted markup (constants and the output of h``). Never pass log content. */
export function raw(s: string): Html {
  return new Html(s);
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function part(v: Part): string {
  if (v instanceof Html) return v.html;
  if (Array.isArray(v)) return (v as readonly Part[]).map(part).join('');
  if (v === null || v === undefined || v === false || v === true) return '';
  return esc(v as string | number);
}

/** Template tag: every interpolated value is escaped unless it is Html; arrays are joined; null/false vanish. */
export function h(strings: TemplateStringsArray, ...values: readonly Part[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += part(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}
