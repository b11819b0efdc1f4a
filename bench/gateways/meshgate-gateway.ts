import cluster from 'node:cluster';
import { isClusterWorker, runPrimary } from '../../gateway/cluster.ts';
import { resolveGatewayConfig } from '../../gateway/config.ts';
import { startGateway } from '../../gateway/create-gateway.ts';

/**
 * A meshgate gateway in its own process, started the way `meshgate serve` starts it, from
 * the config passed as JSON in MESHGATE_BENCH_CONFIG. With MESHGATE_BENCH_WORKERS above 1
 * it runs as `meshgate serve --workers N` does: a primary and N gateway workers. Reports
 * its URL over IPC.
 */
const config = JSON.parse(process.env.MESHGATE_BENCH_CONFIG ?? '{}') as Record<string, unknown>;
const workers = Number(process.env.MESHGATE_BENCH_WORKERS ?? 1);
if (workers > 1 && cluster.isPrimary) {
  await runPrimary({ workers, port: 0, host: '127.0.0.1', onReady: (port) => process.send!({ type: 'ready', url: `http://127.0.0.1:${port}/graphql` }) });
} else {
  const port = isClusterWorker() ? Number(process.env.MESHGATE_PORT) : config.port;
  const gateway = await startGateway(resolveGatewayConfig({ ...config, port }, 'MESHGATE_BENCH_CONFIG'));
  const stop = () => void gateway.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (!isClusterWorker()) process.send!({ type: 'ready', url: gateway.url });
}
