/**
 * The trial credentials the example server falls back to and the simulator signs with by default, so the
 * two work together out of the box. Documented in README.md; never to be used with a real platform.
 */
export const TRIAL_SECRETS = {
  RECHARGE_KEY: 'trial-recharge-key',
  GIFT_KEY: 'trial-gift-key',
  SUD_APP_ID: 'trial-sud-app',
  SUD_APP_SECRET: 'trial-sud-secret',
  VNGATES_APP_ID: 'trial-vngates-app',
  VNGATES_SECRET: 'trial-vngates-secret',
  GAMECENTER_APP_ID: 'trial-gamecenter-app',
  GAMECENTER_SECRET: 'trial-gamecenter-secret',
} as const;

/** The example server's VNGates sign template: a guess until VNGates confirms its formula. */
export const TRIAL_VNGATES_SIGN_FIELDS = ['transaction_id', 'user_id', 'char_id', 'server_id', 'product_id', 'amount', 'response_time', '{secret}'] as const;
