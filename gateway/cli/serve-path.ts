/**
 * Everything `meshgate serve` runs, as one module: the build bundles it (with what it imports
 * of ours) into one file beside its compiled twin, which the serve command loads when it is
 * there. A gateway replica then resolves, reads and compiles a few files instead of some 150.
 */
export { loadGatewayConfig } from '../config-loader.ts';
export { startGateway } from '../create-gateway.ts';
export { isUnrouted, noUrlYet } from '../../schema/registry/routing-url.ts';
export { runPrimary } from './cluster.ts';
export { onShutdownSignal } from './shutdown.ts';
