/**
 * Times written with a strftime format (Apache `%{%d/%b/%Y:%H:%M:%S %z}t`, Envoy `%START_TIME(%Y/%m/%dT%H:%M:%S%z)%`):
 * the format compiled once into a reader of the text a layout variable matched. Directives read: %Y %y %m %d %e %H
 * %M %S %b %h %B %z %Z (UTC, GMT, Z) %T %F %D %R %s and a fraction %f, %3f, %6f, %9f (Envoy) ; %% is a percent sign.
 * A time without a zone is UTC. Anything else is an error naming the directive, when the layout is compiled.
 */
import { daysFromCivil, roundMs } from '../../core/units';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** A directive's piece of the pattern and the field its capture fills. */
const DIRECTIVES: Readonly<Record<string, readonly [string, string]>> = {
  Y: ['(\\d{4})', 'Y'], y: ['(\\d{2})', 'y'], m: ['(\\d{1,2})', 'm'], d: ['(\\d{1,2})', 'd'], e: [' ?(\\d{1,2})', 'd'],
  H: ['(\\d{1,2})', 'H'], M: ['(\\d{2})', 'M'], S: ['(\\d{2})', 'S'], b: ['([A-Za-z]{3})', 'b'], h: ['([A-Za-z]{3})', 'b'],
  B: ['([A-Za-z]{3,9})', 'B'], z: ['([+-]\\d{2}:?\\d{2}|Z)', 'z'], Z: ['(UTC|GMT|Z)', 'Z'], s: ['(\\d{1,12})', 's'],
  f: ['(\\d{1,9})', 'f'],
};
/** Shorthands, as strftime defines them. */
const SHORTHANDS: Readonly<Record<string, string>> = { T: '%H:%M:%S', F: '%Y-%m-%d', D: '%m/%d/%y', R: '%H:%M' };

/** Reads text as a time in epoch ms; NaN when it does not fit. */
export type TimeReader = (text: string) => number;

/** Compiles a strftime format; throws Error naming the directive it cannot read. */
export function compileStrftime(format: string): TimeReader {
  let fmt = format;
  for (const [k, v] of Object.entries(SHORTHANDS)) fmt = fmt.split(`%${k}`).join(v);
  let pattern = '';
  const fields: string[] = [];
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i] ?? '';
    if (c !== '%') {
      pattern += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      continue;
    }
    let d = fmt[++i] ?? '';
    if (d === '%') {
      pattern += '%';
      continue;
    }
    // %3f, %6f, %9f: a fraction of that many digits.
    if (/\d/.test(d) && fmt[i + 1] === 'f') d = fmt[++i] ?? '';
    const dir = DIRECTIVES[d];
    if (dir === undefined) throw new Error(`strftime directive %${d} is not read (read: %Y %y %m %d %e %H %M %S %b %B %z %Z %T %F %D %R %s %f)`);
    pattern += dir[0];
    fields.push(dir[1]);
  }
  if (!fields.some((x) => x === 's' || x === 'Y' || x === 'y')) throw new Error('the time format has no year (%Y, %y) and no epoch seconds (%s)');
  const re = new RegExp(`^${pattern}$`);
  return (text) => {
    const m = re.exec(text);
    if (m === null) return Number.NaN;
    let y = 1970;
    let mo = 1;
    let d = 1;
    let h = 0;
    let mi = 0;
    let se = 0;
    let frac = 0;
    let offsetMin = 0;
    let epoch: number | null = null;
    for (let k = 0; k < fields.length; k++) {
      const v = m[k + 1] ?? '';
      switch (fields[k]) {
        case 'Y': y = Number(v); break;
        case 'y': y = 2000 + Number(v); break;
        case 'm': mo = Number(v); break;
        case 'd': d = Number(v); break;
        case 'H': h = Number(v); break;
        case 'M': mi = Number(v); break;
        case 'S': se = Number(v); break;
        case 'b': mo = MONTHS.indexOf(v.toLowerCase()) + 1; break;
        case 'B': mo = MONTH_NAMES.indexOf(v.toLowerCase()) + 1; break;
        case 'z': offsetMin = v === 'Z' ? 0 : (v.startsWith('-') ? -1 : 1) * (Number(v.slice(1, 3)) * 60 + Number(v.slice(-2))); break;
        case 's': epoch = Number(v); break;
        case 'f': frac = Number(`0.${v}`) * 1000; break;
        default: break;
      }
    }
    if (epoch !== null) return epoch * 1000 + roundMs(frac);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return Number.NaN;
    return daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + se * 1000 + roundMs(frac) - offsetMin * 60_000;
  };
}
