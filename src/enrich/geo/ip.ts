/**
 * IP address parsing and special-purpose ranges (RFC 6890 registry): private, loopback, link-local, CGNAT,
 * documentation, multicast, unspecified. IPv4-mapped IPv6 (::ffff:a.b.c.d) is treated as the IPv4 address.
 */

/** A parsed address: IPv4 as a 32-bit number, IPv6 as a 128-bit bigint. */
export type ParsedIp = { readonly v: 4; readonly n: number } | { readonly v: 6; readonly n: bigint };

/** Parses a dotted-quad IPv4 address (1–3 digits per octet, each at most 255); null when invalid. */
export function parseIpv4(s: string): number | null {
  const n = ipv4Value(s, 0, s.length, false);
  return n < 0 ? null : n;
}

/**
 * The value of the dotted quad s[from, to), or -1 when it is not one, without a substring or an array (parseIpv4
 * is this for the whole string). `canonical`: also -1 for an octet with a leading zero ("01"), so that the text is
 * exactly what formatIp writes for the value.
 */
export function ipv4Value(s: string, from: number, to: number, canonical: boolean): number {
  let n = 0;
  let parts = 0;
  let digits = 0;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || parts === 3) return -1;
      n = n * 256 + v;
      parts++;
      digits = 0;
      v = 0;
    } else if (c >= 48 && c <= 57) {
      if (++digits > 3 || (canonical && digits === 2 && v === 0)) return -1;
      v = v * 10 + (c - 48);
      if (v > 255) return -1;
    } else return -1;
  }
  return digits === 0 || parts !== 3 ? -1 : n * 256 + v;
}

/** Parses an IPv6 address (with :: compression, optional zone, optional embedded IPv4); null when invalid. */
export function parseIpv6(input: string): bigint | null {
  const plain = parsePlainIpv6(input);
  return plain !== undefined ? plain : parseIpv6General(input);
}

/**
 * parseIpv6 of a string of hex digits and colons only (no zone, brackets or embedded IPv4: undefined for anything
 * else, which parseIpv6General reads), in one pass without substrings or arrays of strings. The same rules: at most
 * one "::" (split leftmost-first, as String.split does), every group 1–4 hex digits, 8 groups, or fewer with "::"
 * standing for at least one zero group.
 */
function parsePlainIpv6(s: string): bigint | null | undefined {
  const n = s.length;
  let colons = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) colons++;
    else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return undefined;
  }
  if (colons === 0) return null;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 2) >= 0) return null;
  const g = [0, 0, 0, 0, 0, 0, 0, 0];
  // The groups before "::" (or all of them) from the left, then those after it.
  const head = groupsInto(s, 0, dbl < 0 ? n : dbl, g, 0);
  if (head < 0) return null;
  if (dbl < 0) {
    if (head !== 8) return null;
  } else {
    const rest = groupsInto(s, dbl + 2, n, g, head);
    if (rest < 0 || 8 - head - rest < 1) return null;
    // Move the groups after "::" to the end; the ones between are zero.
    for (let k = rest - 1; k >= 0; k--) {
      g[8 - rest + k] = g[head + k] ?? 0;
      if (8 - rest + k !== head + k) g[head + k] = 0;
    }
  }
  const word = (i: number): bigint => BigInt((g[i] ?? 0) * 65536 + (g[i + 1] ?? 0));
  return (word(0) << 96n) | (word(2) << 64n) | (word(4) << 32n) | word(6);
}

/**
 * The colon-separated groups of s[from, to) (hex digits and colons only) written into g from `at`: their count, 0
 * for an empty part, -1 when a group is empty or longer than 4 digits, or there are more than fit in 8.
 */
function groupsInto(s: string, from: number, to: number, g: number[], at: number): number {
  if (from === to) return 0;
  let count = 0;
  let digits = 0;
  let v = 0;
  for (let i = from; i <= to; i++) {
    if (i === to || s.charCodeAt(i) === 58) {
      if (digits === 0 || at + count >= 8) return -1;
      g[at + count++] = v;
      digits = 0;
      v = 0;
      continue;
    }
    if (++digits > 4) return -1;
    const c = s.charCodeAt(i);
    v = v * 16 + (c <= 57 ? c - 48 : (c | 32) - 87);
  }
  return count;
}

/** parseIpv6 of any string (zone, brackets, embedded IPv4). */
function parseIpv6General(input: string): bigint | null {
  let s = input;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (!s.includes(':')) return null;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const maybeV4 = s.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const v4 = parseIpv4(maybeV4);
    if (v4 === null) return null;
    tail = [v4 >>> 16, v4 & 0xffff];
    s = `${s.slice(0, lastColon + 1)}${tail.length ? '0:0' : ''}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (head === null || rest === null) return null;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else groups = head;
  if (groups.length !== 8) return null;
  if (tail.length) {
    groups[6] = tail[0] ?? 0;
    groups[7] = tail[1] ?? 0;
  }
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}

const MAPPED_PREFIX = 0xffffn << 32n;

/** Parses IPv4 or IPv6; IPv4-mapped IPv6 becomes IPv4. Null when the string is not an address. */
export function parseIp(s: string): ParsedIp | null {
  if (s.includes(':')) {
    const n = parseIpv6(s);
    if (n === null) return null;
    if (n >> 32n === 0xffffn && (n & ~0xffffffffn) === MAPPED_PREFIX) return { v: 4, n: Number(n & 0xffffffffn) };
    return { v: 6, n };
  }
  const n = parseIpv4(s);
  return n === null ? null : { v: 4, n };
}

/** Canonical text of a parsed address (IPv4 dotted; IPv6 lowercase, compressed). */
export function formatIp(ip: ParsedIp): string {
  if (ip.v === 4) return `${ip.n >>> 24}.${(ip.n >>> 16) & 255}.${(ip.n >>> 8) & 255}.${ip.n & 255}`;
  const groups = groups6(ip.n);
  // The longest run of two or more zero groups (the first of equal ones) becomes "::".
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += (groups[i] ?? 0).toString(16);
  }
  return out;
}

/** The eight 16-bit groups of an IPv6 value, most significant first (four bigint steps, not sixteen). */
function groups6(n: bigint): number[] {
  const a = Number(n >> 96n);
  const b = Number((n >> 64n) & 0xffffffffn);
  const c = Number((n >> 32n) & 0xffffffffn);
  const d = Number(n & 0xffffffffn);
  return [a >>> 16, a & 0xffff, b >>> 16, b & 0xffff, c >>> 16, c & 0xffff, d >>> 16, d & 0xffff];
}

interface Range4 { readonly base: number; readonly bits: number; readonly label: string }
interface Range6 { readonly base: bigint; readonly bits: number; readonly label: string }

const V4: readonly Range4[] = [
  { base: 0x0a000000, bits: 8, label: 'private' },
  { base: 0xac100000, bits: 12, label: 'private' },
  { base: 0xc0a80000, bits: 16, label: 'private' },
  { base: 0x7f000000, bits: 8, label: 'loopback' },
  { base: 0xa9fe0000, bits: 16, label: 'link-local' },
  { base: 0x64400000, bits: 10, label: 'cgnat' },
  { base: 0xc0000200, bits: 24, label: 'documentation' },
  { base: 0xc6336400, bits: 24, label: 'documentation' },
  { base: 0xcb007100, bits: 24, label: 'documentation' },
  { base: 0xc6120000, bits: 15, label: 'benchmarking' },
  { base: 0xe0000000, bits: 4, label: 'multicast' },
  { base: 0xf0000000, bits: 4, label: 'reserved' },
  { base: 0x00000000, bits: 8, label: 'unspecified' },
];

const V6: readonly Range6[] = [
  { base: 0n, bits: 128, label: 'unspecified' },
  { base: 1n, bits: 128, label: 'loopback' },
  { base: 0xfc00n << 112n, bits: 7, label: 'private' },
  { base: 0xfe80n << 112n, bits: 10, label: 'link-local' },
  { base: 0x20010db8n << 96n, bits: 32, label: 'documentation' },
  { base: 0xff00n << 112n, bits: 8, label: 'multicast' },
];

/** V6 as 32-bit words (most significant first) and the bits of each word the prefix covers: compared without bigints. */
const V6_WORDS: readonly { readonly words: readonly number[]; readonly bits: readonly number[]; readonly label: string }[] = V6.map((r) => ({
  words: [96n, 64n, 32n, 0n].map((s) => Number((r.base >> s) & 0xffffffffn)),
  bits: [0, 1, 2, 3].map((w) => Math.max(0, Math.min(32, r.bits - 32 * w))),
  label: r.label,
}));

/** The special-purpose label of an address ("private", "loopback", ...), or null for a public address. */
export function specialRange(ip: ParsedIp): string | null {
  if (ip.v === 4) {
    for (const r of V4) if (ip.n >>> (32 - r.bits) === r.base >>> (32 - r.bits)) return r.label;
    return null;
  }
  const n = ip.n;
  const w = [Number(n >> 96n), Number((n >> 64n) & 0xffffffffn), Number((n >> 32n) & 0xffffffffn), Number(n & 0xffffffffn)];
  for (const r of V6_WORDS) {
    let inside = true;
    for (let k = 0; k < 4 && inside; k++) {
      const bits = r.bits[k] ?? 0;
      // The top `bits` bits of word k (an unsigned shift by 32 would shift by 0: a whole word compares as is).
      if (bits === 32) inside = w[k] === r.words[k];
      else if (bits > 0) inside = (w[k] ?? 0) >>> (32 - bits) === (r.words[k] ?? 0) >>> (32 - bits);
    }
    if (inside) return r.label;
  }
  return null;
}

/** True when `ip` lies in `cidr` ("a.b.c.0/24", "2001:db8::/48"); false for anything unparsable. */
export function inCidr(ip: string, cidr: string): boolean {
  const slash = cidr.indexOf('/');
  if (slash < 0) return false;
  const net = parseIp(cidr.slice(0, slash));
  const addr = parseIp(ip);
  const bits = Number(cidr.slice(slash + 1));
  if (net === null || addr === null || net.v !== addr.v || !Number.isInteger(bits)) return false;
  if (net.v === 4 && addr.v === 4) {
    if (bits < 0 || bits > 32) return false;
    const shift = 32 - bits;
    return shift === 32 || Math.floor(net.n / 2 ** shift) === Math.floor(addr.n / 2 ** shift);
  }
  if (net.v === 6 && addr.v === 6) {
    if (bits < 0 || bits > 128) return false;
    const shift = BigInt(128 - bits);
    return net.n >> shift === addr.n >> shift;
  }
  return false;
}
