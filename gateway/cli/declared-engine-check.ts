import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { finding, type Finding } from '../../schema/contracts/finding.ts';
import { DECLARATION_FILE, loadDeclaration, type Declaration } from '../../schema/product/declaration.ts';
import { meshPaths } from '../../schema/contracts/mesh.ts';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { productStorePath, seedProductStore } from '../../subgraphs/kit/create-data-product.ts';
import { declaredProduct } from '../../subgraphs/kit/declared/declared-product.ts';
import { DuckDbStore } from '../../subgraphs/kit/duckdb-store.ts';
import type { DataStore } from '../../subgraphs/kit/store.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';

/**
 * `meshgate check`'s last stage for declared products: every table, view, column and
 * expression their declared.yaml reads must exist in their engine. A demo product's store is
 * seeded first (as `npm start` would); a product over its team's engine is checked when the
 * URL its declaration names is set, and otherwise said to be skipped, in one line.
 */
export async function checkDeclaredEngines(root: string | undefined, note: (line: string) => void): Promise<Finding[]> {
  const paths = meshPaths(root);
  if (!existsSync(paths.subgraphs)) return [];
  const findings: Finding[] = [];
  for (const entry of readdirSync(paths.subgraphs, { withFileTypes: true })) {
    const dir = join(paths.subgraphs, entry.name);
    if (!entry.isDirectory() || !existsSync(join(dir, DECLARATION_FILE))) continue;
    let declaration: Declaration | undefined;
    try {
      declaration = loadDeclaration(dir);
    } catch {
      continue; // the schema stage already reported it
    }
    if (!declaration) continue;
    const member = DEMO_MESH.find((candidate) => candidate.definition.dir === dir);
    const definition = member?.definition ?? declaredProduct({ dir });
    let store: DataStore | undefined;
    try {
      if (definition.openStore) store = await definition.openStore({});
      else if (member) {
        await seedProductStore(member.definition);
        store = await DuckDbStore.open(productStorePath(member.definition, member.name));
      } else if (existsSync(productStorePath({ dir }, entry.name))) store = await DuckDbStore.open(productStorePath({ dir }, entry.name));
      else note(`${entry.name}: declared.yaml not checked against an engine: no store/${entry.name}.duckdb`);
    } catch (error) {
      if (!(error instanceof ConfigError) || error.code !== MeshErrorCode.CONFIG_INVALID) throw error;
      note(`${entry.name}: declared.yaml not checked against its engine: ${error.problems.join('; ')}`);
    }
    if (!store) continue;
    try {
      await definition.verifyStore!(store);
    } catch (error) {
      if (!(error instanceof ConfigError) || error.code !== MeshErrorCode.DECLARATION_MISMATCH) throw error;
      for (const problem of error.problems) {
        findings.push(
          finding(
            entry.name,
            problem.split(':')[0]!,
            'declaration/engine-mismatch',
            problem,
            `Name a table and columns ${store.kind} has in subgraphs/${entry.name}/${DECLARATION_FILE}, or add them to the engine.`,
          ),
        );
      }
    } finally {
      await store.close();
    }
  }
  return findings;
}
