/**
 * Configuration of the GameCenter (ToTok, api.amusgame.net) server-API client. The `.describe()` texts are
 * the user-facing reference: the README table is generated from them, so they say what a value means and
 * when to change it.
 */
import { insecureUrlProblem, outboundOptionShape } from '../../http/outbound.js';
import { z } from 'zod';

/** The two hosts named in the platform document. */
export const GAMECENTER_BASE_URLS = {
  test: 'https://t-api.amusgame.net',
  production: 'https://api.amusgame.net',
} as const;

export type GameCenterEnvironmentName = keyof typeof GAMECENTER_BASE_URLS;

/*
 * The platform document only says "sort by name, join key=value with &, sha256(paramStr + secret)". What it
 * leaves open (encoding, empty values, hex case, where the secret goes) is configurable so a mismatch found
 * against the live server is an option change, not a code change. Defaults follow the majority of this
 * scheme's family: raw values, secret appended, lowercase hex.
 */
export const gameCenterSignSchema = z
  .object({
    encodeValues: z
      .enum(['none', 'rfc3986', 'form'])
      .default('none')
      .describe(
        "How values are written into the string to sign: 'none' = raw decoded values (as the server sees them after form decoding), 'rfc3986' = percent-encoded, 'form' = application/x-www-form-urlencoded (space as '+').",
      ),
    includeKeys: z.boolean().default(true).describe('Write `key=value` pairs (true) or values only (false) into the string to sign.'),
    separator: z.string().default('&').describe('Text placed between the sorted pairs in the string to sign.'),
    secretPlacement: z
      .enum(['append', 'append&key=', 'prepend', 'hmacKey'])
      .default('append')
      .describe(
        "Where the server secret goes: 'append' = paramStr + secret (the documented form), 'append&key=' = paramStr + '&key=' + secret, 'prepend' = secret + paramStr, 'hmacKey' = not in the text at all but used as the HMAC key (with hash 'md5' this gives HMAC-MD5, with 'sha256' HMAC-SHA256).",
      ),
    hash: z
      .enum(['sha256', 'md5', 'hmac-sha256'])
      .default('sha256')
      .describe("Digest applied to the string to sign. 'hmac-sha256' always keys the HMAC with the secret, in addition to wherever secretPlacement puts it."),
    hexCase: z.enum(['lower', 'upper']).default('lower').describe('Letter case of the hex signature that is sent.'),
    skipEmpty: z.boolean().default(true).describe('Leave parameters with an empty value out of the signature. They are then also left out of the request, so what is signed is what is sent.'),
    excludeKeys: z.array(z.string()).default(['signature']).describe('Parameter names that are sent but not signed; `signature` belongs here so a received request can be re-verified.'),
  })
  .prefault({})
  .describe('How request signatures are computed. The defaults implement the platform document; change them only to match a verified signed example from the platform.');

const namedOrUrl = z.union([
  z.enum(['test', 'production']).transform((name) => GAMECENTER_BASE_URLS[name]),
  z
    .url({ protocol: /^https?$/, error: "baseUrl must be 'test', 'production' or an http(s) URL" })
    // The client appends /gameserver/<api>; a query or fragment would swallow that path.
    .refine((url) => !/[?#]/.test(url), 'baseUrl must not contain a query or fragment'),
]);

export const gameCenterOptionsSchema = z.object({
  baseUrl: namedOrUrl
    .transform((url) => url.replace(/\/+$/, ''))
    .describe(
      "Platform host: 'test' (https://t-api.amusgame.net), 'production' (https://api.amusgame.net), or any http(s) URL (a proxy or a local test double). The client appends /gameserver/<api>.",
    ),
  appId: z.string().min(1).describe('Game app id issued by GameCenter; sent as `appId` in every request.'),
  secret: z.string().min(1).describe('Server secret issued by GameCenter; only used to sign, never sent or logged.'),
  timeoutMs: z.number().int().positive().default(5000).describe('Per-attempt limit in milliseconds for the whole HTTP exchange (connect, send, read the body).'),
  retries: z
    .number()
    .int()
    .min(0)
    .default(2)
    .describe(
      'Extra attempts after a failure, used only where repeating is safe: read-only calls on transport errors or code 900; sync calls only when the request provably never reached the server; never for order.new_exchange or transfer.new.',
    ),
  retryBackoffMs: z.number().int().min(0).default(200).describe('Base delay before the first retry in milliseconds; it doubles with each further retry, with jitter in the upper half.'),
  sign: gameCenterSignSchema,
  ...outboundOptionShape,
});

/** Refuses a plain-http baseUrl to another machine (kept out of the schema itself so it can be extended). */
export function refuseInsecureBaseUrl(o: { baseUrl: string; allowInsecureHttp: boolean }, ctx: z.RefinementCtx): void {
  const problem = insecureUrlProblem(o.baseUrl, o.allowInsecureHttp);
  if (problem) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: problem });
}

/** What callers write (defaults optional, names allowed for baseUrl). */
export type GameCenterOptionsInput = z.input<typeof gameCenterOptionsSchema>;
/** The parsed form the client takes (defaults filled in, baseUrl resolved to a URL without a trailing slash). */
export type GameCenterOptions = z.output<typeof gameCenterOptionsSchema>;
export type GameCenterSignInput = z.input<typeof gameCenterSignSchema>;
export type GameCenterSignOptions = z.output<typeof gameCenterSignSchema>;

/** Parses user options, throwing a zod error that names every bad field. */
export function parseGameCenterOptions(input: GameCenterOptionsInput): GameCenterOptions {
  return gameCenterOptionsSchema.superRefine(refuseInsecureBaseUrl).parse(input);
}
