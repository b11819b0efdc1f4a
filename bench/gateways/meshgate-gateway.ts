import { resolveGatewayConfig } from '../../gateway/config.ts';
import { startGateway } from '../../gateway/create-gateway.ts';

/**
 * A meshgate gateway in its own process, started the way `meshgate serve` starts it, from
 * the config passed as JSON in MESHGATE_BENCH_CONFIG. Reports its URL over IPC.
 */
const gateway = await startGateway(resolveGatewayConfig(JSON.parse(process.env.MESHGATE_BENCH_CONFIG ?? '{}'), 'MESHGATE_BENCH_CONFIG'));
process.once('SIGINT', () => void gateway.close().then(() => process.exit(0)));
process.send!({ type: 'ready', url: gateway.url });
