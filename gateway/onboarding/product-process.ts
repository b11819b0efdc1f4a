import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { freePort } from '../http/free-port.ts';

/** How long a product may take from its command to answering `/health`: seeding a store on first run included. */
const START_TIMEOUT_MS = 60_000;
/** Of what the product printed, the tail kept to explain a product that did not start. */
const OUTPUT_TAIL = 4_000;

/**
 * The product `meshgate dev --run` serves: its command run in the product's folder, on a
 * port dev picked (in `PORT`, as the template's server reads it), its output passed through
 * with the product's name in front, and restarted whole on every save. A restart, not a
 * reload in place: the command may be anything (another language too), and a fresh process
 * is the one way to know every edited module is the one running.
 */
export class ProductProcess {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    private readonly command: string,
    private readonly dir: string,
    private readonly name: string,
    readonly port: number,
  ) {}

  /** Starts the command and resolves once the product answers on its port (`/health` on the kit). */
  static async start(command: string, dir: string, name: string): Promise<ProductProcess> {
    const product = new ProductProcess(command, dir, name, await freePort('127.0.0.1'));
    await product.spawn();
    return product;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  /** Stops the running process and starts the command again; says how it went. */
  async restart(): Promise<string> {
    await this.stop();
    await this.spawn();
    return `${this.name} restarted (${this.command})`;
  }

  /** Stops the process and whatever it started (its process group), SIGTERM first. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.signal(child, 'SIGTERM');
    const timer = setTimeout(() => this.signal(child, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private signal(child: ChildProcess, signal: NodeJS.Signals): void {
    try {
      // A shell runs the command: its group holds the product too. Windows has no groups.
      if (process.platform === 'win32') child.kill(signal);
      else process.kill(-child.pid!, signal);
    } catch {
      // Gone already.
    }
  }

  private async spawn(): Promise<void> {
    this.output = '';
    const child = spawn(this.command, {
      cwd: this.dir,
      shell: true,
      detached: process.platform !== 'win32',
      env: { ...process.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const pass = (chunk: Buffer) => {
      const text = chunk.toString();
      this.output = (this.output + text).slice(-OUTPUT_TAIL);
      for (const line of text.split('\n')) if (line) console.log(`[${this.name}] ${line}`);
    };
    child.stdout!.on('data', pass);
    child.stderr!.on('data', pass);
    let exited: number | string | null | undefined;
    child.once('exit', (code, signal) => (exited = code ?? signal));
    for (const started = Date.now(); Date.now() - started < START_TIMEOUT_MS; await sleep(100)) {
      if (exited !== undefined) throw new MeshError(MeshErrorCode.CONFIG_INVALID, `${this.name} exited (${exited}) before it served; \`${this.command}\` printed:\n${this.output.trim()}`);
      if (await this.healthy()) return;
    }
    await this.stop();
    throw new MeshError(MeshErrorCode.CONFIG_INVALID, `${this.name} did not answer on port ${this.port} within ${START_TIMEOUT_MS / 1000} s: does \`${this.command}\` listen on PORT?`);
  }

  private async healthy(): Promise<boolean> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.port}/health`, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      // Any answer means it listens: a product not built on the kit may have no /health.
      return response.status !== 503;
    } catch {
      return false;
    }
  }
}
