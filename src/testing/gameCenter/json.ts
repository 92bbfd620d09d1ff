/**
 * The GameCenter double's wire values: ids as bare JSON numbers with their exact digits (as the platform
 * writes 64-bit ids), and rows read with each number's source text. The checks are the double's own,
 * independent of the client's; the JSON primitives are the shared ones (json/exactNumbers.ts).
 */
import type { IncomingMessage } from 'node:http';
import { parseWithSource, rawJson, type RawJson } from '../../json/exactNumbers.js';
import type { DoublePlayer } from './types.js';

/** A number literal as read from request JSON, with its exact source text. */
export class Literal {
  constructor(readonly source: string) {}
}

/** A numeric id as a JSON number written with exactly its digits (JSON.stringify keeps them); any other id as a string. */
export function bare(id: string): RawJson | string {
  return /^(?:0|[1-9]\d*)$/.test(id) ? rawJson(id) : id;
}

export function isZone(text: string): boolean {
  return /^\d+$/.test(text) && Number(text) <= 32767;
}

/**
 * Reads `[[id, n, …], …]` keeping every number's exact source text (JSON.parse source access, Node ≥ 21).
 * Returns rows of strings, or an error message.
 */
export function readRows(text: string | undefined, width: number): string[][] | string {
  if (!text) return 'data required';
  let parsed: unknown;
  try {
    parsed = parseWithSource(text, (_key, value, context) => (typeof value === 'number' ? new Literal(context.source ?? String(value)) : value));
  } catch {
    return 'data is not JSON';
  }
  if (!Array.isArray(parsed)) return 'data must be a JSON array';
  const rows: string[][] = [];
  for (const row of parsed) {
    if (!Array.isArray(row) || row.length !== width) return `each element must be an array of ${width}`;
    const [id, ...rest] = row as unknown[];
    let idText: string;
    if (id instanceof Literal && /^\d+$/.test(id.source)) idText = id.source;
    else if (typeof id === 'string' && id !== '' && !/^\d+$/.test(id)) idText = id;
    else return 'ids must be JSON numbers';
    const values: string[] = [];
    for (const v of rest) {
      if (!(v instanceof Literal)) return 'values must be numbers';
      values.push(v.source);
    }
    rows.push([idText, ...values]);
  }
  return rows;
}

export function playerJson(p: DoublePlayer): Record<string, unknown> {
  return { photoUrl: p.photoUrl, userId: bare(p.userId), thirdUid: bare(p.thirdUid), thirdType: p.thirdType, nickname: p.nickname };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
