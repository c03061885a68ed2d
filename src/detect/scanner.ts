/**
 * Scanners and probing: clients requesting sensitive files (.env, .git/, backups, credentials, actuator/env, ...),
 * admin and CMS pages the site does not have (wp-login.php, phpMyAdmin, /administrator/ answered 4xx), path
 * traversal or injection patterns, or collecting many 404/403s over many distinct paths. Beyond single clients:
 * - exposure: a file that must never be public (SECRET) answered 2xx with a body, unless the answer is the site's
 *   catch-all page (the size of its home page, or one size for most probed paths);
 * - the internet's background of probes: many addresses, each too brief to call a scanner, as one low finding.
 * Memory: per client (at most Limits.scannerClients; the least active evicted first, a probing request weighing a
 * hundred ordinary ones; evicted probers still count in the background finding) counters and up to 200 distinct
 * paths; up to 1,000 exposed paths and 100 home-page sizes (the path patterns run once per distinct path, in the
 * enricher: enrich/path-class.ts).
 * Time: the patterns run on the whole path and query (no cut an attacker could hide behind) and are linear in them:
 * no quantified run is retried from each position (`wp-config.php` followed by anything is a fixed-length test, not
 * `.+$`, which rescanned the rest of the path after every occurrence).
 */
import { appendAll } from '../core/arrays';
import type { SourceRef } from '../core/types';
import type { EnrichedRecord } from '../enrich/types';
import { defineDetector, type Finding, type Severity } from './types';
import { fmt, pushEvidence, r2, sortEvidence } from './shared';
import { CappedMap, capMessage, count } from '../core/capped';
import { ATTACK, FLAGS, IS_ATTACK, IS_PROBE, IS_SECRET } from '../enrich/path-class';
import { isoTime } from '../core/units';
import { detach } from '../core/text';

export { SECRET, PROBE, ATTACK } from '../enrich/path-class';

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

/** A SECRET path answered 2xx with a body. */
interface Exposure {
  requests: number;
  status: number;
  clients: Set<string>;
  /** Response sizes (bytes) with their counts (at most 20 sizes). */
  sizes: Map<number, number>;
  first: number;
  last: number;
  evidence: SourceRef[];
}

/** Sensitive requests from one address that make it a busy scanner (high) rather than part of the background. */
const BUSY_SCANNER = 10;
/** How much a sensitive or attack request weighs against an ordinary one when the client cap evicts the lightest. */
const PROBE_WEIGHT = 100;

/** Probing clients evicted by the cap, counted together for the background finding. */
interface Evicted {
  addresses: number;
  requests: number;
  first: number;
  last: number;
}

/** The most frequent key of a count map (ties: the smaller key). */
function mode(m: ReadonlyMap<number, number>): [number, number] | null {
  let best: [number, number] | null = null;
  for (const [k, n] of m) if (best === null || n > best[1] || (n === best[1] && k < best[0])) best = [k, n];
  return best;
}

export default defineDetector({
  id: 'scanner',
  title: 'Scanners and probing',
  description: 'Flags clients that request sensitive files or admin pages the site does not have, send traversal or injection patterns, or collect many 404/403 answers over many distinct paths; sensitive files answered with a body (possible exposure); and probes spread over many addresses.',
  defaultOptions: { minSensitive: 3, minErrors: 20, errorRatio: 0.5, minDistinctPaths: 15, minProbeClients: 5 },
  optionDocs: {
    minSensitive: 'sensitive-file requests that make a scanner',
    minErrors: '404/403 answers needed for the error-ratio rule',
    errorRatio: 'share of 404/403 among the client requests for the error-ratio rule',
    minDistinctPaths: 'distinct paths needed for the error-ratio rule',
    minProbeClients: 'addresses, each below the scanner rules, whose probes are reported together as background probing',
  },
  create(o, ctx) {
    const evicted: Evicted = { addresses: 0, requests: 0, first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY };
    const clients = new CappedMap<Client>({
      cap: ctx.limits.scannerClients,
      weight: (c) => c.requests + PROBE_WEIGHT * (c.sensitive + c.attacks),
      onEvict: (_ip, c) => {
        if (c.sensitive === 0 && c.attacks === 0) return;
        evicted.addresses++;
        evicted.requests += c.sensitive;
        evicted.first = Math.min(evicted.first, c.first);
        evicted.last = Math.max(evicted.last, c.last);
      },
    });
    ctx.caps.watch(() => capMessage('scanner: per-client counters', `${count(ctx.limits.scannerClients)} clients`, clients.stats, 'requests (a probe weighing 100)',
      `a client is judged on all its requests only if it weighs more than ${count(clients.stats.maxError)}; ${count(evicted.addresses)} evicted clients had probed (${count(evicted.requests)} sensitive requests), counted in the background-probes finding`));
    const exposures = new Map<string, Exposure>();
    /** Sizes of 2xx answers to probed paths (SECRET or PROBE), and of the home page: what a catch-all answer looks like. */
    const probedSizes = new Map<number, number>();
    const probedPaths = new Set<number>();
    const homeSizes = new Map<number, number>();
    const countSize = (m: Map<number, number>, bytes: number): void => {
      const n = m.get(bytes);
      if (n !== undefined) m.set(bytes, n + 1);
      else if (m.size < 100) m.set(bytes, 1);
    };
    return {
      observe(r: EnrichedRecord) {
        if (r.clientIp === null) return;
        let c = clients.get(r.clientIp);
        if (c === undefined) {
          c = { requests: 0, notFound: 0, sensitive: 0, attacks: 0, paths: new Set(), pathsOverflow: false, first: r.startMs, last: r.startMs, agent: r.userAgent, evidence: [], samples: [] };
          clients.add(r.clientIp, c);
        }
        c.requests++;
        if (r.startMs < c.first) c.first = r.startMs;
        if (r.startMs > c.last) c.last = r.startMs;
        const path = r.path ?? '';
        const st = r.status;
        if (st === 404 || st === 403 || st === 401 || st === 400) c.notFound++;
        // The path's class (pattern bits and hash), computed once per distinct path by the enricher.
        const v = r.pathClass;
        if (c.paths.size < 200) c.paths.add(Math.floor(v / FLAGS));
        else c.pathsOverflow = true;
        const missing = st !== null && st >= 400 && st < 500;
        const sensitive = (v & IS_SECRET) !== 0 || ((v & IS_PROBE) !== 0 && missing);
        const attack = (v & IS_ATTACK) !== 0 || (r.query !== null && ATTACK.test(r.query));
        if (sensitive) c.sensitive++;
        if (attack) c.attacks++;
        if (sensitive || attack || (st !== null && st >= 400)) {
          pushEvidence(c.evidence, r.source, ctx.evidenceLimit);
          if ((sensitive || attack) && c.samples.length < 5) c.samples.push(detach((r.query ? `${path}?${r.query}` : path).slice(0, 80)));
        }
        if (st === null || st < 200 || st >= 300) return;
        const bytes = r.bytesOut ?? -1;
        if (path === '/') countSize(homeSizes, bytes);
        if ((v & (IS_SECRET | IS_PROBE)) === 0) return;
        countSize(probedSizes, bytes);
        if (probedPaths.size < 1000) probedPaths.add(Math.floor(v / FLAGS));
        // No body (0, or not logged: CLF writes '-' for nothing sent) hands nothing out.
        if ((v & IS_SECRET) === 0 || bytes <= 0) return;
        const key = `${r.method ?? '-'} ${path}`;
        let e = exposures.get(key);
        if (e === undefined) {
          if (exposures.size >= 1000) return;
          e = { requests: 0, status: st, clients: new Set(), sizes: new Map(), first: r.startMs, last: r.startMs, evidence: [] };
          exposures.set(detach(key), e);
        }
        e.requests++;
        if (e.clients.size < 1000) e.clients.add(r.clientIp);
        if (e.sizes.size < 20 || e.sizes.has(bytes)) e.sizes.set(bytes, (e.sizes.get(bytes) ?? 0) + 1);
        if (r.startMs < e.first) e.first = r.startMs;
        if (r.startMs > e.last) e.last = r.startMs;
        pushEvidence(e.evidence, r.source, ctx.evidenceLimit);
      },
      finish() {
        const out: Finding[] = [];
        const judged = [...clients].map(([ip, c]) => {
          const ratio = c.requests ? c.notFound / c.requests : 0;
          const byErrors = c.notFound >= o.minErrors && ratio >= o.errorRatio && c.paths.size >= o.minDistinctPaths;
          // A few sensitive paths and nothing else: the background every public site gets.
          const quiet = c.attacks === 0 && !byErrors && c.sensitive < BUSY_SCANNER;
          return { ip, c, ratio, byErrors, quiet };
        });
        const background = judged.filter((j) => j.quiet && j.c.sensitive > 0);
        const folded = background.length + evicted.addresses >= o.minProbeClients;
        for (const { ip, c, ratio, byErrors, quiet } of judged) {
          if (!(c.attacks > 0 || byErrors || c.sensitive >= o.minSensitive) || (folded && quiet)) continue;
          const severity: Severity = c.attacks >= 3 || c.sensitive >= BUSY_SCANNER ? 'high' : c.attacks > 0 || byErrors ? 'medium' : 'low';
          out.push({
            detector: 'scanner',
            severity,
            confidence: r2(Math.min(0.99, 0.6 + c.sensitive / 40 + c.attacks / 20 + (byErrors ? 0.1 : 0))),
            title: `${ip}: probing — ${fmt(c.sensitive, 0)} sensitive-file and ${fmt(c.attacks, 0)} attack-pattern requests, ${fmt(ratio * 100, 0)}% 4xx over ${fmt(c.paths.size, 0)}${c.pathsOverflow ? '+' : ''} paths`,
            subject: { type: 'ip', value: ip },
            startMs: c.first,
            endMs: c.last + 1,
            metrics: { requests: c.requests, errors_4xx: c.notFound, error_ratio: r2(ratio), distinct_paths: c.paths.size, sensitive: c.sensitive, attacks: c.attacks, user_agent: c.agent, samples: c.samples.join(' | ') },
            explanation: 'Sensitive paths and attack patterns are matched against a maintained list (admin and CMS pages only when answered 4xx, i.e. the site does not have them); the error rule needs many distinct paths answered 4xx, which ordinary clients do not produce.',
            evidence: sortEvidence(c.evidence).slice(0, ctx.evidenceLimit),
            actions: [{ type: 'block', ips: [ip], cidrs: [], why: 'probing for sensitive files / injection' }],
          });
        }
        appendAll(out, exposed(exposures, probedSizes, probedPaths.size, homeSizes, ctx.evidenceLimit));
        if (folded) out.push(backgroundProbes(background, evicted, ctx.evidenceLimit));
        return out;
      },
    };
  },
});

/**
 * One finding per SECRET path answered 2xx with a body. An answer the size of the home page, or of most 2xx answers
 * to three or more probed paths, is the site's catch-all page (a single-page app answers every path with its
 * shell): low, not an exposure.
 */
function exposed(exposures: ReadonlyMap<string, Exposure>, probedSizes: ReadonlyMap<number, number>, probedPaths: number, homeSizes: ReadonlyMap<number, number>, evidenceLimit: number): Finding[] {
  const probed = mode(probedSizes);
  let probedTotal = 0;
  for (const n of probedSizes.values()) probedTotal += n;
  const catchAllSize = probed !== null && probedPaths >= 3 && probed[1] >= 0.8 * probedTotal ? probed[0] : null;
  const near = (a: number, b: number): boolean => Math.abs(a - b) <= Math.max(16, b * 0.02);
  const out: Finding[] = [];
  for (const [endpoint, e] of exposures) {
    const [bytes = -1] = mode(e.sizes) ?? [];
    const home = [...homeSizes.entries()].some(([size, n]) => n >= 2 && size > 0 && near(bytes, size));
    const catchAll = home || (catchAllSize !== null && near(bytes, catchAllSize));
    const path = endpoint.slice(endpoint.indexOf(' ') + 1);
    const size = `${fmt(bytes, 0)} bytes`;
    const window = `${isoTime(e.first)}–${isoTime(e.last + 1)}`;
    out.push({
      detector: 'scanner',
      severity: catchAll ? 'low' : 'high',
      confidence: catchAll ? 0.5 : 0.8,
      title: catchAll
        ? `${endpoint} answered ${e.status} with the site's catch-all page (${size}, ${home ? 'as the home page' : 'as most probed paths'}) — likely not exposed`
        : `${endpoint} answered ${e.status} with ${size} to ${fmt(e.clients.size, 0)} client${e.clients.size === 1 ? '' : 's'} — a file that should never be public may be exposed`,
      subject: { type: 'endpoint', value: endpoint },
      startMs: e.first,
      endMs: e.last + 1,
      metrics: { requests: e.requests, clients: e.clients.size, status: e.status, bytes_out: bytes, catch_all: catchAll ? 1 : 0 },
      explanation: 'Repository, environment, credential, backup and runtime-internals files are matched against a list; a 2xx answer with a body may hand them out. An answer the size of the home page, or of most answers to three or more probed paths, is taken for a catch-all page.',
      evidence: sortEvidence(e.evidence).slice(0, evidenceLimit),
      actions: [{
        type: 'investigate', subject: endpoint, window,
        why: catchAll
          ? `fetch ${path} once to confirm it is the catch-all page`
          : `fetch ${path} yourself: if it is served, remove it from the document root or deny it at the load balancer, and rotate any secret it holds`,
      }],
    });
  }
  return out;
}

/**
 * The internet's background of probes: many addresses, each asking for a sensitive path or two (with the probing
 * clients the cap evicted: counted, without their paths).
 */
function backgroundProbes(clients: readonly { readonly ip: string; readonly c: Client }[], evicted: Evicted, evidenceLimit: number): Finding {
  const byPath = new Map<string, number>();
  let requests = evicted.requests;
  let first = evicted.first;
  let last = evicted.last;
  const evidence: SourceRef[] = [];
  for (const { c } of clients) {
    requests += c.sensitive;
    first = Math.min(first, c.first);
    last = Math.max(last, c.last);
    for (const s of c.samples) byPath.set(s, (byPath.get(s) ?? 0) + 1);
    for (const e of c.evidence) evidence.push(e);
  }
  const top = [...byPath.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const paths = top.slice(0, 4).map(([p, n]) => `${p} ×${n}`).join(', ');
  const addresses = clients.map(({ ip }) => ip).sort();
  const total = clients.length + evicted.addresses;
  return {
    detector: 'scanner',
    severity: 'low',
    confidence: 0.7,
    title: `${fmt(total, 0)} addresses probed for sensitive files or admin pages, each too briefly to call a scanner (${fmt(requests, 0)} requests${paths ? `: ${paths}` : ''}${top.length > 4 ? ', …' : ''})`,
    subject: { type: 'global', value: 'probes' },
    startMs: first,
    endMs: last + 1,
    metrics: { addresses: total, requests, distinct_paths: byPath.size, sample_addresses: addresses.slice(0, 10).join(' ') },
    explanation: 'Addresses with sensitive-file or admin-page probes below the per-address scanner rules, counted together: the background every public site receives. Nothing was answered with a sensitive file unless an exposure finding says so.',
    evidence: sortEvidence(evidence).slice(0, evidenceLimit),
    actions: [],
  };
}
