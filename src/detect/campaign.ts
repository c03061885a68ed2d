/**
 * Campaigns: one attack spread over many addresses and months, found by its signature (a known exploit pattern, or
 * method + route template + status class) instead of per address. A signature is a campaign when nearly all its
 * requests look hostile (an exploit pattern, a scanner agent, a probe or attack path, an unusual method refused, a
 * broken request line: hostileShare of them or more) and they come from minAddresses addresses or more; a signature
 * ordinary clients also send (a favicon's 404, WebDAV answered 207) is not one. Severity follows what the site
 * answered: some request answered 2xx with a body that is not the home page (a catch-all) is high for an exploit or a
 * probed path (it may have worked), medium otherwise; any 5xx is medium (the campaign makes the site fail); every
 * request refused is background: low, no action. Counting is the Signatures aggregate (aggregate/signatures.ts);
 * this file is its pure judge. The per-address scanner findings of a campaign's addresses are folded into it by the
 * stage (detect/stage.ts: foldCampaignScanners), through the finding's `members`.
 */
import type { SourceRef } from '../core/types';
import { isoTime } from '../core/units';
import { capMessage, count } from '../core/capped';
import { networksOf } from '../enrich/client';
import { EXPLOITS } from '../enrich/exploits';
import { isExploitKey, MARK_EXPLOIT, MARK_NAMES, MARK_PROBE, Signatures, type SignatureCell } from '../aggregate/signatures';
import { aggregateState, defineDetector, type Action, type Finding, type Severity } from './types';
import { fmt, r2, sortEvidence } from './shared';
import { failedOnRequest } from '../core/http';

const DEFAULTS = { minAddresses: 5, hostileShare: 0.9, minRequests: 5 };

/** The detector's options (defaults above, overridable with --detector-opt campaign.key=value). */
export type CampaignOptions = { readonly [K in keyof typeof DEFAULTS]: number };

/** Addresses named in a block action at most, and /24s (or /64s) with this many addresses blocked as the network. */
const BLOCK_IPS = 100;
const NETWORK_MEMBERS = 3;

export default defineDetector<CampaignOptions>({
  id: 'campaign',
  title: 'Campaigns across addresses',
  description: 'Groups requests by signature (a known exploit pattern, or method + route template + status class) across addresses and time, and reports a signature only hostile-looking clients send, from many addresses, as one campaign.',
  defaultOptions: DEFAULTS,
  optionDocs: {
    minAddresses: 'distinct addresses sending a signature that make it a campaign',
    hostileShare: 'share of a signature\'s requests that must look hostile (exploit pattern, scanner agent, probe path, unusual method refused, broken request)',
    minRequests: 'requests of a signature needed before it is judged',
  },
  create(o, ctx) {
    const state = new Signatures({ cap: ctx.limits.campaignSignatures, evidenceLimit: ctx.evidenceLimit });
    ctx.caps.watch(() => capMessage('campaign: signatures', `${count(ctx.limits.campaignSignatures)} endpoints and exploit patterns`, state.groups.stats, 'requests (a hostile-looking one weighing 100)',
      'a campaign is missed only if its signature weighs less than that'));
    return {
      state: aggregateState(state, Signatures.fromJSON),
      observe: (r) => state.add(r),
      rekey: (map, order) => state.rekey(map, order),
      finish: () => judgeCampaigns(state, o, ctx.evidenceLimit, ctx.geo),
    };
  },
});

const CLASS_NAMES = ['no status', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** The findings of a signatures state: one per campaign. */
export function judgeCampaigns(state: Signatures, o: CampaignOptions, evidenceLimit: number, geo: boolean): Finding[] {
  const home = [...state.homeSizes.keys()].filter((size) => size > 0);
  const near = (a: number, b: number): boolean => Math.abs(a - b) <= Math.max(16, b * 0.02);
  const out: Finding[] = [];
  // In key order: the findings do not depend on the order the signatures were first seen in (shards merge).
  for (const [key, g] of [...state.groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    g.cells.forEach((c, cls) => {
      if (c === null || c.requests < o.minRequests || c.hostile < o.hostileShare * c.requests) return;
      const addresses = c.overflow ? Math.max(c.members.size, Math.round(c.addresses.count())) : c.members.size;
      if (addresses < o.minAddresses) return;
      out.push(campaignFinding(key, cls, c, addresses, home.length > 0 && c.sizes.size > 0 && [...c.sizes.keys()].every((b) => home.some((h) => near(b, h))), evidenceLimit, geo));
    });
  }
  return out;
}

/** A sample path for a title: printable ASCII only (other characters as `?`), at most `max` characters. */
function printable(s: string, max: number): string {
  const t = s.replace(/[^\x20-\x7e]/g, '?');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** Counts of statuses, most frequent first: "404 ×10,533, 405 ×3". */
function statusText(c: SignatureCell): string {
  return [...c.statuses].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 4).map(([s, n]) => `${s === 0 ? 'other' : s} ×${fmt(n, 0)}`).join(', ');
}

function campaignFinding(key: string, cls: number, c: SignatureCell, addresses: number, catchAll: boolean, evidenceLimit: number, geo: boolean): Finding {
  const exploit = isExploitKey(key);
  const name = exploit ? key.slice('exploit '.length) : key;
  const pattern = EXPLOITS.find((e) => e.name === name);
  const members = [...c.members.keys()].sort();
  // Networks: exactly from the addresses when all are kept, else the sketches.
  const nets24 = new Map<string, number>();
  const nets16 = new Set<string>();
  for (const ip of members) {
    const { narrow, wide } = networksOf(ip);
    if (narrow !== null) nets24.set(narrow, (nets24.get(narrow) ?? 0) + 1);
    if (wide !== null) nets16.add(wide);
  }
  const narrowCount = c.overflow ? Math.max(nets24.size, Math.round(c.narrow.count())) : nets24.size;
  const wideCount = c.overflow ? Math.max(nets16.size, Math.round(c.wide.count())) : nets16.size;
  let n2xx = 0;
  let n5xx = 0;
  for (const [s, n] of c.statuses) {
    if (s >= 200 && s < 300) n2xx += n;
    // Not a refusal of the client's broken request, nor an outage the campaign happened to run during (core/http.ts).
    if (s >= 500 && s < 600 && failedOnRequest(s)) n5xx += n;
  }
  const dangerous = (c.marks[MARK_EXPLOIT] ?? 0) + (c.marks[MARK_PROBE] ?? 0) >= c.hostile / 2;
  const served = c.answered > 0 && !catchAll;
  const severity: Severity = served ? (dangerous ? 'high' : 'medium') : n5xx > 0 ? 'medium' : 'low';
  const startMs = c.hostileFirst;
  const endMs = c.hostileLast + 1;
  const signature = exploit ? name : `${key} answered ${CLASS_NAMES[cls] ?? '?'}`;
  const firstPaths = [...c.paths.keys()];
  const mostly = firstPaths.length > 0 ? `e.g. ${firstPaths.slice(0, 2).map((p) => printable(p, 40)).join(', ')}` : '';
  const span = `${isoTime(startMs).slice(0, 10)} → ${isoTime(endMs - 1).slice(0, 10)}`;
  const outcome = served ? (catchAll ? '' : `, ${fmt(c.answered, 0)} answered 2xx with a body`) : n5xx > 0 ? `, ${fmt(n5xx, 0)} answered 5xx` : ', every one refused';
  const marks = MARK_NAMES.map((m, i) => [m, c.marks[i] ?? 0] as const).filter(([, n]) => n > 0).map(([m, n]) => `${m} ×${n}`).join(', ');
  const blockNets = [...nets24].filter(([, n]) => n >= NETWORK_MEMBERS).map(([net]) => net).sort();
  const blockIps = members.filter((ip) => !blockNets.some((net) => networksOf(ip).narrow === net)).slice(0, BLOCK_IPS);
  const actions: Action[] = severity === 'low' ? [] : [{
    type: 'block', ips: blockIps, cidrs: blockNets,
    why: `campaign ${signature} from ${fmt(addresses, 0)} addresses${addresses > members.length || blockIps.length < members.length - blockNets.length ? ' (the first listed)' : ''}, ${span}`,
  }];
  const evidence: SourceRef[] = sortEvidence(c.evidence).slice(0, evidenceLimit);
  return {
    detector: 'campaign',
    severity,
    confidence: r2(Math.min(0.99, 0.6 + Math.min(addresses, 100) / 400 + (exploit ? 0.15 : 0) + (c.hostile === c.requests ? 0.05 : 0))),
    title: `Campaign ${signature}: ${fmt(c.hostile, 0)} requests from ${fmt(addresses, 0)} addresses (${fmt(narrowCount, 0)} /24s)${outcome}${mostly && !exploit ? ` (${mostly})` : ''}`,
    subject: { type: 'signature', value: exploit ? key : `${key} ${CLASS_NAMES[cls] ?? '?'}` },
    startMs,
    endMs,
    metrics: {
      signature: exploit ? key : `${key} ${CLASS_NAMES[cls] ?? '?'}`, requests: c.requests, hostile_requests: c.hostile, addresses, networks_24: narrowCount, networks_16: wideCount,
      asns: geo ? c.asns.size : null, first_seen: isoTime(startMs), last_seen: isoTime(endMs - 1), statuses: statusText(c), answered_2xx: n2xx, answered_5xx: n5xx,
      catch_all: catchAll ? 1 : 0, marks, first_paths: firstPaths.join(' | '), first_agents: [...c.agents.keys()].join(' | '),
      sample_addresses: members.slice(0, 10).join(' '),
    },
    explanation: `Requests grouped by signature (${exploit ? `the known exploit pattern ${name}${pattern ? `: ${pattern.what}` : ''}` : 'method, route template and status class'}) across addresses and time; ${fmt(Math.round((c.hostile / c.requests) * 100), 0)}% of them look hostile (${marks}), so ordinary clients do not send it. ${severity === 'low' ? 'Every request was refused (or answered with the site\'s catch-all page): background, no block proposed.' : served ? 'Some requests were answered 2xx with a body other than the home page: check whether they worked.' : 'Some requests were answered 5xx: the campaign makes the site fail.'}`,
    evidence,
    actions,
    members,
  };
}
