/**
 * A trial player for the example server (`npm run example:client`): joins the `battle` room with a GameCenter
 * token, scores points, reports a paid GameCenter order and waits until its grant arrives, printing each
 * step. Against `sim gamecenter` this makes the rank, zone and order traffic README promises, and shows the
 * grant reaching the player.
 */
import { parseArgs } from 'node:util';
import { ColyseusSDK } from '@colyseus/sdk';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: `ws://127.0.0.1:${process.env.PORT || 2567}` },
    user: { type: 'string', default: '645633159128785116' },
    token: { type: 'string', default: 'trial-token' },
    order: { type: 'string', default: `5664220737${String(Date.now()).slice(-9)}` },
    score: { type: 'string', default: '10' },
    'wait-ms': { type: 'string', default: '20000' },
  },
});

const say = (line: string) => process.stdout.write(`[player] ${line}\n`);
const sdk = new ColyseusSDK(values.url!);
sdk.auth.token = values.token!;
try {
  const room = await sdk.joinOrCreate('battle', { userId: values.user });
  say(`joined battle as ${values.user} (token checked by the server)`);
  const granted = new Promise<unknown>((resolve) => room.onMessage('grant', resolve));
  room.onMessage('paid', (m) => say(`server: ${JSON.stringify(m)}`));
  room.onMessage('ended', () => undefined);
  room.send('score', Number(values.score));
  say(`scored ${values.score} points (the score rank is sent at the next rank flush)`);
  room.send('paid', { orderId: values.order });
  say(`reported paid GameCenter order ${values.order}; waiting for its grant (first check 3 s after it is reported)`);
  const grant = await Promise.race([granted, new Promise((r) => setTimeout(() => r(undefined), Number(values['wait-ms'])).unref())]);
  if (!grant) {
    say(`no grant within ${values['wait-ms']} ms`);
    process.exitCode = 1;
  } else say(`grant received: ${JSON.stringify(grant)}`);
  await room.leave();
} catch (err) {
  const e = err as { code?: number; message?: string };
  say(`join refused (${e.code ?? 'no code'}): ${e.message ?? String(err)}`);
  process.exitCode = 1;
}
process.exit();
