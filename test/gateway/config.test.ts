import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config-loader.ts';
import { resolveGatewayConfig } from '../../gateway/config.ts';
import { ConfigError } from '../../schema/protocol/error-codes.ts';

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway config', () => {
  it('development mode defaults to Sandbox and introspection on; production to both off', () => {
    expect(resolveGatewayConfig({})).toMatchObject({ port: 4000, mode: 'development', sandbox: true, introspection: true });
    expect(resolveGatewayConfig({ mode: 'production' })).toMatchObject({ sandbox: false, introspection: false });
    expect(resolveGatewayConfig({ mode: 'production', introspection: true })).toMatchObject({ sandbox: false, introspection: true });
  });

  it('names every bad value with its path', () => {
    const problems = problemsOf(() => resolveGatewayConfig({ port: 70000, mode: 'staging', subgraphUrls: { sales: 'not a url' }, extra: 1 }));
    expect(problems).toHaveLength(4);
    expect(problems.some((p) => p.startsWith('port:') && p.includes('got 70000'))).toBe(true);
    expect(problems.some((p) => p.startsWith('mode:') && p.includes('got "staging"'))).toBe(true);
    expect(problems.some((p) => p.startsWith('subgraphUrls.sales:') && p.includes('got "not a url"'))).toBe(true);
    expect(problems.some((p) => p.includes('extra'))).toBe(true);
  });

  it('reads a YAML file, then the environment on top of it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshgate-config-'));
    const file = join(dir, 'meshgate.yaml');
    writeFileSync(file, 'port: 5000\nsubgraphUrls:\n  sales: http://sales.internal:8080/graphql\n');
    const config = loadGatewayConfig({
      configPath: file,
      env: { MESHGATE_PORT: '5001', NODE_ENV: 'production', MESHGATE_SUBGRAPH_URL_CUSTOMER_INSIGHTS: 'http://insights.internal/graphql', MESHGATE_SANDBOX: 'true' },
    });
    expect(config.port).toBe(5001);
    expect(config.mode).toBe('production');
    expect(config.sandbox).toBe(true);
    expect(config.introspection).toBe(false);
    expect(config.subgraphUrls).toEqual({ sales: 'http://sales.internal:8080/graphql', 'customer-insights': 'http://insights.internal/graphql' });
  });

  it('refuses a boolean environment variable that is not one', () => {
    expect(problemsOf(() => loadGatewayConfig({ env: { MESHGATE_INTROSPECTION: 'yes' } }))).toEqual(['MESHGATE_INTROSPECTION: must be true or false (got "yes")']);
    expect(problemsOf(() => loadGatewayConfig({ env: { MESHGATE_COALESCE_QUERIES: 'off' } }))).toEqual(['MESHGATE_COALESCE_QUERIES: must be true or false (got "off")']);
  });

  it('serves no unclassified field in production unless told to', () => {
    expect(resolveGatewayConfig({}).access.allowUnclassifiedFields).toBe(false);
    expect(resolveGatewayConfig({ access: { allowUnclassifiedFields: true } }).access.allowUnclassifiedFields).toBe(true);
    expect(problemsOf(() => resolveGatewayConfig({ access: { allowUnclassifiedFields: 'yes' } }))).toEqual([expect.stringMatching(/^access\.allowUnclassifiedFields: .*got "yes"/)]);
  });

  describe('refuses a removed key, naming it and what replaced it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshgate-config-'));
    const REMOVED: readonly { yaml: string; problem: string }[] = [
      { yaml: 'engine: apollo', problem: 'engine: was removed: meshgate always executes query plans with its own executor (got "apollo")' },
      {
        yaml: 'access:\n  governanceFile: schema/governance.yaml',
        problem: 'access.governanceFile: was removed: classifications and policies come from the supergraph, where composition compiled them (got "schema/governance.yaml")',
      },
      {
        yaml: 'access:\n  productsDir: subgraphs',
        problem: `access.productsDir: was removed: products' metadata and access directives come from the supergraph, where composition compiled them (got "subgraphs")`,
      },
    ];

    it.each(REMOVED)('in a config file: $yaml', ({ yaml, problem }) => {
      const file = join(dir, 'removed.yaml');
      writeFileSync(file, `port: 5000\n${yaml}\n`);
      expect(problemsOf(() => loadGatewayConfig({ configPath: file, env: {} }))).toEqual([problem]);
    });

    it('every one at once, beside the other problems, each named once', () => {
      const problems = problemsOf(() => resolveGatewayConfig({ engine: 'meshgate', port: -1, access: { governanceFile: 'g.yaml', productsDir: 'p', mode: 'open' } }));
      expect(problems).toHaveLength(5);
      expect(problems.filter((p) => p.includes('was removed')).map((p) => p.split(':')[0])).toEqual(['engine', 'access.governanceFile', 'access.productsDir']);
      expect(problems).toContainEqual(expect.stringMatching(/^port: /));
      expect(problems).toContainEqual(expect.stringMatching(/^access\.mode: .*got "open"/));
    });

    it('in the environment: MESHGATE_ENGINE, with the config file otherwise fine', () => {
      const file = join(dir, 'fine.yaml');
      writeFileSync(file, 'port: 5000\n');
      expect(problemsOf(() => loadGatewayConfig({ configPath: file, env: { MESHGATE_ENGINE: 'meshgate' } }))).toEqual([
        'MESHGATE_ENGINE: was removed: meshgate always executes query plans with its own executor (got "meshgate")',
      ]);
      // Empty is unset, as for every other variable.
      expect(loadGatewayConfig({ configPath: file, env: { MESHGATE_ENGINE: '' } }).port).toBe(5000);
    });

    it('leaves the config it was given as it was', () => {
      const input = { access: { governanceFile: 'g.yaml', mode: 'reject' } };
      problemsOf(() => resolveGatewayConfig(input));
      expect(input).toEqual({ access: { governanceFile: 'g.yaml', mode: 'reject' } });
    });
  });

  it('reads the progressive-override header name from MESHGATE_OVERRIDE_HEADER, and names one that is no header name', () => {
    expect(loadGatewayConfig({ env: {} }).override).toEqual({ labels: {} });
    expect(loadGatewayConfig({ env: { MESHGATE_OVERRIDE_HEADER: 'x-override-labels' } }).override.header).toBe('x-override-labels');
    const problems = problemsOf(() => loadGatewayConfig({ env: { MESHGATE_OVERRIDE_HEADER: 'X Labels' } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^override\.header:/);
  });

  it('bounds @defer by default: 8 fragments, nested 2 deep', () => {
    expect(loadGatewayConfig({ env: {} }).limits).toMatchObject({ maxDefers: 8, maxDeferDepth: 2 });
  });

  it('refuses a delay past what a Node timer holds, naming each path (it would fire after 1 ms instead)', () => {
    const past = 2 ** 31;
    const problems = problemsOf(() => resolveGatewayConfig({ transport: { timeoutMs: past, keepAliveTimeoutMs: past }, drainTimeoutMs: past, supergraph: { pollIntervalMs: past } }));
    for (const path of ['transport.timeoutMs', 'transport.keepAliveTimeoutMs', 'drainTimeoutMs', 'supergraph.pollIntervalMs'])
      expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${path.replace('.', '\\.')}: `)));
    expect(resolveGatewayConfig({ transport: { timeoutMs: past - 1 } }).transport.timeoutMs).toBe(past - 1);
  });

  it('coalesces identical queries unless told not to', () => {
    expect(loadGatewayConfig({ env: {} }).coalesceQueries).toBe(true);
    expect(loadGatewayConfig({ env: { MESHGATE_COALESCE_QUERIES: 'false' } }).coalesceQueries).toBe(false);
  });

  it('refuses a config file that does not exist or is not YAML', () => {
    expect(problemsOf(() => loadGatewayConfig({ configPath: '/nonexistent/meshgate.yaml', env: {} }))).toEqual(['file does not exist']);
    const dir = mkdtempSync(join(tmpdir(), 'meshgate-config-'));
    writeFileSync(join(dir, 'bad.yaml'), 'port: [unclosed');
    expect(problemsOf(() => loadGatewayConfig({ configPath: join(dir, 'bad.yaml'), env: {} }))[0]).toMatch(/^not valid YAML/);
  });
});
