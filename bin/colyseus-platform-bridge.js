#!/usr/bin/env node
// The command's entry point. Installed from npm it runs the built CLI (dist/); in a checkout of the
// repository, where src/ is present, it runs the sources through tsx, so `npx colyseus-platform-bridge`
// works right after `npm install`, before (and without going stale after) a build.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/cli.js', import.meta.url).href);
}
