import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'subgraphs/**/*.test.ts'],
    // Seeds every demo store once, before any worker opens them read-only.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // No phoning home from tests: see gateway/create-gateway.ts.
    env: { APOLLO_TELEMETRY_DISABLED: 'true' },
    pool: 'forks',
    // Two cores: more workers than that only adds contention.
    maxWorkers: 2,
  },
});
