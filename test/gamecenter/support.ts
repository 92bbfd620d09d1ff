/** Shared setup for the GameCenter client tests: a double per test and a client pointed at it. */
import type { LogFields, Logger } from '../../src/logger.js';
import { GameCenterClient } from '../../src/platforms/gamecenter/client.js';
import type { GameCenterApi, GameCenterClientDeps } from '../../src/platforms/gamecenter/client.js';
import { parseGameCenterOptions } from '../../src/platforms/gamecenter/options.js';
import type { GameCenterOptionsInput } from '../../src/platforms/gamecenter/options.js';
import type { FormParams } from '../../src/platforms/gamecenter/signer.js';
import { GameCenterDouble } from '../../src/testing/index.js';
import type { GameCenterDoubleOptions } from '../../src/testing/index.js';

export const APP_ID = 'app-1';
export const SECRET = 'double-secret';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: LogFields;
}

export function captureLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Exposes the protected `call` so tests can send what the typed methods refuse to send. */
export class UncheckedClient extends GameCenterClient {
  raw(api: GameCenterApi, params: FormParams): Promise<unknown> {
    return this.call(api, params, null);
  }
}

export interface Harness {
  double: GameCenterDouble;
  logger: ReturnType<typeof captureLogger>;
  client(overrides?: Partial<GameCenterOptionsInput>, deps?: GameCenterClientDeps): UncheckedClient;
}

/** Registers before/after hooks that give every test a fresh, started double. */
export function useDouble(options: GameCenterDoubleOptions = {}): Harness {
  const h = {} as Harness;
  beforeEach(async () => {
    h.double = new GameCenterDouble({ appId: APP_ID, secret: SECRET, ...options });
    await h.double.start();
    h.logger = captureLogger();
    h.client = (overrides = {}, deps = {}) =>
      new UncheckedClient(parseGameCenterOptions({ baseUrl: h.double.url, appId: APP_ID, secret: SECRET, retryBackoffMs: 1, timeoutMs: 2000, ...overrides }), h.logger, deps);
  });
  afterEach(async () => {
    await h.double.stop();
  });
  return h;
}
