/**
 * End to end: the project's seeded scenario generator writes 8 hours of realistic ALB traffic with every incident
 * class injected; `lbua analyze --output json` must find each with the right detector, subject and window — and the
 * same traffic without incidents must yield no high or critical finding.
 *
 * Each `lbua analyze` of the 150,000-line log costs seconds, so it runs once per distinct set of options: the rules
 * for the three targets are rendered from the JSON report's findings (one --emit-rules run shows that is what the
 * CLI writes), and the detector options are checked on a smaller generated log with every incident.
 */
import { json, lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { generatedLog } from '../helpers/generated';
import { findsIncident, generateScenario, type Finding } from '../helpers/scenario';
import { renderRules } from '../../src/report/rules';
import { renderTable } from '../../src/report/table';
import type { Report } from '../../src/report/types';

const { incidentsLog, cleanLog, codes, expected } = generateScenario(['-n', '150000', '--hours', '8', '--seed', '5', '--start', '2026-03-10T06:00:00Z']);
const incidentRun = lbua(['analyze', incidentsLog, '--output', 'json', '--fail-on', 'high']);
const cleanRun = lbua(['analyze', cleanLog, '--output', 'json', '--fail-on', 'high']);

describe('scenario with injected incidents', () => {
  it('generates both scenarios', () => {
    expect(codes).toEqual([0, 0]);
  });

  const report = json(incidentRun) as { findings: Finding[] };

  it('injects every incident class', () => {
    expect(expected.map((e) => e.incident)).toEqual([
      'botnet-24', 'ip-burst', 'scanner', 'credential-stuffing', 'target-5xx', 'lingering-endpoint', 'regional-creep',
      'enumeration', 'low-and-slow', 'redirect-loop', 'client-mix', 'legit-surge', 'injection-scanner', 'lone-flood', 'exploit-campaign', 'worm-background',
    ]);
  });

  it.each(expected.map((e) => [e.incident, e] as const))('finds %s with the right detector, subject and window', (_id, e) => {
    const hits = report.findings.filter((f) => f.detector === e.detector && f.subject.type === e.subjectType && (e.subject === null || f.subject.value === e.subject));
    expect(hits.length).toBeGreaterThan(0);
    const overlapping = hits.filter((f) => findsIncident(f, e));
    expect(overlapping.length).toBeGreaterThan(0);
  });

  it('reports the botnet as its /24, not as 60 addresses', () => {
    const botnetIps = report.findings.filter((f) => f.detector === 'burst' && f.subject.type === 'ip' && f.subject.value.startsWith('45.155.205.'));
    expect(botnetIps).toEqual([]);
    const net = report.findings.find((f) => f.subject.value === '45.155.205.0/24');
    expect(net?.severity).toMatch(/critical|high/);
    expect(net?.title).toMatch(/60 addresses/);
    expect(net?.actions.map((a) => a.type)).toEqual(expect.arrayContaining(['rate-limit', 'block']));
    expect(net?.evidence.length).toBeGreaterThan(0);
  });

  it('calls the campaign a likely legitimate surge (info), not an attack', () => {
    const surge = report.findings.find((f) => f.detector === 'surge' && /likely legitimate/.test(f.title));
    expect(surge?.severity).toBe('info');
  });

  it('sorts findings by severity, then time, and exits 1 with --fail-on high', () => {
    const order = ['critical', 'high', 'medium', 'low', 'info'];
    const ranks = report.findings.map((f) => order.indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(incidentRun.code).toBe(1);
  });

  it('writes rate-limit and block rules for nginx, HAProxy and AWS WAF, each limit scoped to what it was proposed for', () => {
    const rules = (target: 'nginx' | 'haproxy' | 'aws-waf'): { stdout: string } => ({ stdout: renderRules((json(incidentRun) as Report).findings, target) });
    const nginx = rules('nginx');
    // The credential-stuffing login limit applies to the login endpoint only; no limit applies to every request. The
    // campaign's 1,000 addresses made 1–2 attempts each, so the limit counts all clients together ($server_name).
    expect(nginx.stdout).toMatch(/"~\^POST:\/api\/v1\/login\$" \$server_name;\n {4}default "";\n\}\nlimit_req_zone \$lbua_key_\d+ zone=lbua_\d+:10m rate=\d+r\/m;/);
    expect(nginx.stdout).toMatch(/geo \$lbua_in_\d+ \{\n {4}default 0;\n {4}45\.155\.205\.0\/24 1;\n\}/);
    expect(nginx.stdout).not.toMatch(/limit_req_zone \$binary_remote_addr/);
    expect(nginx.stdout).toContain('deny 45.155.205.0/24;');
    // The botnet's addresses are inside the denied /24: no line each.
    expect(nginx.stdout).not.toMatch(/deny 45\.155\.205\.\d+;/);
    const haproxy = rules('haproxy');
    expect(haproxy.stdout).toMatch(/http-request deny deny_status 429 if lbua_\d+ \{ sc_http_req_rate\(0\) gt \d+ \}/);
    expect(haproxy.stdout).not.toMatch(/deny_status 429 if \{/);
    const waf = JSON.parse(rules('aws-waf').stdout) as {
      Rules: { Statement: { RateBasedStatement?: { AggregateKeyType: string; ScopeDownStatement?: unknown } } }[];
      IPSets: { Name: string; Addresses: string[] }[];
    };
    const rate = waf.Rules.map((r) => r.Statement.RateBasedStatement).filter((r) => r !== undefined);
    expect(rate.some((r) => r.AggregateKeyType === 'IP')).toBe(true);
    expect(rate.every((r) => r.ScopeDownStatement !== undefined)).toBe(true);
    const block = waf.IPSets.find((s) => s.Name.startsWith('lbua-block'))?.Addresses ?? [];
    expect(block).toContain('45.155.205.0/24');
    expect(block.filter((a) => a.startsWith('45.155.205.'))).toEqual(['45.155.205.0/24']);
  });

  it('prints each finding with its actions in the terminal view', () => {
    const text = renderTable(json(incidentRun) as Report, { color: false, columns: 120, evidence: false });
    const all = text.split('\n');
    // The findings follow the one-line-per-incident list.
    const lines = all.slice(all.findIndex((l) => l.startsWith('Findings (')));
    const at = lines.findIndex((l) => l.includes('45.155.205.0/24:') && l.includes('[burst]'));
    expect(at).toBeGreaterThan(0);
    // Sentences with the evidence and window (the action's `summary`).
    expect(lines[at + 1]).toMatch(/^ +→ limit each address in 45\.155\.205\.0\/24 to \d+ requests a minute: [\d,]+ requests a minute at peak against a baseline of [\d.,]+, [\d,]+ in all, between \d\d:\d\d and \d\d:\d\d UTC on 2026-03-10$/);
    // The addresses inside the blocked /24 are not listed again.
    expect(lines[at + 2]).toMatch(/^ +→ block 45\.155\.205\.0\/24: /);
    expect(text).toMatch(/→ investigate GET \/api\/v1\/recommendations between \d\d:\d\d and \d\d:\d\d UTC on 2026-03-10: /);
    expect(text).toContain('Rules for these actions: add --emit-rules nginx|haproxy|aws-waf');
    expect(lines.filter((l) => /^ +→ /.test(l)).length).toBe(report.findings.reduce((n, f) => n + f.actions.length, 0));
  });

  it('groups the findings into incidents: each finding in one, each injected incident headlined once', () => {
    const r = json(incidentRun) as Report;
    const incidents = r.incidents ?? [];
    const ids = incidents.flatMap((i) => i.findings);
    expect([...ids].sort()).toEqual(r.findings.map((f) => f.id).sort());
    expect(incidents.length).toBeLessThanOrEqual(r.findings.length);
    const headlines = new Set(incidents.map((i) => i.findings[0]));
    const byId = new Map(r.findings.map((f) => [f.id, f]));
    // Each injected attack and fault is the headline of its incident (the legitimate surge and the client-mix shift
    // it brings are parts of the incident of what caused them, or their own).
    for (const e of expected.filter((x) => !['legit-surge', 'client-mix'].includes(x.incident))) {
      const heads = [...headlines].map((id) => byId.get(id ?? '')).filter((f) => f !== undefined && findsIncident(f, e));
      expect([e.incident, heads.length]).toEqual([e.incident, 1]);
    }
  });

  it('calls the lone PROPFIND flood a burst, not a looping session, and no worm host high for the 503s of the target outage', () => {
    const r = json(incidentRun) as Report;
    expect(r.findings.filter((f) => f.detector === 'looping-session' && f.metrics['client_ip'] === '82.82.97.119')).toEqual([]);
    expect(r.findings.filter((f) => f.detector === 'burst' && f.subject.value === '82.82.97.119').map((f) => f.severity)).toEqual(['critical']);
    const highScanners = r.findings.filter((f) => f.detector === 'scanner' && (f.severity === 'high' || f.severity === 'critical')).map((f) => f.subject.value);
    expect(highScanners).toEqual(['103.145.13.88']);
  });

  it('blocks the botnet\'s /24 at the default guard (5%): its 6% of the requests are the burst\'s own, and a guard share below that holds nothing more', () => {
    const report = json(incidentRun) as Report;
    const net = report.findings.find((f) => f.subject.value === '45.155.205.0/24');
    expect(net?.actions.map((a) => a['type'])).toEqual(expect.arrayContaining(['rate-limit', 'block']));
    expect(net?.actions.map((a) => a['type'])).not.toContain('no-block');
    const nginx = lbua(['analyze', incidentsLog, '--emit-rules', 'nginx', '--guard-share', '1']).stdout;
    expect(nginx).toContain('deny 45.155.205.0/24;');
  });
});

describe('the same traffic without incidents', () => {
  it('yields no high or critical finding (office NAT, crawlers, monitor and app included) and exits 0 with --fail-on high', () => {
    const report = json(cleanRun) as { findings: Finding[] };
    expect(report.findings.filter((f) => f.severity === 'high' || f.severity === 'critical')).toEqual([]);
    expect(cleanRun.code).toBe(0);
  });
});

describe('detector options', () => {
  // Every incident in 3 hours (the log test/input/parallel.test.ts splits over workers): the options act the same on any size.
  const small = generatedLog(['-n', '30000', '--hours', '3', '--seed', '4', '--incident', 'all'], '.log.gz');
  const prober = (f: Finding): boolean => f.detector === 'scanner' && f.subject.value === '193.32.162.77';
  const onlyRun = lbua(['analyze', small.path, '--output', 'json', '--detectors', 'scanner,burst']);

  // Whole analyses spawned (a 30,000-line analysis takes ~1.7x as long in a jest worker as in its own process);
  // the refused options in-process (test/helpers/in-process.ts).
  it('turns detectors off, chooses them, overrides options and rejects unknown ones', async () => {
    expect(small.code).toBe(0);
    const only = json(onlyRun) as { findings: Finding[] };
    // Both fire on this log (so turning them off or raising their thresholds takes findings away), and nothing else runs.
    expect(new Set(only.findings.map((f) => f.detector))).toEqual(new Set(['scanner', 'burst']));
    const off = json(lbua(['analyze', small.path, '--output', 'json', '--no-detector', 'scanner', '--no-detector', 'burst'])) as { findings: Finding[] };
    expect(off.findings.length).toBeGreaterThan(0);
    expect(off.findings.some((f) => f.detector === 'scanner' || f.detector === 'burst')).toBe(false);
    const strict = json(lbua(['analyze', small.path, '--output', 'json', '--detectors', 'scanner,burst', '--detector-opt', 'burst.minRate=1000000', '--detector-opt', 'burst.floodRate=1000000', '--detector-opt', 'scanner.minSensitive=1000', '--detector-opt', 'scanner.minErrors=100000'])) as { findings: Finding[] };
    // No address reaches a million requests a minute (relative or absolute rule): the overrides reached the burst detector.
    expect(strict.findings.filter((f) => f.detector === 'burst')).toEqual([]);
    // The scanner's thresholds are for sensitive files and errors; its attack-pattern requests make it a prober regardless.
    expect(only.findings.filter(prober).map((f) => f.title)).toEqual([expect.stringMatching(/ sensitive-file and [1-9]\d* attack-pattern requests/)]);
    expect(strict.findings.filter(prober).map((f) => f.title)).toEqual(only.findings.filter(prober).map((f) => f.title));
    expect((await lbuaIn(['analyze', small.path, '--detectors', 'nope'])).code).toBe(2);
    expect((await lbuaIn(['analyze', small.path, '--detector-opt', 'burst.nope=1'])).code).toBe(2);
    expect((await lbuaIn(['analyze', small.path, '--fail-on', 'severe'])).code).toBe(2);
  });

  // On this 3-hour log rather than the 8-hour one: the CLI path of --emit-rules is the same for any report.
  it('--emit-rules writes the rules of the report\'s findings', () => {
    const waf = lbua(['analyze', small.path, '--detectors', 'scanner,burst', '--emit-rules', 'aws-waf']);
    expect(waf.code).toBe(0);
    const expected = renderRules((json(onlyRun) as Report).findings, 'aws-waf');
    expect((JSON.parse(expected) as { IPSets: { Addresses: string[] }[] }).IPSets.flatMap((x) => x.Addresses).length).toBeGreaterThan(0);
    expect(waf.stdout).toBe(expected);
  });

  it('lists the detectors with their options', async () => {
    const r = await lbuaIn(['detectors']);
    for (const id of ['burst', 'api-abuse', 'credential-stuffing', 'scanner', 'campaign', 'error-spike', 'lingering-endpoint', 'regional-creep', 'looping-session', 'client-mix', 'surge']) expect(r.stdout).toContain(`${id} —`);
    expect(r.stdout).toContain('burst.minRate = ');
  });
});
