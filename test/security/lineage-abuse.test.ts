import { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerExportCommand } from '../../gateway/cli/export-command.ts';
import { resolveGatewayConfig } from '../../gateway/config.ts';
import { loadGatewayConfig } from '../../gateway/config-loader.ts';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';

/**
 * Hostile or mistaken input to the lineage config and the export commands, each refused with
 * its code and the bad value named, in one clear error: nothing half-written, nothing
 * sent to a collector that is not http(s).
 */
function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const dir = mkdtempSync(join(tmpdir(), 'meshgate-export-abuse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `meshgate export …` in this process, as bin/meshgate.js would. */
async function exportCli(...args: string[]): Promise<ConfigError> {
  const program = new Command().exitOverride();
  registerExportCommand(program);
  try {
    await program.parseAsync(['node', 'meshgate', 'export', ...args]);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`meshgate export ${args.join(' ')} was accepted`);
}

describe('lineage config', () => {
  it.each([
    ['a collector that is not http(s)', { url: 'file:///etc/passwd' }, 'lineage.url'],
    ['a sample rate above 1', { url: 'http://collector.test/api/v1/lineage', sampleRate: 2 }, 'lineage.sampleRate'],
    ['a negative sample rate', { url: 'http://collector.test/api/v1/lineage', sampleRate: -0.5 }, 'lineage.sampleRate'],
    ['an empty queue', { url: 'http://collector.test/api/v1/lineage', queueLimit: 0 }, 'lineage.queueLimit'],
    ['an unknown key', { url: 'http://collector.test/api/v1/lineage', endpoint: '/x' }, 'endpoint'],
    // Past 2^31-1 ms Node's timers fire after 1 ms: a flush loop, a timeout that always expires.
    ['a flush interval no timer can hold', { url: 'http://collector.test/api/v1/lineage', flushIntervalMs: 3_000_000_000 }, 'lineage.flushIntervalMs'],
    ['a collector timeout no timer can hold', { url: 'http://collector.test/api/v1/lineage', timeoutMs: 3_000_000_000 }, 'lineage.timeoutMs'],
  ])('%s is refused with CONFIG_INVALID naming the path', (_, lineage, path) => {
    const error = refusal(() => resolveGatewayConfig({ lineage }));
    expect(error.code).toBe(MeshErrorCode.CONFIG_INVALID);
    expect(error.message).toContain(path);
  });

  it('MESHGATE_LINEAGE_URL that is not a URL is refused with CONFIG_INVALID', () => {
    const error = refusal(() => loadGatewayConfig({ env: { MESHGATE_LINEAGE_URL: 'javascript:alert(1)' } }));
    expect(error.code).toBe(MeshErrorCode.CONFIG_INVALID);
    expect(error.message).toContain('javascript:alert(1)');
  });
});

describe('meshgate export', () => {
  it('an unknown product is refused with CONFIG_INVALID listing the products', async () => {
    const error = await exportCli('odps', '../../etc/passwd', '--out', join(dir, 'x.yaml'));
    expect(error.code).toBe(MeshErrorCode.CONFIG_INVALID);
    expect(error.message).toMatch(/unknown product "\.\.\/\.\.\/etc\/passwd"; expected one of /);
  });

  it.each([
    ['odps', 'sales', '--gateway-url', 'javascript:alert(1)'],
    ['openmetadata', '--gateway-url', 'not a url'],
    ['datahub', '--out-dir', dir, '--datahub-url', 'ftp://datahub.test'],
  ])('export %s with a URL that is not http(s) is refused with CONFIG_INVALID', async (...args) => {
    const error = await exportCli(...args);
    expect(error.code).toBe(MeshErrorCode.CONFIG_INVALID);
    expect(error.message).toMatch(/must be an http\(s\) URL/);
  });
});
