#!/usr/bin/env node
/*
 * node scripts/bench-json.js [--lines N] [--runs R] — parser-only throughput of the JSON-lines formats and of a
 * compiled text layout (envoy: the layout compiler on Envoy's default format) next to the ALB and nginx parsers,
 * in one process, interleaved (R rounds, each format once per round; medians), after `npm run build`.
 * Each format parses N copies of its sample line with the client address varied; "JSON.parse" is the same lines
 * through JSON.parse alone, the floor the table engine (src/formats/json/engine.ts) adds its work to.
 */
'use strict';
const { getFormat } = require('../dist/formats/registry.js');

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--lines', 100_000);
const R = arg('--runs', 5);
const IDS = ['alb', 'nginx', 'envoy', 'caddy', 'gcp', 'azure-appgw', 'cloudflare', 'envoy-json', 'traefik-json', 'nginx-json'];
const ctx = { source: { file: 'bench', line: 1 }, strict: false };
/** The text formats have no JSON.parse floor. */
const isJson = (id) => !['alb', 'nginx', 'envoy'].includes(id);

const inputs = IDS.map((id) => {
  const f = getFormat(id);
  const s = f.samples[0];
  const lines = Array.from({ length: N }, (_, i) => s.replace(/203\.0\.113\.7|192\.168\.131\.39|172\.17\.0\.1/, `198.18.${(i >> 8) & 255}.${i & 255}`));
  return { id, f, lines, bytes: s.length };
});

function time(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const parse = new Map(IDS.map((id) => [id, []]));
const json = new Map(IDS.map((id) => [id, []]));
for (const x of inputs) for (let i = 0; i < 5000; i++) x.f.parse(x.lines[i], ctx);
for (let r = 0; r < R; r++) {
  for (let k = 0; k < inputs.length; k++) {
    const x = inputs[(k + r) % inputs.length];
    let n = 0;
    parse.get(x.id).push(time(() => { for (const l of x.lines) if (x.f.parse(l, ctx).kind === 'record') n++; }));
    if (n !== N) throw new Error(`${x.id}: ${n} of ${N} lines parsed`);
    if (isJson(x.id)) json.get(x.id).push(time(() => { for (const l of x.lines) JSON.parse(l); }));
  }
}
const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
console.log(`${N} lines per format, ${R} interleaved rounds (medians)`);
console.log('format        bytes/line   lines/s   JSON.parse lines/s   parse ÷ JSON.parse');
for (const x of inputs) {
  const p = median(parse.get(x.id));
  const j = isJson(x.id) ? median(json.get(x.id)) : null;
  console.log(`${x.id.padEnd(13)} ${String(x.bytes).padStart(10)} ${String(Math.round(N / p)).padStart(9)} ${j === null ? '                   -' : String(Math.round(N / j)).padStart(20)} ${j === null ? '                   -' : (p / j).toFixed(2).padStart(20)}`);
}
