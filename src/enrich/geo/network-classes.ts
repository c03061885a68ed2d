/**
 * Network class per ASN: hosting/cloud, mobile, residential ISP, or unknown. A maintained list of the large hosting
 * and cloud networks by ASN (sources: each provider's published ASNs — AWS ip-ranges docs, Google Cloud, Microsoft
 * Azure service tags, DigitalOcean, Hetzner, OVHcloud, Akamai/Linode, Alibaba Cloud, Oracle Cloud, Tencent Cloud,
 * Vultr, Scaleway, Contabo, Leaseweb, IBM Cloud; cross-checked against PeeringDB "Content"/"NSP" network types),
 * then organisation-name keywords for the long tail. Review the list when a finding names an unexpected network.
 */
import type { NetworkClass } from '../types';

/** ASN → provider, for hosting/cloud networks. */
export const HOSTING_ASNS: Readonly<Record<number, string>> = {
  16509: 'Amazon AWS', 14618: 'Amazon AWS', 8987: 'Amazon AWS', 38895: 'Amazon AWS',
  15169: 'Google', 396982: 'Google Cloud', 19527: 'Google', 36040: 'Google',
  8075: 'Microsoft Azure', 8068: 'Microsoft', 8069: 'Microsoft', 12076: 'Microsoft Azure',
  14061: 'DigitalOcean', 24940: 'Hetzner', 213230: 'Hetzner', 212317: 'Hetzner',
  16276: 'OVHcloud', 35540: 'OVHcloud', 63949: 'Akamai/Linode', 20940: 'Akamai', 16625: 'Akamai',
  45102: 'Alibaba Cloud', 37963: 'Alibaba Cloud', 24429: 'Alibaba', 31898: 'Oracle Cloud', 7160: 'Oracle',
  132203: 'Tencent Cloud', 45090: 'Tencent', 20473: 'Vultr (Choopa)', 12876: 'Scaleway', 51167: 'Contabo',
  60781: 'Leaseweb', 16265: 'Leaseweb', 28753: 'Leaseweb', 36351: 'IBM Cloud (SoftLayer)', 13335: 'Cloudflare',
  54113: 'Fastly', 47583: 'Hostinger', 9009: 'M247', 26496: 'GoDaddy', 46606: 'Unified Layer', 398101: 'GoDaddy',
  62567: 'DigitalOcean', 200019: 'AlexHost', 51396: 'Pfcloud', 174: 'Cogent', 3257: 'GTT', 8100: 'QuadraNet',
  40021: 'Contabo US', 141995: 'Contabo Asia', 210644: 'AEZA', 44477: 'Stark Industries', 57523: 'Chang Way',
};

/** Large mobile carriers by ASN. */
export const MOBILE_ASNS: Readonly<Record<number, string>> = {
  21928: 'T-Mobile US', 22394: 'Verizon Wireless', 6167: 'Verizon Wireless', 20057: 'AT&T Mobility',
  55836: 'Reliance Jio', 45609: 'Bharti Airtel Mobile', 26599: 'TIM Brasil', 12430: 'Vodafone ES',
};

const HOSTING_WORDS = /\b(?:hosting|host|cloud|data ?cent(?:er|re)|datacenter|server|servers|vps|colo|colocation|dedicated|compute|amazon|google|microsoft|digitalocean|hetzner|ovh|linode|akamai|alibaba|oracle|tencent|vultr|choopa|scaleway|contabo|leaseweb|softlayer|hostinger|m247)\b/i;
const MOBILE_WORDS = /\b(?:mobile|mobil|wireless|cellular|lte|5g|gsm|t-mobile|jio)\b/i;
const ISP_WORDS = /\b(?:telecom|telekom|telecommunications?|broadband|cable|communications|comcast|charter|spectrum|cox|verizon|at&t|orange|vodafone|telefonica|telstra|bt|sky|virgin|kpn|swisscom|proximus|bell|rogers|shaw|ntt|kddi|softbank|chinanet|china unicom|rostelecom|isp|internet service|fibre|fiber|dsl|net s\.a\.|claro|vivo|airtel)\b/i;

/** The class of a network from its ASN and organisation name. */
export function networkClass(asn: number | null, org: string | null): NetworkClass {
  if (asn !== null && HOSTING_ASNS[asn] !== undefined) return 'hosting';
  if (asn !== null && MOBILE_ASNS[asn] !== undefined) return 'mobile';
  if (org === null) return 'unknown';
  if (MOBILE_WORDS.test(org)) return 'mobile';
  if (HOSTING_WORDS.test(org)) return 'hosting';
  if (ISP_WORDS.test(org)) return 'residential';
  return 'unknown';
}
