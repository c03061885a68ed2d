/**
 * Unit conversions, in one place. All return `null` for the "not logged" sentinels
 * ("-", "", "-1" for timings) and NaN-free numbers otherwise.
 */
import type { DurationMs, EpochMs } from './types';

/** Seconds (e.g. "0.000073", "-1", "-") → milliseconds, or null. */
export function secondsToMs(s: string | undefined): DurationMs | null {
  if (s === undefined || s === '-' || s === '' || s === '-1') return null;
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) return null;
  return roundMs(n * 1000);
}

/** Milliseconds field ("12", "-1", "-", "+30") → number or null. */
export function msField(s: string | undefined): DurationMs | null {
  if (s === undefined || s === '-' || s === '' || s === '-1') return null;
  const n = Number(s.charCodeAt(0) === 43 /* + */ ? s.slice(1) : s);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/** Microseconds → milliseconds, or null. */
export function microsToMs(s: string | undefined): DurationMs | null {
  if (s === undefined || s === '-' || s === '' || s === '-1') return null;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? roundMs(n / 1000) : null;
}

/** Rounds to microsecond precision to hide binary float noise (0.1+0.2). */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Non-negative integer field or null ("-", "", garbage). Returns NaN for garbage so callers can reject. */
export function intField(s: string | undefined): number | null {
  if (s === undefined || s === '-' || s === '') return null;
  const n = parseDigits(s, 0, s.length);
  return n;
}

/** Parses an unsigned decimal integer in s[from,to); NaN when anything else is there. */
export function parseDigits(s: string, from: number, to: number): number {
  if (to <= from) return Number.NaN;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    n = n * 10 + c;
  }
  return n;
}

/**
 * ISO 8601 UTC timestamp with optional fraction and `Z` ("2018-07-02T22:23:00.186641Z",
 * "2018-07-02T22:23:00Z") → epoch ms (fraction truncated to ms, sub-ms kept as fraction).
 * Returns NaN when the text is not of that shape.
 */
export function isoToEpochMs(s: string): EpochMs {
  return isoToEpochMsAt(s, 0, s.length);
}

/** isoToEpochMs of s[from, to), without the substring: isoWithZoneAt of a time written with "T" and ending in "Z". */
export function isoToEpochMsAt(s: string, from: number, to: number): EpochMs {
  if (s.charCodeAt(from + 10) !== 84 /* T */ || s.charCodeAt(to - 1) !== 90 /* Z */) return Number.NaN;
  return isoWithZoneAt(s, from, to);
}

/** ISO 8601 date-time with Z, ±hh:mm or ±hhmm, and an optional fraction (nginx $time_iso8601, Envoy START_TIME). */
export function isoWithZoneAt(s: string, o: number, to: number): number {
  if (to - o < 20 || s.charCodeAt(o + 4) !== 45 || s.charCodeAt(o + 7) !== 45 || (s.charCodeAt(o + 10) !== 84 && s.charCodeAt(o + 10) !== 32)) return Number.NaN;
  const y = parseDigits(s, o, o + 4);
  const mo = parseDigits(s, o + 5, o + 7);
  const d = parseDigits(s, o + 8, o + 10);
  const h = parseDigits(s, o + 11, o + 13);
  const mi = parseDigits(s, o + 14, o + 16);
  const se = parseDigits(s, o + 17, o + 19);
  let i = o + 19;
  let frac = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    let scale = 100;
    while (i < to && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
      frac += (s.charCodeAt(i) - 48) * scale;
      scale /= 10;
      i++;
    }
  }
  let offsetMin = 0;
  const z = s.charCodeAt(i);
  if (z === 90 && i === to - 1) offsetMin = 0;
  else if ((z === 43 || z === 45) && (to - i === 6 || to - i === 5)) {
    const oh = parseDigits(s, i + 1, i + 3);
    const om = parseDigits(s, to - 2, to);
    if (Number.isNaN(oh + om) || (to - i === 6 && s.charCodeAt(i + 3) !== 58)) return Number.NaN;
    offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
  } else return Number.NaN;
  if (Number.isNaN(y + h + mi + se) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return Number.NaN;
  return daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + se * 1000 + roundMs(frac) - offsetMin * 60_000;
}

/** Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm); faster than Date.UTC. */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/**
 * CLF time "10/Oct/2000:13:55:36 -0700" (optionally with ".123" milliseconds after the seconds,
 * as HAProxy writes) → epoch ms. `zone` may be omitted, in which case `assumeOffsetMin` is used.
 * Returns NaN when the text is not of that shape.
 */
export function clfToEpochMs(s: string, assumeOffsetMin = 0): EpochMs {
  if (s.length < 20 || s.charCodeAt(2) !== 47 || s.charCodeAt(6) !== 47 || s.charCodeAt(11) !== 58) return Number.NaN;
  const d = parseDigits(s, 0, 2);
  const mo = MONTHS[s.slice(3, 6)];
  const y = parseDigits(s, 7, 11);
  const h = parseDigits(s, 12, 14);
  const mi = parseDigits(s, 15, 17);
  const se = parseDigits(s, 18, 20);
  if (mo === undefined || Number.isNaN(d + y + h + mi + se)) return Number.NaN;
  let i = 20;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    let j = i + 1;
    while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
    ms = Number(`0${s.slice(i, j)}`) * 1000;
    i = j;
  }
  let offsetMin = assumeOffsetMin;
  if (i < s.length) {
    if (s.charCodeAt(i) !== 32 || s.length !== i + 6) return Number.NaN;
    const sign = s.charCodeAt(i + 1) === 45 ? -1 : s.charCodeAt(i + 1) === 43 ? 1 : 0;
    const oh = parseDigits(s, i + 2, i + 4);
    const om = parseDigits(s, i + 4, i + 6);
    if (sign === 0 || Number.isNaN(oh + om)) return Number.NaN;
    offsetMin = sign * (oh * 60 + om);
  }
  return daysFromCivil(y, mo + 1, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + se * 1000 + roundMs(ms) - offsetMin * 60_000;
}

/** Largest |ms| a JavaScript Date holds (±100,000,000 days around 1970). */
const DATE_LIMIT_MS = 8.64e15;

/**
 * Epoch ms → "2026-03-10T09:00:00.123Z". Total: a value no Date can hold (NaN, ±Infinity, beyond ±275,760 years)
 * gives "invalid-time" instead of throwing. Parsed records never carry one (formats/shared/check.ts); this keeps
 * a formatter from turning a bug elsewhere into a crash.
 */
export function isoTime(ms: EpochMs): string {
  const t = Math.floor(ms);
  return t >= -DATE_LIMIT_MS && t <= DATE_LIMIT_MS ? new Date(t).toISOString() : 'invalid-time';
}

/**
 * A window as short text: "06:27–06:35" when the report's period lies within one UTC day (`withDate` false);
 * otherwise with dates, "2015-05-19 19:00–19:20" within one day and "2015-05-17 10:00–2015-05-20 21:10" across days,
 * so a window of a multi-day log never reads as a few hours; a window within one minute has seconds ("07:03:00–07:03:44").
 * Takes ISO 8601 UTC strings.
 */
export function windowText(startIso: string, endIso: string, withDate: boolean): string {
  // Within one minute, "07:03–07:03" says nothing: show seconds.
  const len = sameMinute(startIso, endIso) ? 19 : 16;
  const [sd, st, ed, et] = [startIso.slice(0, 10), startIso.slice(11, len), endIso.slice(0, 10), endIso.slice(11, len)];
  if (!withDate) return `${st}–${et}`;
  return sd === ed ? `${sd} ${st}–${et}` : `${sd} ${st}–${ed} ${et}`;
}

/** True when two ISO 8601 UTC times fall in the same minute (a window then reads in seconds). */
export function sameMinute(startIso: string, endIso: string): boolean {
  return startIso.slice(0, 16) === endIso.slice(0, 16);
}

/**
 * A share (0..1) too close to 0 or 1 to show with `digits` decimals of a percent without reading as "0%" or "100%":
 * "<0.1%" / ">99.9%" (for digits 1), else null (show the rounded value).
 */
export function boundedShare(share: number, digits: number): string | null {
  const step = 1 / 10 ** digits;
  const least = step / 200;
  if (share > 0 && share < least) return `<${step}%`;
  if (share < 1 && share >= 1 - least) return `>${100 - step}%`;
  return null;
}

/** True when an ISO 8601 UTC period spans more than one UTC day (window text then needs dates). */
export function spansDays(range: { readonly start: string; readonly end: string } | null): boolean {
  return range !== null && range.start.slice(0, 10) !== range.end.slice(0, 10);
}

/** A byte count for people, in binary units as most tools show them: "512 B", "2.7 MiB", "6.5 GiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}
