/**
 * The port a Colyseus server listens on, for tests that send platform requests to it. `ColyseusTestServer`
 * (from `@colyseus/testing`) keeps it in a protected field; this reads it without importing
 * `@colyseus/testing` (whose import loads .env files).
 */
export interface ListeningServerLike {
  /** A `ColyseusTestServer`: its `server`; or a Colyseus `Server` itself. */
  server?: unknown;
}

export function testServerPort(target: ListeningServerLike | object): number {
  const server = ((target as ListeningServerLike).server ?? target) as { port?: unknown; transport?: { server?: { address?: () => unknown } } };
  const address = server.transport?.server?.address?.();
  if (address && typeof address === 'object' && typeof (address as { port?: unknown }).port === 'number') return (address as { port: number }).port;
  if (typeof server.port === 'number') return server.port;
  throw new Error('testServerPort: the server is not listening (boot it first)');
}

/** `http://127.0.0.1:<port>` of a booted test server. */
export function testServerUrl(target: ListeningServerLike | object): string {
  return `http://127.0.0.1:${testServerPort(target)}`;
}
