import { startChildService, type ChildService } from './child-service.ts';

type Gateway = ChildService<{ type: 'ready'; url: string }>;

/** A meshgate gateway in its own process (and its workers); `profileDir` adds `--cpu-prof` to meshgate alone. */
export function startMeshgate(config: Record<string, unknown>, options: { profileDir?: string; workers?: number } = {}): Promise<Gateway> {
  return startChildService(new URL('../gateways/meshgate-gateway.ts', import.meta.url).pathname, {
    env: { MESHGATE_BENCH_CONFIG: JSON.stringify({ port: 0, mode: 'production', auth: { allowAnonymous: true }, access: { productsDir: 'bench/federation' }, cost: { maxCost: 100000 }, ...config }), MESHGATE_LOG_LEVEL: 'warn', MESHGATE_BENCH_WORKERS: String(options.workers ?? 1) },
    execArgv: options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [],
  });
}

/** Vanilla Apollo Gateway, as Apollo's docs set it up, serving `supergraphFile`. */
export function startVanillaApollo(supergraphFile: string): Promise<Gateway> {
  return startChildService(new URL('../gateways/vanilla-apollo-gateway.mjs', import.meta.url).pathname, { args: [supergraphFile] });
}

/** Runs `body` with a list it adds services to, and stops them all however it ends. */
export async function withServices(body: (services: ChildService<any>[]) => Promise<void>): Promise<void> {
  const services: ChildService<any>[] = [];
  try {
    await body(services);
  } finally {
    for (const service of services.reverse()) await service.stop();
  }
}
