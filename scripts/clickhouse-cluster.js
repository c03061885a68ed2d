#!/usr/bin/env node
'use strict';
/**
 * A two-shard ClickHouse cluster on loopback for the tests (and for trying `lbua export --to-clickhouse` by hand):
 *
 *   node scripts/clickhouse-cluster.js start DIR   starts two clickhouse-server processes as the current user, each
 *                                                  with its own data folder under DIR and a generated config.xml and
 *                                                  users.xml declaring the cluster `lbua_test` of the two (one
 *                                                  replica per shard), on free loopback ports; waits until both
 *                                                  answer `SELECT 1` over HTTP; prints DIR/cluster.json and exits 0
 *                                                  (the servers keep running)
 *   node scripts/clickhouse-cluster.js stop DIR    kills them and removes DIR
 *
 * Exits 3 with one line when no clickhouse-server (or `clickhouse`) binary is installed: callers skip then.
 * Debian's clickhouse-server (18.16.1) is what .ci/run installs; the config below uses what that version reads.
 */
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } = require('node:fs');
const net = require('node:net');
const http = require('node:http');
const { join, resolve } = require('node:path');

const CLUSTER = 'lbua_test';
const NO_BINARY = 3;
const READY_WITHIN_MS = 30_000;

/** The server command: [file, ...args before --config-file], or null. */
function serverCommand() {
  for (const p of ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server']) if (existsSync(p)) return [p];
  const which = (name) => {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : '';
  };
  const server = which('clickhouse-server');
  if (server !== '') return [server];
  const multi = which('clickhouse');
  return multi !== '' ? [multi, 'server'] : null;
}

/** A free loopback TCP port (the OS picks it; it may be taken again before the server binds, rarely). */
function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const xml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

function configXml(dir, self, shards) {
  const replicas = shards.map((s) => `      <shard><replica><host>127.0.0.1</host><port>${s.tcp}</port></replica></shard>`).join('\n');
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${xml(dir)}/server.log</log><errorlog>${xml(dir)}/error.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${self.http}</http_port>
  <tcp_port>${self.tcp}</tcp_port>
  <path>${xml(dir)}/data/</path>
  <tmp_path>${xml(dir)}/data/tmp/</tmp_path>
  <user_files_path>${xml(dir)}/data/user_files/</user_files_path>
  <format_schema_path>${xml(dir)}/data/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <remote_servers>
    <${CLUSTER}>
${replicas}
    </${CLUSTER}>
  </remote_servers>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
`;

/** Resolves true when the server answers `SELECT 1` on `port`. */
function answers(port) {
  return new Promise((res) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/?query=SELECT%201', timeout: 1000 }, (r) => {
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => res(r.statusCode === 200 && body.trim() === '1'));
    });
    req.on('error', () => res(false));
    req.on('timeout', () => req.destroy());
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function start(dir) {
  const cmd = serverCommand();
  if (cmd === null) {
    process.stderr.write('clickhouse-cluster: no clickhouse-server or clickhouse binary (Debian: apt-get install clickhouse-server)\n');
    process.exit(NO_BINARY);
  }
  const t0 = Date.now();
  mkdirSync(dir, { recursive: true });
  const shards = [];
  for (let i = 0; i < 2; i++) shards.push({ http: await freePort(), tcp: await freePort() });
  shards.forEach((s, i) => {
    const home = join(dir, `shard${i + 1}`);
    mkdirSync(join(home, 'data'), { recursive: true });
    writeFileSync(join(home, 'config.xml'), configXml(home, s, shards));
    writeFileSync(join(home, 'users.xml'), USERS_XML);
    const out = openSync(join(home, 'stdout.log'), 'a');
    const child = spawn(cmd[0], [...cmd.slice(1), `--config-file=${join(home, 'config.xml')}`], { cwd: home, detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    child.unref();
    s.pid = child.pid;
    s.home = home;
  });
  const info = { cluster: CLUSTER, shards: shards.map((s) => ({ url: `http://127.0.0.1:${s.http}`, http: s.http, tcp: s.tcp, pid: s.pid })) };
  writeFileSync(join(dir, 'cluster.json'), `${JSON.stringify(info, null, 2)}\n`);
  const deadline = Date.now() + READY_WITHIN_MS;
  const ready = shards.map(() => false);
  while (ready.some((r) => !r)) {
    for (let i = 0; i < shards.length; i++) {
      const s = shards[i];
      if (!ready[i]) ready[i] = await answers(s.http);
      if (!ready[i] && (!alive(s.pid) || Date.now() > deadline)) {
        const log = ['error.log', 'stdout.log'].map((f) => join(s.home, f)).filter(existsSync).map((f) => readFileSync(f, 'utf8')).join('').trim().split('\n').slice(-5).join(' | ');
        stop(dir);
        process.stderr.write(`clickhouse-cluster: shard ${i + 1} (http ${s.http}) ${alive(s.pid) ? `did not answer within ${READY_WITHIN_MS / 1000} s` : 'exited'}: ${log}\n`);
        process.exit(1);
      }
    }
    if (ready.some((r) => !r)) await sleep(50);
  }
  info.startedInMs = Date.now() - t0;
  writeFileSync(join(dir, 'cluster.json'), `${JSON.stringify(info, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(info)}\n`);
}

function stop(dir) {
  const file = join(dir, 'cluster.json');
  if (existsSync(file)) {
    const info = JSON.parse(readFileSync(file, 'utf8'));
    for (const s of info.shards) {
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

const [action, where] = process.argv.slice(2);
if ((action !== 'start' && action !== 'stop') || where === undefined) {
  process.stderr.write('usage: node scripts/clickhouse-cluster.js start|stop DIR\n');
  process.exit(2);
}
const dir = resolve(where);
if (action === 'stop') stop(dir);
else start(dir).catch((e) => {
  stop(dir);
  process.stderr.write(`clickhouse-cluster: ${e.message}\n`);
  process.exit(1);
});
