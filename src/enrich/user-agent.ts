/**
 * User-agent classification: family, major version, OS, device type and class (human / bot / tool), from a small
 * ordered table of our own (MIT-compatible, no copyleft parser) plus the maintained `isbot` pattern list
 * (Unlicense) for crawlers. Order matters: scripted HTTP tools and app clients are recognised first (isbot also
 * flags curl or okhttp, but those are tools and apps, not crawlers), then crawlers, then browsers.
 * A crawler's user agent is only a claim: `claims` names what it says it is; nothing here verifies it.
 * Hostile agents: only the first AGENT_CLASSIFY_CHARS characters are classified, and every pattern runs in time linear
 * in its input (no quantified runs that can be retried from each position), so a long agent costs what it is long.
 */
import { isbot } from 'isbot';
import { detach, FrontCache } from '../core/text';
import type { TopSlot } from '../core/top';
import type { AgentInfo, DeviceType } from './types';

/** A classifier with a per-run cache (agents repeat a lot). */
export interface AgentClassifier {
  classify(ua: string | null): AgentInfo;
  /** The class and the cached standalone copy of `ua` (the same object for every record with that agent). */
  entry(ua: string): AgentEntry;
  /** Drops the counter cells the cached entries keep (see ClientTable.release). */
  release(): void;
}

/**
 * A user agent's class, with the agent itself as a standalone string (the cache's own copy), and the cell of the
 * traffic summary's agents table it is counted in (core/top.ts TopSlot).
 */
export interface AgentEntry extends TopSlot {
  readonly ua: string;
  readonly info: AgentInfo;
}

/**
 * Characters of a user agent that classification reads. Real agents are far shorter (the longest in the corpus has
 * 294 characters); the rest of a longer one is kept in the record but not classified.
 */
export const AGENT_CLASSIFY_CHARS = 512;

/**
 * Security scanners that name themselves in the user agent: [pattern, name]. An agent on this list is a scanner
 * whatever paths it asks (detect/scanner.ts). Kept by hand as data, here only: drawn from the OWASP Core Rule Set's
 * `rules/scanners-user-agents.data` (Apache-2.0, curated "to avoid false positives", 2025) and the tools' own
 * default agents (sqlmap `sqlmap/1.x`, Nuclei `Nuclei - Open-source project`, w3af `w3af.org`, ZAP `ZAP/2.x` and
 * `OWASP ZAP`, Burp Collaborator payload hosts, OpenVAS `OpenVAS-VT`, Nessus `Nessus SOAP`, Jaeles, XSStrike).
 * No npm package keeps such a list (the maintained ones, isbot and crawler-user-agents, list crawlers, not attack
 * tools). Internet surveys that announce themselves (Censys, Expanse) are family `survey`, not scanners.
 */
export const SCANNER_AGENTS: readonly (readonly [string, string])[] = [
  ['sqlmap', 'sqlmap'], ['nikto', 'Nikto'], ['nuclei', 'Nuclei'], ['w3af', 'w3af'], ['acunetix', 'Acunetix'],
  ['netsparker', 'Netsparker'], ['invicti', 'Invicti'], ['wpscan', 'WPScan'], ['zgrab', 'ZGrab'], ['masscan', 'masscan'],
  ['nmap', 'Nmap'], ['dirbuster', 'DirBuster'], ['gobuster', 'gobuster'], ['fuzz faster u fool', 'ffuf'], ['ffuf', 'ffuf'],
  ['feroxbuster', 'feroxbuster'], ['wfuzz', 'wfuzz'], ['openvas', 'OpenVAS'], ['nessus', 'Nessus'], ['burpcollaborator', 'Burp'],
  ['burp suite', 'Burp'], ['owasp zap', 'ZAP'], ['zap/', 'ZAP'], ['skipfish', 'skipfish'], ['arachni', 'Arachni'],
  ['whatweb', 'WhatWeb'], ['jaeles', 'Jaeles'], ['commix', 'commix'], ['xsstrike', 'XSStrike'], ['xsser', 'XSSer'],
  ['havij', 'Havij'], ['sqlninja', 'sqlninja'], ['ghauri', 'Ghauri'], ['jsql', 'jSQL'], ['fimap', 'fimap'],
  ['wapiti', 'Wapiti'], ['vega/', 'Vega'], ['appspider', 'AppSpider'], ['appscan', 'AppScan'], ['ironwasp', 'IronWASP'],
  ['qualysguard', 'Qualys'], ['n-stalker', 'N-Stalker'], ['cmsmap', 'CMSmap'], ['joomscan', 'JoomScan'], ['droopescan', 'droopescan'],
  ['wprecon', 'WPRecon'], ['wpprobe', 'WPProbe'], ['whatwaf', 'WhatWaf'], ['nettacker', 'Nettacker'], ['tsunamisecurityscanner', 'Tsunami'],
  ['sstimap', 'SSTImap'], ['tplmap', 'tplmap'], ['dotdotpwn', 'DotDotPwn'], ['lfisuite', 'LFISuite'], ['lfimap', 'LFImap'],
  ['kadimus', 'Kadimus'], ['shortscan', 'shortscan'], ['graphw00f', 'graphw00f'], ['graphql-cop', 'graphql-cop'], ['tinja', 'TInjA'],
  ['bfac', 'BFAC'], ['morfeus', 'Morfeus'], ['zmeu', 'ZmEu'], ['jorgee', 'Jorgee'], ['libwhisker', 'libwhisker'],
  ['webshag', 'webshag'], ['detectify', 'Detectify'], ['mozlila', 'Mozlila'], ['mozilla/5.g', 'Mozlila'], ['(hydra)', 'Hydra'],
  ['panoptic', 'Panoptic'], ['l9explore', 'LeakIX l9'], ['l9tcpid', 'LeakIX l9'], ['sysscan', 'sysscan'], ['hexometer', 'Hexometer'],
  ['bewica-security-scan', 'Bewica'], ['yeswehack', 'YesWeHack'], ['jbrofuzz', 'JBroFuzz'], ['webbandit', 'WebBandit'],
];

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One case-insensitive test of all SCANNER_AGENTS tokens (fixed strings: linear). */
const SCANNER_AGENT = new RegExp(SCANNER_AGENTS.map(([t]) => escapeRegex(t)).join('|'), 'i');

/** The scanner an agent names itself as (SCANNER_AGENTS), or null; reads the first AGENT_CLASSIFY_CHARS. */
export function scannerName(agent: string | null): string | null {
  if (agent === null) return null;
  const ua = agent.length > AGENT_CLASSIFY_CHARS ? agent.slice(0, AGENT_CLASSIFY_CHARS) : agent;
  const m = SCANNER_AGENT.exec(ua);
  if (m === null) return null;
  const hit = m[0].toLowerCase();
  return SCANNER_AGENTS.find(([t]) => t === hit)?.[1] ?? null;
}

/** Scripted HTTP clients and libraries: [pattern, family]. */
const TOOLS: readonly (readonly [RegExp, string])[] = [
  [/^curl\//i, 'curl'],
  [/^Wget\//i, 'Wget'],
  [/python-requests\//i, 'python-requests'],
  [/python-urllib|Python-urllib/i, 'python-urllib'],
  [/aiohttp\//i, 'aiohttp'],
  [/python-httpx\//i, 'httpx'],
  [/^Go-http-client\//, 'Go-http-client'],
  [/^okhttp\//i, 'okhttp'],
  [/^Java\/|Apache-HttpClient\//, 'Java'],
  [/^axios\//i, 'axios'],
  [/node-fetch|undici/i, 'node-fetch'],
  [/^PostmanRuntime\//, 'Postman'],
  [/^HTTPie\//i, 'HTTPie'],
  [/libwww-perl|^lwp-/i, 'libwww-perl'],
  [/^Ruby|Faraday/i, 'Ruby'],
  [/^PHP|GuzzleHttp/i, 'PHP'],
  [SCANNER_AGENT, 'scanner'],
  [/Expanse|CensysInspect|InternetMeasurement|Palo Alto Networks company|ModatScanner|LeakIX/i, 'survey'],
  [/^Prometheus|kube-probe|ELB-HealthChecker|Uptime|Pingdom|StatusCake|Site24x7|Datadog/i, 'monitor'],
  [/^Elastic-|^Go |^Dart\/|^reqwest/i, 'library'],
];

/**
 * The name an unlisted crawler gives itself: the product after "compatible;" ("Mozilla/5.0 (compatible; Ezooms/1.0;
 * ...)" → Ezooms, "archive.org_bot"), else the agent's first product token ("UniversalFeedParser/4.2"), else a word
 * ending in bot, spider or crawler; null when it names none.
 */
function botName(ua: string): string | null {
  const compatible = /compatible; ?([A-Za-z][\w.-]*(?: [A-Za-z][\w.-]*)?)(?:\/[\w.]+)?(?:[;) +]|$)/.exec(ua)?.[1];
  if (compatible !== undefined && compatible.length <= 40) return compatible;
  const product = /^([A-Za-z][\w.-]*(?: [A-Za-z][\w.-]*){0,2})\/\d/.exec(ua)?.[1];
  if (product !== undefined && product !== 'Mozilla' && product.length <= 40) return product;
  return crawlerWord(ua);
}

/** The endings that make a word a crawler's name. */
const CRAWLER_ENDING = /bot|spider|crawler/i;

/**
 * The first word (a run of letters, digits, `_`, `.` and `-`) with a crawler ending after its first letter, from that
 * letter to the last such ending in the word: what `/([A-Za-z][\w.-]*(?:bot|spider|crawler))/i` finds, in linear
 * time (that regex retries a long run from each of its letters, quadratic in its length).
 */
export function crawlerWord(ua: string): string | null {
  for (let from = 0; from < ua.length; ) {
    const hit = ua.slice(from).search(CRAWLER_ENDING);
    if (hit < 0) return null;
    let start = from + hit;
    let end = start;
    while (start > 0 && isWordChar(ua.charCodeAt(start - 1))) start--;
    while (end < ua.length && isWordChar(ua.charCodeAt(end))) end++;
    while (start < end && !isLetter(ua.charCodeAt(start))) start++;
    // Endings cannot overlap one another, so the one that starts last also ends last (the regex's greedy run).
    let last = -1;
    for (let q = start + 1; q < end; ) {
      const m = CRAWLER_ENDING.exec(ua.slice(q, end));
      if (m === null) break;
      last = q + m.index + m[0].length;
      q += m.index + 1;
    }
    if (last > 0) return ua.slice(start, last);
    from = end;
  }
  return null;
}

function isWordChar(c: number): boolean {
  return isLetter(c) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Mobile app clients: native HTTP stacks with an app token first. */
const APP = /(?:CFNetwork\/|Dalvik\/|Alamofire\/|^[A-Za-z][\w.-]*\/[\d.]+ \((?:iPhone|iPad|Android|iOS|Linux; U; Android))/;

/** Known crawlers by name (for `claims`); anything else isbot flags is "crawler". */
const CRAWLERS: readonly (readonly [RegExp, string])[] = [
  [/Googlebot|Google-InspectionTool|Storebot-Google|AdsBot-Google|Mediapartners-Google/i, 'Googlebot'],
  [/bingbot|BingPreview|msnbot/i, 'Bingbot'],
  [/YandexBot|YandexImages/i, 'YandexBot'],
  [/Baiduspider/i, 'Baiduspider'],
  [/DuckDuckBot/i, 'DuckDuckBot'],
  [/Applebot/i, 'Applebot'],
  [/facebookexternalhit|meta-externalagent/i, 'Facebook'],
  [/AhrefsBot/i, 'AhrefsBot'],
  [/SemrushBot/i, 'SemrushBot'],
  [/MJ12bot/i, 'MJ12bot'],
  [/DotBot/i, 'DotBot'],
  [/PetalBot/i, 'PetalBot'],
  [/GPTBot|ChatGPT-User|OAI-SearchBot/i, 'OpenAI'],
  [/ClaudeBot|Claude-Web|anthropic-ai/i, 'Anthropic'],
  [/CCBot/i, 'CommonCrawl'],
  [/Bytespider/i, 'Bytespider'],
  [/Twitterbot/i, 'Twitterbot'],
  [/LinkedInBot/i, 'LinkedInBot'],
  [/Slackbot/i, 'Slackbot'],
];

const BROWSERS: readonly (readonly [RegExp, string])[] = [
  [/Edg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/OPR\/(\d+)|Opera\/(\d+)/, 'Opera'],
  [/SamsungBrowser\/(\d+)/, 'Samsung Internet'],
  [/Firefox\/(\d+)|FxiOS\/(\d+)/, 'Firefox'],
  [/CriOS\/(\d+)|Chrome\/(\d+)/, 'Chrome'],
  // `(\d+)[\d.]*` would split a long digit run every way before failing; after the digits comes a dot or nothing.
  [/Version\/(\d+)(?:\.[\d.]*)? (?:Mobile\/\w+ )?Safari\//, 'Safari'],
];

const MSIE = /MSIE (\d+)/;

/**
 * Internet Explorer's major version ("MSIE 10.0", or IE 11's "Trident/7.0; rv:11.0"), whichever comes first, as
 * `/MSIE (\d+)|Trident\/.*rv:(\d+)/` finds it; null when neither is there. That regex retries `.*` after every
 * "Trident/" (quadratic). The greedy `.*` stops at a line break, and when it finds no "rv:" and digits after the first
 * "Trident/" of a line it finds none after a later one: so the text after the first "Trident/" of each line is searched
 * once, backwards, for the last "rv:" with digits.
 */
export function ieVersion(ua: string): string | null {
  const msie = MSIE.exec(ua);
  for (let t = ua.indexOf('Trident/'); t >= 0 && (msie === null || t < msie.index); ) {
    let end = t + 8;
    while (end < ua.length && !isLineBreak(ua.charCodeAt(end))) end++;
    for (let i = ua.lastIndexOf('rv:', end - 4); i >= t + 8; i = i === 0 ? -1 : ua.lastIndexOf('rv:', i - 1)) {
      let j = i + 3;
      while (j < end && ua.charCodeAt(j) >= 48 && ua.charCodeAt(j) <= 57) j++;
      if (j > i + 3) return ua.slice(i + 3, j);
    }
    t = end < ua.length ? ua.indexOf('Trident/', end + 1) : -1;
  }
  return msie === null ? null : msie[1] ?? null;
}

/** What `.` does not match. */
function isLineBreak(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

const OSES: readonly (readonly [RegExp, string])[] = [
  [/iPhone|iPad|iPod|iOS/, 'iOS'],
  [/Android/, 'Android'],
  [/CrOS/, 'ChromeOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux|X11/, 'Linux'],
];

const UNKNOWN: AgentInfo = { family: 'Unknown', version: null, os: 'Other', device: 'unknown', agentClass: 'human', claims: null };
const NONE: AgentInfo = { family: 'none', version: null, os: 'Other', device: 'unknown', agentClass: 'tool', claims: null };

/** Classifies one user agent (no cache). */
export function classifyAgent(agent: string | null): AgentInfo {
  if (agent === null || agent === '-' || agent.trim() === '') return NONE;
  const ua = agent.length > AGENT_CLASSIFY_CHARS ? agent.slice(0, AGENT_CLASSIFY_CHARS) : agent;
  const os = OSES.find(([re]) => re.test(ua))?.[1] ?? 'Other';
  for (const [re, family] of TOOLS) {
    if (re.test(ua)) {
      return { family, version: versionAfter(ua, family), os, device: 'tool', agentClass: 'tool', claims: null };
    }
  }
  if (APP.test(ua) && !/Mozilla\//.test(ua)) {
    const name = /^([A-Za-z][\w.-]*)\//.exec(ua)?.[1] ?? 'App';
    return { family: name, version: /^[^/]+\/(\d+)/.exec(ua)?.[1] ?? null, os, device: 'app', agentClass: 'human', claims: null };
  }
  const crawler = CRAWLERS.find(([re]) => re.test(ua));
  if (crawler || isbot(ua)) {
    const name = crawler?.[1] ?? botName(ua);
    return { family: name ?? 'crawler', version: null, os, device: 'bot', agentClass: 'bot', claims: name };
  }
  for (const [re, family] of BROWSERS) {
    const m = re.exec(ua);
    if (m) return { family, version: m[1] ?? m[2] ?? null, os, device: deviceOf(ua), agentClass: 'human', claims: null };
  }
  const ie = ieVersion(ua);
  if (ie !== null) return { family: 'Internet Explorer', version: ie, os, device: deviceOf(ua), agentClass: 'human', claims: null };
  if (/^Mozilla\/5\.0/.test(ua)) return { ...UNKNOWN, family: 'Other browser', os, device: deviceOf(ua) };
  return { ...UNKNOWN, os, family: 'Other' };
}

function deviceOf(ua: string): DeviceType {
  if (/iPad|Tablet|SM-T\d|Kindle|Silk\//.test(ua) || (/Android/.test(ua) && !/Mobile/.test(ua))) return 'tablet';
  if (/Mobile|iPhone|iPod|Android|Windows Phone/.test(ua)) return 'mobile';
  return 'desktop';
}

function versionAfter(ua: string, family: string): string | null {
  const m = new RegExp(`${family.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[/ ](\\d+)`, 'i').exec(ua);
  return m?.[1] ?? null;
}

/**
 * Creates a classifier with a bounded per-run cache (cleared when it reaches `capacity` entries or `maxChars`
 * characters of agents: a hostile agent can be 64 KB long), and a front memo of 256 of its entries (cleared with it).
 */
export function createAgentClassifier(capacity = 20_000, maxChars = Number.POSITIVE_INFINITY): AgentClassifier {
  const cache = new Map<string, AgentEntry>();
  // Agents are few and long: most lines find theirs here without hashing it (core/text.ts FrontCache).
  const front = new FrontCache<AgentEntry>(256);
  let chars = 0;
  const entry = (ua: string): AgentEntry => {
    let e = front.get(ua);
    if (e !== undefined) return e;
    e = cache.get(ua);
    if (e === undefined) {
      if (cache.size >= capacity || chars + ua.length > maxChars) {
        cache.clear();
        front.clear();
        chars = 0;
      }
      const own = detach(ua);
      e = { ua: own, info: classifyAgent(own), top: null };
      cache.set(own, e);
      chars += own.length;
    }
    front.set(e.ua, e);
    return e;
  };
  return {
    classify: (ua) => (ua === null ? NONE : entry(ua).info),
    entry,
    release() {
      for (const e of cache.values()) e.top = null;
    },
  };
}
