import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDescriptor } from '../../schema/descriptor.ts';

/**
 * The shell commands of the README's "Run a single product" section, run as written (through
 * `npx` and `curl`, as a reader pastes them), on a free port instead of the README's, which
 * another process on the machine may hold. The other README commands are run by other tests:
 * `npm start` by test/e2e/npm-start.test.ts, `meshgate serve --supergraph` and the
 * `MESHGATE_SUBGRAPH_URL_*` overrides by test/e2e/serve-foreign-supergraph.test.ts.
 */
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const ROOT = new URL('../..', import.meta.url).pathname;

/** The command lines of the first `sh` block in the README section under `heading`, comments dropped. */
function shellCommands(heading: string): string[] {
  const section = new RegExp(`^## ${heading}\\n([\\s\\S]*?)(?=^## )`, 'm').exec(README)?.[1] ?? '';
  const block = /^```sh\n([\s\S]*?)^```/m.exec(section)?.[1] ?? '';
  return block.split('\n').map((line) => line.replace(/\s+#.*$/, '').trim()).filter((line) => line !== '');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let product: ChildProcess | undefined;
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
    const args = serve!.replace(`--port ${served![2]}`, `--port ${port}`).split(' ');
    product = spawn(args[0]!, args.slice(1), { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
    expect(output).toContain(`serving at http://127.0.0.1:${port}/graphql`);

    const curlArgs = curl!.replace(`localhost:${health![1]}`, `localhost:${port}`).split(' ');
    const { stdout } = await promisify(execFile)(curlArgs[0]!, [...curlArgs.slice(1), '--silent', '--fail']);
    const { version } = loadDescriptor(join(ROOT, 'subgraphs', name, 'product.yaml'));
    expect(JSON.parse(stdout)).toEqual({ status: 'ok', product: name, version });
  });
});
