/**
 * Client address validation at parse time, without allocation: a client address is an IPv4 dotted quad or an IPv6
 * address (`::` compression, embedded IPv4); an IPv6 zone id (`fe80::1%eth0`) is dropped, since it names an
 * interface of the logging host, not the client (and is free text an attacker can fill with terminal escapes or
 * config syntax). Anything else (a hostname, a port, garbage) is not an address.
 */

/** True when s[from, to) is a dotted-quad IPv4 address (octets 0–255, 1–3 digits each, no leading zero). */
function isIpv4At(s: string, from: number, to: number): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0) return false;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      // A leading zero ("01") reads as octal to inet_aton and as decimal elsewhere: not an address anyone logs.
      if (digits === 1 && value === 0) return false;
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else return false;
  }
  return digits > 0 && parts === 3;
}

/** True when s[0, to) is an IPv6 address (no zone, no brackets). */
function isIpv6To(s: string, to: number): boolean {
  let groups = 0;
  let hex = 0;
  let compressed = false;
  let i = 0;
  if (to >= 2 && s.charCodeAt(0) === 58 && s.charCodeAt(1) === 58) {
    compressed = true;
    i = 2;
    if (to === 2) return true; // "::"
  } else if (to > 0 && s.charCodeAt(0) === 58) return false;
  let groupStart = i;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 58 /* : */) {
      if (hex === 0) return false;
      groups++;
      hex = 0;
      if (i + 1 < to && s.charCodeAt(i + 1) === 58) {
        if (compressed) return false;
        compressed = true;
        i++;
        if (i + 1 === to) return groups < 8; // ends in "::"
      } else if (i + 1 === to) return false; // ends in a single ":"
      groupStart = i + 1;
    } else if (c === 46 /* . */) {
      // An embedded IPv4 address is the last two groups.
      if (!isIpv4At(s, groupStart, to)) return false;
      groups += 2;
      return compressed ? groups < 8 : groups === 8;
    } else if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)) {
      if (++hex > 4) return false;
    } else return false;
  }
  if (hex === 0) return false;
  groups++;
  return compressed ? groups < 8 : groups === 8;
}

/**
 * The client address in `s`, or null when `s` is not an IPv4 or IPv6 address. Returns `s` itself when it is one,
 * and the address without its zone id (`%…`) when it has one.
 */
export function clientAddress(s: string): string | null {
  const n = s.length;
  if (n === 0) return null;
  if (s.indexOf(':') < 0) return isIpv4At(s, 0, n) ? s : null;
  const zone = s.indexOf('%');
  if (zone < 0) return isIpv6To(s, n) ? s : null;
  return zone > 0 && isIpv6To(s, zone) ? s.slice(0, zone) : null;
}

/**
 * True when `s` is a host name (RFC 1123 labels of letters, digits, `-` and `_`, 1–63 characters each, 253 in
 * all, at least one letter so that a broken address is not taken for a name): what Apache logs for `%h` with
 * HostnameLookups on.
 */
export function isHostName(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 253) return false;
  let label = 0;
  let letter = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (label === 0) return false;
      label = 0;
      continue;
    }
    const alpha = (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
    if (!alpha && !(c >= 48 && c <= 57) && c !== 45 && c !== 95) return false;
    if (alpha) letter = true;
    if (++label > 63) return false;
  }
  return letter && (label > 0 || n > 1);
}
