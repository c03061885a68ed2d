/** Options shared by analyze, sessions and profile: routes, session timeout and key. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { fail } from '../../core/types';
import { errCode } from '../../input/expand';

/** Raw commander values. */
export interface RawBehaviourOptions {
  readonly route?: string[];
  readonly routesFile?: string;
  readonly sessionTimeout?: string;
  readonly sessionKey?: string;
}

/** Normalized values. */
export interface BehaviourOptions {
  readonly routes: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly sessionKey: 'ip' | 'ip+ua';
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Declares --route (repeatable), --routes-file, --session-timeout, --session-key. */
export function addBehaviourOptions(cmd: Command): Command {
  return cmd
    .option('--route <pattern>', "route template to apply before the built-in rules, e.g. '/users/:name/repos' (repeatable)", collect)
    .option('--routes-file <file>', 'file with one route pattern per line (# comments allowed)')
    .option('--session-timeout <minutes>', 'session inactivity timeout in minutes (default 30)')
    .option('--session-key <key>', 'client key for sessions: ip or ip+ua (default ip+ua)');
}

/** Validates and reads the options. */
export function behaviourOptions(raw: RawBehaviourOptions): BehaviourOptions {
  const routes = [...(raw.route ?? [])];
  if (raw.routesFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(raw.routesFile, 'utf8');
    } catch (e) {
      fail('INPUT_UNREADABLE', `${raw.routesFile}: cannot read routes file (${errCode(e)})`);
    }
    for (const line of text.split(/\r?\n/)) {
      const t = line.trim();
      if (t !== '' && !t.startsWith('#')) routes.push(t);
    }
  }
  for (const r of routes) if (!r.startsWith('/')) fail('OPTION_INVALID', `--route must start with "/", got ${JSON.stringify(r)}`);
  let sessionTimeoutMs = 30 * 60_000;
  if (raw.sessionTimeout !== undefined) {
    const m = Number(raw.sessionTimeout);
    if (!(m > 0 && m <= 24 * 60)) fail('OPTION_INVALID', `--session-timeout must be minutes between 0 and 1440, got ${JSON.stringify(raw.sessionTimeout)}`);
    sessionTimeoutMs = m * 60_000;
  }
  const key = raw.sessionKey ?? 'ip+ua';
  if (key !== 'ip' && key !== 'ip+ua') fail('OPTION_INVALID', `--session-key must be ip or ip+ua, got ${JSON.stringify(key)}`);
  return { routes, sessionTimeoutMs, sessionKey: key };
}
