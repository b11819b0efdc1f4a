import { relative } from 'node:path';
import type { Command } from 'commander';
import type { Finding } from '../../schema/contracts/finding.ts';
import { formatReport, inRepository } from './check-command.ts';
import { registryClient } from './registry-client-options.ts';

interface PublishOptions {
  root?: string;
  today?: string;
  registry?: string;
  token?: string;
  dir?: string;
  url?: string;
}

/** Prints a refusal as `meshgate check` prints findings, then the one line saying nothing was published. */
function refuse(product: string, findings: readonly Finding[], startedAt: number, line = `PUBLISH_REFUSED: ${product} fails meshgate check; nothing was published`): void {
  console.error(formatReport({ ok: false, products: [], findings: [...findings], durationMs: Math.round(performance.now() - startedAt) }));
  console.error(line);
  process.exitCode = 1;
}

/** Codes a registry refuses governed changes with: the findings, then where the approval request stands. */
const GOVERNED: ReadonlySet<string> = new Set(['GOVERNED_CHANGE_UNAPPROVED', 'COORDINATE_TAKEOVER']);

/** From a product's own repository: the registry checks it against the mesh and, if it passes, makes a new build. */
async function publishToRegistry(name: string, options: PublishOptions & { registry: string }): Promise<void> {
  const started = performance.now();
  const [{ readProductRepository }, { RegistryRequestError }] = await Promise.all([import('../../schema/registry/product-repository.ts'), import('../../schema/registry/registry-client.ts')]);
  const candidate = { ...readProductRepository(options.dir, name), ...(options.url ? { url: options.url } : {}) };
  try {
    const result = await (await registryClient(options)).publish(candidate);
    console.log(
      result.unchanged
        ? `${candidate.product} ${result.version} is published already with this content (build ${result.build}): nothing changed`
        : `published ${candidate.product} ${result.version} to ${options.registry}: build ${result.build}`,
    );
  } catch (error) {
    const findings = error instanceof RegistryRequestError ? inRepository(error.findings, candidate.product, options.dir ?? '.') : [];
    if (error instanceof RegistryRequestError && error.code === 'PUBLISH_REFUSED') return refuse(candidate.product, findings, started);
    if (error instanceof RegistryRequestError && GOVERNED.has(error.code) && error.approval) {
      const ask =
        error.approval.status === 'pending' ? `; a platform or steward principal decides it with \`meshgate registry approvals approve ${error.approval.id} --reason "…"\`, then publish again` : '';
      return refuse(candidate.product, findings, started, `${error.code}: ${error.message}${ask}`);
    }
    throw error;
  }
}

export function registerPublishCommand(program: Command): void {
  program
    .command('publish')
    .description("Record a product's current interface and version as its published baseline")
    .argument('<product>', 'the product to publish')
    .option('--root <dir>', 'the mesh the product belongs to (default: this repository)')
    .option('--today <date>', 'check sunsets against this day, YYYY-MM-DD (default: today)')
    .option('--registry <url>', "publish to a registry instead, from the product's own repository")
    .option('--token <token>', "with --registry: the product's token (default: MESHGATE_REGISTRY_TOKEN)")
    .option('--dir <dir>', 'with --registry: the folder holding product.yaml and schema.graphql (default: the current one)')
    .option('--url <url>', 'with --registry: where gateways reach the product (default: the URL its previous version gave)')
    .action(async (name: string, options: PublishOptions) => {
      if (options.registry) return publishToRegistry(name, { ...options, registry: options.registry });
      // Loaded here: publishing to a registry needs none of the local pipeline.
      const started = performance.now();
      const { publishProduct } = await import('../../schema/contracts/publish.ts');
      const result = await publishProduct(name, options);
      if (!result.ok) return refuse(result.product, result.findings, started);
      console.log(`published ${result.product} ${result.version} to ${relative(process.cwd(), result.dir) || result.dir}`);
    });
}
