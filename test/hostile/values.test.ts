/**
 * Values that must be what they claim (issue 16): a line whose time cannot be true, whose numbers are not finite,
 * or whose client is not an address is a malformed line with its field and reason, in every command, never a
 * crash; an IPv6 zone id is dropped; a host name where the address goes is kept as client_host.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { clientAddress, isHostName } from '../../src/core/address';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const tmp = tempDir('lbua-values-');
const ESC = '\u001b';
const BEL = '\u0007';

const NGINX_OK = '172.17.0.1 - - [31/Mar/2021:12:04:07 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/7.75.0" "-" 0.004 0.004';
const HAPROXY_OK = '10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"';
const ALB_SHORT_OK = 'http 2018-11-30T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - -';
const CLF_OK = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"';

interface Case {
  readonly name: string;
  readonly good: string;
  readonly bad: string;
  readonly field: string;
}

const CASES: readonly Case[] = [
  { name: 'nginx $request_time 9000000000000.0 (start derived by subtracting it)', good: NGINX_OK, bad: NGINX_OK.replace('0.004 0.004', '9000000000000.0 0.004'), field: 'duration_ms' },
  { name: 'ALB without request_creation_time, processing time 8.7e12 s', good: ALB_SHORT_OK, bad: ALB_SHORT_OK.replace('0.000073 0.001048', '8700000000000.0 0.001048'), field: 'duration_ms' },
  { name: 'HAProxy accept date 15:-6:49.497', good: HAPROXY_OK, bad: HAPROXY_OK.replace('[06/Feb/2009:12:14:14.655]', '[10/Dec/2018:15:-6:49.497]'), field: 'time' },
  { name: 'CLF in year 1970', good: CLF_OK, bad: CLF_OK.replace('10/Oct/2000', '10/Oct/1970'), field: 'time' },
  { name: 'CLF in year 9999', good: CLF_OK, bad: CLF_OK.replace('10/Oct/2000', '10/Oct/9999'), field: 'time' },
  { name: 'a 310-digit sent byte count', good: CLF_OK, bad: CLF_OK.replace(' 2326 ', ` 1${'0'.repeat(309)} `), field: 'bytes_out' },
  { name: 'a client that is a terminal payload', good: CLF_OK, bad: CLF_OK.replace('127.0.0.1', `fe80::1${ESC}]52;c;ZWNobyBvd25lZA==${BEL}${ESC}[2J`), field: 'client_ip' },
  { name: 'a client that is config syntax', good: CLF_OK, bad: CLF_OK.replace('127.0.0.1', '1.2.3.4;}server{listen'), field: 'client_ip' },
];

describe('impossible values are malformed lines, not crashes', () => {
  it.each(CASES)('$name', async ({ good, bad, field }) => {
    const file = join(tmp, `${field}-${Math.random().toString(36).slice(2)}.log`);
    writeFileSync(file, `${good}\n${bad}\n${good}\n`);
    // Each command once (in-process: a crash is exit 3 with its line, as bin/lbua.js reports it): the checks below
    // read the same analyze and records runs.
    const run = (cmd: string): ReturnType<typeof lbuaIn> => lbuaIn(cmd === 'analyze' ? [cmd, '--output', 'json', file] : [cmd, file]);
    const runs = { analyze: await run('analyze'), records: await run('records'), sessions: await run('sessions'), profile: await run('profile') };
    for (const [cmd, r] of Object.entries(runs)) {
      expect({ cmd, code: r.code, crash: /\n\s+at |RangeError|TypeError/.test(r.stderr) }).toEqual({ cmd, code: 0, crash: false });
    }
    const rep = json(runs.analyze) as { inputs: { records: number; malformed: number }[]; warnings: { line: number; code: string; message: string }[] };
    expect(rep.inputs[0]).toMatchObject({ records: 2, malformed: 1 });
    const w = rep.warnings.find((x) => x.line === 2);
    expect(w?.code).toBe('PARSE_BAD_FIELD');
    // Only the diagnostic quotes the bad line (escapes stripped); nothing counted or judged carries it.
    expect(JSON.stringify({ ...rep, warnings: [] })).not.toMatch(/\\u001b|\\u0007|server\{listen|9000000000000/);
    expect(JSON.stringify(rep.warnings)).not.toMatch(/\\u001b|\\u0007/);
    // --strict counts it as bad input.
    expect((await lbuaIn(['analyze', '--strict', '--output', 'json', file])).code).toBe(2);
    const rec = runs.records;
    expect(rec.stderr).toContain(`${file}:2: error PARSE_BAD_FIELD`);
    expect(rec.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('drops an IPv6 zone id (with whatever it carries), and keeps a host name (Apache HostnameLookups) as client_host', async () => {
    const file = join(tmp, 'zones.log');
    const clients = ['fe80::1%eth0', `fe80::1%${ESC}]52;c;ZWNobyBvd25lZA==${BEL}${ESC}[2J`, 'fe80::1%25;}server{listen', 'crawl-66-249-66-1.googlebot.com', '2001:DB8::1'];
    writeFileSync(file, clients.map((c) => CLF_OK.replace('127.0.0.1', c)).join('\n'));
    const r = await lbuaIn(['records', file]);
    expect(r.stdout).not.toMatch(/\\u001b|\\u0007|server\{listen/);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { client_ip: string | null; client_host: string | null });
    expect(rows.map((x) => [x.client_ip, x.client_host])).toEqual([['fe80::1', null], ['fe80::1', null], ['fe80::1', null], [null, 'crawl-66-249-66-1.googlebot.com'], ['2001:DB8::1', null]]);
    const rules = await lbuaIn(['analyze', '--emit-rules', 'nginx', '--detector-opt', 'scanner.minRequests=1', file]);
    expect(rules.stdout).not.toMatch(/server\{listen|\u001b/);
  });
});

describe('clientAddress', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'], ['255.255.255.255', '255.255.255.255'], ['0.0.0.0', '0.0.0.0'], ['10.0.100.1', '10.0.100.1'], ['::', '::'], ['::1', '::1'], ['1::', '1::'],
    ['2001:db8::1', '2001:db8::1'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'], ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7::'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'], ['64:ff9b::192.0.2.33', '64:ff9b::192.0.2.33'], ['fe80::1%eth0', 'fe80::1'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:1.2.3.4'],
  ])('%s is an address (%s)', (s, want) => expect(clientAddress(s)).toBe(want));

  it.each([
    '', '1.2.3', '01.02.03.04', '1.2.3.00', '1.2.3.4.5', '256.1.1.1', '1.2.3.4 ', '1..2.3', '1.2.3.4:80', ':1', '1:', '1:2:3:4:5:6:7:8:9', '1::2::3',
    '12345::', 'g::1', '1:2:3:4:5:6:7:8::', '::1.2.3', '1:2:3:4:5:6:7:1.2.3.4', '%eth0', 'localhost', '-', '[::1]',
    `fe80::1${ESC}]52;c;x`,
  ])('%j is not', (s) => expect(clientAddress(s)).toBeNull());

  it('isHostName accepts names and rejects addresses gone wrong and syntax', () => {
    expect(['localhost', 'monitoring-server', 'a.b-c.example', 'host_1.corp'].every(isHostName)).toBe(true);
    expect(['', '1.2.3.999', 'a..b', 'a b', 'x;}server{', `a${ESC}b`, 'a'.repeat(64), '-'].some(isHostName)).toBe(false);
  });
});
