/**
 * `colyseus-platform-bridge orders …`: the desk for operators who do not write code. Talks to the game's
 * Redis directly (no server needed), prints tables for people and `--json` for scripts, and changes an
 * order only when told `--yes`. Exit codes: 0 done, 1 not found or refused by the ledger's rules, 2 usage
 * (including a write without `--yes`).
 */
import { createWriteStream } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { StoreLedger } from '../ledger/StoreLedger.js';
import { ledgerOptionsSchema, retentionOf, type LedgerRetention } from '../ledger/options.js';
import type { LedgerRecord } from '../ledger/types.js';
import { JOURNAL_SUBJECTS, type JournalEntry, type JournalSubject } from '../ledger/journal.js';
import { consoleLogger } from '../logger.js';
import { KeySpace } from '../store/KeySpace.js';
import { RedisStore } from '../store/RedisStore.js';
import { Desk, LISTABLE_STATES, type ListableState, type Page } from './desk.js';
import { errorText } from '../errorText.js';

const HELP = `usage: colyseus-platform-bridge orders <command> [args] --redis URL [--key-prefix P] [--json]

commands
  get <id>                      one order, by platform order id, alias or ledger key
  find <user-id>                a player's orders, newest first
  list <state>                  orders that are ${LISTABLE_STATES.join(' | ')} (--older-than for stuck grants)
  timeline <id>                 everything that happened to an order, oldest first
                                (--subject sud|gamecenter-order|gamecenter-transfer for a SUD match,
                                a GameCenter order or transfer)
  retry <id> --yes              put a given_up order back in the queue
  cancel <id> --reason TEXT --yes
                                cancel a pending or given_up order (never one granting or granted)
  export <YYYY-MM-DD>           one day's orders for finance (--time-zone, --format csv|jsonl, --out FILE)

options
  --redis URL           the game's Redis ($REDIS_URL)
  --key-prefix P        the bridge's keyPrefix (platform:)
  --json                JSON for scripts instead of tables
  --limit N, --cursor C page size and where the previous page stopped
  --older-than D        list granting: leased at least this long ago (90s, 10m, 2h)
  --by NAME             who is acting, for the order's journal ($USER)
  --yes                 confirm a retry or a cancel
  --record-days N, --dedupe-days N, --alias-days N
                        the deployment's ledger.recordDays / dedupeDays / aliasDays (90 / 400 / dedupe):
                        a cancel sets the order's expiry and tombstone from them, as the server would
`;

export async function runOrdersCli(argv: string[], out: NodeJS.WritableStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        redis: { type: 'string' },
        'key-prefix': { type: 'string' },
        json: { type: 'boolean' },
        limit: { type: 'string' },
        cursor: { type: 'string' },
        'older-than': { type: 'string' },
        reason: { type: 'string' },
        by: { type: 'string' },
        yes: { type: 'boolean' },
        'time-zone': { type: 'string' },
        subject: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        'record-days': { type: 'string' },
        'dedupe-days': { type: 'string' },
        'alias-days': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usage(out, errorText(err));
  }
  const { values: o, positionals } = parsed;
  const [command, arg] = positionals;
  if (o.help || !command) {
    out.write(HELP);
    return o.help ? 0 : 2;
  }
  const redis = o.redis ?? env.REDIS_URL;
  if (!redis) return usage(out, '--redis URL is required (or set REDIS_URL)');
  if (!arg) return usage(out, `${command} needs an argument`);
  const limit = o.limit === undefined ? undefined : Number(o.limit);
  if (limit !== undefined && !(limit > 0)) return usage(out, '--limit must be a positive number');
  const by = o.by ?? env.USER ?? safeUser();
  const retention = retentionFrom(o['record-days'], o['dedupe-days'], o['alias-days']);
  if (typeof retention === 'string') return usage(out, retention);

  const store = new RedisStore({ connection: redis, keys: new KeySpace(o['key-prefix'] ?? 'platform:'), logger: consoleLogger('error'), commandTimeoutMs: 10_000 });
  const clock = { now: Date.now };
  const desk = new Desk(store, new StoreLedger(store, clock, { retention }), clock);
  const print = (value: unknown, table: () => string) => out.write(o.json ? JSON.stringify(value) + '\n' : table());
  try {
    switch (command) {
      case 'get': {
        const order = await desk.get(arg);
        if (!order) return notFound(out, o.json, arg);
        print(order, () => orderDetail(order));
        return 0;
      }
      case 'find': {
        const page = await desk.find(arg, { limit, cursor: o.cursor });
        print(page, () => ordersTable(page));
        return 0;
      }
      case 'list': {
        if (!(LISTABLE_STATES as readonly string[]).includes(arg)) return usage(out, `state must be one of ${LISTABLE_STATES.join(', ')}`);
        const olderThanMs = o['older-than'] === undefined ? undefined : duration(o['older-than']);
        if (olderThanMs === null) return usage(out, '--older-than takes a duration such as 90s, 10m or 2h');
        const page = await desk.list({ state: arg as ListableState, olderThanMs, limit, cursor: o.cursor });
        print(page, () => ordersTable(page));
        return 0;
      }
      case 'timeline': {
        if (o.subject && o.subject !== 'order') {
          if (!(JOURNAL_SUBJECTS as readonly string[]).includes(o.subject)) return usage(out, `--subject must be order or one of ${JOURNAL_SUBJECTS.join(', ')}`);
          const entries = await desk.journalOf(o.subject as JournalSubject, arg);
          print({ subject: o.subject, id: arg, entries }, () => `${o.subject} ${arg}\n${timelineTable(entries)}`);
          return entries.length ? 0 : 1;
        }
        const t = await desk.timeline(arg);
        if (!t) return notFound(out, o.json, arg);
        print(t, () => `${t.key}\n${timelineTable(t.entries)}`);
        return 0;
      }
      case 'retry': {
        const order = await desk.get(arg);
        if (!order) return notFound(out, o.json, arg);
        if (!o.yes) return confirm(out, `retry ${order.dedupeKey} (state ${order.state}, ${order.attempts} failed attempts, last error: ${order.lastError ?? '-'})`);
        const r = await desk.retry(order.dedupeKey, { by: `cli:${by}` });
        print(r, () => (r.outcome === 'retried' ? `retried ${r.key}: pending again\n` : `not retried: ${r.key} is ${order.state}, only given_up orders are retried\n`));
        return r.outcome === 'retried' ? 0 : 1;
      }
      case 'cancel': {
        if (!o.reason?.trim()) return usage(out, 'cancel needs --reason TEXT');
        const order = await desk.get(arg);
        if (!order) return notFound(out, o.json, arg);
        if (!o.yes) return confirm(out, `cancel ${order.dedupeKey} (state ${order.state}, user ${order.userId}, amount ${order.amount}) because: ${o.reason}`);
        const r = await desk.cancel(order.dedupeKey, o.reason, { by: `cli:${by}` });
        print(r, () => (r.outcome === 'cancelled' ? `cancelled ${r.key}\n` : `not cancelled (${r.outcome}): only pending and given_up orders can be cancelled\n`));
        return r.outcome === 'cancelled' ? 0 : 1;
      }
      case 'export': {
        const format = o.format ?? 'csv';
        if (format !== 'csv' && format !== 'jsonl') return usage(out, '--format must be csv or jsonl');
        const target: NodeJS.WritableStream = o.out ? createWriteStream(o.out) : out;
        let rows = 0;
        for await (const chunk of desk.export(arg, { timeZone: o['time-zone'] ?? 'UTC', format })) {
          rows += chunk.split('\n').length - 1;
          if (!target.write(chunk)) await new Promise((r) => target.once('drain', r));
        }
        if (o.out) {
          await new Promise<void>((resolve, reject) => (target as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())));
          process.stderr.write(`wrote ${format === 'csv' ? rows - 1 : rows} orders to ${o.out}\n`);
        }
        return 0;
      }
      default:
        return usage(out, `unknown command: ${command}`);
    }
  } catch (err) {
    process.stderr.write(`${errorText(err)}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

function usage(out: NodeJS.WritableStream, why: string): number {
  process.stderr.write(`${why}\n\n`);
  out.write(HELP);
  return 2;
}

function notFound(out: NodeJS.WritableStream, json: boolean | undefined, id: string): number {
  if (json) out.write(JSON.stringify({ error: 'not-found', id }) + '\n');
  else process.stderr.write(`no order known as ${id} (tried the ledger key, the platform order id and aliases)\n`);
  return 1;
}

function confirm(out: NodeJS.WritableStream, what: string): number {
  out.write(`would ${what}\nre-run with --yes to do it\n`);
  return 2;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** 90s, 10m, 2h, 1d, or plain milliseconds; null when unreadable. */
export function duration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!;
  return Math.round(Number(m[1]) * unit);
}

const iso = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? '-' : new Date(ms).toISOString());

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd() + '\n';
  return line(header) + line(widths.map((w) => '-'.repeat(w))) + rows.map(line).join('');
}

function ordersTable(page: Page): string {
  if (!page.orders.length) return 'no orders\n';
  const rows = page.orders.map((r: LedgerRecord) => [iso(r.createdAt), r.dedupeKey, r.userId, String(r.amount), r.currency ?? '', r.state, String(r.attempts), iso(r.grantedAt)]);
  const more = page.next ? `more: --cursor ${page.next}\n` : '';
  return table(['created', 'ledger key', 'user', 'amount', 'currency', 'state', 'attempts', 'granted'], rows) + more;
}

function orderDetail(r: LedgerRecord): string {
  const rows: Array<[string, string | number | undefined]> = [
    ['ledger key', r.dedupeKey],
    ['source', r.source],
    ['order id', r.orderId],
    ['alias', r.alias],
    ['user', r.userId],
    ['zone', r.zoneId],
    ['role', r.roleId],
    ['amount', r.amount],
    ['currency', r.currency],
    ['product', r.productId],
    ['state', r.state],
    ['attempts', r.attempts],
    ['last error', r.lastError],
    ['reason', r.reason],
    ['created', iso(r.createdAt)],
    ['updated', iso(r.updatedAt)],
    ['granted', iso(r.grantedAt)],
  ];
  return rows
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k.padEnd(11)} ${v}\n`)
    .join('');
}

function timelineTable(entries: JournalEntry[]): string {
  if (!entries.length) return 'no journal entries (older than journal.ttlDays, or from before the journal existed)\n';
  const rows = entries.map(({ at, event, ...rest }) => [
    iso(at),
    event,
    Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' '),
  ]);
  return table(['at', 'event', 'details'], rows);
}

/**
 * The deployment's ledger retention, from the three flags, checked by the ledger's own option rules
 * (positive, dedupe at least record); a usage message otherwise. Unset flags take the ledger's defaults,
 * so a cancel from the CLI expires its order as a server with default options would.
 */
function retentionFrom(record?: string, dedupe?: string, alias?: string): LedgerRetention | string {
  const days = (v?: string) => (v === undefined ? undefined : v.trim() === '' ? NaN : Number(v));
  const picked = { recordDays: days(record), dedupeDays: days(dedupe), aliasDays: days(alias) };
  const checked = ledgerOptionsSchema.safeParse(Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined)));
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const flag = `--${String(issue.path[0]).replace('Days', '-days')}`;
    return `${flag}: ${issue.code === 'custom' ? issue.message : 'must be a positive number of days'}`;
  }
  return retentionOf(checked.data);
}
