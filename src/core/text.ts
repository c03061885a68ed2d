/** Text helpers safe for hostile log content. */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Removes control characters (incl. ESC, so no terminal escape sequences) and bidi overrides. */
export function stripControl(s: string): string {
  return s.replace(CONTROL, '');
}

/** `s` on one line: tabs and line breaks as spaces, other control characters stripped. */
export function oneLine(s: string): string {
  return stripControl(s.replace(/[\r\n\t]/g, ' '));
}

/** A one-line excerpt of at most `max` characters, control characters stripped. */
export function excerpt(s: string, max = 120): string {
  // Only the head is cleaned, unless control characters ate so much of it that it is too short.
  const head = s.length > 4 * max ? s.slice(0, 4 * max) : s;
  let clean = oneLine(head);
  if (clean.length <= max && head.length < s.length) clean = oneLine(s);
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * A standalone copy of `s`. Substrings of a decoded chunk keep the whole chunk alive in V8 (sliced strings);
 * keys kept in long-lived maps must be copied, or memory grows with the input instead of with distinct keys.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (` ${s}`).slice(1);
}
