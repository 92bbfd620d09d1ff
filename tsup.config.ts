import { defineConfig } from 'tsup';

// One bundle per format: ESM for `import`, CJS for `require`, each with its own .d.ts
// (tsup emits index.d.ts and index.d.cts) so TypeScript resolves types under both. `client` (for game
// clients, no server code) and `testing` (for the game's own tests) are entry points of their own.
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts', client: 'src/client.ts', testing: 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', client: 'src/client.ts', testing: 'src/testing/index.ts' } },
  target: 'node22',
  platform: 'node',
  sourcemap: true,
  clean: true,
  splitting: false,
  shims: true,
  tsconfig: 'tsconfig.build.json',
});
