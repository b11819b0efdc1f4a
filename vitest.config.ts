import { createRequire } from 'node:module';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * Files that share one worker process and the demo products in it (test/support/worker-mesh.ts):
 * each puts its own gateway in front of products started once per worker. They must leave
 * nothing behind in the process (environment, global state) that another file would notice.
 */
const SHARED_WORKER = ['test/gateway/access/**/*.test.ts', 'test/gateway/plugins/**/*.test.ts', 'test/gateway/operation/persisted-operations.test.ts', 'test/gateway/operation/request-limits.test.ts'];

export default defineConfig({
  resolve: {
    // Vite prefers graphql's ESM build (`module` field); Node, and so Apollo and the CLI, load
    // its CommonJS build. Two copies break graphql's instanceof checks ("Cannot use
    // GraphQLObjectType from another module or realm") and make Apollo mistake our coded
    // errors for unknown ones. Tests load the one copy production loads.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // Seeds every demo store once, before any worker opens them read-only.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // No phoning home from tests: see gateway/create-gateway.ts. And the development identity
    // (signing secret, token key) of this checkout's tests, never the user's own (README: MESHGATE_HOME).
    env: { APOLLO_TELEMETRY_DISABLED: 'true', MESHGATE_HOME: join(import.meta.dirname, '.meshgate', 'test-home') },
    pool: 'forks',
    // Two cores: more workers than that only adds contention.
    maxWorkers: 2,
    // Run graphql-inspector through vite too: left to Node it loads graphql's CommonJS
    // build, and the schemas we hand it (from graphql's ESM build) fail its instanceof checks.
    server: { deps: { inline: ['@graphql-inspector/core'] } },
    projects: [
      // Every other file in a fresh process of its own; the end-to-end set over real sockets among them.
      { extends: true, test: { name: 'isolated', include: ['test/**/*.test.ts', 'subgraphs/**/*.test.ts'], exclude: [...configDefaults.exclude, ...SHARED_WORKER] } },
      // Loading Apollo, the kit and DuckDB into a fresh process and starting the five
      // products cost most of these files' time; here they are paid once per worker.
      { extends: true, test: { name: 'shared-worker', include: SHARED_WORKER, isolate: false } },
    ],
  },
});
