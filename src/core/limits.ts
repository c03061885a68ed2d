/**
 * Every cap on state keyed by a value the input chooses, in one table (the README's "Bad input" section states
 * them). Each structure keeps its heavy hitters exactly and counts the rest (core/capped.ts); when a cap is reached
 * the run says so once per structure (CAP_REACHED). The defaults are far above what normal traffic needs: a run
 * that reaches none of them is exact.
 */

/** The caps of a run. */
export interface Limits {
  /** Keys per top table (clients, paths, hosts, agents, backends, error paths): exact below, heavy hitters beyond. */
  readonly topKeys: number;
  /** Characters of keys per top table (a hostile agent or path can be 64 KB long). */
  readonly topKeyChars: number;
  /** Per-minute counters the burst detector keeps per kind (address, /24, /16, ASN) for each open minute. */
  readonly burstCellsPerMinute: number;
  /** Own-rate baselines (and warm-up counts) the burst detector keeps. */
  readonly burstBaselines: number;
  /** Clients whose request history api-abuse keeps. */
  readonly apiAbuseClients: number;
  /** Routes api-abuse keeps identifiers of, per client. */
  readonly apiAbuseRoutesPerClient: number;
  /** Clients the scanner keeps counters of. */
  readonly scannerClients: number;
  /** Endpoints and exploit patterns the campaign detector keeps signatures of (6 status classes each). */
  readonly campaignSignatures: number;
  /** Clients credential-stuffing keeps login counters of. */
  readonly authClients: number;
  /** Authentication endpoints credential-stuffing keeps a per-minute series of. */
  readonly authEndpoints: number;
  /** (client, minute) failure counts credential-stuffing keeps in all, for the clients and networks of a spike. */
  readonly authClientMinutes: number;
  /** Sessions open at once (the stalest are closed early beyond it). */
  readonly openSessions: number;
  /** User-agent families kept by the behaviour profile and the client-mix detector (then "(other)"). */
  readonly families: number;
  /** Characters of cached keys per enricher cache (paths, agents; hosts and backends a tenth of it). */
  readonly cacheKeyChars: number;
  /**
   * Addresses cached with their geo facts by the enricher (the burst detector caches a half as many networks, surge a
   * quarter). Caches are cleared when full: that changes no number, only speed.
   */
  readonly addressCache: number;
}

/** The defaults. */
export const DEFAULT_LIMITS: Limits = {
  topKeys: 100_000,
  topKeyChars: 8_000_000,
  burstCellsPerMinute: 10_000,
  burstBaselines: 200_000,
  apiAbuseClients: 50_000,
  apiAbuseRoutesPerClient: 64,
  scannerClients: 100_000,
  campaignSignatures: 5_000,
  authClients: 100_000,
  authEndpoints: 300,
  authClientMinutes: 1_000_000,
  openSessions: 200_000,
  families: 1_000,
  cacheKeyChars: 4_000_000,
  addressCache: 200_000,
};

/**
 * The limits multiplied by `factor` (at least 2 each): tests lower them through the LBUA_CAP_SCALE environment
 * variable rather than generate millions of lines.
 */
export function scaleLimits(factor: number, base: Limits = DEFAULT_LIMITS): Limits {
  if (!(factor > 0) || factor === 1) return base;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(base)) out[k] = Math.max(2, Math.round(v * factor));
  return out as unknown as Limits;
}

/** The limits from the environment (LBUA_CAP_SCALE, for tests), else the defaults. */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Limits {
  const raw = env['LBUA_CAP_SCALE'];
  const f = raw === undefined ? 1 : Number(raw);
  return Number.isFinite(f) && f > 0 ? scaleLimits(f) : DEFAULT_LIMITS;
}
