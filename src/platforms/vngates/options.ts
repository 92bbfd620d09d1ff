/**
 * Options of the VNGates integration: the userinfo client, the `/addgold` payment callback and the
 * `/rolelist` route. The `/addgold` sign formula is not published, so it is configured here as a template;
 * until it is, payments are refused (see `verifyMode`).
 */
import { insecureUrlProblem, outboundOptionShape } from '../../http/outbound.js';
import { z } from 'zod';
import { idPattern, ipAllowList, routePath } from '../../optionHelpers.js';
import type { VerifyProduct } from './types.js';

export const SIGN_HASHES = ['md5', 'sha1', 'sha256'] as const;
export const VERIFY_MODES = ['enforce', 'log-only', 'off'] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];

/** Placeholders a sign template may hold besides query field names. */
export const SECRET_TOKEN = '{secret}';
export const APP_ID_TOKEN = '{app_id}';

export const signTemplateSchema = z
  .strictObject({
    fields: z
      .array(z.string().min(1))
      .min(1, 'expected at least one field')
      .describe(
        `Ordered parts of the signed text: query field names of /addgold (their values as received), '${SECRET_TOKEN}' for \`secret\` and '${APP_ID_TOKEN}' for \`appId\`. A field absent from the request counts as empty. First guess to confirm with VNGates: ["transaction_id","user_id","char_id","server_id","product_id","amount","response_time","${SECRET_TOKEN}"].`,
      ),
    separator: z.string().default('').describe('Text put between the parts (default none).'),
    hash: z.enum(SIGN_HASHES).default('md5').describe('Digest of the joined text, compared as hex.'),
    case: z.enum(['insensitive', 'lower', 'upper']).default('insensitive').describe("Hex case the received `sign` must have: 'insensitive' (default) accepts either."),
  })
  .describe('How the /addgold `sign` is computed, once VNGates has confirmed the formula.');

export type SignTemplate = z.output<typeof signTemplateSchema>;

const jsonObject = z.record(z.string(), z.unknown());

export const answersSchema = z
  .strictObject({
    success: jsonObject.default({ status: 1, msg: 'success' }).describe('Body answered when a payment is recorded.'),
    duplicate: jsonObject.default({ status: 1, msg: 'success' }).describe('Body answered for a payment already recorded (VNGates must stop resending it).'),
    failure: jsonObject.default({ status: 0, msg: '{msg}' }).describe('Body answered when a payment is refused or cannot be recorded now; every "{msg}" in its string values becomes the reason.'),
  })
  .prefault({})
  .describe('JSON bodies of /addgold answers. VNGates does not document them; the defaults mirror its own endpoints.');

const verifyProductSchema = z.custom<VerifyProduct>((v) => typeof v === 'function', {
  message: 'expected a function ({ productId, amount, userId, serverId }) => boolean | reason',
});

export const vngatesOptionsSchema = z
  .strictObject({
    appId: z
      .union([z.string().min(1), z.number().int().nonnegative()])
      .transform(String)
      .describe("Your game's VNGates `app_id`."),
    secret: z.string().min(1).optional().describe(`The per-game key VNGates signs /addgold with (the '${SECRET_TOKEN}' of \`signTemplate\`). Never logged.`),
    userinfoUrl: z.url().default('https://vngates.com/api/userinfo').describe('The userinfo endpoint (access token → user).'),
    timeoutMs: z.number().int().positive().default(5000).describe('Upper bound of one userinfo request, connect to last byte.'),
    retries: z
      .number()
      .int()
      .min(0)
      .max(5)
      .default(2)
      .describe('Further userinfo attempts after a network error, timeout or HTTP 5xx (the call only reads, so repeating it is safe). An answer with status 0 is not retried.'),
    addgoldPath: routePath('/addgold', 'Path of the GET payment callback (the `callback url` set at VNGates).'),
    rolelistPath: routePath('/rolelist', 'Path of the GET role list route VNGates calls.'),
    rolelistPublic: z
      .boolean()
      .default(false)
      .describe(
        "Serve /rolelist without an `ipAllowList`. Its sign is md5(user_id) with no secret, so then anyone can list any user's roles. Off (default): without an allow-list the route is not mounted (404).",
      ),
    ...outboundOptionShape,
    signTemplate: signTemplateSchema.optional(),
    verifyMode: z
      .enum(VERIFY_MODES)
      .default('enforce')
      .describe(
        "'enforce' (default): /addgold is accepted only with a sign matching `signTemplate`, and refused while no template is set. 'log-only': the sign is checked and a mismatch logged, but the payment is accepted. 'off': no check. 'log-only' and 'off' require `ipAllowList`: the caller's address is then the only gate against forged payments.",
      ),
    ipAllowList: ipAllowList(
      'VNGates callback addresses (IPs or CIDR ranges) allowed on /addgold and /rolelist. Recommended always: the /rolelist sign has no secret, so anyone could forge it. Required with verifyMode log-only or off.',
    ),
    idPattern: idPattern(
      'With a `signTemplate` whose separator is empty, `transaction_id`, `user_id`, `server_id` and `char_id` must match this regular expression, else the payment is refused: without separators a captured request could be re-cut into other ids under the same sign. Every verified sign is also a second identity of its order, so a re-cut is a duplicate either way.',
    ),
    verifyProduct: verifyProductSchema
      .optional()
      .describe("The game's check of a paid order's product and amount against its catalogue, before it is recorded; a refusal is answered with the failure body and nothing is recorded."),
    answers: answersSchema,
  })
  .superRefine((o, ctx) => {
    const insecure = insecureUrlProblem(o.userinfoUrl, o.allowInsecureHttp);
    if (insecure) ctx.addIssue({ code: 'custom', path: ['userinfoUrl'], message: insecure });
    if (o.verifyMode !== 'enforce' && !o.ipAllowList?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['ipAllowList'],
        message: `required with verifyMode '${o.verifyMode}': without a verified sign, only the caller's address keeps forged payments out`,
      });
    }
    const fields = o.signTemplate?.fields ?? [];
    if (fields.includes(SECRET_TOKEN) && o.secret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: `required: signTemplate uses '${SECRET_TOKEN}'` });
    }
    if (o.signTemplate && !fields.includes(SECRET_TOKEN) && !o.ipAllowList?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['signTemplate', 'fields'],
        message: `expected '${SECRET_TOKEN}' among the fields, or an ipAllowList: a sign without a secret can be forged by anyone`,
      });
    }
  })
  .describe('VNGates PrivateSDK: userinfo for onAuth, the /addgold payment callback and /rolelist.');

export type VngatesOptionsInput = z.input<typeof vngatesOptionsSchema>;
export type VngatesOptions = z.output<typeof vngatesOptionsSchema>;

export function parseVngatesOptions(input: VngatesOptionsInput): VngatesOptions {
  return vngatesOptionsSchema.parse(input);
}
