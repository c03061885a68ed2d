/**
 * Turns the findings' actions into configuration: nginx `limit_req` + `deny`, HAProxy stick-table rules, or AWS WAF
 * rate-based rules (JSON) and IP sets.
 *
 * Every rate limit applies to its own scope only — the address or network it was proposed for, the endpoint
 * (method and route template), or the ASN — never to the whole site: a 10/min login limit applied to every request
 * would lock out every visitor on their first page with its assets. Limits with the same key and scope are merged
 * (the strictest wins). Scopes:
 *   - nginx: a `geo` (addresses) or `map` on "$request_method:$uri" (endpoints) that gives the client key inside the
 *     scope and an empty key outside it, which `limit_req` does not count; one zone per limit. No ASN key in nginx.
 *   - HAProxy: one tracked per-address rate (sc0) checked only inside an address scope; per-endpoint rates in their
 *     own stick tables (backend sections) tracked only for matching requests (sc1). No ASN key in HAProxy.
 *   - AWS WAF: one rate-based rule per limit with a scope-down statement (IP set reference, method + URI-path
 *     regex, or ASN match), 60-second evaluation window; IP sets one per address family, as CreateIPSet takes them.
 * Guards (detect/action-guards.ts): no rule names a private, loopback, link-local or CGNAT range, a published crawler
 * range, or a value a finding's `no-block` action holds (a network that covers it included); those are left out and
 * each held value is written as a comment saying why no block is proposed.
 * Log content is hostile: every address, network, route, rate and ASN is validated and written in a canonical form
 * (rule-values.ts), anything else is left out with a comment saying how many values were and from which findings,
 * and log text (titles, reasons) appears only in comments, as one line of printable characters.
 * Docs: https://nginx.org/en/docs/http/ngx_http_limit_req_module.html (requests with an empty key are not
 * accounted), https://docs.haproxy.org/3.0/configuration.html#4.2-http-request%20track-sc1,
 * https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html
 */
import { appendAll } from '../core/arrays';
import { terminalSafeJson } from '../core/text';
import type { ReportFinding } from './types';
import { canonicalNet, cidrText, commentText as c, MAX_ASN, METHOD, rateOf, routeRegex, routeWritable, type Net } from './rule-values';
import { overlaps, staticGuard } from '../enrich/geo/net';

export { routeRegex } from './rule-values';

/** Supported rule targets. */
export type RuleTarget = 'nginx' | 'haproxy' | 'aws-waf';

/** Where a limit applies. */
type Scope =
  | { readonly kind: 'addresses'; readonly cidrs: readonly string[] }
  | { readonly kind: 'endpoint'; readonly method: string | null; readonly route: string }
  | { readonly kind: 'asn'; readonly asn: number }
  | { readonly kind: 'unknown' };

interface Limit {
  /** 1-based, in order of first appearance (names the zone, table or rule). */
  readonly n: number;
  /** 'endpoint': all clients together (one counter for the scope, an endpoint). */
  readonly key: 'ip' | 'forwarded-ip' | 'asn' | 'endpoint';
  readonly scope: Exclude<Scope, { kind: 'unknown' }>;
  limit: number;
  readonly why: string;
  readonly finding: string;
}

/** Values the findings proposed that no rule may hold, counted per reason, with the findings that proposed them. */
type Dropped = Map<keyof typeof REASONS, { count: number; findings: Set<string>; more: boolean }>;

const UNKNOWN: Scope = { kind: 'unknown' };

/**
 * Reads a rate-limit action's scope: an address or CIDR, "METHOD /route/:id", "/route/:id", or "AS<n>" — each
 * validated and, for addresses, canonicalized ({@link canonicalNet}); anything else is `unknown`.
 */
export function parseScope(text: string): Scope {
  const asn = /^AS(\d{1,10})$/i.exec(text);
  if (asn) {
    const n = Number(asn[1]);
    return n <= MAX_ASN ? { kind: 'asn', asn: n } : UNKNOWN;
  }
  const net = canonicalNet(text);
  if (net !== null) return { kind: 'addresses', cidrs: [net.text] };
  const sp = text.indexOf(' ');
  if (sp > 0 && METHOD.test(text.slice(0, sp)) && routeWritable(text.slice(sp + 1))) {
    return { kind: 'endpoint', method: text.slice(0, sp), route: text.slice(sp + 1) };
  }
  if (routeWritable(text)) return { kind: 'endpoint', method: null, route: text };
  return UNKNOWN;
}

/** The canonical text of a scope (what merges two limits, and what the comments show). */
function scopeText(s: Limit['scope']): string {
  if (s.kind === 'addresses') return s.cidrs.join(' ');
  if (s.kind === 'asn') return `AS${s.asn}`;
  return s.method === null ? s.route : `${s.method} ${s.route}`;
}

const REASONS = {
  guard: ['block or rate limit on a value the action guards protect (a private, loopback, link-local or CGNAT range, a published crawler range, or a value a finding says not to block)', 'blocks or rate limits on values the action guards protect (private, loopback, link-local or CGNAT ranges, published crawler ranges, or values a finding says not to block)'],
  block: ['block-list value that is not a valid IPv4 or IPv6 address or network', 'block-list values that are not valid IPv4 or IPv6 addresses or networks'],
  scope: ['rate limit whose scope is not a valid address, network, endpoint (path characters only) or ASN', 'rate limits whose scope is not a valid address, network, endpoint (path characters only) or ASN'],
  rate: ['rate limit whose rate is not a whole number of requests a minute from 1 to 1,000,000', 'rate limits whose rate is not a whole number of requests a minute from 1 to 1,000,000'],
} as const;

function drop(dropped: Dropped, reason: keyof typeof REASONS, finding: string): void {
  const d = dropped.get(reason) ?? { count: 0, findings: new Set<string>(), more: false };
  const title = c(finding, 80);
  d.count++;
  if (d.findings.size < 3) d.findings.add(title);
  else if (!d.findings.has(title)) d.more = true;
  dropped.set(reason, d);
}

/** One line per reason: how many values were left out, and (up to 3) the findings that proposed them. */
function droppedLines(dropped: Dropped): string[] {
  const out: string[] = [];
  for (const [reason, d] of dropped) {
    const [one, many] = REASONS[reason];
    out.push(`left out: ${d.count} ${d.count === 1 ? one : many} (from ${[...d.findings].map((f) => `"${f}"`).join(', ')}${d.more ? ' and others' : ''})`);
  }
  return out;
}

function keyOf(v: unknown): Limit['key'] {
  return v === 'asn' || v === 'forwarded-ip' || v === 'endpoint' ? v : 'ip';
}

/**
 * The values findings say not to block (`no-block` actions, detect/action-guards.ts), with the first reason given
 * for each, sorted: no rule names them, a network that covers one included.
 */
function heldValues(findings: readonly ReportFinding[]): { held: Map<string, { net: Net | null; why: string }>; asns: Set<number> } {
  const held = new Map<string, { net: Net | null; why: string }>();
  const asns = new Set<number>();
  for (const f of findings) {
    for (const a of f.actions) {
      if (a['type'] !== 'no-block' || typeof a['subject'] !== 'string') continue;
      const asn = /^AS(\d{1,10})$/i.exec(a['subject']);
      if (asn) asns.add(Number(asn[1]));
      const net = canonicalNet(a['subject']);
      const key = net?.text ?? a['subject'];
      if (!held.has(key)) held.set(key, { net, why: typeof a['why'] === 'string' ? a['why'] : '' });
    }
  }
  return { held: new Map([...held].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))), asns };
}

/** True when no rule may name `net`: a static guard (special or crawler range) or a value a finding holds. */
function guarded(net: Net, held: ReadonlyMap<string, { net: Net | null }>): boolean {
  if (staticGuard(net) !== null) return true;
  for (const h of held.values()) if (h.net !== null && overlaps(net, h.net) && net.bits <= h.net.bits) return true;
  return false;
}

function collect(findings: readonly ReportFinding[]): { limits: Limit[]; blocked: Net[]; dropped: Dropped; held: Map<string, { net: Net | null; why: string }> } {
  const limits = new Map<string, Limit>();
  const ips = new Map<string, Net>();
  const cidrs = new Map<string, Net>();
  const dropped: Dropped = new Map();
  const { held, asns } = heldValues(findings);
  for (const f of findings) {
    for (const a of f.actions) {
      if (a['type'] === 'rate-limit') {
        const scope = parseScope(typeof a['scope'] === 'string' ? a['scope'] : '');
        const rate = rateOf(a['limit_per_minute']);
        // A limit for all clients together is only written for an endpoint: on the whole site it would refuse everyone.
        if (scope.kind === 'unknown' || (a['key'] === 'endpoint' && scope.kind !== 'endpoint')) drop(dropped, 'scope', f.title);
        else if (rate === null) drop(dropped, 'rate', f.title);
        else if ((scope.kind === 'asn' && asns.has(scope.asn)) || (scope.kind === 'addresses' && scope.cidrs.some((x) => { const n = canonicalNet(x); return n === null || guarded(n, held); }))) drop(dropped, 'guard', f.title);
        else {
          const key = keyOf(a['key']);
          const id = `${key} ${scopeText(scope)}`;
          const seen = limits.get(id);
          if (seen) seen.limit = Math.min(seen.limit, rate);
          else limits.set(id, { n: limits.size + 1, key, scope, limit: rate, why: typeof a['why'] === 'string' ? a['why'] : '', finding: f.title });
        }
      }
      if (a['type'] === 'block') {
        for (const list of [a['ips'], a['cidrs']]) {
          for (const v of Array.isArray(list) ? list : []) {
            const net = typeof v === 'string' ? canonicalNet(v) : null;
            if (net === null) drop(dropped, 'block', f.title);
            else if (guarded(net, held)) drop(dropped, 'guard', f.title);
            else (net.bits === (net.v === 4 ? 32 : 128) ? ips : cidrs).set(net.text, net);
          }
        }
      }
    }
  }
  // An address inside a blocked network needs no line of its own: its network at each blocked prefix length is
  // looked up (a few lengths, so linear in the addresses). Networks first, then addresses, each sorted.
  const byText = (x: Net, y: Net): number => (x.text < y.text ? -1 : x.text > y.text ? 1 : 0);
  const nets = [...cidrs.values()].sort(byText);
  const lengths = [...new Set(nets.map((n) => `${n.v}/${n.bits}`))].map((k) => k.split('/').map(Number));
  const covered = (ip: Net): boolean => lengths.some(([v, bits]) => v === ip.v && cidrs.has(canonicalNet(`${ip.text}/${bits}`)?.text ?? ''));
  const hosts = [...ips.values()].filter((ip) => !covered(ip)).sort(byText);
  return { limits: [...limits.values()], blocked: [...nets, ...hosts], dropped, held };
}

/** One comment line per held value: why no block or rate limit is proposed for it (at most 50, then a count). */
function heldLines(held: ReadonlyMap<string, { why: string }>): string[] {
  const out = [...held].slice(0, 50).map(([v, h]) => (h.why === '' ? `no block or rate limit on ${c(v, 60)}` : c(h.why, 300)));
  if (held.size > 50) out.push(`and ${held.size - 50} more values the findings say not to block`);
  return out;
}

function describe(l: Limit): string {
  const per = l.key === 'asn' ? 'for the whole network' : l.key === 'forwarded-ip' ? 'per forwarded client address' : l.key === 'endpoint' ? 'for all clients together' : 'per client address';
  return `${l.n}. ${scopeText(l.scope)}: ${l.limit} req/min ${per} — ${c(l.why)} (${c(l.finding)})`;
}

/** Comment lines for a limit `server` cannot express (an ASN scope or key), or null. */
function unsupported(l: Limit, server: string): string[] | null {
  if (l.key !== 'asn' && l.scope.kind !== 'asn') return null;
  return [`# ${describe(l)}`, `#    not emitted: ${server} has no ASN key (use the AWS WAF rule, or block its networks)`];
}

/** A limit nginx and HAProxy can express: an address or endpoint scope, keyed on the client. */
interface ServerLimit {
  readonly l: Limit;
  readonly s: Extract<Scope, { kind: 'addresses' | 'endpoint' }>;
}

/** The limits `server` (nginx or HAProxy) can express; the comment lines for the others are added to `skipped`. */
function serverLimits(limits: readonly Limit[], server: string, skipped: string[]): ServerLimit[] {
  const out: ServerLimit[] = [];
  for (const l of limits) {
    const no = unsupported(l, server);
    if (no !== null) appendAll(skipped, no);
    else if (l.scope.kind === 'addresses' || l.scope.kind === 'endpoint') out.push({ l, s: l.scope });
  }
  return out;
}

/** The comment lines saying what was left out, after the skipped limits, then what the guards hold. */
function leftOut(skipped: string[], dropped: Dropped, held: ReadonlyMap<string, { why: string }>): string[] {
  return appendAll(skipped, [...droppedLines(dropped), ...heldLines(held)].map((l) => `# ${l}`));
}

function nginx(limits: readonly Limit[], blocked: readonly Net[], dropped: Dropped, held: ReadonlyMap<string, { why: string }>): string {
  const http: string[] = [];
  const server: string[] = [];
  const skipped: string[] = [];
  for (const { l, s } of serverLimits(limits, 'nginx', skipped)) {
    // All clients together: one counter per virtual host for the endpoint.
    const clientKey = l.key === 'forwarded-ip' ? '$http_x_forwarded_for' : l.key === 'endpoint' ? '$server_name' : '$binary_remote_addr';
    http.push(`# ${describe(l)}`);
    if (s.kind === 'addresses') {
      http.push(`geo $lbua_in_${l.n} {`, '    default 0;');
      appendAll(http, s.cidrs.map((x) => `    ${x} 1;`)).push('}');
      http.push(`map $lbua_in_${l.n} $lbua_key_${l.n} {`, `    1 ${clientKey};`, '    default "";', '}');
    } else {
      const method = s.method === null ? '[A-Z]+' : s.method;
      http.push(`map "$request_method:$uri" $lbua_key_${l.n} {`, `    "~^${method}:${routeRegex(s.route).slice(1)}" ${clientKey};`, '    default "";', '}');
    }
    http.push(`limit_req_zone $lbua_key_${l.n} zone=lbua_${l.n}:10m rate=${l.limit}r/m;`, '');
    server.push(`limit_req zone=lbua_${l.n} burst=${Math.max(5, Math.round(l.limit / 6))} nodelay;`);
  }
  const lines = [
    '# lbua: rules proposed from the findings; review before use.',
    '# Each limit counts only the requests of its scope (an address, a network or an endpoint): outside it the key is',
    '# empty, and limit_req does not count requests with an empty key. Behind a load balancer, make $binary_remote_addr',
    '# the client first: set_real_ip_from <load balancer subnets>; real_ip_header X-Forwarded-For;',
  ];
  if (http.length > 0) appendAll(lines, ['', '# http { } context:', ...http]);
  appendAll(lines, leftOut(skipped, dropped, held));
  if (server.length + blocked.length > 0) lines.push('', '# server { } or location { } context:');
  if (server.length > 0) appendAll(lines, server).push('limit_req_status 429;');
  for (const x of blocked) lines.push(`deny ${x.text};`);
  return `${lines.join('\n')}\n`;
}

/** Values per `acl` line: HAProxy reads at most 64 words on a line (and says "truncating" past them). */
const ACL_VALUES = 50;

function haproxy(limits: readonly Limit[], blocked: readonly Net[], dropped: Dropped, held: ReadonlyMap<string, { why: string }>): string {
  const front: string[] = [];
  const backends: string[] = [];
  const skipped: string[] = [];
  const tracked = limits.some((l) => l.scope.kind === 'addresses' && l.key !== 'asn');
  // Lines of the same acl name add to one list.
  for (let i = 0; i < blocked.length; i += ACL_VALUES) front.push(`acl lbua_blocked src ${blocked.slice(i, i + ACL_VALUES).map((x) => x.text).join(' ')}`);
  if (blocked.length > 0) front.push('http-request deny if lbua_blocked');
  if (tracked) front.push('stick-table type ip size 1m expire 10m store http_req_rate(1m)', 'http-request track-sc0 src');
  for (const { l, s } of serverLimits(limits, 'HAProxy', skipped)) {
    front.push(`# ${describe(l)}`);
    if (s.kind === 'addresses') {
      front.push(`acl lbua_${l.n} src ${s.cidrs.join(' ')}`, `http-request deny deny_status 429 if lbua_${l.n} { sc_http_req_rate(0) gt ${l.limit} }`);
    } else {
      const acls = [`lbua_${l.n}_path`];
      if (s.method !== null) {
        front.push(`acl lbua_${l.n}_method method ${s.method}`);
        acls.unshift(`lbua_${l.n}_method`);
      }
      front.push(`acl lbua_${l.n}_path path_reg ${routeRegex(s.route)}`);
      // All clients together: the table holds one entry, keyed on the endpoint's own constant name.
      const endpointWide = l.key === 'endpoint';
      front.push(`http-request track-sc1 ${endpointWide ? `str(lbua_${l.n})` : 'src'} table lbua_${l.n} if ${acls.join(' ')}`, `http-request deny deny_status 429 if ${acls.join(' ')} { sc_http_req_rate(1) gt ${l.limit} }`);
      backends.push(`backend lbua_${l.n}`, endpointWide ? '    stick-table type string len 32 size 1k expire 10m store http_req_rate(1m)' : '    stick-table type ip size 1m expire 10m store http_req_rate(1m)');
    }
  }
  const lines = ['# lbua: rules proposed from the findings; review before use.', '# Each limit applies only inside its scope (an address, a network, or an endpoint with its own table).'];
  if (front.length > 0) appendAll(lines, ['', '# frontend section:', ...front]);
  appendAll(lines, leftOut(skipped, dropped, held));
  if (backends.length > 0) lines.push('', '# one stick table per endpoint limit (a request is counted in the first one it matches):', ...backends);
  return `${lines.join('\n')}\n`;
}

const ANY = [{ Priority: 0, Type: 'NONE' }];
const XFF = { HeaderName: 'X-Forwarded-For', FallbackBehavior: 'MATCH' };
const arn = (name: string): string => `arn:aws:wafv2:REGION:ACCOUNT:regional/ipset/${name}/ID`;
const visibility = (name: string): Record<string, unknown> => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name });

/** IP sets for addresses, one per family (an AWS IP set holds one IPAddressVersion), in CIDR notation. */
function ipSets(name: string, addrs: readonly Net[]): { Name: string; IPAddressVersion: 'IPV4' | 'IPV6'; Addresses: string[] }[] {
  const v6 = addrs.filter((a) => a.v === 6).map(cidrText);
  const v4 = addrs.filter((a) => a.v === 4).map(cidrText);
  return [
    ...(v4.length > 0 ? [{ Name: v6.length > 0 ? `${name}-v4` : name, IPAddressVersion: 'IPV4' as const, Addresses: v4 }] : []),
    ...(v6.length > 0 ? [{ Name: v4.length > 0 ? `${name}-v6` : name, IPAddressVersion: 'IPV6' as const, Addresses: v6 }] : []),
  ];
}

function ipSetMatch(sets: readonly { Name: string }[], forwarded: boolean): Record<string, unknown> {
  const refs = sets.map((s) => ({ IPSetReferenceStatement: { ARN: arn(s.Name), ...(forwarded ? { IPSetForwardedIPConfig: { ...XFF, Position: 'FIRST' } } : {}) } }));
  return refs.length === 1 ? (refs[0] ?? {}) : { OrStatement: { Statements: refs } };
}

/** The WAF JSON: names are "lbua-…" with a number (the API's `^[\w-]{1,128}$`); log text only in the lbua-only Notes. */
function awsWaf(limits: readonly Limit[], blocked: readonly Net[], dropped: Dropped, held: ReadonlyMap<string, { why: string }>): string {
  const rules: Record<string, unknown>[] = [];
  const sets: ReturnType<typeof ipSets> = [];
  const notes: string[] = [];
  let priority = 10;
  if (blocked.length > 0) {
    const bs = ipSets('lbua-block', blocked);
    appendAll(sets, bs);
    rules.push({ Name: 'lbua-block', Priority: priority++, Action: { Block: {} }, Statement: ipSetMatch(bs, false), VisibilityConfig: visibility('lbua-block') });
  }
  for (const l of limits) {
    const s = l.scope;
    const name = `lbua-rate-${l.n}`;
    const forwarded = l.key === 'forwarded-ip';
    let scopeDown: Record<string, unknown>;
    if (s.kind === 'addresses') {
      const ss = ipSets(name, s.cidrs.map((x) => canonicalNet(x)).filter((x): x is Net => x !== null));
      appendAll(sets, ss);
      scopeDown = ipSetMatch(ss, forwarded);
    } else if (s.kind === 'endpoint') {
      const path = { RegexMatchStatement: { RegexString: routeRegex(s.route), FieldToMatch: { UriPath: {} }, TextTransformations: ANY } };
      scopeDown = s.method === null ? path : { AndStatement: { Statements: [{ ByteMatchStatement: { SearchString: s.method, FieldToMatch: { Method: {} }, TextTransformations: ANY, PositionalConstraint: 'EXACTLY' } }, path] } };
    } else {
      scopeDown = { AsnMatchStatement: { AsnList: [s.asn], ...(forwarded ? { ForwardedIPConfig: XFF } : {}) } };
    }
    const aggregate = l.key === 'asn'
      ? { AggregateKeyType: 'CUSTOM_KEYS', CustomKeys: [{ ASN: {} }] }
      : l.key === 'endpoint' ? { AggregateKeyType: 'CONSTANT' }
      : forwarded ? { AggregateKeyType: 'FORWARDED_IP', ForwardedIPConfig: XFF } : { AggregateKeyType: 'IP' };
    rules.push({
      Name: name, Priority: priority++, Action: { Block: {} },
      Statement: { RateBasedStatement: { Limit: Math.max(10, l.limit), EvaluationWindowSec: 60, ...aggregate, ScopeDownStatement: scopeDown } },
      VisibilityConfig: visibility(name),
    });
    notes.push(describe(l));
  }
  appendAll(notes, [...droppedLines(dropped), ...heldLines(held)]);
  return wafJson(rules, sets, notes);
}

function wafJson(rules: readonly unknown[], sets: readonly unknown[], notes: readonly string[]): string {
  return `${terminalSafeJson(JSON.stringify({ Rules: rules, IPSets: sets, Notes: notes }, null, 2))}\n`;
}

const NOTHING = 'no finding proposed a rate limit or a block, so there are no rules to write';
const ALL_LEFT_OUT = 'no rules to write: every rate limit and block the findings proposed was left out';
const ALL_HELD = 'no rules to write: the action guards held every block and rate limit (see below why)';

/**
 * Renders rules for one target. Every address, network, route, rate and ASN is validated first; a value that is
 * not valid is left out, and a comment (a note for AWS WAF) says how many were and from which findings.
 */
export function renderRules(findings: readonly ReportFinding[], target: RuleTarget): string {
  const { limits, blocked, dropped, held } = collect(findings);
  if (limits.length === 0 && blocked.length === 0) {
    const head = dropped.size === 0 ? (held.size === 0 ? NOTHING : ALL_HELD) : ALL_LEFT_OUT;
    const notes = [...droppedLines(dropped), ...heldLines(held)];
    return target === 'aws-waf'
      ? wafJson([], [], [head, ...notes])
      : `${[`# lbua: ${head}.`, ...notes.map((l) => `# ${l}`)].join('\n')}\n`;
  }
  if (target === 'nginx') return nginx(limits, blocked, dropped, held);
  if (target === 'haproxy') return haproxy(limits, blocked, dropped, held);
  return awsWaf(limits, blocked, dropped, held);
}
