import { RegistryClient } from '../../schema/registry/registry-client.ts';

/** Options every command that talks to a registry takes. */
export interface RegistryClientOptions {
  registry: string;
  /** @default MESHGATE_REGISTRY_TOKEN */
  token?: string;
}

/** A client for the registry a command names; the token is `--token`, else MESHGATE_REGISTRY_TOKEN. */
export function registryClient(options: RegistryClientOptions): RegistryClient {
  return new RegistryClient(options.registry, options.token ?? process.env.MESHGATE_REGISTRY_TOKEN);
}
