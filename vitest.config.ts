import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Vite prefers graphql's ESM build (`module` field); Node, and so Apollo and the CLI, load
    // its CommonJS build. Two copies break graphql's instanceof checks ("Cannot use
    // GraphQLObjectType from another module or realm") and make Apollo mistake our coded
    // errors for unknown ones. Tests load the one copy production loads.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
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
