/**
 * A run that reads its inputs with a declared format (--log-format, --format-file) saves the declared formats in
 * its report (`options.layouts`, as --format-file entries), so that `lbua report saved.json` renders what analyze
 * printed: evidence lines read with the input's own format (time, client, request, status, duration, agent), not
 * with whichever built-in format half-reads them. End to end from the CLI, on a seeded log written in the layouts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, lbua } from '../helpers/cli';
import { lbuaIn } from '../helpers/in-process';
import { tempDirs } from '../helpers/tmp';

const tempDir = tempDirs();

const tmp = tempDir('lbua-declared-');

// The issue's nginx layout, which no built-in format reads whole.
const LAYOUT = '$remote_addr $host [$time_local] "$request" $status $body_bytes_sent $request_time "$http_user_agent"';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface Rec {
  time: string; client_ip: string; host: string | null; method: string | null; path: string | null; query: string | null;
  protocol: string | null; status: number | null; bytes_out: number | null; duration_ms: number | null; user_agent: string | null;
}

/** A seeded ALB log with a scanner in it, as records. */
function records(): Rec[] {
  const gen = join(tmp, 'gen.log');
  expect(lbua(['generate', '-n', '3000', '--hours', '1', '--seed', '11', '--incident', 'scanner', '-o', gen]).code).toBe(0);
  return lbua(['records', gen]).stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Rec);
}

function nginxLine(r: Rec): string {
  const t = new Date(r.time);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const local = `${p2(t.getUTCDate())}/${MONTHS[t.getUTCMonth()] ?? ''}/${t.getUTCFullYear()}:${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())} +0000`;
  const target = `${r.path ?? '/'}${r.query === null ? '' : `?${r.query}`}`;
  return `${r.client_ip} ${r.host ?? '-'} [${local}] "${r.method ?? 'GET'} ${target} ${r.protocol ?? 'HTTP/1.1'}" ${r.status ?? 0} ${r.bytes_out ?? 0} ${((r.duration_ms ?? 0) / 1000).toFixed(3)} "${r.user_agent ?? '-'}"`;
}

type Saved = { options: Record<string, unknown>; findings: { detector: string; evidence: { text?: string }[] }[] };

describe('a saved report of a run with declared formats', () => {
  const recs = records();
  const nginxLog = join(tmp, 'shop.log');
  writeFileSync(nginxLog, `${recs.map(nginxLine).join('\n')}\n`);

  it('--log-format: report saved.json renders the table (with --evidence) and the HTML analyze printed, evidence read with the layout', async () => {
    const args = ['analyze', nginxLog, '--log-format', `nginx:${LAYOUT}`];
    const saved = join(tmp, 'r.json');
    expect((await lbuaIn([...args, '--output', 'json', '-o', saved])).code).toBe(0);
    const doc = JSON.parse(readFileSync(saved, 'utf8')) as Saved;
    expect(JSON.parse(String(doc.options['layouts']))).toEqual([{ name: 'nginx-layout', dialect: 'nginx', layout: LAYOUT }]);
    expect(doc.findings.map((f) => f.detector)).toContain('scanner');

    const table = await lbuaIn([...args, '--output', 'table', '--evidence']);
    const again = await lbuaIn(['report', saved, '--output', 'table', '--evidence']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(table.stdout);
    // The summary of an evidence line ends with the agent only the declared layout reads.
    const scanner = recs.find((r) => r.path === '/.env');
    expect(table.stdout).toMatch(new RegExp(`${(scanner?.client_ip ?? 'none').replace(/\./g, '\\.')}  GET /\\.env → 404 .*"${(scanner?.user_agent ?? '').slice(0, 10)}`));

    const html = join(tmp, 'a.html');
    const rendered = join(tmp, 'b.html');
    expect((await lbuaIn([...args, '--output', 'html', '-o', html])).code).toBe(0);
    expect((await lbuaIn(['report', saved, '-o', rendered])).code).toBe(0);
    expect(readFileSync(rendered, 'utf8')).toBe(readFileSync(html, 'utf8'));
  }, 60_000);

  it('--format-file JSON table: the same, and a run without declared formats saves no layouts', async () => {
    const jsonLog = join(tmp, 'edge.log');
    writeFileSync(jsonLog, `${recs.map((r) => JSON.stringify({ when: r.time, peer: r.client_ip, req: { method: r.method, uri: `${r.path ?? '/'}${r.query === null ? '' : `?${r.query}`}` }, res: { code: r.status }, took_us: Math.round((r.duration_ms ?? 0) * 1000), ua: r.user_agent })).join('\n')}\n`);
    const table = {
      all: ['when', 'req.uri'],
      fields: [
        { field: 'startMs', path: 'when' }, { field: 'clientIp', path: 'peer' }, { field: 'method', path: 'req.method' }, { field: 'url', path: 'req.uri' },
        { field: 'status', path: 'res.code' }, { field: 'durationMs', path: 'took_us', unit: 'us' }, { field: 'userAgent', path: 'ua' },
      ],
    };
    const file = join(tmp, 'formats.json');
    writeFileSync(file, JSON.stringify({ formats: [{ name: 'edge', json: table }] }));
    const args = ['analyze', jsonLog, '--format-file', file];
    const saved = join(tmp, 'edge.json');
    expect((await lbuaIn([...args, '--output', 'json', '-o', saved])).code).toBe(0);
    const doc = JSON.parse(readFileSync(saved, 'utf8')) as Saved;
    expect(JSON.parse(String(doc.options['layouts']))).toEqual([{ name: 'edge', json: table }]);
    const printed = (await lbuaIn([...args, '--output', 'table', '--evidence'])).stdout;
    expect(printed).toMatch(/GET \/\.env → 404 +\d/);
    expect((await lbuaIn(['report', saved, '--output', 'table', '--evidence'])).stdout).toBe(printed);

    const plain = json(await lbuaIn(['analyze', join(tmp, 'gen.log'), '--output', 'json', '--summary-only'])) as Saved;
    expect(Object.keys(plain.options)).not.toContain('layouts');
  }, 60_000);

  it('a saved report whose declared layouts do not compile is refused in one line, exit 2', async () => {
    const saved = join(tmp, 'r.json');
    const doc = JSON.parse(readFileSync(saved, 'utf8')) as Saved;
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...doc, options: { ...doc.options, layouts: JSON.stringify([{ name: 'shop', dialect: 'nginx', layout: '$remote_addr [$time_local] $no_such_var' }]) } }));
    const r = await lbuaIn(['report', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lbua: .*bad\.json: options\.layouts \[0\] nginx layout: unknown nginx variable \$no_such_var at column 28: .*\n(?:lbua: hint: .*\n)?$/);
    writeFileSync(bad, JSON.stringify({ ...doc, options: { ...doc.options, layouts: '[{"name":"alb","dialect":"nginx","layout":"$remote_addr"}]' } }));
    expect((await lbuaIn(['report', bad])).stderr).toContain('options.layouts [0]: "alb" is the name of a built-in format');
  });
});
