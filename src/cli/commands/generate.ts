/** `lbua generate`: writes a seeded, realistic ALB log (the project's own scenario generator). */
import type { Command } from 'commander';
import { isoTime } from '../../core/units';
import { allIncidents } from '../../generate/incidents';
import { driftIncidents } from '../../generate/drift';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { albLine } from '../../generate/alb-line';
import { parseIp } from '../../enrich/geo/ip';
import { generateRequests } from '../../generate/scenario';
import { parsePositiveInt, parseTimeOption } from '../options';
import { fail } from '../../core/types';
import { OutputClosed, withOut } from '../output';

interface RawGenerate {
  readonly requests?: string;
  readonly hours?: string;
  readonly seed?: string;
  readonly start?: string;
  readonly out?: string;
  readonly gzip?: boolean;
  readonly incident?: string[];
  readonly expected?: string;
  readonly viaProxy?: string;
}

const collect = (v: string, prev: unknown): string[] => [...(Array.isArray(prev) ? prev.filter((x): x is string => typeof x === 'string') : []), v];

/** Adds the command. */
export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('write a seeded, realistic AWS ALB access log (for demos, tests and benchmarks)')
    .option('-n, --requests <n>', 'approximate number of requests (default 10000)')
    .option('--hours <n>', 'length of the period in hours (default 6)')
    .option('--seed <n>', 'random seed (default 1)')
    .option('--start <time>', 'start of the period (default 2026-03-10T06:00:00Z)')
    .option('-o, --out <file>', 'output file (default stdout)')
    .option('--gzip', 'gzip the output (default when the file name ends in .gz)')
    .option('--incident <id>', 'inject an incident (repeatable; "all" for every attack kind but release, "drift" for the baseline drifts; see --incident list)', collect)
    .option('--expected <file>', 'write what the detectors should find for the injected incidents (JSON)')
    // Issue 19 (proxy-fronted site): the same traffic, every request logged with one proxy's address as its client.
    .option('--via-proxy <address>', 'log every request with this address as its client (a site behind one proxy that logs no forwarded address)')
    .action(async (raw: RawGenerate) => {
      const requests = parsePositiveInt('requests', raw.requests, 10_000);
      const hours = Number(raw.hours ?? 6);
      if (!(hours > 0 && hours <= 24 * 31)) fail('OPTION_INVALID', `--hours must be between 0 and 744, got ${JSON.stringify(raw.hours)}`);
      const seed = parsePositiveInt('seed', raw.seed, 1);
      const startMs = parseTimeOption('start', raw.start ?? '2026-03-10T06:00:00Z') ?? 0;
      const all = allIncidents(startMs, hours, seed, requests);
      // Drift incidents (for baselines) are asked for by name or as "drift", never by "all".
      const drift = driftIncidents(startMs, hours, seed, requests);
      const known = [...all, ...drift];
      const wanted = raw.incident ?? [];
      if (wanted.includes('list')) {
        await withOut(null, (out) => out.write(`${all.map((i) => `${i.id.padEnd(20)} ${i.description}`).join('\n')}\n${drift.map((i) => `${i.id.padEnd(20)} (drift, not in "all") ${i.description}`).join('\n')}\n`));
        return;
      }
      for (const w of wanted) if (w !== 'all' && w !== 'drift' && !known.some((i) => i.id === w)) fail('OPTION_INVALID', `unknown incident ${JSON.stringify(w)} (see --incident list)`);
      const incidents = known.filter((i) => (wanted.includes('all') && all.includes(i) && i.namedOnly !== true) || (wanted.includes('drift') && drift.includes(i)) || wanted.includes(i.id));
      const via = raw.viaProxy ?? null;
      if (via !== null && parseIp(via) === null) fail('OPTION_INVALID', `--via-proxy must be an IP address, got ${JSON.stringify(via)}`);
      const file = raw.out ?? null;
      const gzip = raw.gzip === true || (file !== null && file.endsWith('.gz'));
      await withOut(file, async (out) => {
        const gz = gzip ? createGzip({ level: 6 }) : null;
        gz?.on('data', (b: Buffer) => out.write(b));
        const put = async (text: string): Promise<void> => {
          if (gz === null) out.write(text);
          else if (!gz.write(text)) await once(gz, 'drain');
          // A failed write throws here (exit 2); a reader that went away (`| head`) stops quietly.
          await out.drain();
          if (out.closed) throw new OutputClosed();
        };
        let buf = '';
        for (const req of generateRequests({ seed, startMs, hours, requests, actors: incidents.map((i) => i.actor) })) {
          if (via !== null) req.clientIp = via;
          buf += `${albLine(req)}\n`;
          if (buf.length > 1 << 16) {
            await put(buf);
            buf = '';
          }
        }
        if (gz === null) out.write(buf);
        else {
          const ended = once(gz, 'end');
          gz.end(buf);
          await ended;
        }
      });
      if (raw.expected !== undefined) {
        const expected = incidents.map((i) => ({ ...i.expected, start: isoTime(i.expected.startMs), end: isoTime(i.expected.endMs), description: i.description }));
        await withOut(raw.expected, (out) => out.write(`${JSON.stringify(expected, null, 2)}\n`));
      }
    });
}
