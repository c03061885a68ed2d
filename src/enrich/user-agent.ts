/**
 * User-agent classification: family, major version, OS, device type and class (human / bot / tool), from a small
 * ordered table of our own (MIT-compatible, no copyleft parser) plus the maintained `isbot` pattern list
 * (Unlicense) for crawlers. Order matters: scripted HTTP tools and app clients are recognised first (isbot also
 * flags curl or okhttp, but those are tools and apps, not crawlers), then crawlers, then browsers.
 * A crawler's user agent is only a claim: `claims` names what it says it is; nothing here verifies it.
 */
import { isbot } from 'isbot';
import { detach } from '../core/text';
import type { AgentInfo, DeviceType } from './types';

/** A classifier with a per-run cache (agents repeat a lot). */
export interface AgentClassifier {
  classify(ua: string | null): AgentInfo;
  /** The class and the cached standalone copy of `ua` (the same object for every record with that agent). */
  entry(ua: string): AgentEntry;
}

/** A user agent's class, with the agent itself as a standalone string (the cache's own copy). */
export interface AgentEntry {
  readonly ua: string;
  readonly info: AgentInfo;
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
  [/masscan|zgrab|nmap|Nuclei|sqlmap|nikto|WPScan|dirbuster|gobuster|ffuf|Nessus|Acunetix|Expanse|CensysInspect/i, 'scanner'],
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
  return /([A-Za-z][\w.-]*(?:bot|spider|crawler))/i.exec(ua)?.[1] ?? null;
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
  [/Version\/(\d+)[\d.]* (?:Mobile\/\w+ )?Safari\//, 'Safari'],
  [/MSIE (\d+)|Trident\/.*rv:(\d+)/, 'Internet Explorer'],
];

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
export function classifyAgent(ua: string | null): AgentInfo {
  if (ua === null || ua.trim() === '' || ua === '-') return NONE;
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
 * characters of agents: a hostile agent can be 64 KB long).
 */
export function createAgentClassifier(capacity = 20_000, maxChars = Number.POSITIVE_INFINITY): AgentClassifier {
  const cache = new Map<string, AgentEntry>();
  let chars = 0;
  let lastUa: string | null = null;
  let lastEntry: AgentEntry = { ua: '', info: NONE };
  const entry = (ua: string): AgentEntry => {
    if (ua === lastUa) return lastEntry;
    let e = cache.get(ua);
    if (e === undefined) {
      if (cache.size >= capacity || chars + ua.length > maxChars) {
        cache.clear();
        chars = 0;
      }
      const own = detach(ua);
      e = { ua: own, info: classifyAgent(own) };
      cache.set(own, e);
      chars += own.length;
    }
    lastUa = ua;
    lastEntry = e;
    return e;
  };
  return {
    classify: (ua) => (ua === null ? NONE : entry(ua).info),
    entry,
  };
}
