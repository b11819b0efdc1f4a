import type { IncomingMessage } from 'node:http';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { hostName, LOOPBACK_HOST_NAMES } from '../../schema/protocol/loopback.ts';
import type { GatewayConfig } from '../config.ts';

/** Bind addresses that name no one host (every interface). */
const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]']);

/** Throws HOST_NOT_ALLOWED for a request whose `Host` this gateway does not answer to. */
export type HostGuard = (req: IncomingMessage) => void;

/**
 * DNS rebinding: a page on `evil.example` re-resolves its own name to 127.0.0.1, and the
 * victim's browser then sends the page's requests to the gateway on the victim's machine,
 * as same-origin, with `Host: evil.example`. Answering only `Host` values that name this
 * machine (or names configured in `allowedHosts`) leaves the page nothing to read.
 *
 * In development the guard is always on: that gateway listens on a developer's machine,
 * where a browser can reach it. In production it is on only when `allowedHosts` is set,
 * because only the operator knows the names a load balancer and its probes use.
 *
 * Undefined when the guard is off.
 */
export function hostGuard(config: Pick<GatewayConfig, 'mode' | 'host' | 'allowedHosts'>): HostGuard | undefined {
  if (config.mode === 'production' && config.allowedHosts === undefined) return undefined;
  const bind = config.host.toLowerCase();
  const allowed = new Set([...LOOPBACK_HOST_NAMES, ...(WILDCARD_BINDS.has(bind) ? [] : [bracketed(bind)]), ...(config.allowedHosts ?? [])]);
  return (req) => {
    const name = hostName(req.headers.host);
    if (name !== undefined && allowed.has(name)) return;
    // The refused name is not echoed: it is whatever the attacker's page chose.
    throw new MeshError(MeshErrorCode.HOST_NOT_ALLOWED, 'This gateway does not answer to that Host; add it to allowedHosts to serve it');
  };
}

/** An IPv6 address as it appears in a `Host` header. */
function bracketed(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}
