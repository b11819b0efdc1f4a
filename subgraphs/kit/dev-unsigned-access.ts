import type { IncomingMessage } from 'node:http';
import { ConfigError, MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { hostName, isLoopbackAddress, LOOPBACK_HOST_NAMES } from '../../schema/protocol/loopback.ts';

/** The environment variable that switches development mode on for a product started without the option. */
export const DEV_UNSIGNED_ENV = 'MESHGATE_DEV_UNSIGNED';

/**
 * Development mode: a product answers requests that carry no gateway signature, so its team
 * can query and introspect it with curl while they build it. No backdoors survive it:
 *
 * - production refuses to start with it (`DEV_MODE_REFUSED`), whichever way it was asked;
 * - only the socket's peer address counts, and it must be loopback: X-Forwarded-For and
 *   friends are written by the caller, so they are never read;
 * - the `Host` must name this machine, so a web page whose DNS name was rebound to
 *   127.0.0.1 cannot use the developer's browser to read the product (HOST_NOT_ALLOWED);
 * - a request that does carry a signature is verified as always: coming from localhost
 *   does not excuse a forged one.
 *
 * Returns undefined when development mode is off (the usual case): every request is verified.
 */
export function devUnsignedAccess(options: { devUnsigned?: boolean; mode?: 'development' | 'production'; product: string }, env: NodeJS.ProcessEnv = process.env): DevUnsignedAccess | undefined {
  const fromEnv = env[DEV_UNSIGNED_ENV];
  if (fromEnv !== undefined && !['', '0', '1'].includes(fromEnv)) {
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, DEV_UNSIGNED_ENV, [`must be 1 (on) or 0 (off), got ${JSON.stringify(fromEnv.slice(0, 20))}`]);
  }
  const on = options.devUnsigned ?? fromEnv === '1';
  if (!on) return undefined;
  const mode = options.mode ?? (env.NODE_ENV === 'production' ? 'production' : 'development');
  if (mode === 'production') {
    const source = options.devUnsigned ? 'the devUnsigned option' : `${DEV_UNSIGNED_ENV}=1`;
    throw new MeshError(
      MeshErrorCode.DEV_MODE_REFUSED,
      `${options.product}: ${source} (unsigned requests from localhost) is refused in production; products answer only the gateway's signed requests`,
    );
  }
  return new DevUnsignedAccess();
}

class DevUnsignedAccess {
  /** The line a product prints when it starts in development mode, so nobody runs it unknowingly. */
  readonly notice = `answers UNSIGNED requests from this machine (development mode, ${DEV_UNSIGNED_ENV}); never in production`;

  /**
   * True when an unsigned request may skip the signature check: it carries no signature and
   * comes from this machine, naming this machine. Throws HOST_NOT_ALLOWED for an unsigned
   * loopback request naming another host; false for anything else, which is then verified.
   */
  admits(req: IncomingMessage, signature: string | string[] | undefined): boolean {
    if (signature !== undefined && signature !== '') return false;
    if (!isLoopbackAddress(req.socket.remoteAddress)) return false;
    const name = hostName(req.headers.host);
    if (name === undefined || !LOOPBACK_HOST_NAMES.has(name)) {
      // The refused name is not echoed: it is whatever the attacker's page chose.
      throw new MeshError(MeshErrorCode.HOST_NOT_ALLOWED, 'Unsigned development requests must name this machine (Host: localhost, 127.0.0.1 or [::1])', { endsRequest: true });
    }
    return true;
  }
}
