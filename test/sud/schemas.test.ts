/**
 * How SUD's loosely typed fields are read: ids as text, numbers from numbers or numeric strings, flags from
 * booleans or numbers, and the reason a bad field is refused with (what the answer and the log say).
 */
import assert from 'node:assert/strict';
import { envelopeSchema, describeIssues, settlementFromSud } from '../../src/platforms/sud/schemas.js';
import { specExample } from './support.js';

const data = () => structuredClone((specExample('n-1', 'm-1') as { data: Record<string, unknown> }).data);
const player = (d: Record<string, unknown>, i: number) => (d.results as Array<Record<string, unknown>>)[i]!;

describe('SUD field reading', () => {
  it('reads ids as text, numbers from numbers or numeric strings, and flags from booleans or numbers', () => {
    const d = data();
    d.room_id = 9010;
    d.match_id = 12345678901234;
    d.battle_duration = ' 272 ';
    d.game_mode = '2.5';
    player(d, 0).is_ai = true;
    player(d, 1).is_ai = '1';
    player(d, 1).uid = null;
    player(d, 1).score = '-100';
    const r = settlementFromSud(d, 'n-1');
    assert.ok(r.ok);
    assert.equal(r.settlement.roomId, '9010');
    assert.equal(r.settlement.matchId, '12345678901234');
    assert.equal(r.settlement.battleDurationSec, 272);
    assert.equal(r.settlement.gameMode, 2.5);
    assert.deepEqual(
      r.settlement.results.map((p) => [p.uid, p.isAi, p.score]),
      [
        ['fa1c53c4', true, -100],
        ['', true, -100],
      ],
    );
  });

  const refusals: Array<[string, (d: Record<string, unknown>) => void, string]> = [
    ['an empty match_id', (d) => (d.match_id = ''), 'data.match_id: must not be empty'],
    ['a missing room_id', (d) => delete d.room_id, 'data.room_id: missing'],
    ['a boolean room_id', (d) => (d.room_id = true), 'data.room_id: expected a string or a number'],
    ['a score that is not a number', (d) => (player(d, 1).score = 'lots'), 'data.results[1].score: expected a number'],
    ['an empty-string score', (d) => (player(d, 0).score = ''), 'data.results[0].score: expected a number'],
    // eslint-disable-next-line no-loss-of-precision -- written as the platform's JSON would carry it (it is Infinity)
    ['a score beyond double range', (d) => (player(d, 0).score = 1e400), 'data.results[0].score: expected a number'],
    ['an is_ai that is text', (d) => (player(d, 0).is_ai = 'yes'), 'data.results[0].is_ai: expected a boolean or a number'],
    ['a missing remain_score', (d) => delete player(d, 0).remain_score, 'data.results[0].remain_score: missing'],
    ['results that are not a list', (d) => (d.results = {}), 'data.results: Invalid input: expected array, received object'],
  ];
  for (const [name, edit, reason] of refusals) {
    it(`refuses ${name}, naming the field`, () => {
      const d = data();
      edit(d);
      const r = settlementFromSud(d, 'n-1');
      assert.equal(r.ok, false);
      assert.match((r as { reason: string }).reason, new RegExp(`^${reason.replace(/[.[\]]/g, '\\$&')}`));
    });
  }

  it('refuses an envelope whose data is not an object, and one without notify_id', () => {
    const e = { ...specExample('n-2', 'm-2'), data: [1, 2] } as Record<string, unknown>;
    const r = envelopeSchema.safeParse(e);
    assert.equal(r.success, false);
    assert.equal(describeIssues(r.error!, 'body', e), 'body.data: expected an object');
    delete e.notify_id;
    e.data = {};
    const r2 = envelopeSchema.safeParse(e);
    assert.equal(describeIssues(r2.error!, 'body', e), 'body.notify_id: missing');
  });
});
