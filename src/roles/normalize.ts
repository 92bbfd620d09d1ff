/**
 * Turns what a room passes to `roleCreated` / `roleChanged` into a {@link RoleUpdate}: canonical ids,
 * copied values (the room may mutate its objects afterwards), only the configured extra fields. Runs
 * synchronously in the room's call, so it answers with a reason instead of throwing.
 */
import type { JsonValue, RoleChangedInput, RoleCreatedInput, RoleUpdate } from '../rooms/services.js';
import { idText } from './ids.js';

export type Normalized<T> = { ok: true; value: T } | { ok: false; reason: string };

const MAX_NAME = 256;

export function normalizeRole(
  input: RoleCreatedInput | RoleChangedInput,
  mode: 'create' | 'change',
  ctx: { defaultZoneId: (userId: string) => string; extraFields: readonly string[]; at: number },
): Normalized<RoleUpdate> {
  if (input === null || typeof input !== 'object') return fail('expected an object');
  const userId = idText(input.userId);
  if (!userId) return fail('userId must be a non-empty string or a safe integer');
  const roleId = idText(input.roleId);
  if (!roleId) return fail('roleId must be a non-empty string, a bigint, or an integer within ±2^53 (pass larger ids as strings)');
  const zoneId = input.zoneId === undefined ? ctx.defaultZoneId(userId) : idText(input.zoneId);
  if (!zoneId) return fail('zoneId must be a non-empty string or a safe integer');

  const update: RoleUpdate = { mode, userId, zoneId, roleId, extra: {}, at: ctx.at };
  if (input.name !== undefined) {
    if (typeof input.name !== 'string' || input.name.length > MAX_NAME) return fail(`name must be a string of at most ${MAX_NAME} characters`);
    update.name = input.name;
  } else if (mode === 'create') return fail('name is required');
  for (const key of ['class', 'level'] as const) {
    const v = input[key];
    if (v === undefined) {
      if (mode === 'create') return fail(`${key} is required`);
      continue;
    }
    if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string') return fail(`${key} must be a finite number or a string`);
    update[key] = v;
  }
  if (input.extra !== undefined) {
    if (input.extra === null || typeof input.extra !== 'object') return fail('extra must be an object');
    for (const name of ctx.extraFields) {
      if (!Object.hasOwn(input.extra, name)) continue;
      const copy = jsonCopy(input.extra[name]);
      if (copy === undefined) return fail(`extra.${name} is not a JSON value`);
      update.extra[name] = copy;
    }
  }
  return { ok: true, value: update };
}

/** A deep copy through JSON, or undefined when the value is not JSON (undefined, a function, a bigint, a cycle). */
export function jsonCopy(value: unknown): JsonValue | undefined {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
  } catch {
    return undefined;
  }
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
