/**
 * The example server's entry point (`npm start`). SIGINT / SIGTERM shut it down gracefully: rooms are
 * disposed, the bridge closes its sockets and Redis connection, and the process exits.
 */
import { readEnv, trialSecretsProblem } from './env.js';
import { buildExampleServer } from './app.js';

const env = readEnv();
const refusal = trialSecretsProblem(env);
if (refusal) {
  console.error(`[example-server] ${refusal}`);
  process.exit(1);
}
const { server, bridge } = buildExampleServer(env);

if (env.trialDefaults.length) {
  bridge.logger.warn(`trial secrets in use for ${env.trialDefaults.join(', ')}: set them in the environment before talking to a real platform`);
}

await server.listen(env.port, env.host);
bridge.logger.info(`example server listening`, {
  http: `http://${env.host ?? 'localhost'}:${env.port}`,
  health: `http://${env.host ?? 'localhost'}:${env.port}${bridge.options.http.healthPath}`,
  store: bridge.store.kind,
  zoneId: env.zoneId,
});
