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
 * Docs: https://nginx.org/en/docs/http/ngx_http_limit_req_module.html (requests with an empty key are not
 * accounted), https://docs.haproxy.org/3.0/configuration.html#4.2-http-request%20track-sc1,
 * https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html
 */
import { appendAll } from '../../core/arrays';
import type { ReportFinding } from '../../report/types';
import { inCidr, parseIp } from '../../enrich/geo/ip';

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
  readonly key: string;
  readonly scopeText: string;
  readonly scope: Scope;
  limit: number;
  readonly why: string;
  readonly finding: string;
}

const METHOD = /^[A-Z]{3,10}$/;

/** Reads a rate-limit action's scope: an address or CIDR, "METHOD /route/:id", "/route/:id", or "AS<n>". */
export function parseScope(text: string): Scope {
  const t = text.trim();
  const asn = /^AS(\d{1,10})$/i.exec(t);
  if (asn) return { kind: 'asn', asn: Number(asn[1]) };
  const [addr, bits, extra] = t.split('/');
  if (extra === undefined && addr !== undefined && parseIp(addr) !== null && (bits === undefined || /^\d{1,3}$/.test(bits)) && !/\s/.test(t)) {
    return { kind: 'addresses', cidrs: [t] };
  }
  const sp = t.indexOf(' ');
  if (sp > 0 && METHOD.test(t.slice(0, sp)) && t[sp + 1] === '/' && configSafe(routeRegex(t.slice(sp + 1)))) {
    return { kind: 'endpoint', method: t.slice(0, sp), route: t.slice(sp + 1) };
  }
  if (t.startsWith('/') && configSafe(routeRegex(t))) return { kind: 'endpoint', method: null, route: t };
  return { kind: 'unknown' };
}

/**
 * Anchored regex for a route template: a ":id", ":uuid", ":var"… placeholder matches within one path segment, and
 * what follows it in the segment (":hash.js") stays literal.
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

function collect(findings: readonly ReportFinding[]): { limits: Limit[]; ips: string[]; cidrs: string[] } {
  const limits = new Map<string, Limit>();
  const ips = new Set<string>();
  const cidrs = new Set<string>();
  for (const f of findings) {
    for (const a of f.actions) {
      if (a['type'] === 'rate-limit' && typeof a['limit_per_minute'] === 'number') {
        const key = String(a['key'] ?? 'ip');
        const scopeText = String(a['scope'] ?? '');
        const id = `${key}\u0000${scopeText}`;
        const seen = limits.get(id);
        if (seen) seen.limit = Math.min(seen.limit, a['limit_per_minute']);
        else limits.set(id, { n: limits.size + 1, key, scopeText, scope: parseScope(scopeText), limit: a['limit_per_minute'], why: String(a['why'] ?? ''), finding: f.title });
      }
      if (a['type'] === 'block') {
        for (const ip of Array.isArray(a['ips']) ? a['ips'] : []) if (typeof ip === 'string') ips.add(ip);
        for (const c of Array.isArray(a['cidrs']) ? a['cidrs'] : []) if (typeof c === 'string') cidrs.add(c);
      }
    }
  }
  // An address inside a blocked network needs no line of its own.
  const nets = [...cidrs];
  return { limits: [...limits.values()], ips: [...ips].filter((ip) => !nets.some((c) => inCidr(ip, c))).sort(), cidrs: nets.sort() };
}

/** Comment-safe text (no newlines, no comment terminators). */
function c(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/\*\//g, '* /').slice(0, 200);
}

/**
 * Log-derived text that may go into a config file as it is: printable ASCII without quotes, braces, semicolons,
 * '#' or spaces. A route that is not (a hostile path) gets a comment instead of a rule.
 */
function configSafe(s: string): boolean {
  return /^[\x21-\x7e]+$/.test(s) && !/["'`{};#]/.test(s);
}

/** True for an IPv4/IPv6 address or CIDR (what a block list or an address scope may hold). */
function isAddress(s: string): boolean {
  return parseScope(s).kind === 'addresses' && configSafe(s);
}

function describe(l: Limit): string {
  const per = l.key === 'asn' ? 'for the whole network' : l.key === 'forwarded-ip' ? 'per forwarded client address' : 'per client address';
  return `${l.n}. ${c(l.scopeText)}: ${l.limit} req/min ${per} — ${c(l.why)} (${c(l.finding)})`;
}

/** Comment lines for a limit `server` cannot express (an ASN, or a scope that is no address, network or endpoint), or null. */
function unsupported(l: Limit, server: string): string[] | null {
  if (l.key !== 'asn' && l.scope.kind !== 'asn' && l.scope.kind !== 'unknown') return null;
  const why = l.scope.kind === 'unknown' ? 'its scope is neither an address, a network nor an endpoint' : `${server} has no ASN key (use the AWS WAF rule, or block its networks)`;
  return [`# ${describe(l)}`, `#    not emitted: ${why}`];
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

function nginx(limits: readonly Limit[], blocked: readonly string[]): string {
  const http: string[] = [];
  const server: string[] = [];
  const skipped: string[] = [];
  for (const { l, s } of serverLimits(limits, 'nginx', skipped)) {
    const clientKey = l.key === 'forwarded-ip' ? '$http_x_forwarded_for' : '$binary_remote_addr';
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
  appendAll(lines, skipped);
  if (server.length + blocked.length > 0) lines.push('', '# server { } or location { } context:');
  if (server.length > 0) appendAll(lines, server).push('limit_req_status 429;');
  for (const x of blocked) lines.push(`deny ${x};`);
  return `${lines.join('\n')}\n`;
}

function haproxy(limits: readonly Limit[], blocked: readonly string[]): string {
  const front: string[] = [];
  const backends: string[] = [];
  const skipped: string[] = [];
  const tracked = limits.some((l) => l.scope.kind === 'addresses' && l.key !== 'asn');
  if (blocked.length > 0) front.push(`acl lbua_blocked src ${blocked.join(' ')}`, 'http-request deny if lbua_blocked');
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
      front.push(`http-request track-sc1 src table lbua_${l.n} if ${acls.join(' ')}`, `http-request deny deny_status 429 if ${acls.join(' ')} { sc_http_req_rate(1) gt ${l.limit} }`);
      backends.push(`backend lbua_${l.n}`, '    stick-table type ip size 1m expire 10m store http_req_rate(1m)');
    }
  }
  const lines = ['# lbua: rules proposed from the findings; review before use.', '# Each limit applies only inside its scope (an address, a network, or an endpoint with its own table).'];
  if (front.length > 0) appendAll(lines, ['', '# frontend section:', ...front]);
  appendAll(lines, skipped);
  if (backends.length > 0) lines.push('', '# one stick table per endpoint limit (a request is counted in the first one it matches):', ...backends);
  return `${lines.join('\n')}\n`;
}

const ANY = [{ Priority: 0, Type: 'NONE' }];
const XFF = { HeaderName: 'X-Forwarded-For', FallbackBehavior: 'MATCH' };
const arn = (name: string): string => `arn:aws:wafv2:REGION:ACCOUNT:regional/ipset/${name}/ID`;
const visibility = (name: string): Record<string, unknown> => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name });

/** IP sets for addresses, one per family (an AWS IP set holds one IPAddressVersion). */
function ipSets(name: string, addrs: readonly string[]): { Name: string; IPAddressVersion: 'IPV4' | 'IPV6'; Addresses: string[] }[] {
  const cidr = (a: string): string => (a.includes('/') ? a : a.includes(':') ? `${a}/128` : `${a}/32`);
  const v6 = addrs.filter((a) => a.includes(':')).map(cidr);
  const v4 = addrs.filter((a) => !a.includes(':')).map(cidr);
  return [
    ...(v4.length > 0 ? [{ Name: v6.length > 0 ? `${name}-v4` : name, IPAddressVersion: 'IPV4' as const, Addresses: v4 }] : []),
    ...(v6.length > 0 ? [{ Name: v4.length > 0 ? `${name}-v6` : name, IPAddressVersion: 'IPV6' as const, Addresses: v6 }] : []),
  ];
}

function ipSetMatch(sets: readonly { Name: string }[], forwarded: boolean): Record<string, unknown> {
  const refs = sets.map((s) => ({ IPSetReferenceStatement: { ARN: arn(s.Name), ...(forwarded ? { IPSetForwardedIPConfig: { ...XFF, Position: 'FIRST' } } : {}) } }));
  return refs.length === 1 ? (refs[0] ?? {}) : { OrStatement: { Statements: refs } };
}

function awsWaf(limits: readonly Limit[], blocked: readonly string[]): string {
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
    let scopeDown: Record<string, unknown> | null = null;
    if (s.kind === 'addresses') {
      const ss = ipSets(name, s.cidrs);
      appendAll(sets, ss);
      scopeDown = ipSetMatch(ss, forwarded);
    } else if (s.kind === 'endpoint') {
      const path = { RegexMatchStatement: { RegexString: routeRegex(s.route), FieldToMatch: { UriPath: {} }, TextTransformations: ANY } };
      scopeDown = s.method === null ? path : { AndStatement: { Statements: [{ ByteMatchStatement: { SearchString: s.method, FieldToMatch: { Method: {} }, TextTransformations: ANY, PositionalConstraint: 'EXACTLY' } }, path] } };
    } else if (s.kind === 'asn') {
      scopeDown = { AsnMatchStatement: { AsnList: [s.asn], ...(forwarded ? { ForwardedIPConfig: XFF } : {}) } };
    }
    if (scopeDown === null) {
      notes.push(`${describe(l)}: not emitted, its scope is neither an address, a network, an endpoint nor an ASN`);
      continue;
    }
    const aggregate = l.key === 'asn'
      ? { AggregateKeyType: 'CUSTOM_KEYS', CustomKeys: [{ ASN: {} }] }
      : forwarded ? { AggregateKeyType: 'FORWARDED_IP', ForwardedIPConfig: XFF } : { AggregateKeyType: 'IP' };
    rules.push({
      Name: name, Priority: priority++, Action: { Block: {} },
      Statement: { RateBasedStatement: { Limit: Math.max(10, l.limit), EvaluationWindowSec: 60, ...aggregate, ScopeDownStatement: scopeDown } },
      VisibilityConfig: visibility(name),
    });
    notes.push(describe(l));
  }
  return `${JSON.stringify({ Rules: rules, IPSets: sets, Notes: notes }, null, 2)}\n`;
}

const NOTHING = 'no finding proposed a rate limit or a block, so there are no rules to write';

/** Renders rules for one target. */
export function renderRules(findings: readonly ReportFinding[], target: RuleTarget): string {
  const { limits, ips, cidrs } = collect(findings);
  // Block lists hold addresses and networks only: anything else a finding carried is not written into a config.
  const blocked = [...cidrs, ...ips].filter(isAddress);
  if (limits.length === 0 && blocked.length === 0) {
    return target === 'aws-waf'
      ? `${JSON.stringify({ Rules: [], IPSets: [], Notes: [NOTHING] }, null, 2)}\n`
      : `# lbua: ${NOTHING}.\n`;
  }
  if (target === 'nginx') return nginx(limits, blocked);
  if (target === 'haproxy') return haproxy(limits, blocked);
  return awsWaf(limits, blocked);
}
