/**
 * Turns the findings' actions into configuration: nginx `limit_req` + `deny`, HAProxy stick-table rules, or AWS WAF
 * rate-based rules (JSON, with the aggregation key IP / FORWARDED_IP / ASN-scoped via a custom key) and IP sets.
 */
import type { ReportFinding } from '../../report/types';
import { inCidr } from '../../enrich/geo/ip';

/** Supported rule targets. */
export type RuleTarget = 'nginx' | 'haproxy' | 'aws-waf';

interface RateLimit { key: string; limit: number; scope: string; why: string; finding: string }

function collect(findings: readonly ReportFinding[]): { limits: RateLimit[]; ips: string[]; cidrs: string[] } {
  const limits: RateLimit[] = [];
  const ips = new Set<string>();
  const cidrs = new Set<string>();
  for (const f of findings) {
    for (const a of f.actions) {
      if (a['type'] === 'rate-limit' && typeof a['limit_per_minute'] === 'number') {
        limits.push({ key: String(a['key'] ?? 'ip'), limit: a['limit_per_minute'], scope: String(a['scope'] ?? ''), why: String(a['why'] ?? ''), finding: f.title });
      }
      if (a['type'] === 'block') {
        for (const ip of Array.isArray(a['ips']) ? a['ips'] : []) if (typeof ip === 'string') ips.add(ip);
        for (const c of Array.isArray(a['cidrs']) ? a['cidrs'] : []) if (typeof c === 'string') cidrs.add(c);
      }
    }
  }
  // An address inside a blocked network needs no line of its own.
  const nets = [...cidrs];
  return { limits, ips: [...ips].filter((ip) => !nets.some((c) => inCidr(ip, c))).sort(), cidrs: nets.sort() };
}


/** Comment-safe text (no newlines, no comment terminators). */
function c(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/\*\//g, '* /').slice(0, 200);
}

/** Renders rules for one target. */
export function renderRules(findings: readonly ReportFinding[], target: RuleTarget): string {
  const { limits, ips, cidrs } = collect(findings);
  const strictest = limits.filter((l) => l.key !== 'asn').reduce((m, l) => Math.min(m, l.limit), Number.POSITIVE_INFINITY);
  const perMinute = Number.isFinite(strictest) ? strictest : null;
  if (target === 'nginx') {
    const lines = ['# lbua: rules proposed from the findings; review before use.', '# http { } context:'];
    if (perMinute !== null) lines.push(`limit_req_zone $binary_remote_addr zone=lbua_per_ip:20m rate=${perMinute}r/m;`);
    lines.push('', '# server { } or location { } context:');
    if (perMinute !== null) lines.push(`limit_req zone=lbua_per_ip burst=${Math.max(10, Math.round(perMinute / 6))} nodelay;`, 'limit_req_status 429;');
    for (const l of limits) lines.push(`# ${c(l.scope)}: ${c(l.why)} (${c(l.finding)})`);
    for (const x of [...cidrs, ...ips]) lines.push(`deny ${x};`);
    return `${lines.join('\n')}\n`;
  }
  if (target === 'haproxy') {
    const lines = ['# lbua: rules proposed from the findings; review before use.', '# frontend section:'];
    if (perMinute !== null) {
      lines.push('stick-table type ip size 1m expire 10m store http_req_rate(1m)', 'http-request track-sc0 src', `http-request deny deny_status 429 if { sc_http_req_rate(0) gt ${perMinute} }`);
    }
    for (const l of limits) lines.push(`# ${c(l.scope)}: ${c(l.why)} (${c(l.finding)})`);
    if (ips.length + cidrs.length > 0) lines.push(`acl lbua_blocked src ${[...cidrs, ...ips].join(' ')}`, 'http-request deny if lbua_blocked');
    return `${lines.join('\n')}\n`;
  }
  const rules: Record<string, unknown>[] = [];
  let priority = 10;
  if (ips.length + cidrs.length > 0) {
    rules.push({
      Name: 'lbua-block', Priority: priority++, Action: { Block: {} },
      Statement: { IPSetReferenceStatement: { ARN: 'arn:aws:wafv2:REGION:ACCOUNT:regional/ipset/lbua-block/ID' } },
      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'lbua-block' },
    });
  }
  for (const key of ['ip', 'forwarded-ip', 'asn']) {
    const ls = limits.filter((l) => l.key === key);
    if (ls.length === 0) continue;
    const perFive = Math.max(10, Math.min(...ls.map((l) => l.limit)) * 5);
    const statement: Record<string, unknown> = key === 'asn'
      ? { RateBasedStatement: { Limit: perFive, EvaluationWindowSec: 300, AggregateKeyType: 'CUSTOM_KEYS', CustomKeys: [{ ASN: {} }] } }
      : { RateBasedStatement: { Limit: perFive, EvaluationWindowSec: 300, AggregateKeyType: key === 'ip' ? 'IP' : 'FORWARDED_IP', ...(key === 'forwarded-ip' ? { ForwardedIPConfig: { HeaderName: 'X-Forwarded-For', FallbackBehavior: 'MATCH' } } : {}) } };
    rules.push({ Name: `lbua-rate-${key}`, Priority: priority++, Action: { Block: {} }, Statement: statement, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: `lbua-rate-${key}` } });
  }
  return `${JSON.stringify({ Rules: rules, IPSet: { Name: 'lbua-block', Addresses: [...cidrs, ...ips.map((ip) => (ip.includes(':') ? `${ip}/128` : `${ip}/32`))] }, Notes: limits.map((l) => `${l.scope}: ${l.why}`) }, null, 2)}\n`;
}
