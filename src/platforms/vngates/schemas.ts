/**
 * VNGates wire shapes, parsed leniently: the document's examples mix numbers and numeric strings
 * (`"amount": 1000.00`, `"user_id": "229"`), so numeric strings are read as numbers, ids are kept as text,
 * and unknown fields are kept.
 */
import { z } from 'zod';

const idText = z.union([z.string(), z.number()]).transform(String).pipe(z.string().trim().min(1, 'must not be empty'));

const numeric = z.union(
  [
    z.number(),
    z
      .string()
      .trim()
      .regex(/^-?\d+(\.\d+)?$/, 'expected a number')
      .transform(Number),
  ],
  { error: 'expected a number' },
);

/** The /addgold query, as an object of its (first) values. */
export const addgoldQuerySchema = z.looseObject({
  transaction_id: idText,
  user_id: idText,
  amount: numeric.refine((n) => Number.isFinite(n) && n >= 0, 'expected a non-negative amount'),
  status: numeric.refine(Number.isInteger, 'expected an integer'),
  product_id: z.string().optional(),
  char_id: idText.optional(),
  server_id: idText.optional(),
  response_time: numeric.optional(),
  sign: z.string().optional(),
});

export type AddgoldQuery = z.output<typeof addgoldQuerySchema>;

export const userinfoResponseSchema = z.looseObject({
  status: numeric,
  msg: z.string().optional(),
  access_token: z.string().optional(),
  refresh_token: z.string().optional(),
  access_expires: numeric.optional(),
  refresh_expires: numeric.optional(),
  data: z
    .looseObject({
      user_id: idText,
      username: z.union([z.string(), z.number()]).transform(String).optional(),
    })
    .optional()
    .nullable(),
});

/** "amount: expected a number; user_id: missing". */
export function describeIssues(error: z.ZodError, input: Record<string, unknown>): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.')}: ${i.path.length === 1 && input[String(i.path[0])] === undefined ? 'missing' : i.message}`)
    .join('; ');
}
