import { defineConfig } from 'vitest/config';

export default defineConfig({
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
