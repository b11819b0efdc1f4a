import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDescriptor } from '../../schema/descriptor.ts';
import { readmeShellBlocks } from '../support/readme-sections.ts';

/**
 * The shell commands of the README's "Run a single product" section, run as written (through
 * `npx` and `curl`, as a reader pastes them), on a free port instead of the README's, which
 * another process on the machine may hold. The other README commands are run by other tests:
 * `npm start` by test/e2e/npm-start.test.ts, `meshgate serve --supergraph` and the
 * `MESHGATE_SUBGRAPH_URL_*` overrides by test/e2e/serve-foreign-supergraph.test.ts,
 * `meshgate dev` by test/e2e/dev-command.test.ts.
 */
const ROOT = new URL('../..', import.meta.url).pathname;

/** The command lines of the first `sh` block in the README section under `heading`. */
const shellCommands = (heading: string): string[] => readmeShellBlocks(heading)[0] ?? [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let product: ChildProcess | undefined;

/** Starts a README command line through the shell, as pasted; resolves with its output once it serves. */
async function startAsWritten(command: string): Promise<string> {
  product = spawn('sh', ['-c', command], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  product.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  product.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "serving at" within 60 s:\n${output}`)), 60_000);
    product!.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
    product!.stdout!.on('data', () => {
      if (output.includes('serving at')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return output;
}
afterEach(async () => {
  // npx runs the CLI as its child: the process group, started for this test, goes together.
  if (product?.pid !== undefined && product.exitCode === null) {
    const exited = new Promise((resolve) => product!.once('exit', resolve));
    process.kill(-product.pid, 'SIGTERM');
    await exited;
  }
  product = undefined;
});

describe('README: Run a single product', () => {
  it('npx meshgate product <name> --port <port> serves the product, and curl <port>/health answers for it', async () => {
    const [serve, curl, ...rest] = shellCommands('Run a single product');
    expect(rest).toEqual([]);
    const served = /^npx meshgate product (\S+) --port (\d+)$/.exec(serve ?? '');
    const health = /^curl localhost:(\d+)\/health$/.exec(curl ?? '');
    expect(served, serve).not.toBeNull();
    expect(health, curl).not.toBeNull();
    expect(health![1]).toBe(served![2]);

    const name = served![1]!;
    const port = String(await freePort());
    const output = await startAsWritten(serve!.replace(`--port ${served![2]}`, `--port ${port}`));
    expect(output).toContain(`serving at http://127.0.0.1:${port}/graphql`);

    const curlArgs = curl!.replace(`localhost:${health![1]}`, `localhost:${port}`).split(' ');
    const { stdout } = await promisify(execFile)(curlArgs[0]!, [...curlArgs.slice(1), '--silent', '--fail']);
    const { version } = loadDescriptor(join(ROOT, 'subgraphs', name, 'product.yaml'));
    expect(JSON.parse(stdout)).toEqual({ status: 'ok', product: name, version });
  });
});

describe('README: Develop a product', () => {
  it('MESHGATE_DEV_UNSIGNED=1 npx meshgate product <name> answers the unsigned curl introspection', async () => {
    const [serve, curl, ...rest] = readmeShellBlocks('Develop a product')[0] ?? [];
    expect(rest).toEqual([]);
    const served = /^MESHGATE_DEV_UNSIGNED=1 npx meshgate product (\S+) --port (\d+)$/.exec(serve ?? '');
    expect(served, serve).not.toBeNull();
    expect(curl).toMatch(new RegExp(`^curl .*localhost:${served![2]}/graphql `));

    const port = String(await freePort());
    const output = await startAsWritten(serve!.replace(`--port ${served![2]}`, `--port ${port}`));
    expect(output).toContain(`${served![1]} answers UNSIGNED requests from this machine`);
    const { stdout } = await promisify(execFile)('sh', ['-c', curl!.replace(`localhost:${served![2]}`, `localhost:${port}`)]);
    const sdl = (JSON.parse(stdout) as { data: { _service: { sdl: string } } }).data._service.sdl;
    expect(sdl).toContain('type Query');
    expect(sdl).toContain('@key');
  });
});
