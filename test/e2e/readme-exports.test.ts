import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveGatewayConfig } from '../../gateway/config.ts';
import { isValidProduct, loadMesh } from '../../schema/contracts/mesh.ts';
import { toOdcs } from '../../schema/exports/odcs.ts';
import { startCollector } from '../support/openlineage-collector.ts';
import { dataHub, problemsOf } from '../support/standards/catalog-specs.ts';
import { odpsSchema, openLineageProblems, openMetadataRequestProblems, problemsOf as schemaProblems } from '../contracts/standard-schemas.ts';

/**
 * The README's "Lineage and catalogs" section, run as written: its config block is a valid
 * gateway config, its export commands run through `npx` (writing into a temporary folder
 * rather than the repository) and write files valid against their standards, and its
 * Marquez loop, pointed at a small collector, posts every event.
 */
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const ROOT = new URL('../..', import.meta.url).pathname;
const SECTION = /^## Lineage and catalogs\n([\s\S]*?)(?=^## )/m.exec(README)?.[1] ?? '';
const run = promisify(execFile);

/** The `lang` blocks of the section, in order, each as its lines (comments after `#` dropped for `sh`). */
function blocks(lang: string): string[][] {
  return [...SECTION.matchAll(new RegExp(`^( *)\`\`\`${lang}\\n([\\s\\S]*?)^\\1\`\`\``, 'gm'))].map((match) =>
    match[2]!
      .split('\n')
      // YAML keeps its indentation; shell lines lose their comments and the list's indentation.
      .map((line) => (lang === 'sh' ? line.replace(/\s+#.*$/, '').trim() : line))
      .filter((line) => line.trim() !== ''),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'meshgate-exports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const live = loadMesh()
  .products.filter(isValidProduct)
  .filter((product) => product.descriptor.status !== 'retired');

describe('README: Lineage and catalogs', () => {
  it('the lineage config block is a valid gateway config', () => {
    const [yaml] = blocks('yaml');
    const config = resolveGatewayConfig(parseYaml(yaml!.join('\n')));
    expect(config.lineage.url).toMatch(/\/api\/v1\/lineage$/);
    expect(config.lineage.sampleRate).toBeGreaterThan(0);
  });

  it('the export commands write files valid against their standards, for every product, and the Marquez loop posts every event', async () => {
    const [exports, marquez] = blocks('sh');
    expect(exports).toHaveLength(4);
    // Each output goes to the temporary folder, and `npx meshgate` is run as the script npx
    // resolves it to (test/e2e/readme-commands.test.ts runs `npx meshgate` itself): npx
    // doubles each process's start-up, four times over. Otherwise the commands are as written.
    const commands = exports!.map((line) => {
      expect(line).toMatch(/^npx meshgate export /);
      return line.replace(/^npx meshgate /, `${process.execPath} bin/meshgate.js `).replace(/(--out(?:-dir)? )(\S+)/, (_, flag: string, path: string) => `${flag}${join(dir, path)}`);
    });
    const results = await Promise.all(commands.map((line) => run('sh', ['-c', line], { cwd: ROOT })));
    expect(results.every((result) => result.stdout === '')).toBe(true);

    const ndjson = join(dir, /--out (\S+)/.exec(exports!.find((l) => l.includes('export openlineage'))!)![1]!);
    const events = readFileSync(ndjson, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((event) => event.dataset.name).sort()).toEqual(live.map((p) => p.name).sort());
    for (const event of events) expect(openLineageProblems(event, 'dataset')).toEqual([]);

    const odpsLine = exports!.find((l) => l.includes('export odps'))!;
    const [, name, out] = /export odps (\S+) --out (\S+)/.exec(odpsLine)!;
    const product = parseYaml(readFileSync(join(dir, out!), 'utf8'));
    expect(schemaProblems(odpsSchema, product, 'odps')).toEqual([]);
    // Its output port carries the contract `meshgate export odcs` writes for the product (toOdcs).
    const contract = toOdcs(live.find((p) => p.name === name)!);
    expect(product.outputPorts[0]).toMatchObject({ contractId: contract.id, version: contract.version });

    const om = JSON.parse(readFileSync(join(dir, /--out (\S+)/.exec(exports!.find((l) => l.includes('export openmetadata'))!)![1]!), 'utf8'));
    // Every body the file holds, held to its published create request (a contract with the endpoint id its loader adds).
    expect([
      ...openMetadataRequestProblems('apiService', om.apiService, 'apiService'),
      ...om.apiCollections.flatMap((c: Record<string, unknown>, i: number) => openMetadataRequestProblems('apiCollection', c, `apiCollections.${i}`)),
      ...om.apiEndpoints.flatMap((e: Record<string, unknown>, i: number) => openMetadataRequestProblems('apiEndpoint', e, `apiEndpoints.${i}`)),
      ...om.dataContracts.flatMap((c: { contract: Record<string, unknown> }, i: number) =>
        openMetadataRequestProblems('dataContract', { ...c.contract, entity: { id: randomUUID(), type: 'apiEndpoint' } }, `dataContracts.${i}`),
      ),
    ]).toEqual([]);
    expect(om.apiCollections.map((c: { name: string }) => c.name).sort()).toEqual(live.map((p) => p.name).sort());

    const datahub = join(dir, /--out-dir (\S+)/.exec(exports!.find((l) => l.includes('export datahub'))!)![1]!);
    for (const p of live) expect(problemsOf(dataHub.contract, parseYaml(readFileSync(join(datahub, `${p.name}.contract.yaml`), 'utf8')), p.name)).toEqual([]);
    const recipe = parseYaml(readFileSync(join(datahub, 'recipe.yaml'), 'utf8'));
    expect(recipe.source).toEqual({ type: 'file', config: { path: join(datahub, 'lineage.json') } });
    expect(existsSync(recipe.source.config.path)).toBe(true);

    // The Marquez loop, against a collector listening where the README's Marquez would.
    expect(marquez).toHaveLength(1);
    const collector = await startCollector();
    try {
      const loop = marquez![0]!.replace('http://localhost:5000/api/v1/lineage', collector.url).replace(/< (\S+)$/, `< ${ndjson}`);
      expect(loop).not.toBe(marquez![0]);
      await run('bash', ['-c', loop], { cwd: ROOT });
      expect(collector.events).toEqual(events);
    } finally {
      await collector.close();
    }
  });
});
