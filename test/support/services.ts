import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import pg from 'pg';

export const TEST_POSTGRES_URL = process.env.MESHGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether a real server the tests need is there. Under CI it must be: an unreachable
 * server fails the run instead of silently skipping what it was meant to prove.
 */
async function serviceAvailable(name: string, probe: () => Promise<void>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    const message = `${name} is not reachable (${(error as Error).message})`;
    if (process.env.CI) throw new Error(`${message}; CI requires it`);
    console.warn(`SKIPPING ${name} tests: ${message}. Start it to run them; under CI they are required.`);
    return false;
  }
}

export function postgresAvailable(url = TEST_POSTGRES_URL): Promise<boolean> {
  return serviceAvailable(`PostgreSQL at ${url}`, async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    await client.connect();
    await client.end();
  });
}

export const TEST_REDIS_URL = process.env.MESHGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function redisAvailable(url = TEST_REDIS_URL): Promise<boolean> {
  return serviceAvailable(`Redis at ${url}`, async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(url, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  });
}

export interface OwnRedis {
  url: string;
  port: number;
  process: ChildProcess;
}

/** A Redis of the test's own on a free port, so it can be killed without touching the machine's. */
export async function startOwnRedis(fixedPort?: number): Promise<OwnRedis> {
  const port =
    fixedPort ??
    (await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    }));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'pipe' });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve();
    });
  });
  return { url: `redis://127.0.0.1:${port}`, port, process: child };
}

/** Drops a schema a test created in the test database (a registry's tables, say), with everything in it. */
export async function dropPostgresSchema(schema: string, url = TEST_POSTGRES_URL): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new TypeError(`not a schema name: ${schema}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export const TEST_MYSQL_URL = process.env.MESHGATE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/meshgate_test';

/** MySQL or MariaDB at `url`; its database is created when the server has none of that name. */
export function mysqlAvailable(url = TEST_MYSQL_URL): Promise<boolean> {
  return serviceAvailable(`MySQL/MariaDB at ${url}`, async () => {
    const mysql = await import('mysql2/promise');
    const target = new URL(url);
    const database = target.pathname.slice(1);
    target.pathname = '/';
    const connection = await mysql.createConnection({ uri: target.toString(), connectTimeout: 2_000 });
    try {
      await connection.query(`CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, '')}\``);
    } finally {
      await connection.end();
    }
  });
}
