/** User-agent families, devices and classes. */
import { classifyAgent, createAgentClassifier } from '../../src/enrich/user-agent';

describe('user agents', () => {
  it.each([
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 'Chrome', 'Windows', 'desktop', 'human'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', 'Edge', 'Windows', 'desktop', 'human'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15', 'Safari', 'macOS', 'desktop', 'human'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', 'Safari', 'iOS', 'mobile', 'human'],
    ['Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1', 'Safari', 'iOS', 'tablet', 'human'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36', 'Chrome', 'Android', 'mobile', 'human'],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox', 'Linux', 'desktop', 'human'],
    ['ShopApp/5.12.0 (iPhone; iOS 18.1; Scale/3.00) okhttp/4.12.0', 'ShopApp', 'iOS', 'app', 'human'],
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'Googlebot', 'Other', 'bot', 'bot'],
    ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'Bingbot', 'Other', 'bot', 'bot'],
    ['Mozilla/5.0 (compatible; AhrefsBot/6.1; +http://ahrefs.com/robot/)', 'AhrefsBot', 'Other', 'bot', 'bot'],
    ['curl/8.5.0', 'curl', 'Other', 'tool', 'tool'],
    ['python-requests/2.31.0', 'python-requests', 'Other', 'tool', 'tool'],
    ['Go-http-client/1.1', 'Go-http-client', 'Other', 'tool', 'tool'],
    ['okhttp/4.9.0', 'okhttp', 'Other', 'tool', 'tool'],
    ['masscan/1.0 (https://github.com/robertdavidgraham/masscan)', 'scanner', 'Other', 'tool', 'tool'],
  ])('%s', (ua, family, os, device, cls) => {
    const a = classifyAgent(ua);
    expect([a.family, a.os, a.device, a.agentClass]).toEqual([family, os, device, cls]);
  });

  it('names a crawler claim without trusting it', () => {
    expect(classifyAgent('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)').claims).toBe('Googlebot');
    expect(classifyAgent('Mozilla/5.0 (Windows NT 10.0)').claims).toBeNull();
  });

  // Agents from the Elastic 10,000-line Apache log: crawlers the bot list knows but lbua has no name for.
  it.each([
    ['Mozilla/5.0 (compatible; Ezooms/1.0; help@moz.com)', 'Ezooms'],
    ['Mozilla/5.0 (compatible; archive.org_bot +http://www.archive.org/details/archive.org_bot)', 'archive.org_bot'],
    ['Mozilla/5.0 (compatible; MJ12bot/v1.4.4; http://www.majestic12.co.uk/bot.php?+)', 'MJ12bot'],
    ['UniversalFeedParser/4.2-pre-314-svn +http://feedparser.org/', 'UniversalFeedParser'],
    ['Tiny Tiny RSS/1.11 (http://tt-rss.org/)', 'Tiny Tiny RSS'],
  ])('names an unlisted crawler by the name it gives itself: %s → %s', (ua, name) => {
    expect(classifyAgent(ua)).toMatchObject({ agentClass: 'bot', family: name, claims: name });
  });

  it('claims nothing by name for a crawler that gives none (family "crawler")', () => {
    expect(classifyAgent('Mozilla/5.0 (Windows NT 6.1) HeadlessChrome/120.0 Safari/537.36')).toMatchObject({ agentClass: 'bot', family: 'crawler', claims: null });
  });

  it('treats a missing user agent as a tool', () => {
    expect(classifyAgent(null).agentClass).toBe('tool');
    expect(classifyAgent('-').family).toBe('none');
  });

  it('caches per distinct agent, bounded', () => {
    const c = createAgentClassifier(2);
    const a = c.classify('curl/8.5.0');
    expect(c.classify('curl/8.5.0')).toBe(a);
    c.classify('x/1');
    c.classify('y/1');
    expect(c.classify('curl/8.5.0')).toEqual(a);
  });
});
