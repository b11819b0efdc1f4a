import { createRequire } from 'node:module';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { slowFirstSequencer } from './test/support/slow-first-sequencer.ts';

const require = createRequire(import.meta.url);

const TEST_FILES = ['test/**/*.test.ts', 'subgraphs/**/*.test.ts'];

/**
 * Files that need a fresh process of their own; every other file shares one process per
 * worker (the `shared-worker` project). Loading Apollo, graphql, the kit and DuckDB into a
 * fresh process, and starting the demo products, cost most of a small file's time; shared,
 * they are paid once per worker. A file here changes what the whole process sees:
 * environment variables the code under test reads, or the one global tracer provider.
 * Files whose time is in the processes they start (the end-to-end set, CLI runs) share a
 * process too: they still load the modules they import, and a fresh process for each
 * cost that again for nothing. A shared file must leave nothing behind in the process
 * that another file would notice: one that sets an environment variable for a while (the
 * new-from database files set a product's store URL for its start) puts it back on close,
 * failure included.
 */
const OWN_PROCESS = [
  // Set process.env for the code under test.
  'test/e2e/access-agreements.test.ts',
  'test/e2e/dev-command.test.ts',
  'test/e2e/foreign-product.test.ts',
  'test/e2e/join-from-own-repository.test.ts',
  'test/e2e/registry-mesh.test.ts',
  'test/security/agreement-enforcement-abuse.test.ts',
  'test/security/dev-unsigned-requests.test.ts',
  'test/security/governed-change-abuse.test.ts',
  'test/security/one-view-per-caller.test.ts',
  'test/security/unsigned-requests-option.test.ts',
  'test/security/verified-application.test.ts',
  // Register the process-wide tracer provider: every later gateway in the process would trace.
  'test/gateway/observability/tracing.test.ts',
  'test/gateway/execution/query-plan-warmup.test.ts',
];

/**
 * The files that take longest alone, slowest first: they start first, so that none of them
 * begins late and runs on after the other worker has finished. Revisit when a file's time
 * changes much (vitest prints each file's time).
 */
const SLOWEST = [
  'test/gateway/onboarding/meshgate-new.test.ts',
  'test/e2e/join-from-own-repository.test.ts',
  'test/gateway/cli/cli-messages.test.ts',
  'test/e2e/readme-access.test.ts',
  'test/e2e/npm-start.test.ts',
  'test/e2e/readme-declared-domain.test.ts',
  'test/contracts/check-cli.test.ts',
  'test/e2e/local-identity.test.ts',
  'test/e2e/registry-approvals.test.ts',
  'test/gateway/cli/new-from-engine.test.ts',
  'test/e2e/readme-commands.test.ts',
  'test/kit/declared-check.test.ts',
  'test/e2e/registry-mesh.test.ts',
  'test/e2e/serve-foreign-supergraph.test.ts',
  'test/gateway/http/graceful-shutdown.test.ts',
  'test/e2e/gateway-from-empty-dir.test.ts',
  'test/e2e/compiled-build.test.ts',
];

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
    sequence: { sequencer: slowFirstSequencer(SLOWEST) },
    // Run graphql-inspector through vite too: left to Node it loads graphql's CommonJS
    // build, and the schemas we hand it (from graphql's ESM build) fail its instanceof checks.
    server: { deps: { inline: ['@graphql-inspector/core'] } },
    projects: [
      { extends: true, test: { name: 'isolated', include: OWN_PROCESS } },
      { extends: true, test: { name: 'shared-worker', include: TEST_FILES, exclude: [...configDefaults.exclude, ...OWN_PROCESS], isolate: false } },
    ],
  },
});
