/**
 * The full tour: every platform path the bridge serves, once correctly, once as a duplicate and once with a
 * bad signature, each answer checked against what the platform's document (or README.md, where the document
 * is silent) says it must be.
 */
import { addgoldQuery, giftRequest, rechargeOrder, rolelistQuery, sudNotification } from '../testing/requests.js';
import type { Printer } from './print.js';
import { httpExchange, socketExchange, type Exchange } from '../testing/transport.js';
import { errorText } from '../errorText.js';

export interface TourOptions {
  url: string;
  socketHost: string;
  socketPort: number;
  rechargeKey: string;
  giftKey: string;
  vngatesSecret: string;
  vngatesSignFields?: readonly string[];
  sudAppId: string;
  sudSecret: string;
  userId: string;
  zoneId: string;
  /**
   * Parts to leave out: 'recharge' (HTTP, socket and gift codes), 'socket', 'gift', 'vngates', 'sud'. Parts the
   * server's health route reports off are left out too.
   */
  skip?: readonly string[];
  paths?: Partial<{ health: string; recharge: string; addgold: string; rolelist: string; sud: string }>;
}

export interface TourResult {
  passed: number;
  failed: number;
}

const OK_HTTP = '{"result":true,"msg":"{\\"msg\\":\\"succeed\\",\\"ret\\":1}"}';

/** The fields of a JSON answer (every answer checked here is an object); undefined when it is not JSON. */
function json(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The root cause of a failed fetch ("fetch failed" alone says nothing). */
function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? errorText(err);
}

/** The `ret` inside the recharge HTTP answer's `msg` JSON string. */
const httpRet = (text: string): unknown => {
  const msg = json(text)?.msg;
  return json(typeof msg === 'string' ? msg : '')?.ret;
};

export async function runTour(o: TourOptions, out: Printer): Promise<TourResult> {
  const skip = new Set(o.skip ?? []);
  const p = { health: '/platform/health', recharge: '/platform/recharge', addgold: '/addgold', rolelist: '/rolelist', sud: '/platform/sud/notify', ...o.paths };
  const base = o.url.replace(/\/+$/, '');
  const result: TourResult = { passed: 0, failed: 0 };

  const check = async (title: string, run: () => Promise<Exchange>, expectation: string, ok: (x: Exchange) => boolean) => {
    out.step(title);
    let x: Exchange;
    try {
      x = await run();
    } catch (err) {
      out.info(`failed: ${errorText(err)}`);
      out.verdict(false, expectation);
      result.failed++;
      return;
    }
    out.exchange(x.request, x.answer, x.status);
    const good = ok(x);
    out.verdict(good, expectation);
    if (good) result.passed++;
    else result.failed++;
  };

  // the health route says which platforms this server runs: what is off is skipped (and said so)
  out.step('health');
  let health: Exchange;
  try {
    health = await httpExchange('GET', base + p.health);
  } catch (err) {
    out.info(`no server answers at ${base} (${causeText(err)}): start it (npm start) or pass --url`);
    out.verdict(false, 'a server answering at that URL');
    result.failed++;
    out.step(`tour finished: ${result.passed} passed, ${result.failed} failed`);
    return result;
  }
  out.exchange(health.request, health.answer, health.status);
  const report = json(health.answer);
  const healthy = health.status === 200 && report?.status === 'ok';
  out.verdict(healthy, 'HTTP 200 and status "ok"');
  if (healthy) result.passed++;
  else result.failed++;
  const platforms = report?.platforms as Record<string, { enabled?: boolean; socketState?: string; giftCodes?: boolean }> | undefined;
  const off = (why: string, part: string) => {
    if (skip.has(part)) return;
    skip.add(part);
    out.info(`skipped ${part}: ${why}`);
  };
  if (healthy && !platforms) out.info('the health route shows no detail (http.healthDetail off): every part is tried');
  if (platforms && typeof platforms === 'object') {
    if (platforms.recharge?.enabled === false) {
      off('recharge is off on this server', 'recharge');
      off('recharge is off on this server', 'socket');
      off('recharge is off on this server', 'gift');
    } else if (platforms.recharge) {
      if (platforms.recharge.socketState === 'disabled') off('the recharge socket is off on this server', 'socket');
      if (platforms.recharge.giftCodes === false) off('gift codes are off on this server (no giftKey)', 'gift');
    }
    if (platforms.vngates?.enabled === false) off('VNGates is off on this server', 'vngates');
    if (platforms.sud?.enabled === false) off('SUD is off on this server', 'sud');
  } else if (health.status !== 404) {
    out.info('the health route does not list platforms (http.healthDetail off?): every part is tried');
  }

  const recharge = { key: o.rechargeKey, userId: o.userId, amount: 499, zoneId: o.zoneId };
  const order = rechargeOrder(recharge, 'http');
  const post = (body: Record<string, unknown>) => () => httpExchange('POST', base + p.recharge, JSON.stringify(body), { 'content-type': 'application/json' });
  if (!skip.has('recharge')) {
    await check('recharge over HTTP', post(order), `exactly ${OK_HTTP}`, (x) => x.status === 200 && x.answer === OK_HTTP);
    await check(
      'recharge over HTTP, the same order again (duplicate)',
      post(order),
      'ret -1 or -5 (order number already used), result true',
      (x) => [-1, -5].includes(httpRet(x.answer) as number) && json(x.answer)?.result === true,
    );
    await check(
      'recharge over HTTP with a bad sign',
      post(rechargeOrder({ ...recharge, badSign: true }, 'http')),
      'ret -4 (sign error), result false',
      (x) => httpRet(x.answer) === -4 && json(x.answer)?.result === false,
    );
  }

  if (!skip.has('socket')) {
    const sockOrder = rechargeOrder(recharge, 'socket');
    const send = (m: Record<string, unknown>) => () => socketExchange(o.socketHost, o.socketPort, m);
    await check('recharge over the socket', send(sockOrder), 'ret 1 (recharge succeeded)', (x) => json(x.answer)?.ret === 1);
    await check('recharge over the socket, the same order again (duplicate)', send(sockOrder), 'ret -1 or -5 (order number already used)', (x) => [-1, -5].includes(json(x.answer)?.ret as number));
    await check('recharge over the socket with a bad sign', send(rechargeOrder({ ...recharge, badSign: true }, 'socket')), 'ret -4 (sign error)', (x) => json(x.answer)?.ret === -4);

    if (!skip.has('gift')) {
      const gift = giftRequest({ giftKey: o.giftKey, userId: o.userId, zoneId: o.zoneId });
      await check('gift code over the socket', send(gift), 'the request echoed with code "1" and desc 成功', (x) => {
        const a = json(x.answer);
        return a?.code === '1' && a?.desc === '成功' && a?.codeNo === gift.codeNo && a?.userId === gift.userId;
      });
      await check('the same gift code again (duplicate)', send(gift), 'code "-5" (already redeemed)', (x) => json(x.answer)?.code === '-5');
      await check(
        'gift code with a bad sign',
        send(giftRequest({ giftKey: o.giftKey, userId: o.userId, zoneId: o.zoneId, badSign: true })),
        'code "-4" (sign error)',
        (x) => json(x.answer)?.code === '-4',
      );
    }
  }

  if (!skip.has('vngates')) {
    const pay = { secret: o.vngatesSecret, userId: o.userId, serverId: o.zoneId, amount: '1000.00', signFields: o.vngatesSignFields };
    const q = addgoldQuery(pay);
    const get = (path: string, query: URLSearchParams) => () => httpExchange('GET', `${base}${path}?${query}`);
    await check('VNGates /addgold payment', get(p.addgold, q), '{"status":1,"msg":"success"}', (x) => x.status === 200 && json(x.answer)?.status === 1);
    await check('VNGates /addgold, the same transaction again (duplicate)', get(p.addgold, q), 'status 1 again (already recorded)', (x) => json(x.answer)?.status === 1);
    await check('VNGates /addgold with a bad sign', get(p.addgold, addgoldQuery({ ...pay, badSign: true })), 'status 0 with a reason', (x) => json(x.answer)?.status === 0);
    await check('VNGates /rolelist', get(p.rolelist, rolelistQuery(o.userId)), 'status 1 and a data array of roles', (x) => json(x.answer)?.status === 1 && Array.isArray(json(x.answer)?.data));
  }

  if (!skip.has('sud')) {
    const settle = sudNotification({ appId: o.sudAppId, secret: o.sudSecret, roomId: 'sim-room', uids: [o.userId, 'fa1c53c4'] });
    const postSud = (n: { body: string; headers: Record<string, string> }) => () => httpExchange('POST', base + p.sud, n.body, n.headers);
    await check('SUD match.settle notification', postSud(settle), 'exactly {"ret_code":0,"ret_msg":"SUCCESS"}', (x) => x.answer === '{"ret_code":0,"ret_msg":"SUCCESS"}');
    await check('SUD notification again (duplicate notify_id)', postSud(settle), 'SUCCESS again', (x) => json(x.answer)?.ret_code === 0);
    await check(
      'SUD notification with a bad signature',
      postSud(sudNotification({ appId: o.sudAppId, secret: o.sudSecret, roomId: 'sim-room', uids: [o.userId], badSign: true })),
      'a non-zero ret_code',
      (x) => typeof json(x.answer)?.ret_code === 'number' && json(x.answer)?.ret_code !== 0,
    );
  }

  out.step(`tour finished: ${result.passed} passed, ${result.failed} failed`);
  return result;
}
