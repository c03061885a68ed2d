/** `lbua geo <ip...>`: what lbua attaches to an address (country, ASN, organisation, network class, special range). */
import type { Command } from 'commander';
import { safe } from '../../report/style';
import { bundledAttribution } from '../../enrich/geo/index';
import { addGeoOptions, geoFromOptions, type RawGeoOptions } from './geo-options';
import { withOut } from '../output';

interface RawGeoCommand extends RawGeoOptions {
  readonly info?: boolean;
  readonly output?: string;
}

/** Adds the command. */
export function registerGeo(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('geo')
    .description('look addresses up: country, ASN, organisation, network class (handy in incident chats)')
    .argument('[ips...]', 'IPv4 or IPv6 addresses');
  addGeoOptions(cmd)
    .option('--info', 'show where the data comes from (sources, licences, dates)')
    .option('--output <kind>', 'table or json', 'table')
    .action(async (ips: string[], raw: RawGeoCommand) => {
      const geo = await geoFromOptions(raw);
      // Through the checked writer: `lbua geo ... | head -1` stops quietly, `> /dev/full` is exit 2 with one line.
      await withOut(null, (out) => {
        if (raw.info === true || ips.length === 0) {
          const lines = geo ? geo.info() : ['geo enrichment disabled (--no-geo)', ...bundledAttribution()];
          out.write(`${lines.join('\n')}\n`);
          return;
        }
        const rows = ips.map((ip) => ({ ip, ...(geo?.lookup(ip) ?? null) }));
        if (raw.output === 'json') {
          out.write(`${JSON.stringify(rows.map((r) => ({
            ip: r.ip, valid: 'network' in r, country: r.country ?? null, asn: r.asn ?? null, as_org: r.asOrg ?? null,
            city: r.city ?? null, region: r.region ?? null, network: r.network ?? null, special: r.special ?? null,
          })), null, 2)}\n`);
        } else {
          for (const r of rows) {
            if (!('network' in r)) {
              out.write(`${safe(r.ip, 60)}  not an IP address\n`);
              continue;
            }
            // A special-purpose range (private, documentation, loopback, ...) is not on the internet: no ASN or class.
            if (r.special) {
              out.write(`${safe(r.ip, 60)}  (${r.special} range, not routed on the internet)\n`);
              continue;
            }
            const where = [r.country ?? '??', r.region, r.city].filter(Boolean).join(' / ');
            const net = r.asn !== null && r.asn !== undefined ? `AS${r.asn} ${safe(r.asOrg ?? '', 60)}` : 'no ASN';
            out.write(`${safe(r.ip, 60)}  ${where}  ${net}  [${r.network}]\n`);
          }
        }
        if (rows.some((r) => !('network' in r))) setExit(2);
      });
    });
}
