import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_MESH } from '../../../subgraphs/demo-mesh.ts';
import { runCli } from '../../support/cli-process.ts';

/** What the CLI tells a person when something is in the way: one line, no stack, exit 1. */
let blocker: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  blocker = undefined;
});

const listenOn = (port: number) =>
  new Promise<Server | undefined>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

/**
 * A port held by this test, with a free port after it for each demo product: `start` puts its products on the
 * ports after the gateway's, and the system hands out ephemeral ports in order, so the next
 * one is often another process's.
 */
async function takePort(): Promise<number> {
  for (;;) {
    blocker = (await listenOn(0))!;
    const port = (blocker.address() as AddressInfo).port;
    const next = await Promise.all(DEMO_MESH.map((_, i) => listenOn(port + i + 1)));
    await Promise.all(next.map((server) => server && new Promise((resolve) => server.close(resolve))));
    if (next.every(Boolean)) return port;
    blocker.close();
  }
}

function oneLineWithoutStack(output: string): string {
  const lines = output.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(output).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

describe('meshgate CLI messages', () => {
  it.each([['serve'], ['start']])('%s answers a port in use with the port and the --port flag', async (command) => {
    const port = await takePort();
    const cli = runCli([command, '--port', String(port)], { MESHGATE_USAGE_FILE: '/dev/null' });
    expect(await cli.exited).toBe(1);
    // `start` prints its products' URLs first; the refusal is its last line.
    const output = command === 'start' ? cli.output().trim().split('\n').at(-1)! : cli.output();
    expect(oneLineWithoutStack(output)).toBe(`meshgate: port ${port} on 127.0.0.1 is already in use; choose another with --port <port>`);
  });

  it('prints its version', async () => {
    const cli = runCli(['--version']);
    expect(await cli.exited).toBe(0);
    expect(cli.output().trim()).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
  });

  it('refuses to mint a development token in production, saying why', async () => {
    const cli = runCli(['token'], { NODE_ENV: 'production' });
    expect(await cli.exited).toBe(1);
    expect(oneLineWithoutStack(cli.output())).toMatch(/^CONFIG_INVALID: .*development tokens only.*production/);
  });
});
