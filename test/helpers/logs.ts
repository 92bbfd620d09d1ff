import type { Logger, LogFields, LogLevel } from '../../src/logger.js';

export interface LogLine {
  level: LogLevel;
  message: string;
  fields?: LogFields;
}

/** A logger that keeps every line so tests can assert that a rejection was logged with its reason. */
export class CapturingLogger implements Logger {
  readonly lines: LogLine[] = [];
  constructor(private readonly echo = process.env.PB_TEST_LOGS === '1') {}

  private push(level: LogLevel, message: string, fields?: LogFields) {
    this.lines.push({ level, message, fields });
    if (this.echo) console.log(`[${level}] ${message}`, fields ?? '');
  }
  debug = (m: string, f?: LogFields) => this.push('debug', m, f);
  info = (m: string, f?: LogFields) => this.push('info', m, f);
  warn = (m: string, f?: LogFields) => this.push('warn', m, f);
  error = (m: string, f?: LogFields) => this.push('error', m, f);

  /** Lines whose message or fields mention `text` (case-insensitive). */
  find(text: string | RegExp, level?: LogLevel): LogLine[] {
    const re = typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i') : text;
    return this.lines.filter((l) => (!level || l.level === level) && (re.test(l.message) || re.test(stringify(l.fields))));
  }

  clear(): void {
    this.lines.length = 0;
  }
}

function stringify(fields: LogFields | undefined): string {
  return JSON.stringify(fields ?? {}, (_k, v) => (v instanceof Error ? { name: v.name, message: v.message } : v));
}
