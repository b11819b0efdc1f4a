import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config-loader.ts';
import { ConfigError } from '../../schema/protocol/error-codes.ts';
import { DEFAULT_CHECK_LIMITS } from '../../schema/registry/check-limits.ts';
import { loadRegistryConfig, RegistryTokens } from '../../schema/registry/registry-tokens.ts';

const dir = mkdtempSync(join(tmpdir(), 'registry-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('registry tokens: from a config file (by hash) and the environment, each bound to what it may do', () => {
  it('reads hashed tokens from the file and plain ones from the environment; each token finds its owner, nothing else does', () => {
    const config = loadRegistryConfig(
      file(
        'registry.yaml',
        `tokens:\n  - { kind: platform, name: platform-team, sha256: "${sha256('platform-secret-0123456789')}" }\n  - { kind: product, name: sales-ci, product: sales, sha256: "${sha256('sales-secret-0123456789')}" }\nmaxBodyBytes: 2048\n`,
      ),
      {
        MESHGATE_REGISTRY_GATEWAY_TOKEN: 'gateway-secret-0123456789',
        MESHGATE_REGISTRY_STEWARD_TOKEN: 'steward-secret-0123456789',
        MESHGATE_REGISTRY_PRODUCT_TOKEN_CUSTOMER_INSIGHTS: 'insights-secret-0123456789',
      },
    );
    expect(config.maxBodyBytes).toBe(2048);
    const tokens = new RegistryTokens(config);
    expect(tokens.identify('platform-secret-0123456789')).toEqual({ kind: 'platform', name: 'platform-team' });
    expect(tokens.identify('sales-secret-0123456789')).toEqual({ kind: 'product', name: 'sales-ci', product: 'sales' });
    expect(tokens.identify('gateway-secret-0123456789')).toEqual({ kind: 'gateway', name: 'gateway' });
    expect(tokens.identify('steward-secret-0123456789')).toEqual({ kind: 'steward', name: 'steward' });
    expect(tokens.identify('insights-secret-0123456789')).toEqual({ kind: 'product', name: 'customer-insights-team', product: 'customer-insights' });
    // The hash itself is not a token.
    expect(tokens.identify(sha256('platform-secret-0123456789'))).toBeUndefined();
    expect(tokens.identify('')).toBeUndefined();
  });

  it('names every bad token entry with its path', () => {
    const problems = problemsOf(() =>
      loadRegistryConfig(
        file(
          'bad.yaml',
          'tokens:\n  - { kind: product, name: x, token: "short" }\n  - { kind: platform, name: y }\n  - { kind: product, name: z, token: "long-enough-token-0123" }\n  - { kind: root, name: w, token: "long-enough-token-0123" }\nextra: 1\n',
        ),
        {},
      ),
    );
    expect(problems.some((p) => p.startsWith('tokens.0.token:') && p.includes('at least 16'))).toBe(true);
    expect(problems.some((p) => p.startsWith('tokens.1:') && p.includes('exactly one of token and sha256'))).toBe(true);
    expect(problems.some((p) => p.startsWith('tokens.2:') && p.includes('names its product'))).toBe(true);
    expect(problems.some((p) => p.startsWith('tokens.3.kind:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('extra:'))).toBe(true);
  });

  it('a missing config file is CONFIG_INVALID naming it', () => {
    expect(problemsOf(() => loadRegistryConfig(join(dir, 'nope.yaml'), {}))).toEqual(['file does not exist']);
  });

  it('a gateway given a registry URL without a token refuses to start, saying which key is missing', () => {
    const problems = problemsOf(() => loadGatewayConfig({ env: { MESHGATE_REGISTRY_URL: 'http://registry.internal:4100' } }));
    expect(problems.some((p) => p.startsWith('registry.token:'))).toBe(true);
    expect(loadGatewayConfig({ env: { MESHGATE_REGISTRY_URL: 'http://registry.internal:4100', MESHGATE_REGISTRY_TOKEN: 'gateway-token' } }).registry).toEqual({
      url: 'http://registry.internal:4100',
      token: 'gateway-token',
    });
  });

  it("the README's registry.yaml loads as written, its limits the defaults; a partial limits block keeps the other defaults; a bad limit is named", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /```yaml\n((?:\s*)tokens:[\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Run a mesh of many repositories')))?.[1];
    expect(block).toContain('limits:');
    const indent = /^\s*/.exec(block!)![0].length;
    const text = block!
      .split('\n')
      .map((line) => line.slice(indent))
      .join('\n')
      .replaceAll(/"<[^>]*>"/g, `"${sha256('readme-token-0123456789')}"`);
    const config = loadRegistryConfig(file('readme-registry.yaml', text), {});
    expect(config.limits).toEqual(DEFAULT_CHECK_LIMITS);
    expect(loadRegistryConfig(file('partial.yaml', 'limits: { maxFieldsPerType: 200 }\n'), {}).limits).toEqual({ ...DEFAULT_CHECK_LIMITS, maxFieldsPerType: 200 });
    const problems = problemsOf(() => loadRegistryConfig(file('bad-limits.yaml', 'limits: { maxElements: 0, checkTimeoutMs: 9999999999, maxTypo: 1 }\n'), {}));
    expect(problems.some((p) => p.startsWith('limits.maxElements:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('limits.checkTimeoutMs:'))).toBe(true);
    expect(problems.some((p) => p.includes('maxTypo'))).toBe(true);
  });
});
