/**
 * Builds README.md's option reference from the options schema itself (each field's `.describe()` text,
 * type and default), so the documentation cannot drift from what the register call accepts:
 * `npm run docs:options` rewrites the block, and a test fails when it is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { z } from 'zod';
import { optionsSchema } from '../src/config.js';

export const START = '<!-- options:start -->';
export const END = '<!-- options:end -->';

type AnySchema = z.ZodType & { _zod: { def: Record<string, unknown> }; description?: string };

interface Row {
  path: string;
  type: string;
  default: string;
  description: string;
}

interface Unwrapped {
  schema: AnySchema;
  optional: boolean;
  defaultValue?: unknown;
  description?: string;
}

function unwrap(schema: AnySchema): Unwrapped {
  let s = schema;
  let optional = false;
  let defaultValue: unknown;
  let description = s.description;
  for (;;) {
    const def = s._zod.def;
    if (def.type === 'optional') optional = true;
    else if (def.type === 'default') defaultValue ??= def.defaultValue;
    else if (def.type === 'prefault' || def.type === 'readonly' || def.type === 'nullable') {
      /* transparent */
    } else if (def.type === 'pipe') {
      s = def.in as AnySchema;
      description ??= s.description;
      continue;
    } else break;
    s = def.innerType as AnySchema;
    description ??= s.description;
  }
  return { schema: s, optional, defaultValue, description };
}

function typeText(schema: AnySchema): string {
  const def = schema._zod.def;
  switch (def.type) {
    case 'string':
    case 'number':
    case 'boolean':
      return def.type;
    case 'enum':
      return Object.values(def.entries as Record<string, string>)
        .map((v) => `\`${JSON.stringify(v)}\``)
        .join(' \\| ');
    case 'literal':
      return (def.values as unknown[]).map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
    case 'array':
      return `${typeText(unwrap(def.element as AnySchema).schema)}[]`;
    case 'union':
      return [...new Set((def.options as AnySchema[]).map((o) => typeText(unwrap(o).schema)))].join(' \\| ');
    case 'record':
      return 'object';
    case 'object':
      return 'object';
    case 'custom':
      return 'function or object';
    default:
      return String(def.type);
  }
}

function defaultText(u: Unwrapped): string {
  if (u.defaultValue !== undefined) {
    const v = u.defaultValue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0) return '';
    return `\`${JSON.stringify(v)}\``;
  }
  return u.optional ? '' : '**required**';
}

function walk(schema: AnySchema, prefix: string, rows: Row[]): void {
  const shape = (schema._zod.def.shape ?? {}) as Record<string, AnySchema>;
  for (const [key, field] of Object.entries(shape)) {
    const u = unwrap(field);
    const path = prefix ? `${prefix}.${key}` : key;
    if (u.schema._zod.def.type === 'never') continue;
    const isObject = u.schema._zod.def.type === 'object';
    rows.push({ path, type: isObject ? 'section' : typeText(u.schema), default: isObject ? '' : defaultText(u), description: (u.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ') });
    if (isObject) walk(u.schema, path, rows);
  }
}

export function optionRows(): Row[] {
  const rows: Row[] = [];
  walk(optionsSchema as unknown as AnySchema, '', rows);
  return rows;
}

export function renderReference(): string {
  const lines = ['| option | type | default | meaning |', '|---|---|---|---|'];
  for (const r of optionRows()) lines.push(`| \`${r.path}\` | ${r.type} | ${r.default} | ${r.description} |`);
  const note = '_Generated from the options schema by `npm run docs:options`; a test fails when it is out of date._';
  return `${START}\n${note}\n\n${lines.join('\n')}\n${END}`;
}

/** README.md with its reference block replaced by a fresh one. */
export function withReference(readme: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error('README.md has no options block (markers missing)');
  return readme.slice(0, a) + renderReference() + readme.slice(b + END.length);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/tools\//, '/tools/'))) {
  const readme = readFileSync('README.md', 'utf8');
  writeFileSync('README.md', withReference(readme));
  console.log(`README.md option reference: ${optionRows().length} options`);
}
