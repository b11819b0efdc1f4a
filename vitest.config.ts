import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build (the package has no "exports" map), as
    // Apollo does; Vite would pick the ESM build, and graphql-js refuses types from the other copy.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts', 'subgraphs/**/*.test.ts'],
    // Seeds every demo store once, before any worker opens them read-only.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // No phoning home from tests: see gateway/create-gateway.ts.
    env: { APOLLO_TELEMETRY_DISABLED: 'true' },
    pool: 'forks',
    // Two cores: more workers than that only adds contention.
    maxWorkers: 2,
    // Run graphql-inspector through vite too: left to Node it loads graphql's CommonJS
    // build, and the schemas we hand it (from graphql's ESM build) fail its instanceof checks.
    server: { deps: { inline: ['@graphql-inspector/core'] } },
  },
});
