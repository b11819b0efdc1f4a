import { relative } from 'node:path';
import type { Command } from 'commander';

/**
 * `meshgate init`: a product repository of its own, for a team whose product lives outside
 * the mesh repository (`meshgate new` adds one inside it). Run where `npm install meshgate`
 * was run; see the README's "Join the mesh from your own repository".
 */
export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('Make this folder a product repository of its own: contract, server on meshgate/kit, seed, test, CI script')
    .argument('<product>', 'the product name, kebab-case (e.g. shipments)')
    .requiredOption('--domain <domain>', 'the business domain that owns it')
    .requiredOption('--owner <team>', 'the owning team')
    .option('--contact <contact>', "the owner's e-mail address or https URL (default: <owner>@example.com)")
    .option('--dir <folder>', 'the repository folder (default: the current one)')
    .action(async (name: string, options: { domain: string; owner: string; contact?: string; dir?: string }) => {
      const { initProductRepository, TEMPLATE_PRODUCT_PORT } = await import('../onboarding/product-repository.ts');
      const result = initProductRepository({ name, ...options });
      const where = relative(process.cwd(), result.dir) || '.';
      console.log(`created the ${name} product repository in ${where} (${result.typeName}; Query.${result.queryFields.one}, Query.${result.queryFields.list}):`);
      for (const file of result.files) console.log(`  ${file}`);
      console.log(
        `\nnext, in ${where}:\n  npm test                 # the product's own tests\n  npm start                # serve it on PORT (default ${TEMPLATE_PRODUCT_PORT})\n  sh ci.sh publish         # check against the registry and publish (MESHGATE_REGISTRY_URL, MESHGATE_REGISTRY_TOKEN)`,
      );
    });
}
