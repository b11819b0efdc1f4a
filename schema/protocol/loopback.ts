import { isIPv4 } from 'node:net';

/**
 * What counts as "this machine" on both sides of the wire: the gateway's Host guard and a
 * product's development mode (unsigned requests from localhost) ask the same questions.
 */

/** `Host` names that always mean this machine. */
export const LOOPBACK_HOST_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The name of a `Host` header without its port, lower-cased; undefined when absent or malformed. */
export function hostName(host: string | undefined): string | undefined {
  // `name`, `name:port`, `[v6]` or `[v6]:port`, and nothing else (no user info, no path).
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i.exec(host ?? '');
  return match?.[1]?.toLowerCase();
}

/**
 * Whether a TCP peer address (`socket.remoteAddress`) is loopback: 127.0.0.0/8, ::1, or
 * an IPv4-mapped 127.x address on a dual-stack socket. Only the socket's own address is
 * asked: forwarding headers (X-Forwarded-For, Forwarded) are whatever the caller wrote.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  if (isIPv4(v4)) return v4.startsWith('127.');
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}
