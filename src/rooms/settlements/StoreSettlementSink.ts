/**
 * The default settlement sink: records each match once in Redis and hands it to the `onSettlement`
 * option. The claim (`<prefix>{settle:<matchId>}`, SET NX) and the record (a hash beside it) are written
 * in one script, so however often a match is reported, from however many processes, one report wins
 * and the handler runs once for it. Both keys expire after the configured retention.
 */
import type { Logger } from '../../logger.js';
import { defineScript } from '../../store/defineScript.js';
import type { KeySpace } from '../../store/KeySpace.js';
import type { Store } from '../../store/Store.js';
import type { Settlement, SettlementSink } from '../services.js';
import { errorText } from '../../logging/throttle.js';

export type SettlementHandler = (settlement: Settlement) => void | Promise<void>;

/**
 * KEYS[1] claim, KEYS[2] record hash; ARGV[1] retention ms (0 = keep), ARGV[2] claim value, ARGV[3..]
 * field/value pairs of the record. Reply: 1 recorded, 0 already recorded.
 */
const recordOnceScript = defineScript<boolean>({
  name: 'settlement_record_once',
  numberOfKeys: 2,
  lua: `
if not redis.call('SET', KEYS[1], ARGV[2], 'NX') then return 0 end
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
local keep = tonumber(ARGV[1])
if keep > 0 then
  redis.call('PEXPIRE', KEYS[1], keep)
  redis.call('PEXPIRE', KEYS[2], keep)
end
return 1
`,
  local(db, keys, args) {
    const [keep, claim, ...pairs] = args as [string, string, ...string[]];
    if (!db.set(keys[0]!, claim, { nx: true })) return 0;
    const record: Record<string, string> = {};
    for (let i = 0; i + 1 < pairs.length; i += 2) record[pairs[i]!] = pairs[i + 1]!;
    db.hset(keys[1]!, record);
    if (Number(keep) > 0) {
      db.pexpire(keys[0]!, Number(keep));
      db.pexpire(keys[1]!, Number(keep));
    }
    return 1;
  },
  decode: (r) => r === 1,
});

export class StoreSettlementSink implements SettlementSink {
  constructor(
    private readonly store: Store,
    private readonly keys: KeySpace,
    private readonly options: { retentionMs: number; onSettlement?: SettlementHandler },
    private readonly logger: Logger,
  ) {}

  claimKey(matchId: string): string {
    return this.keys.tagged(`settle:${matchId}`);
  }

  recordKey(matchId: string): string {
    return this.keys.tagged(`settle:${matchId}`, 'record');
  }

  async report(s: Settlement): Promise<void> {
    const record = {
      matchId: s.matchId,
      zoneId: s.zoneId,
      roomId: s.roomId,
      roomName: s.roomName,
      reportedAt: String(s.reportedAt),
      results: JSON.stringify(s.results),
      extra: JSON.stringify(s.extra),
    };
    const fresh = await this.store.run(
      recordOnceScript,
      [this.claimKey(s.matchId), this.recordKey(s.matchId)],
      [this.options.retentionMs, `${s.roomId}@${s.reportedAt}`, ...Object.entries(record).flat()],
    );
    if (!fresh) {
      this.logger.info('a settlement for this match was already recorded; ignoring the repeat', { matchId: s.matchId, roomId: s.roomId });
      return;
    }
    const handler = this.options.onSettlement;
    if (!handler) return;
    try {
      await handler(s);
    } catch (err) {
      // the record is in Redis; the handler ran once for it and is not retried
      this.logger.error('the onSettlement handler threw', { matchId: s.matchId, error: errorText(err) });
    }
  }
}
