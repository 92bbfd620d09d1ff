/**
 * The example server's configuration, read from the environment so it starts as-is for a trial and can be
 * pointed at real values later. Unset secrets fall back to the trial values below, printed with a warning.
 */
import { TRIAL_SECRETS } from '../src/testing/trialDefaults.js';

export interface ExampleEnv {
  port: number;
  host?: string;
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
  return {
    port: int('PORT', 2567),
    host: env.HOST || undefined,
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
    trialDefaults,
  };
}
