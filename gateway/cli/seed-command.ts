import type { Command } from 'commander';
import { seedProductStore } from '../../subgraphs/kit/create-data-product.ts';
import { DEMO_MESH, type MeshMember } from '../../subgraphs/demo-mesh.ts';

/** Seeds every product's embedded store that is missing or stale. */
export async function seedMesh(members: readonly MeshMember[] = DEMO_MESH, log: (line: string) => void = console.log, storeUrl?: string): Promise<void> {
  for (const member of members) {
    const started = Date.now();
    const { seeded } = await seedProductStore(member.definition, { storeUrl });
    if (seeded) log(`  seeded ${member.name} in ${Date.now() - started} ms`);
  }
}

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description('Seed the store of each product (all by default) if missing or stale: DuckDB, or Postgres with --store')
    .argument('[products...]', 'product names')
    .option('--store <url>', 'seed into this Postgres database (each product into its own schema and role) instead of DuckDB', process.env.STORE_URL)
    .action(async (names: string[], options: { store?: string }) => {
      const unknown = names.filter((name) => !DEMO_MESH.some((member) => member.name === name));
      if (unknown.length) throw new Error(`Unknown product(s): ${unknown.join(', ')}`);
      await seedMesh(names.length ? DEMO_MESH.filter((member) => names.includes(member.name)) : DEMO_MESH, console.log, options.store);
      console.log('stores ready');
    });
}
