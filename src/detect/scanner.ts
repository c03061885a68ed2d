/**
 * Scanners and probing: clients requesting sensitive files (.env, .git/, wp-login.php, phpMyAdmin, backups,
 * actuator, ...), path traversal or injection patterns, or collecting many 404/403s over many distinct paths.
 * Memory: per client (bounded to 100,000, idle ones dropped first) counters and up to 200 distinct paths.
 */
import type { SourceRef } from '../core/types';
import type { EnrichedRecord } from '../enrich/types';
import { defineDetector, type Finding, type Severity } from './types';
import { capMap, fmt, pushEvidence, r2, sortEvidence } from './shared';
import { hash32 } from '../core/hll';
import { detach } from '../core/text';

/** Paths nobody legitimate asks a typical web application for. */
export const SENSITIVE = /(?:^|\/)(?:\.env(?:\.\w+)?|\.git(?:\/|$)|\.svn\/|\.hg\/|\.DS_Store|\.aws\/|\.ssh\/|\.htaccess|\.htpasswd|wp-login\.php|wp-admin|xmlrpc\.php|wp-config\.php|phpmyadmin|pma\/|adminer\.php|phpinfo\.php|server-status|actuator(?:\/|$)|jolokia|\.well-known\/security\.txt.bak|config\.(?:yml|yaml|php)(?:\.\w+)?$|web\.config|backups?(?:\/|\.(?:zip|tar|gz|sql|tgz)|$)|\.(?:bak|old|sql|sql\.gz|tar\.gz|zip|tgz|swp)$|id_rsa|\.?credentials(?:\.\w+)?$|vendor\/phpunit|cgi-bin\/|shell\.php|eval-stdin\.php|boaform|HNAP1|owa\/auth|remote\/login|\.vscode\/|composer\.(?:json|lock)$|docker-compose\.ya?ml$)/i;
/** Traversal and injection in path or query (raw or percent-encoded). */
export const ATTACK = /(?:\.\.\/|\.\.%2f|%2e%2e|\/etc\/passwd|\bunion(?:\s|%20|\+)+select\b|'(?:\s|%20)*or(?:\s|%20)+'?1|<script|%3cscript|\$\{jndi:|\$%7bjndi|\bsleep\(\d|;(?:\s|%20)*(?:cat|wget|curl)(?:\s|%20)|\bcmd=|\bexec\(|base64_decode|\/bin\/sh|%00)/i;

interface Client {
  requests: number;
  notFound: number;
  sensitive: number;
  attacks: number;
  /** Distinct paths as 32-bit hashes (no strings kept). */
  paths: Set<number>;
  pathsOverflow: boolean;
  first: number;
  last: number;
  agent: string | null;
  evidence: SourceRef[];
  samples: string[];
}

export default defineDetector({
  id: 'scanner',
  title: 'Scanners and probing',
  description: 'Flags clients that request sensitive files, send traversal or injection patterns, or collect many 404/403 answers over many distinct paths.',
  defaultOptions: { minSensitive: 3, minErrors: 20, errorRatio: 0.5, minDistinctPaths: 15 },
  optionDocs: {
    minSensitive: 'sensitive-file requests that make a scanner',
    minErrors: '404/403 answers needed for the error-ratio rule',
    errorRatio: 'share of 404/403 among the client requests for the error-ratio rule',
    minDistinctPaths: 'distinct paths needed for the error-ratio rule',
  },
  create(o, ctx) {
    const clients = new Map<string, Client>();
    /**
     * Per path: its pattern verdict (bits 0–1) and its 32-bit hash (above them), so the regexes and the hash run
     * once per distinct path, not per request.
     */
    const verdicts = new Map<string, number>();
    const verdict = (path: string): number => {
      let v = verdicts.get(path);
      if (v === undefined) {
        v = ((SENSITIVE.test(path) ? 1 : 0) | (ATTACK.test(path) ? 2 : 0)) + 4 * hash32(path);
        if (verdicts.size >= 20_000) verdicts.clear();
        verdicts.set(path, v);
      }
      return v;
    };
    return {
      observe(r: EnrichedRecord) {
        if (r.clientIp === null) return;
        let c = clients.get(r.clientIp);
        if (c === undefined) {
          c = { requests: 0, notFound: 0, sensitive: 0, attacks: 0, paths: new Set(), pathsOverflow: false, first: r.startMs, last: r.startMs, agent: r.userAgent, evidence: [], samples: [] };
          clients.set(r.clientIp, c);
          capMap(clients, 100_000);
        }
        c.requests++;
        if (r.startMs < c.first) c.first = r.startMs;
        if (r.startMs > c.last) c.last = r.startMs;
        const path = r.path ?? '';
        const st = r.status;
        if (st === 404 || st === 403 || st === 401 || st === 400) c.notFound++;
        const v = verdict(path);
        if (c.paths.size < 200) c.paths.add(Math.floor(v / 4));
        else c.pathsOverflow = true;
        const sensitive = (v & 1) !== 0;
        const attack = (v & 2) !== 0 || (r.query !== null && ATTACK.test(r.query));
        if (sensitive) c.sensitive++;
        if (attack) c.attacks++;
        if (sensitive || attack || (st !== null && st >= 400)) {
          pushEvidence(c.evidence, r.source, ctx.evidenceLimit);
          if ((sensitive || attack) && c.samples.length < 5) c.samples.push(detach((r.query ? `${path}?${r.query}` : path).slice(0, 80)));
        }
      },
      finish() {
        const out: Finding[] = [];
        for (const [ip, c] of clients) {
          const ratio = c.requests ? c.notFound / c.requests : 0;
          const byErrors = c.notFound >= o.minErrors && ratio >= o.errorRatio && c.paths.size >= o.minDistinctPaths;
          if (c.sensitive < o.minSensitive && c.attacks === 0 && !byErrors) continue;
          if (c.attacks === 0 && c.sensitive < o.minSensitive && !byErrors) continue;
          const severity: Severity = c.attacks >= 3 || c.sensitive >= 10 ? 'high' : c.attacks > 0 || c.sensitive >= o.minSensitive ? 'medium' : 'low';
          out.push({
            detector: 'scanner',
            severity,
            confidence: r2(Math.min(0.99, 0.6 + c.sensitive / 40 + c.attacks / 20 + (byErrors ? 0.1 : 0))),
            title: `${ip}: probing — ${fmt(c.sensitive, 0)} sensitive-file and ${fmt(c.attacks, 0)} attack-pattern requests, ${fmt(ratio * 100, 0)}% 4xx over ${fmt(c.paths.size, 0)}${c.pathsOverflow ? '+' : ''} paths`,
            subject: { type: 'ip', value: ip },
            startMs: c.first,
            endMs: c.last + 1,
            metrics: { requests: c.requests, errors_4xx: c.notFound, error_ratio: r2(ratio), distinct_paths: c.paths.size, sensitive: c.sensitive, attacks: c.attacks, user_agent: c.agent, samples: c.samples.join(' | ') },
            explanation: 'Sensitive paths and attack patterns are matched against a maintained list; the error rule needs many distinct paths answered 4xx, which ordinary clients do not produce.',
            evidence: sortEvidence(c.evidence).slice(0, ctx.evidenceLimit),
            actions: [{ type: 'block', ips: [ip], cidrs: [], why: 'probing for sensitive files / injection' }],
          });
        }
        return out;
      },
    };
  },
});
