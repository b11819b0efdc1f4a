import type { Command } from 'commander';
import type { MeshMember } from '../../subgraphs/demo-mesh.ts';

/** Seeds every product's embedded store that is missing or stale (the demo mesh's by default). */
export async function seedMesh(members?: readonly MeshMember[], log: (line: string) => void = console.log, storeUrl?: string, grantTo?: string): Promise<void> {
  const [{ seedProductStore }, { DEMO_MESH }] = await Promise.all([import('../../subgraphs/kit/create-data-product.ts'), import('../../subgraphs/demo-mesh.ts')]);
  for (const member of members ?? DEMO_MESH) {
    const started = Date.now();
    const { seeded } = await seedProductStore(member.definition, { storeUrl, grantTo });
    if (seeded) log(`  seeded ${member.name} in ${Date.now() - started} ms`);
  }
}

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description('Seed the store of each product (all by default) if missing or stale: DuckDB, or Postgres with --store')
    .argument('[products...]', 'product names')
    .option('--store <url>', 'seed into this Postgres database (each product into its own schema and role) instead of DuckDB', process.env.STORE_URL)
    .option('--grant-to <role>', "with --store: let this login user act as the product's role (GRANT mg_<product> TO role)")
    .action(async (names: string[], options: { store?: string; grantTo?: string }) => {
      if (options.grantTo && !options.store) throw new Error('--grant-to needs --store: it grants a Postgres role');
      const { DEMO_MESH } = await import('../../subgraphs/demo-mesh.ts');
      const unknown = names.filter((name) => !DEMO_MESH.some((member) => member.name === name));
      if (unknown.length) throw new Error(`Unknown product(s): ${unknown.join(', ')}`);
      await seedMesh(names.length ? DEMO_MESH.filter((member) => names.includes(member.name)) : DEMO_MESH, console.log, options.store, options.grantTo);
      console.log('stores ready');
    });
}
