/**
 * The in-memory rank book behind `reportRank`. A report is one Map write: no promise, no Redis, no
 * allocation for a user already in the book, so rooms may report on every score change. The rank
 * submitter drains the book, which swaps in fresh maps and so never blocks a report.
 */
import type { Logger } from '../../logger.js';
import type { RankCollector, RankKind, RankSnapshot } from '../services.js';
import { throttledLog, type ThrottledLog } from '../../logging/throttle.js';

export interface RankBookOptions {
  /** Users kept per kind between drains; reports for further users are dropped with a log line. */
  maxUsersPerKind: number;
}

export class RankBook implements RankCollector {
  private level = new Map<string, number>();
  private score = new Map<string, number>();
  private checkpoint = new Map<string, number>();
  private readonly limit: number;
  private readonly log: ThrottledLog;

  constructor(options: RankBookOptions, logger: Logger) {
    this.limit = options.maxUsersPerKind;
    this.log = throttledLog(logger);
  }

  report(userId: string, kind: RankKind, value: number): void {
    const book = kind === 'score' ? this.score : kind === 'level' ? this.level : kind === 'checkpoint' ? this.checkpoint : undefined;
    if (book === undefined || typeof userId !== 'string' || userId.length === 0 || typeof value !== 'number' || !Number.isFinite(value)) {
      this.log('warn', 'rank:invalid', 'reportRank ignored: expected (userId: non-empty string, kind: level|score|checkpoint, value: finite number)', {
        userId: typeof userId === 'string' ? userId : typeof userId,
        kind: String(kind),
        value: typeof value === 'number' ? value : typeof value,
      });
      return;
    }
    if (book.size >= this.limit && !book.has(userId)) {
      this.log('warn', 'rank:full', 'rank book is full: reports for new users are dropped until the rank submitter drains it', {
        kind,
        maxUsersPerKind: this.limit,
      });
      return;
    }
    book.set(userId, value);
  }

  drain(): RankSnapshot {
    const out: RankSnapshot = { level: this.level, score: this.score, checkpoint: this.checkpoint };
    this.level = new Map();
    this.score = new Map();
    this.checkpoint = new Map();
    return out;
  }

  restore(snapshot: RankSnapshot): void {
    for (const kind of ['level', 'score', 'checkpoint'] as const) {
      const book = this[kind];
      for (const [userId, value] of snapshot[kind]) {
        if (book.has(userId) || book.size >= this.limit) continue;
        book.set(userId, value);
      }
    }
  }

  get size(): number {
    return this.level.size + this.score.size + this.checkpoint.size;
  }
}
