import assert from 'node:assert/strict';
import { isTimeZone } from '../../src/timeZone.js';
import { wallClock } from '../../src/serverstate/wallClock.js';
import { ZonedDays } from '../../src/platforms/gamecenter/day.js';

describe('isTimeZone', () => {
  it('accepts IANA names (any case, links), UTC and fixed offsets', () => {
    for (const z of ['UTC', 'utc', 'Asia/Shanghai', 'asia/shanghai', 'America/New_York', 'Asia/Calcutta', 'Etc/GMT-8', '+08:00']) assert.equal(isTimeZone(z), true, z);
  });

  it('refuses what the runtime does not know, and non-strings', () => {
    for (const z of ['Mars/Base', '', ' UTC', 'GMT+8', 'Asia/Shanghai ', undefined, null, 8]) assert.equal(isTimeZone(z), false, String(z));
  });

  it('a zone it accepts never throws where the zone is used', () => {
    for (const z of ['asia/shanghai', '+08:00', 'Asia/Calcutta']) {
      assert.match(wallClock(z).format(0), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.match(new ZonedDays(z).dayOf(0), /^\d{4}-\d{2}-\d{2}$/);
    }
  });
});
