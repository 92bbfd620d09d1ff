#!/usr/bin/env node
/**
 * `colyseus-platform-bridge sim <command>`: plays the platforms against a running server (signed recharges
 * over HTTP and the socket, gift codes, VNGates, SUD), or runs a local GameCenter API double. Defaults match
 * the example server's trial configuration, so `sim tour` works against `npm start` as it is.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { consolePrinter } from './sim/print.js';
import { addgoldQuery, giftRequest, rechargeOrder, rolelistQuery, sudNotification } from './testing/requests.js';
import { httpExchange, socketExchange } from './testing/transport.js';
import { runTour } from './sim/tour.js';
import { GameCenterDouble } from './testing/gameCenter/GameCenterDouble.js';
import { TRIAL_SECRETS } from './testing/trialDefaults.js';
import { errorText } from './errorText.js';

const env = process.env;
const HELP = `usage: colyseus-platform-bridge sim <command> [options]
       colyseus-platform-bridge --version

commands
  tour              every platform path, a duplicate and a bad signature each; exits 1 if any answer is off
  recharge-http     one signed recharge over HTTP
  recharge-socket   one signed recharge over the TCP socket
  gift              one gift-code redemption over the socket
  addgold           one VNGates /addgold payment
  rolelist          one VNGates /rolelist call
  sud               one SUD match.settle notification
  gamecenter        run a local GameCenter API double and print its traffic (Ctrl-C to stop)

options (defaults: the example server's, or the same environment variables)
  --url URL             server HTTP address                     (http://127.0.0.1:$PORT, 2567)
  --socket-host HOST    recharge socket host                    (127.0.0.1)
  --socket-port N       recharge socket port                    ($RECHARGE_SOCKET_PORT, 7010)
  --user ID             player user id                          (sim-player-1)
  --zone ID             zone id                                 ($ZONE_ID, 1)
  --amount N            recharge amount                         (499)
  --order ID            order / transaction number              (a new one)
  --room ID             SUD room_id                             (sim-room)
  --repeat N            send the same request N times (duplicates)
  --bad-sign            break the signature on purpose
  --recharge-key K, --gift-key K, --vngates-secret K, --sud-app-id ID, --sud-secret K
                        keys ($RECHARGE_KEY, $GIFT_KEY, $VNGATES_SECRET, $SUD_APP_ID, $SUD_APP_SECRET; trial values)
  --skip a,b            tour: leave out parts (recharge, socket, gift, vngates, sud); parts the
                        server's health route reports off are skipped anyway
  --port N, --host H    gamecenter: where the double listens   (7100, 127.0.0.1)
  --app-id ID, --secret K  gamecenter: credentials              ($GAMECENTER_APP_ID, $GAMECENTER_SECRET; trial values)
`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'orders') return (await import('./ops/ordersCli.js')).runOrdersCli(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'socket-host': { type: 'string' },
      'socket-port': { type: 'string' },
      user: { type: 'string' },
      zone: { type: 'string' },
      amount: { type: 'string' },
      order: { type: 'string' },
      room: { type: 'string' },
      repeat: { type: 'string' },
      'bad-sign': { type: 'boolean' },
      'recharge-key': { type: 'string' },
      'gift-key': { type: 'string' },
      'vngates-secret': { type: 'string' },
      'sud-app-id': { type: 'string' },
      'sud-secret': { type: 'string' },
      skip: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'app-id': { type: 'string' },
      secret: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const [group, command = 'tour'] = positionals;
  if (values.help || group !== 'sim') {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const out = consolePrinter();
  const o = {
    url: values.url ?? `http://127.0.0.1:${env.PORT || 2567}`,
    socketHost: values['socket-host'] ?? '127.0.0.1',
    socketPort: Number(values['socket-port'] ?? (env.RECHARGE_SOCKET_PORT || 7010)),
    userId: values.user ?? 'sim-player-1',
    zoneId: values.zone ?? (env.ZONE_ID || '1'),
    amount: Number(values.amount ?? 499),
    rechargeKey: values['recharge-key'] ?? (env.RECHARGE_KEY || TRIAL_SECRETS.RECHARGE_KEY),
    giftKey: values['gift-key'] ?? (env.GIFT_KEY || TRIAL_SECRETS.GIFT_KEY),
    vngatesSecret: values['vngates-secret'] ?? (env.VNGATES_SECRET || TRIAL_SECRETS.VNGATES_SECRET),
    sudAppId: values['sud-app-id'] ?? (env.SUD_APP_ID || TRIAL_SECRETS.SUD_APP_ID),
    sudSecret: values['sud-secret'] ?? (env.SUD_APP_SECRET || TRIAL_SECRETS.SUD_APP_SECRET),
  };
  const badSign = values['bad-sign'] === true;
  const repeat = Math.max(1, Number(values.repeat ?? 1));
  const base = o.url.replace(/\/+$/, '');

  const times = async (label: string, send: () => Promise<{ request: string; answer: string; status?: number }>) => {
    for (let i = 1; i <= repeat; i++) {
      out.step(repeat > 1 ? `${label} (${i}/${repeat})` : label);
      const x = await send();
      out.exchange(x.request, x.answer, x.status);
    }
    return 0;
  };

  switch (command) {
    case 'tour': {
      const r = await runTour({ ...o, skip: values.skip?.split(',').map((s) => s.trim()) }, out);
      return r.failed === 0 ? 0 : 1;
    }
    case 'recharge-http': {
      const order = rechargeOrder({ key: o.rechargeKey, userId: o.userId, amount: o.amount, zoneId: o.zoneId, orderNo: values.order, badSign }, 'http');
      return times('recharge over HTTP', () => httpExchange('POST', `${base}/platform/recharge`, JSON.stringify(order), { 'content-type': 'application/json' }));
    }
    case 'recharge-socket': {
      const order = rechargeOrder({ key: o.rechargeKey, userId: o.userId, amount: o.amount, zoneId: o.zoneId, orderNo: values.order, badSign }, 'socket');
      return times('recharge over the socket', () => socketExchange(o.socketHost, o.socketPort, order));
    }
    case 'gift': {
      const gift = giftRequest({ giftKey: o.giftKey, userId: o.userId, zoneId: o.zoneId, codeNo: values.order, badSign });
      return times('gift code', () => socketExchange(o.socketHost, o.socketPort, gift));
    }
    case 'addgold': {
      const q = addgoldQuery({ secret: o.vngatesSecret, userId: o.userId, serverId: o.zoneId, amount: values.amount ?? '1000.00', transactionId: values.order, badSign });
      return times('VNGates /addgold', () => httpExchange('GET', `${base}/addgold?${q}`));
    }
    case 'rolelist':
      return times('VNGates /rolelist', () => httpExchange('GET', `${base}/rolelist?${rolelistQuery(o.userId)}`));
    case 'sud': {
      const n = sudNotification({ appId: o.sudAppId, secret: o.sudSecret, roomId: values.room ?? 'sim-room', matchId: values.order, uids: [o.userId], badSign });
      return times('SUD match.settle', () => httpExchange('POST', `${base}/platform/sud/notify`, n.body, n.headers));
    }
    case 'gamecenter': {
      const sim = new GameCenterDouble({
        acceptAnyToken: true,
        unknownOrdersPaid: true,
        host: values.host ?? '127.0.0.1',
        port: Number(values.port ?? 7100),
        appId: values['app-id'] ?? (env.GAMECENTER_APP_ID || TRIAL_SECRETS.GAMECENTER_APP_ID),
        secret: values.secret ?? (env.GAMECENTER_SECRET || TRIAL_SECRETS.GAMECENTER_SECRET),
        log: (line: string) => void process.stdout.write(line + '\n'),
      });
      const { url } = await sim.start();
      out.info(
        `GameCenter double listening on ${url} (point the server at it: GAMECENTER_URL=${url}); it accepts every user token except "bad" and reports orders paid (1.00 AED, sandbox) unless their id starts with "unpaid"; Ctrl-C stops it`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await sim.stop();
      return 0;
    }
    default:
      process.stderr.write(`unknown command: ${command}\n\n${HELP}`);
      return 2;
  }
}

/** The installed package's version (src/ and dist/ both sit one level below package.json). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

// an entry point only (npm links the bin under another name, so no "am I main" check)
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${errorText(err)}\n`);
    process.exit(1);
  },
);
