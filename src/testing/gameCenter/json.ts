/**
 * The GameCenter double's own JSON reading and writing: ids as bare JSON numbers with their exact digits (as
 * the platform writes 64-bit ids), and rows read with each number's source text, independent of the client.
 */
import type { IncomingMessage } from 'node:http';
import type { DoublePlayer } from './types.js';
/** A JSON number written with exactly these digits (how the platform sends 64-bit ids). */
export class Bare {
  constructor(readonly digits: string) {}
}

/** A number literal as read from request JSON, with its exact source text. */
export class Literal {
  constructor(readonly source: string) {}
}

export function bare(id: string): Bare | string {
  return /^(?:0|[1-9]\d*)$/.test(id) ? new Bare(id) : id;
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
    parsed = parseWithSource(text, (_key, value, ctx) => (typeof value === 'number' ? new Literal(ctx.source ?? String(value)) : value));
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

type SourceReviver = (key: string, value: unknown, context: { source?: string }) => unknown;
const parseWithSource = JSON.parse as unknown as (text: string, reviver: SourceReviver) => unknown;

export function writeJson(value: unknown): string {
  if (value instanceof Bare) return value.digits;
  if (Array.isArray(value)) return `[${value.map(writeJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${writeJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function playerJson(p: DoublePlayer): Record<string, unknown> {
  return { photoUrl: p.photoUrl, userId: bare(p.userId), thirdUid: bare(p.thirdUid), thirdType: p.thirdType, nickname: p.nickname };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
