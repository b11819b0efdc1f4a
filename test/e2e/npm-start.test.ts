import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDescriptor } from '../../schema/product/descriptor.ts';
import { postGraphQL } from '../support/mesh-harness.ts';
import { readMeshFolder } from '../../gateway/onboarding/dev-mesh.ts';
import { runCli, trackProcess, type CliProcess } from '../support/cli-process.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** Whether something accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls until nothing listens on the port; fails the test if something still does after 20 s. */
async function waitUntilClosed(port: number): Promise<void> {
  for (let i = 0; i < 200 && (await listening(port)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await listening(port), `port ${port} still bound`).toBe(false);
}

/** What `npm start` runs, as a real process: every product of the mesh and the gateway in one command. */
describe('meshgate start', () => {
  let cli: CliProcess | undefined;
  afterEach(async () => {
    await cli?.stop('SIGKILL');
  });

  it('serves the whole mesh, and stops cleanly on SIGTERM', async () => {
    cli = runCli(['start', '--port', '0']);
    const url = await cli.waitFor(/meshgate gateway\s+(http:\/\/\S+)/, 60_000);
    for (const { name } of DEMO_MESH) {
      expect(cli.output()).toMatch(new RegExp(`product ${name}\\s+http://127\\.0\\.0\\.1:\\d+/graphql`));
    }
    const result = await postGraphQL(url, {
      query: '{ customer(id: "C00042") { id segment orders(first: 1) { edges { node { id lines { product { name forecast(months: 1) { units } } } } } } } }',
    });
    // Anonymous in development: public and internal fields only (restricted ones need a token).
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.customer).toMatchObject({ id: 'C00042', segment: 'CONSUMER' });
    expect(result.body.data.customer.orders.edges[0].node.lines[0].product).toEqual({ name: 'Smart Soundbar', forecast: [{ units: 183 }] });

    // The printed development token unlocks restricted and confidential fields too.
    const token = await cli.waitFor(/Authorization: Bearer (\S+)/);
    const full = await postGraphQL(url, { query: '{ customer(id: "C00042") { name lifetimeValueUsd churnRisk } }' }, { authorization: `Bearer ${token}` });
    expect(full.body.errors).toBeUndefined();
    expect(full.body.data.customer).toEqual({ name: 'Tara Eriksen', lifetimeValueUsd: 72479.71, churnRisk: 'LOW' });
    const anonymous = await postGraphQL(url, { query: '{ customer(id: "C00042") { name } }' });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN_FIELD');

    // The explorer the gateway serves itself at `/`, Apollo Sandbox (online) at `/sandbox`.
    const explorer = await fetch(url.replace(/graphql$/, ''), { headers: { accept: 'text/html' } });
    expect(explorer.status).toBe(200);
    const explorerPage = await explorer.text();
    expect(explorerPage).toContain('<!DOCTYPE html>');
    expect(explorerPage).toContain('GraphiQL');
    const sandbox = await fetch(url.replace(/graphql$/, 'sandbox'), { headers: { accept: 'text/html' } });
    expect(sandbox.status).toBe(200);
    expect(await sandbox.text()).toContain('<!DOCTYPE html>');

    expect(await cli.stop('SIGTERM')).toBe(0);
    expect(cli.output()).toContain('SIGTERM received, stopping');
  });

  it("stops the gateway and every product, freeing their ports, when npm start's own process gets SIGTERM", async () => {
    // npm runs the script under a shell: a SIGTERM to npm ends npm and the shell, not meshgate.
    // Its own process group, so that whatever is left can be found and killed after the test.
    const child = spawn('npm', ['start', '--silent', '--', '--port', '0'], { cwd: ROOT, detached: true, stdio: 'pipe' });
    cli = trackProcess(child, (signal) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // The group is gone already.
      }
    });
    const url = await cli.waitFor(/meshgate gateway\s+(http:\/\/\S+)/, 60_000);
    await cli.waitFor(/Press Ctrl-C to stop/);
    const ports = [url, ...[...cli.output().matchAll(/^ {2}product \S+\s+(http:\/\/\S+)/gm)].map((m) => m[1]!)].map((u) => Number(new URL(u).port));
    expect(ports).toHaveLength(DEMO_MESH.length + 1);
    expect(await listening(ports[0]!)).toBe(true);
    // `meshgate dev --root` beside it reaches the products where this start put them, not at the committed supergraph's ports.
    const printed = Object.fromEntries([...cli.output().matchAll(/^ {2}product (\S+)\s+(http:\/\/\S+)/gm)].map((m) => [m[1]!, m[2]!]));
    expect(readMeshFolder(ROOT).urls).toEqual(printed);

    process.kill(child.pid!, 'SIGTERM');
    for (const port of ports) await waitUntilClosed(port);
    expect(readMeshFolder(ROOT).origin).toBe(ROOT);
  });

  it('runs a single product on its own port with a health endpoint', async () => {
    cli = runCli(['product', 'catalog', '--port', '0']);
    const url = await cli.waitFor(/serving at (http:\/\/\S+)/);
    const health = await fetch(url.replace(/graphql$/, 'health'));
    // The version the product declares, whichever release it is at.
    const { version } = loadDescriptor(join(DEMO_MESH.find((m) => m.name === 'catalog')!.definition.dir, 'product.yaml'));
    expect(await health.json()).toMatchObject({ status: 'ok', product: 'catalog', version });
    // A product answers only the gateway: an unsigned request is refused before any resolver.
    const result = await postGraphQL(url, { query: '{ product(sku: "SKU-0002") { sku category } }' });
    expect(result.status).toBe(401);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('SIGNATURE_MISSING');
    const missing = await fetch(url.replace(/graphql$/, 'nope'));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('NOT_FOUND');
  });
});
