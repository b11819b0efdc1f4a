import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Where one user's development identity lives: the development signing secret and the key
 * that signs development bearer tokens. One folder per user, not per working directory, so
 * `meshgate start`, `serve`, `dev`, `product` and `token` agree wherever each one runs.
 *
 * `MESHGATE_HOME` when set (tests point it at a folder of their own), else
 * `$XDG_CONFIG_HOME/meshgate`, else `~/.config/meshgate`. Production never reads it.
 */
export function meshgateHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MESHGATE_HOME) return env.MESHGATE_HOME;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'meshgate');
}

/**
 * Reads a file, creating it with `create()` on first use. Creation links a fully written
 * temporary file into place, so concurrent first starts (two test workers, `npm start` and
 * a product started by hand) all end up reading the one file that won.
 */
export function readOrCreateFile(file: string, create: () => string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temporary, create(), { mode: 0o600 });
    try {
      linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temporary, { force: true });
    }
  }
  return readFileSync(file, 'utf8');
}
