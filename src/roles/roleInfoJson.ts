/**
 * The role-info value for one user, as the spec shows it:
 *
 *   [{"serverID":8061,"roleIDs":[{"Item1":1081181825,"Item2":"\u5965…","Item3":1,"Item4":2}]}]
 *
 * grouped by server (zone) id; Item1 role id, Item2 name, Item3 class, Item4 level, then the configured
 * extra fields. Merging keeps what is already there: zones and roles stay in the order they were first
 * written, unknown keys (another writer's) are kept in place, and numbers are rewritten from their
 * original text. Compact JSON, non-ASCII escaped (see json/ascii.ts).
 */
import type { JsonValue, RoleUpdate } from '../rooms/services.js';
import { asciiJson } from '../json/ascii.js';
import { parseKeepingNumbers, scalarText } from '../json/exactNumbers.js';
import { idValue } from './ids.js';

type Item = Record<string, unknown>;
type Group = { serverID?: unknown; roleIDs?: unknown; [key: string]: unknown };

export interface ExtraField {
  name: string;
  /** Written for a new role that does not report the field; absent = the field is left out. */
  default?: JsonValue;
}

export interface MergeResult {
  doc: Group[];
  /** The role did not exist before and the update is a creation. */
  created: boolean;
}

/** Parses a stored value; `null` (no value) is an empty list. Throws on a value that is not a list. */
export function parseRoleInfo(text: string | null): Group[] {
  if (text === null) return [];
  const doc = parseKeepingNumbers(text);
  if (!Array.isArray(doc)) throw new TypeError('role info is not a JSON array');
  return doc.filter((g): g is Group => g !== null && typeof g === 'object' && !Array.isArray(g));
}

export function renderRoleInfo(doc: Group[]): string {
  return asciiJson(doc);
}

/** Applies one role report to a parsed document (mutating it). */
export function mergeRole(doc: Group[], update: RoleUpdate, extraFields: readonly ExtraField[]): MergeResult {
  let group = doc.find((g) => scalarText(g.serverID) === update.zoneId);
  if (!group) doc.push((group = { serverID: idValue(update.zoneId), roleIDs: [] }));
  if (!Array.isArray(group.roleIDs)) group.roleIDs = [];
  const roles = group.roleIDs as Item[];

  let item = roles.find((r) => r !== null && typeof r === 'object' && scalarText(r.Item1) === update.roleId);
  const created = item === undefined && update.mode === 'create';
  if (!item) {
    item = { Item1: idValue(update.roleId), Item2: update.name ?? '', Item3: update.class ?? 0, Item4: update.level ?? 0 };
    for (const f of extraFields) {
      const value = Object.hasOwn(update.extra, f.name) ? update.extra[f.name] : f.default;
      if (value !== undefined) item[f.name] = value;
    }
    roles.push(item);
  }
  if (update.name !== undefined) item.Item2 = update.name;
  if (update.class !== undefined) item.Item3 = update.class;
  if (update.level !== undefined) item.Item4 = update.level;
  for (const f of extraFields) if (Object.hasOwn(update.extra, f.name)) item[f.name] = update.extra[f.name];
  return { doc, created };
}

/** Each role of a document with its zone. */
export function* rolesIn(doc: Group[]): Generator<{ zoneId: string; roleId: string; item: Item }> {
  for (const g of doc) {
    const zoneId = scalarText(g.serverID);
    if (zoneId === undefined || !Array.isArray(g.roleIDs)) continue;
    for (const r of g.roleIDs as unknown[]) {
      if (r === null || typeof r !== 'object') continue;
      const roleId = scalarText((r as Item).Item1);
      if (roleId !== undefined) yield { zoneId, roleId, item: r as Item };
    }
  }
}
