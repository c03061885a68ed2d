/**
 * Scanners and probing: clients whose agent is a scanner's (enrich/user-agent.ts SCANNER_AGENTS), requesting
 * sensitive files (.env, .git/, backups, credentials, actuator/env, ...), admin and CMS pages the site does not have
 * (wp-login.php, phpMyAdmin, /administrator/ answered 4xx), sending injection probes (enrich/path-class.ts
 * PROBE_KINDS, named in the finding), or collecting many 404/403s over many distinct paths. Severity follows the
 * answers: high for a probe answered 2xx with content (not the catch-all page) or a scanner answered 5xx, medium for
 * probes answered with the catch-all page only, low (no action) when every probe failed. Beyond single clients:
 * - non-HTTP bytes: request lines of another protocol (TLS, SSH, RDP, SMB) as one low finding;
 * - exposure: a file that must never be public (SECRET) answered 2xx with a body, unless the answer is the site's
 *   catch-all page (the size of its home page, or one size for most probed paths);
 * - the internet's background of probes: many addresses, each too brief to call a scanner, as one low finding.
 * Memory: per client (at most Limits.scannerClients; the least active evicted first, a probing request weighing a
 * hundred ordinary ones; evicted probers still count in the background finding) counters and up to 200 distinct
 * paths; up to 1,000 exposed paths and 100 home-page sizes (the path patterns run once per distinct path, in the
 * enricher: enrich/path-class.ts). Counting is the ClientProbes aggregate (aggregate/client-probes.ts); this file is
 * its pure judge (judgeScanner).
 * Time: the patterns run on the whole path and query (no cut an attacker could hide behind) and are linear in them:
 * no quantified run is retried from each position (`wp-config.php` followed by anything is a fixed-length test, not
 * `.+$`, which rescanned the rest of the path after every occurrence).
 */
import { appendAll } from '../core/arrays';
import type { SourceRef } from '../core/types';
import { defineDetector, type Finding, type Severity } from './types';
import { fmt, r2, sortEvidence } from './shared';
import { capMessage, count } from '../core/capped';
import { isoTime } from '../core/units';
import { hashCount } from '../aggregate/path-hashes';
import { ClientProbes, type ClientProbesJson, type ClientProbesPacked, type EvictedProbers, type Exposure, type ProbingClient } from '../aggregate/client-probes';
import { PROBE_KINDS } from '../enrich/path-class';
import { NON_HTTP_PROTOCOLS } from '../formats/shared/request';

export { SECRET, PROBE, ATTACK, PROBE_KINDS } from '../enrich/path-class';

/** Sensitive requests from one address that make it a busy scanner rather than part of the background. */
const BUSY_SCANNER = 10;
/** Injection probes from one address, all refused, that make it a scanner rather than part of the background. */
const FEW_ATTACKS = 3;

/** The most frequent key of a count map (ties: the smaller key). */
function mode(m: ReadonlyMap<number, number>): [number, number] | null {
  let best: [number, number] | null = null;
  for (const [k, n] of m) if (best === null || n > best[1] || (n === best[1] && k < best[0])) best = [k, n];
  return best;
}

export interface ScannerOptions {
  readonly minSensitive: number;
  readonly minErrors: number;
  readonly errorRatio: number;
  readonly minDistinctPaths: number;
  readonly minProbeClients: number;
}

export default defineDetector({
  id: 'scanner',
  title: 'Scanners and probing',
  description: 'Flags scanner agents, clients that request sensitive files or admin pages the site does not have, send injection probes (by kind), or collect many 404/403 answers over many distinct paths (high when a probe was answered with content or the scanner got 5xx, low when every probe failed); sensitive files answered with a body (possible exposure); probes spread over many addresses; and other protocols\' bytes sent to the HTTP listener.',
  defaultOptions: { minSensitive: 3, minErrors: 20, errorRatio: 0.5, minDistinctPaths: 15, minProbeClients: 5 },
  optionDocs: {
    minSensitive: 'sensitive-file requests that make a scanner',
    minErrors: '404/403 answers needed for the error-ratio rule',
    errorRatio: 'share of 404/403 among the client requests for the error-ratio rule',
    minDistinctPaths: 'distinct paths needed for the error-ratio rule',
    minProbeClients: 'addresses, each below the scanner rules, whose probes are reported together as background probing',
  },
  create(o, ctx) {
    // Counting is the ClientProbes aggregate; judgeScanner reads it at the end.
    const state = new ClientProbes({ cap: ctx.limits.scannerClients, evidenceLimit: ctx.evidenceLimit });
    ctx.caps.watch(() => capMessage('scanner: per-client counters', `${count(ctx.limits.scannerClients)} clients`, state.clients.stats, 'requests (a probe weighing 100)',
      `a client is judged on all its requests only if it weighs more than ${count(state.clients.stats.maxError)}; ${count(state.evicted.addresses)} evicted clients had probed (${count(state.evicted.requests)} sensitive requests), counted in the background-probes finding`));
    return {
      // A task's state read back from JSON is merged without copying its clients.
      state: {
        toJSON: () => state.toJSON(),
        pack: () => state.pack(),
        merge: (json, order) => {
          const j = json as ClientProbesJson | ClientProbesPacked;
          if (j.kind === 'client-probes/packed') state.mergePacked(j, order);
          else state.mergeJSON(j, order);
        },
      },
      observe: (r) => state.add(r),
      finish: () => judgeScanner(state, o, ctx.evidenceLimit),
    };
  },
});

/** Whether an answer of `bytes` is the site's catch-all page: the home page's size, or the size most probed paths get. */
function catchAllTest(state: ClientProbes): { readonly home: (bytes: number) => boolean; readonly probed: (bytes: number) => boolean } {
  const probed = mode(state.probedSizes.entries());
  let probedTotal = 0;
  for (const n of state.probedSizes.entries().values()) probedTotal += n;
  const catchAllSize = probed !== null && state.probedPaths.size >= 3 && probed[1] >= 0.8 * probedTotal ? probed[0] : null;
  const near = (a: number, b: number): boolean => Math.abs(a - b) <= Math.max(16, b * 0.02);
  const homes = [...state.homeSizes.entries()].filter(([size, n]) => n >= 2 && size > 0).map(([size]) => size);
  return { home: (b) => homes.some((size) => near(b, size)), probed: (b) => catchAllSize !== null && near(b, catchAllSize) };
}

/** "quote-probe ×38, xss ×20" for a client's kinds (most first, ties in table order). */
function kindsText(kinds: readonly number[]): string {
  return kinds.map((n, k) => [PROBE_KINDS[k]?.[0] ?? '', n] as const).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ×${fmt(n, 0)}`).join(', ');
}

/** The findings of a probing state: scanners per client, exposures, non-HTTP bytes, and the background of probes. */
export function judgeScanner(state: ClientProbes, o: ScannerOptions, evidenceLimit: number): Finding[] {
  const out: Finding[] = [];
  const catchAll = catchAllTest(state);
  const judged = [...state.clients].map(([ip, c]) => {
    const ratio = c.requests ? c.notFound / c.requests : 0;
    const byErrors = c.notFound >= o.minErrors && ratio >= o.errorRatio && hashCount(c.paths) >= o.minDistinctPaths;
    const d = c.more;
    const scanner = d?.scanner?.[0] ?? null;
    // Answers to its probes: 2xx with a body that is not the site's catch-all page is what it came for.
    let hits = 0;
    let catchAllHits = 0;
    let sized = 0;
    for (const [bytes, n] of d?.hitSizes ?? []) {
      sized += n;
      if (catchAll.home(bytes) || catchAll.probed(bytes)) catchAllHits += n;
      else hits += n;
    }
    hits += (d?.hits ?? 0) - sized;
    const serverErrors = d?.serverErrors ?? 0;
    // A few sensitive paths or injection probes, every one refused, and nothing else: the background every public
    // site gets (a worm host's one or two exploit attempts).
    const quiet = c.attacks < FEW_ATTACKS && !byErrors && c.sensitive < BUSY_SCANNER && scanner === null && hits + catchAllHits + serverErrors === 0;
    return { ip, c, ratio, byErrors, scanner, quiet, hits, catchAllHits, serverErrors };
  });
  const background = judged.filter((j) => j.quiet && j.c.sensitive + j.c.attacks > 0);
  const folded = background.length + state.evicted.addresses >= o.minProbeClients;
  for (const { ip, c, ratio, byErrors, scanner, quiet, hits, catchAllHits, serverErrors } of judged) {
    if (!(c.attacks > 0 || byErrors || c.sensitive >= o.minSensitive || scanner !== null) || (folded && quiet)) continue;
    const d = c.more;
    const active = c.attacks > 0 || scanner !== null || byErrors || c.sensitive >= BUSY_SCANNER;
    const severity: Severity = hits > 0 || (active && serverErrors > 0) ? 'high' : catchAllHits > 0 ? 'medium' : 'low';
    const kinds = d === null ? '' : kindsText(d.kinds);
    const outcome = [
      hits > 0 ? `${fmt(hits, 0)} answered 2xx with content` : '',
      catchAllHits > 0 ? `${fmt(catchAllHits, 0)} answered with the catch-all page` : '',
      serverErrors > 0 ? `${fmt(serverErrors, 0)} 5xx from the site` : '',
    ].filter((x) => x !== '');
    const nonHttp = d === null ? 0 : d.nonHttp.reduce((a, n) => a + n, 0);
    const firsts = d === null ? [] : [...d.kindRefs, ...d.nonHttpRefs, d.scanner?.[1] ?? null].filter((r): r is SourceRef => r !== null);
    const evidence = uniqueRefs([...sortEvidence(firsts), ...sortEvidence(c.evidence)]).slice(0, Math.max(evidenceLimit, firsts.length));
    out.push({
      detector: 'scanner',
      severity,
      confidence: r2(Math.min(0.99, 0.6 + c.sensitive / 40 + c.attacks / 20 + (byErrors ? 0.1 : 0) + (scanner !== null ? 0.3 : 0))),
      title: `${ip}: ${scanner !== null ? `${scanner} scanner` : 'probing'} — ${fmt(c.sensitive, 0)} sensitive-file and ${fmt(c.attacks, 0)} attack-pattern requests${kinds ? ` (${kinds})` : ''}, ${fmt(ratio * 100, 0)}% 4xx over ${fmt(hashCount(c.paths), 0)}${c.pathsOverflow ? '+' : ''} paths; ${outcome.length > 0 ? outcome.join(', ') : 'nothing it probed was served'}`,
      subject: { type: 'ip', value: ip },
      startMs: c.first,
      endMs: c.last + 1,
      metrics: {
        requests: c.requests, errors_4xx: c.notFound, error_ratio: r2(ratio), distinct_paths: hashCount(c.paths), sensitive: c.sensitive, attacks: c.attacks,
        probe_kinds: d === null ? '' : d.kinds.map((n, k) => (n > 0 ? `${PROBE_KINDS[k]?.[0] ?? ''}:${n}` : '')).filter((x) => x !== '').join(' '),
        answered_2xx: hits, answered_catch_all: catchAllHits, errors_5xx: serverErrors, non_http: nonHttp, scanner_agent: scanner ?? '',
        user_agent: c.agent, samples: c.samples.map(([s]) => s).join(' | '),
      },
      explanation: 'Sensitive paths, attack patterns (injection probes by kind, in path and query decoded once) and scanner agents are matched against maintained lists (admin and CMS pages only when answered 4xx, i.e. the site does not have them); the error rule needs many distinct paths answered 4xx, which ordinary clients do not produce. High: a probe answered 2xx with content (not the catch-all page), or 5xx answers to a scanner; medium: probes answered with the catch-all page; low: every probe failed (background, nothing to block). The evidence starts with the first request of each probe kind.',
      evidence,
      actions: severity === 'low' ? [] : [{ type: 'block', ips: [ip], cidrs: [], why: hits > 0 ? 'probes answered with content' : serverErrors > 0 ? 'scanner causing server errors' : 'probing for sensitive files / injection' }],
    });
  }
  appendAll(out, exposed(state.exposures, catchAll, evidenceLimit));
  const other = nonHttpBytes(judged, evidenceLimit);
  if (other !== null) out.push(other);
  if (folded) out.push(backgroundProbes(background, state.evicted, evidenceLimit));
  return out;
}

/** `refs` without repeats (the first of each file and line kept). */
function uniqueRefs(refs: readonly SourceRef[]): SourceRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.file}\n${r.line}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Request lines of another protocol sent to the HTTP listener (TLS ClientHello, SSH and RDP banners, SMB, other
 * binary), one finding for all addresses: the server answered them with an error, so it is context (low) unless a
 * scanner finding says more about an address.
 */
function nonHttpBytes(clients: readonly { readonly ip: string; readonly c: ProbingClient }[], evidenceLimit: number): Finding | null {
  const perKind = NON_HTTP_PROTOCOLS.map(() => ({ requests: 0, addresses: 0 }));
  const senders: { ip: string; n: number; first: number; last: number; refs: SourceRef[] }[] = [];
  for (const { ip, c } of clients) {
    const d = c.more;
    if (d === null) continue;
    let n = 0;
    d.nonHttp.forEach((k, i) => {
      const p = perKind[i];
      if (k === 0 || p === undefined) return;
      p.requests += k;
      p.addresses++;
      n += k;
    });
    if (n > 0) senders.push({ ip, n, first: c.first, last: c.last, refs: d.nonHttpRefs.filter((r): r is SourceRef => r !== null) });
  }
  if (senders.length === 0) return null;
  senders.sort((a, b) => b.n - a.n || (a.ip < b.ip ? -1 : 1));
  const requests = senders.reduce((a, x) => a + x.n, 0);
  const byKind = perKind.map((p, i) => [NON_HTTP_PROTOCOLS[i] ?? '', p] as const).filter(([, p]) => p.requests > 0);
  const what = byKind.map(([name, p]) => `${name} ×${fmt(p.requests, 0)} from ${fmt(p.addresses, 0)} address${p.addresses === 1 ? '' : 'es'}`).join(', ');
  const top = senders.slice(0, 10);
  return {
    detector: 'scanner',
    severity: 'low',
    confidence: 0.8,
    title: `${fmt(senders.length, 0)} address${senders.length === 1 ? '' : 'es'} sent ${fmt(requests, 0)} non-HTTP request line${requests === 1 ? '' : 's'} to the HTTP listener: ${what}`,
    subject: { type: 'global', value: 'non-http' },
    startMs: senders.reduce((a, x) => Math.min(a, x.first), Number.POSITIVE_INFINITY),
    endMs: senders.reduce((a, x) => Math.max(a, x.last), Number.NEGATIVE_INFINITY) + 1,
    metrics: { addresses: senders.length, requests, ...Object.fromEntries(byKind.map(([name, p]) => [`${name.toLowerCase()}_requests`, p.requests])), top_addresses: top.map((x) => `${x.ip} ×${x.n}`).join(' ') },
    explanation: 'Request lines that are another protocol\'s bytes (a TLS ClientHello \\x16\\x03 sent to a plain-HTTP port, an SSH-2.0 banner, an RDP mstshash cookie, an SMB negotiate, other binary) are port scanners and worms trying the port, or a client configured for the wrong scheme. The server answered them with an error; a burst finding says whether one address sent them at a rate.',
    evidence: sortEvidence(uniqueRefs(top.flatMap((x) => x.refs))).slice(0, evidenceLimit),
    actions: [],
  };
}

/**
 * One finding per SECRET path answered 2xx with a body. An answer the size of the home page, or of most 2xx answers
 * to three or more probed paths, is the site's catch-all page (a single-page app answers every path with its
 * shell): low, not an exposure.
 */
function exposed(exposures: ReadonlyMap<string, Exposure>, test: ReturnType<typeof catchAllTest>, evidenceLimit: number): Finding[] {
  const out: Finding[] = [];
  for (const [endpoint, e] of exposures) {
    const [bytes = -1] = mode(e.sizes) ?? [];
    const home = test.home(bytes);
    const catchAll = home || test.probed(bytes);
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
function backgroundProbes(clients: readonly { readonly ip: string; readonly c: ProbingClient }[], evicted: EvictedProbers, evidenceLimit: number): Finding {
  const byPath = new Map<string, number>();
  let requests = evicted.requests;
  let first = evicted.first;
  let last = evicted.last;
  const evidence: SourceRef[] = [];
  const kinds = PROBE_KINDS.map(() => 0);
  for (const { c } of clients) {
    // Probe matches: a request both sensitive and an injection counts twice.
    requests += c.sensitive + c.attacks;
    c.more?.kinds.forEach((n, k) => {
      kinds[k] = (kinds[k] ?? 0) + n;
    });
    first = Math.min(first, c.first);
    last = Math.max(last, c.last);
    for (const [s] of c.samples) byPath.set(s, (byPath.get(s) ?? 0) + 1);
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
    title: `${fmt(total, 0)} addresses probed for sensitive files or admin pages${kinds.some((n) => n > 0) ? ` or sent a few injection probes (${kindsText(kinds)})` : ''}, each too briefly to call a scanner (${fmt(requests, 0)} requests${paths ? `: ${paths}` : ''}${top.length > 4 ? ', …' : ''})`,
    subject: { type: 'global', value: 'probes' },
    startMs: first,
    endMs: last + 1,
    metrics: { addresses: total, requests, distinct_paths: byPath.size, sample_addresses: addresses.slice(0, 10).join(' ') },
    explanation: `Addresses with sensitive-file or admin-page probes, or fewer than ${FEW_ATTACKS} injection probes, all refused, below the per-address scanner rules, counted together: the background every public site receives. Nothing was answered with a sensitive file unless an exposure finding says so.`,
    evidence: sortEvidence(evidence).slice(0, evidenceLimit),
    actions: [],
  };
}
