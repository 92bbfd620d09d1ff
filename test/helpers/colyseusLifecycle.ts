/**
 * Starts and stops Colyseus servers so that a test process can run many in turn and still exit by itself
 * (mocha runs without `exit: true`). Two things in Colyseus 0.18 keep a process alive after its servers
 * are gone: `gracefullyShutdown` returns at once when the process's one matchmaker is already shutting
 * down (another server closed first), leaving the HTTP listener open; and every `listen` starts a stats
 * interval, overwriting the handle of the previous one, so only the last is ever cleared. Here the
 * previous interval is cleared before each listen and the listener is closed in any case.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server } from '@colyseus/core';
import { clearAutoPersistInterval } from '@colyseus/core/Stats';

export async function listenColyseus(server: Server, port: number, host = '127.0.0.1'): Promise<void> {
  clearAutoPersistInterval();
  await server.listen(port, host);
}

export async function stopColyseus(server: Server): Promise<void> {
  await server.gracefullyShutdown(false);
  clearAutoPersistInterval();
  const transport = server.transport as unknown as { server?: HttpServer; shutdown?: () => void } | undefined;
  const http = transport?.server;
  if (!http) return;
  if (http.listening) {
    transport.shutdown?.();
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections?.();
    await closed;
  } else http.closeIdleConnections?.();
}
