/**
 * The values a rule may hold, validated for the grammars they are written into (nginx, HAProxy, AWS WAF JSON).
 * Everything a finding proposes comes from log content, which the attacker writes, so nothing is written as it came:
 *   - an address or network is parsed and written in its canonical form, or not at all;
 *   - a route becomes a regex only when it is made of path characters none of the three grammars treats specially;
 *   - a rate is a whole number in a sane range, an ASN a 32-bit number;
 *   - free text (finding titles, reasons) goes into comments only, as one line of printable characters.
 * Grammar notes: nginx reads `#` to the end of the line as a comment, and in a double-quoted string turns `\"`,
 * `\'`, `\\`, `\t`, `\r`, `\n` into characters; HAProxy splits words on spaces, reads `#` as a comment and turns
 * `\\`, `\ `, `\#`, `\'`, `\"`, `\t`, `\r`, `\n`, `\xNN` into characters (others, like `\.`, stay as written); AWS WAF
 * takes a RegexString of at most 512 characters and IP set addresses in CIDR notation, any prefix but /0.
 */
import { oneLine } from '../core/text';

export { canonicalNet, type Net } from '../enrich/geo/net';
import { canonicalNet, type Net } from '../enrich/geo/net';

/** The CIDR form AWS WAF IP sets take ("192.0.2.44/32"). */
export function cidrText(net: Net): string {
  return net.bits === (net.v === 4 ? 32 : 128) ? `${net.text}/${net.bits}` : net.text;
}

/**
 * What a route may be made of to become a rule: a leading '/', then RFC 3986 path characters less those any of the
 * three grammars treats specially (quotes, ';', '$', '#', whitespace, backslash, braces), ASCII only. A route with
 * anything else (a hostile path) gets a comment instead of a rule.
 */
const ROUTE = /^\/[A-Za-z0-9\-._~!&()*+,=:@%/]*$/;
/** AWS WAF's RegexString limit, used for every target so that the three outputs hold the same rules. */
export const MAX_REGEX = 512;

/**
 * Anchored regex for a route template: a ":id", ":uuid", ":var"… placeholder matches within one path segment, and
 * what follows it in the segment (":hash.js") stays literal. Metacharacters are escaped with a backslash before
 * punctuation only, which none of the three grammars turns into another character.
 */
export function routeRegex(route: string): string {
  const segs = route.split('/').slice(1);
  if (segs.length === 0 || (segs.length === 1 && segs[0] === '')) return '^/$';
  const lit = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `^/${segs.map((s) => {
    const ph = /^:[A-Za-z_]+/.exec(s);
    return ph ? `[^/]+${lit(s.slice(ph[0].length))}` : lit(s);
  }).join('/')}$`;
}

/** True when `route` may be written into a rule (as {@link routeRegex}). */
export function routeWritable(route: string): boolean {
  return route.length <= MAX_REGEX && ROUTE.test(route) && routeRegex(route).length <= MAX_REGEX;
}

/** An HTTP method as a rule may name it. */
export const METHOD = /^[A-Z]{3,10}$/;

/** The largest rate a rule is written with (requests a minute); nginx, HAProxy and AWS WAF all take it. */
export const MAX_RATE = 1_000_000;

/** A proposed rate as a whole number of requests a minute, or null when it is not one between 1 and MAX_RATE. */
export function rateOf(v: unknown): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  const r = Math.round(v);
  return r >= 1 && r <= MAX_RATE ? r : null;
}

/** The largest ASN (32-bit). */
export const MAX_ASN = 4_294_967_295;

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Log-derived text for a comment or a note: one line of printable characters — control characters (C0, DEL, C1),
 * line and paragraph separators and bidi controls removed, any run of whitespace one space, a lone surrogate
 * U+FFFD, "*\/" broken — at most `max` characters. Safe after `#` in nginx and HAProxy, and in a JSON string.
 */
export function commentText(s: string, max = 200): string {
  const head = s.length > 8 * max ? s.slice(0, 8 * max) : s;
  const t = oneLine(head).replace(LONE_SURROGATE, '\ufffd').replace(/\s+/g, ' ').replace(/\*\//g, '* /').trim();
  if (t.length <= max) return t;
  // Cut before max, never between the two halves of a surrogate pair.
  const end = /[\ud800-\udbff]/.test(t.charAt(max - 2)) ? max - 2 : max - 1;
  return `${t.slice(0, end)}…`;
}
