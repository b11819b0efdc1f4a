import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../../../schema/contracts/check.ts';
import { DEFAULT_GOVERNANCE_PATH } from '../../../schema/contracts/governance.ts';
import { ConfigError } from '../../../schema/protocol/error-codes.ts';
import { initProductRepository } from '../../../gateway/onboarding/product-repository.ts';

/**
 * `meshgate init` on its own; test/e2e/join-from-own-repository.test.ts installs the packed
 * package and runs what it writes (tests, server, CI script) against a real registry.
 */
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('meshgate init', () => {
  it('keeps the meshgate dependency npm install wrote, and adds the scripts the README runs', () => {
    dir = mkdtempSync(join(tmpdir(), 'meshgate-init-'));
    // What `npm install ../meshgate-0.1.0.tgz` leaves: a package.json with the tarball as the spec.
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ dependencies: { meshgate: 'file:../meshgate-0.1.0.tgz' }, scripts: { test: 'echo "Error: no test specified" && exit 1' } }));
    const result = initProductRepository({ name: 'parcel-events', domain: 'logistics', owner: 'logistics-data', dir });
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, any>;
    expect(pkg.dependencies).toEqual({ meshgate: 'file:../meshgate-0.1.0.tgz' });
    expect(pkg).toMatchObject({ type: 'module', private: true, scripts: { start: 'node server.js', test: 'node --test' } });
    expect(pkg.engines.node).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }).engines.node);
    expect(result.files).toEqual(expect.arrayContaining(['product.yaml', 'schema.graphql', 'server.js', 'server.test.js', 'ci.sh', 'README.md']));
    // Only meshgate's public entries: the repository needs nothing of the mesh's sources.
    for (const file of ['server.js', 'server.test.js', 'seed.js']) {
      const imports = [...readFileSync(join(dir, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(imports.filter((spec) => !/^(node:|\.\/|meshgate\/(kit|protocol)$)/.test(spec))).toEqual([]);
    }
    expect(readFileSync(join(dir, 'ci.sh'), 'utf8')).toMatch(/meshgate check --registry[\s\S]*meshgate publish parcel-events --registry/);
  });

  it('writes a contract that passes every rule of the mesh', async () => {
    dir = mkdtempSync(join(tmpdir(), 'meshgate-init-'));
    const repo = join(dir, 'repo');
    mkdirSync(repo);
    initProductRepository({ name: 'parcel-events', domain: 'logistics', owner: 'logistics-data', dir: repo });
    // Laid out as a mesh folder holding only it, with the mesh's governance and itself as its baseline.
    for (const where of ['subgraphs', 'schema/published']) cpSync(repo, join(dir, 'mesh', where, 'parcel-events'), { recursive: true, filter: (source) => !source.includes('node_modules') });
    cpSync(DEFAULT_GOVERNANCE_PATH, join(dir, 'mesh', 'schema', 'governance.yaml'));
    const report = await runCheck({ root: join(dir, 'mesh') });
    expect(report.findings.filter((f) => !f.rule.startsWith('lineage/'))).toEqual([]);
  });

  it('refuses a folder that already holds a product, writing nothing', () => {
    dir = mkdtempSync(join(tmpdir(), 'meshgate-init-'));
    writeFileSync(join(dir, 'schema.graphql'), 'type Query { mine: Int }');
    expect(() => initProductRepository({ name: 'parcel-events', domain: 'logistics', owner: 'logistics-data', dir })).toThrow(ConfigError);
    expect(readFileSync(join(dir, 'schema.graphql'), 'utf8')).toBe('type Query { mine: Int }');
    expect(() => readFileSync(join(dir, 'product.yaml'))).toThrow();
    expect(() => initProductRepository({ name: 'Parcel Events', domain: 'x', owner: 'y', dir: join(dir, 'other') })).toThrow(/kebab-case/);
  });
});
