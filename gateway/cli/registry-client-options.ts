import type { RegistryClient } from '../../schema/registry/registry-client.ts';

/** Options every command that talks to a registry takes. */
export interface RegistryClientOptions {
  registry: string;
  /** @default MESHGATE_REGISTRY_TOKEN */
  token?: string;
}

/**
 * A client for the registry a command names; the token is `--token`, else MESHGATE_REGISTRY_TOKEN.
 * The client is loaded here, when a command runs: the commands that name a registry are read
 * by every `meshgate --help`, which needs none of it.
 */
export async function registryClient(options: RegistryClientOptions): Promise<RegistryClient> {
  const { RegistryClient } = await import('../../schema/registry/registry-client.ts');
  return new RegistryClient(options.registry, options.token ?? process.env.MESHGATE_REGISTRY_TOKEN);
}
