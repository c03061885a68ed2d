/**
 * Conformance over the shared corpus (../shared/corpus, read in place): every line of every access log either
 * parses or is reported malformed with a reason, per-file counts are pinned (so a regression shows), and where the
 * source project ships expected output, the fields we share agree after unit conversion.
 * The per-file table below is the one in docs/corpus.md.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { detectFormat } from '../../src/formats/detect';
import { getFormat } from '../../src/formats/registry';
import { recordToJson } from '../../src/core/record-json';
import { readTextLines } from '../helpers/parse-file';
import {
  CORPUS, corpusLogs, crowdsecExpectations, elasticExpectations, matomoExpectations, mismatches, vrlCases,
  vrlExpectations, type Expectation,
} from '../helpers/corpus';

/** [detected format, records, malformed, skipped] per file. */
const EXPECTED: Readonly<Record<string, readonly [string | null, number, number, number]>> = {
  'aws-alb/awsdocs__alb-access-log-examples.log': ['alb', 7, 0, 0],
  'aws-alb/crowdsec-hub__aws-alb-http-bad-user-agent.log': ['alb', 4, 0, 0],
  'aws-alb/crowdsec-hub__aws-alb-logs.log': ['alb', 14, 0, 0],
  'aws-alb/elastic-beats__application-lb-http.log': ['alb', 10, 0, 1],
  'aws-alb/elastic-beats__example-alb-http.log': ['alb', 9, 0, 1],
  // Mixed: 3 ALB, 4 NLB and 3 ALB connection-log lines; detection takes the format of most of them (see docs/corpus.md).
  'aws-alb/elastic-integrations__test-alb.log': ['nlb', 4, 6, 0],
  'aws-alb/lnav__format-samples_alb_log.log': ['alb', 5, 0, 0],
  'aws-alb/matomo__alb.log': ['alb', 1, 0, 0],
  'aws-alb/vrl__parse_aws_alb_log.test-inputs.log': ['alb', 13, 0, 0],
  'aws-elb-classic/awsdocs__classic-elb-access-log-examples.log': ['elb', 4, 0, 0],
  'aws-elb-classic/elastic-beats__elb-http.log': ['elb', 5, 0, 1],
  'aws-elb-classic/elastic-beats__elb-tcp.log': ['elb', 6, 0, 0],
  'aws-elb-classic/elastic-beats__example-http.log': ['elb', 3, 0, 1],
  'aws-elb-classic/elastic-beats__example-https.log': ['elb', 1, 0, 1],
  'aws-elb-classic/elastic-beats__example-ssl.log': ['elb', 1, 0, 1],
  'aws-elb-classic/elastic-beats__example-tcp.log': ['elb', 2, 0, 1],
  'aws-elb-classic/lnav__format-samples_elb_log.log': ['elb', 5, 0, 0],
  'aws-elb-classic/matomo__elb.log': ['elb', 2, 0, 1],
  'aws-nlb/awsdocs__nlb-access-log-examples.log': ['nlb', 2, 0, 0],
  'aws-nlb/elastic-beats__example-nlb-tcp.log': ['nlb', 1, 0, 1],
  'aws-nlb/elastic-integrations__test-alb.nlb-lines.log': ['nlb', 4, 0, 0],
  'aws-cloudfront/awsdocs__cloudfront-standard-log-example.log': ['cloudfront', 6, 0, 2],
  'aws-cloudfront/crowdsec-hub__aws-cloudfront-logs.log': ['cloudfront', 2, 0, 0],
  'aws-cloudfront/elastic-integrations__aws__test-cloudfront.log': ['cloudfront', 12, 0, 2],
  'aws-cloudfront/matomo__amazon_cloudfront_web.log': ['cloudfront', 1, 0, 2],
  'traefik/crowdsec-hub__traefik_clf.log': ['traefik', 7, 0, 2],
  'traefik/elastic-integrations__traefik__test-format-common.log': ['traefik', 8, 0, 0],
  'envoy/elastic-integrations__envoyproxy__test-log.log': ['envoy', 7, 0, 0],
  // A vhost-prefixed combined line with no nginx timing fields: auto-detection labels it clf (see src/formats/clf.ts).
  'nginx/awstats__testnginx.log': ['clf', 1, 0, 1],
  'nginx/crowdsec-hub__nginx-http-malformed.log': ['clf', 12, 0, 0],
  'nginx/crowdsec-hub__nginx-proxy-manager-logs.log': ['clf', 1, 13, 0],
  'nginx/crowdsec-hub__nginx_http-logs.log': ['clf', 8, 1, 0],
  'nginx/elastic-integrations__nginx__test-access.log': ['clf', 14, 0, 0],
  'nginx/elastic-integrations__nginx__test-test-with-host.log': ['clf', 10, 0, 0],
  'nginx/elastic-integrations__nginx_ingress_controller__test-ingest-raw-ipv6.log': ['nginx', 1, 0, 0],
  'nginx/elastic-integrations__nginx_ingress_controller__test-ingest-raw.log': ['nginx', 24, 0, 0],
  'nginx/matomo__nginx_json.log': ['nginx-json', 2, 0, 0],
  'nginx/vrl__parse_nginx_log.test-inputs.log': ['nginx', 14, 10, 0],
  'apache/awstats__testglobal.log': ['clf', 56, 0, 45],
  'apache/awstats__testsmall.log': ['clf', 3, 0, 0],
  'apache/crowdsec-hub__apache2-logs.log': ['clf', 7, 2, 0],
  'apache/crowdsec-hub__apache2-malformed.log': ['clf', 11, 0, 0],
  'apache/elastic-integrations__apache__test-access-basic.log': ['clf', 17, 0, 0],
  'apache/lnav__format-samples_access_log.log': ['clf', 6, 3, 0],
  'apache/lnav__logfile_access_log.0.log': ['clf', 3, 0, 0],
  'apache/lnav__logfile_bad_access_log.0.log': ['clf', 2, 1, 0],
  'apache/matomo__common.log': ['clf', 1, 0, 0],
  'apache/matomo__common_complete.log': ['clf', 1, 0, 0],
  'apache/matomo__common_vhost.log': ['clf', 1, 0, 0],
  'apache/matomo__ncsa_extended.log': ['clf', 1, 0, 0],
  'apache/vrl__parse_apache_log.test-inputs.log': ['clf', 3, 10, 0],
  'apache/vrl__parse_common_log.test-inputs.log': ['clf', 1, 5, 0],
  'haproxy/crowdsec-hub__haproxy-logs.log': ['haproxy', 2, 3, 0],
  'haproxy/elastic-integrations__haproxy__test-default.log': ['haproxy', 0, 1, 0],
  'haproxy/elastic-integrations__haproxy__test-error.log': ['haproxy', 0, 1, 0],
  'haproxy/elastic-integrations__haproxy__test-haproxy-bad-req.log': ['haproxy', 1, 0, 0],
  'haproxy/elastic-integrations__haproxy__test-haproxy.log': ['haproxy', 4, 0, 0],
  'haproxy/elastic-integrations__haproxy__test-httplog-no-headers.log': ['haproxy', 3, 0, 0],
  'haproxy/elastic-integrations__haproxy__test-https.log': ['haproxy', 1, 0, 0],
  'haproxy/elastic-integrations__haproxy__test-tcplog.log': ['haproxy', 5, 0, 0],
  'haproxy/lnav__format-samples_haproxy_log.log': ['haproxy', 2, 1, 3],
  'haproxy/lnav__logfile_haproxy.0.log': ['haproxy', 13, 1, 3],
  'haproxy/matomo__haproxy.log': ['haproxy', 1, 0, 0],
  'caddy/crowdsec-hub__caddy-logs.log': ['caddy', 10, 1, 1],
  'caddy/lnav__logfile_caddy_log.0.log': ['caddy', 4, 35, 0],
  'caddy/lnav__logfile_caddy_log.1.log': ['caddy', 4, 0, 0],
  'caddy/matomo__caddy_json.log': ['caddy', 3, 0, 0],
  'gcp-lb/elastic-integrations__gcp__test-load-balancer.log': ['gcp', 3, 0, 0],
  'azure-appgw/elastic-integrations__azure__test-application-gateway-raw.log': ['azure-appgw', 2, 4, 0],
  'azure-appgw/elastic-integrations__azure__test-time-formats-corner-cases.log': ['azure-appgw', 0, 11, 0],
  'cloudflare/elastic-integrations__cloudflare_logpush__test-pipeline-http-request.log': ['cloudflare', 5, 0, 0],
  'cloudflare/lnav__logfile_cloudflare.1.log': ['cloudflare', 15, 0, 0],
  'cloudflare/lnav__logfile_cloudflare.json.log': ['cloudflare', 1, 0, 0],
  // The JSON lines of the envoy folder; Envoy's default text format is not read yet (no format detected in a file
  // of text lines, and rejected as not JSON next to JSON lines).
  'envoy/crowdsec-hub__envoy-http-crawl-non_statics.log': ['envoy-json', 41, 0, 0],
  'envoy/crowdsec-hub__envoy.log': ['envoy-json', 6, 4, 0],
  // The JSON files of the traefik folder; Traefik's CLF layout with its extra fields is read as plain clf for now.
  'traefik/crowdsec-hub__traefik_base-http-scenario.log': ['traefik-json', 80, 0, 0],
  'traefik/crowdsec-hub__traefik_json.log': ['traefik-json', 6, 1, 0],
  'traefik/elastic-integrations__traefik__test-format-json.log': ['traefik-json', 7, 0, 0],
  'traefik/matomo__traefik_json.log': ['traefik-json', 1, 0, 0],
  'large/elastic-examples__apache_logs.log': ['clf', 10000, 0, 0],
  'large/lnav__logfile_shop_access_log.0.log': ['clf', 1000, 0, 0],
  'large/lnav__playground_access_log.gz': ['clf', 2492, 0, 0],
};

/** Fields where an expected output and lbua disagree on purpose, with the reason; everything else must agree. */
const KNOWN_DISAGREEMENTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'nginx/vrl__parse_nginx_log.test-inputs.log': {
    time: 'VRL reports $time_local (when nginx wrote the line); lbua reports the request start = time_local − $request_time',
  },
  'aws-nlb/elastic-beats__example-nlb-tcp.log': {
    client_ip: 'the Beats expected file is from an older commit of the log, whose client was 72.21.218.154 (now 89.160.20.112)',
  },
  'envoy/crowdsec-hub__envoy.log': {
    client_ip: 'the default format logs no peer address: CrowdSec takes the first X-Forwarded-For address (the one a client can forge), lbua the last (the hop nearest Envoy)',
  },
  'haproxy/crowdsec-hub__haproxy-logs.log': { lb: 'lbua strips the `~` TLS marker from the frontend name (scheme says https)' },
  'haproxy/elastic-integrations__haproxy__test-haproxy.log': { lb: 'lbua strips the `~` TLS marker from the frontend name (scheme says https)' },
  'caddy/matomo__caddy_json.log': {
    backend_ms: "Matomo's generation time for Caddy is `duration`, Caddy's total time: lbua reports it as duration_ms (Caddy logs no upstream time)",
  },
  'traefik/crowdsec-hub__traefik_json.log': {
    duration_ms: "CrowdSec copies Traefik JSON's Duration (nanoseconds) unconverted into request_duration_in_ms; lbua reports it in ms",
  },
  'traefik/matomo__traefik_json.log': {
    backend_ms: 'Matomo copies Traefik\'s Duration unconverted (nanoseconds) as its generation time; lbua reports Duration as duration_ms and OriginDuration as backend_ms, both in ms',
  },
};

/** Files whose source project ships expected output (so the comparison must not be empty). */
const HAS_EXPECTED = new Set([
  'aws-alb/crowdsec-hub__aws-alb-logs.log', 'aws-alb/elastic-beats__example-alb-http.log', 'aws-alb/elastic-integrations__test-alb.log',
  'aws-alb/matomo__alb.log', 'aws-alb/vrl__parse_aws_alb_log.test-inputs.log', 'aws-elb-classic/elastic-beats__example-http.log',
  'aws-elb-classic/elastic-beats__example-tcp.log', 'aws-elb-classic/matomo__elb.log', 'nginx/crowdsec-hub__nginx_http-logs.log',
  'nginx/elastic-integrations__nginx_ingress_controller__test-ingest-raw-ipv6.log', 'nginx/vrl__parse_nginx_log.test-inputs.log',
  'apache/crowdsec-hub__apache2-logs.log', 'apache/matomo__common.log', 'apache/matomo__common_complete.log',
  'apache/matomo__common_vhost.log', 'apache/matomo__ncsa_extended.log', 'apache/vrl__parse_apache_log.test-inputs.log',
  'apache/vrl__parse_common_log.test-inputs.log', 'haproxy/crowdsec-hub__haproxy-logs.log',
  'haproxy/elastic-integrations__haproxy__test-haproxy.log', 'haproxy/matomo__haproxy.log', 'nginx/matomo__nginx_json.log',
  'caddy/crowdsec-hub__caddy-logs.log', 'caddy/matomo__caddy_json.log', 'gcp-lb/elastic-integrations__gcp__test-load-balancer.log',
  'azure-appgw/elastic-integrations__azure__test-application-gateway-raw.log',
  'traefik/crowdsec-hub__traefik_json.log', 'traefik/matomo__traefik_json.log',
  'aws-nlb/elastic-beats__example-nlb-tcp.log', 'aws-nlb/elastic-integrations__test-alb.nlb-lines.log',
  'aws-cloudfront/crowdsec-hub__aws-cloudfront-logs.log', 'aws-cloudfront/matomo__amazon_cloudfront_web.log',
  'traefik/crowdsec-hub__traefik_clf.log', 'envoy/crowdsec-hub__envoy.log',
]);

const FOLDERS = [
  'aws-alb', 'aws-elb-classic', 'aws-nlb', 'aws-cloudfront', 'nginx', 'apache', 'haproxy', 'caddy', 'gcp-lb', 'azure-appgw', 'cloudflare', 'envoy',
  'traefik', 'large',
] as const;

/** Logs whose expected output ships under another name (a file derived from a bigger one). */
const EXPECTED_ELSEWHERE: Readonly<Record<string, string>> = {
  'aws-nlb/elastic-integrations__test-alb.nlb-lines.log': 'aws-alb/elastic-integrations__test-alb.log-expected.json',
};

/** The record field Matomo's generation time is, by folder (default backend_ms). */
const MATOMO_GENERATION_TIME: Readonly<Record<string, string>> = { 'aws-cloudfront': 'duration_ms' };

interface FileResult {
  format: string | null;
  records: Map<number, Record<string, unknown>>;
  malformed: { line: number; message: string }[];
  skipped: number;
  lines: string[];
}

function parseCorpusFile(path: string): FileResult {
  const lines = readTextLines(path);
  const det = detectFormat(lines.filter((l) => l.trim() !== '').slice(0, 50));
  const result: FileResult = { format: det.format?.id ?? null, records: new Map(), malformed: [], skipped: 0, lines };
  const chosen = det.format ? getFormat(det.format.id) : undefined;
  // As a run does: a format whose files declare their layout (CloudFront #Fields) reads the file by it.
  const format = chosen?.forInput ? chosen.forInput(lines.slice(0, 50)) : chosen;
  lines.forEach((text, i) => {
    if (!format) {
      if (text.trim() === '') result.skipped++;
      else result.malformed.push({ line: i + 1, message: 'no format detected' });
      return;
    }
    const r = format.parse(text, { source: { file: path, line: i + 1 }, strict: false });
    if (r.kind === 'record') result.records.set(i + 1, recordToJson(r.record));
    else if (r.kind === 'skip') result.skipped++;
    else result.malformed.push({ line: i + 1, message: r.diagnostic.message });
  });
  return result;
}

function expectationsFor(folder: string, file: string, res: FileResult): Expectation[] {
  if (CORPUS === null) return [];
  const base = join(CORPUS, folder, file);
  const out: Expectation[] = [];
  if (existsSync(`${base}-expected.json`)) out.push(...elasticExpectations(`${base}-expected.json`, res.lines));
  // An excerpt of a large Elastic expected file (the Azure one keeps the access-log events).
  if (existsSync(`${base}-expected.EXCERPT-access-events.json`)) out.push(...elasticExpectations(`${base}-expected.EXCERPT-access-events.json`, res.lines));
  if (existsSync(`${base}.expected.json`)) out.push(...matomoExpectations(`${base}.expected.json`, MATOMO_GENERATION_TIME[folder]));
  const elsewhere = EXPECTED_ELSEWHERE[`${folder}/${file}`];
  if (elsewhere !== undefined) out.push(...elasticExpectations(join(CORPUS, elsewhere), res.lines));
  const assertFile = base.replace(/\.log$/, '.parser.assert');
  if (file.startsWith('crowdsec-hub__') && existsSync(assertFile)) out.push(...crowdsecExpectations(assertFile).expectations);
  const cases = base.replace(/\.test-inputs\.log$/, '.test-cases.json');
  if (file.endsWith('.test-inputs.log') && existsSync(cases)) {
    for (const c of vrlCases(cases)) {
      const line = res.lines.indexOf(c.value) + 1;
      if (line > 0 && c.ok) out.push(...vrlExpectations(c.ok, line));
    }
  }
  return out;
}

const run = CORPUS === null ? describe.skip : describe;
if (CORPUS === null) console.log('corpus conformance skipped: ../shared/corpus is not beside the project');

run('corpus conformance', () => {
  const files = FOLDERS.flatMap((folder) => corpusLogs(folder).map((file) => [folder, file] as const));

  it('covers every access log in the corpus folders (and nothing unknown)', () => {
    expect(files.map(([f, n]) => `${f}/${n}`).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  // Without the corpus there are no files: jest refuses `.each` on an empty table even inside describe.skip, and
  // the block's body (which reads the file) must not run, so no block is declared at all.
  const eachFile = files.length > 0 ? describe.each(files) : (_title: string, _body: (folder: string, file: string) => void): void => undefined;
  eachFile('%s/%s', (folder, file) => {
    const res = parseCorpusFile(join(CORPUS ?? '', folder, file));
    const key = `${folder}/${file}`;

    it('accounts for every line: record, skipped, or malformed with a reason', () => {
      expect(res.records.size + res.malformed.length + res.skipped).toBe(res.lines.length);
      for (const m of res.malformed) expect(m.message.length).toBeGreaterThan(5);
      expect([res.format, res.records.size, res.malformed.length, res.skipped]).toEqual(EXPECTED[key]);
    });

    it('agrees with the expected output shipped with the corpus', () => {
      if (KNOWN_DISAGREEMENTS[key]) {
        // The known disagreements must still be real (remove them when they stop happening).
        const all = mismatches(expectationsFor(folder, file, res).filter((e) => e.field in (KNOWN_DISAGREEMENTS[key] ?? {})), res.records);
        expect(all.length).toBeGreaterThan(0);
      }
      // Lines we reject are pinned by the count test above and listed with reasons in docs/corpus.md (other
      // formats mixed into the file: ALB connection logs, nginx-proxy-manager, JSON); compare the lines we parse.
      const rejected = new Set(res.malformed.map((m) => m.line));
      const exp = expectationsFor(folder, file, res).filter((e) => !rejected.has(e.line));
      if (HAS_EXPECTED.has(key)) expect(exp.length).toBeGreaterThan(3);
      const known = KNOWN_DISAGREEMENTS[key] ?? {};
      const diff = mismatches(exp.filter((e) => !(e.field in known)), res.records);
      expect(diff).toEqual([]);
    });
  });
});
