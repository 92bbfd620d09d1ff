/**
 * The plugin's logging seam. Every rejected request, retry and takeover is logged with a reason so an
 * operator can answer "why was this order refused?" from the log alone. Secrets never reach it: callers
 * pass field values, never keys, and {@link redact} masks anything that looks like one.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, unknown>;

/** @remarks Extension point: pass your own as the `logger` option (e.g. pino or winston behind these four methods). */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const SECRET_FIELD = /secret|password|key$|^key|token|sign/i;
/**
 * Identifiers whose names end in "key" but are not secrets: an operator searches logs for them (an order's
 * or a match's idempotency key, a ledger key, a job or claim key), so they are logged in clear.
 */
const IDENTIFIER_FIELD = /^(idempotencyKey|dedupeKey|ledgerKey|rechargeLedgerKey|claimKey|jobKey|orderKey|reportGameInfoKey)$/;

/** Masks values of fields whose names suggest a credential; signatures are shortened, not hidden. */
export function redact(fields: LogFields | undefined): LogFields | undefined {
  if (!fields) return fields;
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (/sign/i.test(k) && typeof v === 'string') out[k] = v.length > 8 ? `${v.slice(0, 8)}…` : v;
    else if (SECRET_FIELD.test(k) && !IDENTIFIER_FIELD.test(k) && v !== undefined && typeof v !== 'number' && typeof v !== 'boolean') out[k] = '***';
    else out[k] = v;
  }
  return out;
}

/** A console logger with a level floor; lines are prefixed so they stand out in a game server's output. */
export function consoleLogger(level: LogLevel = 'info', prefix = '[platform-bridge]'): Logger {
  const floor = LEVELS[level];
  const emit = (lvl: LogLevel, message: string, fields?: LogFields) => {
    if (LEVELS[lvl] < floor) return;
    const f = redact(fields);
    const line = f && Object.keys(f).length ? `${prefix} ${message} ${safeJson(f)}` : `${prefix} ${message}`;
    (lvl === 'error' ? console.error : lvl === 'warn' ? console.warn : console.log)(line);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** Wraps a user-supplied logger so fields are redacted and a throwing logger cannot break a request. */
export function guardLogger(inner: Logger): Logger {
  const wrap = (level: LogLevel) => (m: string, f?: LogFields) => {
    try {
      inner[level](m, redact(f));
    } catch {
      // a logger must never be the reason a payment callback fails
    }
  };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, val: unknown) => (val instanceof Error ? { name: val.name, message: val.message } : typeof val === 'bigint' ? String(val) : val));
  } catch {
    return '[unserializable fields]';
  }
}
