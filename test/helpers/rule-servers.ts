/**
 * The real servers that check --emit-rules output: nginx and HAProxy wrap the rules in a minimal config and run
 * `nginx -t` / `haproxy -c` on it. Both are optional: without the binaries (.ci/run installs nginx-light and
 * haproxy) the callers skip and say so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The nginx binary, or null when absent. */
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? null;
/** The HAProxy binary, or null when absent. */
export const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p)) ?? null;

/** The http and server parts of the nginx output, inside a minimal config that serves `dir/www` on `port`. */
export function nginxConf(rules: string, dir: string, port: number): string {
  const http = rules.split('# http { } context:')[1]?.split('# server { } or location { } context:')[0] ?? '';
  const server = rules.split('# server { } or location { } context:')[1] ?? '';
  return `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  client_body_temp_path ${dir};\n  proxy_temp_path ${dir};\n  fastcgi_temp_path ${dir};\n  uwsgi_temp_path ${dir};\n  scgi_temp_path ${dir};\n${http}\n  server {\n    listen 127.0.0.1:${port};\n    root ${dir}/www;\n${server}\n  }\n}\n`;
}

/** The frontend and backend parts of the HAProxy output in a minimal config that answers 200 itself. */
export function haproxyCfg(rules: string, port: number): string {
  const [front = '', back = ''] = (rules.split('# frontend section:')[1] ?? '').split(/^# one stick table per endpoint limit.*$/m);
  return `defaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\nfrontend f\n  bind 127.0.0.1:${port}\n${front}\n  http-request return status 200 content-type text/plain string ok\n${back}\n`;
}

/** What a server said about a config: whether it accepted it, and its output (for the failure message). */
export interface ConfigCheck {
  readonly ok: boolean;
  readonly output: string;
}

/** `nginx -t` on the nginx rules (in `dir`, which must exist); throws when nginx is absent. */
export function nginxCheck(rules: string, dir: string, port = 18799): ConfigCheck {
  if (NGINX === null) throw new Error('no nginx binary');
  const conf = join(dir, 'check.conf');
  writeFileSync(conf, nginxConf(rules, dir, port));
  const r = spawnSync(NGINX, ['-t', '-p', dir, '-c', conf], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  // A warning (a duplicate network, meaningless low address bits) is a rule that does not say what it meant.
  return { ok: r.status === 0 && output.includes('test is successful') && !/\[(warn|error|crit|alert|emerg)\]/.test(output), output };
}

/** `haproxy -c` on the HAProxy rules (written in `dir`); throws when HAProxy is absent. */
export function haproxyCheck(rules: string, dir: string, port = 18798): ConfigCheck {
  if (HAPROXY === null) throw new Error('no haproxy binary');
  const cfg = join(dir, 'check.cfg');
  writeFileSync(cfg, haproxyCfg(rules, port));
  const r = spawnSync(HAPROXY, ['-c', '-f', cfg], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  // HAProxy exits 0 on warnings too; a config it had to truncate or reinterpret is not valid for us.
  return { ok: r.status === 0 && output.includes('Configuration file is valid') && !/\[WARNING\]|\[ALERT\]/.test(output), output };
}
