/**
 * The example server's configuration, read from the environment so it starts as-is for a trial and can be
 * pointed at real values later. Unset secrets fall back to the trial values below, printed with a warning.
 */
import { TRIAL_SECRETS } from '../src/testing/trialDefaults.js';
import { isLoopbackHost } from '../src/http/outbound.js';

export interface ExampleEnv {
  port: number;
  /** Where the HTTP server and the recharge socket bind: 127.0.0.1 unless HOST is set. */
  host: string;
  /** Whether `host` is this machine only (trial mode: health detail and /rolelist for local tools). */
  loopback: boolean;
  /** VNGATES_IP_ALLOW: VNGates' callback addresses (comma-separated IPs or CIDR ranges). */
  vngatesIpAllowList?: string[];
  production: boolean;
  allowTrialSecrets: boolean;
  redisUrl?: string;
  zoneId: number;
  rechargeKey: string;
  giftKey: string;
  rechargeSocketPort: number;
  sudAppId: string;
  sudAppSecret: string;
  vngatesAppId: string;
  vngatesSecret: string;
  gameCenterUrl?: string;
  gameCenterAppId: string;
  gameCenterSecret: string;
  /** How often changed ranks are sent to GameCenter (ms). */
  gameCenterRankFlushMs: number;
  /** How often role activity (zone data type 2) is sent to GameCenter (ms). */
  gameCenterZoneActiveMs: number;
  /** ADMIN_TOKEN: when set, the admin API and the monitor panel are on, behind it. */
  adminToken?: string;
  /** Secrets that were not set and use the trial default. */
  trialDefaults: string[];
}

/** Documented in README.md ("Example server"); shared with the simulator so the two work together as they are. */
export { TRIAL_SECRETS };

export function readEnv(env: NodeJS.ProcessEnv = process.env): ExampleEnv {
  const trialDefaults: string[] = [];
  const secret = (name: keyof typeof TRIAL_SECRETS) => {
    const v = env[name];
    if (v) return v;
    trialDefaults.push(name);
    return TRIAL_SECRETS[name];
  };
  const int = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
    return n;
  };
  const host = env.HOST || '127.0.0.1';
  const allow = (env.VNGATES_IP_ALLOW ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    port: int('PORT', 2567),
    host,
    loopback: isLoopbackHost(host),
    ...(allow.length ? { vngatesIpAllowList: allow } : {}),
    production: env.NODE_ENV === 'production',
    allowTrialSecrets: env.ALLOW_TRIAL_SECRETS === '1',
    redisUrl: env.REDIS_URL || undefined,
    zoneId: int('ZONE_ID', 1),
    rechargeKey: secret('RECHARGE_KEY'),
    giftKey: secret('GIFT_KEY'),
    rechargeSocketPort: int('RECHARGE_SOCKET_PORT', 7010),
    sudAppId: secret('SUD_APP_ID'),
    sudAppSecret: secret('SUD_APP_SECRET'),
    vngatesAppId: secret('VNGATES_APP_ID'),
    vngatesSecret: secret('VNGATES_SECRET'),
    gameCenterUrl: env.GAMECENTER_URL || undefined,
    gameCenterAppId: secret('GAMECENTER_APP_ID'),
    gameCenterSecret: secret('GAMECENTER_SECRET'),
    gameCenterRankFlushMs: int('GAMECENTER_RANK_FLUSH_MS', 5000),
    gameCenterZoneActiveMs: int('GAMECENTER_ZONE_ACTIVE_MS', 5000),
    adminToken: env.ADMIN_TOKEN || undefined,
    trialDefaults,
  };
}

/**
 * Why the server must not start, or undefined. The trial secrets are printed in README.md, so anyone could
 * sign a recharge with them: they are refused in production and wherever other machines can connect.
 */
export function trialSecretsProblem(e: ExampleEnv): string | undefined {
  if (!e.trialDefaults.length || e.allowTrialSecrets) return undefined;
  if (!e.production && e.loopback) return undefined;
  const why = e.production ? 'NODE_ENV=production' : `HOST=${e.host} is reachable from other machines`;
  return (
    `refusing to start: ${why}, but ${e.trialDefaults.join(', ')} ${e.trialDefaults.length > 1 ? 'are' : 'is'} not set and would use the trial ` +
    'secrets published in README.md (anyone could sign a recharge with them). Set them in the environment, or ALLOW_TRIAL_SECRETS=1 to run the trial anyway.'
  );
}
