import { createRouter, type Endpoint, type Server } from '@colyseus/core';

/**
 * Puts endpoints on the server's router. Before listen, `extend` (or a new router) is picked up by
 * Colyseus when it binds routes; after listen only mutating the live router works, because `extend`
 * returns a new router that nothing serves.
 */
export function mountEndpoints(server: Server, endpoints: Record<string, Endpoint>): void {
  const router = server.router as ReturnType<typeof createRouter> | undefined;
  if (isListening(server) && router) {
    for (const ep of Object.values(endpoints)) router.addEndpoint(ep);
    return;
  }
  (server as { router: unknown }).router = router ? router.extend(endpoints) : createRouter(endpoints);
}

export function isListening(server: Server): boolean {
  const http = (server.transport as { server?: { listening?: boolean } } | undefined)?.server;
  return !!http?.listening;
}
