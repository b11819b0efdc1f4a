import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildService, type ChildService } from './child-service.ts';

type Gateway = ChildService<{ type: 'ready'; url: string }>;

const REPO = new URL('../..', import.meta.url).pathname;
/** What `npm run build` compiles `meshgate` into: the CLI a production deployment runs with plain node. */
const COMPILED_CLI = join(REPO, 'dist/gateway/cli/main.js');

let built = false;

/**
 * `npm run build`, once per bench process, so a fresh clone benches what it has and an edit
 * is never benched stale. The build is incremental: an unchanged tree takes a few seconds.
 */
export function buildMeshgate(): void {
  if (built) return;
  console.log('building meshgate: npm run build');
  const result = spawnSync(process.execPath, [join(REPO, 'bin/build.js')], { cwd: REPO, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run build failed (${result.signal ?? result.status})`);
  built = true;
}

/**
 * meshgate as production runs it: compiled, `node dist/gateway/cli/main.js serve --config FILE
 * [--workers N]`, with no TypeScript loader. `config` is written to FILE as JSON (which is
 * YAML). `profileDir` adds `--cpu-prof` to meshgate alone (its workers inherit it).
 */
export async function startMeshgate(config: Record<string, unknown>, options: { profileDir?: string; workers?: number; semiSpaceMb?: number } = {}): Promise<Gateway> {
  buildMeshgate();
  const workers = options.workers ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-bench-config-'));
  const configFile = join(dir, 'meshgate.json');
  writeFileSync(configFile, JSON.stringify({ port: 0, mode: 'production', auth: { allowAnonymous: true }, cost: { maxCost: 100000 }, ...config }));
  // One worker says `ready at URL`; with several, the primary says `N workers on URL` once all listen.
  const readyLine = workers > 1 ? /workers on (http:\/\/\S+)/ : /ready at (http:\/\/\S+)/;
  try {
    const service = await startChildService(COMPILED_CLI, {
      args: ['serve', '--config', configFile, '--workers', String(workers)],
      env: { MESHGATE_LOG_LEVEL: 'warn' },
      execArgv: [...cpuProfFlags(options.profileDir), ...semiSpaceFlag(options.semiSpaceMb)],
      readyOnOutput: (output) => {
        const url = readyLine.exec(output)?.[1];
        return url ? { type: 'ready', url } : undefined;
      },
    });
    return { ...service, stop: () => service.stop().finally(() => rmSync(dir, { recursive: true, force: true })) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Vanilla Apollo Gateway, as Apollo's docs set it up, serving `supergraphFile`; `profileDir` as for meshgate. */
export function startVanillaApollo(supergraphFile: string, options: { profileDir?: string; semiSpaceMb?: number } = {}): Promise<Gateway> {
  return startChildService(new URL('../gateways/vanilla-apollo-gateway.mjs', import.meta.url).pathname, {
    args: [supergraphFile],
    execArgv: [...cpuProfFlags(options.profileDir), ...semiSpaceFlag(options.semiSpaceMb)],
  });
}

/** node's flags for a CPU profile into `dir`, or none. */
function cpuProfFlags(dir: string | undefined): string[] {
  return dir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** node's flag for a young generation of `mb` (each of its two semi-spaces), or none. */
function semiSpaceFlag(mb: number | undefined): string[] {
  return mb === undefined ? [] : [`--max-semi-space-size=${mb}`];
}

/** Runs `body` with a list it adds services to, and stops them all however it ends. */
export async function withServices(body: (services: ChildService<unknown>[]) => Promise<void>): Promise<void> {
  const services: ChildService<unknown>[] = [];
  try {
    await body(services);
  } finally {
    for (const service of services.reverse()) await service.stop();
  }
}
