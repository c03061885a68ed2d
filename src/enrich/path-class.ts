/**
 * Path classes for the scanner judge, computed once per distinct path (the route templater's cache holds them with
 * the route): whether a path names a file that must never be public (SECRET), an admin or CMS surface (PROBE), or
 * carries traversal or injection (ATTACK), and the path's 32-bit hash (distinct paths counted without strings).
 * The patterns run on the whole path and are linear in it (test/hostile/regex.test.ts).
 */
import { hash32 } from '../core/hll';

/**
 * Files whose content must never be public: repositories, environment and credential files, keys, dumps and
 * backups, runtime internals. Asking for one is probing whatever the answer; a 2xx answer with a body may be an
 * exposure.
 */
export const SECRET = /(?:^|\/)(?:\.env(?:\.\w+)?$|\.git(?:\/|$)|\.svn\/|\.hg\/|\.DS_Store$|\.aws\/|\.ssh\/|\.htaccess$|\.htpasswd$|\.vscode\/|id_[rd]sa|\.?credentials(?:\.\w+)?$|wp-config\.php.|config\.(?:yml|yaml)$|config\.(?:php|yml|yaml)\.\w+$|web\.config$|docker-compose\.ya?ml$|composer\.(?:json|lock)$|phpinfo\.php$|server-status$|actuator\/(?:env|heapdump|threaddump|configprops|beans|mappings|loggers)|jolokia|vendor\/phpunit|eval-stdin\.php$|shell\.php$|\.well-known\/security\.txt\.bak$|(?:backups?|dump|db|database|site|www|wwwroot|htdocs|public_html)\.(?:zip|tar|tar\.gz|tgz|gz|7z|rar|sql)$|\.(?:bak|old|sql|sql\.gz|swp)$)/i;
/**
 * Admin and CMS surfaces, backup folders, and the IIS extensions old worms still try (CodeRed's default.ida, Nimda's
 * root.exe and msadc, nsiislog.dll, FrontPage's _vti_*): a site that has them serves them to its own users, so they
 * count as probes only when the server does not have them (answered 4xx).
 */
export const PROBE = /(?:^|\/)(?:wp-login\.php|wp-admin|xmlrpc\.php|wp-config\.php$|phpmyadmin|pma\/|adminer\.php|administrator\/|admin\.php$|actuator(?:\/|$)|config\.php$|backups?(?:\/|$)|cgi-bin\/|boaform|HNAP1|owa\/auth|remote\/login|nsiislog\.dll|_vti_bin\/|_vti_aut\/|fp30reg\.dll|default\.ida$|root\.exe$|msadc\/|owssvr\.dll)/i;
/** Traversal and injection in path or query (raw or percent-encoded): the union of the probe kinds' patterns. */
export const ATTACK = /(?:\.\.\/|\.\.%2f|%2e%2e|\/etc\/passwd|\bunion(?:\s|%20|\+)+select\b|'(?:\s|%20)*or(?:\s|%20)+'?1|<script|%3cscript|\$\{jndi:|\$%7bjndi|\bsleep\(\d|;(?:\s|%20)*(?:cat|wget|curl)(?:\s|%20)|\bcmd=|\bexec\(|base64_decode|\/bin\/sh|%00)/i;

/**
 * Injection probes by kind: each pattern runs on the path, and on the query, each decoded once (`%XX` → the byte's
 * character, and `+` → space in a query), case-insensitive. A match names what the client tried; the table is the
 * one place they are listed (README, detectors: scanner). Every pattern is linear in its input: alternatives of fixed
 * words, bounded runs, no run retried from each position beyond a bounded length.
 */
export const PROBE_KINDS: readonly (readonly [string, RegExp])[] = [
  // A quote closing a string, then SQL: `' or 1=1`, `" and "a"="a`, `') union`, `'--`; UNION SELECT; timing and
  // error-based functions; the schema tables.
  ['sql-injection', /['"]\)?\s*(?:(?:or|and|xor)\s+['"(]?\w{1,20}['")]?\s*(?:=|<|>|like\b|is\b|between\b)|union\b|order\s+by\b|group\s+by\b|having\b|--)|\bunion(?:\s|\/\*[^*]{0,40}\*\/)+(?:all\s+|distinct\s+)?select\b|\b(?:sleep|pg_sleep|benchmark|extractvalue|updatexml|load_file|char|concat|ascii|substring)\s*\(\s*(?:\d|0x|['"(]|select\b)|\bwaitfor\s+delay\b|\binformation_schema\b|\bor\s+1\s*=\s*1\b/i],
  // Quotes mixed to see which breaks the page (w3af `a'b"c'd"`), or one random token either side of a quote or
  // backtick (`o1rn8'o1rn8`).
  ['quote-probe', /'[^'"\s&=]{0,8}"|"[^'"\s&=]{0,8}'|(?<=(?<tok>[a-z0-9]{5}))['"`]\k<tok>/i],
  // Markup where a value should be: tags, event handlers, javascript: URLs (w3af's `</->` too).
  ['xss', /<\s*[!\/?a-z-]|\bon(?:error|load|mouseover|focus|click|toggle|start)\s*=|javascript\s*:|\balert\s*\(|\bprompt\s*\(|document\s*\.\s*(?:cookie|domain|location)/i],
  // Parent-directory steps, decoded once (so `%2e%2e%2f` is found; `%2e%2e` left over is double encoding).
  // Overlong UTF-8 slashes (`..%c0%af`, Nimda's `..%c1%9c`) too, as decoded once or still encoded.
  ['traversal', /\.\.[\/\\]|\.\.;\/|%2e%2e|%c0%ae|\.\.%2f|\.\.%5c|\.\.(?:\xc0\xaf|\xc1\x9c|\xc0\x2f|%c0%af|%c1%9c)/i],
  // Local and remote file inclusion: system files, and stream wrappers as a whole value (`page=php://filter`; a
  // `file://` inside a path is a broken link, not a probe).
  ['file-inclusion', /\/etc\/(?:passwd|shadow|hosts|group)\b|\bwin\.ini\b|\bboot\.ini\b|\/proc\/self\/|(?:^|=)\s*(?:php|file|expect|zip|phar|glob|data):(?:\/\/|text\/html)/i],
  // Log4Shell and its obfuscations.
  ['log4shell', /\$\{(?:jndi|lower|upper|env|sys|date|::-)[:}]|\$\{\$\{/i],
  // Shell metacharacters followed by a command; command substitution; shells by path.
  ['command-injection', /(?:[;|`]|&&)\s*(?:wget|curl|cat|id|uname|whoami|sh|bash|nc|ncat|ping|echo|rm|chmod|busybox|tftp|nslookup|powershell|cmd)(?:\s|$|[;|&`])|\$\(|`\s*(?:id|uname|whoami|cat|sleep|wget|curl|ping|echo)\b|\/bin\/(?:sh|bash|busybox)\b|\bcmd\.exe\b|\bcmd=/i],
  // Server-side template expressions: arithmetic in template markers (`{{7*7}}`, `${7*7}`, `#{7*7}`, `<%= 7*7 %>`),
  // `${{`, and the objects template escapes reach for. A bare `{{basketItem.id}}` is a client-side template a page
  // failed to render (real shops log them), not a probe.
  ['template-injection', /(?:\{\{|\$\{|#\{|<%=|\{%)\s*\d+\s*[*+\/-]\s*\d+|\$\{\{|\{\{[^}]{0,40}(?:__class__|__globals__|__init__|\bconfig\b|\bself\b|\brequest\b|\blipsum\b|\bcycler\b|constructor)|\{%\s*(?:import|include|set|debug)\b/i],
  // PHP and other code evaluated from a request.
  // (`assert()` or `eval(` in prose is not one: those count called on a variable, a string or a decoder.)
  ['code-injection', /\b(?:base64_decode|passthru|shell_exec|popen|proc_open|phpinfo|call_user_func(?:_array)?|file_put_contents|create_function)\s*\(|\b(?:eval|assert|system|exec)\s*\(\s*(?:\$|['"]|base64_decode|gzinflate|str_rot13|chr\s*\()|<\?php|\ballow_url_include\b|\bauto_prepend_file\b|\bdisable_functions\b/i],
  // A NUL byte (`%00`) cutting a path or value short.
  ['null-byte', /\x00/],
  // Requests for cloud metadata and internal-only schemes (server-side request forgery).
  ['ssrf', /169\.254\.169\.254|metadata\.google\.internal|\b(?:gopher|dict|ldap|tftp):\/\//i],
];

/** Probe kinds as bits, in PROBE_KINDS order. */
export const KIND_COUNT = PROBE_KINDS.length;

/** Whether `c` is an ASCII hex digit. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * `s` percent-decoded once (each `%XX` to the character of that byte; an invalid escape stays as written), with `+`
 * as a space when `plus` (a query). Returns `s` itself when there is nothing to decode.
 */
export function decodeOnce(s: string, plus: boolean): string {
  if (s.indexOf('%') < 0 && (!plus || s.indexOf('+') < 0)) return s;
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 43 && plus) {
      out += `${s.slice(from, i)} `;
      from = i + 1;
    } else if (c === 37 && i + 2 < s.length) {
      const h = hexValue(s.charCodeAt(i + 1));
      const l = hexValue(s.charCodeAt(i + 2));
      if (h < 0 || l < 0) continue;
      out += s.slice(from, i) + String.fromCharCode(h * 16 + l);
      i += 2;
      from = i + 1;
    }
  }
  return out + s.slice(from);
}

/**
 * What the raw text must hold for any kind to match after decoding: a character that carries an injection (raw or
 * percent-encoded, but not the `%2F`, `%3A`, `%3D`, `%20` of an ordinary encoded URL), an encoded letter or digit
 * (`%75nion`: no URL needs one, an evasion does), a dot pair, or one of the
 * kinds' bare words. Most queries hold none and cost one scan; the property test in test/detectors/probes.test.ts
 * checks that it lets through every text a kind matches (the real scans' queries and generated ones).
 */
const MAYBE = /['"<>`$;|{}()\\\x00*]|%(?:0|1|2[2-9a-eA-E]|3[0-9bBcCeE]|[4-7][0-9a-fA-F]|[cC][01]|25)|\.\.|&&|union|waitfor|information_schema|or(?:\s|\+|%20)+1|on(?:error|load|mouseover|focus|click|toggle|start)|javascript|etc(?:\/|%2f)|\.ini|proc(?:\/|%2f)self|(?:php|file|expect|zip|phar|glob|data|gopher|dict|ldap|tftp)(?::|%3a)|bin(?:\/|%2f)|cmd|allow_url|auto_prepend|disable_functions|169\.254|metadata\.google/i;

/** The probe kinds of `text` without the prefilter (tests check MAYBE against it). */
export function probeKindsFull(text: string, query: boolean): number {
  const d = decodeOnce(text, query);
  let bits = 0;
  for (let k = 0; k < PROBE_KINDS.length; k++) if ((PROBE_KINDS[k]?.[1] as RegExp).test(d)) bits |= 1 << k;
  return bits;
}

/** The probe kinds (bits in PROBE_KINDS order) in `text` decoded once; 0 when none. */
export function probeKinds(text: string, query: boolean): number {
  if (!MAYBE.test(text)) return 0;
  const d = decodeOnce(text, query);
  let bits = 0;
  for (let k = 0; k < PROBE_KINDS.length; k++) if ((PROBE_KINDS[k]?.[1] as RegExp).test(d)) bits |= 1 << k;
  return bits;
}

/** The names of the kinds in `bits`, in table order. */
export function kindNames(bits: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < PROBE_KINDS.length; k++) if ((bits & (1 << k)) !== 0) out.push(PROBE_KINDS[k]?.[0] ?? '');
  return out;
}

/** Class bits of a path; then the probe kinds (KIND_COUNT bits); the rest of the class number is the path's 32-bit hash times FLAGS. */
export const IS_SECRET = 1;
export const IS_ATTACK = 2;
export const IS_PROBE = 4;
const KIND_SHIFT = 3;
export const FLAGS = 2 ** (KIND_SHIFT + KIND_COUNT);

/** The probe kinds of a path class. */
export function classKinds(cls: number): number {
  return Math.floor((cls % FLAGS) / 2 ** KIND_SHIFT);
}

/** The class of a path: its pattern bits, its probe kinds, plus FLAGS × hash32(path). */
export function classifyPath(path: string): number {
  const kinds = probeKinds(path, false);
  const bits = (SECRET.test(path) ? IS_SECRET : 0) | (kinds !== 0 ? IS_ATTACK : 0) | (PROBE.test(path) ? IS_PROBE : 0);
  return bits + kinds * 2 ** KIND_SHIFT + FLAGS * hash32(path);
}

/** The class of a record without a path (the scanner counts it as the empty path). */
export const NO_PATH_CLASS = classifyPath('');

/** An identifier segment: all digits, 1–12 of them (`/items/1001`, `/items/1001/reviews`). */
const TRAILING_ID = /\/(\d{1,12})(?:\/|$)/;

/** The identifier api-abuse follows in a path (its first identifier segment), or -1. */
export function pathIdentifier(path: string): number {
  const m = TRAILING_ID.exec(path);
  return m === null ? -1 : Number(m[1]);
}
