import { relative } from 'node:path';
import type { Command } from 'commander';

export function registerNewCommand(program: Command): void {
  program
    .command('new')
    .description('Scaffold a new data product: descriptor, schema, resolvers, seeded store and tests; add it to the mesh and publish its baseline')
    .argument('<product>', 'the product name, kebab-case (e.g. shipments)')
    .requiredOption('--domain <domain>', 'the business domain that owns it')
    .requiredOption('--owner <team>', 'the owning team')
    .option('--contact <contact>', "the owner's e-mail address or https URL (default: <owner>@example.com)")
    .option('--root <dir>', 'the mesh repository (default: this repository)')
    .option('--from <engine>', 'declare the product over tables the team already has: a postgres:// or mysql:// (mariadb://) URL, a DuckDB file, or Parquet/CSV/JSON files; read for its catalog only')
    .option(
      '--table <name>',
      'with --from: a table or view to publish, as name or schema.name (repeat for several); for files, the view they are read as',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option(
      '--key <columns>',
      'with --from: key columns of a table without a primary key (views, files), as table=column[,column] or column[,column]',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .action(async (name: string, options: { domain: string; owner: string; contact?: string; root?: string; from?: string; table: string[]; key: string[] }) => {
      if (options.from !== undefined) {
        // Its own file: a declared product from an engine's catalog (`newFromEngine`).
        const { newFromEngine } = await import('./new-from-engine.ts');
        const created = await newFromEngine({
          name,
          from: options.from,
          tables: options.table,
          keys: options.key,
          domain: options.domain,
          owner: options.owner,
          contact: options.contact,
          root: options.root,
        });
        console.log(`created ${name}, declared over ${options.table.join(', ')}:`);
        for (const file of created.files) console.log(`  ${relative(process.cwd(), file) || file}`);
        const url = /^[a-z]+:\/\//.test(options.from) ? [`  export ${name.replace(/-/g, '_').toUpperCase()}_STORE_URL=<the engine URL>`] : [];
        const served = created.addedToMesh ? ['  npm run compose          # add it to schema/supergraph.graphql', '  npm start                # serve it with the rest of the mesh'] : [];
        console.log(['\nnext:', ...url, '  npm run check', `  npx vitest run subgraphs/${name}`, ...served].join('\n'));
        return;
      }
      const { scaffoldProduct } = await import('../onboarding/product-scaffold.ts');
      const { key: _key, table: _table, ...scaffold } = options;
      const result = await scaffoldProduct({ name, ...scaffold });
      const shown = (path: string) => relative(process.cwd(), path) || path;
      console.log(`created ${name} (${result.typeName}; Query.${result.queryFields.one}, Query.${result.queryFields.list}):`);
      for (const file of result.files) console.log(`  ${shown(file)}`);
      console.log(
        `\nnext:\n  npm run compose          # add ${name} to schema/supergraph.graphql\n  npm start                # serve it with the rest of the mesh\n  npx vitest run subgraphs/${name}\n  npm run check`,
      );
    });
}
